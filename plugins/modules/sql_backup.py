#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: sql_backup
short_description: Take a verified, copy-only SQL Server backup of a Group Chat or Persistent Chat database
version_added: 0.1.0
description:
  - Backs up one database with C(COPY_ONLY) and C(CHECKSUM) (so the regular backup chain is not disturbed),
    checks the file with C(RESTORE VERIFYONLY ... WITH CHECKSUM), and records the backup's size and SHA256
    (C(Get-FileHash)) in a JSON record next to the backup file, named like the file plus C(.pchat.json).
  - A later run with the same O(backup_file) reads that record and the file's current hash in one round
    trip and changes nothing while they match and the record names the same instance and database;
    O(force=true) takes a new backup anyway.
  - The task's host runs the backup; it needs the C(SqlServer) PowerShell module (C(Backup-SqlDatabase),
    C(Invoke-Sqlcmd)). O(backup_file) is the path as SQL Server sees it and must also be readable from the
    task's host for the hash and the record, so run the task on the SQL Server or use a UNC path.
  - The backup runs as one long command; see O(ignore:winrm_operation_timeout) and
    O(ignore:winrm_read_timeout) in the connection options. RV(durations) tells how long each part took.
options:
  server_instance:
    description: SQL Server instance, C(server\\instance) or C(server) for the default instance.
    type: str
    required: true
  database:
    description: Name of the database to back up.
    type: str
    required: true
  backup_file:
    description:
      - Full path of the backup file, as the SQL Server service sees it (a local path of the SQL Server or a UNC path).
      - Its folder must exist.
      - Taken as written (no C(~) or C($VAR) expansion on the controller).
    type: str
    required: true
  method:
    description:
      - V(cmdlet) runs C(Backup-SqlDatabase -CopyOnly -Checksum -Initialize).
      - V(sqlcmd) runs C(BACKUP DATABASE ... TO DISK ... WITH COPY_ONLY, CHECKSUM, INIT) through C(Invoke-Sqlcmd).
      - Both verify with C(RESTORE VERIFYONLY ... WITH CHECKSUM) through C(Invoke-Sqlcmd).
    type: str
    choices: [cmdlet, sqlcmd]
    default: cmdlet
  compression:
    description: Compress the backup (C(-CompressionOption On) / C(WITH COMPRESSION)).
    type: bool
    default: false
  force:
    description: Take a new backup even when the recorded one is intact.
    type: bool
    default: false
  query_timeout:
    description: Seconds C(Invoke-Sqlcmd) waits for the backup and the verification (1 to 65535).
    type: int
    default: 65535
extends_documentation_fragment:
  - lync.persistent_chat.attributes
  - lync.persistent_chat.connection
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: Reads the record and the file, reports whether a backup would be taken, writes nothing.
  diff_mode:
    support: full
    details: Before and after are the recorded backup (file, size, SHA256).
notes:
  - While a long command runs, the task shows progress at C(-vv) (C(started), C(still running after Ns) once per WinRM
    operation timeout, C(finished after Ns)).
  - The record is a file next to the backup rather than controller-side state, so any controller (and a
    person looking at the backup folder) sees what was taken, and deleting the backup also invalidates it.
  - Values reach T-SQL as N'...' string literals with quotes doubled, and names as [bracketed] identifiers;
    C(Invoke-Sqlcmd) cannot bind parameters to BACKUP or RESTORE statements.
author:
  - Lync Persistent Chat contributors (@lync-persistent-chat)
seealso:
  - module: lync.persistent_chat.data_export
"""

EXAMPLES = r"""
- name: Back up the legacy Group Chat database before the export (task runs on the SQL Server)
  lync.persistent_chat.sql_backup:
    server_instance: sql01.contoso.local\GROUPCHAT
    database: GroupChat
    backup_file: F:\Backups\GroupChat-premigration.bak
  register: backup

- name: Back up mgc again even though a backup exists
  lync.persistent_chat.sql_backup:
    server_instance: sql01.contoso.local\RTC
    database: mgc
    backup_file: \\fs01.contoso.local\Backups\mgc-before-import.bak
    method: sqlcmd
    force: true
"""

RETURN = r"""
backup:
  description: The backup as recorded after this run (or as it would be, in check mode).
  returned: always
  type: dict
  contains:
    path:
      description: O(backup_file).
      type: str
    size:
      description: Size of the backup file in bytes (null in check mode before a backup exists).
      type: int
    sha256:
      description: SHA256 of the backup file, upper-case hex (null in check mode before a backup exists).
      type: str
    verified:
      description: True when RESTORE VERIFYONLY WITH CHECKSUM accepted the file.
      type: bool
    taken_at:
      description: UTC time the backup was taken.
      type: str
  sample: {"path": "F:\\Backups\\GroupChat.bak", "size": 1048576, "sha256": "9F86D0...", "verified": true,
           "taken_at": "2026-11-25T12:00:00Z"}
record_path:
  description: Where the JSON record of the backup lives.
  returned: always
  type: str
  sample: F:\Backups\GroupChat.bak.pchat.json
reason:
  description: Why a backup was or was not taken.
  returned: always
  type: str
  sample: no record of an earlier backup
durations:
  description: Seconds each part took (C(read), C(backup), C(verify), C(hash) on the server, C(change) round trip).
  returned: always
  type: dict
  sample: {"read": 0.41, "backup": 12.5, "verify": 3.1, "hash": 0.9, "change": 17.0}
"""

from ansible_collections.lync.persistent_chat.plugins.module_utils.common import PchatModule
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
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import PSCommand, PSEnumValue, PSVariable

KIND = "sql_backup"


def tsql_string(text):
    """An N'...' T-SQL literal: the only escape is a doubled quote; NUL is refused."""
    if u"\x00" in text:
        raise ValueError("a T-SQL string cannot contain NUL")
    return u"N'" + text.replace(u"'", u"''") + u"'"


def tsql_name(name):
    """A [bracketed] T-SQL identifier: ] is doubled."""
    if u"\x00" in name:
        raise ValueError("a T-SQL name cannot contain NUL")
    return u"[" + name.replace(u"]", u"]]") + u"]"


def read_script(backup_file):
    lines = ["$r=[ordered]@{}"]
    lines += file_state_lines("file", backup_file)
    lines += record_read_lines("record", record_path(backup_file))
    lines.append("$r")
    return "\n".join(lines)


def backup_statement(database, backup_file, compression):
    options = ["COPY_ONLY", "CHECKSUM", "INIT"] + (["COMPRESSION"] if compression else [])
    return u"BACKUP DATABASE %s TO DISK = %s WITH %s" % (
        tsql_name(database), tsql_string(backup_file), ", ".join(options))


def verify_statement(backup_file):
    return u"RESTORE VERIFYONLY FROM DISK = %s WITH CHECKSUM" % tsql_string(backup_file)


def change_script(params, record_template):
    instance, database, backup_file = params["server_instance"], params["database"], params["backup_file"]
    if params["method"] == "cmdlet":
        backup = (PSCommand("Backup-SqlDatabase").param("ServerInstance", instance).param("Database", database)
                  .param("BackupFile", backup_file).switch("CopyOnly").switch("Checksum").switch("Initialize"))
        if params["compression"]:
            backup.param("CompressionOption", PSEnumValue("On"))
    else:
        backup = (PSCommand("Invoke-Sqlcmd").param("ServerInstance", instance)
                  .param("Query", backup_statement(database, backup_file, params["compression"]))
                  .param("QueryTimeout", params["query_timeout"]))
    verify = (PSCommand("Invoke-Sqlcmd").param("ServerInstance", instance)
              .param("Query", verify_statement(backup_file)).param("QueryTimeout", params["query_timeout"]))
    lines = ["Import-Module SqlServer", "$r=[ordered]@{}", "$d=[ordered]@{}"]
    lines += timed_lines("backup", [backup.render() + "|Out-Null"])
    lines += timed_lines("verify", [verify.render() + "|Out-Null"])
    lines += timed_lines("hash", file_state_lines("file", backup_file))
    lines.append("$size=$r['file'].Size;$sha=$r['file'].Sha256")
    lines.append(record_write_line(record_path(backup_file), record_template))
    lines += ["$r['durations']=$d", "$r"]
    return "\n".join(lines)


def decide(params, file_state, record):
    """(take a backup?, reason)."""
    if params["force"]:
        return True, "force is set"
    if not file_state.get("Exists"):
        return True, "the backup file does not exist"
    if record is None:
        return True, "no record of an earlier backup"
    if (record.get("server_instance") or "").lower() != params["server_instance"].lower() or \
            (record.get("database") or "").lower() != params["database"].lower():
        return True, "the recorded backup is of another database"
    if not sha256_equal(record.get("sha256"), file_state.get("Sha256")):
        return True, "the backup file changed since it was recorded"
    return False, "the recorded backup is intact"


def describe(record):
    if record is None:
        return None
    return {key: record.get(key) for key in ("path", "server_instance", "database", "size", "sha256", "verified",
                                             "taken_at")}


def main():
    module = PchatModule(
        argument_spec=dict(
            server_instance=dict(type="str", required=True),
            database=dict(type="str", required=True),
            backup_file=dict(type="str", required=True),
            method=dict(type="str", choices=["cmdlet", "sqlcmd"], default="cmdlet"),
            compression=dict(type="bool", default=False),
            force=dict(type="bool", default=False),
            query_timeout=dict(type="int", default=65535),
        ),
        supports_check_mode=True,
    )
    params = module.params
    progress = Progress()
    if not 1 <= params["query_timeout"] <= 65535:
        module.fail_json(msg="query_timeout must be between 1 and 65535")
    clock = Clock(module.results)
    module.results["record_path"] = record_path(params["backup_file"])

    with module.step("read the recorded backup"):
        with clock.measure("read"):
            raw = module.winrm().run_json(read_script(params["backup_file"]), depth=4)
    file_state = (raw or {}).get("file") or {}
    record = parse_record((raw or {}).get("record"), KIND)
    take, reason = decide(params, file_state, record)
    module.results["reason"] = reason
    before = describe(record) if record and file_state.get("Exists") else None

    if not take:
        module.results["backup"] = describe(record)
        module.exit_json(changed=False)

    taken_at = utc_now()
    planned = {"path": params["backup_file"], "server_instance": params["server_instance"],
               "database": params["database"], "size": None, "sha256": None, "verified": None,
               "taken_at": taken_at}
    if module.check_mode:
        module.set_diff(before, planned)
        module.results["backup"] = planned
        module.exit_json(changed=True)

    # The record is written in the same script, right after the file is hashed; size and hash come
    # from server-side variables so the record always describes the file next to it.
    template = make_record(KIND, path=params["backup_file"], server_instance=params["server_instance"],
                           database=params["database"], verified=True, taken_at=taken_at,
                           method=params["method"], size=PSVariable("size"), sha256=PSVariable("sha"))
    script = change_script(params, template)
    module.results["changed"] = True
    with module.step("back up %s" % params["database"]):
        with clock.measure("change"):
            result = run_long(module, progress, "backup of %s" % params["database"], script)
    module.results["durations"].update(durations_from((result or {}).get("durations")))
    after_file = (result or {}).get("file") or {}
    after = dict(planned, size=after_file.get("Size"), sha256=after_file.get("Sha256"), verified=True)
    module.set_diff(before, after)
    module.results["backup"] = after
    module.exit_json(changed=True)


if __name__ == "__main__":
    main()
