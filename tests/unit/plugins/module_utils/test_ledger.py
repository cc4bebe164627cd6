"""The migration ledger's rules: what changes it, what a re-run leaves alone, what is refused."""
from __future__ import annotations

import json

import pytest

from ansible_collections.lync.persistent_chat.plugins.module_utils import ledger

AT, LATER = "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z"


def run(book, stage, state, step=None, data=None, error=None, at=AT):
    return ledger.apply(book, stage, step, state, data, error, at)


def test_a_stage_starts_finishes_and_a_rerun_changes_nothing():
    book = ledger.empty("m")
    book, changed = run(book, "backup", "started")
    assert changed and book["stages"]["backup"]["status"] == "running" and book["created"] == AT
    book, changed = run(book, "backup", "done", data={"sha256": "AB"}, at=LATER)
    assert changed and ledger.status(book, "backup") == "done"
    assert book["stages"]["backup"]["finished"] == LATER
    again, changed = run(book, "backup", "started", at="2027-01-01T00:00:00Z")
    assert not changed and again is book
    again, changed = run(book, "backup", "done", data={"sha256": "AB"})
    assert not changed
    again, changed = run(book, "backup", "done", data={"sha256": "CD"})
    assert changed and again["stages"]["backup"]["data"] == {"sha256": "CD"}
    assert [(e["stage"], e["status"]) for e in book["events"]] == [("backup", "running"), ("backup", "done")]


def test_a_failed_stage_is_resumed_as_a_new_attempt_and_keeps_its_steps():
    book = ledger.empty("m")
    book, _changed = run(book, "cutover", "started")
    book, _changed = run(book, "cutover", "done", step="export", data={"sha256": "AB"})
    book, _changed = run(book, "cutover", "failed", error="import: boom")
    assert ledger.status(book, "cutover") == "failed" and book["stages"]["cutover"]["error"] == "import: boom"
    book, changed = run(book, "cutover", "started", at=LATER)
    entry = book["stages"]["cutover"]
    assert changed and entry["attempts"] == 2 and entry["error"] is None and entry["started"] == AT
    assert ledger.status(book, "cutover/export") == "done"


def test_a_rolled_back_stage_starts_over_without_its_steps():
    book = ledger.empty("m")
    book, _changed = run(book, "cutover", "started")
    book, _changed = run(book, "cutover", "done", step="stop_legacy")
    book, _changed = run(book, "cutover", "rolled_back", error="rolled back")
    book, _changed = run(book, "cutover", "started")
    assert book["stages"]["cutover"]["steps"] == {} and ledger.status(book, "cutover/stop_legacy") == "absent"


def test_requirements_name_what_is_not_done():
    book = ledger.empty("m")
    book, _changed = run(book, "cutover", "failed", step="import_whatif", error="RoomNameTooLong")
    assert ledger.unmet(book, ["backup", "cutover/import_whatif"]) == [("backup", "absent"), ("cutover/import_whatif", "failed")]
    book, _changed = run(book, "backup", "done")
    assert ledger.unmet(book, ["backup"]) == []


def test_the_file_is_written_whole_and_belongs_to_one_migration(tmp_path):
    path = ledger.ledger_path(str(tmp_path / "new"), "gc 2010/../x")
    assert path.endswith("gc_2010_.._x.json") and str(tmp_path / "new") in path
    book, _changed = run(ledger.empty("gc"), "preflight", "done")
    ledger.save(path, book)
    assert ledger.load(path, "gc") == json.loads(open(path).read()) == book
    with pytest.raises(ValueError, match="ledger of migration 'gc'"):
        ledger.load(path, "other")
    (tmp_path / "junk.json").write_text("[1]")
    with pytest.raises(ValueError, match="not a migration ledger"):
        ledger.load(str(tmp_path / "junk.json"), "gc")
    assert [p.name for p in (tmp_path / "new").iterdir()] == [path.rsplit("/", 1)[1]]   # no temp file left


def test_unknown_state_is_an_error():
    with pytest.raises(ValueError):
        run(ledger.empty("m"), "x", "paused")
