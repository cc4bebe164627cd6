"""Export-CsPersistentChatData / Import-CsPersistentChatData as a library (reference §1.3, §1.7, §3.1-3.2, §6).

The export file is our own format (Microsoft's is undocumented): a ZIP holding ``manifest.json`` (format,
parameters, counts, sha256 and line count of every payload) and JSON-lines payloads:
principals.jsonl, affiliations.jsonl, categories.jsonl (root first), addins.jsonl, rooms.jsonl,
messages.jsonl, room_refs.jsonl (room id/name/path/message count of every room whose content is exported).
Messages are streamed room by room, so memory stays flat whatever the size.

Export reads the legacy databases and Lync 2013's own ``mgc`` alike (-DBName defaults to mgc [DOC §3.1]);
mgc lacks the legacy-only node columns (topic, inheritance, ...), which are exported as null, so an export
of mgc imports like any other (2013 categories are flat: nothing is renamed).

Export keeps the legacy data raw and adds what only the whole legacy tree can tell (the effective,
inherited value of invite/logged/filePost, the effective scope and creators, the category path), so an
export limited by -Scope still imports correctly.

Import applies the documented transformations:
- nested categories are flattened; the new name is the full path joined with FLATTEN_SEPARATOR [DOC;
  separator ASSUMED]; rooms of nested categories get the same prefix [DOC]; names over 256 characters are
  errors and the room (with its messages) is not imported [DOC: "shorten long names"; skip ASSUMED];
- managers of the legacy root category become managers of every imported room [DOC];
- a room with invitations on in a category with invitations off: warning, room set to False [DOC];
- federated users (sip: principals without an AD object) become disabled principals (prinDisabled=1) [DOC];
- room topic and per-room file-upload / chat-history flags are dropped [DOC]; category flags take the
  effective (inherited) legacy values [ASSUMED];
- same-named 2013 categories, rooms and add-ins are overwritten; an overwritten room loses its 2013 roles
  and messages [DOC: "conflicting names can overwrite content"];
- every message is kept with its order (chatId), author and date; disabled rooms are imported disabled
  [ASSUMED; reference §1.7 leaves it open];
- legacy category managers (other than root) have no 2013 equivalent: dropped with a warning [ASSUMED];
- presenters of Normal rooms are dropped with a warning (2013 refuses them) [DOC constraint].
With whatif=True the database is opened read-only: the report is produced and nothing changes.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import html
import io
import json
import sqlite3
import zipfile
from pathlib import Path

from . import schema as S
from .errors import ChatDbError

LEVELS = ("All", "User", "Category", "RoomDirectory", "Content")
FLATTEN_SEPARATOR = "_"     # [ASSUMED] "full parent category names as prefix": the separator is not documented
MAX_ROOM_NAME = 256
MAX_CATEGORY_NAME = 256
MAX_ADDIN_NAME = 50
MAX_ADDIN_URL = 255
FORMAT = "pchat-lab-export/1"
_BATCH = 2_000
_NODE_COLUMNS = ("nodeID", "nodeGuid", "parentID", "nodeType", "nodeName", "nodeDesc", "topic", "inheritance",
                 "scopeChange", "overrideMember", "invite", "logged", "filePost", "disabled", "restrictChildCreate",
                 "behavior", "visibility", "siopID")

# What each -Level puts in the file [ASSUMED: the levels' content is not documented beyond their names].
_SECTIONS = {
    "All": ("principals", "categories", "addins", "rooms", "messages"),
    "User": ("principals",),
    "Category": ("principals", "categories"),
    "RoomDirectory": ("principals", "categories", "addins", "rooms"),
    "Content": ("principals", "messages"),
}


class ExportFileError(ChatDbError):
    """The file is not an export this lab wrote, or it was altered (checksum mismatch)."""


def flattened_name(path) -> str:
    """Category path under the root (top-level first) -> the single-level 2013 name."""
    return FLATTEN_SEPARATOR.join(path)


def flattened_room_name(category_path, room_name) -> str:
    """Rooms of top-level categories keep their name; rooms of nested categories get the full prefix."""
    if len(category_path) <= 1:
        return room_name
    return flattened_name(list(category_path) + [room_name])


def _level(level) -> str:
    for candidate in LEVELS:
        if str(level).lower() == candidate.lower():
            return candidate
    raise ValueError("Cannot bind parameter 'Level'. Valid values are: %s." % ", ".join(LEVELS))


def _open_ro(path) -> sqlite3.Connection:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError("database not found: %s" % path)
    return sqlite3.connect("file:%s?mode=ro" % path.resolve(), uri=True)


class _JsonLinesWriter:
    """One payload inside the ZIP: counts lines and hashes bytes as they are written."""

    def __init__(self, zf: zipfile.ZipFile, name: str) -> None:
        self.name = name
        self.raw = zf.open(name, "w", force_zip64=True)
        self.sha = hashlib.sha256()
        self.lines = 0
        self.bytes = 0

    def write(self, obj) -> None:
        data = (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8", "surrogatepass")
        self.raw.write(data)
        self.sha.update(data)
        self.lines += 1
        self.bytes += len(data)

    def close(self) -> dict:
        self.raw.close()
        return {"sha256": self.sha.hexdigest(), "lines": self.lines, "bytes": self.bytes}


# ============================================================================================ export
def export(legacy_path, zip_path, level: str = "All", scope=None, start_date=None, report_path=None,
           source_flavour: str | None = None) -> dict:
    """Write the export ZIP and, with report_path, an HTML report. Returns the manifest (counts, parameters)."""
    level = _level(level)
    sections = _SECTIONS[level]
    conn = _open_ro(legacy_path)
    try:
        flavour, version = S.database_kind(conn)
        if source_flavour and source_flavour != flavour:
            raise ValueError("the database is a %s Group Chat database, not %s" % (flavour, source_flavour))
        nodes = {}
        # mgc (2013) has no topic/inheritance/scope-change/override/restrict columns: read them as NULL, so
        # an export of mgc is the same file shape as a legacy one and imports the same way.
        present = set(S.table_columns(conn, "tblNode"))
        columns = ", ".join(c if c in present else "NULL" for c in _NODE_COLUMNS)
        for row in conn.execute("SELECT %s FROM tblNode ORDER BY nodeID" % columns):
            keys = ("id", "guid", "parent", "type", "name", "desc", "topic", "inheritance", "scopeChange",
                    "overrideMember", "invite", "logged", "filePost", "disabled", "restrictChildCreate", "behavior",
                    "visibility", "addin")
            nodes[row[0]] = dict(zip(keys, row))
        roles = {}
        for node, prin, rtype in conn.execute("SELECT prinRoleNodeID, prinRolePrinID, prinRoleTypeID FROM tblPrincipalRole"
                                              " ORDER BY prinRoleNodeID, prinRoleTypeID, prinRolePrinID"):
            roles.setdefault(node, {}).setdefault(rtype, []).append(prin)
        scopes = {}
        for node, prin, denied in conn.execute("SELECT scopeNodeID, scopePrinID, scopeIsDenied FROM tblScopePrincipal"
                                               " ORDER BY scopeNodeID, scopePrinID"):
            scopes.setdefault(node, ([], []))[1 if denied else 0].append(prin)

        def chain(node_id):          # root ... node
            out = []
            while True:
                out.append(node_id)
                parent = nodes[node_id]["parent"]
                if node_id == S.ROOT_NODE_ID or parent == node_id:
                    return out[::-1]
                node_id = parent

        def path(node_id):
            return [nodes[n]["name"] for n in chain(node_id) if n != S.ROOT_NODE_ID]

        categories = [n for n in nodes.values() if n["type"] == S.NODE_CATEGORY and n["id"] != S.ROOT_NODE_ID]
        selected = {c["id"] for c in categories}
        scope_list = None
        if scope:
            scope_list = [scope] if isinstance(scope, str) else list(scope)
            wanted = {s.casefold() for s in scope_list}
            matched = [c["id"] for c in categories if c["name"].casefold() in wanted]
            missing = wanted - {nodes[m]["name"].casefold() for m in matched}
            if missing:
                raise ValueError("Category not found: %s" % ", ".join(sorted(missing)))
            selected = {c["id"] for c in categories if set(chain(c["id"])) & set(matched)}
        rooms = [n for n in nodes.values() if n["type"] == S.NODE_ROOM and n["parent"] in selected]

        principals = {}
        for row in conn.execute("SELECT prinID, prinGuid, prinUri, prinName, prinDisplayName, prinCompanyName, prinEmail,"
                                " prinADPath, prinADUserPrincipalName, prinDisabled, prinTypeID FROM tblPrincipal ORDER BY prinID"):
            keys = ("id", "guid", "uri", "name", "display", "company", "email", "ad_path", "upn", "disabled", "type")
            p = dict(zip(keys, row))
            # Federated: a SIP user that has no object in this forest [ASSUMED marker, see datasets].
            p["federated"] = p["type"] == S.PTYPE_USER and not p["ad_path"] and p["uri"].lower().startswith("sip:")
            principals[p["id"]] = p
        uri_of = {p["id"]: p["uri"] for p in principals.values()}

        def effective(node_id, column):
            value = None
            for n in chain(node_id):
                if nodes[n][column] is not None:
                    value = nodes[n][column]
            return bool(value)

        zip_path = Path(zip_path)
        zip_path.parent.mkdir(parents=True, exist_ok=True)
        files, counts, room_counts = {}, {}, []
        start_ticks = S.ticks_from_datetime(start_date) if start_date is not None else None
        with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            if "principals" in sections:
                w = _JsonLinesWriter(zf, "principals.jsonl")
                for p in principals.values():
                    w.write(p)
                files[w.name] = w.close()
                counts["principals"] = w.lines
                w = _JsonLinesWriter(zf, "affiliations.jsonl")
                for prin, group in conn.execute("SELECT principalID, affiliationID FROM tblPrincipalAffiliations"
                                                " WHERE \"index\" >= 0 ORDER BY principalID, affiliationID"):
                    w.write({"principal": prin, "group": group})
                files[w.name] = w.close()
            if "categories" in sections:
                w = _JsonLinesWriter(zf, "categories.jsonl")
                root = nodes[S.ROOT_NODE_ID]
                w.write({"id": S.ROOT_NODE_ID, "root": True, "name": root["name"],
                         "managers": roles.get(S.ROOT_NODE_ID, {}).get(S.ROLE_MANAGER, [])})
                for c in categories:
                    if c["id"] not in selected:
                        continue
                    ids = chain(c["id"])
                    scoped = next((n for n in reversed(ids) if n in scopes), None)
                    creators = sorted({p for n in ids if n != S.ROOT_NODE_ID for p in roles.get(n, {}).get(S.ROLE_CREATOR, [])})
                    record = {k: c[k] for k in ("id", "guid", "parent", "name", "desc", "inheritance", "scopeChange",
                                                "overrideMember", "invite", "logged", "filePost", "restrictChildCreate")}
                    record.update({
                        "path": path(c["id"]),
                        "effective_invite": effective(c["id"], "invite"),
                        "effective_logged": effective(c["id"], "logged"),
                        "effective_filePost": effective(c["id"], "filePost"),
                        "allowed": scopes[scoped][0] if scoped else [], "denied": scopes[scoped][1] if scoped else [],
                        "creators": creators, "managers": roles.get(c["id"], {}).get(S.ROLE_MANAGER, []),
                    })
                    w.write(record)
                files[w.name] = w.close()
                counts["categories"] = w.lines - 1
            if "addins" in sections:
                w = _JsonLinesWriter(zf, "addins.jsonl")
                for siop, name, url in conn.execute("SELECT siopID, siopName, siopUrl FROM tblSiopWhiteList ORDER BY siopName"):
                    w.write({"id": siop, "name": name, "url": url})
                files[w.name] = w.close()
                counts["addins"] = w.lines
            if "rooms" in sections:
                w = _JsonLinesWriter(zf, "rooms.jsonl")
                for r in rooms:
                    record = {k: r[k] for k in ("id", "guid", "parent", "name", "desc", "topic", "invite", "logged",
                                                "filePost", "disabled", "behavior", "visibility", "addin")}
                    role = roles.get(r["id"], {})
                    record.update({"category_path": path(r["parent"]),
                                   "category_effective_invite": effective(r["parent"], "invite"),
                                   "members": role.get(S.ROLE_MEMBER, []), "managers": role.get(S.ROLE_MANAGER, []),
                                   "presenters": role.get(S.ROLE_VOICED, [])})
                    w.write(record)
                files[w.name] = w.close()
                counts["rooms"] = w.lines
            if "messages" in sections:
                w = _JsonLinesWriter(zf, "messages.jsonl")
                sql = "SELECT chatId, chatDate, userId, isAlert, content, rtf FROM tblChat WHERE channelId=?"
                if start_ticks is not None:
                    sql += " AND chatDate >= ?"
                sql += " ORDER BY chatId"
                for r in rooms:
                    args = (r["id"],) if start_ticks is None else (r["id"], start_ticks)
                    n = 0
                    for chat_id, ticks, user, alert, content, rtf in conn.execute(sql, args):
                        w.write({"room": r["id"], "chat": chat_id, "date": ticks, "user": uri_of.get(user),
                                 "alert": bool(alert), "content": content, "rtf": rtf})
                        n += 1
                    room_counts.append({"id": r["id"], "guid": r["guid"], "name": r["name"],
                                        "category_path": path(r["parent"]), "messages": n})
                files[w.name] = w.close()
                counts["messages"] = w.lines
                w = _JsonLinesWriter(zf, "room_refs.jsonl")
                for ref in room_counts:
                    w.write(ref)
                files[w.name] = w.close()
            manifest = {
                "format": FORMAT,
                "created_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "source": {"flavour": flavour, "version": version, "database": Path(legacy_path).name},
                "parameters": {"level": level, "scope": scope_list,
                               "start_date": start_date.isoformat() if start_date is not None else None},
                "counts": counts, "files": files,
            }
            zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    finally:
        conn.close()
    summary = dict(manifest, zip=str(zip_path))
    if report_path:
        _write_export_report(report_path, summary, room_counts)
    return summary


# ============================================================================================ import
def _issue(items, ident, severity, obj, message):
    items.append({"id": ident, "severity": severity, "object": obj, "message": message})


def _read_jsonl(zf, name):
    if name not in zf.namelist():
        return
    with zf.open(name) as raw:
        for line in io.TextIOWrapper(raw, encoding="utf-8", errors="surrogatepass"):
            if line.strip():
                yield json.loads(line)


def read_manifest(zip_path) -> dict:
    try:
        with zipfile.ZipFile(zip_path) as zf:
            manifest = json.loads(zf.read("manifest.json").decode("utf-8"))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ExportFileError("The file \"%s\" is not a Persistent Chat export file (%s)." % (zip_path, exc)) from None
    if manifest.get("format") != FORMAT:
        raise ExportFileError("The file \"%s\" has an unsupported export format %r." % (zip_path, manifest.get("format")))
    return manifest


def verify(zip_path) -> dict:
    """Check every payload against the manifest (streamed); raises ExportFileError on any difference."""
    manifest = read_manifest(zip_path)
    with zipfile.ZipFile(zip_path) as zf:
        for name, meta in manifest["files"].items():
            sha, lines = hashlib.sha256(), 0
            try:
                with zf.open(name) as raw:
                    for chunk in iter(lambda: raw.read(1 << 16), b""):
                        sha.update(chunk)
                        lines += chunk.count(b"\n")
            except (KeyError, zipfile.BadZipFile) as exc:
                raise ExportFileError("The export file is damaged: %s (%s)." % (name, exc)) from None
            if sha.hexdigest() != meta["sha256"] or lines != meta["lines"]:
                raise ExportFileError("The export file is damaged: checksum mismatch in %s." % name)
    return manifest


class _Importer:
    def __init__(self, zf, manifest, conn, whatif):
        self.zf = zf
        self.manifest = manifest
        self.conn = conn
        self.whatif = whatif
        self.errors, self.warnings = [], []
        self.counts = {k: 0 for k in (
            "principals_created", "principals_federated_disabled", "categories_created", "categories_overwritten",
            "categories_skipped", "rooms_created", "rooms_overwritten", "rooms_skipped", "addins_created",
            "addins_overwritten", "addins_skipped", "messages_in_file", "messages_imported", "messages_skipped",
            "topics_dropped", "room_flags_dropped", "root_manager_assignments")}
        self.prin_map = {}        # legacy prinID -> mgc prinID (or a placeholder in whatif)
        self.uri_map = {}         # uri casefold -> mgc prinID
        self.room_target = {}     # legacy room id -> (mgc nodeID or placeholder, chat id base)
        self.fake_ids = -1
        self.rooms_in_file = set()  # legacy room ids of rooms.jsonl (imported or refused)
        self.planned = {}         # casefolded names this import creates -> "category" | "room"

    def _fake(self):
        self.fake_ids -= 1
        return self.fake_ids

    def _exec(self, sql, args=()):
        if self.whatif:
            return None
        return self.conn.execute(sql, args)

    # ---- principals
    def principals(self):
        existing, by_path = {}, {}
        for pid, uri, disabled, ad_path in self.conn.execute(
                "SELECT prinID, prinUri, prinDisabled, prinADPath FROM tblPrincipal"):
            existing[uri.casefold()] = (pid, disabled)
            if ad_path:
                by_path[ad_path.casefold()] = (pid, disabled)
        for p in _read_jsonl(self.zf, "principals.jsonl"):
            key = p["uri"].casefold()
            if key not in existing and p["ad_path"] and not key.startswith("sip:") \
                    and p["ad_path"].casefold() in by_path:
                # Groups/OUs: the ma-grp: URI is pool-local; the same AD object is the same principal.
                existing[key] = by_path[p["ad_path"].casefold()]
            disabled = S.PRIN_SIP_DISABLED if p["federated"] else (p["disabled"] or 0)
            if p["federated"]:
                self.counts["principals_federated_disabled"] += 1
                _issue(self.warnings, "FEDERATED_PRINCIPAL", "Warning", p["uri"],
                       "Federated user %s is added as a disabled principal: Persistent Chat has no federation." % p["uri"])
            if key in existing:
                pid = existing[key][0]
                if p["federated"] and existing[key][1] != disabled:
                    self._exec("UPDATE tblPrincipal SET prinDisabled=? WHERE prinID=?", (disabled, pid))
            else:
                cur = self._exec(
                    "INSERT INTO tblPrincipal (prinGuid, prinUri, prinName, prinDisplayName, prinCompanyName, prinEmail,"
                    " prinADPath, prinADUserPrincipalName, prinDisabled, prinTypeID) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (p["guid"], p["uri"], p["name"], p["display"], p["company"], p["email"], p["ad_path"], p["upn"],
                     disabled, p["type"]))
                pid = cur.lastrowid if cur is not None else self._fake()
                self.counts["principals_created"] += 1
                existing[key] = (pid, disabled)
                self._exec("INSERT OR IGNORE INTO tblPrincipalAffiliations VALUES (?,-1,?,1)", (pid, pid))
            self.prin_map[p["id"]] = pid
            self.uri_map[key] = pid
        rows = [(self.prin_map[a["principal"]], self.prin_map[a["group"]]) for a in _read_jsonl(self.zf, "affiliations.jsonl")
                if a["principal"] in self.prin_map and a["group"] in self.prin_map]
        if not self.whatif:
            self.conn.executemany("INSERT OR IGNORE INTO tblPrincipalAffiliations VALUES (?,0,?,1)", rows)

    def _pids(self, legacy_ids):
        return [self.prin_map[i] for i in legacy_ids if i in self.prin_map]

    def _existing_node(self, name):
        return self.conn.execute("SELECT nodeID, nodeType, parentID FROM tblNode WHERE nodeID<>1 AND nodeName = ?"
                                 " COLLATE NOCASE", (name,)).fetchone()

    # ---- add-ins
    def addins(self):
        self.addin_map = {}
        for a in _read_jsonl(self.zf, "addins.jsonl"):
            if len(a["name"]) > MAX_ADDIN_NAME or len(a["url"]) > MAX_ADDIN_URL or not a["name"].strip():
                _issue(self.errors, "ADDIN_INVALID", "Error", a["name"],
                       "Add-in \"%s\" exceeds the 2013 limits (name %d, URL %d characters); not imported."
                       % (a["name"], MAX_ADDIN_NAME, MAX_ADDIN_URL))
                self.counts["addins_skipped"] += 1
                continue
            row = self.conn.execute("SELECT siopID FROM tblSiopWhiteList WHERE siopName = ? COLLATE NOCASE",
                                    (a["name"],)).fetchone()
            if row:
                self._exec("UPDATE tblSiopWhiteList SET siopName=?, siopUrl=? WHERE siopID=?", (a["name"], a["url"], row[0]))
                _issue(self.warnings, "OVERWRITE", "Warning", a["name"],
                       "Add-in \"%s\" already exists in the Persistent Chat pool and is overwritten." % a["name"])
                self.counts["addins_overwritten"] += 1
                self.addin_map[a["id"]] = row[0]
            else:
                self._exec("INSERT INTO tblSiopWhiteList VALUES (?,?,?)", (a["id"], a["name"], a["url"]))
                self.counts["addins_created"] += 1
                self.addin_map[a["id"]] = a["id"]

    # ---- categories
    def categories(self):
        self.category_target = {}     # legacy category id -> mgc nodeID
        self.root_managers = []
        seen = {}
        for c in _read_jsonl(self.zf, "categories.jsonl"):
            if c.get("root"):
                self.root_managers = self._pids(c["managers"])
                continue
            name = flattened_name(c["path"])
            label = " / ".join(c["path"])
            if len(c["path"]) > 1:
                _issue(self.warnings, "CATEGORY_FLATTENED", "Warning", label,
                       "Nested category \"%s\" becomes the top-level category \"%s\"." % (label, name))
            if c["managers"]:
                _issue(self.warnings, "CATEGORY_MANAGERS_DROPPED", "Warning", label,
                       "Category managers have no Persistent Chat equivalent and are not migrated.")
            if len(name) > MAX_CATEGORY_NAME:
                _issue(self.errors, "CATEGORY_NAME_TOO_LONG", "Error", label,
                       "Category name \"%s\" is %d characters long after flattening (limit %d); not imported."
                       % (name, len(name), MAX_CATEGORY_NAME))
                self.counts["categories_skipped"] += 1
                continue
            if name.casefold() in seen:
                _issue(self.errors, "DUPLICATE_NAME", "Error", label,
                       "Flattened category name \"%s\" is also used by \"%s\"; not imported." % (name, seen[name.casefold()]))
                self.counts["categories_skipped"] += 1
                continue
            seen[name.casefold()] = label
            existing = self._existing_node(name)
            values = (name, c["desc"], int(c["effective_invite"]), int(c["effective_logged"]), int(c["effective_filePost"]))
            if existing and existing[1] == S.NODE_ROOM:
                _issue(self.errors, "NAME_CONFLICT", "Error", label,
                       "Category \"%s\" has the name of an existing chat room; not imported." % name)
                self.counts["categories_skipped"] += 1
                continue
            if existing:
                node = existing[0]
                self._exec("UPDATE tblNode SET nodeName=?, nodeDesc=?, invite=?, logged=?, filePost=? WHERE nodeID=?",
                           values + (node,))
                self._exec("DELETE FROM tblScopePrincipal WHERE scopeNodeID=?", (node,))
                self._exec("DELETE FROM tblPrincipalRole WHERE prinRoleNodeID=?", (node,))
                _issue(self.warnings, "OVERWRITE", "Warning", name,
                       "Category \"%s\" already exists in the Persistent Chat pool and is overwritten." % name)
                self.counts["categories_overwritten"] += 1
            else:
                cur = self._exec("INSERT INTO tblNode (nodeGuid, parentID, nodeType, nodeName, nodeDesc, invite, logged,"
                                 " filePost, behavior) VALUES (?,1,1,?,?,?,?,?,4)", (c["guid"],) + values)
                node = cur.lastrowid if cur is not None else self._fake()
                self.counts["categories_created"] += 1
            denied = set(self._pids(c["denied"]))
            if not self.whatif:
                self.conn.executemany("INSERT OR IGNORE INTO tblScopePrincipal VALUES (?,?,0)",
                                      [(node, p) for p in self._pids(c["allowed"]) if p not in denied])
                self.conn.executemany("INSERT OR IGNORE INTO tblScopePrincipal VALUES (?,?,1)", [(node, p) for p in denied])
                self.conn.executemany("INSERT OR IGNORE INTO tblPrincipalRole VALUES (?,?,?,NULL)",
                                      [(node, p, S.ROLE_CREATOR) for p in self._pids(c["creators"])])
            self.category_target[c["id"]] = (node, c["effective_invite"])
            self.planned[name.casefold()] = "category"

    # ---- rooms
    def rooms(self):
        seen = {}
        presenters_dropped = 0
        for r in _read_jsonl(self.zf, "rooms.jsonl"):
            self.rooms_in_file.add(r["id"])
            label = " / ".join(r["category_path"] + [r["name"]])
            name = flattened_room_name(r["category_path"], r["name"])
            target = self.category_target.get(r["parent"])
            if target is None:
                _issue(self.errors, "ROOM_CATEGORY_MISSING", "Error", label,
                       "The category of chat room \"%s\" was not imported; the room is not imported." % r["name"])
                self.counts["rooms_skipped"] += 1
                continue
            category_node, category_invite = target
            if len(name) > MAX_ROOM_NAME:
                _issue(self.errors, "ROOM_NAME_TOO_LONG", "Error", label,
                       "Chat room name is %d characters long including its category prefixes (limit %d); shorten it "
                       "before migration. The room is not imported." % (len(name), MAX_ROOM_NAME))
                self.counts["rooms_skipped"] += 1
                continue
            if name.casefold() in seen:
                _issue(self.errors, "DUPLICATE_NAME", "Error", label,
                       "Flattened chat room name \"%s\" is also used by \"%s\"; not imported." % (name, seen[name.casefold()]))
                self.counts["rooms_skipped"] += 1
                continue
            seen[name.casefold()] = label
            existing = self._existing_node(name)
            if (existing and existing[1] == S.NODE_CATEGORY) or self.planned.get(name.casefold()) == "category":
                _issue(self.errors, "NAME_CONFLICT", "Error", label,
                       "Chat room \"%s\" has the name of a category; not imported." % name)
                self.counts["rooms_skipped"] += 1
                continue
            invite = None                          # Inherit
            if r["invite"] == 0:
                invite = 0
            elif r["invite"] == 1 and not category_invite:
                invite = 0
                _issue(self.warnings, "INVITATION_CONFLICT", "Warning", label,
                       "Chat room \"%s\" has invitations on but its category has them off; invitations are set to False."
                       % name)
            if r["topic"]:
                self.counts["topics_dropped"] += 1
            if r["logged"] is not None or r["filePost"] is not None:
                self.counts["room_flags_dropped"] += 1
            if r["disabled"]:
                _issue(self.warnings, "DISABLED_ROOM", "Warning", label, "Chat room \"%s\" is imported disabled." % name)
            behavior = r["behavior"] if r["behavior"] in S.TYPE_BY_BEHAVIOR else S.BEH_NORMAL
            visibility = r["visibility"] if r["visibility"] in S.PRIVACY_BY_VISIBILITY else S.VIS_SCOPED
            addin = self.addin_map.get(r["addin"]) if r["addin"] else None
            values = (category_node, name, r["desc"], invite, int(bool(r["disabled"])), behavior, visibility, addin)
            if existing:
                node = existing[0]
                for sql in ("DELETE FROM tblChat WHERE channelId=?", "DELETE FROM tblPrincipalRole WHERE prinRoleNodeID=?",
                            "DELETE FROM tblPrincipalInvites WHERE nodeID=?", "DELETE FROM tblLastChatId WHERE nodeID=?"):
                    self._exec(sql, (node,))
                self._exec("UPDATE tblNode SET parentID=?, nodeName=?, nodeDesc=?, invite=?, disabled=?, behavior=?,"
                           " visibility=?, siopID=?, logged=NULL, filePost=NULL WHERE nodeID=?", values + (node,))
                _issue(self.warnings, "OVERWRITE", "Warning", name,
                       "Chat room \"%s\" already exists in the Persistent Chat pool; it is overwritten with the "
                       "migrated room and its content." % name)
                self.counts["rooms_overwritten"] += 1
            else:
                cur = self._exec("INSERT INTO tblNode (nodeGuid, parentID, nodeType, nodeName, nodeDesc, invite, disabled,"
                                 " behavior, visibility, siopID) VALUES (?,?,0,?,?,?,?,?,?,?)", (r["guid"],) + values)
                node = cur.lastrowid if cur is not None else self._fake()
                self.counts["rooms_created"] += 1
            self._exec("INSERT OR REPLACE INTO tblLastChatId VALUES (?,0)", (node,))
            presenters = self._pids(r["presenters"])
            if presenters and behavior != S.BEH_AUDITORIUM:
                presenters_dropped += 1
                _issue(self.warnings, "PRESENTERS_DROPPED", "Warning", label,
                       "Presenters of Normal chat room \"%s\" are not migrated." % name)
                presenters = []
            managers = list(dict.fromkeys(self._pids(r["managers"]) + self.root_managers))
            self.counts["root_manager_assignments"] += len(set(self.root_managers) - set(self._pids(r["managers"])))
            roles = [(node, p, S.ROLE_MEMBER) for p in self._pids(r["members"])]
            roles += [(node, p, S.ROLE_MANAGER) for p in managers] + [(node, p, S.ROLE_VOICED) for p in presenters]
            if not self.whatif:
                self.conn.executemany("INSERT OR IGNORE INTO tblPrincipalRole VALUES (?,?,?,NULL)", roles)
            self.room_target[r["id"]] = (node, 0)
            self.planned[name.casefold()] = "room"
        if self.root_managers:
            uris = [u for u, pid in self.uri_map.items() if pid in set(self.root_managers)]
            _issue(self.warnings, "ROOT_MANAGERS", "Warning", "Root category",
                   "Managers of the legacy root category become managers of every migrated chat room: %s."
                   % ", ".join(sorted(uris)))
        if self.counts["topics_dropped"]:
            _issue(self.warnings, "TOPIC_DROPPED", "Warning", "Chat rooms",
                   "%d chat room topic(s) have no Persistent Chat equivalent and are dropped." % self.counts["topics_dropped"])
        if self.counts["room_flags_dropped"]:
            _issue(self.warnings, "ROOM_FLAGS_DROPPED", "Warning", "Chat rooms",
                   "%d chat room(s) had their own file-upload or chat-history setting; these are category settings "
                   "in Persistent Chat and are dropped." % self.counts["room_flags_dropped"])

    def content_rooms(self):
        """Content-level files create no rooms: messages go to existing rooms with the flattened name."""
        for ref in _read_jsonl(self.zf, "room_refs.jsonl"):
            if ref["id"] in self.room_target or ref["id"] in self.rooms_in_file:
                continue
            name = flattened_room_name(ref["category_path"], ref["name"])
            row = self.conn.execute("SELECT nodeID FROM tblNode WHERE nodeType=0 AND nodeName = ? COLLATE NOCASE",
                                    (name,)).fetchone()
            if row is None:
                if ref["messages"]:
                    _issue(self.errors, "CONTENT_ROOM_MISSING", "Error", name,
                           "Chat room \"%s\" does not exist; its %d message(s) are not imported." % (name, ref["messages"]))
                continue
            (last,) = self.conn.execute("SELECT COALESCE(MAX(chatId), 0) FROM tblChat WHERE channelId=?", (row[0],)).fetchone()
            self.room_target[ref["id"]] = (row[0], last)

    # ---- messages
    def messages(self):
        batch, last = [], {}
        for m in _read_jsonl(self.zf, "messages.jsonl"):
            self.counts["messages_in_file"] += 1
            target = self.room_target.get(m["room"])
            user = self.uri_map.get((m["user"] or "").casefold())
            if target is None or user is None:
                self.counts["messages_skipped"] += 1
                continue
            node, base = target
            chat_id = base + m["chat"]
            last[node] = max(last.get(node, 0), chat_id)
            self.counts["messages_imported"] += 1
            if self.whatif:
                continue
            batch.append((node, chat_id, m["date"], user, int(m["alert"]), m["content"], m["rtf"]))
            if len(batch) >= _BATCH:
                self.conn.executemany("INSERT INTO tblChat VALUES (?,?,?,?,?,?,?)", batch)
                batch = []
        if batch:
            self.conn.executemany("INSERT INTO tblChat VALUES (?,?,?,?,?,?,?)", batch)
        if not self.whatif:
            self.conn.executemany("INSERT OR REPLACE INTO tblLastChatId VALUES (?,?)", list(last.items()))


def import_(zip_path, mgc_path, report_path=None, whatif: bool = False) -> dict:
    """Apply an export to ``mgc``. Returns {"errors", "warnings", "counts", "whatif", "level", "source"};
    each error/warning is {"id", "severity", "object", "message"}. Damaged files raise ExportFileError
    before anything is written. Items with errors are skipped; everything else is imported."""
    manifest = verify(zip_path)
    mgc_path = Path(mgc_path)
    if whatif:
        conn = _open_ro(mgc_path)
    else:
        if not mgc_path.is_file():
            raise FileNotFoundError("database not found: %s" % mgc_path)
        conn = S.connect(mgc_path)
    try:
        with zipfile.ZipFile(zip_path) as zf:
            imp = _Importer(zf, manifest, conn, whatif)
            if not whatif:
                conn.execute("BEGIN IMMEDIATE")
            try:
                imp.principals()
                imp.addins()
                imp.categories()
                imp.rooms()
                imp.content_rooms()
                imp.messages()
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            if conn.in_transaction:
                conn.execute("COMMIT")
    finally:
        conn.close()
    report = {"errors": imp.errors, "warnings": imp.warnings, "counts": imp.counts, "whatif": bool(whatif),
              "level": manifest["parameters"]["level"], "source": manifest["source"]}
    if report_path:
        _write_import_report(report_path, report, zip_path)
    return report


# ============================================================================================ reports
_CSS = ("body{font-family:Segoe UI,Arial,sans-serif;font-size:13px}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:2px 6px;text-align:left}.Error{color:#a00}.Warning{color:#a60}")


def _h(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _write(path, title, body):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        out.write("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title><style>%s</style></head><body>\n"
                  % (_h(title), _CSS))
        for chunk in body:
            out.write(chunk)
        out.write("</body></html>\n")


def _table(rows, header):
    yield "<table><tr>%s</tr>\n" % "".join("<th>%s</th>" % _h(h) for h in header)
    for row in rows:
        yield "<tr>%s</tr>\n" % "".join("<td>%s</td>" % _h(v) for v in row)
    yield "</table>\n"


def _write_export_report(path, summary, room_counts):
    def body():
        yield "<h1>Export-CsPersistentChatData</h1>\n"
        params = summary["parameters"]
        yield from _table([("Source", "%s %s" % (summary["source"]["flavour"], summary["source"]["version"])),
                           ("Level", params["level"]), ("Scope", ", ".join(params["scope"] or []) or "(all)"),
                           ("StartDate", params["start_date"] or "(none)"), ("File", summary["zip"])], ("Parameter", "Value"))
        yield "<h2>Counts</h2>\n"
        yield from _table(sorted(summary["counts"].items()), ("Object", "Count"))
        if room_counts:
            yield "<h2>Chat rooms</h2>\n"
            yield from _table(((" / ".join(r["category_path"]), r["name"], r["messages"]) for r in room_counts),
                              ("Category", "Chat room", "Messages"))
    _write(path, "Export-CsPersistentChatData report", body())


def _write_import_report(path, report, zip_path):
    def body():
        yield "<h1>Import-CsPersistentChatData%s</h1>\n" % (" (WhatIf: no change was made)" if report["whatif"] else "")
        yield "<p>File: %s &mdash; level %s &mdash; source %s %s</p>\n" % (
            _h(zip_path), _h(report["level"]), _h(report["source"]["flavour"]), _h(report["source"]["version"]))
        yield "<h2>Summary</h2>\n"
        yield from _table([("Errors", len(report["errors"])), ("Warnings", len(report["warnings"]))]
                          + sorted(report["counts"].items()), ("Item", "Count"))
        for title, items in (("Errors", report["errors"]), ("Warnings", report["warnings"])):
            yield "<h2>%s</h2>\n" % title
            yield "<table><tr><th>Id</th><th>Severity</th><th>Object</th><th>Message</th></tr>\n"
            for item in items:
                yield "<tr class=\"%s\"><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n" % (
                    _h(item["severity"]), _h(item["id"]), _h(item["severity"]), _h(item["object"]), _h(item["message"]))
            yield "</table>\n"
    _write(path, "Import-CsPersistentChatData report", body())
