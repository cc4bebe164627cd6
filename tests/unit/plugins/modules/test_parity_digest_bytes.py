"""parity, messages=digest, SQLite plan: each room's values arrive as the raw UTF-8 bytes SQLite stores
(SQLClient.batches(raw_text=True), a pyodbc output converter) and are hashed without being decoded and
encoded again. The digest stays exact per message: one changed byte of one message changes its room's digest
and no other; the same messages read in another order, under other room and principal ids, give the same
digest; text that the SQLite3 ODBC driver would take for a blob literal (X'..') is hashed as text.
Real SQLite files through pyodbc and the SQLite3 ODBC driver (parity_fixture)."""
from __future__ import annotations

import hashlib
import random
import sqlite3

import pyodbc
import pytest

from ansible_collections.lync.persistent_chat.plugins.module_utils import parity_compare
from ansible_collections.lync.persistent_chat.plugins.module_utils.sql import SQLClient

import parity_fixture as F

AUTHORS = {1: "sip:alice@contoso.local", 2: "sip:bob@contoso.local", 3: "ad:cn=helpdesk,dc=contoso"}
# The same principals under the ids another database gives them.
OTHER_AUTHORS = {201: "sip:alice@contoso.local", 202: "sip:bob@contoso.local", 203: "ad:cn=helpdesk,dc=contoso"}

DDL = ("CREATE TABLE tblChat (channelId INTEGER NOT NULL, chatId BIGINT NOT NULL, chatDate BIGINT NOT NULL,"
       " userId INTEGER NOT NULL, isAlert BIT NOT NULL DEFAULT 0, content NVARCHAR NOT NULL, rtf TEXT,"
       " PRIMARY KEY (channelId, chatId))")


def busy_room(messages=200):
    """(chatId, date, user, alert, content) of one room: ASCII, accents, Hangul, emoji, separators."""
    texts = ["plain %d", "Grüße %d", "안녕하세요 %d", "🚀 launch %d", "a,b\x1fc\x1ed %d", "%d"]
    return [(chat_id, F.T2011 + chat_id * 7, 1 + chat_id % 3, int(chat_id % 11 == 0),
             texts[chat_id % len(texts)] % chat_id) for chat_id in range(1, messages + 1)]


def write_rooms(path, rooms, user_offset=0, shuffle=False, without_rowid=""):
    """``rooms``: room id -> rows of busy_room; inserted in chatId order, or shuffled."""
    rows = [(room, chat_id, date, user + user_offset, alert, content)
            for room, messages in rooms.items() for chat_id, date, user, alert, content in messages]
    if shuffle:
        random.Random(7).shuffle(rows)
    connection = sqlite3.connect(str(path))
    connection.execute(DDL + without_rowid)
    connection.executemany("INSERT INTO tblChat (channelId, chatId, chatDate, userId, isAlert, content) "
                           "VALUES (?,?,?,?,?,?)", rows)
    connection.commit()
    connection.close()
    return path


def expected(rooms, authors, user_offset=0):
    """RoomDigest spelled out from the rows as written: three SHA-256 streams per room, hashed together."""
    out = {}
    for room, messages in rooms.items():
        streams = [hashlib.sha256(), hashlib.sha256(), hashlib.sha256()]
        for _chat_id, date, user, alert, content in sorted(messages):
            streams[0].update(("%d," % (date * 2 + alert)).encode())
            streams[1].update(("%s\x1f" % authors.get(user + user_offset, "?%d" % (user + user_offset))).encode())
            streams[2].update(("%s\x1e" % content).encode("utf-8"))
        out[room] = (len(messages), hashlib.sha256(b"".join(s.digest() for s in streams)).hexdigest())
    return out


def digests(path, authors, fetch_size=1000):
    with SQLClient(F.odbc(path), fetch_size=fetch_size) as client:
        lists = parity_compare._room_digests_from_lists(client, authors)
        streamed = parity_compare._room_digests_streamed(client, authors)
    assert lists == streamed
    return lists


def test_raw_text_batches_give_the_stored_bytes_and_leave_the_connection_as_found(tmp_path):
    path = write_rooms(tmp_path / "chat.db", {9: [(1, F.T2011, 1, 0, "Grüße 🚀"), (2, F.T2011 + 1, 2, 1, "x")]})
    with SQLClient(F.odbc(path)) as client:
        statement = "SELECT channelId, chatId, content FROM tblChat ORDER BY chatId"
        ((_names, rows),) = list(client.batches(statement, raw_text=True))
        assert [tuple(row) for row in rows] == [(9, 1, "Grüße 🚀".encode("utf-8")), (9, 2, b"x")]
        # a reader that stops early leaves no converter behind either
        abandoned = client.batches(statement, raw_text=True, fetch_size=1)
        assert next(abandoned)[1][0][2] == "Grüße 🚀".encode("utf-8")
        abandoned.close()
        connection = client._ensure()
        assert all(connection.get_output_converter(sql_type) is None
                   for sql_type in (pyodbc.SQL_VARCHAR, pyodbc.SQL_WVARCHAR, pyodbc.SQL_WLONGVARCHAR))
        assert [row["content"] for row in client.query(statement)] == ["Grüße 🚀", "x"]


@pytest.mark.parametrize("without_rowid", ["", " WITHOUT ROWID"])
def test_the_same_messages_in_another_order_under_other_ids_give_the_same_digests(tmp_path, without_rowid):
    rooms = {4: busy_room(), 5: busy_room(30)[::-1], 6: [(1, F.T2011, 2, 0, "")]}
    left = digests(write_rooms(tmp_path / "a.db", rooms, without_rowid=without_rowid), AUTHORS)
    renumbered = {room + 100: messages for room, messages in rooms.items()}
    right = digests(write_rooms(tmp_path / "b.db", renumbered, user_offset=200, shuffle=True,
                                without_rowid=without_rowid), OTHER_AUTHORS, fetch_size=7)
    assert left == expected(rooms, AUTHORS)
    assert right == {room + 100: value for room, value in left.items()}


def one_byte_changes(content):
    """Contents of the same message with one byte changed, added or removed (UTF-8), each still text."""
    data = content.encode("utf-8")
    edits = [data[:-1] + bytes([data[-1] ^ 1]), data + b"\x1e", data + b",", b"\x1f" + data, data[:-1],
             data.replace(b"\xc3\xbc", b"\xc3\xbd", 1)]   # ü -> ý: same length, a byte inside a character
    return [edit.decode("utf-8") for edit in edits if edit != data]


@pytest.mark.parametrize("chat_id", [1, 2, 100, 200])
def test_one_changed_byte_of_one_message_changes_its_room_s_digest_and_no_other(tmp_path, chat_id):
    rooms = {4: busy_room(), 5: busy_room()}
    before = digests(write_rooms(tmp_path / "before.db", rooms), AUTHORS)
    original = dict((row[0], row) for row in rooms[4])[chat_id]
    seen = {before[4][1]}
    for number, content in enumerate(one_byte_changes(original[4])):
        changed = dict(rooms)
        changed[4] = [row if row[0] != chat_id else row[:4] + (content,) for row in rooms[4]]
        after = digests(write_rooms(tmp_path / ("after%d.db" % number), changed), AUTHORS)
        assert after == expected(changed, AUTHORS)
        assert after[5] == before[5] and after[4][0] == before[4][0]
        assert after[4][1] not in seen
        seen.add(after[4][1])
    assert len(seen) >= 5


@pytest.mark.parametrize("contents", [
    ["X'41'"],                                   # one message that reads as a blob literal
    ["x'4142'", "plain", "tail'"],               # a room whose joined contents start X' and end '
    ["X'zz'"],                                   # not even valid hex: the driver would refuse it
])
def test_text_that_looks_like_a_blob_literal_is_hashed_as_text(tmp_path, contents):
    rooms = {4: [(n, F.T2011 + n, 1, 0, text) for n, text in enumerate(contents, 1)], 5: busy_room(10)}
    assert digests(write_rooms(tmp_path / "chat.db", rooms), AUTHORS) == expected(rooms, AUTHORS)
