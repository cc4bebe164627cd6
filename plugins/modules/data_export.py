#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: data_export
short_description: Export legacy Group Chat data with Export-CsPersistentChatData, once per unchanged source
version_added: 0.1.0
description:
  - Runs C(Export-CsPersistentChatData) on a Lync Server 2013 Front End (task's host) against the legacy Group
    Chat database, and returns the export file's size and SHA256 and a summary of the export report.
  - Writes a JSON record next to the export file (same name plus C(.pchat.json)) holding the parameters, the
    file's SHA256 and a fingerprint of the source database.
  - A later run changes nothing when the export file still has the recorded SHA256, the parameters are the
    same, and the source is unchanged. "Unchanged" is decided by the fingerprint of the legacy database,
    read over ODBC when the C(sql_*) options name it (row counts of nodes, principals, roles, scopes,
    add-ins and messages, plus the message count and highest chatId of every room). Without C(sql_*)
    options there is no fingerprint and only the parameters and the file's hash are compared.
  - Stop the legacy Group Chat services first (M(lync.persistent_chat.service)); Microsoft requires it, and
    messages posted during the export would change the fingerprint.
  - The export runs as one long command; RV(durations) tells how long each part took.
options:
  db_instance:
    description: The legacy Group Chat SQL instance (C(-DBInstance)), for example C(sql01.contoso.local\\GROUPCHAT).
    type: str
    required: true
  db_name:
    description: The legacy database name (C(-DBName)); the cmdlet's default is C(mgc).
    type: str
  file_name:
    description:
      - Full path of the ZIP file to create (C(-FileName)), as the Front End sees it. Its folder is created when missing.
    type: str
    required: true
  level:
    description: What to export (C(-Level)).
    type: str
    choices: [All, User, Category, RoomDirectory, Content]
  scope:
    description: Names of the categories to export, with their rooms (C(-Scope)); default all.
    type: list
    elements: str
  start_date:
    description:
      - Export content posted on or after this date (C(-StartDate)), as C(YYYY-MM-DD) or C(YYYY-MM-DDTHH:MM:SS) (UTC).
    type: str
  report:
    description:
      - Path of the HTML report to write (C(-Report)). Its summary is returned in RV(report_summary).
    type: str
  force:
    description: Export even when the recorded export is current.
    type: bool
    default: false
extends_documentation_fragment:
  - lync.persistent_chat.attributes
  - lync.persistent_chat.connection
  - lync.persistent_chat.sql
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: Reads the record, the file and the fingerprint; reports whether an export would run.
  diff_mode:
    support: full
    details: Before and after are the recorded export (file, size, SHA256, parameters, fingerprint).
notes:
  - While a long command runs, the task shows progress at C(-vv) (C(started), C(still running after Ns) once per WinRM
    operation timeout, C(finished after Ns)).
  - Needs membership of the RBAC role CsPersistentChatAdministrator.
author:
  - Lync Persistent Chat contributors (@lync-persistent-chat)
seealso:
  - module: lync.persistent_chat.data_import
  - module: lync.persistent_chat.service
"""

EXAMPLES = r"""
- name: Export everything from the legacy database (fingerprint read over ODBC)
  lync.persistent_chat.data_export:
    db_instance: sql01.contoso.local\GROUPCHAT
    db_name: GroupChat
    file_name: D:\Migration\groupchat.zip
    report: D:\Migration\export.html
    sql_server: sql01.contoso.local
    sql_instance: GROUPCHAT
    sql_database: GroupChat
  register: export

- name: Import exactly what was exported
  lync.persistent_chat.data_import:
    db_instance: sql01.contoso.local\RTC
    file_name: D:\Migration\groupchat.zip
    expected_sha256: "{{ export.export.sha256 }}"
"""

RETURN = r"""
export:
  description: The export as recorded after this run (size and sha256 are null in check mode before an export exists).
  returned: always
  type: dict
  contains:
    path:
      description: O(file_name).
      type: str
    size:
      description: Size of the ZIP file in bytes.
      type: int
    sha256:
      description: SHA256 of the ZIP file, upper-case hex.
      type: str
    parameters:
      description: The export parameters used.
      type: dict
    fingerprint:
      description: Fingerprint of the source database (null without C(sql_*) options).
      type: str
    exported_at:
      description: UTC time of the export.
      type: str
  sample: {"path": "D:\\Migration\\groupchat.zip", "size": 48213, "sha256": "AB12...", "fingerprint": "3f9c...",
           "parameters": {"db_instance": "sql01.contoso.local\\GROUPCHAT", "db_name": "GroupChat", "level": null,
                          "scope": null, "start_date": null}, "exported_at": "2026-11-25T12:00:00Z"}
source_counts:
  description: Row counts of the legacy database used for the fingerprint (only with C(sql_*) options).
  returned: when the C(sql_*) options name a database
  type: dict
  sample: {"nodes": 14, "principals": 9, "roles": 12, "scopes": 5, "addins": 1, "messages": 250}
report_summary:
  description: Counts found in the export report (name -> number), and the report's size in characters.
  returned: when O(report) is set and an export ran
  type: dict
  sample: {"path": "D:\\Migration\\export.html", "characters": 5120, "counts": {"rooms": 12, "messages": 250}}
record_path:
  description: Where the JSON record lives.
  returned: always
  type: str
reason:
  description: Why an export did or did not run.
  returned: always
  type: str
durations:
  description: Seconds each part took (C(fingerprint), C(read), C(export) and C(hash) on the server, C(change) round trip).
  returned: always
  type: dict
"""

import datetime
import re

from ansible_collections.lync.persistent_chat.plugins.module_utils.common import PchatModule
from ansible_collections.lync.persistent_chat.plugins.module_utils.legacy_fingerprint import fingerprint
from ansible_collections.lync.persistent_chat.plugins.module_utils.long_step import (
    Clock,
    Progress,
    durations_from,
    file_state_lines,
    make_record,
    parent_folder,
    parse_record,
    record_path,
    record_read_lines,
    record_write_line,
    run_long,
    sha256_equal,
    timed_lines,
    utc_now,
)
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import (
    PSCommand,
    PSEnumValue,
    PSVariable,
    ps_literal,
)

KIND = "data_export"
LEVELS = ["All", "User", "Category", "RoomDirectory", "Content"]


def parse_start_date(text):
    """A naive UTC datetime from YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS; ValueError otherwise."""
    for pattern in ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise ValueError("start_date must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS, not %r" % (text,))


def export_parameters(params):
    """The parameters that decide what the export holds (compared with the record)."""
    return {"db_instance": params["db_instance"], "db_name": params["db_name"], "level": params["level"],
            "scope": list(params["scope"]) if params["scope"] is not None else None,
            "start_date": params["start_date"]}


def read_script(file_name):
    lines = ["$r=[ordered]@{}"]
    lines += file_state_lines("file", file_name)
    lines += record_read_lines("record", record_path(file_name))
    lines.append("$r")
    return "\n".join(lines)


def export_command(params):
    command = (PSCommand("Export-CsPersistentChatData").param("DBInstance", params["db_instance"])
               .optional("DBName", params["db_name"]).param("FileName", params["file_name"]))
    if params["level"]:
        command.param("Level", PSEnumValue(params["level"]))
    if params["scope"] is not None:
        command.param("Scope", list(params["scope"]))
    if params["start_date"]:
        command.param("StartDate", parse_start_date(params["start_date"]))
    return command.optional("Report", params["report"])


def change_script(params, record):
    lines = ["Import-Module Lync", "$r=[ordered]@{}", "$d=[ordered]@{}"]
    for path in (params["file_name"], params["report"]):
        folder = parent_folder(path) if path else None
        if folder:
            literal = ps_literal(folder)
            lines.append("if(-not(Test-Path -LiteralPath %s -PathType Container)){New-Item -ItemType Directory "
                         "-Path %s -Force|Out-Null}" % (literal, literal))
    lines += timed_lines("export", [export_command(params).render()])
    lines += timed_lines("hash", file_state_lines("file", params["file_name"]))
    lines.append("$size=$r['file'].Size;$sha=$r['file'].Sha256")
    lines.append(record_write_line(record_path(params["file_name"]), record))
    if params["report"]:
        lines += record_read_lines("report", params["report"])
    lines += ["$r['durations']=$d", "$r"]
    return "\n".join(lines)


_ROW = re.compile(r"<tr>\s*<td>([^<]*)</td>\s*<td>\s*(\d+)\s*</td>\s*</tr>", re.I)


def summarise_report(path, text):
    """Name -> number pairs of the report's two-column tables. The report's layout is not documented,
    so anything else is left to the report itself."""
    text = text or ""
    counts = {}
    for name, value in _ROW.findall(text):
        counts[name.strip()] = int(value)
    return {"path": path, "characters": len(text), "counts": counts}


def decide(params, parameters, source_fingerprint, file_state, record):
    if params["force"]:
        return True, "force is set"
    if not file_state.get("Exists"):
        return True, "the export file does not exist"
    if record is None:
        return True, "no record of an earlier export"
    if record.get("parameters") != parameters:
        return True, "the export parameters changed"
    if not sha256_equal(record.get("sha256"), file_state.get("Sha256")):
        return True, "the export file changed since it was recorded"
    if record.get("fingerprint") != source_fingerprint:
        return True, "the source database changed since the export"
    return False, "the recorded export is current"


def describe(record):
    if record is None:
        return None
    return {key: record.get(key) for key in ("path", "size", "sha256", "parameters", "fingerprint", "exported_at")}


def main():
    module = PchatModule(
        argument_spec=dict(
            db_instance=dict(type="str", required=True),
            db_name=dict(type="str"),
            file_name=dict(type="str", required=True),
            level=dict(type="str", choices=LEVELS),
            scope=dict(type="list", elements="str"),
            start_date=dict(type="str"),
            report=dict(type="str"),
            force=dict(type="bool", default=False),
        ),
        connections=("winrm", "sql"),
        supports_check_mode=True,
    )
    params = module.params
    progress = Progress()
    if params["start_date"]:
        try:
            parse_start_date(params["start_date"])
        except ValueError as error:
            module.fail_json(msg=str(error))
    clock = Clock(module.results)
    module.results["record_path"] = record_path(params["file_name"])
    parameters = export_parameters(params)

    source_fingerprint = None
    if module.sql_configured():
        with module.step("fingerprint the legacy database"):
            with clock.measure("fingerprint"):
                source_fingerprint, counts = fingerprint(module.sql())
        module.results["source_counts"] = counts

    with module.step("read the recorded export"):
        with clock.measure("read"):
            raw = module.winrm().run_json(read_script(params["file_name"]), depth=4) or {}
    file_state = raw.get("file") or {}
    record = parse_record(raw.get("record"), KIND)
    export, reason = decide(params, parameters, source_fingerprint, file_state, record)
    module.results["reason"] = reason
    before = describe(record) if record and file_state.get("Exists") else None
    if not export:
        module.results["export"] = describe(record)
        module.exit_json(changed=False)

    planned = {"path": params["file_name"], "size": None, "sha256": None, "parameters": parameters,
               "fingerprint": source_fingerprint, "exported_at": utc_now()}
    if module.check_mode:
        module.set_diff(before, planned)
        module.results["export"] = planned
        module.exit_json(changed=True)

    record = make_record(KIND, path=params["file_name"], parameters=parameters, fingerprint=source_fingerprint,
                         exported_at=planned["exported_at"], size=PSVariable("size"), sha256=PSVariable("sha"))
    module.results["changed"] = True
    with module.step("export the legacy Group Chat data"):
        with clock.measure("change"):
            result = run_long(module, progress, "export", change_script(params, record)) or {}
    module.results["durations"].update(durations_from(result.get("durations")))
    after_file = result.get("file") or {}
    after = dict(planned, size=after_file.get("Size"), sha256=after_file.get("Sha256"))
    if params["report"]:
        module.results["report_summary"] = summarise_report(params["report"], result.get("report"))
    module.set_diff(before, after)
    module.results["export"] = after
    module.exit_json(changed=True)


if __name__ == "__main__":
    main()
