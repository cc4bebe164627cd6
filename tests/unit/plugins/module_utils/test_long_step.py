"""long_step and robocopy helpers: record files, folder paths, timing lines, robocopy output and exit codes."""
from __future__ import annotations

import json

import pytest

from ansible_collections.lync.persistent_chat.plugins.module_utils import long_step, robocopy
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import PSLiteralError, PSVariable


@pytest.mark.parametrize("path, folder", [
    ("D:\\Migration\\gc.zip", "D:\\Migration"), ("D:\\gc.zip", "D:\\"), ("gc.zip", None),
    ("\\\\fs01\\Backups\\gc.bak", None), ("\\\\fs01\\Backups\\x\\gc.bak", "\\\\fs01\\Backups\\x"),
])
def test_parent_folder(path, folder):
    assert long_step.parent_folder(path) == folder


def test_records_round_trip_and_reject_others():
    record = long_step.make_record("sql_backup", sha256="AB", size=3)
    text = json.dumps(record)
    assert long_step.parse_record(u"\ufeff" + text, "sql_backup") == record
    assert long_step.parse_record(text, "data_export") is None
    assert long_step.parse_record("{broken", "sql_backup") is None
    assert long_step.parse_record(json.dumps({"kind": "sql_backup"}), "sql_backup") is None
    assert long_step.parse_record(None, "sql_backup") is None


def test_record_write_uses_literals_and_server_variables():
    line = long_step.record_write_line("D:\\it's.json", {"a": "x'y", "sha": PSVariable("sha")})
    assert line.startswith("Set-Content -LiteralPath 'D:\\it''s.json' -Value (ConvertTo-Json -InputObject ")
    assert "'a' = 'x''y'; 'sha' = $sha" in line


def test_script_fragments_refuse_non_identifier_keys():
    with pytest.raises(PSLiteralError):
        long_step.file_state_lines("bad key", "x")
    with pytest.raises(PSLiteralError):
        long_step.timed_lines("a;b", [])


def test_durations_keep_numbers_only():
    assert long_step.durations_from({"a": 1.23456, "b": "x", "c": None}) == {"a": 1.235}
    assert long_step.sha256_equal("ab", "AB") and not long_step.sha256_equal(None, None)


@pytest.mark.parametrize("code, failed, first", [
    (0, False, "nothing to copy"), (1, False, "files copied"), (3, False, "files copied"),
    (8, True, "some files"), (16, True, "fatal"), (9, True, "files copied"),
])
def test_robocopy_exit_codes_are_a_bit_mask(code, failed, first):
    meanings, is_failure = robocopy.explain_exit_code(code)
    assert is_failure is failed and meanings[0].startswith(first)


def test_robocopy_arguments_are_literals_without_trailing_backslash():
    line = robocopy.command_line("\\\\gc01\\Group Chat's\\", "D:\\", 2, 1, True)
    assert line == ("$o=@(robocopy '\\\\gc01\\Group Chat''s' 'D:\\.' '/E' '/COPY:DAT' '/R:2' '/W:1' '/NP' '/NJH' "
                    "'/BYTES' '/L')")
    assert robocopy.command_line("a", "b", 0, 0, False, restartable=True).endswith("'/BYTES' '/Z')")


OUTPUT = [
    "\t                  0\t\\\\gc01\\Files\\",
    "\tNew Dir           1\t\\\\gc01\\Files\\a b\\",
    "\t    New File  \t\t     138\tr\u00e9sum\u00e9.png",
    "\t                  2\t\\\\gc01\\Files\\c\\",
    "\t    Newer     \t\t      10\tx.txt",
    "\t    *EXTRA File\t\t       5\told.txt",
    "",
    "------------------------------------------------------------------------------",
    "               Total    Copied   Skipped  Mismatch    FAILED    Extras",
    "    Dirs :         3         1         2         0         0         0",
    "   Files :         3         2         1         0         0         1",
    "   Bytes :       200       148        52         0         0         5",
]


def test_robocopy_output_is_read_back_with_relative_paths():
    listing = robocopy.parse_output(OUTPUT, "\\\\GC01\\Files\\")
    assert [(f["path"], f["size"], f["label"]) for f in listing["files"]] == [
        ("a b\\r\u00e9sum\u00e9.png", 138, "New File"), ("c\\x.txt", 10, "Newer"), ("c\\old.txt", 5, "*EXTRA File")]
    assert [f["path"] for f in robocopy.to_copy(listing)] == ["a b\\r\u00e9sum\u00e9.png", "c\\x.txt"]
    assert listing["summary"]["files"] == {"total": 3, "copied": 2, "skipped": 1, "mismatch": 0, "failed": 0,
                                           "extras": 1}
    assert listing["summary"]["bytes"]["copied"] == 148


class _WaitingClient:
    """A client whose command is still running for two Receives before it answers."""

    def __init__(self):
        self.calls = []

    def run_json(self, script, depth=8, idempotent=True, on_wait=None):
        self.calls.append((script, depth, idempotent))
        on_wait()
        on_wait()
        return {"done": True}


class _Module:
    def __init__(self, client):
        self.client = client

    def winrm(self):
        return self.client


def test_run_long_hands_progress_to_the_client_it_is_given(tmp_path):
    path = tmp_path / "progress.txt"
    times = iter([0.0, 25.0, 50.0, 61.0])
    progress = long_step.Progress(environ={long_step.PROGRESS_ENV: str(path)}, clock=lambda: next(times))
    client = _WaitingClient()
    assert long_step.run_long(_Module(client), progress, "export", "Export-X", depth=5) == {"done": True}
    assert client.calls == [("Export-X", 5, False)]
    assert path.read_text(encoding="utf-8").splitlines() == [
        "export: started", "export: still running after 25s", "export: still running after 50s",
        "export: finished after 61.0s"]
