"""sql_backup against the lab: five steps with --diff, round trips, a fault between backup and
verification then a re-run, WinRM operation timeouts during the step, bad arguments, hostile values, and
an account without rights."""
from __future__ import annotations

from steps_support import READONLY, module, playbook, round_trips, scripts

ARGS = {"server_instance": "sql01.contoso.local\\GROUPCHAT", "database": "GroupChat",
        "backup_file": "\\\\fs01.contoso.local\\Backups\\gc.bak"}


def test_five_steps(clean_lab):
    before = clean_lab.log_length()
    playbook(clean_lab, "sql_backup")
    sent = "\n".join(scripts(clean_lab.log(before)))
    assert "Backup-SqlDatabase -ServerInstance 'sql01.contoso.local\\GROUPCHAT' -Database 'GroupChat'" in sent
    assert "-CopyOnly -Checksum -Initialize" in sent
    assert "WITH COPY_ONLY, CHECKSUM, INIT" in sent
    assert "RESTORE VERIFYONLY FROM DISK = N''\\\\fs01.contoso.local\\Backups\\GroupChat-premigration.bak'' WITH CHECKSUM" in sent


def test_two_round_trips_to_back_up_and_one_to_find_it_intact(clean_lab):
    status, result, log = module(clean_lab, "sql01", "sql_backup", ARGS)
    assert status == "CHANGED", result
    assert round_trips(log) == 2
    status, result, log = module(clean_lab, "sql01", "sql_backup", ARGS)
    assert status == "SUCCESS" and result["changed"] is False
    assert round_trips(log) == 1


def test_a_fault_after_the_backup_then_a_rerun_finishes_with_one_backup(clean_lab):
    # The verification (Invoke-Sqlcmd RESTORE VERIFYONLY) fails: the file is written but not recorded.
    clean_lab.fault(kind="cmdlet", host="sql01", cmdlet="Invoke-Sqlcmd", nth=1, message="Injected: SQL went away.")
    status, result, _log = module(clean_lab, "sql01", "sql_backup", ARGS)
    assert status == "FAILED!" and "Injected: SQL went away." in result["msg"]
    assert result["step"] == "back up GroupChat"
    clean_lab.clear_faults()
    status, result, _log = module(clean_lab, "sql01", "sql_backup", ARGS)
    assert status == "CHANGED" and result["reason"] == "no record of an earlier backup"
    assert result["backup"]["verified"] is True
    status, probe, _log = module(clean_lab, "sql01", "legacy_info",
                                 {"include": ["file_repository"], "file_repository": "\\\\fs01.contoso.local\\Backups"})
    assert probe["file_repository"]["files"] == 2   # one backup, one record: nothing duplicated
    status, result, _log = module(clean_lab, "sql01", "sql_backup", ARGS)
    assert status == "SUCCESS" and result["changed"] is False


def test_the_step_survives_winrm_operation_timeouts(clean_lab):
    clean_lab.fault(kind="operation_timeout", host="sql01", count=3)
    status, result, log = module(clean_lab, "sql01", "sql_backup", ARGS)
    assert status == "CHANGED", result
    # pywinrm answered each OperationTimeout fault with another Receive, and the step still finished.
    assert sum(1 for entry in log if entry["action"] == "TimedOut") == 3


def test_bad_arguments(lab):
    for args, text in [(dict(ARGS, query_timeout=0), "query_timeout must be between 1 and 65535"),
                       ({"server_instance": "x", "backup_file": "y"}, "missing required arguments: database"),
                       (dict(ARGS, method="bcp"), "value of method must be one of")]:
        status, result, log = module(lab, "sql01", "sql_backup", args)
        assert status == "FAILED!" and text in result["msg"], result
        assert round_trips(log) == 0


def test_hostile_database_name_arrives_intact(clean_lab):
    name = "Group'Chat]\"$(Remove-Item C:\\ -Recurse)\" \u202e\u05d0"
    for method in ("cmdlet", "sqlcmd"):
        status, result, _log = module(clean_lab, "sql01", "sql_backup", dict(ARGS, database=name, method=method))
        assert status == "FAILED!"
        assert "Database '%s' does not exist" % name in result["msg"], result["msg"]


def test_an_account_without_rights_changes_nothing(clean_lab):
    status, result, _log = module(clean_lab, "sql01", "sql_backup", ARGS, *READONLY)
    assert status == "FAILED!"
    assert "readonly" in result["msg"] and "Read-0nly!" not in str(result)
    status, probe, _log = module(clean_lab, "sql01", "legacy_info",
                                 {"include": ["file_repository"], "file_repository": "\\\\fs01.contoso.local\\Backups"})
    assert probe["file_repository"]["files"] == 0
