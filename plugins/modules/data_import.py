#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: data_import
short_description: Import an export into Persistent Chat with Import-CsPersistentChatData, -WhatIf first
version_added: 0.1.0
description:
  - Runs C(Import-CsPersistentChatData) on a Lync Server 2013 Front End (the task's host).
  - With O(whatif=true) only C(Import-CsPersistentChatData -WhatIf) runs, and its errors and warnings are
    returned as structured data (RV(whatif_errors), RV(whatif_warnings)); nothing changes.
  - A real import always runs C(-WhatIf) first, as Microsoft requires, and refuses to import when that run
    reports an error record nobody accepted. Microsoft documents that C(-WhatIf) reports errors, not their
    ids or wording, so acceptance rests on what the collection knows - an error is accepted when it names an
    object (by its TargetObject, or its legacy path or 2013 name in the message) of a readiness finding of
    severity error whose id is in O(accept_findings) (the findings come in O(readiness_findings)), or when
    its message matches one of O(accept_messages). Every other error blocks, and the message lists them.
  - Warnings do not block; they are returned (RV(whatif_warnings)) for the operator to read.
  - It refuses an export file whose SHA256 differs from O(expected_sha256) (the one M(lync.persistent_chat.data_export)
    returned), so only the export that was inspected gets imported.
  - When the import succeeds, a JSON record is written next to the export file (its name plus
    C(.import.pchat.json)) with the file's SHA256, the instance, and the errors and warnings. A later run that
    finds this record for the same file and instance does nothing, so the import is never repeated
    (O(force=true) imports again).
  - The record is written as C(started) just before the import and as C(done) after it. A connection lost
    during the import leaves the import running on the server; the next run then finds a C(started) record
    and fails instead of starting a second import (check, then use O(force=true) or delete the record). An import
    that fails with an error is recorded as C(failed) and may be run again.
  - Import and -WhatIf are long commands; RV(durations) says how long each took.
options:
  db_instance:
    description: The Lync Server 2013 Persistent Chat back-end SQL instance (C(-DBInstance)), for example C(sql01.contoso.local\\RTC).
    type: str
    required: true
  file_name:
    description: Full path of the export ZIP file (C(-FileName)), as the Front End sees it.
    type: str
    required: true
  report:
    description: Path of the HTML report of the real import (C(-Report)).
    type: str
  whatif_report:
    description: Path of the HTML report of the C(-WhatIf) run (C(-Report)).
    type: str
  whatif:
    description: Only run C(-WhatIf) and return its findings.
    type: bool
    default: false
  expected_sha256:
    description: SHA256 (hex, any case) the export file must have; the module fails before importing otherwise.
    type: str
  readiness_findings:
    description:
      - The readiness findings of the legacy database (RV(lync.persistent_chat.readiness#module:findings)), each
        with its C(id), C(severity) and C(objects); an error record corresponds to a finding when it names
        one of its objects. A finding that lists only its first objects (C(objects_truncated)) ties only those;
        run the readiness module with C(max_objects=0) to pass them all.
    type: list
    elements: dict
    default: []
  accept_findings:
    description:
      - Ids of readiness findings of severity error (for example V(ROOM_NAME_TOO_LONG)) whose Import errors may
        be imported anyway (Import skips the items concerned).
    type: list
    elements: str
    default: []
  accept_messages:
    description:
      - Python regular expressions; an error record whose message matches one (C(re.search)) may be imported anyway.
    type: list
    elements: str
    default: []
  accept_errors:
    description:
      - Deprecated, use O(accept_findings) or O(accept_messages). Ids of errors (the first part of the
        FullyQualifiedErrorId) that may be imported anyway. Microsoft does not document these ids, so a list
        written against one server may not match another's.
    type: list
    elements: str
    default: []
  force:
    description: Import even though the record says this file was already imported into this instance.
    type: bool
    default: false
extends_documentation_fragment:
  - lync.persistent_chat.attributes
  - lync.persistent_chat.connection
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: Reads the file and the record and runs C(-WhatIf) (which changes nothing); reports whether the import would run or be refused.
  diff_mode:
    support: full
    details: Before and after are the import record of the file.
notes:
  - While a long command runs, the task shows progress at C(-vv) (C(started), C(still running after Ns) once per WinRM
    operation timeout, C(finished after Ns)).
  - Needs membership of the RBAC role CsPersistentChatAdministrator. Stop the Persistent Chat services and back up
    C(mgc) first (M(lync.persistent_chat.service), M(lync.persistent_chat.sql_backup)).
  - The record lives next to the export file, not in the Persistent Chat database, so the module never writes to
    C(mgc) itself; deleting the record makes the next run import again.
author:
  - Lync Persistent Chat contributors (@lync-persistent-chat)
seealso:
  - module: lync.persistent_chat.data_export
"""

EXAMPLES = r"""
- name: Inspect what the import would do
  lync.persistent_chat.data_import:
    db_instance: sql01.contoso.local\RTC
    file_name: D:\Migration\groupchat.zip
    whatif: true
    whatif_report: D:\Migration\import-whatif.html
  register: whatif

- name: Import the inspected export, accepting the over-long room names readiness found
  lync.persistent_chat.data_import:
    db_instance: sql01.contoso.local\RTC
    file_name: D:\Migration\groupchat.zip
    expected_sha256: "{{ export.export.sha256 }}"
    readiness_findings: "{{ readiness.findings }}"
    accept_findings: [ROOM_NAME_TOO_LONG]
    accept_messages: ['(?i)add-in .* exceeds']
    report: D:\Migration\import.html
"""

RETURN = r"""
sha256:
  description: SHA256 of the export file, upper-case hex.
  returned: always
  type: str
whatif_errors:
  description: Errors the C(-WhatIf) run reported (none when it did not run because the import was already recorded).
  returned: always
  type: list
  elements: dict
  contains:
    error_id:
      description: The record's FullyQualifiedErrorId.
      type: str
    id:
      description: The first part of the FullyQualifiedErrorId (not documented by Microsoft for this cmdlet).
      type: str
    category:
      description: The record's CategoryInfo.Category.
      type: str
    reason:
      description: The record's CategoryInfo.Reason (the exception's type name).
      type: str
    message:
      description: The exception's message.
      type: str
    target:
      description: The record's TargetObject, when the cmdlet set one.
      type: str
    findings:
      description: Ids of the readiness findings of severity error whose objects the record names.
      type: list
      elements: str
    accepted_by:
      description: What accepted the record (C(finding <id>), C(message <pattern>), or the deprecated C(error id <id>)); null when it blocks.
      type: str
  sample: [{"error_id": "RoomNameTooLong,Microsoft.Rtc.Management.PersistentChat.Cmdlets.ImportPersistentChatDataCmdlet",
            "id": "RoomNameTooLong", "category": "InvalidData", "reason": "", "message": "IT / Helpdesk / ...: too long",
            "target": "IT / Helpdesk / ...", "findings": ["ROOM_NAME_TOO_LONG"], "accepted_by": "finding ROOM_NAME_TOO_LONG"}]
refused_errors:
  description: The C(-WhatIf) error records nobody accepted (as RV(whatif_errors)); a real import runs only when empty.
  returned: always
  type: list
  elements: dict
whatif_warnings:
  description: Warnings of the C(-WhatIf) run, as text.
  returned: always
  type: list
  elements: str
import_errors:
  description: Errors of the real import, as RV(whatif_errors).
  returned: when an import ran
  type: list
  elements: dict
import_warnings:
  description: Warnings of the real import.
  returned: when an import ran
  type: list
  elements: str
imported:
  description: True when this run imported (or, in check mode, would import).
  returned: always
  type: bool
record:
  description: The import record of the file (after the run).
  returned: when one exists
  type: dict
record_path:
  description: Where the import record lives.
  returned: always
  type: str
reason:
  description: Why the import ran, did not, or was refused.
  returned: always
  type: str
durations:
  description: Seconds each part took (C(read), C(whatif), C(import)).
  returned: always
  type: dict
"""

from ansible_collections.lync.persistent_chat.plugins.module_utils.common import PchatModule
from ansible_collections.lync.persistent_chat.plugins.module_utils.import_acceptance import (
    compile_patterns,
    describe,
    judge,
)
from ansible_collections.lync.persistent_chat.plugins.module_utils.long_step import (
    Clock,
    Progress,
    durations_from,
    file_state_lines,
    make_record,
    parse_record,
    record_path,
    record_read_lines,
    record_write_line,
    run_long,
    sha256_equal,
    timed_lines,
    utc_now,
)
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_views import as_list
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import PSCommand, PSVariable

KIND = "data_import"
RECORD_SUFFIX = ".import.pchat.json"


def read_script(file_name):
    lines = ["$r=[ordered]@{}"]
    lines += file_state_lines("file", file_name)
    lines += record_read_lines("record", record_path(file_name, RECORD_SUFFIX))
    lines.append("$r")
    return "\n".join(lines)


def import_command(params, whatif):
    command = (PSCommand("Import-CsPersistentChatData").param("DBInstance", params["db_instance"])
               .param("FileName", params["file_name"])
               .optional("Report", params["whatif_report"] if whatif else params["report"]))
    if whatif:
        command.switch("WhatIf")
    else:
        command.switch("Confirm", False)
    # Non-terminating errors and warnings are the findings: collect them instead of stopping on the first.
    return (command.param("ErrorAction", "SilentlyContinue").param("ErrorVariable", "pe")
            .param("WarningAction", "SilentlyContinue").param("WarningVariable", "pw"))


# ErrorRecord's documented members; what Import puts in them is not documented, so nothing here expects a value.
COLLECT = ["$r['errors']=@($pe|ForEach-Object{[ordered]@{Id=[string]$_.FullyQualifiedErrorId;"
           "Category=[string]$_.CategoryInfo.Category;Reason=[string]$_.CategoryInfo.Reason;"
           "Message=[string]$_.Exception.Message;Target=[string]$_.TargetObject}})",
           "$r['warnings']=@($pw|ForEach-Object{[string]$_})"]


def whatif_script(params):
    lines = ["Import-Module Lync", "$r=[ordered]@{}", "$d=[ordered]@{}", "$pe=@();$pw=@()"]
    lines += timed_lines("whatif", [import_command(params, True).render()])
    lines += COLLECT + ["$r['durations']=$d", "$r"]
    return "\n".join(lines)


def import_script(params, record):
    path = record_path(params["file_name"], RECORD_SUFFIX)
    started = dict(record, status="started", errors=None, warnings=None)
    lines = ["Import-Module Lync", "$r=[ordered]@{}", "$d=[ordered]@{}", "$pe=@();$pw=@()"]
    # Marked as started first: a run that loses its connection leaves the import going on the server,
    # and the next run must not start a second one.
    lines.append(record_write_line(path, started))
    # A failure the script sees (the cmdlet stopped with an error) is recorded as such, so the next run
    # may import again; only a run that never heard back leaves "started" behind.
    failed = dict(started, status="failed")
    guarded = "try{%s}catch{%s;throw}" % (import_command(params, False).render(), record_write_line(path, failed))
    lines += timed_lines("import", [guarded])
    lines += COLLECT
    lines.append("$errors=$r['errors'];$warnings=$r['warnings']")
    lines.append(record_write_line(path, dict(record, status="done")))
    lines += ["$r['durations']=$d", "$r"]
    return "\n".join(lines)


def shape_errors(raw):
    errors = []
    for item in as_list(raw):
        if not isinstance(item, dict):
            continue
        full_id = item.get("Id") or ""
        errors.append({"error_id": full_id, "id": full_id.split(",", 1)[0], "category": item.get("Category") or None,
                       "reason": item.get("Reason") or None, "message": item.get("Message"),
                       "target": item.get("Target") or None})
    return errors


def shape_warnings(raw):
    return [str(item) for item in as_list(raw) if item is not None]


def same_import(record, sha256, db_instance):
    return (record is not None and sha256_equal(record.get("sha256"), sha256)
            and (record.get("db_instance") or "").lower() == db_instance.lower())


def already_imported(record, sha256, db_instance):
    return same_import(record, sha256, db_instance) and record.get("status", "done") == "done"


def import_started(record, sha256, db_instance):
    return same_import(record, sha256, db_instance) and record.get("status") == "started"


def refused_errors(errors, params, patterns):
    """The records nobody accepted (each record annotated with what accepted it)."""
    return judge(errors, params["readiness_findings"], params["accept_findings"], patterns, params["accept_errors"])


def truncation_hint(params):
    """A finding that lists only its first objects cannot tie the others' errors to it: say so."""
    accepted = {str(item).casefold() for item in params["accept_findings"]}
    cut = sorted(str(f.get("id")) for f in params["readiness_findings"]
                 if isinstance(f, dict) and f.get("objects_truncated") and str(f.get("id")).casefold() in accepted)
    if not cut:
        return ""
    return (" (the readiness findings %s list only their first objects: run readiness with max_objects=0 to tie "
            "every error to them)" % ", ".join(cut))


def accepted_record(params):
    """What the import record keeps of the acceptance."""
    return dict(accepted_errors=list(params["accept_errors"]), accepted_findings=list(params["accept_findings"]),
                accepted_messages=list(params["accept_messages"]))


def main():
    module = PchatModule(
        argument_spec=dict(
            db_instance=dict(type="str", required=True),
            file_name=dict(type="str", required=True),
            report=dict(type="str"),
            whatif_report=dict(type="str"),
            whatif=dict(type="bool", default=False),
            expected_sha256=dict(type="str"),
            readiness_findings=dict(type="list", elements="dict", default=[]),
            accept_findings=dict(type="list", elements="str", default=[]),
            accept_messages=dict(type="list", elements="str", default=[]),
            accept_errors=dict(type="list", elements="str", default=[]),
            force=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params
    progress = Progress()
    clock = Clock(module.results)
    results = module.results
    results.update(record_path=record_path(params["file_name"], RECORD_SUFFIX), whatif_errors=[],
                   whatif_warnings=[], refused_errors=[], imported=False)
    try:
        patterns = compile_patterns(params["accept_messages"])
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    if params["accept_errors"]:
        module.module.deprecate(
            "accept_errors matches the error ids Import-CsPersistentChatData writes, which Microsoft does not "
            "document; accept readiness findings (accept_findings with readiness_findings) or message patterns "
            "(accept_messages) instead", version="2.0.0", collection_name="lync.persistent_chat")

    with module.step("read the export file and the import record"):
        with clock.measure("read"):
            raw = module.winrm().run_json(read_script(params["file_name"]), depth=4) or {}
    file_state = raw.get("file") or {}
    module.current_step = "check the export file"
    if not file_state.get("Exists"):
        module.fail_json(msg="the export file %s does not exist" % params["file_name"])
    sha256 = file_state.get("Sha256")
    results["sha256"] = sha256
    if params["expected_sha256"] and not sha256_equal(params["expected_sha256"], sha256):
        module.fail_json(msg="the export file's SHA256 is %s, not the expected %s: refusing to import a file other "
                             "than the one exported" % (sha256, params["expected_sha256"]))
    record = parse_record(raw.get("record"), KIND)
    if record:
        results["record"] = record

    if not params["whatif"] and not params["force"] and import_started(record, sha256, params["db_instance"]):
        module.fail_json(msg="an import of this file into %s started at %s and never recorded its end: it may still "
                             "be running (a lost connection leaves it running on the server). Check the Persistent Chat "
                             "database and the import report, then run again with force=true or delete %s" % (
                                 record.get("db_instance"), record.get("imported_at"), results["record_path"]))
    if not params["whatif"] and not params["force"] and already_imported(record, sha256, params["db_instance"]):
        results["reason"] = "this file was already imported into %s at %s" % (
            record.get("db_instance"), record.get("imported_at"))
        module.exit_json(changed=False)

    with module.step("run Import-CsPersistentChatData -WhatIf"):
        whatif = run_long(module, progress, "import -WhatIf", whatif_script(params), depth=5, idempotent=True) or {}
    results["durations"].update(durations_from(whatif.get("durations")))
    errors, warnings = shape_errors(whatif.get("errors")), shape_warnings(whatif.get("warnings"))
    results["whatif_errors"], results["whatif_warnings"] = errors, warnings
    refused = refused_errors(errors, params, patterns)
    results["refused_errors"] = refused
    if params["whatif"]:
        results["reason"] = "-WhatIf only: %d errors, %d warnings" % (len(errors), len(warnings))
        module.exit_json(changed=False)

    module.current_step = "check the -WhatIf findings"
    if refused:
        module.fail_json(msg="Import-CsPersistentChatData -WhatIf reported %d error(s) no readiness finding in "
                             "accept_findings nor pattern in accept_messages accepts: %s. Fix them, or accept the "
                             "readiness finding they correspond to%s" % (
                                 len(refused), describe(refused), truncation_hint(params)))

    imported_at = utc_now()
    planned = {"sha256": sha256, "db_instance": params["db_instance"], "imported_at": imported_at}
    before = {key: record.get(key) for key in planned} if record else None
    results["reason"] = "forced" if params["force"] and record else "no record of an import of this file"
    if module.check_mode:
        results["imported"] = True
        module.set_diff(before, planned)
        module.exit_json(changed=True)

    new_record = make_record(KIND, sha256=sha256, db_instance=params["db_instance"], imported_at=imported_at,
                             file_name=params["file_name"], errors=PSVariable("errors"), warnings=PSVariable("warnings"), **accepted_record(params))
    results["changed"] = True
    with module.step("run Import-CsPersistentChatData"):
        with clock.measure("change"):
            done = run_long(module, progress, "import", import_script(params, new_record), depth=5) or {}
    results["durations"].update(durations_from(done.get("durations")))
    results["imported"] = True
    results["import_errors"] = shape_errors(done.get("errors"))
    results["import_warnings"] = shape_warnings(done.get("warnings"))
    results["record"] = dict(planned, file_name=params["file_name"], **accepted_record(params))
    module.set_diff(before, planned)
    unexpected = refused_errors(results["import_errors"], params, patterns)
    if unexpected:
        module.fail_json(msg="Import-CsPersistentChatData reported %d error(s) nothing accepts: %s" % (
            len(unexpected), describe(unexpected)))
    module.exit_json(changed=True)


if __name__ == "__main__":
    main()
