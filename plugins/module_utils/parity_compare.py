# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parity: the legacy Group Chat database against the 2013 ``mgc`` after a migration, in the spirit of
the Resource Kit's ChatUpgradeVerifier (reference §1.9) and further: every category, room and add-in
with its settings, principals in scope and in roles, and per room the messages.

The legacy side is first turned into what Import makes of it (module_utils.migration_model), so the
documented transformations are expected, not reported; everything else is a difference naming the
object it concerns. Zero differences is a pass.

Messages are compared per room in one of three ways (``messages``):
- ``count``: the number of messages;
- ``fingerprint``: the number and a fingerprint computed in SQL (one aggregate pass per database): catches
  missing, extra, moved or re-dated messages and changes of stored size (any character added or removed,
  or replaced by one of another encoded width) or of the first character; not a replacement of the same
  width past the first character, nor a change of author or alert flag;
- ``digest``: an exact SHA-256 per room over (date, alert flag, author, content) in chatId order
  (RoomDigest). On SQLite each room's values come joined in SQL, one row per room (ROOM_MESSAGE_LISTS:
  memory is one room's messages, the only per-message work in Python one author looked up), as the bytes
  SQLite stores, hashed without being decoded and encoded again (most of what is left is SQLite's joining,
  then the authors' look-up); on SQL Server,
  which has no ordered string aggregate before 2017 and whose hashes are either not exact (CHECKSUM_AGG)
  or not everywhere (HASHBYTES SHA2_256 from 2012, 8,000 bytes of input before 2016), every message is
  streamed through the client (constant memory; fetching the rows is most of its time).
A room that differs is then read message by message on both sides to name the messages concerned.
"""

from __future__ import annotations

import hashlib

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.lync.persistent_chat.plugins.module_utils import chat_queries as Q
from ansible_collections.lync.persistent_chat.plugins.module_utils.migration_model import (
    BEHAVIORS,
    NODE_CATEGORY,
    NODE_ROOM,
    VISIBILITIES,
    NODE_CATEGORY as _CATEGORY,
    TRANSFORMATIONS,
    ChatTree,
    Expectation,
    TargetIndex,
    flag,
    fold,
    rests_on_assumption,
)

MESSAGE_MODES = ("count", "fingerprint", "digest")


class Differences(object):
    """Every difference found, kept up to ``limit`` (the total is always counted)."""

    def __init__(self, limit=1000):
        self.limit = limit
        self.items = []
        self.total = 0
        self.by_kind = {}

    def add(self, kind, object_type, name, detail, **extra):
        self.total += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
        if len(self.items) < self.limit:
            item = {"kind": kind, "object_type": object_type, "object": name, "detail": detail}
            item.update(extra)
            self.items.append(item)


def _text(value):
    return value if value else ""


def _uris(tree, keys):
    return sorted(tree.principals[key]["uri"] if key in tree.principals else key for key in keys)


def _compare_sets(diffs, kind_missing, kind_extra, object_type, name, what, expected, actual, legacy, target):
    if expected == actual:
        return
    missing, extra = expected - actual, actual - expected
    for key in sorted(missing):
        diffs.add(kind_missing, object_type, name, "%s missing: %s" % (what, _uris(legacy, [key])[0]),
                  principal=_uris(legacy, [key])[0], role=what)
    for key in sorted(extra):
        diffs.add(kind_extra, object_type, name, "%s not in the legacy database: %s" % (what, _uris(target, [key])[0]),
                  principal=_uris(target, [key])[0], role=what)


def _setting(diffs, kind, object_type, name, setting, expected, actual):
    if expected != actual:
        diffs.add(kind, object_type, name, "%s is %r, expected %r" % (setting, actual, expected),
                  setting=setting, expected=expected, actual=actual)


def _room_fingerprints(client, start_ticks=None, counts_only=False):
    statement, params = Q.fingerprint_query(start_ticks, counts_only)
    out = {}
    for row in Q.rows(client, Q.for_client(statement, client), params):
        out[int(row["room_id"])] = (int(row["messages"] or 0), int(row["fingerprint"] or 0))
    return out


class RoomDigest(object):
    """The exact digest of one room's messages in chatId order: three SHA-256 streams - the stamps (twice
    the date plus the alert flag, in decimal, each followed by ','), the author keys (each followed by
    \x1f) and the contents (each followed by \x1e), all in UTF-8 - hashed together at the end. Three
    streams rather than one record per message, so that a reader that gets a room's values column by column
    (SQLite's ROOM_MESSAGE_LISTS) and one that gets them row by row (MESSAGES_IN_ORDER) hash the same bytes."""

    TERMINATORS = (b",", b"\x1f", b"\x1e")

    def __init__(self):
        self.count = 0
        self._streams = (hashlib.sha256(), hashlib.sha256(), hashlib.sha256())

    def add(self, count, stamps, authors, contents):
        """``count`` more messages: their stamps, author keys and contents, each a string of terminated
        values (see the class)."""
        self.count += count
        for stream, text in zip(self._streams, (stamps, authors, contents)):
            stream.update(text.encode("utf-8", "surrogatepass"))

    def add_joined(self, count, stamps, authors, contents):
        """``count`` more messages given as UTF-8 bytes, each column's values joined by its terminator as
        SQL's group_concat joins them (no terminator after the last): hashed as they are, then the last
        terminator, so no copy of a room's values is made to append it."""
        self.count += count
        for stream, data, terminator in zip(self._streams, (stamps, authors, contents), self.TERMINATORS):
            stream.update(data)
            stream.update(terminator)

    def hexdigest(self):
        return hashlib.sha256(b"".join(stream.digest() for stream in self._streams)).hexdigest()


def _keys_by_text(authors):
    """user id as decimal text -> author key as the digest writes it (a principal without one keeps '?id')."""
    return {str(user_id): key or "?%s" % user_id for user_id, key in authors.items()}


def _keys_by_bytes(authors):
    """user id as decimal ASCII bytes -> author key as the digest writes it, in UTF-8 (see _keys_by_text)."""
    return {text.encode("ascii"): key.encode("utf-8", "surrogatepass")
            for text, key in _keys_by_text(authors).items()}


def _author_stream(user_ids, by_text):
    """The author keys of ``user_ids`` (decimal texts), each followed by \x1f; an unknown id is '?id'."""
    keys = list(map(by_text, user_ids))
    if None in keys:
        keys = [key if key is not None else "?" + user_id for key, user_id in zip(keys, user_ids)]
    keys.append("")
    return "\x1f".join(keys)


def _joined_authors(user_ids, keys):
    """The author keys of ``user_ids`` (bytes: decimal ids joined by ','), joined by \x1f; an unknown id
    is '?id'. ``keys`` is _keys_by_bytes: looked up with [] (KeyError for an unknown id), the common case
    makes no list of its own."""
    ids = user_ids.split(b",")
    try:
        return b"\x1f".join(map(keys.__getitem__, ids))
    except KeyError:
        return b"\x1f".join(keys.get(user_id, b"?" + user_id) for user_id in ids)


def _room_digests(client, authors, start_ticks=None):
    """room id -> (messages, sha256 hex) of every room with messages (RoomDigest). On SQLite, one row per
    room with its values joined in SQL (ROOM_MESSAGE_LISTS); elsewhere every message streamed in order."""
    if getattr(client, "is_sqlite", False):
        return _room_digests_from_lists(client, authors, start_ticks)
    return _room_digests_streamed(client, authors, start_ticks)


def _room_digests_from_lists(client, authors, start_ticks=None):
    """One room's values at a time (a row holds a whole room's messages: few rows per fetch), as the UTF-8
    bytes SQLite stores (raw_text: pyodbc neither decodes them nor this encodes them again; the contents
    after the '.' the query puts first, see ROOM_MESSAGE_LISTS); the only per-message work here is looking
    up each author id."""
    statement, params = Q.room_message_lists_query(start_ticks)
    keys = _keys_by_bytes(authors)
    out = {}
    for _names, batch in client.batches(statement, params, fetch_size=8, raw_text=True):
        for room_id, count, stamps, user_ids, contents in batch:
            digest = RoomDigest()
            digest.add_joined(int(count), stamps, _joined_authors(user_ids, keys), memoryview(contents)[1:])
            out[int(room_id)] = (digest.count, digest.hexdigest())
    return out


def _room_digests_streamed(client, authors, start_ticks=None):
    """Rows come ``fetch_size`` at a time, sorted by room; each batch is cut into runs of one room and
    every run is added to its room's digest at once, its columns joined."""
    statement, params = Q.ordered_messages_query(start_ticks)
    by_text = _keys_by_text(authors).get
    out = {}
    room, digest = None, None
    for _names, batch in client.batches(statement, params):
        start, size = 0, len(batch)
        while start < size:
            room_id = batch[start][0]
            end = size
            if batch[-1][0] != room_id:
                end = start + 1
                while batch[end][0] == room_id:
                    end += 1
            if room_id != room:
                if room is not None:
                    out[int(room)] = (digest.count, digest.hexdigest())
                room, digest = room_id, RoomDigest()
            _rooms, stamps, user_ids, contents = zip(*batch[start:end])
            if None in contents:
                contents = tuple(content or "" for content in contents)
            digest.add(end - start, ",".join(map(str, stamps + ("",))),
                       _author_stream(list(map(str, user_ids)), by_text), "\x1e".join(contents + ("",)))
            start = end
    if room is not None:
        out[int(room)] = (digest.count, digest.hexdigest())
    return out


def _message_view(row, authors):
    return {"date": row["chat_date"], "author": authors.get(row["user_id"], "?%s" % row["user_id"]),
            "alert": bool(row["alert"]), "content": row["content"] or ""}


def _uri_of(tree, key):
    return tree.principals[key]["uri"] if key in tree.principals else key


def name_message_differences(legacy_client, target_client, legacy_room, target_room, start_ticks,
                             legacy_authors, target_authors, legacy, target, limit):
    """Merge both rooms' messages by chatId and describe up to ``limit`` that differ. Returns (those
    described, whether they are all that differ: both rooms were read to their end)."""
    found = []
    statement, params = Q.room_messages_query(legacy_room, start_ticks)
    left = iter(Q.rows(legacy_client, statement, params))
    statement, params = Q.room_messages_query(target_room)
    right = iter(Q.rows(target_client, statement, params))
    a, b = next(left, None), next(right, None)
    while (a is not None or b is not None) and len(found) < limit:
        if b is None or (a is not None and a["chat_id"] < b["chat_id"]):
            view = _message_view(a, legacy_authors)
            found.append({"chat_id": a["chat_id"], "change": "missing", "author": _uri_of(legacy, view["author"]),
                          "date": view["date"]})
            a = next(left, None)
        elif a is None or b["chat_id"] < a["chat_id"]:
            view = _message_view(b, target_authors)
            found.append({"chat_id": b["chat_id"], "change": "extra", "author": _uri_of(target, view["author"]),
                          "date": view["date"]})
            b = next(right, None)
        else:
            before, after = _message_view(a, legacy_authors), _message_view(b, target_authors)
            fields = [field for field in ("author", "date", "alert", "content") if before[field] != after[field]]
            if fields:
                found.append({"chat_id": a["chat_id"], "change": "changed", "fields": fields,
                              "author": _uri_of(legacy, before["author"]), "date": before["date"]})
            a, b = next(left, None), next(right, None)
    return found, a is None and b is None


def _room_messages(client, messages, start_ticks, tree, shared):
    """Per-room message aggregates of one database. ``tree`` is a future of its ChatTree, whose authors the
    digest needs, and which must be read first when the connection is ``shared`` with it."""
    if messages == "digest" or shared:
        tree.result()
    if messages == "digest":
        return _room_digests(client, tree.result().ids, start_ticks)
    return _room_fingerprints(client, start_ticks, messages == "count")


def _second_client(client):
    """A client of its own for the message query, so that it runs while the tree is read; a client that
    cannot open a second connection shares its own (the two reads then run one after the other)."""
    sibling = getattr(client, "sibling", None)
    return sibling() if sibling is not None else client


def compare(legacy_client, target_client, scope=None, start_ticks=None, messages="fingerprint", ignore=(),
            max_differences=1000, max_message_differences=5):
    """Compare both databases. Returns a dict: passed, differences, differences_total, differences_by_kind,
    explained, not_migrated, out_of_scope, categories, rooms, addins, counts, messages_mode."""
    if messages not in MESSAGE_MODES:
        raise ValueError("messages must be one of %s" % ", ".join(MESSAGE_MODES))
    with Q.collector_paused():
        return _compare(legacy_client, target_client, scope, start_ticks, messages, ignore, max_differences,
                        max_message_differences)


class _Databases(object):
    """What the comparison needs from both databases: the two trees (the 2013 one also indexed by name),
    the expectation built from the legacy tree, and each database's per-room message aggregates."""

    def __init__(self, legacy, model, target_tree, legacy_rooms, target_rooms):
        self.legacy = legacy
        self.model = model
        self.target_tree = target_tree
        self.target = TargetIndex(target_tree)
        self.legacy_rooms = legacy_rooms
        self.target_rooms = target_rooms


def _read_databases(legacy_client, target_client, scope, start_ticks, messages):
    """Everything is read at once, four queries on four connections: the message queries, the long ones, run
    in the database engines and the ODBC driver, outside Python's lock, while the trees are read and the
    expectation is built here."""
    readers = [_second_client(legacy_client), _second_client(target_client)]
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            legacy_future = pool.submit(ChatTree.read, legacy_client, True)
            target_future = pool.submit(ChatTree.read, target_client, False)
            legacy_messages = pool.submit(_room_messages, readers[0], messages, start_ticks, legacy_future,
                                          readers[0] is legacy_client)
            target_messages = pool.submit(_room_messages, readers[1], messages, None, target_future,
                                          readers[1] is target_client)
            legacy = legacy_future.result()
            model = Expectation(legacy, scope=scope)
            target_tree = target_future.result()
            return _Databases(legacy, model, target_tree, legacy_messages.result(), target_messages.result())
    finally:
        for reader, client in zip(readers, (legacy_client, target_client)):
            if reader is not client:
                reader.close()


def _compare(legacy_client, target_client, scope, start_ticks, messages, ignore, max_differences,
             max_message_differences):
    databases = _read_databases(legacy_client, target_client, scope, start_ticks, messages)
    comparison = _Comparison(databases, scope, ignore, max_differences)
    comparison.compare_categories()
    comparison.compare_addins()
    comparison.compare_rooms()
    comparison.report_target_only_nodes()
    comparison.compare_federated_principals()
    comparison.compare_messages(legacy_client, target_client, messages, start_ticks, max_message_differences)
    return comparison.result(messages)


def _empty_totals():
    return {"rooms": 0, "rooms_ok": 0, "messages_legacy": 0, "messages_target": 0}


class _Comparison(object):
    """One comparison of the expectation with the 2013 tree: each step adds its differences (in the order
    the steps run) and fills the rows of the categories, rooms and add-ins it looked at."""

    def __init__(self, databases, scope, ignore, max_differences):
        self.legacy, self.model = databases.legacy, databases.model
        self.target_tree, self.target = databases.target_tree, databases.target
        self.legacy_rooms, self.target_rooms = databases.legacy_rooms, databases.target_rooms
        self.scope = scope
        # The whole legacy database's items: a 2013 item outside -Scope is not an extra one.
        self.everything = Expectation(self.legacy) if scope else self.model
        self.ignored = {fold(name) for name in ignore or ()}
        self.diffs = Differences(max_differences)
        self.matched_nodes = set()
        self.category_rows = {}      # folded 2013 name -> row
        self.addin_rows = []
        self.room_rows = {}          # legacy id -> row
        self.room_pairs = []         # (expected room, target node)
        self.out_of_scope_found = []
        self.federated = []
        self.messages_legacy = self.messages_target = 0

    def _renamed(self, expected, node_type):
        """The 2013 node of this type holding the expected item's GUID under another name, or None."""
        renamed = self.target.by_guid.get(str(expected.get("guid") or "").lower())
        return renamed if renamed is not None and renamed["node_type"] == node_type else None

    def _roles(self, kind_missing, kind_extra, object_type, name, what, expected, actual):
        _compare_sets(self.diffs, kind_missing, kind_extra, object_type, name, what, expected, actual, self.legacy,
                      self.target_tree)

    # -- categories ------------------------------------------------------------------------------------
    def compare_categories(self):
        for expected in self.model.categories:
            self._compare_category(expected)

    def _compare_category(self, expected):
        diffs, name = self.diffs, expected["name"]
        legacy_path = " / ".join(expected["path"])
        node = self.target.categories.get(fold(name))
        if node is None:
            node = self._renamed(expected, NODE_CATEGORY)
            if node is None:
                diffs.add("CATEGORY_MISSING", "category", name, "not in the 2013 database", legacy=legacy_path)
                self.category_rows[fold(name)] = {"name": name, "legacy": legacy_path, "status": "missing"}
                return
            diffs.add("CATEGORY_RENAMED", "category", name, "found as %r" % node["name"], actual=node["name"])
        self.matched_nodes.add(node["node_id"])
        self.category_rows[fold(name)] = {"name": name, "legacy": legacy_path, "status": "ok"}
        _setting(diffs, "CATEGORY_SETTING", "category", name, "description", _text(expected["description"]),
                 _text(node.get("description")))
        for setting, column in (("invitations", "invite"), ("chat_history", "logged"), ("file_upload", "file_post")):
            _setting(diffs, "CATEGORY_SETTING", "category", name, setting, expected[setting], bool(node.get(column)))
        allowed, denied = self.target_tree.scopes.get(node["node_id"], (set(), set()))
        self._roles("SCOPE_MISSING", "SCOPE_EXTRA", "category", name, "allowed member", expected["allowed"],
                    set(allowed) - set(denied))
        self._roles("SCOPE_MISSING", "SCOPE_EXTRA", "category", name, "denied member", expected["denied"], set(denied))
        self._roles("ROLE_MISSING", "ROLE_EXTRA", "category", name, "creator", expected["creators"],
                    self.target_tree.role(node["node_id"], "creators"))

    # -- add-ins ---------------------------------------------------------------------------------------
    def compare_addins(self):
        diffs, expected_addins = self.diffs, set()
        for addin in self.model.addins:
            expected_addins.add(fold(addin["name"]))
            actual = self.target.addins.get(fold(addin["name"]))
            if actual is None:
                diffs.add("ADDIN_MISSING", "addin", addin["name"], "not in the 2013 database")
                self.addin_rows.append({"name": addin["name"], "status": "missing"})
                continue
            before = diffs.total
            _setting(diffs, "ADDIN_SETTING", "addin", addin["name"], "url", addin["url"], actual["url"])
            self.addin_rows.append({"name": addin["name"], "status": "ok" if diffs.total == before else "differs"})
        out_of_scope_addins = {fold(a["name"]) for a in self.everything.addins}
        for key, actual in sorted(self.target.addins.items()):
            if key not in expected_addins and key not in self.ignored and key not in out_of_scope_addins:
                diffs.add("ADDIN_EXTRA", "addin", actual["name"], "in the 2013 database only")

    # -- rooms: settings and roles ---------------------------------------------------------------------
    def compare_rooms(self):
        for expected in self.model.rooms:
            self._compare_room(expected)

    def _compare_room(self, expected):
        diffs, name = self.diffs, expected["name"]
        node = self.target.rooms.get(fold(name))
        if node is None:
            node = self._renamed(expected, NODE_ROOM)
            if node is None:
                diffs.add("ROOM_MISSING", "room", name, "not in the 2013 database", legacy=expected["label"])
                self.room_rows[expected["legacy_id"]] = self._room_row(expected, "missing")
                return
            diffs.add("ROOM_RENAMED", "room", name, "found as %r" % node["name"], actual=node["name"],
                      legacy=expected["label"])
        self.matched_nodes.add(node["node_id"])
        before = diffs.total
        self._compare_room_settings(expected, node)
        for role in ("members", "managers", "presenters"):
            self._roles("ROLE_MISSING", "ROLE_EXTRA", "room", name, role[:-1], expected[role],
                        self.target_tree.role(node["node_id"], role))
        self.room_rows[expected["legacy_id"]] = self._room_row(expected, "ok" if diffs.total == before else "differs")
        self.room_pairs.append((expected, node))

    @staticmethod
    def _room_row(expected, status):
        return {"name": expected["name"], "legacy": expected["label"], "category": expected["category"],
                "status": status, "messages_legacy": 0, "messages_target": 0}

    def _compare_room_settings(self, expected, node):
        diffs, name = self.diffs, expected["name"]
        _setting(diffs, "ROOM_SETTING", "room", name, "category", fold(expected["category"]),
                 fold(self.target.category_name(node)))
        _setting(diffs, "ROOM_SETTING", "room", name, "description", _text(expected["description"]),
                 _text(node.get("description")))
        _setting(diffs, "ROOM_SETTING", "room", name, "disabled", expected["disabled"], bool(node.get("disabled")))
        _setting(diffs, "ROOM_SETTING", "room", name, "type", expected["type"], BEHAVIORS.get(node.get("behavior")))
        _setting(diffs, "ROOM_SETTING", "room", name, "privacy", expected["privacy"], VISIBILITIES.get(node.get("visibility")))
        _setting(diffs, "ROOM_SETTING", "room", name, "invitations", expected["invitations"], flag(node.get("invite")))
        actual_addin = self.target_tree.addin_name(node.get("addin_id"))
        _setting(diffs, "ROOM_SETTING", "room", name, "addin", fold(expected["addin"]) or None, fold(actual_addin) or None)

    def report_target_only_nodes(self):
        """2013 categories and rooms no legacy item became: extra, unless ignored or outside -Scope."""
        everything = self.everything
        out_of_scope = {fold(c["name"]) for c in everything.categories} | {fold(r["name"]) for r in everything.rooms}
        for node in self.target_tree.categories() + self.target_tree.rooms():
            if node["node_id"] in self.matched_nodes:
                continue
            kind = "CATEGORY_EXTRA" if node["node_type"] == NODE_CATEGORY else "ROOM_EXTRA"
            if fold(node["name"]) in self.ignored:
                continue
            if self.scope and fold(node["name"]) in out_of_scope:
                self.out_of_scope_found.append(node["name"])
                continue
            self.diffs.add(kind, "category" if node["node_type"] == NODE_CATEGORY else "room", node["name"],
                           "in the 2013 database only")

    # -- federated users: disabled principals -----------------------------------------------------------
    def compare_federated_principals(self):
        self.federated = self.model.federated_principals()
        for key in self.federated:
            actual = self.target_tree.principals.get(key)
            uri = self.legacy.principals[key]["uri"]
            if actual is None:
                self.diffs.add("PRINCIPAL_MISSING", "principal", uri, "federated user not in the 2013 database")
            elif actual["disabled"] != 1:
                self.diffs.add("FEDERATED_NOT_DISABLED", "principal", uri, "prinDisabled is %s, expected 1" % actual["disabled"])

    # -- messages --------------------------------------------------------------------------------------
    def compare_messages(self, legacy_client, target_client, messages, start_ticks, max_message_differences):
        """Per matched room, the aggregates of both sides; a room that differs is read message by message."""
        for expected, node in self.room_pairs:
            left = self.legacy_rooms.get(expected["legacy_id"], (0, None))
            right = self.target_rooms.get(node["node_id"], (0, None))
            row = self.room_rows[expected["legacy_id"]]
            row["messages_legacy"], row["messages_target"] = left[0], right[0]
            self.messages_legacy += left[0]
            self.messages_target += right[0]
            differs = left[0] != right[0] or (messages != "count" and left[0] and left[1] != right[1])
            if not differs:
                continue
            row["status"] = "differs"
            # Read after the aggregates: messages posted since then are named too (all_named tells
            # a listing cut at the limit from one that named every message that differs now).
            named, all_named = name_message_differences(
                legacy_client, target_client, expected["legacy_id"], node["node_id"], start_ticks, self.legacy.ids,
                self.target_tree.ids, self.legacy, self.target_tree, max_message_differences)
            kind = "MESSAGES_MISSING" if left[0] > right[0] else "MESSAGES_EXTRA" if left[0] < right[0] else "MESSAGES_CHANGED"
            self.diffs.add(kind, "room", expected["name"], "%d message(s) in the legacy database, %d in 2013%s" % (
                left[0], right[0], "" if left[0] != right[0] else "; their content differs"),
                legacy_messages=left[0], target_messages=right[0], messages=named, all_named=all_named)

    # -- the result ------------------------------------------------------------------------------------
    def _category_list(self):
        """The category rows with their rooms' totals; a category with a room that is not ok differs."""
        for room in self.room_rows.values():
            if room["status"] != "ok":
                self.category_rows.get(fold(room["category"]), {})["status"] = "differs"
        totals = {}
        for room in self.room_rows.values():
            entry = totals.setdefault(fold(room["category"]), _empty_totals())
            entry["rooms"] += 1
            entry["rooms_ok"] += room["status"] == "ok"
            entry["messages_legacy"] += room["messages_legacy"]
            entry["messages_target"] += room["messages_target"]
        category_list = []
        for key, row in self.category_rows.items():
            row.update(totals.get(key, _empty_totals()))
            category_list.append(row)
        return category_list

    def _explained(self):
        """The documented transformations found, counted by kind: expected, so not differences."""
        explained = {}
        for issue in self.model.changes:
            explained[issue["kind"]] = explained.get(issue["kind"], 0) + 1
        if self.federated:
            explained["FEDERATED_DISABLED"] = len(self.federated)
        return explained

    def _assumed(self):
        """The expectations that rest on ASSUMED transformations (migration_model.TRANSFORMATIONS): how many,
        by transformation, and per legacy object (room, category, add-in) which ones shaped what parity
        expected of it. Where such an expectation meets reality, the lab proves nothing: it made the same
        assumption."""
        legacy, model = self.legacy, self.model
        per_object = {}

        def note(issue, kind=None):
            kind = kind or issue["kind"]
            if not rests_on_assumption(kind):
                return
            node = legacy.nodes.get(issue["legacy_id"]) if isinstance(issue["legacy_id"], int) else None
            object_type = "addin" if node is None else "category" if node["node_type"] == _CATEGORY else "room"
            entry = per_object.setdefault((object_type, issue["legacy_id"]), {
                "object": issue["object"], "object_type": object_type, "transformations": []})
            if kind not in entry["transformations"]:
                entry["transformations"].append(kind)

        for issue in model.changes + model.skipped:
            note(issue)
        for category in model.categories:
            node = legacy.nodes.get(category["legacy_id"]) or {}
            if any(node.get(column) is None for column in ("invite", "logged", "file_post")):
                note({"legacy_id": category["legacy_id"], "object": " / ".join(category["path"])},
                     "CATEGORY_SETTINGS_INHERITED")
        objects = sorted(per_object.values(), key=lambda e: ({"category": 0, "room": 1}.get(e["object_type"], 2),
                                                             fold(e["object"])))
        by_kind = {}
        for entry in objects:
            for kind in entry["transformations"]:
                by_kind[kind] = by_kind.get(kind, 0) + 1
        return {
            "expectations": sum(by_kind.values()),
            "rooms": sum(1 for entry in objects if entry["object_type"] == "room"),
            "by_transformation": by_kind,
            "sources": {kind: TRANSFORMATIONS.get(kind, ("ASSUMED", "not in the model's list"))[1] for kind in by_kind},
            "objects": objects,
        }

    def _not_migrated(self):
        """The legacy items Import leaves out (model.skipped), each with its type and, for a room, the messages
        left behind with it (those the export carried: after -StartDate), so a report can count what stayed."""
        rows = []
        for issue in self.model.skipped:
            node = self.legacy.nodes.get(issue["legacy_id"]) if isinstance(issue["legacy_id"], int) else None
            object_type = "addin" if node is None else "category" if node["node_type"] == _CATEGORY else "room"
            row = {"kind": issue["kind"], "object": issue["object"], "object_type": object_type}
            if object_type == "room":
                row["messages"] = self.legacy_rooms.get(issue["legacy_id"], (0, None))[0]
            rows.append(row)
        return rows

    def result(self, messages):
        diffs, model, target = self.diffs, self.model, self.target
        return {
            "passed": diffs.total == 0,
            "differences": diffs.items,
            "differences_total": diffs.total,
            "differences_by_kind": diffs.by_kind,
            "explained": self._explained(),
            "not_migrated": self._not_migrated(),
            "out_of_scope": sorted(self.out_of_scope_found),
            "categories": self._category_list(),
            "rooms": list(self.room_rows.values()),
            "addins": self.addin_rows,
            "counts": {"categories_expected": len(model.categories), "rooms_expected": len(model.rooms),
                       "addins_expected": len(model.addins), "rooms_compared": len(self.room_pairs),
                       "messages_legacy": self.messages_legacy, "messages_target": self.messages_target,
                       "target_categories": len(target.categories), "target_rooms": len(target.rooms)},
            "messages_mode": messages,
            "assumed": self._assumed(),
        }
