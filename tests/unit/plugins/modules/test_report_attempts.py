"""The report of a resumed migration, from its ledger: each stage's attempts (how each one that did not finish
ended, at which step, with which error), its steps with theirs, and what the cutover accepted."""
from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.lync.persistent_chat.plugins.module_utils import ledger
from ansible_collections.lync.persistent_chat.plugins.modules import report

INJECTED = "Injected: the SQL Server is not reachable."
LEFT = {"kind": "ROOM_NAME_TOO_LONG", "object": "IT / " + "y" * 260, "object_type": "room", "messages": 747}


class Book(object):
    def __init__(self):
        self.book, self.minute = ledger.empty("gc"), 0

    def record(self, stage, state, data=None, error=None, step=None):
        self.minute += 1
        self.book = ledger.apply(self.book, stage, step, state, data, error,
                                 "2026-01-01T10:%02d:00Z" % self.minute)[0]


@pytest.fixture
def resumed(tmp_path):
    """Preflight done; the cutover killed once (no end recorded), failed once at -WhatIf, then finished."""
    book = Book()
    book.record("preflight", "started")
    book.record("preflight", "done")
    book.record("cutover", "started")
    book.record("cutover", "started", step="export")               # killed here: nothing more recorded
    book.record("cutover", "started")
    book.record("cutover", "done", {"sha256": "ab" * 32}, step="export")
    book.record("cutover", "started", step="import_whatif")
    book.record("cutover", "failed", {"errors": ["ROOM_NAME_TOO_LONG"]}, "-WhatIf reported errors: " + INJECTED,
                step="import_whatif")
    book.record("cutover", "failed", error="Cutover failed at '5. Import with -WhatIf and read its report': " + INJECTED)
    book.record("cutover", "started")
    book.record("cutover", "started", step="import_whatif")
    book.record("cutover", "done", {"errors": ["ROOM_NAME_TOO_LONG"], "warnings": 2}, step="import_whatif")
    book.record("cutover", "done")
    book.record("verify", "started")
    book.record("verify", "done", {"passed": True, "result": {"passed": True, "counts": {}, "not_migrated": [LEFT]}})
    ledger.save(ledger.ledger_path(str(tmp_path / "ledger"), "gc"), book.book)
    return tmp_path / "ledger"


def run(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            report.main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


def test_a_resumed_stage_shows_each_attempt_and_its_steps(tmp_path, resumed, capsys):
    code, result = run({"migration": "r", "dest": str(tmp_path / "out"), "ledger_dir": str(resumed),
                        "ledger_migration": "gc"}, capsys)
    assert code == 0, result
    document = json.loads((tmp_path / "out" / "r.json").read_text(encoding="utf-8"))
    stages = {stage["name"]: stage for stage in document["stages"]}
    cutover = stages["cutover"]
    assert cutover["attempts"] == 3 and cutover["status"] == "done"
    assert [(a["number"], a["status"], a["failed_step"]) for a in cutover["attempt_history"]] == [
        (1, "interrupted", None), (2, "failed", "import_whatif"), (3, "done", None)]
    assert cutover["attempt_history"][1]["error"].endswith(INJECTED)
    assert [(s["name"], s["status"], s["attempts"]) for s in cutover["steps"]] == [
        ("export", "done", 1), ("import_whatif", "done", 2)]
    assert stages["preflight"]["attempts"] == 1 and stages["backup"]["attempts"] == 0

    summary = result["summary"]
    line = next(line for line in summary if line.startswith("  stage cutover "))
    assert line.endswith(" 3 attempts")
    assert "    attempt 1 interrupted" in summary
    assert ("    attempt 2 failed at step import_whatif: Cutover failed at '5. Import with -WhatIf and read its "
            "report': " + INJECTED) in summary
    assert not any(line.startswith("    attempt 3") for line in summary)        # the one that finished
    assert not any(line.startswith("  stage preflight ") and "attempt" in line for line in summary)

    page = (tmp_path / "out" / "r.html").read_text(encoding="utf-8")
    assert '<details class="stage" id="stage-cutover" open><summary>cutover: 3 attempt(s), 2 step(s)</summary>' in page
    assert '<td class="n">2</td><td class="failed">failed</td>' in page and INJECTED in page
    assert '<td class="n">1</td><td class="interrupted">interrupted</td>' in page


def test_the_exit_message_and_result_say_what_the_accepted_error_left_behind(tmp_path, resumed, capsys):
    code, result = run({"migration": "r", "dest": str(tmp_path / "out"), "ledger_dir": str(resumed),
                        "ledger_migration": "gc"}, capsys)
    assert code == 0
    assert result["msg"] == "Result: passed with data left behind: 1 room, 747 messages"
    assert result["status"] == "passed" and result["result"] == "passed with data left behind: 1 room, 747 messages"
    assert result["left_behind"]["rooms"] == 1 and result["left_behind"]["messages"] == 747
    # What the cutover accepted comes from its -WhatIf step, done in the last attempt.
    document = json.loads((tmp_path / "out" / "r.json").read_text(encoding="utf-8"))
    assert document["accepted_at_cutover"] == ["ROOM_NAME_TOO_LONG"]
    assert document["result"] == result["result"] and document["left_behind"]["objects"] == [LEFT]
