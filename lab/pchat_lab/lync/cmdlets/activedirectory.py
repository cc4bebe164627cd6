"""Module ActiveDirectory: Get-ADUser, Remove-ADUser, Get-ADGroupMember, Get-ADObject, Restore-ADObject over
the lab's directory (used to delete the ``ocschat@`` Lookup user, reference §1.4 step 8, to bring it back
from the Recycle Bin on a rollback, and to read RBAC membership)."""
from __future__ import annotations

from ...powershell.api import PSError, PSObject, Param, cmdlet
from .. import ldapfilter, permissions
from ..directory import ADGroup, ADUser
from ._common import AD, backend, obj
from ...powershell.api import now as ctx_now

_AD_NS = "Microsoft.ActiveDirectory.Management"


def _not_found(lync, identity, command: str) -> PSError:
    return PSError("Cannot find an object with identity: '%s' under: '%s'." % (identity, lync.directory.base_dn),
                   "ActiveDirectoryCmdlet:%s.ADIdentityNotFoundException,%s.Commands.%s" % (_AD_NS, _AD_NS, command),
                   "ObjectNotFound", identity,
                   exception_type="%s.ADIdentityNotFoundException" % _AD_NS)


def _require_domain_user(ctx, lync) -> None:
    user = permissions.current_user(ctx)
    sam = user.split("\\")[-1].split("@")[0]
    if not sam or lync.directory.find_user(sam) is None:
        raise PSError("Unable to contact the server. This may be because this server does not exist, it is "
                      "currently down, or it does not have the Active Directory Web Services running.",
                      "ActiveDirectoryServer:0,%s.Commands.%s" % (_AD_NS, ctx.name.replace("-", "")),
                      "ResourceUnavailable", None)


def user_object(lync, user: ADUser, properties=()) -> PSObject:
    first, _, last = user.name.partition(" ")
    props = {
        "DistinguishedName": user.dn, "Enabled": user.enabled, "GivenName": first or None,
        "Name": user.name, "ObjectClass": "user", "ObjectGUID": user.guid, "SamAccountName": user.sam,
        "SID": user.sid, "Surname": last or None, "UserPrincipalName": user.upn,
    }
    extended = {"msRTCSIP-PrimaryUserAddress": user.sip_address or None,
                "msRTCSIP-UserEnabled": True if user.sip_address else None,
                "DisplayName": user.name, "mail": None, "memberOf": [
                    g.dn for g in lync.directory.groups.values()
                    if user.sam.lower() in (m.lower() for m in g.members)]}
    wanted = [p for p in (properties or [])]
    for name in wanted:
        if name == "*":
            props.update(extended)
            continue
        for key, value in extended.items():
            if key.lower() == name.lower():
                props[key] = value
    return PSObject(props, type_names=("%s.ADUser" % _AD_NS, "%s.ADAccount" % _AD_NS,
                                       "%s.ADPrincipal" % _AD_NS, "%s.ADObject" % _AD_NS,
                                       "%s.ADEntity" % _AD_NS, "System.Object"))


def _filter_all(text: str) -> bool:
    return str(text).strip().strip("{}").strip().strip("'\"") == "*"


@cmdlet("Get-ADUser", type_name="Microsoft.ActiveDirectory.Management.Commands.GetADUser",
        module=AD, default_set="Filter", params=[
    Param("Identity", "string", mandatory=True, position=0, sets=("Identity",), from_pipeline=True),
    Param("Filter", "string", mandatory=True, sets=("Filter",)),
    Param("LDAPFilter", "string", mandatory=True, sets=("LdapFilter",)),
    Param("Properties", "string[]", aliases=("Property",)),
    Param("SearchBase", "string", sets=("Filter", "LdapFilter")),
    Param("SearchScope", "enum", values=("Base", "OneLevel", "Subtree"), sets=("Filter", "LdapFilter"),
          enum_type="Microsoft.ActiveDirectory.Management.ADSearchScope"),
    Param("ResultSetSize", "int", sets=("Filter", "LdapFilter")),
    Param("Server", "string"), Param("Credential", "object"),
    Param("AuthType", "enum", values=("Negotiate", "Basic"),
          enum_type="Microsoft.ActiveDirectory.Management.ADAuthType"),
])
def get_ad_user(ctx, args, pipeline):
    from .users import _filter_predicate
    lync = backend(ctx)
    _require_domain_user(ctx, lync)
    properties = args.get("Properties") or []
    if args.given("Identity"):
        identity = args["Identity"]
        if isinstance(identity, PSObject):
            identity = identity.get("DistinguishedName") or identity.get("SamAccountName")
        user = lync.directory.find_user(str(identity))
        if user is None or str(identity).lower().startswith("sip:"):
            raise _not_found(lync, identity, "GetADUser")
        return [user_object(lync, user, properties)]
    users = list(lync.directory.users.values())
    if args.given("LDAPFilter"):
        keep = ldapfilter.predicate(args["LDAPFilter"], "LDAPFilter",
                                    "Microsoft.ActiveDirectory.Management.Commands.GetADUser")
        users = [u for u in users if keep(ldapfilter.user_attributes(u))]
    if args.given("SearchBase"):
        base = args["SearchBase"].lower()
        users = [u for u in users if u.dn.lower().endswith("," + base) or u.dn.lower() == base]
    objects = [user_object(lync, u, list(properties) + ["*"]) for u in users]
    if not args.given("LDAPFilter") and not _filter_all(args["Filter"]):
        objects = list(filter(_filter_predicate(args["Filter"]), objects))
    objects = [user_object(lync, lync.directory.find_user(o["SamAccountName"]), properties) for o in objects]
    if args.given("ResultSetSize"):
        objects = objects[:args["ResultSetSize"]]
    return objects


# ConfirmImpact High: [DOC Remove-ADUser Example 1 shows the confirmation prompt]
@cmdlet("Remove-ADUser", type_name="Microsoft.ActiveDirectory.Management.Commands.RemoveADUser",
        module=AD, should_process=True, confirm_impact="High", params=[
    Param("Identity", "string", mandatory=True, position=0, from_pipeline=True),
    Param("Server", "string"), Param("Credential", "object"), Param("Partition", "string"),
    Param("AuthType", "enum", values=("Negotiate", "Basic"),
          enum_type="Microsoft.ActiveDirectory.Management.ADAuthType"),
])
def remove_ad_user(ctx, args, pipeline):
    lync = backend(ctx)
    _require_domain_user(ctx, lync)
    identity = args["Identity"]
    if isinstance(identity, PSObject):
        identity = identity.get("DistinguishedName") or identity.get("SamAccountName")
    user = lync.directory.find_user(str(identity))
    if user is None or str(identity).lower().startswith("sip:"):
        raise _not_found(lync, identity, "RemoveADUser")
    if not permissions.member_of_any(lync, permissions.current_user(ctx), permissions.DOMAIN_ADMIN):
        raise PSError("Insufficient access rights to perform the operation",
                      "ActiveDirectoryServer:8344,%s.Commands.RemoveADUser" % _AD_NS, "NotSpecified", identity,
                      exception_type="%s.ADException" % _AD_NS)
    if ctx.should_process(user.dn, "Remove"):
        lync.directory.remove_user(user, ctx_now())
    return []


@cmdlet("Get-ADGroupMember", type_name="Microsoft.ActiveDirectory.Management.Commands.GetADGroupMember",
        module=AD, params=[
    Param("Identity", "string", mandatory=True, position=0, from_pipeline=True),
    Param("Recursive", "switch"), Param("Server", "string"), Param("Credential", "object"),
    Param("Partition", "string"),
    Param("AuthType", "enum", values=("Negotiate", "Basic"),
          enum_type="Microsoft.ActiveDirectory.Management.ADAuthType"),
])
def get_ad_group_member(ctx, args, pipeline):
    lync = backend(ctx)
    _require_domain_user(ctx, lync)
    identity = args["Identity"]
    if isinstance(identity, PSObject):
        identity = identity.get("DistinguishedName") or identity.get("Name")
    group = lync.directory.find_group(str(identity))
    if group is None:
        raise _not_found(lync, identity, "GetADGroupMember")
    result = []
    for member in lync.directory.group_members(group, recursive=bool(args.get("Recursive"))):
        if isinstance(member, ADUser):
            result.append(obj("%s.ADPrincipal" % _AD_NS, {
                "distinguishedName": member.dn, "name": member.name, "objectClass": "user",
                "objectGUID": member.guid, "SamAccountName": member.sam, "SID": member.sid}))
        elif isinstance(member, ADGroup):
            result.append(obj("%s.ADPrincipal" % _AD_NS, {
                "distinguishedName": member.dn, "name": member.name, "objectClass": "group",
                "objectGUID": member.guid, "SamAccountName": member.name, "SID": member.sid}))
    return result


# --- Get-ADObject / Restore-ADObject: the Deleted Objects container and the AD Recycle Bin -------------

_ADOBJECT_TYPES = ("%s.ADObject" % _AD_NS, "%s.ADEntity" % _AD_NS, "System.Object")
# ldapDisplayName spellings as the AD module prints them; -Properties matches them case-insensitively.
_OBJECT_ATTRIBUTES = ("sAMAccountName", "userPrincipalName", "objectSid", "displayName", "memberOf",
                      "msRTCSIP-PrimaryUserAddress", "msRTCSIP-PrimaryHomeServer", "whenCreated", "whenChanged",
                      "isDeleted", "LastKnownParent", "msDS-LastKnownRDN", "CanonicalName", "CN")


def _live_attributes(lync, user: ADUser) -> dict:
    return {"sAMAccountName": user.sam, "userPrincipalName": user.upn, "objectSid": user.sid,
            "displayName": user.name, "memberOf": [g.dn for g in lync.directory.groups.values()
                                                   if user.sam.lower() in (m.lower() for m in g.members)],
            "msRTCSIP-PrimaryUserAddress": user.sip_address or None,
            "msRTCSIP-PrimaryHomeServer": user.registrar_pool or None,
            "whenCreated": lync.directory.built_at, "whenChanged": lync.directory.built_at, "isDeleted": None,
            "LastKnownParent": None, "msDS-LastKnownRDN": None, "CN": user.dn.split(",", 1)[0][3:]}


def _deleted_attributes(item) -> dict:
    user = item.user
    attributes = {"sAMAccountName": user.sam, "objectSid": user.sid, "whenCreated": None,
                  "whenChanged": item.when_changed, "isDeleted": True, "LastKnownParent": item.last_known_parent,
                  "msDS-LastKnownRDN": item.rdn, "CN": item.name, "memberOf": [], "userPrincipalName": None,
                  "displayName": None, "msRTCSIP-PrimaryUserAddress": None, "msRTCSIP-PrimaryHomeServer": None}
    if item.recycle_bin:     # a deleted object keeps its attributes; a tombstone loses them
        attributes.update({"userPrincipalName": user.upn, "displayName": user.name,
                           "msRTCSIP-PrimaryUserAddress": user.sip_address or None,
                           "msRTCSIP-PrimaryHomeServer": user.registrar_pool or None,
                           "memberOf": []})   # linked values are kept but not shown while deleted
    return attributes


def _ad_object(base: dict, attributes: dict, properties, include_deleted: bool) -> PSObject:
    props = dict(base)
    if include_deleted:
        props = {"Deleted": True if attributes.get("isDeleted") else None, **props}
    for name in properties:
        if name == "*":
            props.update(attributes)
            continue
        key = next((k for k in _OBJECT_ATTRIBUTES if k.lower() == name.lower()), None)
        if key is not None:
            props[key] = attributes.get(key)
    return PSObject(props, type_names=_ADOBJECT_TYPES)


def _check_properties(properties) -> None:
    for name in properties:
        if name != "*" and not any(k.lower() == name.lower() for k in _OBJECT_ATTRIBUTES):
            raise PSError("One or more properties are invalid.\r\nParameter name: %s" % name,
                          "ActiveDirectoryCmdlet:System.ArgumentException,%s.Commands.GetADObject" % _AD_NS,
                          "InvalidArgument", name, exception_type="System.ArgumentException")


def _ldap_attributes(lync, base: dict) -> dict:
    """The LDAP attributes -LDAPFilter sees of one object of _directory_objects."""
    user = lync.directory.find_user(base["DistinguishedName"]) if base["ObjectClass"] == "user" else None
    if user is not None:
        return ldapfilter.user_attributes(user)
    classes = {"group": ["top", "group"], "organizationalUnit": ["top", "organizationalUnit"]}.get(
        base["ObjectClass"], ["top", base["ObjectClass"]])
    return ldapfilter.attributes(classes, base["DistinguishedName"], base["Name"], guid=base["ObjectGUID"],
                                 sam=base["Name"] if base["ObjectClass"] == "group" else None)


def _directory_objects(lync, include_deleted: bool) -> list:
    """(base properties, attributes) of the users, groups and OUs, then the deleted objects if asked."""
    d = lync.directory
    found = []
    for user in d.users.values():
        found.append(({"DistinguishedName": user.dn, "Name": user.dn.split(",", 1)[0][3:], "ObjectClass": "user",
                       "ObjectGUID": user.guid}, _live_attributes(lync, user)))
    for group in d.groups.values():
        found.append(({"DistinguishedName": group.dn, "Name": group.name, "ObjectClass": "group",
                       "ObjectGUID": group.guid},
                      {"sAMAccountName": group.name, "objectSid": group.sid, "whenCreated": d.built_at,
                       "whenChanged": d.built_at, "CN": group.name}))
    for ou in d.ous:
        found.append(({"DistinguishedName": ou, "Name": ou.split(",", 1)[0][3:], "ObjectClass": "organizationalUnit",
                       "ObjectGUID": _ou_guid(ou)}, {"whenCreated": d.built_at, "whenChanged": d.built_at}))
    if include_deleted:
        for item in d.deleted:
            found.append(({"DistinguishedName": item.dn, "Name": item.name, "ObjectClass": "user",
                           "ObjectGUID": item.user.guid}, _deleted_attributes(item)))
    return found


def _ou_guid(dn: str) -> str:
    from ..directory import _guid
    return _guid("ou", dn)


def _identity_key(identity) -> str:
    if isinstance(identity, PSObject):
        identity = identity.get("ObjectGUID") or identity.get("DistinguishedName")
    return str(identity).strip()


@cmdlet("Get-ADObject", type_name="Microsoft.ActiveDirectory.Management.Commands.GetADObject",
        module=AD, default_set="Filter", params=[
    Param("Identity", "object", mandatory=True, position=0, sets=("Identity",), from_pipeline=True),
    Param("Filter", "string", mandatory=True, sets=("Filter",)),
    Param("LDAPFilter", "string", mandatory=True, sets=("LdapFilter",)),
    Param("Properties", "string[]", aliases=("Property",)),
    Param("IncludeDeletedObjects", "switch"),
    Param("SearchBase", "string", sets=("Filter", "LdapFilter")),
    Param("SearchScope", "enum", values=("Base", "OneLevel", "Subtree"), sets=("Filter", "LdapFilter"),
          enum_type="Microsoft.ActiveDirectory.Management.ADSearchScope"),
    Param("ResultSetSize", "int", sets=("Filter", "LdapFilter")),
    Param("Server", "string"), Param("Credential", "pscredential"), Param("Partition", "string"),
    Param("AuthType", "enum", values=("Negotiate", "Basic"),
          enum_type="Microsoft.ActiveDirectory.Management.ADAuthType"),
])
def get_ad_object(ctx, args, pipeline):
    from .users import _filter_predicate
    lync = backend(ctx)
    _require_domain_user(ctx, lync)
    properties = list(args.get("Properties") or [])
    _check_properties(properties)
    include_deleted = bool(args.get("IncludeDeletedObjects"))
    found = _directory_objects(lync, include_deleted)
    if args.given("Identity"):
        key = _identity_key(args["Identity"]).strip("{}").lower()
        hits = [f for f in found if key in (f[0]["ObjectGUID"].lower(), f[0]["DistinguishedName"].lower())]
        if not hits:
            raise _not_found(lync, _identity_key(args["Identity"]), "GetADObject")
        return [_ad_object(hits[0][0], hits[0][1], properties, include_deleted)]
    if args.given("LDAPFilter"):
        keep_ldap = ldapfilter.predicate(args["LDAPFilter"], "LDAPFilter",
                                         "Microsoft.ActiveDirectory.Management.Commands.GetADObject")
        found = [f for f in found if keep_ldap(_ldap_attributes(lync, f[0]))]
    if args.given("SearchBase"):
        base = args["SearchBase"].lower()
        found = [f for f in found if f[0]["DistinguishedName"].lower().endswith("," + base)
                 or f[0]["DistinguishedName"].lower() == base]
    objects = [(f, _ad_object(f[0], f[1], ["*"], include_deleted)) for f in found]
    if not args.given("LDAPFilter") and not _filter_all(args["Filter"]):
        keep = _filter_predicate(args["Filter"])
        objects = [(f, o) for f, o in objects if keep(o)]
    result = [_ad_object(f[0], f[1], properties, include_deleted) for f, _ in objects]
    if args.given("ResultSetSize"):
        result = result[:args["ResultSetSize"]]
    return result


@cmdlet("Restore-ADObject", type_name="Microsoft.ActiveDirectory.Management.Commands.RestoreADObject",
        module=AD, should_process=True, params=[
    Param("Identity", "object", mandatory=True, position=0, from_pipeline=True),
    Param("NewName", "string"), Param("TargetPath", "string"), Param("PassThru", "switch"),
    Param("Server", "string"), Param("Credential", "pscredential"), Param("Partition", "string"),
    Param("AuthType", "enum", values=("Negotiate", "Basic"),
          enum_type="Microsoft.ActiveDirectory.Management.ADAuthType"),
])
def restore_ad_object(ctx, args, pipeline):
    lync = backend(ctx)
    _require_domain_user(ctx, lync)
    identity = _identity_key(args["Identity"])
    item = lync.directory.find_deleted(identity)
    if item is None:
        live = [f for f in _directory_objects(lync, False)
                if identity.strip("{}").lower() in (f[0]["ObjectGUID"].lower(), f[0]["DistinguishedName"].lower())]
        if live:
            # A restore clears isDeleted; the DC refuses that on an object that is not deleted [ASSUMED].
            raise _ad_error("Illegal modify operation. Some aspect of the modification is not permitted", 8311,
                            identity)
        raise _not_found(lync, identity, "RestoreADObject")
    if not permissions.member_of_any(lync, permissions.current_user(ctx), permissions.DOMAIN_ADMIN):
        raise _ad_error("Insufficient access rights to perform the operation", 8344, identity)
    rdn = args.get("NewName") or item.rdn
    parent = args.get("TargetPath") or item.last_known_parent
    if lync.directory.find_user(item.user.sam) is not None or any(
            u.dn.lower() == ("CN=%s,%s" % (rdn, parent)).lower() for u in lync.directory.users.values()):
        raise _ad_error("An attempt was made to add an object to the directory with a name that is already in use",
                        8305, identity)
    if not ctx.should_process(item.dn, "Restore"):
        return []
    item.rdn, item.last_known_parent = rdn, parent
    user = lync.directory.restore(item)
    if args.get("PassThru"):
        return [PSObject({"DistinguishedName": user.dn, "Name": rdn, "ObjectClass": "user", "ObjectGUID": user.guid},
                         type_names=_ADOBJECT_TYPES)]
    return []


def _ad_error(message: str, code: int, target) -> PSError:
    return PSError(message, "ActiveDirectoryServer:%d,%s.Commands.RestoreADObject" % (code, _AD_NS),
                   "NotSpecified", target, exception_type="%s.ADException" % _AD_NS)
