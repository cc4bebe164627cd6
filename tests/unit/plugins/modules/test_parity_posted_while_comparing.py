"""Users keep posting in the open Persistent Chat pool while verify compares it (a re-run of a finished
migration, molecule's idempotence step). Parity counts every room's messages first and names the messages of
the rooms that differ afterwards, so a message posted in between is named though not counted: the room then
names two new messages where the counts differ by one (the flake "Sales Lunch: 761 message(s) in the legacy
database, 762 in 2013" not explained). Such a room is still only new messages; a message the migration lost,
or a listing cut at its limit, still is not. Real SQLite files through pyodbc and the SQLite3 ODBC driver."""
from __future__ import annotations

import pytest

from ansible_collections.lync.persistent_chat.plugins.module_utils import parity_compare
from ansible_collections.lync.persistent_chat.plugins.module_utils.judged_parity import judge, opened_ticks
from ansible_collections.lync.persistent_chat.plugins.module_utils.sql import SQLClient

import parity_fixture as F

OPENED = "2026-03-01T12:00:00Z"
AFTER = opened_ticks(OPENED) + 10 ** 7
GENERAL = 40        # the 2013 room "General" (legacy room 4, five migrated messages)


@pytest.fixture
def dbs(tmp_path):
    return F.write_legacy(tmp_path / "groupchat.db"), F.write_mgc(tmp_path / "mgc.db")


def post(mgc, room, chat_id, date=AFTER):
    F.execute(mgc, "INSERT INTO tblChat (channelId, chatId, chatDate, userId, isAlert, content) "
                   "VALUES (?, ?, ?, 102, 0, 'posted in the open pool')", (room, chat_id, date))


def compare_while_posting(legacy, mgc, monkeypatch, posts, **kwargs):
    """Parity of both files, with ``posts`` (room, chatId) written to mgc after the messages were counted and
    before the first room that differs is read message by message, as users of the open pool do."""
    original = parity_compare.name_message_differences
    pending = list(posts)

    def posted_meanwhile(*args, **named):
        while pending:
            post(mgc, *pending.pop(0))
        return original(*args, **named)

    monkeypatch.setattr(parity_compare, "name_message_differences", posted_meanwhile)
    with SQLClient(F.odbc(legacy)) as left, SQLClient(F.odbc(mgc)) as right:
        return parity_compare.compare(left, right, messages="digest", **kwargs)


def room_difference(result, kind):
    (difference,) = [d for d in result["differences"] if d["kind"] == kind]
    return difference


def test_a_message_posted_between_the_count_and_the_listing_is_new_not_a_difference(dbs, monkeypatch):
    legacy, mgc = dbs
    post(mgc, GENERAL, 6)
    result = compare_while_posting(legacy, mgc, monkeypatch, [(GENERAL, 7)], max_message_differences=1000)
    difference = room_difference(result, "MESSAGES_EXTRA")
    assert (difference["legacy_messages"], difference["target_messages"]) == (5, 6)
    assert [(m["chat_id"], m["change"]) for m in difference["messages"]] == [(6, "extra"), (7, "extra")]
    judged = judge(result, OPENED)
    assert judged["unexplained"] == []
    assert difference["all_named"] is True
    # What was counted: the result's message counts and the new messages agree.
    assert judged["new_messages"] == 1 and judged["result"]["explained"]["POSTED_AFTER_CUTOVER"] == 1
    assert [r["status"] for r in judged["result"]["rooms"] if r["name"] == "General"] == ["ok"]


def test_a_lost_message_is_still_a_difference_when_users_post_meanwhile(dbs, monkeypatch):
    legacy, mgc = dbs
    F.execute(mgc, "DELETE FROM tblChat WHERE channelId = ? AND chatId = 3", (GENERAL,))
    post(mgc, GENERAL, 6)
    post(mgc, GENERAL, 7)
    result = compare_while_posting(legacy, mgc, monkeypatch, [(GENERAL, 8)], max_message_differences=1000)
    difference = room_difference(result, "MESSAGES_EXTRA")
    assert (3, "missing") in [(m["chat_id"], m["change"]) for m in difference["messages"]]
    assert judge(result, OPENED)["unexplained"] == [difference]


def test_a_listing_cut_at_its_limit_is_not_taken_for_new_messages_only(dbs, monkeypatch):
    legacy, mgc = dbs
    post(mgc, GENERAL, 6)
    result = compare_while_posting(legacy, mgc, monkeypatch, [(GENERAL, 7)], max_message_differences=1)
    difference = room_difference(result, "MESSAGES_EXTRA")
    assert len(difference["messages"]) == 1 and difference["all_named"] is False
    assert judge(result, OPENED)["unexplained"] == [difference]


def test_a_message_posted_before_the_opening_is_not_new(dbs, monkeypatch):
    legacy, mgc = dbs
    post(mgc, GENERAL, 6)
    result = compare_while_posting(legacy, mgc, monkeypatch, [(GENERAL, 7, AFTER - 2 * 10 ** 7)],
                                   max_message_differences=1000)
    assert judge(result, OPENED)["unexplained"] == [room_difference(result, "MESSAGES_EXTRA")]


def test_a_kept_result_without_all_named_is_judged_by_its_counts():
    counted = {"kind": "MESSAGES_EXTRA", "object": "General", "legacy_messages": 5, "target_messages": 6,
               "messages": [{"chat_id": 6, "change": "extra", "date": AFTER}]}
    more = dict(counted, messages=counted["messages"] + [{"chat_id": 7, "change": "extra", "date": AFTER}])
    parity = {"differences": [counted, dict(more, object="Stage")], "differences_total": 2, "rooms": []}
    assert judge(parity, OPENED)["unexplained"] == [dict(more, object="Stage")]
