"""After faults during the export, the import and the file copy, each followed by a re-run."""
from __future__ import annotations

import json
import os
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared"))

import lab_checks as lab  # noqa: E402


def test_three_failed_attempts_then_a_finished_cutover_and_a_passing_verification():
    stages = lab.ledger()["stages"]
    assert stages["cutover"]["status"] == "done" and stages["cutover"]["attempts"] == 4
    failures = [e.get("error", "") for e in lab.ledger()["events"] if e["stage"] == "cutover" and e["status"] == "failed"
                and "step" not in e]
    assert len(failures) == 3
    assert failures[0].startswith("2. Export the legacy data") and "Injected: export interrupted." in failures[0]
    assert failures[1].startswith("Import the legacy data") and "Injected: import interrupted." in failures[1]
    assert failures[2].startswith("7. Copy the posted files") and "Injected: file copy interrupted." in failures[2]
    assert "list what robocopy would copy" not in failures[2]     # it failed in the copy round trip
    assert stages["verify"]["status"] == "done" and stages["verify"]["data"]["passed"] is True


def test_imported_once_and_nothing_duplicated():
    offset = int(os.environ.get("PCHAT_LAB_PORT_OFFSET", "0") or 0)
    with urllib.request.urlopen("http://127.0.0.1:%d/state" % (15980 + offset), timeout=30) as response:
        state = json.loads(response.read())
    imports = [e for e in state["backends"]["lync"]["migration_log"] if e["action"] == "import" and not e["whatif"]]
    assert len(imports) == 1, imports
    with lab.database("legacy") as legacy, lab.database("mgc") as mgc:
        assert lab.duplicated_messages(mgc) == lab.duplicated_messages(legacy)


def test_every_file_copied():
    assert lab.file_count("fs01", "D:\\LyncShare\\1-PersistentChatService-1") == lab.file_count("gc01", "E:\\GroupChat\\FileRepository")
