"""Parity's not_migrated names each item's type and counts the messages left behind with each room, from the
legacy database itself; the report built from that result says what stayed."""
from __future__ import annotations

from ansible_collections.lync.persistent_chat.plugins.module_utils import parity_compare, report_html
from ansible_collections.lync.persistent_chat.plugins.module_utils.sql import SQLClient

import parity_fixture as F


def test_parity_counts_the_messages_of_the_room_import_left_out(tmp_path):
    legacy, mgc = F.write_legacy(tmp_path / "groupchat.db"), F.write_mgc(tmp_path / "mgc.db")
    # One more message in the over-long room (node 7), so its count is not the fixture's single message.
    F.execute(legacy, "INSERT INTO tblChat (channelId, chatId, chatDate, userId, isAlert, content) "
                      "SELECT 7, 99, chatDate, userId, 0, 'second message' FROM tblChat WHERE channelId = 7")
    with SQLClient(F.odbc(legacy)) as left, SQLClient(F.odbc(mgc)) as right:
        result = parity_compare.compare(left, right, messages="digest")
    items = {item["kind"]: item for item in result["not_migrated"]}
    assert items["ROOM_NAME_TOO_LONG"]["object_type"] == "room" and items["ROOM_NAME_TOO_LONG"]["messages"] == 2
    assert items["ADDIN_INVALID"]["object_type"] == "addin" and "messages" not in items["ADDIN_INVALID"]
    report = report_html.build_report("m", parity=dict(result, passed=True))
    assert report["result"] == "passed with data left behind: 1 room, %d add-in, 2 messages" % sum(
        1 for item in result["not_migrated"] if item["object_type"] == "addin")
