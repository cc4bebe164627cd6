"""Export/Import semantics: each documented transformation has a test that fails when the rule is removed."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import tracemalloc
import zipfile

import pytest

from pchat_lab.chatdb import datasets, migration, schema
from pchat_lab.chatdb.store import ChatStore


def _seed(root, profile="small", **kw):
    paths = {"legacy": root / "gc.db", "mgc": root / "mgc.db", "mgccomp": root / "mgccomp.db"}
    summary = datasets.seed(paths, profile, filestore_dir=root / "files", **kw)
    return paths, summary


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """small dataset with pre-created 2013 items, exported, imported with -WhatIf, then for real."""
    root = tmp_path_factory.mktemp("migrated")
    paths, summary = _seed(root, precreated_2013=True)
    export = migration.export(paths["legacy"], root / "gc.zip", report_path=root / "export.html")
    before = datasets.digest(paths["mgc"])
    whatif = migration.import_(root / "gc.zip", paths["mgc"], report_path=root / "whatif.html", whatif=True)
    after_whatif = datasets.digest(paths["mgc"])
    report = migration.import_(root / "gc.zip", paths["mgc"], report_path=root / "import.html")
    return {"root": root, "paths": paths, "summary": summary, "export": export, "whatif": whatif,
            "report": report, "digest_before": before, "digest_after_whatif": after_whatif}


def _legacy_rooms(path):
    """[(room id, name, [category path])] straight from the legacy tree table."""
    conn = schema.connect(path)
    try:
        out = []
        for node_id, name in conn.execute("SELECT nodeID, nodeName FROM tblNode WHERE nodeType=0 ORDER BY nodeID"):
            cats = [r[0] for r in conn.execute(
                "SELECT n.nodeName FROM tblTree t JOIN tblNode n ON n.nodeID = t.ancestorID WHERE t.descendantID=?"
                " AND t.depth > 0 AND n.nodeID <> 1 ORDER BY t.depth DESC", (node_id,))]
            out.append((node_id, name, cats))
        return out
    finally:
        conn.close()


def _ids(report, ident):
    return [i for i in report["errors"] + report["warnings"] if i["id"] == ident]


def test_manifest_and_checksums(migrated):
    with zipfile.ZipFile(migrated["root"] / "gc.zip") as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert set(manifest["files"]) >= {"principals.jsonl", "categories.jsonl", "rooms.jsonl", "messages.jsonl"}
    assert manifest["counts"]["messages"] == 300 and manifest["counts"]["rooms"] == 10
    assert manifest["parameters"] == {"level": "All", "scope": None, "start_date": None}
    assert manifest["source"]["flavour"] == "lync2010"
    assert "<table>" in (migrated["root"] / "export.html").read_text(encoding="utf-8")


def test_whatif_changes_nothing_and_reports_the_same(migrated):
    assert migrated["digest_before"] == migrated["digest_after_whatif"]
    whatif, real = migrated["whatif"], migrated["report"]
    assert whatif["whatif"] and not real["whatif"]
    assert [i["id"] for i in whatif["errors"]] == [i["id"] for i in real["errors"]]
    assert [i["id"] for i in whatif["warnings"]] == [i["id"] for i in real["warnings"]]
    assert whatif["counts"] == real["counts"]
    assert "WhatIf" in (migrated["root"] / "whatif.html").read_text(encoding="utf-8")
    assert migrated["digest_before"] != datasets.digest(migrated["paths"]["mgc"])


def test_categories_flattened_with_full_parent_prefix(migrated):
    notable = migrated["summary"]["legacy"]["notable"]
    with ChatStore(migrated["paths"]["mgc"]) as store:
        names = {c["Name"] for c in store.categories()}
        for path in notable["nested_categories"]:
            assert "_".join(path) in names
            assert path[-1] not in names                      # not imported under its short name
    conn = schema.connect(migrated["paths"]["mgc"])
    assert conn.execute("SELECT COUNT(*) FROM tblNode WHERE nodeType=1 AND parentID<>1").fetchone()[0] == 0
    conn.close()
    assert len(_ids(migrated["report"], "CATEGORY_FLATTENED")) == len(notable["nested_categories"])


def test_rooms_of_nested_categories_get_prefix_and_long_names_are_errors(migrated):
    long_name = migrated["summary"]["legacy"]["notable"]["long_name_rooms"][0]
    with ChatStore(migrated["paths"]["mgc"]) as store:
        rooms = {r["Name"]: r for r in store.rooms()}
    for _, name, cats in _legacy_rooms(migrated["paths"]["legacy"]):
        expected = name if len(cats) == 1 else "_".join(cats + [name])
        if name == long_name:
            assert len(expected) > 256 and expected not in rooms
            continue
        assert expected in rooms, expected
        assert rooms[expected]["Category"] == "_".join(cats)
    errors = _ids(migrated["report"], "ROOM_NAME_TOO_LONG")
    assert len(errors) == 1 and errors[0]["severity"] == "Error" and long_name in errors[0]["object"]


def test_root_managers_manage_every_imported_room(migrated):
    root_managers = set(migrated["summary"]["legacy"]["notable"]["root_managers"])
    imported = {("_".join(c + [n]) if len(c) > 1 else n) for _, n, c in _legacy_rooms(migrated["paths"]["legacy"])}
    with ChatStore(migrated["paths"]["mgc"]) as store:
        for room in store.rooms():
            if room["Name"] in imported:
                assert root_managers <= set(room["Managers"]), room["Name"]
        assert not root_managers <= set(store.room("Pilot Room")["Managers"])     # not a migrated room
    assert _ids(migrated["report"], "ROOT_MANAGERS")


def test_invitation_conflict_warns_and_sets_false(migrated):
    room = migrated["summary"]["legacy"]["notable"]["invitation_conflicts"][0]
    warnings = _ids(migrated["report"], "INVITATION_CONFLICT")
    assert len(warnings) == 1 and warnings[0]["severity"] == "Warning" and room in warnings[0]["object"]
    with ChatStore(migrated["paths"]["mgc"]) as store:
        (match,) = [r for r in store.rooms() if r["Name"].endswith(room)]
        assert match["Invitations"] == "False"
        assert store.room("Help Desk")["Invitations"] == "Inherit"


def test_federated_users_become_disabled_principals_and_keep_their_rooms(migrated):
    federated = migrated["summary"]["legacy"]["notable"]["federated_users"]
    conn = schema.connect(migrated["paths"]["mgc"])
    try:
        for uri in federated:
            assert conn.execute("SELECT prinDisabled FROM tblPrincipal WHERE prinUri=?", (uri,)).fetchone() == (1,)
        active = conn.execute("SELECT COUNT(*) FROM tblPrincipal WHERE prinDisabled<>0").fetchone()[0]
        assert active == len(federated)
    finally:
        conn.close()
    with ChatStore(migrated["paths"]["mgc"]) as store:
        assert set(federated) <= set(store.room(migrated["summary"]["legacy"]["federated_room"])["Members"])
    assert len(_ids(migrated["report"], "FEDERATED_PRINCIPAL")) == len(federated)


def test_topic_and_room_flags_dropped_category_flags_inherited(migrated):
    conn = schema.connect(migrated["paths"]["mgc"])
    assert conn.execute("SELECT COUNT(*) FROM tblNode WHERE nodeType=0 AND (logged IS NOT NULL OR filePost IS NOT NULL)"
                        ).fetchone()[0] == 0
    conn.close()
    assert _ids(migrated["report"], "TOPIC_DROPPED") and _ids(migrated["report"], "ROOM_FLAGS_DROPPED")
    # Category flags take the nearest non-NULL value up the legacy tree.
    legacy = schema.connect(migrated["paths"]["legacy"])
    with ChatStore(migrated["paths"]["mgc"]) as store:
        for node_id, in legacy.execute("SELECT nodeID FROM tblNode WHERE nodeType=1 AND nodeID<>1").fetchall():
            chain = legacy.execute("SELECT n.nodeName, n.invite, n.filePost, n.logged FROM tblTree t JOIN tblNode n"
                                   " ON n.nodeID = t.ancestorID WHERE t.descendantID=? ORDER BY t.depth DESC",
                                   (node_id,)).fetchall()
            eff = [None, None, None]
            for _, *values in chain:
                eff = [v if v is not None else e for v, e in zip(values, eff)]
            cat = store.category("_".join(name for name, *_ in chain[1:]))
            assert (cat["Invites"], cat["FileUpload"], cat["ChatHistory"]) == tuple(bool(v) for v in eff)
    legacy.close()


def test_groups_and_ous_matched_by_directory_path(migrated):
    conn = schema.connect(migrated["paths"]["mgc"])
    try:
        dupes = conn.execute("SELECT prinADPath, COUNT(*) FROM tblPrincipal WHERE prinADPath IS NOT NULL"
                             " GROUP BY prinADPath COLLATE NOCASE HAVING COUNT(*) > 1").fetchall()
    finally:
        conn.close()
    assert dupes == []


def test_disabled_rooms_imported_disabled(migrated):
    with ChatStore(migrated["paths"]["mgc"]) as store:
        for name in migrated["summary"]["legacy"]["notable"]["disabled_rooms"]:
            assert store.room(name)["Disabled"] is True


def test_same_named_2013_items_are_overwritten(migrated):
    with ChatStore(migrated["paths"]["mgc"]) as store:
        help_desk = store.room("Help Desk")
        assert help_desk["Category"] != "PC2013 Pilot" and help_desk["Privacy"] == "Open"
        contents = [m["Content"] for m in store.messages("Help Desk")]
        assert not any(c.startswith("2013 message") for c in contents)
        assert store.addin("Wiki")["Url"].startswith("https://wiki.contoso.local")
        assert store.message_counts()["Pilot Room"] == 5                    # untouched
        assert store.room("Pilot Room")["Addin"] == "Pilot feedback"
    overwrites = {i["object"] for i in _ids(migrated["report"], "OVERWRITE")}
    assert {"Help Desk", "Wiki"} <= overwrites


def test_every_message_kept_in_order_with_author_and_date(migrated):
    long_name = migrated["summary"]["legacy"]["notable"]["long_name_rooms"][0]
    legacy = schema.connect(migrated["paths"]["legacy"])
    mgc = schema.connect(migrated["paths"]["mgc"])
    total = 0
    try:
        for node_id, name, cats in _legacy_rooms(migrated["paths"]["legacy"]):
            src = legacy.execute("SELECT c.chatId, c.chatDate, p.prinUri, c.content, c.isAlert FROM tblChat c JOIN"
                                 " tblPrincipal p ON p.prinID=c.userId WHERE channelId=? ORDER BY chatId", (node_id,)).fetchall()
            new_name = name if len(cats) == 1 else "_".join(cats + [name])
            dst = mgc.execute("SELECT c.chatId, c.chatDate, p.prinUri, c.content, c.isAlert FROM tblChat c JOIN tblPrincipal p"
                              " ON p.prinID=c.userId JOIN tblNode n ON n.nodeID=c.channelId WHERE n.nodeName=? AND"
                              " n.nodeType=0 ORDER BY chatId", (new_name,)).fetchall()
            if name == long_name:
                assert dst == []
                skipped = len(src)
                continue
            assert dst == src, new_name
            total += len(dst)
            (last,) = mgc.execute("SELECT l.lastChatID FROM tblLastChatId l JOIN tblNode n ON n.nodeID=l.nodeID"
                                  " WHERE n.nodeName=? AND n.nodeType=0", (new_name,)).fetchone()
            assert last == (src[-1][0] if src else 0)
    finally:
        legacy.close()
        mgc.close()
    counts = migrated["report"]["counts"]
    assert counts["messages_imported"] == total and counts["messages_skipped"] == skipped
    assert total + skipped == 300


def test_second_import_is_idempotent_for_content(migrated, tmp_path):
    import shutil
    copy = tmp_path / "mgc.db"
    shutil.copy(migrated["paths"]["mgc"], copy)
    with ChatStore(copy) as store:
        before = store.message_counts()
    report = migration.import_(migrated["root"] / "gc.zip", copy)
    with ChatStore(copy) as store:
        assert store.message_counts() == before                      # overwritten, not duplicated
    first = migrated["report"]["counts"]
    assert report["counts"]["rooms_created"] == 0
    assert report["counts"]["rooms_overwritten"] == first["rooms_created"] + first["rooms_overwritten"]


def _snapshot(mgc_path):
    """Everything Export/Import carries, by name: categories, rooms with their roles, add-ins, messages."""
    def plain(item):
        return {k: sorted(v) if isinstance(v, list) else v for k, v in item.items() if k not in ("Id", "NodeId")}
    with ChatStore(mgc_path) as store:
        categories = {c["Name"]: plain(c) for c in store.categories()}
        rooms = {r["Name"]: plain(r) for r in store.rooms()}
        addins = {a["Name"]: plain(a) for a in store.addins()}
        messages = {name: [(m["ChatId"], m["Date"], m["User"], m["Content"], m["IsAlert"])
                           for m in store.messages(name)] for name in rooms}
    return categories, rooms, addins, messages


def test_an_export_of_mgc_imports_into_a_fresh_pool(migrated, tmp_path):
    # [DOC §3.1] "-DBName ... SQL instance name of the Persistent Chat database", default mgc: exporting the
    # 2013 store itself is documented (backup/restore pages: "restore with the matching method, Import <->
    # Export"), so an export of mgc must import back with the same rooms, roles and messages.
    summary = migration.export(migrated["paths"]["mgc"], tmp_path / "mgc.zip", report_path=tmp_path / "mgc.html")
    assert summary["source"]["flavour"] == "lync2013" and summary["counts"]["messages"] > 0
    fresh = schema.create_mgc(tmp_path / "fresh.db", pool_fqdn="pc.contoso.local")
    report = migration.import_(tmp_path / "mgc.zip", fresh)
    assert report["errors"] == []
    # 2013 categories are flat, so nothing is flattened twice and no room name changes.
    assert not _ids(report, "CATEGORY_FLATTENED")
    assert _snapshot(fresh) == _snapshot(migrated["paths"]["mgc"])
    assert "lync2013" in (tmp_path / "mgc.html").read_text(encoding="utf-8")


def test_scope_start_date_and_levels(tmp_path):
    paths, summary = _seed(tmp_path)
    cutoff = dt.datetime(2010, 6, 1)
    scoped = migration.export(paths["legacy"], tmp_path / "sales.zip", scope=["sales"], start_date=cutoff)
    with zipfile.ZipFile(tmp_path / "sales.zip") as zf:
        cats = [json.loads(line) for line in zf.read("categories.jsonl").decode().splitlines()]
        rooms = [json.loads(line) for line in zf.read("rooms.jsonl").decode().splitlines()]
        msgs = [json.loads(line) for line in zf.read("messages.jsonl").decode().splitlines()]
    assert {c["path"][0] for c in cats if not c.get("root")} == {"Sales"}
    assert rooms and all(r["category_path"][0] == "Sales" for r in rooms)
    assert msgs and min(m["date"] for m in msgs) >= schema.ticks_from_datetime(cutoff)
    conn = schema.connect(paths["legacy"])
    room_ids = tuple(r["id"] for r in rooms)
    expected = conn.execute("SELECT COUNT(*) FROM tblChat WHERE chatDate >= ? AND channelId IN (%s)" % ",".join("?" * len(room_ids)),
                            (schema.ticks_from_datetime(cutoff),) + room_ids).fetchone()[0]
    conn.close()
    assert len(msgs) == expected == scoped["counts"]["messages"]
    with pytest.raises(ValueError):
        migration.export(paths["legacy"], tmp_path / "x.zip", scope=["No such category"])
    with pytest.raises(ValueError):
        migration.export(paths["legacy"], tmp_path / "x.zip", level="Everything")

    users = migration.export(paths["legacy"], tmp_path / "users.zip", level="user")
    assert set(users["files"]) == {"principals.jsonl", "affiliations.jsonl"}
    directory = migration.export(paths["legacy"], tmp_path / "dir.zip", level="RoomDirectory")
    assert "messages.jsonl" not in directory["files"] and directory["counts"]["rooms"] == 10
    content = migration.export(paths["legacy"], tmp_path / "content.zip", level="Content")
    assert "rooms.jsonl" not in content["files"] and content["counts"]["messages"] == 300

    # Room directory first, then content: the messages land in the rooms the first import created.
    first = migration.import_(tmp_path / "dir.zip", paths["mgc"])
    with ChatStore(paths["mgc"]) as store:
        assert sum(store.message_counts().values()) == 0 and len(store.rooms()) == 9
    second = migration.import_(tmp_path / "content.zip", paths["mgc"])
    with ChatStore(paths["mgc"]) as store:
        assert sum(store.message_counts().values()) == second["counts"]["messages_imported"]
    long_room_messages = second["counts"]["messages_skipped"]
    assert second["counts"]["messages_imported"] + long_room_messages == 300
    assert [e["id"] for e in second["errors"]] == ["CONTENT_ROOM_MISSING"]
    assert [e["id"] for e in first["errors"]] == ["ROOM_NAME_TOO_LONG"]


def test_damaged_export_refused_before_any_change(tmp_path):
    paths, _ = _seed(tmp_path)
    migration.export(paths["legacy"], tmp_path / "gc.zip")
    before = datasets.digest(paths["mgc"])
    with zipfile.ZipFile(tmp_path / "gc.zip") as src, zipfile.ZipFile(tmp_path / "bad.zip", "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "messages.jsonl":
                data = data.replace("안녕하세요".encode(), "HELLO".encode(), 1)
            dst.writestr(item, data)
    with pytest.raises(migration.ExportFileError, match="checksum"):
        migration.import_(tmp_path / "bad.zip", paths["mgc"])
    (tmp_path / "notzip.zip").write_bytes(b"PK not really")
    with pytest.raises(migration.ExportFileError):
        migration.import_(tmp_path / "notzip.zip", paths["mgc"])
    assert datasets.digest(paths["mgc"]) == before


def test_hostile_names_survive_and_reports_are_escaped(tmp_path):
    paths, summary = _seed(tmp_path, "hostile", flavour="ocs2007r2")
    export = migration.export(paths["legacy"], tmp_path / "h.zip", report_path=tmp_path / "e.html",
                              source_flavour="ocs2007r2")
    assert export["source"]["flavour"] == "ocs2007r2"
    report = migration.import_(tmp_path / "h.zip", paths["mgc"], report_path=tmp_path / "i.html")
    exported, imported = ((tmp_path / p).read_text(encoding="utf-8") for p in ("e.html", "i.html"))
    assert "<script>" not in exported and "&lt;script&gt;" in exported
    assert "<script>" not in imported and "O&#x27;Brien&#x27;s &quot;quoted&quot; room" in imported
    legacy = sqlite3.connect(paths["legacy"])
    top_rooms = [r[0] for r in legacy.execute(
        "SELECT r.nodeName FROM tblNode r JOIN tblNode c ON c.nodeID=r.parentID WHERE r.nodeType=0 AND c.parentID=1")]
    legacy.close()
    with ChatStore(paths["mgc"]) as store:
        names = {r["Name"] for r in store.rooms()}
        assert set(top_rooms) <= names                                   # byte-identical, incl. NFC/NFD twins
    assert "M" * 256 in names
    assert sum(report["counts"][k] for k in ("messages_imported", "messages_skipped")) == summary["legacy"]["messages"]
    with pytest.raises(ValueError):
        migration.export(paths["legacy"], tmp_path / "x.zip", source_flavour="lync2010")


def test_export_and_import_memory_stays_flat(tmp_path):
    paths, summary = _seed(tmp_path, "standard")
    tracemalloc.start()
    try:
        export = migration.export(paths["legacy"], tmp_path / "std.zip")
        _, export_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        report = migration.import_(tmp_path / "std.zip", paths["mgc"])
        _, import_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    data_size = export["files"]["messages.jsonl"]["bytes"]
    assert data_size > 5_000_000
    assert export_peak < data_size / 4, (export_peak, data_size)
    assert import_peak < data_size / 4, (import_peak, data_size)
    assert report["counts"]["messages_imported"] + report["counts"]["messages_skipped"] == summary["legacy"]["messages"]
