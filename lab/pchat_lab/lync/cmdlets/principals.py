"""Get-CsAdPrincipal and Get-CsPersistentChatEligiblePrincipal (Microsoft's cmdlet reference): the AD
objects that can be Persistent Chat principals, and who a category's or room's allowed list admits."""
from __future__ import annotations

from ...powershell.api import PSError, PSObject, Param, cmdlet
from .. import ldapfilter, permissions
from ._common import LYNC, authorised, obj, wildcard
from .content import _check_pool, _store
from .users import _filter_predicate

AD_PRINCIPAL_TYPE = "Microsoft.Rtc.Management.ADConnect.Schema.OCSADPrincipal"                  # [DOC]
ELIGIBLE_TYPE = "Microsoft.Rtc.Management.GroupChat.Cmdlets.ADPersistentChatPrincipal"         # [DOC]
_GET_AD_PRINCIPAL = "Microsoft.Rtc.Management.AD.Cmdlets.GetAdPrincipalCmdlet"                  # [ASSUMED]


def _ad_principal(kind, classes, p) -> PSObject:
    # Property names: ObjectClass and SipAddress are [DOC] (the help's examples filter on them), the others
    # follow the Lync AD objects the lab prints elsewhere [ASSUMED].
    return obj(AD_PRINCIPAL_TYPE, {
        "Identity": p["dn"], "Name": p["name"], "DisplayName": p["display"], "SipAddress": p["sip"],
        "ObjectClass": list(classes), "DistinguishedName": p["dn"], "Guid": p["guid"],
        "SamAccountName": p["sam"], "UserPrincipalName": p["upn"]})


@cmdlet("Get-CsAdPrincipal", type_name="Microsoft.Rtc.Management.AD.Cmdlets.GetAdPrincipalCmdlet", module=LYNC, params=[
    Param("Identity", "string", position=0, from_pipeline=True, from_pipeline_by_name=True),
    Param("Credential", "pscredential"), Param("DomainController", "string"),
    Param("Filter", "string"), Param("LDAPFilter", "string"), Param("OU", "string"),
    Param("ResultSize", "long", value_range=(0, 2147483647)),
])
def get_cs_ad_principal(ctx, args, pipeline):
    """[DOC] users, groups, contacts, containers, OUs and domains, with their objectClass lists."""
    lync = authorised(ctx, permissions.PC_MANAGE)
    found = lync.directory.principals()
    if args.given("Identity"):
        identity = args["Identity"]
        if isinstance(identity, PSObject):
            identity = identity.get("Identity")
        key = str(identity).strip().lower()
        user = lync.directory.find_user(key)

        def named(p):
            values = [p["dn"], p["sam"], p["upn"], p["sip"], p["display"]]
            if user is not None and p["dn"] == user.dn:
                return True
            # [DOC] "You can use the asterisk (*) wildcard character when using the Display Name"
            return any(v and (v.lower() == key or ("*" in key and wildcard(key, v))) for v in values)
        found = [f for f in found if named(f[2])]
        if not found:
            raise PSError("Management object not found for identity \"%s\"." % identity,
                          "Identity,%s" % _GET_AD_PRINCIPAL, "InvalidData", identity)
    if args.given("OU"):
        # [DOC] the OU and its child OUs (or a container such as cn=Users)
        base = args["OU"].strip().lower()
        found = [f for f in found if f[2]["dn"].lower().endswith("," + base)]
    if args.given("LDAPFilter"):
        keep = ldapfilter.predicate(args["LDAPFilter"], "LDAPFilter", _GET_AD_PRINCIPAL)
        found = [f for f in found if keep(ldapfilter.attributes(
            f[1], f[2]["dn"], f[2]["name"], f[2]["display"], f[2]["sam"], f[2]["upn"], f[2]["sip"], None,
            f[2]["guid"]))]
    objects = [_ad_principal(*f) for f in found]
    if args.given("Filter"):
        objects = list(filter(_filter_predicate(args["Filter"]), objects))
    if args.given("ResultSize"):
        objects = objects[:args["ResultSize"]]
    return objects


# tblPrincipalType descriptions [DOC §4.2] name the principal types; the property's values are not
# published beyond "user" in the help's Example 3 [ASSUMED].
_PRINCIPAL_TYPE_NAMES = {5: "User", 9: "Group", 10: "Folder", 8: "DC"}


@cmdlet("Get-CsPersistentChatEligiblePrincipal", type_name="Microsoft.Rtc.Management.PersistentChat.Cmdlets.GetPersistentChatEligiblePrincipalCmdlet", module=LYNC, default_set="Category", params=[
    Param("Category", "string", mandatory=True, sets=("Category",)),
    Param("Room", "string", mandatory=True, sets=("Room",)),
    Param("Presenters", "switch", sets=("Room",)),
    Param("Filter", "string"),
    Param("PersistentChatPoolFqdn", "string"),
    Param("ResultSize", "int", value_range=(0, 2147483647)),
])
def get_cs_persistent_chat_eligible_principal(ctx, args, pipeline):
    """The allowed list of the category (of the room's category) minus the denied list, with groups,
    OUs, containers and the domain expanded to their users [DOC: the cmdlet's description]; the entries
    that are not users are listed too (the help's Example 3 filters them on PersistentChatPrincipalType)."""
    with _store(ctx, "GetPersistentChatEligiblePrincipalCmdlet", args) as (lync, store):
        _check_pool(lync, args)
        if args.parameter_set == "Room":
            room = store.room(_plain_name(args["Room"]))
            if args.get("Presenters") and room["Type"] != "Auditorium":
                # [DOC] "-Presenters ... can only return information for rooms configured as auditoriums"
                raise PSError("Chat room \"%s\" is not an auditorium room: it has no presenters." % room["Name"],
                              "InvalidOperation,Microsoft.Rtc.Management.PersistentChat.Cmdlets."
                              "GetPersistentChatEligiblePrincipalCmdlet", "InvalidOperation", args["Room"])
            category = store.category(room["Category"])
        else:
            category = store.category(_plain_name(args["Category"]))
        directory = lync.directory
        denied = {u.sam.lower() for entry in category["DeniedMembers"] for u in directory.users_covered_by(entry)}
        denied_entries = {e.lower() for e in category["DeniedMembers"]}
        result, seen = [], set()
        for entry in category["AllowedMembers"]:
            if entry.lower() in denied_entries:
                continue
            principal = directory.chat_principal(entry)
            if principal is not None and principal["ptype"] != 5 and entry.lower() not in seen:
                seen.add(entry.lower())
                result.append(_eligible(principal["ad_path"], None, principal["display_name"], principal["ptype"]))
            for user in directory.users_covered_by(entry):
                if user.lync_enabled and user.sam.lower() not in denied and user.dn.lower() not in seen:
                    seen.add(user.dn.lower())
                    result.append(_eligible(user.dn, user.sip_address, user.name, 5))
        if args.given("Filter"):
            # [DOC] "the Filter parameter can only filter on user SIP addresses"
            result = [r for r in result if r["SipAddress"] and wildcard(args["Filter"], r["SipAddress"])]
        if args.given("ResultSize"):
            result = result[:args["ResultSize"]]
        return result


def _plain_name(value: str) -> str:
    """A category/room name, or its ``<pool>\\<name>`` identity."""
    return str(value).split("\\", 1)[1] if "\\" in str(value) else str(value)


def _eligible(dn, sip, display, ptype) -> PSObject:
    return obj(ELIGIBLE_TYPE, {"Identity": dn, "SipAddress": sip, "DisplayName": display,
                               "DistinguishedName": dn,
                               "PersistentChatPrincipalType": _PRINCIPAL_TYPE_NAMES.get(ptype, str(ptype))})
