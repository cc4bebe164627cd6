"""Module ActiveDirectory: Get-ADUser, Remove-ADUser, Get-ADGroupMember over the lab's directory
(used to delete the ``ocschat@`` Lookup user, reference §1.4 step 8, and to read RBAC membership)."""
from __future__ import annotations

from ...powershell.api import PSError, PSObject, Param, cmdlet
from .. import permissions
from ..directory import ADGroup, ADUser
from ._common import AD, backend, obj

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


@cmdlet("Get-ADUser", module=AD, default_set="Filter", params=[
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
    if args.given("LDAPFilter"):
        raise PSError("LDAP filters are not simulated by the lab; use -Filter.", "NotSupported",
                      "NotImplemented", args["LDAPFilter"])
    users = list(lync.directory.users.values())
    if args.given("SearchBase"):
        base = args["SearchBase"].lower()
        users = [u for u in users if u.dn.lower().endswith("," + base) or u.dn.lower() == base]
    objects = [user_object(lync, u, list(properties) + ["*"]) for u in users]
    if not _filter_all(args["Filter"]):
        objects = list(filter(_filter_predicate(args["Filter"]), objects))
    objects = [user_object(lync, lync.directory.find_user(o["SamAccountName"]), properties) for o in objects]
    if args.given("ResultSetSize"):
        objects = objects[:args["ResultSetSize"]]
    return objects


@cmdlet("Remove-ADUser", module=AD, should_process=True, params=[
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
    _confirm_high_impact(ctx)
    if ctx.should_process(user.dn, "Remove"):
        lync.directory.remove_user(user)
    return []


def _confirm_high_impact(ctx) -> None:
    """Remove-ADUser prompts for confirmation by default [DOC: its help's Example 1 shows the prompt]
    (ConfirmImpact High vs $ConfirmPreference High). Over WinRM powershell.exe is non-interactive, so
    without -Confirm:$false the prompt fails. The engine reports the common parameters it was given in
    ``ctx.common``; without that knowledge the lab does not guess."""
    common = getattr(ctx, "common", None)
    if common is None or ctx.whatif:
        return
    confirm = common.get("Confirm")
    preference = str(ctx.get_variable("ConfirmPreference", "High") or "High").lower()
    if confirm is False or (confirm is None and preference not in ("high", "medium", "low")):
        return
    raise PSError("PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.",
                  "System.Management.Automation.PSInvalidOperationException,%s.Commands.RemoveADUser" % _AD_NS,
                  "InvalidOperation", exception_type="System.Management.Automation.PSInvalidOperationException")


@cmdlet("Get-ADGroupMember", module=AD, params=[
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
