"""data_import: findings, refusals and whole runs (whatif only, check mode, import, already imported)."""
from __future__ import annotations

from steps_harness import run

from ansible_collections.lync.persistent_chat.plugins.modules import data_import

ARGS = {"db_instance": "sql01\\RTC", "file_name": "D:\\M\\gc.zip"}
READ = {"file": {"Exists": True, "Size": 9, "Sha256": "AA" * 32}, "record": None}
WHATIF = {"errors": [{"Id": "ROOM_NAME_TOO_LONG,Microsoft.Rtc.X", "Message": "too long", "Target": "r"}],
          "warnings": ["federated user"], "durations": {"whatif": 0.5}}
DONE = {"errors": [], "warnings": ["federated user"], "durations": {"import": 2.0}}


def test_findings_are_shaped():
    assert data_import.shape_errors(WHATIF["errors"][0]) == [{"id": "ROOM_NAME_TOO_LONG", "message": "too long",
                                                              "target": "r"}]
    assert data_import.shape_warnings("one") == ["one"]
    errors = [{"id": "A"}, {"id": "b"}]
    assert data_import.refused_errors(errors, ["a"]) == [{"id": "b"}]


def test_import_command_collects_findings():
    params = dict(ARGS, report="D:\\M\\i.html", whatif_report=None)
    assert data_import.import_command(params, False).render() == (
        "Import-CsPersistentChatData -DBInstance 'sql01\\RTC' -FileName 'D:\\M\\gc.zip' -Report 'D:\\M\\i.html' "
        "-Confirm:$false -ErrorAction 'SilentlyContinue' -ErrorVariable 'pe' -WarningAction 'SilentlyContinue' "
        "-WarningVariable 'pw'")
    assert "-WhatIf" in data_import.import_command(params, True).render()


def test_whatif_only_changes_nothing(monkeypatch, capsys):
    code, out, client = run(data_import, monkeypatch, capsys, dict(ARGS, whatif=True), [READ, WHATIF])
    assert code == 0 and out["changed"] is False and len(client.scripts) == 2
    assert out["whatif_errors"][0]["id"] == "ROOM_NAME_TOO_LONG" and out["whatif_warnings"] == ["federated user"]


def test_unaccepted_errors_refuse(monkeypatch, capsys):
    code, out, client = run(data_import, monkeypatch, capsys, ARGS, [READ, WHATIF])
    assert code == 1 and "ROOM_NAME_TOO_LONG" in out["msg"] and len(client.scripts) == 2
    assert out["step"] == "check the -WhatIf findings"


def test_wrong_hash_refuses_after_one_round_trip(monkeypatch, capsys):
    code, out, client = run(data_import, monkeypatch, capsys, dict(ARGS, expected_sha256="BB" * 32), [READ])
    assert code == 1 and "refusing to import" in out["msg"] and len(client.scripts) == 1


def test_check_mode_runs_whatif_only(monkeypatch, capsys):
    code, out, client = run(data_import, monkeypatch, capsys, dict(ARGS, accept_errors=["room_name_too_long"]),
                            [READ, WHATIF], check_mode=True)
    assert code == 0 and out["changed"] is True and out["imported"] is True and len(client.scripts) == 2
    assert all("-Confirm:$false" not in script for script in client.scripts)


def test_import_then_record(monkeypatch, capsys):
    code, out, client = run(data_import, monkeypatch, capsys, dict(ARGS, accept_errors=["ROOM_NAME_TOO_LONG"],
                                                                   expected_sha256="aa" * 32), [READ, WHATIF, DONE])
    assert code == 0 and out["changed"] is True and client.idempotent == [True, True, False]
    assert "-Confirm:$false" in client.scripts[2]
    assert "'errors' = $errors; 'warnings' = $warnings" in client.scripts[2]
    assert out["import_warnings"] == ["federated user"] and out["diff"]["after"]["sha256"] == "AA" * 32


def test_recorded_import_is_not_repeated(monkeypatch, capsys):
    record = ('{"format": "lync.persistent_chat/step-record/1", "kind": "data_import", "sha256": "%s", '
              '"db_instance": "SQL01\\\\rtc", "imported_at": "2026-01-01T00:00:00Z"}' % ("aa" * 32))
    code, out, client = run(data_import, monkeypatch, capsys, ARGS, [dict(READ, record=record)])
    assert code == 0 and out["changed"] is False and len(client.scripts) == 1
    assert "already imported" in out["reason"]


def test_a_started_import_is_not_started_again(monkeypatch, capsys):
    record = ('{"format": "lync.persistent_chat/step-record/1", "kind": "data_import", "sha256": "%s", '
              '"db_instance": "sql01\\\\RTC", "imported_at": "2026-01-01T00:00:00Z", "status": "started"}' % ("aa" * 32))
    code, out, client = run(data_import, monkeypatch, capsys, ARGS, [dict(READ, record=record)])
    assert code == 1 and "may still be running" in out["msg"] and len(client.scripts) == 1


def test_the_import_script_marks_start_and_end():
    from ansible_collections.lync.persistent_chat.plugins.module_utils.long_step import make_record
    script = data_import.import_script(dict(ARGS, report=None, whatif_report=None), make_record("data_import", sha256="A"))
    started, imported, done = (script.index("'status' = 'started'"), script.index("Import-CsPersistentChatData"),
                               script.index("'status' = 'done'"))
    assert started < imported < done
