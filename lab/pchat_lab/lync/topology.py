"""The ``lync:`` section of a topology, read once into plain objects with every default written down.

Keys are documented in topologies/lync2010.yaml. [ASSUMED] marks lab defaults where Microsoft is silent.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass
class ServiceSpec:
    name: str
    display_name: str
    role: str = ""


@dataclass
class SqlStore:
    instance: str            # "sqlfqdn\INSTANCE"
    database: str


@dataclass
class FrontEndPool:
    fqdn: str
    servers: list
    version: int
    services: list


@dataclass
class PersistentChatPool:
    fqdn: str
    servers: list
    sip_port: int
    compliance: bool
    file_store: str
    store: SqlStore
    compliance_store: SqlStore
    services: list
    initial_status: str
    default_endpoint: str
    # New-/Set- with a Name that begins or ends with white space: "refuse" (default) or "accept" (COVERAGE.md).
    outer_space_names: str = "refuse"


@dataclass
class LegacyGroupChat:
    flavour: str             # "lync2010" | "ocs2007r2"
    servers: list
    services: list
    store: SqlStore
    file_repository: str
    lookup_user: str
    trusted_application_pool: Optional[dict]
    trusted_application: Optional[dict]
    seed_offset: int = 0     # added to the lab's seed, so that each legacy pool holds its own data

    def service(self, role: str) -> Optional[ServiceSpec]:
        for svc in self.services:
            if svc.role == role:
                return svc
        return None


@dataclass
class DirectorySpec:
    ous: list
    users: list
    groups: list
    federated_users: list
    rbac_groups: list
    recycle_bin: bool = True


@dataclass
class LyncTopology:
    domain: str
    netbios: str
    sip_domain: str
    site_name: str
    site_id: int
    frontend_pool: FrontEndPool
    legacy_pool_fqdn: str
    legacy_pool_version: int
    pc_pools: list           # [PersistentChatPool]: persistent_chat_pool, or persistent_chat_pools
    legacies: list           # [LegacyGroupChat]: legacy_group_chat, or legacy_group_chats
    directory: DirectorySpec
    legacy_rate: float
    pc_rate: float
    rows_per_second: float
    policies: list = field(default_factory=list)     # [{identity, enable_persistent_chat, description}]
    extra: dict = field(default_factory=dict)

    @property
    def pc_pool(self) -> PersistentChatPool:
        """The first Persistent Chat pool: the only one of a single-pool topology."""
        return self.pc_pools[0]

    @property
    def legacy(self) -> LegacyGroupChat:
        """The first legacy Group Chat pool: the only one of a single-pool topology."""
        return self.legacies[0]

    def pc_pool_named(self, fqdn) -> Optional[PersistentChatPool]:
        wanted = str(fqdn or "").strip().lower()
        return next((pool for pool in self.pc_pools if pool.fqdn.lower() == wanted), None)


_LEGACY_SERVICE_DEFAULTS = {
    # [ASSUMED] service names; the display names follow the product name of each flavour.
    "lync2010": "Lync Server Group Chat",
    "ocs2007r2": "Office Communications Server Group Chat",
}


def _services(items, defaults) -> list:
    return [ServiceSpec(name=i["name"], display_name=i.get("display_name", i["name"]), role=i.get("role", ""))
            for i in (items if items is not None else defaults)]


def _store(item: Optional[dict], instance: str, database: str) -> SqlStore:
    item = item or {}
    return SqlStore(instance=item.get("instance", instance), database=item.get("database", database))


def _choice(section: dict, key: str, allowed: tuple) -> str:
    """A setting that names one of ``allowed`` (the first is the default)."""
    value = str(section.get(key, allowed[0])).lower()
    if value not in allowed:
        raise ValueError("lync.persistent_chat_pool.%s must be one of %s, not %r" % (key, ", ".join(allowed), value))
    return value


def parse(topology: dict) -> LyncTopology:
    domain = topology.get("domain", "contoso.local")
    section = topology.get("lync") or {}
    sip_domain = section.get("sip_domain", domain)
    site = section.get("site") or {}

    fe = section.get("frontend_pool") or {}
    frontend = FrontEndPool(
        fqdn=fe.get("fqdn", "pool01.%s" % domain), servers=list(fe.get("servers", ["FE01"])),
        version=int(fe.get("version", 6)),
        services=_services(fe.get("services"), [{"name": "RTCSRV", "display_name": "Lync Server Front-End"}]))
    legacy_fe = section.get("legacy_frontend_pool") or {}

    pc_pools = [_pc_pool(item, domain, sip_domain, index)
                for index, item in enumerate(_sections(section, "persistent_chat_pool"))]
    legacies = [_legacy(item, domain, sip_domain, index)
                for index, item in enumerate(_sections(section, "legacy_group_chat"))]
    _refuse_shared_stores(pc_pools, legacies)

    ds = section.get("directory") or {}
    directory = DirectorySpec(
        ous=list(ds.get("ous", [])), users=list(ds.get("users", [])), groups=list(ds.get("groups", [])),
        federated_users=list(ds.get("federated_users", [])),
        rbac_groups=list(ds.get("rbac_groups", ["CsPersistentChatAdministrator", "RTCUniversalServerAdmins",
                                                "CsAdministrator", "CsUserAdministrator"])),
        recycle_bin=bool(ds.get("ad_recycle_bin", True)))
    traffic = section.get("traffic") or {}
    migration = section.get("migration") or {}
    return LyncTopology(
        domain=domain, netbios=topology.get("netbios", domain.split(".")[0].upper()), sip_domain=sip_domain,
        site_name=site.get("name", "Redmond"), site_id=int(site.get("id", 1)), frontend_pool=frontend,
        legacy_pool_fqdn=legacy_fe.get("fqdn", "pool2010.%s" % domain),
        legacy_pool_version=int(legacy_fe.get("version", 5)), pc_pools=pc_pools, legacies=legacies,
        directory=directory,
        legacy_rate=float(traffic.get("legacy_messages_per_second", 0.5)),
        pc_rate=float(traffic.get("persistent_chat_messages_per_second", 0.5)),
        rows_per_second=float(migration.get("rows_per_second", 5000)),
        policies=list(section.get("persistent_chat_policies") or []))


def _sections(section: dict, key: str) -> list:
    """``key`` (one pool) or ``key + "s"`` (a list of pools, the first being the primary one); both may not
    be given. Several pools: each has its own servers, SQL store and file store [DOC §1.4: a legacy pool is
    migrated into one Persistent Chat pool; each 2013 pool has its own back-end store]."""
    one, many = section.get(key), section.get(key + "s")
    if one is not None and many is not None:
        raise ValueError("lync: give %s or %ss, not both" % (key, key))
    if many is not None:
        if not isinstance(many, list) or not many:
            raise ValueError("lync.%ss must be a non-empty list" % key)
        return many
    return [one or {}]


def _pc_pool(pc: dict, domain: str, sip_domain: str, index: int) -> PersistentChatPool:
    number = index + 1
    suffix = "" if index == 0 else str(number)
    return PersistentChatPool(
        fqdn=pc.get("fqdn", "pcpool%s.%s" % (suffix, domain)), servers=list(pc.get("servers", ["PC0%d" % number])),
        sip_port=int(pc.get("sip_port", 5041)), compliance=bool(pc.get("compliance", True)),
        file_store=pc.get("file_store", "\\\\fs01\\LyncShare\\%d-PersistentChatService-%d" % (number, number)),
        store=_store(pc.get("store"), "sql01.%s\\RTC%s" % (domain, suffix), "mgc"),
        compliance_store=_store(pc.get("compliance_store"), "sql01.%s\\RTC%s" % (domain, suffix), "mgccomp"),
        services=_services(pc.get("services"), [
            {"role": "channel", "name": "RTCCHAT", "display_name": "Lync Server Persistent Chat"},
            {"role": "compliance", "name": "RTCCHATCOMPLIANCE",
             "display_name": "Lync Server Persistent Chat Compliance"}]),
        initial_status=pc.get("initial_status", "Running"),
        default_endpoint=pc.get("default_endpoint",
                                "sip:GC-1-PersistentChatService-%d@%s" % (number + 1, sip_domain)),
        outer_space_names=_choice(pc, "outer_space_names", ("refuse", "accept")))


def _legacy(gc: dict, domain: str, sip_domain: str, index: int) -> LegacyGroupChat:
    suffix = "" if index == 0 else str(index + 1)
    flavour = gc.get("flavour", "lync2010")
    if flavour not in _LEGACY_SERVICE_DEFAULTS:
        raise ValueError("lync.legacy_group_chat.flavour must be lync2010 or ocs2007r2, not %r" % flavour)
    product = _LEGACY_SERVICE_DEFAULTS[flavour]
    return LegacyGroupChat(
        flavour=flavour, servers=list(gc.get("servers", ["GC0%d" % (index + 1)])),
        services=_services(gc.get("services"), [
            {"role": role, "name": "GroupChat" + role.capitalize(),
             "display_name": "%s %s" % (product, label)}
            for role, label in (("lookup", "Lookup"), ("channel", "Channel"), ("compliance", "Compliance"),
                                ("web", "Web Service"))]),
        store=_store(gc.get("store"), "sql01.%s\\GROUPCHAT%s" % (domain, suffix), "GroupChat"),
        file_repository=gc.get("file_repository", "\\\\gc0%d\\GroupChatFiles" % (index + 1)),
        lookup_user=gc.get("lookup_user", "ocschat%s@%s" % (suffix, sip_domain)),
        trusted_application_pool=gc.get("trusted_application_pool"),
        trusted_application=gc.get("trusted_application"),
        seed_offset=int(gc.get("seed_offset", index)))


def _refuse_shared_stores(pc_pools: list, legacies: list) -> None:
    """Two pools on one database would be one pool: refused when the topology is read."""
    seen = {}
    stores = [("persistent_chat_pool %s" % p.fqdn, p.store) for p in pc_pools]
    stores += [("legacy_group_chat %s" % ",".join(g.servers), g.store) for g in legacies]
    for owner, store in stores:
        key = (store.instance.lower(), store.database.lower())
        if key in seen:
            raise ValueError("lync: %s and %s use the same database %s on %s" % (
                seen[key], owner, store.database, store.instance))
        seen[key] = owner
    names = [pool.fqdn.lower() for pool in pc_pools]
    if len(set(names)) != len(names):
        raise ValueError("lync: two Persistent Chat pools share one FQDN: %s" % ", ".join(names))
