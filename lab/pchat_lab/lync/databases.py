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
        return self.legacy_path_of(self.topo.legacy)

    @property
    def mgc_path(self) -> Path:
        return self.mgc_path_of(self.topo.pc_pool)

    @property
    def mgccomp_path(self) -> Path:
        return self.mgccomp_path_of(self.topo.pc_pool)

    def legacy_path_of(self, legacy) -> Path:
        return self.path(legacy.store.instance, legacy.store.database)

    def mgc_path_of(self, pool) -> Path:
        return self.path(pool.store.instance, pool.store.database)

    def mgccomp_path_of(self, pool) -> Path:
        return self.path(pool.compliance_store.instance, pool.compliance_store.database)

    def pc_pool_of_instance(self, instance: str):
        """The Persistent Chat pool whose back-end store is on ``instance`` (Import-CsPersistentChatData names
        the pool by its -DBInstance only [DOC §3.2]), or None."""
        try:
            wanted = instances.instance_key(instance)
        except ValueError:
            return None
        return next((pool for pool in self.topo.pc_pools if instances.instance_key(pool.store.instance) == wanted),
                    None)

    def _stores(self) -> list:
        stores = [legacy.store for legacy in self.topo.legacies]
        for pool in self.topo.pc_pools:
            stores += [pool.store, pool.compliance_store]
        return stores

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
        return any(instances.instance_key(s.instance) == wanted for s in self._stores())

    def create_and_seed(self) -> None:
        # A reset forgets every database, including those restored under other names.
        shutil.rmtree(Path(self.lab.state_dir) / "sql", ignore_errors=True)
        pools = self.topo.pc_pools
        summaries = []
        for index, legacy in enumerate(self.topo.legacies):
            # Legacy pool n is migrated into Persistent Chat pool n (or the last one, when there are fewer).
            summaries.append(self._create_and_seed_pair(legacy, pools[min(index, len(pools) - 1)]))
        for pool in pools[len(self.topo.legacies):]:
            summaries.append(self._create_and_seed_pair(None, pool))
        self.seed_summary = dict(summaries[0], pools=summaries) if len(summaries) > 1 else summaries[0]

    def _create_and_seed_pair(self, legacy, pool) -> dict:
        repository = unc_to_real(self.lab, legacy.file_repository) if legacy is not None else None
        if repository is not None:
            repository.mkdir(parents=True, exist_ok=True)
        store = unc_to_real(self.lab, pool.file_store)
        if store is not None:
            store.mkdir(parents=True, exist_ok=True)
        paths = {"mgc": self.mgc_path_of(pool), "mgccomp": self.mgccomp_path_of(pool)}
        if legacy is not None:
            paths["legacy"] = self.legacy_path_of(legacy)
        flavour = legacy.flavour if legacy is not None else self.topo.legacy.flavour
        try:
            from ..chatdb import datasets
            return datasets.seed(
                paths, self.lab.dataset, seed=getattr(self.lab, "seed", 0) + (legacy.seed_offset if legacy else 0),
                flavour=flavour, filestore_dir=repository, pool_fqdn=pool.fqdn, domain=self.topo.sip_domain,
                filestore_uri=("https://%s.%s/GroupChat/" % (legacy.servers[0].lower(), self.topo.domain)
                               if legacy is not None and legacy is not self.topo.legacy else None)) or {}
        except NotImplementedError:
            # chatdb's datasets are not written yet: empty but valid databases.
            self.seed_error = "chatdb.datasets.seed is not implemented; databases are empty"
            if legacy is not None:
                chatdb.create_legacy(paths["legacy"], flavour,
                                     filestore_uri="https://%s/GroupChat/" % legacy.servers[0].lower())
            chatdb.create_mgc(paths["mgc"], pool.fqdn)
            chatdb.create_mgccomp(paths["mgccomp"])
            return {}

    def legacy_principals(self, legacy=None) -> list:
        """(uri, AD path, display name, type) of every principal of the legacy database (of ``legacy``)."""
        from ..chatdb import schema
        path = self.legacy_path_of(legacy or self.topo.legacy)
        if not path.is_file():
            return []
        conn = schema.connect(path)
        try:
            return conn.execute("SELECT prinUri, prinADPath, prinDisplayName, prinTypeID FROM tblPrincipal"
                                " ORDER BY prinID").fetchall()
        finally:
            conn.close()

    def store(self, pool=None):
        """The 2013 object model (categories, rooms, add-ins) over the mgc of ``pool`` (default the first)."""
        from ..chatdb.store import ChatStore
        store = ChatStore(self.mgc_path_of(pool or self.topo.pc_pool))
        store.pool_fqdn = (pool or self.topo.pc_pool).fqdn
        return store

    def post_random_message(self, kind: str, rng, path=None) -> bool:
        """One message from a random active user principal to a random enabled room of the legacy
        database (kind "legacy") or mgc ("persistent_chat"), or of the database at ``path``. False when
        there is no room or user."""
        from ..chatdb import schema
        path = path or (self.legacy_path if kind == "legacy" else self.mgc_path)
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
        result = {}
        for legacy in self.topo.legacies:
            store = legacy.store
            result[store.instance] = instances.odbc_connection_string(self.legacy_path_of(legacy))
            result["%s/%s" % (store.instance, store.database)] = result[store.instance]
        for pc in self.topo.pc_pools:
            result[pc.store.instance] = instances.odbc_connection_string(self.mgc_path_of(pc))
            # mgccomp shares the RTC instance: named "<instance>/<database>" for the same reason.
            result["%s/%s" % (pc.compliance_store.instance, pc.compliance_store.database)] = \
                instances.odbc_connection_string(self.mgccomp_path_of(pc))
            result["%s/%s" % (pc.store.instance, pc.store.database)] = result[pc.store.instance]
        return result

    def describe(self) -> dict:
        return {"legacy": str(self.legacy_path), "mgc": str(self.mgc_path), "mgccomp": str(self.mgccomp_path),
                "pools": [{"persistent_chat_pool": pool.fqdn, "mgc": str(self.mgc_path_of(pool)),
                           "mgccomp": str(self.mgccomp_path_of(pool))} for pool in self.topo.pc_pools],
                "legacy_pools": [{"servers": legacy.servers, "legacy": str(self.legacy_path_of(legacy))}
                                 for legacy in self.topo.legacies],
                "seed_summary": self.seed_summary, "seed_error": self.seed_error}
