"""Get-CsUser, Get-CsAdUser, Move-CsUser (reference §2, §3.12): who is SIP-enabled, where users are
homed, and moving them to the Lync 2013 pool so they can use Persistent Chat."""
from __future__ import annotations

import re

from ...powershell.api import PSError, PSObject, Param, cmdlet
from .. import ldapfilter, permissions
from ._common import LYNC, authorised, obj

USER_TYPE = "Microsoft.Rtc.Management.ADConnect.Schema.OCSUser"
ADUSER_TYPE = "Microsoft.Rtc.Management.ADConnect.Schema.OCSADUser"


def user_object(lync, user):
    return obj(USER_TYPE, {
        "Identity": user.dn, "SipAddress": user.sip_address, "DisplayName": user.name,
        "SamAccountName": user.sam, "UserPrincipalName": user.upn, "Enabled": user.lync_enabled,
        "RegistrarPool": user.registrar_pool or None, "EnabledForFederation": False,
        "PersistentChatPolicy": user.persistent_chat_policy, "HostingProvider": "SRV:",
        "DistinguishedName": user.dn, "Guid": user.guid, "SID": user.sid,
    })


def aduser_object(lync, user):
    return obj(ADUSER_TYPE, {
        "Identity": user.dn, "SamAccountName": user.sam, "DisplayName": user.name,
        "UserPrincipalName": user.upn, "Enabled": user.lync_enabled, "SipAddress": user.sip_address or None,
        "RegistrarPool": user.registrar_pool or None, "DistinguishedName": user.dn, "Guid": user.guid,
        "SID": user.sid, "UserAccountControl": "NormalAccount",
    })


_COMPARISON = re.compile(r"^\s*([\w-]+)\s+-(eq|ne|like|notlike)\s+(\$null|'[^']*'|\"[^\"]*\"|\$true|\$false|\S+)\s*$",
                         re.IGNORECASE)


def _filter_predicate(text: str):
    """The OPATH -Filter subset: ``Property -eq|-ne|-like|-notlike value`` joined by ``-and``.
    Anything else is refused (Lync's OPATH parser rejects what it cannot parse)."""
    text = str(text).strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    clauses = re.split(r"\s+-and\s+", text, flags=re.IGNORECASE)
    tests = []
    for clause in clauses:
        match = _COMPARISON.match(clause)
        if not match:
            raise PSError("Cannot bind parameter 'Filter' to the target. Exception setting \"Filter\": "
                          "\"The filter \"%s\" is not supported by the lab.\"" % text,
                          "ParameterBindingFailed", "InvalidArgument", text)
        prop, op, raw = match.group(1), match.group(2).lower(), match.group(3)
        if raw.lower() == "$null":
            value = None
        elif raw.lower() in ("$true", "$false"):
            value = raw.lower() == "$true"
        else:
            value = raw.strip("'\"")
        tests.append((prop, op, value))

    def predicate(item: PSObject) -> bool:
        from fnmatch import fnmatchcase
        for prop, op, value in tests:
            actual = item.get(prop)
            if op in ("eq", "ne"):
                if value is None:
                    same = actual in (None, "")
                elif isinstance(value, bool):
                    same = bool(actual) == value
                else:
                    same = str(actual or "").lower() == str(value).lower()
                if same != (op == "eq"):
                    return False
            else:
                hit = fnmatchcase(str(actual or "").lower(), str(value).lower())
                if hit != (op == "like"):
                    return False
        return True
    return predicate


def _in_ou(user, ou: str) -> bool:
    return user.dn.lower().endswith("," + ou.strip().lower())


_SELECT_PARAMS = [
    # [DOC Get-CsUser, Get-CsAdUser] -Identity ByPropertyName and ByValue; -ResultSize <Unlimited[UInt32]>.
    Param("Identity", "string", position=0, from_pipeline=True, from_pipeline_by_name=True),
    Param("Filter", "string"), Param("LdapFilter", "string"), Param("OU", "string"),
    Param("ResultSize", "unlimited_uint32", value_range=(0, 2147483647)), Param("DomainController", "string"),
    Param("Credential", "object"),
]


def _select(ctx, lync, args, lync_only: bool):
    users = [u for u in lync.directory.users.values() if u.lync_enabled or not lync_only]
    if args.given("LdapFilter"):
        keep = ldapfilter.predicate(args["LdapFilter"], "LdapFilter",
                                    "Microsoft.Rtc.Management.AD.Cmdlets.Get%sCmdlet" % (
                                        "OcsUser" if lync_only else "OcsAdUser"))
        users = [u for u in users if keep(ldapfilter.user_attributes(u))]
    if args.given("Identity"):
        identity = args["Identity"]
        if isinstance(identity, PSObject):
            identity = identity.get("Identity")
        user = lync.directory.find_user(str(identity))
        if user is None or (lync_only and not user.lync_enabled):
            raise PSError("Management object not found for identity \"%s\"." % identity,
                          "Identity,Microsoft.Rtc.Management.AD.Cmdlets.Get%sCmdlet" % (
                              "OcsUser" if lync_only else "OcsAdUser"), "InvalidData", identity)
        users = [user]
    if args.given("OU"):
        users = [u for u in users if _in_ou(u, args["OU"])]
    return users


@cmdlet("Get-CsUser", type_name="Microsoft.Rtc.Management.AD.Cmdlets.GetOcsUserCmdlet",
        module=LYNC, params=_SELECT_PARAMS + [
    Param("OnLyncServer", "switch"), Param("OnOfficeCommunicationServer", "switch"),
    Param("UnassignedUser", "switch"),
])
def get_cs_user(ctx, args, pipeline):
    lync = authorised(ctx, permissions.USER_ADMIN)
    users = _select(ctx, lync, args, lync_only=True)
    legacy_is_ocs = lync.topo.legacy_pool_version < 5
    ocs_pools = {lync.topo.legacy_pool_fqdn.lower()} if legacy_is_ocs else set()
    if args.get("OnOfficeCommunicationServer"):
        users = [u for u in users if u.registrar_pool.lower() in ocs_pools]
    if args.get("OnLyncServer"):
        users = [u for u in users if u.registrar_pool and u.registrar_pool.lower() not in ocs_pools]
    if args.get("UnassignedUser"):
        users = [u for u in users if not u.registrar_pool]
    objects = [user_object(lync, u) for u in users]
    if args.given("Filter"):
        objects = list(filter(_filter_predicate(args["Filter"]), objects))
    if args.given("ResultSize"):
        objects = objects[:args["ResultSize"]]
    return objects


@cmdlet("Get-CsAdUser", type_name="Microsoft.Rtc.Management.AD.Cmdlets.GetOcsAdUserCmdlet",
        module=LYNC, params=_SELECT_PARAMS)
def get_cs_ad_user(ctx, args, pipeline):
    lync = authorised(ctx, permissions.USER_ADMIN)
    objects = [aduser_object(lync, u) for u in _select(ctx, lync, args, lync_only=False)]
    if args.given("Filter"):
        objects = list(filter(_filter_predicate(args["Filter"]), objects))
    if args.given("ResultSize"):
        objects = objects[:args["ResultSize"]]
    return objects


# ConfirmImpact High: [DOC Move-CsUser -Confirm: "the confirmation prompt that would otherwise appear when you
# attempt to move a user"]
@cmdlet("Move-CsUser", type_name="Microsoft.Rtc.Management.AD.Cmdlets.MoveOcsUserCmdlet",
        module=LYNC, should_process=True, confirm_impact="High", params=[
    Param("Identity", "string", mandatory=True, position=0, from_pipeline=True, from_pipeline_by_name=True),
    Param("Target", "string", mandatory=True, position=1),
    Param("Credential", "object"), Param("DomainController", "string"), Param("Force", "switch"),
    Param("MoveConferenceData", "switch"), Param("PassThru", "switch"),
])
def move_cs_user(ctx, args, pipeline):
    lync = authorised(ctx, permissions.USER_ADMIN)
    identity = args["Identity"]
    if isinstance(identity, PSObject):
        identity = identity.get("SipAddress") or identity.get("Identity")
    user = lync.directory.find_user(str(identity))
    if user is None or not user.lync_enabled:
        raise PSError("Management object not found for identity \"%s\"." % identity,
                      "Identity,Microsoft.Rtc.Management.AD.Cmdlets.MoveOcsUserCmdlet", "InvalidData", identity)
    target = args["Target"].strip().lower()
    pools = {lync.topo.frontend_pool.fqdn.lower(): lync.topo.frontend_pool.fqdn,
             lync.topo.legacy_pool_fqdn.lower(): lync.topo.legacy_pool_fqdn}
    if target not in pools:
        raise PSError("Pool \"%s\" was not found. Verify that you entered the pool name correctly." % args["Target"],
                      "InvalidPool,Microsoft.Rtc.Management.AD.Cmdlets.MoveOcsUserCmdlet", "InvalidArgument",
                      args["Target"])   # [ASSUMED] wording
    if ctx.should_process(user.name, "Move-CsUser"):
        user.registrar_pool = pools[target]
    return [user_object(lync, user)] if args.get("PassThru") else []
