"""What the verify stage records in the ledger, judged by the judged_parity module (small dataset, own ledger):
the counts and the judged comparison the report reads, with a message posted in Persistent Chat after the cutover
opened it set aside as new rather than a difference."""
from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from stages_support import after_preflight, ok, stage

# Each test takes about this long on CI's two cores (conftest.py: slowest modules first; -m "not slow" skips them).
pytestmark = pytest.mark.slow(minutes=1.5)

TICKS_AT_UNIX_EPOCH = 621355968000000000


def post_after_the_opening(lab) -> int:
    """A message posted now in the first migrated room, as a Persistent Chat user would; its room's channelId."""
    with sqlite3.connect(str(Path(lab.state_dir) / "sql" / "sql01.rtc" / "mgc.db"), timeout=30) as database:
        channel, last, user = database.execute(
            "SELECT channelId, MAX(chatId), MIN(userId) FROM tblChat GROUP BY channelId ORDER BY channelId LIMIT 1").fetchone()
        ticks = TICKS_AT_UNIX_EPOCH + int((time.time() + 5) * 10000000)
        database.execute("INSERT INTO tblChat (channelId, chatId, chatDate, userId, isAlert, content) VALUES (?, ?, ?, ?, 0, ?)",
                         (channel, last + 1, ticks, user, "posted after the cutover"))
    return channel


def test_verify_records_its_counts_and_the_judged_comparison(clean_lab, preflight_ledger, tmp_path):
    after_preflight(preflight_ledger, tmp_path)
    for name in ("readiness", "backup", "pool_configuration", "cutover"):
        ok(stage(clean_lab, tmp_path, name))
    post_after_the_opening(clean_lab)
    ok(stage(clean_lab, tmp_path, "verify"))
    verify = json.loads((tmp_path / "lab.json").read_text())["stages"]["verify"]
    assert verify["status"] == "done"
    data = verify["data"]
    # The judged comparison is kept beside the ledger, which names it (issue 16).
    result = json.loads((tmp_path / data["result_file"]).read_text())
    assert data["passed"] is True and result["passed"] is True
    assert data["counts"] == result["counts"] and data["counts"]["rooms_expected"] == len(result["rooms"]) > 0
    assert result["differences"] == [] and result["differences_total"] == 0 and result["differences_by_kind"] == {}
    assert not {"invocation", "changed", "failed"} & set(result)
    # The message posted after the opening (and any the lab's users posted) is new, not a difference.
    assert data["new_messages"] >= 1
    assert result["explained"]["POSTED_AFTER_CUTOVER"] == data["new_messages"]
    assert {room["status"] for room in result["rooms"]} == {"ok"}
    assert sum(room["messages_target"] - room["messages_legacy"] for room in result["rooms"]) == data["new_messages"]
    assert {category["status"] for category in result["categories"]} == {"ok"}
    assert data["test_message"]["result"] == "Success"
