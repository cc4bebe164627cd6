"""Seeding is deterministic and the datasets carry every situation the migration must handle."""
from __future__ import annotations

import sqlite3
import urllib.parse

import pytest

from pchat_lab.chatdb import datasets, migration, schema


def _seed(root, profile="small", seed=0, **kw):
    paths = {"legacy": root / "gc.db", "mgc": root / "mgc.db", "mgccomp": root / "mgccomp.db"}
    return paths, datasets.seed(paths, profile, seed=seed, filestore_dir=root / "files", **kw)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return _seed(tmp_path_factory.mktemp("small"))


def test_same_seed_same_digest_different_seed_differs(tmp_path):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir(), (tmp_path / "c").mkdir()
    a, _ = _seed(tmp_path / "a", seed=7, precreated_2013=True)
    b, _ = _seed(tmp_path / "b", seed=7, precreated_2013=True)
    c, _ = _seed(tmp_path / "c", seed=8, precreated_2013=True)
    assert datasets.digest(a["legacy"]) == datasets.digest(b["legacy"])
    assert datasets.digest(a["legacy"]) != datasets.digest(c["legacy"])
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a" / "files").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b" / "files").rglob("*") if p.is_file())
    assert files_a == files_b and len(files_a) == 20


def test_small_counts(small):
    paths, summary = small
    legacy = summary["legacy"]
    assert legacy["rooms"] == 10 and legacy["messages"] == 300 and legacy["files"] == 20
    conn = schema.connect(paths["legacy"])
    try:
        assert conn.execute("SELECT COUNT(*) FROM tblChat").fetchone()[0] == 300
        assert conn.execute("SELECT COUNT(*) FROM tblNode WHERE nodeType=0").fetchone()[0] == 10
        # tblLastChatId agrees with the content of every room.
        assert conn.execute("SELECT COUNT(*) FROM tblLastChatId l WHERE lastChatID <> (SELECT COALESCE(MAX(chatId),0)"
                            " FROM tblChat WHERE channelId = l.nodeID)").fetchone()[0] == 0
    finally:
        conn.close()
    # mgc starts empty: only the root node.
    conn = schema.connect(paths["mgc"])
    assert conn.execute("SELECT COUNT(*) FROM tblNode").fetchone()[0] == 1
    conn.close()


def test_notable_items_exist_in_the_database(small):
    paths, summary = small
    notable = summary["legacy"]["notable"]
    conn = schema.connect(paths["legacy"])
    try:
        for key in ("nested_categories", "root_managers", "long_name_rooms", "invitation_conflicts",
                    "federated_users", "disabled_rooms", "auditoriums", "addins", "rooms_with_topic"):
            assert notable[key], key
        # Nesting is recorded in the closure table.
        assert conn.execute("SELECT MAX(depth) FROM tblTree").fetchone()[0] >= 2
        long_name = notable["long_name_rooms"][0]
        path = conn.execute("SELECT GROUP_CONCAT(n.nodeName, '/') FROM tblTree t JOIN tblNode n ON n.nodeID = t.ancestorID"
                            " JOIN tblNode r ON r.nodeID = t.descendantID WHERE r.nodeName = ? AND t.depth > 0"
                            " AND n.nodeID <> 1", (long_name,)).fetchone()[0]
        assert len(long_name) <= 256 < len(migration.flattened_room_name(path.split("/"), long_name))
        for uri in notable["federated_users"]:
            assert conn.execute("SELECT prinADPath FROM tblPrincipal WHERE prinUri=?", (uri,)).fetchone() == (None,)
        room = notable["invitation_conflicts"][0]
        assert conn.execute("SELECT invite FROM tblNode WHERE nodeName=?", (room,)).fetchone() == (1,)
        assert conn.execute("SELECT c.invite FROM tblNode r JOIN tblNode c ON c.nodeID = r.parentID WHERE r.nodeName=?",
                            (room,)).fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM tblPrincipalRole WHERE prinRoleNodeID=1 AND prinRoleTypeID=?",
                            (schema.ROLE_MANAGER,)).fetchone()[0] == 2
        assert conn.execute("SELECT filestoreURI FROM tblNode WHERE nodeID=1").fetchone()[0].startswith("https://")
        assert conn.execute("SELECT COUNT(*) FROM tblNode WHERE nodeID<>1 AND filestoreURI IS NOT NULL").fetchone()[0] == 0
    finally:
        conn.close()


def test_filelinks_point_at_written_files(small, tmp_path_factory):
    paths, _ = small
    root = paths["legacy"].parent / "files"
    conn = schema.connect(paths["legacy"])
    links = [r[0] for r in conn.execute("SELECT content FROM tblChat WHERE content LIKE 'ma-filelink:%'")]
    conn.close()
    assert len(links) == 20
    for link in links:
        rel = urllib.parse.unquote(link[len(datasets.FILELINK_PREFIX):])
        assert (root / rel).is_file(), rel
    assert any(ord(ch) > 127 for link in links for ch in urllib.parse.unquote(link))


def test_hostile_profile(tmp_path):
    paths, summary = _seed(tmp_path, "hostile")
    conn = schema.connect(paths["legacy"])
    try:
        names = [r[0] for r in conn.execute("SELECT nodeName FROM tblNode")]
        joined = "".join(names)
        for needle in ("'", '"', "`", "$(", ";", "|", "\n", "\u200b", "\u202e", "مرحبا", "<script>"):
            assert needle in joined, needle
        assert max(len(n) for n in names) == 256
        assert conn.execute("SELECT MAX(LENGTH(content)) FROM tblChat").fetchone()[0] > 40_000
        assert conn.execute("SELECT COUNT(*) FROM tblNode WHERE nodeName IN ('café', ?)", ("cafe\u0301",)).fetchone()[0] == 2
    finally:
        conn.close()


def test_standard_profile_shape(tmp_path):
    paths, summary = _seed(tmp_path, "standard")
    legacy = summary["legacy"]
    assert 190 <= legacy["rooms"] <= 210 and legacy["messages"] >= 50_000 and legacy["files"] == 2_000
    conn = schema.connect(paths["legacy"])
    try:
        assert conn.execute("SELECT MAX(depth) FROM tblTree WHERE ancestorID=1").fetchone()[0] == 4  # 3 category levels + room
        combos = set(conn.execute("SELECT DISTINCT behavior, visibility FROM tblNode WHERE nodeType=0"))
        assert combos == {(b, v) for b in (4, 5) for v in (2, 3, 6)}
    finally:
        conn.close()


def test_precreated_2013(tmp_path):
    paths, summary = _seed(tmp_path, precreated_2013=True)
    from pchat_lab.chatdb.store import ChatStore
    with ChatStore(paths["mgc"]) as store:
        assert {c["Name"] for c in store.categories()} == {"PC2013 Pilot"}
        assert store.room("Help Desk")["Privacy"] == "Secret"
        assert store.addin("Wiki")["Url"].startswith("https://wiki2013.")
    conn = sqlite3.connect(paths["legacy"])
    assert conn.execute("SELECT COUNT(*) FROM tblNode WHERE nodeName='Help Desk' AND nodeType=0").fetchone()[0] == 1
    conn.close()


def test_unknown_profile_refused(tmp_path):
    with pytest.raises(ValueError):
        datasets.seed({"legacy": tmp_path / "x.db"}, "huge")
