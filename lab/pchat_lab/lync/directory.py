"""Active Directory as Lync sees it: users (SIP-enabled or not), groups, OUs and the Persistent Chat
contact objects (endpoints). Deterministic GUIDs/SIDs so a reset gives the same identities."""
from __future__ import annotations

import datetime as _dt
import uuid
from dataclasses import dataclass, field
from typing import Optional

_NS = uuid.UUID("5d1f0a51-7a6b-4c4e-9d25-6c0a2b1e7f10")


def _guid(kind: str, key: str) -> str:
    return str(uuid.uuid5(_NS, "%s:%s" % (kind, key.lower())))


def domain_dn(domain: str) -> str:
    return ",".join("DC=%s" % part for part in domain.split("."))


def normalise_sip(value: str) -> str:
    """``sip:`` + the address as written (SIP URIs compare case-insensitively: use sip_key)."""
    value = value.strip()
    if value.lower().startswith("sip:"):
        value = value[4:]
    return "sip:" + value


def sip_key(value: str) -> str:
    return normalise_sip(value).lower()


@dataclass
class ADUser:
    sam: str
    name: str
    dn: str
    upn: str
    guid: str
    sid: str
    sip_address: str = ""            # "sip:x@domain" or "" when not SIP-enabled
    registrar_pool: str = ""
    persistent_chat_policy: Optional[str] = None
    enabled: bool = True
    federated: bool = False
    # A lab password only for users whose logon a cmdlet checks (synthetic-test users); never dumped or printed.
    password: Optional[str] = field(default=None, repr=False, compare=False)

    @property
    def lync_enabled(self) -> bool:
        return bool(self.sip_address)


@dataclass
class ADGroup:
    name: str
    dn: str
    guid: str
    sid: str
    members: list = field(default_factory=list)     # sAMAccountNames of users or names of groups


@dataclass
class DeletedObject:
    """A user in CN=Deleted Objects. With the Recycle Bin on it keeps every attribute and its group
    memberships (linked attributes) [DOC: AD Recycle Bin, Windows Server 2008 R2+]; without it, it is a
    tombstone that kept only the attributes AD preserves on deletion (GUID, SID, sAMAccountName, RDN,
    last known parent) [DOC: tombstone reanimation]."""
    user: ADUser
    rdn: str
    last_known_parent: str
    when_changed: _dt.datetime
    recycle_bin: bool
    base_dn: str
    groups: list = field(default_factory=list)      # names of the groups it was a direct member of

    @property
    def dn(self) -> str:
        """As AD prints it: the RDN, an escaped line feed, DEL:<GUID>, in the domain's Deleted Objects."""
        return "CN=%s\\0ADEL:%s,CN=Deleted Objects,%s" % (self.rdn, self.user.guid, self.base_dn)

    @property
    def name(self) -> str:
        return "%s\nDEL:%s" % (self.rdn, self.user.guid)


@dataclass
class ChatEndpoint:
    sip_address: str
    display_name: str
    pool_fqdn: str
    guid: str
    dn: str


class Directory:
    def __init__(self, topo) -> None:
        self.topo = topo
        self.base_dn = domain_dn(topo.domain)
        self.users: dict[str, ADUser] = {}          # by lower sam
        self.groups: dict[str, ADGroup] = {}        # by lower name
        self.ous: list[str] = list(topo.directory.ous)
        self.endpoints: list[ChatEndpoint] = []
        self.federated: list[str] = [normalise_sip(s) for s in topo.directory.federated_users]
        self.recycle_bin: bool = bool(getattr(topo.directory, "recycle_bin", True))
        self.deleted: list[DeletedObject] = []
        self.built_at = _dt.datetime.now().replace(microsecond=0)
        self._rid = 1100

    # --- building --------------------------------------------------------------------------------
    def _sid(self) -> str:
        self._rid += 1
        return "S-1-5-21-1004336348-1177238915-682003330-%d" % self._rid

    def add_user(self, sam: str, name: str, ou: str = "", sip: str = "", pool: str = "",
                 dn: str = "") -> ADUser:
        container = ou or "CN=Users,%s" % self.base_dn
        user = ADUser(sam=sam, name=name, dn=dn or "CN=%s,%s" % (name, container),
                      upn="%s@%s" % (sam, self.topo.domain), guid=_guid("user", sam), sid=self._sid(),
                      sip_address=normalise_sip(sip) if sip else "", registrar_pool=pool if sip else "")
        self.users[sam.lower()] = user
        return user

    def add_group(self, name: str, members=(), ou: str = "") -> ADGroup:
        container = ou or "CN=Users,%s" % self.base_dn
        group = self.groups.get(name.lower())
        if group is None:
            group = ADGroup(name=name, dn="CN=%s,%s" % (name, container), guid=_guid("group", name),
                            sid=self._sid())
            self.groups[name.lower()] = group
        for member in members:
            if member.lower() not in {m.lower() for m in group.members}:
                group.members.append(member)
        return group

    @classmethod
    def build(cls, topo, accounts: list) -> "Directory":
        d = cls(topo)
        pools = {"2013": topo.frontend_pool.fqdn, "legacy": topo.legacy_pool_fqdn}
        for spec in topo.directory.users:
            pool = pools.get(str(spec.get("pool", "2013")).lower(), str(spec.get("pool", "")))
            user = d.add_user(spec["sam"], spec.get("name", spec["sam"]), spec.get("ou", ""), spec.get("sip", ""), pool)
            user.password = spec.get("password")
            user.persistent_chat_policy = spec.get("persistent_chat_policy") or None
        for account in accounts:
            if account["user"].lower() not in d.users:
                d.add_user(account["user"], account.get("full_name", account["user"]))
        for name in topo.directory.rbac_groups:
            d.add_group(name)
        for spec in topo.directory.groups:
            d.add_group(spec["name"], spec.get("members", []), spec.get("ou", ""))
        # Topology accounts are members of the groups their entry lists (RBAC groups included).
        for account in accounts:
            for group in account.get("groups", []):
                d.add_group(group, [account["user"]])
        return d

    def add_chat_principals(self, principals, pool: str) -> None:
        """Users and groups the legacy Group Chat database knows (AD-synced principals there), so that
        AD, Lync and the database agree. Federated principals (no AD path) stay out of AD."""
        for uri, ad_path, display, ptype in principals:
            if not ad_path:
                continue
            if ptype == 5 and uri.lower().startswith("sip:"):
                sam = uri[4:].split("@", 1)[0]
                if sam.lower() not in self.users:
                    self.add_user(sam, display or sam, sip=uri, pool=pool, dn=ad_path)
            elif ptype == 9 and ad_path.upper().startswith("CN="):
                name = ad_path.split(",", 1)[0][3:]
                if name.lower() not in self.groups:
                    self.add_group(name, ou=ad_path.split(",", 1)[1])

    # --- lookups ---------------------------------------------------------------------------------
    def find_user(self, identity: str) -> Optional[ADUser]:
        """Identity as Lync and AD accept it: sAMAccountName, DOMAIN\\sam, UPN, sip:address, DN,
        display name or GUID (case-insensitive)."""
        key = identity.strip().lower()
        if "\\" in key:
            key = key.split("\\", 1)[1]
        for user in self.users.values():
            if key in (user.sam.lower(), user.upn.lower(), user.dn.lower(), user.name.lower(), user.guid):
                return user
            if user.sip_address and sip_key(key) == user.sip_address.lower() and (
                    key.startswith("sip:") or "@" in key):
                return user
        return None

    def find_group(self, identity: str) -> Optional[ADGroup]:
        key = identity.strip().lower()
        if "\\" in key:
            key = key.split("\\", 1)[1]
        for group in self.groups.values():
            if key in (group.name.lower(), group.dn.lower(), group.guid, group.sid.lower()):
                return group
        return None

    def chat_principal(self, identity: str) -> Optional[dict]:
        """What the Persistent Chat AD sync would provision for a SIP URI or a distinguished name: a
        SIP-enabled user, a group, an OU or the domain. None for anything AD does not hold (federated
        users, unknown names), which the cmdlets then refuse as "not provisioned" [DOC §6.14]."""
        key = identity.strip()
        low = key.lower()
        if low.startswith("sip:") or "=" not in low:
            user = self.find_user(key) if low.startswith("sip:") else None
            if user is None or not user.lync_enabled or user.federated:
                return None
            return dict(uri=user.sip_address, ad_path=user.dn, display_name=user.name, ptype=5, guid=user.guid)
        user = next((u for u in self.users.values() if u.dn.lower() == low), None)
        if user is not None:
            if not user.lync_enabled:
                return None
            return dict(uri=user.sip_address, ad_path=user.dn, display_name=user.name, ptype=5, guid=user.guid)
        group = next((g for g in self.groups.values() if g.dn.lower() == low), None)
        if group is not None:
            return dict(ad_path=group.dn, display_name=group.name, ptype=9, guid=group.guid)
        if low in (ou.lower() for ou in self.ous):
            return dict(ad_path=key, display_name=key.split(",", 1)[0][3:], ptype=10, guid=_guid("ou", low))
        container = self._container(key)
        if container is not None:
            # [DOC: Manage rooms page, `-Members @{Add="sip:user1@contoso.com", "CN=container,DC=contoso,DC=com"}`]
            # containers are scope principals like OUs (tblPrincipalType 10 "Folder": container/OU [DOC §4.2]).
            return dict(ad_path=container, display_name=container.split(",", 1)[0][3:], ptype=10,
                        guid=_guid("container", container))
        if low == self.base_dn.lower():
            return dict(ad_path=self.base_dn, display_name=self.topo.domain, ptype=8, guid=_guid("dc", low))
        return None

    # --- containers and principals (Get-CsAdPrincipal, Persistent Chat scopes) -------------------------
    def containers(self) -> list:
        """Container objects (objectClass container): the domain's default CN=Users and CN=Computers
        [DOC: AD default containers] and any other CN= parent of a user or group."""
        found = {}
        parents = [x.dn.split(",", 1)[1] for x in list(self.users.values()) + list(self.groups.values())]
        for dn in ["CN=Users,%s" % self.base_dn, "CN=Computers,%s" % self.base_dn] + parents:
            if dn.lower().startswith("cn=") and dn.lower().endswith(self.base_dn.lower()):
                found.setdefault(dn.lower(), dn)
        return list(found.values())

    def _container(self, dn: str) -> Optional[str]:
        return next((c for c in self.containers() if c.lower() == dn.strip().lower()), None)

    def principals(self) -> list:
        """Every AD object Get-CsAdPrincipal returns, as (kind, object classes [DOC], dict of properties):
        users, groups, contacts (the Persistent Chat endpoints), containers, OUs and the domain."""
        out = []
        for user in self.users.values():
            out.append(("user", ["top", "person", "organizationalPerson", "user"], dict(
                dn=user.dn, name=user.name, display=user.name, sip=user.sip_address or None, guid=user.guid,
                sam=user.sam, upn=user.upn)))
        for group in self.groups.values():
            out.append(("group", ["top", "group"], dict(dn=group.dn, name=group.name, display=group.name, sip=None,
                                                         guid=group.guid, sam=group.name, upn=None)))
        for endpoint in self.endpoints:
            out.append(("contact", ["top", "person", "organizationalPerson", "contact"], dict(
                dn=endpoint.dn, name="{%s}" % endpoint.guid, display=endpoint.display_name,
                sip=endpoint.sip_address, guid=endpoint.guid, sam=None, upn=None)))
        for container in self.containers():
            out.append(("container", ["top", "container"], dict(
                dn=container, name=container.split(",", 1)[0][3:], display=None, sip=None,
                guid=_guid("container", container), sam=None, upn=None)))
        for ou in self.ous:
            out.append(("organizationalUnit", ["top", "organizationalUnit"], dict(
                dn=ou, name=ou.split(",", 1)[0][3:], display=None, sip=None, guid=_guid("ou", ou.lower()),
                sam=None, upn=None)))
        out.append(("domain", ["top", "domain", "domainDNS"], dict(
            dn=self.base_dn, name=self.base_dn.split(",", 1)[0][3:], display=None, sip=None,
            guid=_guid("dc", self.base_dn.lower()), sam=None, upn=None)))
        return out

    def users_covered_by(self, entry: str) -> list:
        """The users a Persistent Chat scope entry stands for: a SIP URI or user DN is that user; a group
        its transitive members; an OU, container or the domain every user below it [DOC: Get-CsPersistent
        ChatEligiblePrincipal lists the users of groups, OUs and domains on the allowed list]."""
        key = (entry or "").strip().lower()
        if key.startswith("sip:"):
            user = self.find_user(key)
            return [user] if user is not None else []
        user = next((u for u in self.users.values() if u.dn.lower() == key), None)
        if user is not None:
            return [user]
        group = next((g for g in self.groups.values() if g.dn.lower() == key), None)
        if group is not None:
            return [m for m in self.group_members(group, recursive=True) if isinstance(m, ADUser)]
        return [u for u in self.users.values() if u.dn.lower().endswith("," + key)]

    def remove_user(self, user: ADUser, when: Optional[_dt.datetime] = None) -> DeletedObject:
        """Remove-ADUser: the user leaves its groups and moves to CN=Deleted Objects."""
        del self.users[user.sam.lower()]
        groups = []
        for group in self.groups.values():
            if any(m.lower() == user.sam.lower() for m in group.members):
                groups.append(group.name)
            group.members = [m for m in group.members if m.lower() != user.sam.lower()]
        rdn, _, parent = user.dn.partition(",")
        deleted = DeletedObject(user=user, rdn=rdn[3:] if rdn.upper().startswith("CN=") else rdn,
                                last_known_parent=parent, when_changed=(when or _dt.datetime.now()).replace(microsecond=0),
                                recycle_bin=self.recycle_bin, base_dn=self.base_dn, groups=groups if self.recycle_bin else [])
        self.deleted.append(deleted)
        return deleted

    def find_deleted(self, identity: str) -> Optional[DeletedObject]:
        """A deleted object by ObjectGUID (with or without braces) or by its deleted DN."""
        key = identity.strip().strip("{}").lower()
        for item in self.deleted:
            if key in (item.user.guid.lower(), item.dn.lower()):
                return item
        return None

    def restore(self, item: DeletedObject) -> ADUser:
        """Restore-ADObject: back under its last known parent with its RDN. From the Recycle Bin everything
        returns (SIP settings, policy, memberships); a reanimated tombstone comes back stripped: no SIP
        address, pool or policy, no memberships, disabled (it has no password) [DOC: tombstone reanimation]."""
        user = item.user
        user.dn = "CN=%s,%s" % (item.rdn, item.last_known_parent)
        if not item.recycle_bin:
            user.sip_address, user.registrar_pool, user.persistent_chat_policy = "", "", None
            user.enabled = False
            user.password = None
        self.deleted.remove(item)
        self.users[user.sam.lower()] = user
        for name in item.groups:
            group = self.groups.get(name.lower())
            if group is not None and user.sam.lower() not in (m.lower() for m in group.members):
                group.members.append(user.sam)
        return user

    def group_members(self, group: ADGroup, recursive: bool = False, _seen=None) -> list:
        """Direct (or, recursively, transitive user) members as ADUser / ADGroup objects."""
        seen = _seen if _seen is not None else set()
        result = []
        for member in group.members:
            user = self.users.get(member.lower())
            if user is not None:
                if user.sam.lower() not in seen:
                    seen.add(user.sam.lower())
                    result.append(user)
                continue
            sub = self.groups.get(member.lower())
            if sub is None:
                continue
            if recursive:
                if ("group:" + sub.name.lower()) not in seen:
                    seen.add("group:" + sub.name.lower())
                    result.extend(self.group_members(sub, True, seen))
            else:
                result.append(sub)
        return result

    def is_member(self, sam: str, group_name: str) -> bool:
        group = self.groups.get(group_name.lower())
        if group is None:
            return False
        return any(isinstance(m, ADUser) and m.sam.lower() == sam.lower()
                   for m in self.group_members(group, recursive=True))

    def sip_owner(self, sip: str):
        """Whatever AD object holds this SIP address: an ADUser, a ChatEndpoint, or None."""
        sip = sip_key(sip)
        for user in self.users.values():
            if user.sip_address.lower() == sip:
                return user
        for endpoint in self.endpoints:
            if endpoint.sip_address.lower() == sip:
                return endpoint
        return None

    def add_endpoint(self, sip: str, display_name: str, pool_fqdn: str) -> ChatEndpoint:
        guid = _guid("contact", sip)
        endpoint = ChatEndpoint(
            sip_address=normalise_sip(sip), display_name=display_name, pool_fqdn=pool_fqdn, guid=guid,
            dn="CN={%s},CN=Application Contacts,CN=RTC Service,CN=Services,CN=Configuration,%s" % (
                guid, self.base_dn))
        self.endpoints.append(endpoint)
        return endpoint

    def find_endpoint(self, identity: str) -> Optional[ChatEndpoint]:
        key = identity.strip().lower()
        for endpoint in self.endpoints:
            if key in (endpoint.dn.lower(), endpoint.display_name.lower(), endpoint.guid,
                       "{%s}" % endpoint.guid) or (
                    (key.startswith("sip:") or "@" in key) and sip_key(key) == endpoint.sip_address.lower()):
                return endpoint
        return None

    def dump(self) -> dict:
        return {
            "users": [{"sam": u.sam, "name": u.name, "dn": u.dn, "sip_address": u.sip_address,
                       "registrar_pool": u.registrar_pool, "persistent_chat_policy": u.persistent_chat_policy}
                      for u in self.users.values()],
            "groups": {g.name: list(g.members) for g in self.groups.values()},
            "endpoints": [{"sip_address": e.sip_address, "display_name": e.display_name,
                           "pool_fqdn": e.pool_fqdn} for e in self.endpoints],
            "federated_users": list(self.federated),
            "recycle_bin": self.recycle_bin,
            "deleted_objects": [{"sam": d.user.sam, "dn": d.dn, "guid": d.user.guid,
                                 "last_known_parent": d.last_known_parent, "recycled_with_attributes": d.recycle_bin,
                                 "sip_address": d.user.sip_address if d.recycle_bin else ""}
                                for d in self.deleted],
        }
