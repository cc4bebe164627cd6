"""The SQL databases of the topology (legacy Group Chat, mgc, mgccomp) as chatdb SQLite files, and the
UNC paths of the topology (file repository, file store) as real folders of the hosts."""
from __future__ import annotations

import datetime as _dt
import shutil
from pathlib import Path
from typing import Optional

from .. import chatdb
from ..chatdb import instances


def unc_to_real(lab, unc: str) -> Optional[Path]:
    """``\\\\host\\share\\rest`` -> the real folder standing for it, or None when host/share is unknown."""
    text = unc.replace("/", "\\")
    if not text.startswith("\\\\"):
        return None
    parts = [p for p in text[2:].split("\\") if p]
    if len(parts) < 2:
        return None
    host = lab.host(parts[0])
    if host is None:
        return None
    share = host.shares.get(parts[1].lower())
    if share is None:
        return None
    return host.drives[share.drive].root.joinpath(*share.parts, *parts[2:])


class ChatDatabases:
    def __init__(self, lab, topo) -> None:
        self.lab = lab
        self.topo = topo
        self.seed_summary: dict = {}
        self.seed_error: str = ""

    def path(self, instance: str, database: str) -> Path:
        return instances.database_path(self.lab.state_dir, instance, database)

    @property
    def legacy_path(self) -> Path:
        return self.path(self.topo.legacy.store.instance, self.topo.legacy.store.database)

    @property
    def mgc_path(self) -> Path:
        return self.path(self.topo.pc_pool.store.instance, self.topo.pc_pool.store.database)

    @property
    def mgccomp_path(self) -> Path:
        return self.path(self.topo.pc_pool.compliance_store.instance, self.topo.pc_pool.compliance_store.database)

    def exists(self, instance: str, database: str) -> bool:
        try:
            return self.path(instance, database).is_file()
        except ValueError:
            return False

    def instance_known(self, instance: str) -> bool:
        """True when some database of the topology lives on this SQL instance."""
        try:
            wanted = instances.instance_key(instance)
        except ValueError:
            return False
        stores = (self.topo.legacy.store, self.topo.pc_pool.store, self.topo.pc_pool.compliance_store)
        return any(instances.instance_key(s.instance) == wanted for s in stores)

    def create_and_seed(self) -> None:
        # A reset forgets every database, including those restored under other names.
        shutil.rmtree(Path(self.lab.state_dir) / "sql", ignore_errors=True)
        repository = unc_to_real(self.lab, self.topo.legacy.file_repository)
        if repository is not None:
            repository.mkdir(parents=True, exist_ok=True)
        store = unc_to_real(self.lab, self.topo.pc_pool.file_store)
        if store is not None:
            store.mkdir(parents=True, exist_ok=True)
        paths = {"legacy": self.legacy_path, "mgc": self.mgc_path, "mgccomp": self.mgccomp_path}
        try:
            from ..chatdb import datasets
            self.seed_summary = datasets.seed(
                paths, self.lab.dataset, seed=getattr(self.lab, "seed", 0), flavour=self.topo.legacy.flavour, filestore_dir=repository,
                pool_fqdn=self.topo.pc_pool.fqdn, domain=self.topo.sip_domain) or {}
        except NotImplementedError:
            # chatdb's datasets are not written yet: empty but valid databases.
            self.seed_error = "chatdb.datasets.seed is not implemented; databases are empty"
            chatdb.create_legacy(paths["legacy"], self.topo.legacy.flavour,
                                 filestore_uri="https://%s/GroupChat/" % self.topo.legacy.servers[0].lower())
            chatdb.create_mgc(paths["mgc"], self.topo.pc_pool.fqdn)
            chatdb.create_mgccomp(paths["mgccomp"])

    def legacy_principals(self) -> list:
        """(uri, AD path, display name, type) of every principal of the legacy database."""
        from ..chatdb import schema
        if not self.legacy_path.is_file():
            return []
        conn = schema.connect(self.legacy_path)
        try:
            return conn.execute("SELECT prinUri, prinADPath, prinDisplayName, prinTypeID FROM tblPrincipal"
                                " ORDER BY prinID").fetchall()
        finally:
            conn.close()

    def store(self):
        """The 2013 object model (categories, rooms, add-ins) over mgc."""
        from ..chatdb.store import ChatStore
        return ChatStore(self.mgc_path)

    def post_random_message(self, kind: str, rng) -> bool:
        """One message from a random active user principal to a random enabled room of the legacy
        database (kind "legacy") or mgc ("persistent_chat"). False when there is no room or user."""
        from ..chatdb import schema
        path = self.legacy_path if kind == "legacy" else self.mgc_path
        if not path.is_file():
            return False
        conn = schema.connect(path)
        try:
            rooms = [r[0] for r in conn.execute(
                "SELECT nodeID FROM tblNode WHERE nodeType = 0 AND COALESCE(disabled, 0) = 0 ORDER BY nodeID")]
            users = [r[0] for r in conn.execute(
                "SELECT prinID FROM tblPrincipal WHERE prinTypeID = ? AND prinDisabled = 0 ORDER BY prinID",
                (schema.PTYPE_USER,))]
            if not rooms or not users:
                return False
            room, user = rng.choice(rooms), rng.choice(users)
            conn.execute("BEGIN IMMEDIATE")
            row = conn.execute("SELECT lastChatID FROM tblLastChatId WHERE nodeID = ?", (room,)).fetchone()
            if row is None:
                row = conn.execute("SELECT COALESCE(MAX(chatId), 0) FROM tblChat WHERE channelId = ?",
                                   (room,)).fetchone()
            chat_id = int(row[0]) + 1
            conn.execute("INSERT OR REPLACE INTO tblLastChatId (nodeID, lastChatID) VALUES (?, ?)", (room, chat_id))
            conn.execute("INSERT INTO tblChat (channelId, chatId, chatDate, userId, isAlert, content)"
                         " VALUES (?, ?, ?, ?, 0, ?)",
                         (room, chat_id, schema.ticks_from_datetime(_dt.datetime.now(_dt.timezone.utc)), user,
                          "Background message %d" % chat_id))
            conn.execute("COMMIT")
            return True
        except Exception:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    def odbc_connection_strings(self) -> dict:
        legacy = self.topo.legacy.store
        pc = self.topo.pc_pool
        result = {legacy.instance: instances.odbc_connection_string(self.legacy_path),
                  pc.store.instance: instances.odbc_connection_string(self.mgc_path)}
        # mgccomp shares the RTC instance: named "<instance>/<database>" for the same reason.
        result["%s/%s" % (pc.compliance_store.instance, pc.compliance_store.database)] = \
            instances.odbc_connection_string(self.mgccomp_path)
        result["%s/%s" % (legacy.instance, legacy.database)] = result[legacy.instance]
        result["%s/%s" % (pc.store.instance, pc.store.database)] = result[pc.store.instance]
        return result

    def describe(self) -> dict:
        return {"legacy": str(self.legacy_path), "mgc": str(self.mgc_path), "mgccomp": str(self.mgccomp_path),
                "seed_summary": self.seed_summary, "seed_error": self.seed_error}
