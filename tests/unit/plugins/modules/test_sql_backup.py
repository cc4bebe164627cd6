"""sql_backup: T-SQL quoting, the decision, and whole runs (round trips, check mode, force, failures)."""
from __future__ import annotations

import pytest
from steps_harness import run

from ansible_collections.lync.persistent_chat.plugins.module_utils.winrm import PowerShellError
from ansible_collections.lync.persistent_chat.plugins.modules import sql_backup

ARGS = {"server_instance": "sql01\\GROUPCHAT", "database": "GroupChat", "backup_file": "F:\\B\\gc.bak"}
FILE = {"Exists": True, "Size": 10, "Sha256": "AB" * 32}
RECORD = ('{"format": "lync.persistent_chat/step-record/1", "kind": "sql_backup", "server_instance": "SQL01\\\\groupchat",'
          ' "database": "groupchat", "sha256": "%s", "size": 10, "path": "F:\\\\B\\\\gc.bak"}' % ("ab" * 32))


def test_tsql_literals():
    assert sql_backup.tsql_string("it's") == "N'it''s'"
    assert sql_backup.tsql_name("a]b") == "[a]]b]"
    with pytest.raises(ValueError):
        sql_backup.tsql_string("a\x00")
    assert sql_backup.backup_statement("G]C", "F:\\it's.bak", True) == \
        "BACKUP DATABASE [G]]C] TO DISK = N'F:\\it''s.bak' WITH COPY_ONLY, CHECKSUM, INIT, COMPRESSION"


@pytest.mark.parametrize("file_state, record, force, take, reason", [
    ({"Exists": False}, None, False, True, "the backup file does not exist"),
    (FILE, None, False, True, "no record of an earlier backup"),
    (FILE, {"server_instance": "x", "database": "GroupChat", "sha256": "ab" * 32}, False, True, "another database"),
    (dict(FILE, Sha256="CD" * 32), {"server_instance": "sql01\\GROUPCHAT", "database": "GroupChat",
                                    "sha256": "ab" * 32}, False, True, "changed since"),
    (FILE, {"server_instance": "sql01\\groupchat", "database": "GROUPCHAT", "sha256": "ab" * 32}, False, False, "intact"),
    (FILE, {"server_instance": "sql01\\groupchat", "database": "GROUPCHAT", "sha256": "ab" * 32}, True, True, "force"),
])
def test_decide(file_state, record, force, take, reason):
    params = dict(ARGS, force=force)
    decided, why = sql_backup.decide(params, file_state, record)
    assert decided is take and reason in why


def test_backup_takes_two_round_trips_the_second_not_retried(monkeypatch, capsys):
    code, out, client = run(sql_backup, monkeypatch, capsys, ARGS, [
        {"file": {"Exists": False}, "record": None},
        {"file": FILE, "durations": {"backup": 1.5, "verify": 0.5, "hash": 0.1}}])
    assert code == 0 and out["changed"] is True
    assert len(client.scripts) == 2 and client.idempotent == [True, False] and client.closed
    change = client.scripts[1]
    assert "Backup-SqlDatabase -ServerInstance 'sql01\\GROUPCHAT' -Database 'GroupChat' -BackupFile 'F:\\B\\gc.bak' " \
           "-CopyOnly -Checksum -Initialize" in change
    assert "RESTORE VERIFYONLY FROM DISK = N''F:\\B\\gc.bak'' WITH CHECKSUM" in change
    assert change.index("Backup-SqlDatabase") < change.index("RESTORE VERIFYONLY") < change.index("Set-Content")
    assert out["backup"]["sha256"] == FILE["Sha256"] and out["durations"]["backup"] == 1.5
    assert out["diff"]["before"] is None and out["diff"]["after"]["size"] == 10


def test_an_intact_backup_is_one_round_trip(monkeypatch, capsys):
    code, out, client = run(sql_backup, monkeypatch, capsys, ARGS, [{"file": FILE, "record": RECORD}])
    assert code == 0 and out["changed"] is False and len(client.scripts) == 1
    assert out["reason"] == "the recorded backup is intact"


def test_check_mode_reads_only(monkeypatch, capsys):
    code, out, client = run(sql_backup, monkeypatch, capsys, ARGS, [{"file": {"Exists": False}, "record": None}],
                            check_mode=True)
    assert code == 0 and out["changed"] is True and len(client.scripts) == 1
    assert out["backup"]["sha256"] is None


def test_sqlcmd_method_and_failure_names_the_step(monkeypatch, capsys):
    error = PowerShellError("Invoke-Sqlcmd failed: boom", cmdlet="Invoke-Sqlcmd")
    code, out, client = run(sql_backup, monkeypatch, capsys, dict(ARGS, method="sqlcmd", compression=True),
                            [{"file": {"Exists": False}, "record": None}, error])
    assert code == 1 and out["msg"] == "fe01.contoso.local: back up GroupChat: Invoke-Sqlcmd failed: boom"
    assert "-Query 'BACKUP DATABASE [GroupChat] TO DISK = N''F:\\B\\gc.bak'' WITH COPY_ONLY, CHECKSUM, INIT, " \
           "COMPRESSION'" in client.scripts[1]
