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
managers (other than root) and presenters of Normal rooms are dropped. ``TRANSFORMATIONS`` says, per
transformation, which is which, so parity can list the expectations that rest on an assumption.
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


DOC, ASSUMED = "DOC", "ASSUMED"
# What each transformation of the expectation rests on: Microsoft's documentation (the migration reference's
# section and source tag) or an assumption where Microsoft is silent. On real servers an ASSUMED one may not
# hold; parity lists the expectations resting on them so a difference there is read as "the assumption was
# wrong" rather than "the migration failed", and agreement with the lab proves nothing about them.
TRANSFORMATIONS = {
    "CATEGORY_FLATTENED": (ASSUMED, "flattening with the full parent names as prefix is documented (reference "
                                    "1.3.2.1, 1.7 [PD]); the separator '_' is not"),
    "ROOM_PREFIXED": (ASSUMED, "rooms of nested categories get the parents' names as prefix (reference 1.3.2.3 "
                               "[PD]); the separator '_' is not documented"),
    "CATEGORY_SETTINGS_INHERITED": (ASSUMED, "a category's inherited (NULL) invitation, chat-history and upload "
                                             "settings take their ancestors' values: not documented"),
    "CATEGORY_MANAGERS_DROPPED": (ASSUMED, "managers of categories other than the root have no documented "
                                           "2013 fate"),
    "ROOT_MANAGERS_ADDED": (DOC, "root-category managers become managers of every room (reference 1.3.2.2, 6.4 [PD])"),
    "INVITATION_CONFLICT": (DOC, "a room with invitations on in a category with them off is set to False with a "
                                 "warning (reference 1.3.2.4, 1.7 [PD])"),
    "TOPIC_DROPPED": (DOC, "room topics have no 2013 equivalent (reference 1.6, 1.7 [NF])"),
    "ROOM_FLAGS_DROPPED": (DOC, "per-room file-upload and chat-history settings are category settings in 2013 "
                                "(reference 1.6, 1.7 [NF])"),
    "DISABLED_ROOM": (ASSUMED, "whether disabled rooms are skipped or imported disabled is not stated "
                               "(reference 1.7 [UNV])"),
    "PRESENTERS_DROPPED": (ASSUMED, "a Normal room cannot have presenters (reference 3.6 [PS]); that Import "
                                    "drops them is not documented"),
    "FEDERATED_DISABLED": (DOC, "federated users become disabled principals (reference 1.3.2.6, 1.7 [PD, OPS])"),
    "TARGET_CATEGORY_OVERWRITTEN": (DOC, "same-named 2013 items are overwritten (reference 6.1 [PD])"),
    "TARGET_ROOM_OVERWRITTEN": (DOC, "same-named 2013 items are overwritten (reference 6.1 [PD])"),
    "TARGET_ADDIN_OVERWRITTEN": (DOC, "same-named 2013 items are overwritten (reference 6.1 [PD])"),
    "ROOM_NAME_TOO_LONG": (ASSUMED, "the 256-character limit with prefixes is documented (reference 1.3.2.3, 4.4 "
                                    "[PD]); that Import then leaves the room out is not"),
    "CATEGORY_NAME_TOO_LONG": (ASSUMED, "nodeName is nvarchar(256) (reference 4.2 [SCHEMA]); that Import then "
                                        "leaves the category out is not documented"),
    "DUPLICATE_NAME": (ASSUMED, "what Import does with names flattening makes equal is not documented"),
    "NAME_CONFLICT": (ASSUMED, "a room may not be named like a category (reference 1.7 [OPS]); that Import "
                               "leaves the room out is not documented"),
    "ROOM_CATEGORY_MISSING": (ASSUMED, "that rooms of a category Import leaves out are left out too is not "
                                       "documented"),
    "ADDIN_INVALID": (ASSUMED, "the add-in limits are documented (name 50, URL 255: reference 4.4 [SCHEMA]); "
                               "that Import then leaves the add-in out is not"),
}


def rests_on_assumption(kind):
    """True when the transformation of this kind is ASSUMED (an unknown kind counts as assumed)."""
    return TRANSFORMATIONS.get(kind, (ASSUMED, ""))[0] == ASSUMED


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

    def forget_paths(self):
        """Forget the paths worked out so far (after nodes were renamed)."""
        self._chains = {}

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


_NO_ROLES = {}


class _RoomsCategory(object):
    """What the rooms of one legacy category take from it, worked out once: the label prefix (its path), the
    name prefix (rooms of top-level categories keep their name; of nested ones, get the flattened path), its
    2013 name (None when it is not imported) and its inherited invitations."""

    __slots__ = ("node_id", "label_prefix", "name_prefix", "name", "invite")

    def __init__(self, tree, node_id, name):
        path = tree.path(node_id)
        self.node_id = node_id
        self.label_prefix = " / ".join(path) + " / "
        self.name_prefix = flattened_name(path) + FLATTEN_SEPARATOR if len(path) > 1 else None
        self.name = name
        self.invite = tree.effective(node_id, "invite")


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
        # Add-ins first: rooms refer to them by name; categories next: rooms take their names from them.
        addin_names = self._expect_addins(existing)
        category_names = self._expect_categories(existing)
        self._expect_rooms(existing, addin_names, category_names)

    # -- add-ins ---------------------------------------------------------------------------------------
    def _expect_addins(self, existing):
        """The valid add-ins, in name order; returns legacy add-in id -> name of those imported."""
        valid_addins = {}
        for addin_id, addin in sorted(self.legacy.addins.items(), key=lambda item: fold(item[1]["name"])):
            name, url = addin["name"], addin["url"]
            if len(name) > MAX_ADDIN_NAME or len(url) > MAX_ADDIN_URL or not name.strip():
                self.skipped.append(_issue("ADDIN_INVALID", addin_id, name, name_length=len(name), url_length=len(url)))
                continue
            valid_addins[addin_id] = name
            self.addins.append({"name": name, "url": url})
            if existing is not None and fold(name) in existing.addin_names:
                self.collisions.append(_issue("TARGET_ADDIN_OVERWRITTEN", addin_id, name))
        return valid_addins

    # -- categories ------------------------------------------------------------------------------------
    def _expect_categories(self, existing):
        """The selected categories, flattened; returns legacy category id -> 2013 name of those imported."""
        category_names = {}
        seen = {}                    # folded 2013 name -> label of the category that took it
        for category in self.legacy.categories():
            node = category["node_id"]
            if node not in self.selected:
                continue
            path = self.legacy.path(node)
            name = self._category_name(node, path, existing, seen)
            if name is None:
                continue
            category_names[node] = name
            if self.detail:
                self.categories.append(self._category_settings(category, path, name))
            else:
                self.categories.append({"legacy_id": node, "path": path, "name": name})
        return category_names

    def _category_name(self, node, path, existing, seen):
        """The flattened 2013 name of a category, with the changes and collisions it brings; None when Import
        leaves the category out (name too long, duplicate, or an existing 2013 room of that name)."""
        tree = self.legacy
        label = " / ".join(path)
        name = flattened_name(path)
        if len(path) > 1:
            self.changes.append(_issue("CATEGORY_FLATTENED", node, label, name=name, path=path))
        if tree.role(node, "managers"):
            self.changes.append(_issue("CATEGORY_MANAGERS_DROPPED", node, label,
                                       principals=sorted(tree.role(node, "managers"))))
        if len(name) > MAX_NAME:
            self.skipped.append(_issue("CATEGORY_NAME_TOO_LONG", node, label, name=name, length=len(name)))
            return None
        if fold(name) in seen:
            self.skipped.append(_issue("DUPLICATE_NAME", node, label, name=name, other=seen[fold(name)]))
            return None
        seen[fold(name)] = label
        kind = self._existing_kind(existing, name)
        if kind == "room":
            self.skipped.append(_issue("NAME_CONFLICT", node, label, name=name, existing="room"))
            return None
        if kind == "category":
            self.collisions.append(_issue("TARGET_CATEGORY_OVERWRITTEN", node, label, name=name))
        return name

    def _category_settings(self, category, path, name):
        """An imported category in full: effective (inherited) settings, the nearest scope, and the creators
        of every ancestor but the root."""
        tree, node = self.legacy, category["node_id"]
        chain = tree.chain(node)
        scoped = next((n for n in reversed(chain) if n in tree.scopes), None)
        allowed, denied = tree.scopes.get(scoped, (set(), set())) if scoped else (set(), set())
        creators = set()
        for ancestor in chain:
            if ancestor != ROOT_NODE_ID:
                creators |= tree.role(ancestor, "creators")
        return {
            "legacy_id": node, "guid": category.get("guid"), "path": path, "name": name,
            "description": category.get("description"),
            "invitations": tree.effective(node, "invite"), "chat_history": tree.effective(node, "logged"),
            "file_upload": tree.effective(node, "file_post"),
            "allowed": set(allowed) - set(denied), "denied": set(denied), "creators": creators,
        }

    # -- rooms -----------------------------------------------------------------------------------------
    def _expect_rooms(self, existing, addin_names, category_names):
        # Per room, only what differs from room to room is computed; what a room takes from its category
        # (its path, label and name prefixes, the inherited invitations) is worked out once per category.
        tree, selected = self.legacy, self.selected
        kind_by_name = existing.kind_by_name if existing is not None else {}
        planned_categories = {fold(name) for name in category_names.values()}
        parents = {}
        taken = {}                   # folded 2013 name -> label of the room that took it
        for room in tree.rooms():
            parent = int(room["parent_id"])
            if parent not in selected:
                continue
            category = parents.get(parent)
            if category is None:
                category = parents[parent] = _RoomsCategory(tree, parent, category_names.get(parent))
            label = category.label_prefix + room["name"]
            name = room["name"] if category.name_prefix is None else category.name_prefix + room["name"]
            if self._room_name_accepted(room["node_id"], label, name, category, kind_by_name, planned_categories,
                                        taken):
                self._expect_room(room, label, name, category, addin_names)

    def _room_name_accepted(self, node, label, name, category, kind_by_name, planned_categories, taken):
        """Whether Import takes a room under this 2013 name (else the reason is skipped); an existing 2013
        room of that name is overwritten (a collision)."""
        if category.name is None:
            self.skipped.append(_issue("ROOM_CATEGORY_MISSING", node, label, name=name))
            return False
        if len(name) > MAX_NAME:
            self.skipped.append(_issue("ROOM_NAME_TOO_LONG", node, label, name=name, length=len(name)))
            return False
        folded = name.casefold()
        if folded in taken:
            self.skipped.append(_issue("DUPLICATE_NAME", node, label, name=name, other=taken[folded]))
            return False
        taken[folded] = label
        kind = kind_by_name.get(folded)
        if kind == "category" or folded in planned_categories:
            self.skipped.append(_issue("NAME_CONFLICT", node, label, name=name, existing="category"))
            return False
        if kind == "room":
            self.collisions.append(_issue("TARGET_ROOM_OVERWRITTEN", node, label, name=name))
        return True

    def _expect_room(self, room, label, name, category, addin_names):
        """An imported room and the documented changes Import makes to it, in the order Import reports them."""
        node = room["node_id"]
        if category.name_prefix is not None and self.detail:
            self.changes.append(_issue("ROOM_PREFIXED", node, label, name=name))
        invite = self._room_invitations(room["invite"], node, label, name, category.invite)
        self._dropped_room_settings(room, node, label, name)
        behavior = room["behavior"] if room["behavior"] in BEHAVIORS else DEFAULT_BEHAVIOR
        room_roles = self.legacy.roles.get(node, _NO_ROLES)
        presenters = room_roles.get("presenters")
        if presenters and behavior != 5:
            self.changes.append(_issue("PRESENTERS_DROPPED", node, label, principals=sorted(presenters)))
            presenters = None
        if not self.detail:
            self.rooms.append({"legacy_id": node, "label": label, "name": name, "type": BEHAVIORS[behavior]})
            return
        managers = self._room_managers(room_roles, node, label)
        visibility = room["visibility"] if room["visibility"] in VISIBILITIES else DEFAULT_VISIBILITY
        addin = room["addin_id"]
        self.rooms.append({
            "legacy_id": node, "guid": room.get("guid"), "label": label, "name": name,
            "category": category.name, "category_legacy_id": category.node_id,
            "description": room.get("description"), "disabled": bool(room["disabled"]),
            "type": BEHAVIORS[behavior], "privacy": VISIBILITIES[visibility], "invitations": invite,
            "addin": addin_names.get(str(addin).lower()) if addin else None,
            "members": set(room_roles.get("members", ())), "managers": managers,
            "presenters": set(presenters or ()),
        })

    def _room_invitations(self, invite, node, label, name, category_invite):
        """A room's invitations after Import: on becomes inherit, or off (a conflict) when its category's are
        off; off stays off; anything else inherits (None)."""
        if invite is True:
            if not category_invite:
                self.changes.append(_issue("INVITATION_CONFLICT", node, label, name=name))
                return False
            return None
        return False if invite is False else None

    def _dropped_room_settings(self, room, node, label, name):
        """What a 2013 room has no place for (topic, per-room flags), and a disabled room imported disabled."""
        topic = room["topic"]
        if topic:
            self.changes.append(_issue("TOPIC_DROPPED", node, label, topic=topic))
        logged, file_post = room["logged"], room["file_post"]
        if logged is not None or file_post is not None:
            self.changes.append(_issue("ROOM_FLAGS_DROPPED", node, label, chat_history=logged, file_upload=file_post))
        if room["disabled"]:
            self.changes.append(_issue("DISABLED_ROOM", node, label, name=name))

    def _room_managers(self, room_roles, node, label):
        """The room's managers with the root category's added to every room."""
        root_managers = self.root_managers
        managers = room_roles.get("managers")
        if managers:
            added = root_managers - managers
            managers = managers | root_managers
        else:
            added = root_managers
            managers = set(root_managers)
        if added:
            self.changes.append(_issue("ROOT_MANAGERS_ADDED", node, label, added=len(added)))
        return managers

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
