"""The Lync 2013 Persistent Chat object model over an ``mgc`` file: categories, rooms, add-ins,
principals and messages, with the documented constraints (reference §3.5-3.7, §4.2-4.4).

Objects come back as plain dicts keyed by the cmdlet property names (Identity ``<pool>\\<name>``, Name,
…). Principal lists hold SIP URIs for users and AD distinguished names for groups/OUs/domains. Lists
passed to add_*/set_* replace the whole list (the cmdlet layer applies PSListModifier first).
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import uuid
from pathlib import Path

from . import schema as S
from .errors import ConstraintViolation, DuplicateName, ObjectNotFound, PrincipalNotFound

MAX_NAME = 256
MAX_DESCRIPTION = 256
MAX_ADDIN_NAME = 50
MAX_ADDIN_URL = 255
ROOM_TYPES = ("Normal", "Auditorium")
ROOM_PRIVACY = ("Open", "Closed", "Secret")
ROOM_INVITATIONS = ("Inherit", "False")


def _check_text(label, value, limit, required=True):
    if value is None:
        if required:
            raise ConstraintViolation("%s cannot be empty." % label)
        return
    if not isinstance(value, str):
        raise ConstraintViolation("%s must be a string." % label)
    if required and not value.strip():
        raise ConstraintViolation("%s cannot be empty." % label)
    if len(value) > limit:
        raise ConstraintViolation("%s exceeds the maximum length of %d characters." % (label, limit))


def _pick(label, value, allowed):
    for candidate in allowed:
        if str(value).lower() == candidate.lower():
            return candidate
    raise ConstraintViolation("%s must be one of %s, not %r." % (label, ", ".join(allowed), value))


class ChatStore:
    def __init__(self, path, pool_fqdn: str | None = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError("no Persistent Chat database at %s" % self.path)
        self.conn = S.connect(self.path)
        row = self.conn.execute("SELECT configContent FROM tblConfig WHERE configLabel='pool'").fetchone()
        self.pool_fqdn = pool_fqdn or (row[0] if row else "pc.contoso.local")
        # Optional AD lookup: ident -> add_principal() keyword arguments, or None when AD has no such object.
        self.provision_from_directory = None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @contextlib.contextmanager
    def _tx(self):
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _identity(self, name):
        return "%s\\%s" % (self.pool_fqdn, name)

    @staticmethod
    def _now_ticks():
        return S.ticks_from_datetime(_dt.datetime.now(_dt.timezone.utc))

    # ------------------------------------------------------------------------------------ principals
    def principal_id(self, ident: str) -> int:
        """prinID of a SIP URI (users) or AD distinguished name (users, groups, OUs, domains)."""
        text = (ident or "").strip()
        if text.lower().startswith("sip:"):
            row = self.conn.execute("SELECT prinID FROM tblPrincipal WHERE prinUri = ? COLLATE NOCASE",
                                    (text,)).fetchone()
        elif "=" in text:
            row = self.conn.execute("SELECT prinID FROM tblPrincipal WHERE prinADPath = ? COLLATE NOCASE",
                                    (text,)).fetchone()
        else:
            row = None
        if row is None and self.provision_from_directory is not None:
            # A real pool looks principals up in AD on demand (its AD sync fills tblPrincipal).
            found = self.provision_from_directory(text)
            if found is not None:
                return self.add_principal(**found)
        if row is None:
            raise PrincipalNotFound("The principal \"%s\" is not provisioned. Specify a SIP URI or the "
                                    "distinguished name of a user, group or organizational unit." % ident)
        return row[0]

    def add_principal(self, uri: str | None = None, ad_path: str | None = None, display_name: str | None = None,
                      ptype: int = S.PTYPE_USER, disabled: int = S.PRIN_ACTIVE, guid: str | None = None) -> int:
        """Provision a principal (what AD sync does on a real pool). Users need a ``sip:`` URI; groups
        and OUs get an ``ma-grp:`` URI when none is given. Returns prinID; existing URIs are reused."""
        guid = guid or str(uuid.uuid4())
        if uri is None:
            if ad_path is None:
                raise ConstraintViolation("a principal needs a SIP URI or a distinguished name")
            uri = "ma-grp:%s" % guid
        row = self.conn.execute("SELECT prinID FROM tblPrincipal WHERE prinUri = ? COLLATE NOCASE", (uri,)).fetchone()
        if row:
            return row[0]
        with self._tx() as c:
            cur = c.execute(
                "INSERT INTO tblPrincipal (prinGuid, prinUri, prinName, prinDisplayName, prinADPath,"
                " prinDisabled, prinTypeID) VALUES (?,?,?,?,?,?,?)",
                (guid, uri, display_name or uri, display_name or uri, ad_path, disabled, ptype))
            return cur.lastrowid

    def _label(self, prin_id):
        uri, path = self.conn.execute("SELECT prinUri, prinADPath FROM tblPrincipal WHERE prinID=?",
                                      (prin_id,)).fetchone()
        return uri if uri.lower().startswith("sip:") or not path else path

    def _ids(self, idents):
        seen, out = set(), []
        for ident in idents or ():
            pid = self.principal_id(ident)
            if pid not in seen:
                seen.add(pid)
                out.append(pid)
        return out

    def _covers(self, entry_id, prin_id) -> bool:
        """Does scope entry ``entry_id`` (user, group, OU or domain) include principal ``prin_id``?"""
        if entry_id == prin_id:
            return True
        etype, epath = self.conn.execute("SELECT prinTypeID, prinADPath FROM tblPrincipal WHERE prinID=?",
                                         (entry_id,)).fetchone()
        (ppath,) = self.conn.execute("SELECT prinADPath FROM tblPrincipal WHERE prinID=?", (prin_id,)).fetchone()
        if etype in (S.PTYPE_FOLDER, S.PTYPE_DC) and epath and ppath:
            return ppath.lower().endswith("," + epath.lower())
        if etype == S.PTYPE_GROUP:
            return self.conn.execute("SELECT 1 FROM tblPrincipalAffiliations WHERE principalID=? AND affiliationID=?",
                                     (prin_id, entry_id)).fetchone() is not None
        return False

    def _in_category_scope(self, category_id, prin_id) -> bool:
        rows = self.conn.execute("SELECT scopePrinID, scopeIsDenied FROM tblScopePrincipal WHERE scopeNodeID=?",
                                 (category_id,)).fetchall()
        if any(denied and self._covers(pid, prin_id) for pid, denied in rows):
            return False
        return any((not denied) and self._covers(pid, prin_id) for pid, denied in rows)

    # ------------------------------------------------------------------------------------ categories
    def _category_row(self, name):
        row = self.conn.execute(
            "SELECT nodeID, nodeName, nodeDesc, invite, filePost, logged FROM tblNode"
            " WHERE nodeType=1 AND nodeID<>1 AND nodeName = ? COLLATE NOCASE", (name,)).fetchone()
        if row is None:
            raise ObjectNotFound("Cannot find category \"%s\"." % name)
        return row

    def _category_dict(self, row):
        node_id, name, desc, invite, file_post, logged = row
        scope = self.conn.execute("SELECT scopePrinID, scopeIsDenied FROM tblScopePrincipal WHERE scopeNodeID=?"
                                  " ORDER BY scopePrinID", (node_id,)).fetchall()
        creators = self.conn.execute("SELECT prinRolePrinID FROM tblPrincipalRole WHERE prinRoleNodeID=? AND"
                                     " prinRoleTypeID=? ORDER BY prinRolePrinID", (node_id, S.ROLE_CREATOR)).fetchall()
        return {
            "Identity": self._identity(name), "Name": name, "Description": desc or "",
            "PersistentChatPoolFqdn": self.pool_fqdn, "Invites": bool(invite),
            "FileUpload": bool(file_post), "ChatHistory": bool(logged),
            "AllowedMembers": [self._label(p) for p, d in scope if not d],
            "DeniedMembers": [self._label(p) for p, d in scope if d],
            "Creators": [self._label(p) for (p,) in creators],
        }

    def categories(self) -> list[dict]:
        rows = self.conn.execute("SELECT nodeID, nodeName, nodeDesc, invite, filePost, logged FROM tblNode"
                                 " WHERE nodeType=1 AND nodeID<>1 ORDER BY nodeID").fetchall()
        return [self._category_dict(r) for r in rows]

    def category(self, name: str) -> dict:
        return self._category_dict(self._category_row(name))

    def _name_taken(self, name, except_id=None):
        row = self.conn.execute("SELECT nodeID, nodeType FROM tblNode WHERE nodeID<>1 AND nodeName = ? COLLATE NOCASE",
                                (name,)).fetchone()
        return row is not None and row[0] != except_id

    def _write_scope(self, c, node_id, allowed, denied, creators):
        if allowed is not None or denied is not None:
            old = {d: [p for p, dd in c.execute("SELECT scopePrinID, scopeIsDenied FROM tblScopePrincipal"
                                                 " WHERE scopeNodeID=?", (node_id,)) if dd == d] for d in (0, 1)}
            allowed_ids = self._ids(allowed) if allowed is not None else old[0]
            denied_ids = self._ids(denied) if denied is not None else old[1]
            c.execute("DELETE FROM tblScopePrincipal WHERE scopeNodeID=?", (node_id,))
            # A principal both allowed and denied is denied (deny wins), so store it once, as denied.
            c.executemany("INSERT INTO tblScopePrincipal VALUES (?,?,0)",
                          [(node_id, p) for p in allowed_ids if p not in denied_ids])
            c.executemany("INSERT INTO tblScopePrincipal VALUES (?,?,1)", [(node_id, p) for p in denied_ids])
        if creators is not None:
            ids = self._ids(creators)
            c.execute("DELETE FROM tblPrincipalRole WHERE prinRoleNodeID=? AND prinRoleTypeID=?",
                      (node_id, S.ROLE_CREATOR))
            c.executemany("INSERT INTO tblPrincipalRole VALUES (?,?,?,NULL)",
                          [(node_id, p, S.ROLE_CREATOR) for p in ids])

    def add_category(self, name: str, description: str = "", invitations: bool = False, file_upload: bool = False,
                     chat_history: bool = True, allowed=(), denied=(), creators=()) -> dict:
        _check_text("Name", name, MAX_NAME)
        _check_text("Description", description, MAX_DESCRIPTION, required=False)
        if self._name_taken(name):
            raise DuplicateName("A category or chat room named \"%s\" already exists." % name)
        self._ids(list(allowed) + list(denied) + list(creators))     # fail before writing anything
        with self._tx() as c:
            cur = c.execute(
                "INSERT INTO tblNode (nodeGuid, parentID, nodeType, nodeName, nodeDesc, invite, logged, filePost,"
                " behavior, nodeAddedOn, nodeUpdatedOn) VALUES (?,1,1,?,?,?,?,?,4,?,?)",
                (str(uuid.uuid4()), name, description or None, int(bool(invitations)), int(bool(chat_history)),
                 int(bool(file_upload)), self._now_ticks(), self._now_ticks()))
            self._write_scope(c, cur.lastrowid, list(allowed), list(denied), list(creators))
        return self.category(name)

    def set_category(self, name: str, /, **changes) -> dict:
        """changes: name, description, invitations, file_upload, chat_history, allowed, denied, creators."""
        known = {"name", "description", "invitations", "file_upload", "chat_history", "allowed", "denied", "creators"}
        unknown = set(changes) - known
        if unknown:
            raise TypeError("unknown category properties: %s" % ", ".join(sorted(unknown)))
        node_id = self._category_row(name)[0]
        new_name = changes.get("name", None)
        if new_name is not None:
            _check_text("Name", new_name, MAX_NAME)
            if self._name_taken(new_name, except_id=node_id):
                raise DuplicateName("A category or chat room named \"%s\" already exists." % new_name)
        if "description" in changes:
            _check_text("Description", changes["description"], MAX_DESCRIPTION, required=False)
        for key in ("allowed", "denied", "creators"):
            if changes.get(key) is not None:
                self._ids(changes[key])
        columns = {"name": "nodeName", "description": "nodeDesc", "invitations": "invite",
                   "file_upload": "filePost", "chat_history": "logged"}
        with self._tx() as c:
            for key, column in columns.items():
                if key in changes and not (key == "name" and changes[key] is None):
                    value = changes[key]
                    if key in ("invitations", "file_upload", "chat_history"):
                        value = int(bool(value))
                    c.execute("UPDATE tblNode SET %s=?, nodeUpdatedOn=? WHERE nodeID=?" % column,
                              (value, self._now_ticks(), node_id))
            self._write_scope(c, node_id, _clearable(changes, "allowed"), _clearable(changes, "denied"),
                              _clearable(changes, "creators"))
        return self.category(new_name or name)

    def remove_category(self, name: str) -> None:
        node_id = self._category_row(name)[0]
        (rooms,) = self.conn.execute("SELECT COUNT(*) FROM tblNode WHERE parentID=? AND nodeType=0", (node_id,)).fetchone()
        if rooms:
            raise ConstraintViolation("Cannot remove category \"%s\" because it contains %d chat room(s). "
                                      "Remove or move the rooms first." % (name, rooms))
        with self._tx() as c:
            for sql in ("DELETE FROM tblScopePrincipal WHERE scopeNodeID=?", "DELETE FROM tblPrincipalRole WHERE prinRoleNodeID=?",
                        "DELETE FROM tblNode WHERE nodeID=?"):
                c.execute(sql, (node_id,))

    # ----------------------------------------------------------------------------------------- rooms
    _ROOM_COLUMNS = "n.nodeID, n.nodeName, n.nodeDesc, c.nodeName, n.behavior, n.visibility, n.invite, n.disabled, n.siopID"

    def _room_row(self, name):
        row = self.conn.execute(
            "SELECT %s FROM tblNode n JOIN tblNode c ON c.nodeID = n.parentID WHERE n.nodeType=0"
            " AND n.nodeName = ? COLLATE NOCASE" % self._ROOM_COLUMNS, (name,)).fetchone()
        if row is None:
            raise ObjectNotFound("Cannot find chat room \"%s\"." % name)
        return row

    def _room_dict(self, row):
        node_id, name, desc, category, behavior, visibility, invite, disabled, siop = row
        roles = {S.ROLE_MEMBER: [], S.ROLE_MANAGER: [], S.ROLE_VOICED: []}
        for pid, rtype in self.conn.execute("SELECT prinRolePrinID, prinRoleTypeID FROM tblPrincipalRole WHERE"
                                            " prinRoleNodeID=? ORDER BY prinRolePrinID", (node_id,)):
            if rtype in roles:
                roles[rtype].append(self._label(pid))
        addin = None
        if siop:
            found = self.conn.execute("SELECT siopName FROM tblSiopWhiteList WHERE siopID=?", (siop,)).fetchone()
            addin = found[0] if found else None
        return {
            "Identity": self._identity(name), "Name": name, "Description": desc or "", "Category": category,
            "Type": S.TYPE_BY_BEHAVIOR.get(behavior, "Normal"), "Privacy": S.PRIVACY_BY_VISIBILITY.get(visibility, "Closed"),
            "Addin": addin, "Disabled": bool(disabled), "Invitations": "Inherit" if invite is None else "False",
            "Members": roles[S.ROLE_MEMBER], "Managers": roles[S.ROLE_MANAGER], "Presenters": roles[S.ROLE_VOICED],
            "PersistentChatPoolFqdn": self.pool_fqdn,
        }

    def rooms(self, category: str | None = None) -> list[dict]:
        sql = "SELECT %s FROM tblNode n JOIN tblNode c ON c.nodeID = n.parentID WHERE n.nodeType=0" % self._ROOM_COLUMNS
        args = ()
        if category is not None:
            sql += " AND c.nodeID = ?"
            args = (self._category_row(category)[0],)
        return [self._room_dict(r) for r in self.conn.execute(sql + " ORDER BY n.nodeID", args).fetchall()]

    def room(self, name: str) -> dict:
        return self._room_dict(self._room_row(name))

    def _addin_id(self, name):
        if name in (None, ""):
            return None
        row = self.conn.execute("SELECT siopID FROM tblSiopWhiteList WHERE siopName = ? COLLATE NOCASE", (name,)).fetchone()
        if row is None:
            raise ObjectNotFound("Cannot find add-in \"%s\"." % name)
        return row[0]

    def _check_roles(self, category_id, room_type, members, managers, presenters):
        if room_type == "Normal" and presenters:
            raise ConstraintViolation("Presenters can only be set on Auditorium chat rooms; this room is Normal.")
        for label, ids in (("Members", members), ("Managers", managers), ("Presenters", presenters)):
            for pid in ids:
                if not self._in_category_scope(category_id, pid):
                    raise ConstraintViolation("%s: principal \"%s\" is not in the category's AllowedMembers "
                                              "(minus DeniedMembers)." % (label, self._label(pid)))

    def add_room(self, name: str, category: str, description: str = "", type: str = "Normal",
                 privacy: str = "Closed", invitations: str = "Inherit", addin: str | None = None,
                 disabled: bool = False, members=(), managers=(), presenters=()) -> dict:
        _check_text("Name", name, MAX_NAME)
        _check_text("Description", description, MAX_DESCRIPTION, required=False)
        room_type = _pick("Type", type, ROOM_TYPES)
        privacy = _pick("Privacy", privacy, ROOM_PRIVACY)
        invitations = _pick("Invitations", invitations, ROOM_INVITATIONS)
        category_id = self._category_row(category)[0]
        if self._name_taken(name):
            raise DuplicateName("A category or chat room named \"%s\" already exists." % name)
        siop = self._addin_id(addin)
        ids = {k: self._ids(v) for k, v in (("m", members), ("g", managers), ("p", presenters))}
        self._check_roles(category_id, room_type, ids["m"], ids["g"], ids["p"])
        with self._tx() as c:
            cur = c.execute(
                "INSERT INTO tblNode (nodeGuid, parentID, nodeType, nodeName, nodeDesc, invite, disabled, behavior,"
                " visibility, siopID, nodeAddedOn, nodeUpdatedOn) VALUES (?,?,0,?,?,?,?,?,?,?,?,?)",
                (str(uuid.uuid4()), category_id, name, description or None, None if invitations == "Inherit" else 0,
                 int(bool(disabled)), S.BEHAVIOR_BY_TYPE[room_type], S.VISIBILITY_BY_PRIVACY[privacy], siop,
                 self._now_ticks(), self._now_ticks()))
            node_id = cur.lastrowid
            c.execute("INSERT INTO tblLastChatId VALUES (?,0)", (node_id,))
            self._write_roles(c, node_id, ids["m"], ids["g"], ids["p"])
        return self.room(name)

    @staticmethod
    def _write_roles(c, node_id, members, managers, presenters):
        for rtype, ids in ((S.ROLE_MEMBER, members), (S.ROLE_MANAGER, managers), (S.ROLE_VOICED, presenters)):
            if ids is None:
                continue
            c.execute("DELETE FROM tblPrincipalRole WHERE prinRoleNodeID=? AND prinRoleTypeID=?", (node_id, rtype))
            c.executemany("INSERT INTO tblPrincipalRole VALUES (?,?,?,NULL)", [(node_id, p, rtype) for p in ids])

    def set_room(self, name: str, /, **changes) -> dict:
        """changes: name, description, category, type, privacy, invitations, addin, disabled, members,
        managers, presenters. Moving to another category purges roles the new category does not allow."""
        known = {"name", "description", "category", "type", "privacy", "invitations", "addin", "disabled",
                 "members", "managers", "presenters"}
        unknown = set(changes) - known
        if unknown:
            raise TypeError("unknown chat room properties: %s" % ", ".join(sorted(unknown)))
        current = self.room(name)
        node_id = self._room_row(name)[0]
        new_name = changes.get("name") or current["Name"]
        if changes.get("name") is not None:
            _check_text("Name", new_name, MAX_NAME)
            if self._name_taken(new_name, except_id=node_id):
                raise DuplicateName("A category or chat room named \"%s\" already exists." % new_name)
        if "description" in changes:
            _check_text("Description", changes["description"], MAX_DESCRIPTION, required=False)
        room_type = _pick("Type", changes.get("type") or current["Type"], ROOM_TYPES)
        privacy = _pick("Privacy", changes.get("privacy") or current["Privacy"], ROOM_PRIVACY)
        invitations = _pick("Invitations", changes.get("invitations") or current["Invitations"], ROOM_INVITATIONS)
        category_id = self._category_row(changes.get("category") or current["Category"])[0]
        moved = category_id != self._category_row(current["Category"])[0]
        siop = self._addin_id(changes["addin"]) if "addin" in changes else self._addin_id(current["Addin"])

        def ids(key, prop):
            value = changes.get(key, current[prop]) if key in changes else current[prop]
            return self._ids(value or [])
        members, managers, presenters = ids("members", "Members"), ids("managers", "Managers"), ids("presenters", "Presenters")
        if moved:
            # [DOC] moving purges ACL entries the new category does not allow; explicit new ones must still pass.
            keep = lambda lst, key: lst if key in changes else [p for p in lst if self._in_category_scope(category_id, p)]
            members, managers, presenters = keep(members, "members"), keep(managers, "managers"), keep(presenters, "presenters")
        if room_type == "Normal" and presenters and "presenters" not in changes and "type" in changes:
            raise ConstraintViolation("Remove the presenters before changing the room type to Normal.")
        self._check_roles(category_id, room_type, members, managers, presenters)
        with self._tx() as c:
            c.execute("UPDATE tblNode SET nodeName=?, nodeDesc=?, parentID=?, behavior=?, visibility=?, invite=?,"
                      " disabled=?, siopID=?, nodeUpdatedOn=? WHERE nodeID=?",
                      (new_name, changes.get("description", current["Description"]) or None, category_id,
                       S.BEHAVIOR_BY_TYPE[room_type], S.VISIBILITY_BY_PRIVACY[privacy],
                       None if invitations == "Inherit" else 0,
                       int(bool(changes.get("disabled", current["Disabled"]))), siop, self._now_ticks(), node_id))
            self._write_roles(c, node_id, members, managers, presenters)
        return self.room(new_name)

    def remove_room(self, name: str) -> None:
        node_id = self._room_row(name)[0]
        with self._tx() as c:
            for sql in ("DELETE FROM tblChat WHERE channelId=?", "DELETE FROM tblLastChatId WHERE nodeID=?",
                        "DELETE FROM tblPrincipalRole WHERE prinRoleNodeID=?", "DELETE FROM tblPrincipalInvites WHERE nodeID=?",
                        "DELETE FROM tblNode WHERE nodeID=?"):
                c.execute(sql, (node_id,))

    # ---------------------------------------------------------------------------------------- add-ins
    def _addin_dict(self, row):
        return {"Identity": self._identity(row[1]), "Name": row[1], "Url": row[2], "PersistentChatPoolFqdn": self.pool_fqdn}

    def addins(self) -> list[dict]:
        return [self._addin_dict(r) for r in self.conn.execute(
            "SELECT siopID, siopName, siopUrl FROM tblSiopWhiteList ORDER BY siopName COLLATE NOCASE")]

    def addin(self, name: str) -> dict:
        row = self.conn.execute("SELECT siopID, siopName, siopUrl FROM tblSiopWhiteList WHERE siopName = ? COLLATE NOCASE",
                                (name,)).fetchone()
        if row is None:
            raise ObjectNotFound("Cannot find add-in \"%s\"." % name)
        return self._addin_dict(row)

    def add_addin(self, name: str, url: str) -> dict:
        _check_text("Name", name, MAX_ADDIN_NAME)
        _check_text("Url", url, MAX_ADDIN_URL)
        if self.conn.execute("SELECT 1 FROM tblSiopWhiteList WHERE siopName = ? COLLATE NOCASE", (name,)).fetchone():
            raise DuplicateName("An add-in named \"%s\" already exists." % name)
        with self._tx() as c:
            c.execute("INSERT INTO tblSiopWhiteList VALUES (?,?,?)", (str(uuid.uuid4()), name, url))
        return self.addin(name)

    def set_addin(self, name: str, /, **changes) -> dict:
        unknown = set(changes) - {"name", "url"}
        if unknown:
            raise TypeError("unknown add-in properties: %s" % ", ".join(sorted(unknown)))
        siop = self._addin_id(name)
        new_name = changes.get("name") or self.addin(name)["Name"]
        url = changes.get("url") or self.addin(name)["Url"]
        _check_text("Name", new_name, MAX_ADDIN_NAME)
        _check_text("Url", url, MAX_ADDIN_URL)
        other = self.conn.execute("SELECT siopID FROM tblSiopWhiteList WHERE siopName = ? COLLATE NOCASE", (new_name,)).fetchone()
        if other and other[0] != siop:
            raise DuplicateName("An add-in named \"%s\" already exists." % new_name)
        with self._tx() as c:
            c.execute("UPDATE tblSiopWhiteList SET siopName=?, siopUrl=? WHERE siopID=?", (new_name, url, siop))
        return self.addin(new_name)

    def remove_addin(self, name: str) -> None:
        """[ASSUMED] rooms that used the add-in keep existing, without an add-in."""
        siop = self._addin_id(name)
        with self._tx() as c:
            c.execute("UPDATE tblNode SET siopID=NULL WHERE siopID=?", (siop,))
            c.execute("DELETE FROM tblSiopWhiteList WHERE siopID=?", (siop,))

    # --------------------------------------------------------------------------------------- messages
    def message_counts(self) -> dict:
        """{room name: number of messages}, every room included."""
        return dict(self.conn.execute(
            "SELECT n.nodeName, COUNT(c.chatId) FROM tblNode n LEFT JOIN tblChat c ON c.channelId = n.nodeID"
            " WHERE n.nodeType=0 GROUP BY n.nodeID ORDER BY n.nodeID").fetchall())

    def post_message(self, room: str, user_uri: str, text: str, when: _dt.datetime | None = None,
                     is_alert: bool = False) -> int:
        """Append a message as the channel service would; returns its chatId."""
        node_id = self._room_row(room)[0]
        disabled = self.conn.execute("SELECT disabled FROM tblNode WHERE nodeID=?", (node_id,)).fetchone()[0]
        if disabled:
            raise ConstraintViolation("Chat room \"%s\" is disabled." % room)
        user_id = self.principal_id(user_uri)
        ticks = S.ticks_from_datetime(when) if when is not None else self._now_ticks()
        with self._tx() as c:
            row = c.execute("SELECT lastChatID FROM tblLastChatId WHERE nodeID=?", (node_id,)).fetchone()
            chat_id = (row[0] if row else 0) + 1
            c.execute("INSERT OR REPLACE INTO tblLastChatId VALUES (?,?)", (node_id, chat_id))
            c.execute("INSERT INTO tblChat (channelId, chatId, chatDate, userId, isAlert, content) VALUES (?,?,?,?,?,?)",
                      (node_id, chat_id, ticks, user_id, int(bool(is_alert)), text))
        return chat_id

    def messages(self, room: str):
        """Yield {ChatId, Date (naive UTC), User, Content, IsAlert} in order."""
        node_id = self._room_row(room)[0]
        cur = self.conn.execute("SELECT c.chatId, c.chatDate, p.prinUri, c.content, c.isAlert FROM tblChat c"
                                " LEFT JOIN tblPrincipal p ON p.prinID = c.userId WHERE c.channelId=? ORDER BY c.chatId",
                                (node_id,))
        for chat_id, ticks, uri, content, alert in cur:
            yield {"ChatId": chat_id, "Date": S.datetime_from_ticks(ticks), "User": uri, "Content": content,
                   "IsAlert": bool(alert)}

    def clear_room(self, room: str, end_date: _dt.datetime) -> int:
        """Clear-CsPersistentChatRoom: delete content on/before ``end_date``; returns the number deleted."""
        node_id = self._room_row(room)[0]
        with self._tx() as c:
            return c.execute("DELETE FROM tblChat WHERE channelId=? AND chatDate <= ?",
                             (node_id, S.ticks_from_datetime(end_date))).rowcount

    def remove_messages(self, room: str, replacement: str | None, user_uri: str | None = None,
                        start: _dt.datetime | None = None, end: _dt.datetime | None = None,
                        keywords: str | None = None, match: str = "All", case_sensitive: bool = False) -> int:
        """Remove-CsPersistentChatMessage: the room's messages of ``user_uri`` posted on/after ``start`` and
        on/before ``end`` whose text matches ``keywords`` (All: every blank-separated keyword, Or: any,
        Exact: the phrase) are deleted (``replacement`` None) or get ``replacement`` as their text.
        Returns how many messages matched."""
        node_id = self._room_row(room)[0]
        sql, args = "SELECT c.chatId, c.content FROM tblChat c WHERE c.channelId=?", [node_id]
        if user_uri:
            sql += " AND c.userId IN (SELECT prinID FROM tblPrincipal WHERE prinUri = ? COLLATE NOCASE)"
            args.append(user_uri if user_uri.lower().startswith("sip:") else "sip:" + user_uri)
        if start is not None:
            sql += " AND c.chatDate >= ?"
            args.append(S.ticks_from_datetime(start))
        if end is not None:
            sql += " AND c.chatDate <= ?"
            args.append(S.ticks_from_datetime(end))

        def fold(text):
            return text if case_sensitive else text.casefold()
        words = fold(keywords or "").split()
        phrase = fold(keywords or "").strip()

        def matches(content):
            text = fold(content or "")
            if not words:
                return True
            if match.lower() == "exact":
                return phrase in text
            if match.lower() == "or":
                return any(w in text for w in words)
            return all(w in text for w in words)
        ids = [chat_id for chat_id, content in self.conn.execute(sql, args).fetchall() if matches(content)]
        with self._tx() as c:
            for chat_id in ids:
                if replacement is None:
                    c.execute("DELETE FROM tblChat WHERE channelId=? AND chatId=?", (node_id, chat_id))
                else:
                    c.execute("UPDATE tblChat SET content=?, rtf=NULL WHERE channelId=? AND chatId=?",
                              (replacement, node_id, chat_id))
        return len(ids)


def _clearable(changes, key):
    """None in ``changes`` means "clear the list" ($null); absence means "leave it"."""
    if key not in changes:
        return None
    return list(changes[key] or [])
