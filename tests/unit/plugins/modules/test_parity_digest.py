"""parity, messages=digest: on SQLite each room's messages are joined in SQL (one row per room) and hashed
once, elsewhere streamed message by message; both plans hash the same bytes (RoomDigest), and every single
change of one message's content, author, date or alert flag is still found and named by room and chatId.
Real SQLite files through pyodbc and the SQLite3 ODBC driver (parity_fixture)."""
from __future__ import annotations

import hashlib
import sqlite3

import pytest

from ansible_collections.lync.persistent_chat.plugins.module_utils import chat_queries, parity_compare
from ansible_collections.lync.persistent_chat.plugins.module_utils.sql import SQLClient

import parity_fixture as F

AUTHORS = {1: "alice", 2: "bob", 3: "carol", 4: "pat", 6: "boss"}

# Values that would trip a careless join: the separators themselves, commas, an empty body, line breaks,
# characters outside the BMP, an author id nobody has (77), an alert.
AWKWARD = [
    (4, 90, F.T2011 + 5, 2, 0, "a\x1eb\x1fc,d"),
    (4, 91, F.T2011 + 6, 77, 1, ""),
    (4, 92, F.T2011 + 7, 3, 0, "line one\nline two\r\n\t👨‍👩‍👧 ,,"),
]


@pytest.fixture
def dbs(tmp_path):
    return F.write_legacy(tmp_path / "groupchat.db"), F.write_mgc(tmp_path / "mgc.db")


def compare(legacy, mgc, **kwargs):
    with SQLClient(F.odbc(legacy)) as left, SQLClient(F.odbc(mgc)) as right:
        return parity_compare.compare(left, right, **kwargs)


def expected_digests(path, authors, start_ticks=None):
    """RoomDigest spelled out from the rows read with sqlite3: per room three SHA-256 streams (stamps with
    ',', author keys with \\x1f, contents with \\x1e after each) in chatId order, hashed together."""
    rooms = {}
    connection = sqlite3.connect(str(path))
    for room, date, user, alert, content in connection.execute(
            "SELECT channelId, chatDate, userId, isAlert, content FROM tblChat WHERE chatDate >= ? "
            "ORDER BY channelId, chatId", (start_ticks or 0,)):
        count, streams = rooms.setdefault(room, [0, [hashlib.sha256(), hashlib.sha256(), hashlib.sha256()]])
        rooms[room][0] = count + 1
        streams[0].update(("%d," % (date * 2 + alert)).encode())
        streams[1].update(("%s\x1f" % authors.get(user, "?%s" % user)).encode())
        streams[2].update(("%s\x1e" % content).encode("utf-8", "surrogatepass"))
    connection.close()
    return {room: (count, hashlib.sha256(b"".join(s.digest() for s in streams)).hexdigest())
            for room, (count, streams) in rooms.items()}


@pytest.mark.parametrize("fetch_size", [1, 2, 3, 1000])
@pytest.mark.parametrize("start_ticks", [None, F.T2011 + 6])
def test_both_plans_hash_the_same_bytes_whatever_the_batches(dbs, fetch_size, start_ticks):
    legacy, _mgc = dbs
    for row in AWKWARD:
        F.execute(legacy, "INSERT INTO tblChat (channelId, chatId, chatDate, userId, isAlert, content) "
                          "VALUES (?,?,?,?,?,?)", row)
    expected = expected_digests(legacy, AUTHORS, start_ticks)
    with SQLClient(F.odbc(legacy), fetch_size=fetch_size) as client:
        lists = parity_compare._room_digests_from_lists(client, AUTHORS, start_ticks)
        streamed = parity_compare._room_digests_streamed(client, AUTHORS, start_ticks)
        chosen = parity_compare._room_digests(client, AUTHORS, start_ticks)
    assert lists == streamed == chosen == expected
    assert expected[4][0] == (8 if start_ticks is None else 4)


def test_on_sqlite_the_digest_reads_one_row_per_room_not_one_per_message(dbs, monkeypatch):
    fetched = []
    original = SQLClient.batches

    def counting(self, statement, params=(), fetch_size=None, **options):
        for names, batch in original(self, statement, params, fetch_size, **options):
            if "FROM tblChat" in statement:
                fetched.append(len(batch))
            yield names, batch

    monkeypatch.setattr(SQLClient, "batches", counting)
    result = compare(*dbs, messages="digest")
    assert result["passed"]
    rooms_with_messages = len({row[0] for row in F.LEGACY_MESSAGES}) + len({row[0] for row in F.mgc_messages()})
    assert sum(fetched) == rooms_with_messages == 7
    assert result["counts"]["messages_legacy"] == 10


@pytest.mark.parametrize("without_rowid", ["", " WITHOUT ROWID"])
@pytest.mark.parametrize("start_ticks", [None, F.T2011])
def test_sqlite_joins_each_room_s_values_in_key_order_without_a_sorter(tmp_path, without_rowid, start_ticks):
    # group_concat joins values in the order rows reach it; with no sorter (TEMP B-TREE) between the scan
    # of the (channelId, chatId) key and the grouping, that is chatId order. Rows are inserted out of order.
    path = tmp_path / "chat.db"
    connection = sqlite3.connect(str(path))
    connection.execute("CREATE TABLE tblChat (channelId INTEGER NOT NULL, chatId BIGINT NOT NULL, chatDate BIGINT NOT NULL,"
                       " userId INTEGER NOT NULL, isAlert BIT NOT NULL DEFAULT 0, content NVARCHAR NOT NULL, rtf TEXT,"
                       " PRIMARY KEY (channelId, chatId))%s" % without_rowid)
    for chat_id in (5, 1, 4, 2, 3):
        connection.execute("INSERT INTO tblChat VALUES (?, ?, ?, ?, 0, ?, NULL)",
                           (9, chat_id, F.T2011 + chat_id, chat_id, "m%d" % chat_id))
    connection.commit()
    statement, params = chat_queries.room_message_lists_query(start_ticks)
    plan = " ".join(row[-1] for row in connection.execute("EXPLAIN QUERY PLAN " + statement, params))
    assert "TEMP B-TREE" not in plan and "SCAN tblChat" in plan
    connection.close()
    with SQLClient(F.odbc(path)) as client:
        ((room, count, stamps, user_ids, contents),) = chat_queries.tuples(client, statement, params)
    # the contents come after a '.' (see ROOM_MESSAGE_LISTS: no room's text may look like a blob literal)
    assert (room, int(count), user_ids, contents) == (9, 5, "1,2,3,4,5", ".m1\x1em2\x1em3\x1em4\x1em5")
    assert stamps == ",".join(str((F.T2011 + n) * 2) for n in range(1, 6))


def a_busy_room(legacy, mgc, messages=3000):
    """Room 4 (General, 40 in 2013) with ``messages`` more messages on both sides: several fetches of rows."""
    rows = [(chat_id, F.T2011 + chat_id, 1 + chat_id % 3, chat_id % 7 == 0, "message %d: Grüße 🚀" % chat_id)
            for chat_id in range(100, 100 + messages)]
    for path, room, user_offset in ((legacy, 4, 0), (mgc, 40, 100)):
        connection = sqlite3.connect(str(path))
        connection.executemany("INSERT INTO tblChat (channelId, chatId, chatDate, userId, isAlert, content) "
                               "VALUES (?,?,?,?,?,?)",
                               [(room, c, d, u + user_offset, a, t) for c, d, u, a, t in rows])
        connection.commit()
        connection.close()


# One change to one message deep in a busy room, of each kind the digest promises to see; the content edits
# keep the length and the first character (what messages=fingerprint cannot see).
CHANGES = [
    ("UPDATE tblChat SET content = 'message 1700: Grüße 🚁' WHERE channelId = 40 AND chatId = 1700", ["content"]),
    ("UPDATE tblChat SET content = 'message 1700: Grüße 🚀 ' WHERE channelId = 40 AND chatId = 1700", ["content"]),
    ("UPDATE tblChat SET content = 'message 1700: grüße 🚀' WHERE channelId = 40 AND chatId = 1700", ["content"]),
    ("UPDATE tblChat SET userId = 101 WHERE channelId = 40 AND chatId = 1700", ["author"]),
    ("UPDATE tblChat SET chatDate = chatDate + 1 WHERE channelId = 40 AND chatId = 1700", ["date"]),
    ("UPDATE tblChat SET isAlert = 1 - isAlert WHERE channelId = 40 AND chatId = 1700", ["alert"]),
]


@pytest.mark.parametrize("statement, fields", CHANGES)
def test_one_changed_message_in_a_busy_room_is_named_by_room_and_chat_id(dbs, statement, fields):
    legacy, mgc = dbs
    a_busy_room(legacy, mgc)
    assert compare(legacy, mgc, messages="digest")["passed"]
    F.execute(mgc, statement)
    result = compare(legacy, mgc, messages="digest")
    assert [(d["kind"], d["object"]) for d in result["differences"]] == [("MESSAGES_CHANGED", "General")]
    (named,) = result["differences"][0]["messages"]
    assert (named["chat_id"], named["change"], named["fields"]) == (1700, "changed", fields)


def test_two_messages_swapping_their_contents_are_both_named(dbs):
    legacy, mgc = dbs
    a_busy_room(legacy, mgc, messages=50)
    F.execute(mgc, "UPDATE tblChat SET content = CASE chatId WHEN 120 THEN 'message 121: Grüße 🚀' "
                   "ELSE 'message 120: Grüße 🚀' END WHERE channelId = 40 AND chatId IN (120, 121)")
    (difference,) = compare(legacy, mgc, messages="digest")["differences"]
    assert [(m["chat_id"], m["fields"]) for m in difference["messages"]] == [(120, ["content"]), (121, ["content"])]
