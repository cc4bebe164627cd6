"""The report read from the ledger itself: every stage in order (pending before it ran), the readiness and
judged parity results the stages recorded, and the checks the preflight and verification recorded."""
from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.lync.persistent_chat.plugins.module_utils import ledger
from ansible_collections.lync.persistent_chat.plugins.modules import report

AT, LATER = "2026-01-01T00:00:00Z", "2026-01-01T00:10:00Z"
SPACE = [{"host": "fe01", "path": "D:\\Migration", "what": "export", "drive": "D:", "free_bytes": 193273528320,
          "needed": 1536},
         {"host": "fs01", "path": "\\\\fs01\\backup", "what": "backups", "drive": "D:", "free_bytes": 1000,
          "needed": 1073741824}]


def record(book, stage, state, data=None, error=None, at=AT):
    return ledger.apply(book, stage, None, state, data, error, at)[0]


@pytest.fixture
def ledger_dir(tmp_path):
    book = ledger.empty("gc")
    book = record(book, "preflight", "done", {"space": SPACE, "admin_user": "CONTOSO\\lyncadmin",
                                              "admin_roles": ["CsPersistentChatAdministrator", "CsAdministrator"]})
    book = record(book, "readiness", "done", {"summary": {"blocking": []},
                                              "result": {"summary": {"errors": 0, "blocking": []}, "findings": []}})
    book = record(book, "cutover", "started")
    book = record(book, "cutover", "failed", error="import: boom", at=LATER)
    book = record(book, "verify", "done", {"passed": True, "result": {"passed": True, "counts": {}},
                                           "test_message": {"result": "Failure", "latency": "00:00:01.5",
                                                            "parameter_set": "ClientPlatform"}})
    book = record(book, "rollback", "done", {"cutover_attempts": 1})
    ledger.save(ledger.ledger_path(str(tmp_path / "ledger"), "gc"), book)
    return tmp_path / "ledger"


def run(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            report.main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


def test_the_report_reads_stages_results_and_checks_from_the_ledger(tmp_path, ledger_dir, capsys):
    code, result = run({"migration": "report", "dest": str(tmp_path / "out"), "ledger_dir": str(ledger_dir),
                        "ledger_migration": "gc"}, capsys)
    assert code == 0 and result["changed"] and result["ledger_path"] == str(ledger_dir / "gc.json")
    document = json.loads((tmp_path / "out" / "report.json").read_text())
    assert [(row["name"], row["status"]) for row in document["stages"]] == [
        ("preflight", "done"), ("readiness", "done"), ("backup", "pending"), ("pool_configuration", "pending"),
        ("cutover", "failed"), ("verify", "done"), ("enable_users", "pending"), ("decommission", "pending"),
        ("rollback", "done")]
    cutover = document["stages"][4]
    assert (cutover["started"], cutover["finished"]) == (AT, LATER)
    assert document["readiness"] == {"summary": {"errors": 0, "blocking": []}, "findings": []}
    assert document["parity"] == {"passed": True, "counts": {}}
    # The same words and figures playbooks/report.yml used to write with Jinja's filesizeformat(true).
    assert document["checks"] == [
        {"name": "Free space on fe01 D: (export)", "status": "passed", "detail": "180.0 GiB free, 1.5 KiB needed"},
        {"name": "Free space on fs01 D: (backups)", "status": "failed", "detail": "1000 Bytes free, 1.0 GiB needed"},
        {"name": "Lync RBAC roles of CONTOSO\\lyncadmin", "status": "passed",
         "detail": "CsPersistentChatAdministrator, CsAdministrator"},
        {"name": "Test-CsPersistentChatMessage (ClientPlatform)", "status": "failed",
         "detail": "Failure in 00:00:01.5"}]
    assert document["status"] == "failed"
    again = run({"migration": "report", "dest": str(tmp_path / "out"), "ledger_dir": str(ledger_dir),
                 "ledger_migration": "gc"}, capsys)[1]
    assert not again["changed"]


def test_an_empty_ledger_reports_every_stage_pending_and_no_checks(tmp_path, capsys):
    code, result = run({"migration": "new", "dest": str(tmp_path), "ledger_dir": str(tmp_path / "none")}, capsys)
    document = json.loads((tmp_path / "new.json").read_text())
    assert code == 0 and [row["status"] for row in document["stages"]] == ["pending"] * 8
    assert document["checks"] == [] and document["parity"] is None and result["status"] == "passed"


def test_the_ledger_and_explicit_inputs_are_exclusive(tmp_path, ledger_dir, capsys):
    code, result = run({"migration": "gc", "dest": str(tmp_path), "ledger_dir": str(ledger_dir),
                        "stages": [{"name": "preflight", "status": "done"}]}, capsys)
    assert code == 1 and "mutually exclusive" in result["msg"]


@pytest.mark.parametrize("count, text", [(0, "0 Bytes"), (1, "1 Byte"), (1023, "1023 Bytes"), (1024, "1.0 KiB"),
                                         (1536, "1.5 KiB"), (193273528320, "180.0 GiB"), (1024 ** 4 * 3, "3.0 TiB")])
def test_sizes_are_written_as_jinja_filesizeformat_binary(count, text):
    assert report.size_text(count) == text
