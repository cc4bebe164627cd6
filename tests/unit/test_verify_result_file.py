"""Issue 16: the verification's comparison (about 2 MB at 10,000 rooms) no longer travels through Ansible. The
parity module writes it to a file and returns a summary; judged_parity judges that file and keeps the judged
comparison beside the ledger under a name made of its content; the ledger records the name and SHA-256; the
report reads it from there. A crash between keeping and recording, and a re-run, neither lose nor double it."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.lync.persistent_chat.plugins.module_utils import ledger, ledger_files
from ansible_collections.lync.persistent_chat.plugins.modules import judged_parity, parity, report

sys.path.insert(0, str(Path(__file__).resolve().parent / "plugins" / "modules"))
import parity_fixture as F  # noqa: E402  pylint: disable=wrong-import-position

OPENED = "2026-03-01T12:00:00Z"
OPENED_TICKS = 639079632000000000
PER_ROOM = ("rooms", "categories", "differences", "addins", "not_migrated", "out_of_scope", "assumed")


def run(main, args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


def comparison(rooms=30):
    """A parity result as the module returns it: one room in 7 has a message posted after the opening."""
    rows, differences = [], []
    for number in range(rooms):
        name, new = "Category %d_Room %d" % (number // 10, number), number % 7 == 0
        rows.append({"name": name, "category": "Category %d" % (number // 10), "status": "differs" if new else "ok",
                     "messages_legacy": 5, "messages_target": 6 if new else 5})
        if new:
            differences.append({"kind": "MESSAGES_EXTRA", "object_type": "room", "object": name, "legacy_messages": 5,
                                "target_messages": 6,
                                "messages": [{"chat_id": 6, "change": "extra", "date": OPENED_TICKS + 10}]})
    categories = [{"name": "Category %d" % number, "status": "differs", "rooms": 10, "rooms_ok": 8}
                  for number in range((rooms + 9) // 10)]
    return {"passed": False, "differences": differences, "differences_total": len(differences),
            "differences_by_kind": {"MESSAGES_EXTRA": len(differences)}, "explained": {}, "assumed": {},
            "counts": {"rooms_expected": rooms}, "rooms": rows, "categories": categories, "addins": [],
            "not_migrated": [], "out_of_scope": [], "messages_mode": "digest"}


def handed_off(tmp_path, result):
    path = tmp_path / "m1.verify-parity.json"
    return str(path), ledger_files.write_json(str(path), result)


def judge(tmp_path, capsys, result=None, **args):
    path, sha256 = handed_off(tmp_path, result or comparison())
    return run(judged_parity.main, dict(dict(parity_file=path, parity_sha256=sha256, opened=OPENED, dir=str(tmp_path),
                                             migration="m1"), **args), capsys)


def kept(tmp_path):
    return sorted(name for name in os.listdir(tmp_path) if name.startswith("m1.verify.") and name.endswith(".json"))


def record_done(tmp_path, judged):
    path = ledger.ledger_path(str(tmp_path), "m1")
    book = ledger.load(path, "m1")
    for state in ("started", "done"):
        book = ledger.apply(book, "verify", None, state, {
            "passed": True, "new_messages": judged["new_messages"], "result": None,
            "result_file": judged["judged"]["result_file"], "result_sha256": judged["judged"]["result_sha256"]},
            None, "2026-03-01T13:00:00Z")[0]
    ledger.save(path, book)
    return book


def test_the_parity_module_writes_its_result_to_the_file_and_returns_no_row_per_room(tmp_path, capsys):
    legacy, mgc = F.write_legacy(tmp_path / "groupchat.db"), F.write_mgc(tmp_path / "mgc.db")
    target = tmp_path / "ledger" / "m1.verify-parity.json"
    args = {"sql_connection_string": F.odbc(legacy), "target_sql_connection_string": F.odbc(mgc), "messages": "digest"}
    code, whole = run(parity.main, args, capsys)
    code_file, out = run(parity.main, dict(args, result_file=str(target)), capsys)
    assert code == code_file == 0
    assert not set(PER_ROOM) & set(out), sorted(out)
    assert out["counts"] == whole["counts"] and out["passed"] is whole["passed"] is True
    written = ledger_files.read_json(str(target), out["result_sha256"])
    assert written["rooms"] == whole["rooms"] and written["categories"] == whole["categories"]
    assert oct(target.stat().st_mode & 0o777) == "0o600"


def test_judged_parity_keeps_the_judged_comparison_beside_the_ledger_and_returns_only_its_name(tmp_path, capsys):
    code, out = judge(tmp_path, capsys)
    assert code == 0 and out["changed"] is True and out["unexplained"] == [] and out["new_messages"] == 5
    assert not set(PER_ROOM + ("result",)) & set(out)
    judged = ledger_files.read_kept(str(tmp_path), out["judged"]["result_file"], out["judged"]["result_sha256"])
    assert {room["status"] for room in judged["rooms"]} == {"ok"} and judged["explained"]["POSTED_AFTER_CUTOVER"] == 5
    compared = ledger_files.read_kept(str(tmp_path), out["compared"]["result_file"], out["compared"]["result_sha256"])
    assert compared["differences_total"] == 5
    assert kept(tmp_path) == sorted([out["judged"]["result_file"], out["compared"]["result_file"]])
    assert not (tmp_path / "m1.verify-parity.json").exists()       # the hand-off is consumed


def test_a_crash_before_the_record_then_a_rerun_keeps_one_comparison_and_counts_new_messages_once(tmp_path, capsys):
    _code, first = judge(tmp_path, capsys)
    # Killed here: nothing recorded. The re-run compares again and finds the same result kept.
    code, again = judge(tmp_path, capsys)
    assert code == 0 and again["changed"] is False and again["judged"] == first["judged"]
    book = record_done(tmp_path, again)
    assert book["stages"]["verify"]["data"]["new_messages"] == 5
    assert kept(tmp_path) == sorted([first["judged"]["result_file"], first["compared"]["result_file"]])


def test_an_earlier_attempts_comparison_nobody_names_is_removed_and_the_recorded_one_stays(tmp_path, capsys):
    _code, first = judge(tmp_path, capsys)
    record_done(tmp_path, first)
    changed = comparison()
    changed["explained"] = {"CATEGORY_FLATTENED": 1}      # another comparison (the next attempt's)
    _code, second = judge(tmp_path, capsys, result=changed)
    assert second["judged"] != first["judged"]
    assert first["compared"]["result_file"] in second["removed"]
    assert first["judged"]["result_file"] in kept(tmp_path)          # the ledger names it: never removed


def test_a_recheck_keeps_nothing_and_changes_nothing(tmp_path, capsys):
    _code, first = judge(tmp_path, capsys)
    record_done(tmp_path, first)
    before = kept(tmp_path)
    changed = comparison()
    changed["explained"] = {"CATEGORY_FLATTENED": 1}
    code, out = judge(tmp_path, capsys, result=changed, keep=False)
    assert code == 0 and out["changed"] is False and out["removed"] == [] and kept(tmp_path) == before


def test_check_mode_judges_and_writes_nothing(tmp_path, capsys):
    code, out = judge(tmp_path, capsys, _ansible_check_mode=True)
    assert code == 0 and out["changed"] is True and out["judged"]["result_file"] and kept(tmp_path) == []


def test_a_changed_hand_off_file_fails_the_judgement(tmp_path, capsys):
    path, sha256 = handed_off(tmp_path, comparison())
    ledger_files.write_json(path, comparison(rooms=3))
    code, out = run(judged_parity.main, dict(parity_file=path, parity_sha256=sha256, opened=OPENED, dir=str(tmp_path),
                                             migration="m1"), capsys)
    assert code == 1 and "not the recorded" in out["msg"]


def test_unexplained_differences_keep_only_the_comparison_as_found(tmp_path, capsys):
    result = comparison()
    result["differences"].append({"kind": "ROOM_MISSING", "object_type": "room", "object": "Lost"})
    code, out = judge(tmp_path, capsys, result=result)
    assert code == 0 and out["judged"] is None and [d["object"] for d in out["unexplained"]] == ["Lost"]
    assert kept(tmp_path) == [out["compared"]["result_file"]]


def report_of(tmp_path, capsys):
    return run(report.main, dict(migration="m1", dest=str(tmp_path / "report"), ledger_dir=str(tmp_path)), capsys)


def test_the_report_reads_the_comparison_the_ledger_names(tmp_path, capsys):
    _code, judged = judge(tmp_path, capsys)
    record_done(tmp_path, judged)
    code, out = report_of(tmp_path, capsys)
    assert code == 0, out
    document = json.loads((tmp_path / "report" / "m1.json").read_text())
    assert document["parity"]["counts"] == {"rooms_expected": 30}
    assert len(document["parity"]["rooms"]) == 30 and document["parity"]["passed"] is True


def test_the_report_refuses_a_comparison_changed_after_it_was_recorded(tmp_path, capsys):
    _code, judged = judge(tmp_path, capsys)
    record_done(tmp_path, judged)
    (tmp_path / judged["judged"]["result_file"]).write_text(json.dumps(comparison(rooms=3)))
    code, out = report_of(tmp_path, capsys)
    assert code == 1 and "not the recorded" in out["msg"]
