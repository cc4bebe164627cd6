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
    book, changed = run(book, "backup", "done", data={"legacy_backup_sha256": "AB"}, at=LATER)
    assert changed and ledger.status(book, "backup") == "done"
    assert book["stages"]["backup"]["finished"] == LATER
    again, changed = run(book, "backup", "started", at="2027-01-01T00:00:00Z")
    assert not changed and again is book
    again, changed = run(book, "backup", "done", data={"legacy_backup_sha256": "AB"})
    assert not changed
    again, changed = run(book, "backup", "done", data={"legacy_backup_sha256": "CD"})
    assert changed and again["stages"]["backup"]["data"] == {"legacy_backup_sha256": "CD"}
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


def test_a_step_records_what_it_will_undo_when_it_starts_and_keeps_it_through_a_failure_and_a_resume():
    user = {"SamAccountName": "ocschat"}
    book = ledger.empty("m")
    book, changed = run(book, "cutover", "started", step="endpoint", data={"removed_user": user})
    assert changed and book["stages"]["cutover"]["steps"]["endpoint"]["data"] == {"removed_user": user}
    book, _changed = run(book, "cutover", "failed", step="endpoint", error="New-CsPersistentChatEndpoint: boom")
    assert ledger.recorded(book, ["cutover/endpoint.removed_user"]) == {"cutover/endpoint.removed_user": user}
    # A resumed attempt that has nothing new to say keeps what the first one recorded.
    book, _changed = run(book, "cutover", "started", step="endpoint", at=LATER)
    entry = book["stages"]["cutover"]["steps"]["endpoint"]
    assert entry["attempts"] == 2 and entry["status"] == "running" and entry["data"] == {"removed_user": user}
    with pytest.raises(ValueError, match="does not record 'user'"):
        run(book, "cutover", "started", step="endpoint", data={"user": user})


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
    with pytest.raises(ValueError, match="unknown ledger state 'paused'"):
        run(ledger.empty("m"), "backup", "paused")


# -- the schema: what each stage and step records ------------------------------------------------------

def test_a_name_the_stage_does_not_declare_is_refused_naming_the_stage_and_the_key():
    with pytest.raises(ValueError, match=r"^backup does not record 'sha256' \(it records: bytes, files, files_folder, "
                                         r"legacy_backup_file, legacy_backup_sha256"):
        run(ledger.empty("m"), "backup", "done", data={"legacy_backup_file": "x.bak", "sha256": "AB"})
    with pytest.raises(ValueError, match=r"^cutover/export does not record 'sha'"):
        run(ledger.empty("m"), "cutover", "done", step="export", data={"sha": "AB"})


def test_a_value_of_another_type_is_refused_and_none_is_always_accepted():
    with pytest.raises(ValueError, match=r"cutover/target_content records 'rooms' as int, not str \('three'\)"):
        run(ledger.empty("m"), "cutover", "done", step="target_content", data={"rooms": "three"})
    with pytest.raises(ValueError, match=r"records 'rooms' as int, not bool"):
        run(ledger.empty("m"), "cutover", "done", step="target_content", data={"rooms": True})
    with pytest.raises(ValueError, match=r"verify records 'passed' as bool, not str"):
        run(ledger.empty("m"), "verify", "failed", data={"passed": "perhaps"})
    with pytest.raises(ValueError, match=r"cutover/stop_legacy records 'services' as list, not str"):
        run(ledger.empty("m"), "cutover", "done", step="stop_legacy", data={"services": "RTCGROUPCHAT"})
    book, changed = run(ledger.empty("m"), "backup", "done", data={"legacy_backup_sha256": None, "files": 3})
    assert changed and book["stages"]["backup"]["data"] == {"legacy_backup_sha256": None, "files": 3}


def test_text_that_ansible_before_2_19_templated_is_stored_as_the_declared_type():
    # ansible-core 2.16 templates "{{ n | int }}" inside a dict to "3" and "{{ x | bool }}" to "False".
    book, _changed = run(ledger.empty("m"), "cutover", "done", step="target_content",
                         data={"rooms": "3", "holds_data": "False"})
    assert book["stages"]["cutover"]["steps"]["target_content"]["data"] == {"rooms": 3, "holds_data": False}
    book, _changed = run(ledger.empty("m"), "cutover", "done", step="stop_legacy", data={"services": '["A", "B"]'})
    assert book["stages"]["cutover"]["steps"]["stop_legacy"]["data"] == {"services": ["A", "B"]}


def test_an_undeclared_stage_or_step_is_refused_even_without_data():
    with pytest.raises(ValueError, match=r"the ledger has no stage 'bakup' \(its stages: preflight, readiness, backup"):
        run(ledger.empty("m"), "bakup", "started")
    with pytest.raises(ValueError, match=r"stage 'cutover' has no step 'exprt' \(its steps: target_content, "):
        run(ledger.empty("m"), "cutover", "started", step="exprt")
    with pytest.raises(ValueError, match=r"stage 'backup' has no step 'copy' \(its steps: none\)"):
        run(ledger.empty("m"), "backup", "done", step="copy")


def test_every_stage_in_the_report_order_is_declared_and_every_type_is_known():
    assert set(ledger.ORDER) | {"rollback"} == set(ledger.SCHEMA)
    types = {kind for spec in ledger.SCHEMA.values() for names in [spec["data"]] + list(spec.get("steps", {}).values())
             for kind in names.values()}
    assert types == {"str", "int", "bool", "list", "dict"}


# -- reading by name -----------------------------------------------------------------------------------

def test_values_are_read_by_name_and_what_was_never_recorded_is_none():
    book, _changed = run(ledger.empty("m"), "backup", "done", data={"legacy_backup_sha256": "AB"})
    book, _changed = run(book, "cutover", "done", step="export", data={"report_messages": 12})
    assert ledger.recorded(book, ["backup.legacy_backup_sha256", "backup.files", "cutover/export.report_messages",
                                  "cutover.opened", "verify.passed"]) == {
        "backup.legacy_backup_sha256": "AB", "backup.files": None, "cutover/export.report_messages": 12,
        "cutover.opened": None, "verify.passed": None}


def test_a_rolled_back_stage_keeps_its_own_values_but_not_its_steps():
    book, _changed = run(ledger.empty("m"), "cutover", "done", step="endpoint", data={"removed_user": {"Sam": "ocschat"}})
    assert ledger.current_steps(book, "cutover")["endpoint"]["status"] == "done"
    book, _changed = run(book, "cutover", "rolled_back", data={"opened": AT}, error="rolled back")
    assert ledger.recorded(book, ["cutover/endpoint.removed_user", "cutover.opened"]) == {
        "cutover/endpoint.removed_user": None, "cutover.opened": AT}
    assert ledger.current_steps(book, "cutover") == {} and ledger.current_steps(book, "verify") == {}
    assert ledger.stage_statuses(book) == {"cutover": "rolled_back"}


@pytest.mark.parametrize("reference, message", [
    ("backup", r"'backup' does not name a recorded value: write stage.key or stage/step.key"),
    ("backup.", r"does not name a recorded value"),
    ("backup.sha256", r"^backup does not record 'sha256'"),
    ("cutover/export.sha", r"^cutover/export does not record 'sha'"),
    ("cutover/exprt.sha256", r"stage 'cutover' has no step 'exprt'"),
    ("bakup.files", r"the ledger has no stage 'bakup'"),
])
def test_a_name_that_is_not_declared_cannot_be_read(reference, message):
    with pytest.raises(ValueError, match=message):
        ledger.recorded(ledger.empty("m"), [reference])
