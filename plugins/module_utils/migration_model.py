# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What Import-CsPersistentChatData makes of a legacy Group Chat database: the 2013 categories, rooms,
add-ins and roles to expect, and why each legacy item changes or is left out.

The documented transformations (reference §1.3, §1.7, §6):
- nested categories are flattened: the new name is the category path joined with ``_`` (the separator
  is not documented; ``_`` is what the lab's Import does), rooms of nested categories get the same prefix;
- a room name over 256 characters once prefixed is an error, and that room is not imported;
- managers of the root category become managers of every room;
- a room with invitations on in a category with invitations off is set to False (with a warning);
- federated users (SIP users with no directory object) become disabled principals;
- the room topic and the per-room file-upload and chat-history flags are dropped;
- same-named 2013 categories, rooms and add-ins are overwritten;
- -Scope limits the export to the named categories (with their sub-categories), -StartDate the messages.
Where the documentation is silent this follows the lab's documented choices: categories take the
effective (inherited) invitation/history/upload values, disabled rooms are imported disabled, category
managers (other than root) and presenters of Normal rooms are dropped.
"""

from __future__ import annotations

import datetime

from ansible_collections.lync.persistent_chat.plugins.module_utils import chat_queries as Q

ROOT_NODE_ID = 1
NODE_CATEGORY, NODE_ROOM = 1, 0
FLATTEN_SEPARATOR = "_"
MAX_NAME = 256
MAX_ADDIN_NAME, MAX_ADDIN_URL = 50, 255
BEHAVIORS = {4: "Normal", 5: "Auditorium"}
VISIBILITIES = {6: "Open", 3: "Closed", 2: "Secret"}
DEFAULT_BEHAVIOR, DEFAULT_VISIBILITY = 4, 3
ROLE_NAMES = {"member": "members", "manager": "managers", "voiced": "presenters", "creator": "creators"}
_TICKS_EPOCH = datetime.datetime(1, 1, 1)
_FLAG_COLUMNS = ("invite", "logged", "file_post", "disabled")


def ticks(value):
    """.NET ticks (100 ns since 0001-01-01, UTC) of a date or datetime (tblChat.chatDate)."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    elif isinstance(value, datetime.date):
        value = datetime.datetime(value.year, value.month, value.day)
    delta = value - _TICKS_EPOCH
    return (delta.days * 86400 + delta.seconds) * 10000000 + delta.microseconds * 10


def parse_date(text):
    """A cut-off or start date given as YYYY-MM-DD or an ISO 8601 date and time (UTC when no offset)."""
    if text is None or text == "":
        return None
    try:
        return datetime.datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("%r is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)" % (text,))


def flag(value):
    """bit columns arrive as bool (SQL Server) or 0/1 (SQLite); NULL stays None."""
    return None if value is None else bool(value)


def fold(name):
    """How names are compared: case-insensitively (the SQL collations are CI)."""
    return (name or "").casefold()


def principal_key(uri, ad_path):
    """The identity of a principal across databases: its SIP URI for users, its directory path for groups
    and containers (their ``ma-grp:`` URIs are pool-local and may differ between the pools)."""
    uri = uri or ""
    if uri.lower().startswith("sip:") or not ad_path:
        return uri.lower()
    return "ad:" + ad_path.lower()


def is_federated_principal(uri, ad_path, principal_type):
    """A federated user [DOC §1.3.6]: a SIP user (type 5) with no object in this forest (no AD path)."""
    return principal_type == 5 and not ad_path and (uri or "").lower().startswith("sip:")


def flattened_name(path):
    return FLATTEN_SEPARATOR.join(path)


class ChatTree(object):
    """Categories, rooms, roles, scopes and add-ins of one database (legacy or 2013), read in full.

    Metadata only: messages are never held. Principals are kept by their cross-database key."""

    def __init__(self, legacy):
        self.legacy = legacy
        self.nodes = {}
        self.roles = {}          # node id -> {"members"|"managers"|"presenters"|"creators": set(keys)}
        self.scopes = {}         # node id -> (allowed keys, denied keys)
        self.addins = {}         # add-in id (lower-case text) -> {"name", "url"}
        self.principals = {}     # key -> {"uri", "disabled", "federated"}
        self.ids = {}            # prinID -> key
        self._chains = {}
        self._sorted = None      # (node count, categories, rooms), see _by_type

    @classmethod
    def read(cls, client, legacy, detail=True):
        """Read a database; ``detail=False`` reads only what readiness reports on: the roles its findings
        are about; no GUIDs, descriptions, privacy or add-ins of nodes."""
        tree = cls(legacy)
        principals, ids = tree.principals, tree.ids
        for principal_id, uri, ad_path, principal_type, disabled in Q.tuples(client, Q.PRINCIPALS):
            key = principal_key(uri, ad_path)
            if key not in principals:
                principals[key] = {"uri": uri, "disabled": int(disabled or 0),
                                   "federated": is_federated_principal(uri, ad_path, principal_type)}
            ids[int(principal_id)] = key
        if detail:
            nodes = Q.LEGACY_NODES if legacy else Q.TARGET_NODES
        else:
            nodes = Q.LEGACY_NODES_FOR_READINESS if legacy else Q.TARGET_NODES_FOR_READINESS
        for row in Q.rows(client, Q.for_client(nodes, client)):
            # bit columns as bool (SQLite gives 0/1), NULL left as None (see flag)
            for column in _FLAG_COLUMNS:
                value = row[column]
                if value is not None:
                    row[column] = bool(value)
            row.setdefault("topic", None)
            tree.nodes[int(row["node_id"])] = row
        # The role table is the largest after tblChat: plain tuples, names resolved once per role type.
        role_names = {}
        for node_id, role_type, principal_id in Q.tuples(client, Q.ROLES if detail else Q.ROLES_FOR_READINESS):
            if role_type not in role_names:
                role_names[role_type] = ROLE_NAMES.get((role_type or "").lower())
            role = role_names[role_type]
            if role:
                tree.roles.setdefault(node_id, {}).setdefault(role, set()).add(tree.key_of(principal_id))
        for node_id, denied, principal_id in Q.tuples(client, Q.SCOPES):
            allowed_keys, denied_keys = tree.scopes.setdefault(node_id, (set(), set()))
            (denied_keys if flag(denied) else allowed_keys).add(tree.key_of(principal_id))
        for row in Q.rows(client, Q.ADDINS):
            tree.addins[str(row["addin_id"]).lower()] = {"name": row.get("name") or "", "url": row.get("url") or ""}
        return tree

    def key_of(self, principal_id):
        """The key of a principal by its id in this database (an unknown id keeps a key of its own)."""
        key = self.ids.get(principal_id)
        return key if key is not None else "?%s" % principal_id

    # -- shape of the tree ----------------------------------------------------------------------------
    def categories(self):
        return list(self._by_type()[0])

    def rooms(self):
        return list(self._by_type()[1])

    def _by_type(self):
        """(categories, rooms) in node id order, sorted once: readiness and the expectation ask several times."""
        if self._sorted is None or self._sorted[0] != len(self.nodes):
            ordered = sorted(self.nodes.items())
            self._sorted = (len(self.nodes),
                            [n for i, n in ordered if n["node_type"] == NODE_CATEGORY and i != ROOT_NODE_ID],
                            [n for _i, n in ordered if n["node_type"] == NODE_ROOM])
        return self._sorted[1:]

    def chain(self, node_id):
        """Node ids from the root down to ``node_id`` (kept per node: rooms share their category's)."""
        if node_id not in self._chains:
            self._chains[node_id] = self._walk(node_id)
        return self._chains[node_id]

    def _walk(self, node_id):
        out, seen = [], set()
        while node_id in self.nodes and node_id not in seen:
            seen.add(node_id)
            out.append(node_id)
            parent = int(self.nodes[node_id]["parent_id"])
            if node_id == ROOT_NODE_ID or parent == node_id:
                break
            node_id = parent
        return out[::-1]

    def path(self, node_id):
        """Names from the top-level category down to ``node_id`` (a new list each time)."""
        key = ("path", node_id)
        if key not in self._chains:
            self._chains[key] = [self.nodes[n]["name"] for n in self.chain(node_id) if n != ROOT_NODE_ID]
        return list(self._chains[key])

    def effective(self, node_id, column):
        """The inherited value: the nearest non-NULL value from the node up to the root."""
        key = (column, node_id)
        if key not in self._chains:
            value = None
            for node in self.chain(node_id):
                if self.nodes[node].get(column) is not None:
                    value = self.nodes[node][column]
            self._chains[key] = bool(value)
        return self._chains[key]

    def role(self, node_id, role):
        return self.roles.get(node_id, {}).get(role, set())

    def addin_name(self, addin_id):
        if not addin_id:
            return None
        addin = self.addins.get(str(addin_id).lower())
        return addin["name"] if addin else None


def _issue(kind, legacy_id, label, **details):
    item = {"kind": kind, "legacy_id": legacy_id, "object": label}
    item.update(details)
    return item


class Expectation(object):
    """The 2013 items Import makes of a legacy tree (with -Scope), what it changes on the way and what it
    leaves out. ``existing`` is the 2013 tree before import (name collisions), or None.

    ``detail=False`` builds what readiness reports and no more: the same skipped items, collisions and
    changes except the two it does not report (ROOM_PREFIXED, ROOT_MANAGERS_ADDED: one per room), and each
    room only as its ``legacy_id``, ``label``, ``name`` and ``type``, each category as its ``legacy_id``,
    ``path`` and ``name`` (no settings, no role sets)."""

    def __init__(self, legacy, scope=None, existing=None, detail=True):
        self.legacy = legacy
        self.detail = detail
        self.categories = []       # expected 2013 categories
        self.rooms = []            # expected 2013 rooms
        self.addins = []           # expected 2013 add-ins
        self.skipped = []          # items Import leaves out, with the reason (readiness errors)
        self.changes = []          # documented changes on the way (flattening, root managers, ...)
        self.collisions = []       # legacy items that overwrite or clash with existing 2013 items
        self.root_managers = set(legacy.role(ROOT_NODE_ID, "managers"))
        self.selected = self._select(scope)
        self._build(existing)

    def _select(self, scope):
        categories = self.legacy.categories()
        if not scope:
            return {c["node_id"] for c in categories}
        wanted = {fold(name) for name in scope}
        matched = {c["node_id"] for c in categories if fold(c["name"]) in wanted}
        missing = wanted - {fold(self.legacy.nodes[m]["name"]) for m in matched}
        if missing:
            raise ValueError("scope names categories the legacy database does not have: %s" % ", ".join(sorted(missing)))
        return {c["node_id"] for c in categories if set(self.legacy.chain(c["node_id"])) & matched}

    def _existing_kind(self, existing, name):
        if existing is None:
            return None
        return existing.kind_by_name.get(fold(name))

    def _build(self, existing):
        tree = self.legacy
        # Add-ins first: rooms refer to them by name.
        valid_addins = {}
        for addin_id, addin in sorted(tree.addins.items(), key=lambda item: fold(item[1]["name"])):
            name, url = addin["name"], addin["url"]
            if len(name) > MAX_ADDIN_NAME or len(url) > MAX_ADDIN_URL or not name.strip():
                self.skipped.append(_issue("ADDIN_INVALID", addin_id, name, name_length=len(name), url_length=len(url)))
                continue
            valid_addins[addin_id] = name
            self.addins.append({"name": name, "url": url})
            if existing is not None and fold(name) in existing.addin_names:
                self.collisions.append(_issue("TARGET_ADDIN_OVERWRITTEN", addin_id, name))

        category_names = {}          # legacy category id -> 2013 name (imported ones)
        seen = {}
        planned = {}
        for category in tree.categories():
            node = category["node_id"]
            if node not in self.selected:
                continue
            path = tree.path(node)
            label = " / ".join(path)
            name = flattened_name(path)
            if len(path) > 1:
                self.changes.append(_issue("CATEGORY_FLATTENED", node, label, name=name, path=path))
            if tree.role(node, "managers"):
                self.changes.append(_issue("CATEGORY_MANAGERS_DROPPED", node, label,
                                           principals=sorted(tree.role(node, "managers"))))
            if len(name) > MAX_NAME:
                self.skipped.append(_issue("CATEGORY_NAME_TOO_LONG", node, label, name=name, length=len(name)))
                continue
            if fold(name) in seen:
                self.skipped.append(_issue("DUPLICATE_NAME", node, label, name=name, other=seen[fold(name)]))
                continue
            seen[fold(name)] = label
            kind = self._existing_kind(existing, name)
            if kind == "room":
                self.skipped.append(_issue("NAME_CONFLICT", node, label, name=name, existing="room"))
                continue
            if kind == "category":
                self.collisions.append(_issue("TARGET_CATEGORY_OVERWRITTEN", node, label, name=name))
            category_names[node] = name
            planned[fold(name)] = "category"
            if not self.detail:
                self.categories.append({"legacy_id": node, "path": path, "name": name})
                continue
            chain = tree.chain(node)
            scoped = next((n for n in reversed(chain) if n in tree.scopes), None)
            allowed, denied = tree.scopes.get(scoped, (set(), set())) if scoped else (set(), set())
            creators = set()
            for ancestor in chain:
                if ancestor != ROOT_NODE_ID:
                    creators |= tree.role(ancestor, "creators")
            self.categories.append({
                "legacy_id": node, "guid": category.get("guid"), "path": path, "name": name,
                "description": category.get("description"),
                "invitations": tree.effective(node, "invite"), "chat_history": tree.effective(node, "logged"),
                "file_upload": tree.effective(node, "file_post"),
                "allowed": set(allowed) - set(denied), "denied": set(denied), "creators": creators,
            })

        # Per room, only what differs from room to room is computed; what a room takes from its category
        # (its path, label and name prefixes, the inherited invitations) is worked out once per category.
        room_seen = {}
        per_category = {}
        detail = self.detail
        roles, root_managers = tree.roles, self.root_managers
        kind_by_name = existing.kind_by_name if existing is not None else {}
        no_roles = {}
        selected = self.selected
        skip, change, collide = self.skipped.append, self.changes.append, self.collisions.append
        for room in tree.rooms():
            parent = int(room["parent_id"])
            if parent not in selected:
                continue
            node, room_name = room["node_id"], room["name"]
            category = per_category.get(parent)
            if category is None:
                category_path = tree.path(parent)
                category = per_category[parent] = (
                    " / ".join(category_path) + " / ",
                    # rooms of top-level categories keep their name; of nested ones, get the full prefix
                    flattened_name(category_path) + FLATTEN_SEPARATOR if len(category_path) > 1 else None,
                    category_names.get(parent), tree.effective(parent, "invite"))
            label_prefix, name_prefix, category_name, category_invite = category
            label = label_prefix + room_name
            name = room_name if name_prefix is None else name_prefix + room_name
            if category_name is None:
                skip({"kind": "ROOM_CATEGORY_MISSING", "legacy_id": node, "object": label, "name": name})
                continue
            if len(name) > MAX_NAME:
                skip({"kind": "ROOM_NAME_TOO_LONG", "legacy_id": node, "object": label, "name": name,
                      "length": len(name)})
                continue
            folded = name.casefold()
            if folded in room_seen:
                skip({"kind": "DUPLICATE_NAME", "legacy_id": node, "object": label, "name": name,
                      "other": room_seen[folded]})
                continue
            room_seen[folded] = label
            kind = kind_by_name.get(folded)
            if kind == "category" or planned.get(folded) == "category":
                skip({"kind": "NAME_CONFLICT", "legacy_id": node, "object": label, "name": name,
                      "existing": "category"})
                continue
            if kind == "room":
                collide({"kind": "TARGET_ROOM_OVERWRITTEN", "legacy_id": node, "object": label, "name": name})
            if name_prefix is not None and detail:
                change({"kind": "ROOM_PREFIXED", "legacy_id": node, "object": label, "name": name})
            invite = room["invite"]
            if invite is True:
                invite = None
                if not category_invite:
                    invite = False
                    change({"kind": "INVITATION_CONFLICT", "legacy_id": node, "object": label, "name": name})
            elif invite is not False:
                invite = None
            topic = room["topic"]
            if topic:
                change({"kind": "TOPIC_DROPPED", "legacy_id": node, "object": label, "topic": topic})
            logged, file_post = room["logged"], room["file_post"]
            if logged is not None or file_post is not None:
                change({"kind": "ROOM_FLAGS_DROPPED", "legacy_id": node, "object": label,
                        "chat_history": logged, "file_upload": file_post})
            disabled = room["disabled"]
            if disabled:
                change({"kind": "DISABLED_ROOM", "legacy_id": node, "object": label, "name": name})
            behavior = room["behavior"]
            if behavior not in BEHAVIORS:
                behavior = DEFAULT_BEHAVIOR
            room_roles = roles.get(node, no_roles)
            presenters = room_roles.get("presenters")
            if presenters and behavior != 5:
                change({"kind": "PRESENTERS_DROPPED", "legacy_id": node, "object": label,
                        "principals": sorted(presenters)})
                presenters = None
            if not detail:
                self.rooms.append({"legacy_id": node, "label": label, "name": name, "type": BEHAVIORS[behavior]})
                continue
            managers = room_roles.get("managers")
            if managers:
                added = root_managers - managers
                managers = managers | root_managers
            else:
                added = root_managers
                managers = set(root_managers)
            if added:
                change({"kind": "ROOT_MANAGERS_ADDED", "legacy_id": node, "object": label, "added": len(added)})
            visibility = room["visibility"]
            if visibility not in VISIBILITIES:
                visibility = DEFAULT_VISIBILITY
            addin = room["addin_id"]
            self.rooms.append({
                "legacy_id": node, "guid": room.get("guid"), "label": label, "name": name,
                "category": category_name, "category_legacy_id": parent,
                "description": room.get("description"), "disabled": bool(disabled),
                "type": BEHAVIORS[behavior], "privacy": VISIBILITIES[visibility], "invitations": invite,
                "addin": valid_addins.get(str(addin).lower()) if addin else None,
                "members": set(room_roles.get("members", ())), "managers": managers,
                "presenters": set(presenters or ()),
            })

    def federated_principals(self):
        return sorted(key for key, info in self.legacy.principals.items() if info["federated"])


class TargetIndex(object):
    """The 2013 tree indexed by (case-insensitive) name, as Import and parity look items up."""

    def __init__(self, tree):
        self.tree = tree
        self.kind_by_name = {}
        self.categories = {}
        self.rooms = {}
        self.by_guid = {}
        for node in tree.categories():
            self.categories[fold(node["name"])] = node
            self.kind_by_name[fold(node["name"])] = "category"
        for node in tree.rooms():
            self.rooms[fold(node["name"])] = node
            self.kind_by_name.setdefault(fold(node["name"]), "room")
        for node in tree.nodes.values():
            if node.get("guid"):
                self.by_guid[str(node["guid"]).lower()] = node
        self.addins = {}
        for addin in tree.addins.values():
            self.addins[fold(addin["name"])] = addin
        self.addin_names = set(self.addins)

    def category_name(self, node):
        parent = self.tree.nodes.get(int(node["parent_id"]))
        return parent["name"] if parent else None
