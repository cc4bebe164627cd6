"""parity with messages=digest, run through ansible as an operator runs it, against databases the lab's
own migration made (the hostile dataset: quotes, separators, line breaks, RTL and zero-width characters,
characters outside the BMP), read through the SQLite3 ODBC driver: a correct migration passes, and one
message changed in one way - its body (one character, same encoded width, past the first), its author, its
timestamp by one tick, its alert flag - is found and named by room and chatId, the field named.

The databases are made with the lab's library (seed, export, import), as benchmarks/bench_parity.py makes
them; no lab needs to run."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pchat_lab.chatdb import datasets, migration

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def odbc(path):
    return "Driver=SQLite3;Database=%s;BigInt=1" % path


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("digest")
    legacy, mgc = folder / "groupchat.db", folder / "mgc.db"
    datasets.seed({"legacy": legacy, "mgc": mgc}, "hostile")
    migration.export(legacy, folder / "export.zip")
    migration.import_(folder / "export.zip", mgc)
    return legacy, mgc


def parity(legacy, mgc):
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH="%s:%s" % (BIN, os.environ["PATH"]))
    args = {"sql_connection_string": odbc(legacy), "target_sql_connection_string": odbc(mgc), "messages": "digest",
            "fail_on_differences": False, "return_rooms": False}
    done = subprocess.run([str(BIN / "ansible"), "localhost", "-o", "-m", "lync.persistent_chat.parity",
                           "-a", json.dumps(args)], env=env, cwd=REPO, capture_output=True, text=True, timeout=600,
                          check=False)
    line = next(line for line in done.stdout.splitlines() if line.startswith("localhost | "))
    status, payload = line[len("localhost | "):].split(" => ", 1)
    assert status.strip() == "SUCCESS", payload
    return json.loads(payload)


def a_message_in_the_middle(mgc):
    """(room id, room name, chatId, content, another author's id) of the middle message of the 2013 room with
    the most messages."""
    conn = sqlite3.connect("file:%s?mode=ro" % mgc, uri=True)
    try:
        room, name = conn.execute(
            "SELECT n.nodeID, n.nodeName FROM tblNode n JOIN tblChat m ON m.channelId = n.nodeID WHERE n.nodeType = 0"
            " GROUP BY n.nodeID, n.nodeName ORDER BY COUNT(*) DESC, n.nodeID LIMIT 1").fetchone()
        ids = [row[0] for row in conn.execute("SELECT chatId FROM tblChat WHERE channelId = ? ORDER BY chatId", (room,))]
        chat_id = ids[len(ids) // 2]
        author, content = conn.execute("SELECT userId, content FROM tblChat WHERE channelId = ? AND chatId = ?",
                                       (room, chat_id)).fetchone()
        (other,) = conn.execute("SELECT MIN(prinID) FROM tblPrincipal WHERE prinTypeID = 5 AND prinID <> ?",
                                (author,)).fetchone()
        return room, name, chat_id, content, other
    finally:
        conn.close()


# A character by another of the same UTF-8 width (1 to 4 bytes): the message keeps its length and size.
SAME_WIDTH = {1: ("x", "y"), 2: ("é", "è"), 3: ("가", "각"), 4: ("😀", "😁")}


def one_character_changed(content):
    """``content`` with its last character replaced by another of the same encoded width (past the first:
    what messages=fingerprint does not see)."""
    assert len(content) > 1
    last = content[-1]
    first, second = SAME_WIDTH[len(last.encode("utf-8", "surrogatepass"))]
    return content[:-1] + (second if last == first else first)


def corrupted_copy(mgc, folder, statement, params):
    copy = folder / "mgc-changed.db"
    source, target = sqlite3.connect("file:%s?mode=ro" % mgc, uri=True), sqlite3.connect(str(copy))
    source.backup(target)
    source.close()
    assert target.execute(statement, params).rowcount == 1
    target.commit()
    target.close()
    return copy


def test_a_correct_migration_of_the_hostile_dataset_passes(migrated):
    result = parity(*migrated)
    assert result["passed"] and result["differences_total"] == 0, result["differences"][:5]
    assert result["messages_mode"] == "digest"
    assert result["counts"]["messages_legacy"] == result["counts"]["messages_target"] > 1000


# Each: the SET clause changing the message, its value from (content, another author's id), the field named.
CHANGES = {
    "body": ("content = ?", lambda content, other: one_character_changed(content), "content"),
    "author": ("userId = ?", lambda content, other: other, "author"),
    "timestamp": ("chatDate = chatDate + ?", lambda content, other: 1, "date"),
    "alert": ("isAlert = 1 - isAlert + ?", lambda content, other: 0, "alert"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_one_changed_message_is_named_by_room_and_chat_id(migrated, tmp_path, change):
    legacy, mgc = migrated
    room, name, chat_id, content, other = a_message_in_the_middle(mgc)
    assignment, value, field = CHANGES[change]
    statement = "UPDATE tblChat SET %s WHERE channelId = ? AND chatId = ?" % assignment
    result = parity(legacy, corrupted_copy(mgc, tmp_path, statement, (value(content, other), room, chat_id)))
    assert [(d["kind"], d["object"]) for d in result["differences"]] == [("MESSAGES_CHANGED", name)]
    (named,) = result["differences"][0]["messages"]
    assert (named["chat_id"], named["change"], named["fields"]) == (chat_id, "changed", [field])
