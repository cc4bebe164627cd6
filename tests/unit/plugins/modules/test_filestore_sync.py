"""filestore_sync: verification and whole runs (nothing to copy, check mode, copy, failure bits)."""
from __future__ import annotations

from steps_harness import run

from ansible_collections.lync.persistent_chat.plugins.modules import filestore_sync

ARGS = {"source": "\\\\gc01\\Files", "destination": "\\\\fs01\\Store"}
SRC = {"Root": "\\\\gc01\\Files", "Files": [
    {"Path": "\\\\gc01\\Files\\a\\x.txt", "Size": 3, "Hash": "aa"},
    {"Path": "\\\\gc01\\Files\\y.txt", "Size": 4, "Hash": "BB"}]}
DST = {"Root": "\\\\fs01\\Store\\", "Files": [
    {"Path": "\\\\fs01\\Store\\A\\X.TXT", "Size": 3, "Hash": "AA"},
    {"Path": "\\\\fs01\\Store\\y.txt", "Size": 4, "Hash": "CC"},
    {"Path": "\\\\fs01\\Store\\extra.txt", "Size": 1, "Hash": "DD"}]}
LISTED = ["\t                  1\t\\\\gc01\\Files\\", "\t    Changed   \t\t       4\ty.txt"]


def test_verify_compares_relative_paths_sizes_and_hashes():
    check = filestore_sync.verify(SRC, DST, "hash")
    assert check == {"files": 2, "bytes": 7, "method": "hash", "missing": [], "different": ["y.txt"],
                     "extra_in_destination": 1}
    assert filestore_sync.verify(SRC, DST, "size")["different"] == []
    assert filestore_sync.verify(SRC, None, "size")["missing"] == ["a\\x.txt", "y.txt"]


def test_inventory_lines_hash_only_when_asked():
    assert "Get-FileHash" in filestore_sync.inventory_lines("src", "D:\\x", True)[1]
    assert "Get-FileHash" not in filestore_sync.inventory_lines("src", "D:\\x", False)[1]


def test_nothing_to_copy_is_one_round_trip(monkeypatch, capsys):
    same = dict(DST, Files=DST["Files"][:1] + [{"Path": "\\\\fs01\\Store\\y.txt", "Size": 4, "Hash": "bb"}])
    code, out, client = run(filestore_sync, monkeypatch, capsys, ARGS,
                            [{"src": SRC, "dst": same, "rc": 0, "out": LISTED[:1]}])
    assert code == 0 and out["changed"] is False and len(client.scripts) == 1
    assert "'/L'" in client.scripts[0]


def test_check_mode_lists_and_diffs(monkeypatch, capsys):
    code, out, client = run(filestore_sync, monkeypatch, capsys, ARGS, [{"src": SRC, "dst": DST, "rc": 1, "out": LISTED}],
                            check_mode=True)
    assert code == 0 and out["changed"] is True and len(client.scripts) == 1
    assert out["would_copy"] == [{"path": "y.txt", "size": 4, "label": "Changed"}]
    assert out["diff"] == {"before": {"to_copy": ["y.txt"]}, "after": {"to_copy": []}}


def test_a_failed_copy_says_to_run_again(monkeypatch, capsys):
    code, out, client = run(filestore_sync, monkeypatch, capsys, ARGS, [
        {"src": SRC, "dst": DST, "rc": 1, "out": LISTED},
        {"src": SRC, "dst": DST, "rc": 9, "out": [], "durations": {"robocopy": 1}}])
    assert code == 1 and "robocopy exit code 9: files copied; some files" in out["msg"]
    assert "run the module again" in out["msg"] and client.idempotent == [True, False]


def test_a_copy_that_leaves_a_difference_fails_verification(monkeypatch, capsys):
    code, out, _client = run(filestore_sync, monkeypatch, capsys, ARGS, [
        {"src": SRC, "dst": DST, "rc": 1, "out": LISTED}, {"src": SRC, "dst": DST, "rc": 1, "out": []}])
    assert code == 1 and "0 file(s) are missing and 1 differ" in out["msg"] and out["step"] == "verify the copy"
