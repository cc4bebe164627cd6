"""Get-/New-/Remove-CsPersistentChatEndpoint (reference §1.4 step 8, §1.5, §3.4): the contact object
legacy Group Chat clients reach; a new one may not reuse a SIP address another AD object holds
(the ``ocschat@`` user must be deleted first, §6.9)."""
from __future__ import annotations

from ...powershell.api import PSError, PSObject, Param, cmdlet
from .. import ldapfilter, permissions
from ._common import LYNC, authorised, obj

ENDPOINT_TYPE = "Microsoft.Rtc.Management.ADConnect.Schema.OCSPersistentChatContact"


def _endpoint_object(endpoint):
    return obj(ENDPOINT_TYPE, {
        "Identity": endpoint.dn, "SipAddress": endpoint.sip_address, "DisplayName": endpoint.display_name,
        "PersistentChatPoolFqdn": endpoint.pool_fqdn, "Enabled": True, "EnabledForFederation": False,
        "DistinguishedName": endpoint.dn, "Guid": endpoint.guid,
    })


@cmdlet("Get-CsPersistentChatEndpoint", type_name="Microsoft.Rtc.Management.AD.Cmdlets.GetPersistentChatEndpointCmdlet",
        module=LYNC, params=[
    # [DOC Get-CsPersistentChatEndpoint] -Identity ByPropertyName and ByValue; -ResultSize <Unlimited[UInt32]>.
    Param("Identity", "string", position=0, from_pipeline=True, from_pipeline_by_name=True),
    Param("Credential", "object"), Param("DomainController", "string"),
    Param("Filter", "string"), Param("LdapFilter", "string"), Param("OU", "string"),
    Param("PersistentChatPoolFqdn", "string"), Param("ResultSize", "unlimited_uint32", value_range=(0, 2147483647)),
])
def get_cs_persistent_chat_endpoint(ctx, args, pipeline):
    from .users import _filter_predicate
    lync = authorised(ctx, permissions.PC_MANAGE)
    endpoints = list(lync.directory.endpoints)
    if args.given("Identity"):
        found = lync.directory.find_endpoint(args["Identity"])
        if found is None:
            raise PSError("Management object not found for identity \"%s\"." % args["Identity"],
                          "Identity,Microsoft.Rtc.Management.AD.Cmdlets.GetPersistentChatEndpointCmdlet",
                          "InvalidData", args["Identity"])
        endpoints = [found]
    if args.given("PersistentChatPoolFqdn"):
        endpoints = [e for e in endpoints if e.pool_fqdn.lower() == args["PersistentChatPoolFqdn"].lower()]
    if args.given("OU"):
        endpoints = [e for e in endpoints if e.dn.lower().endswith("," + args["OU"].lower())]
    if args.given("LdapFilter"):
        keep = ldapfilter.predicate(args["LdapFilter"], "LdapFilter",
                                    "Microsoft.Rtc.Management.AD.Cmdlets.GetPersistentChatEndpointCmdlet")
        endpoints = [e for e in endpoints if keep(ldapfilter.attributes(
            ["top", "person", "organizationalPerson", "contact"], e.dn, "{%s}" % e.guid, e.display_name,
            sip=e.sip_address, pool=e.pool_fqdn, guid=e.guid))]
    objects = [_endpoint_object(e) for e in endpoints]
    if args.given("Filter"):
        objects = list(filter(_filter_predicate(args["Filter"]), objects))
    if args.given("ResultSize"):
        objects = objects[:args["ResultSize"]]
    return objects


@cmdlet("New-CsPersistentChatEndpoint", type_name="Microsoft.Rtc.Management.AD.Cmdlets.NewPersistentChatEndpointCmdlet",
        module=LYNC, should_process=True, params=[
    Param("PersistentChatPoolFqdn", "string", mandatory=True),
    Param("SipAddress", "string", mandatory=True),
    Param("DisplayName", "string"),
    Param("PassThru", "switch"),
])
def new_cs_persistent_chat_endpoint(ctx, args, pipeline):
    lync = authorised(ctx, permissions.PC_MANAGE)
    sip = args["SipAddress"].strip()
    cmdlet_type = "Microsoft.Rtc.Management.AD.Cmdlets.NewPersistentChatEndpointCmdlet"
    # [DOC §3.4] the address must carry "sip:" and a SIP domain of the deployment.
    if not sip.lower().startswith("sip:") or "@" not in sip or \
            sip.split("@", 1)[1].lower() != lync.topo.sip_domain.lower():
        raise PSError("SIP address \"%s\" is not valid. The address must start with \"sip:\" and use a "
                      "supported SIP domain (%s)." % (sip, lync.topo.sip_domain),   # [ASSUMED] wording
                      "InvalidSipAddress,%s" % cmdlet_type, "InvalidArgument", sip)
    pool = args["PersistentChatPoolFqdn"].strip()
    if lync.topo.pc_pool_named(pool) is None:
        raise PSError("Persistent Chat pool \"%s\" was not found in the topology." % pool,   # [ASSUMED]
                      "InvalidPool,%s" % cmdlet_type, "ObjectNotFound", pool)
    owner = lync.directory.sip_owner(sip)
    if owner is not None:
        # [INF §6.9] the SIP address is still held (typically by the ocschat@ Lookup user).
        what = owner.dn
        raise PSError("The SIP address \"%s\" is already in use by \"%s\"." % (sip.lower(), what),
                      "SipAddressInUse,%s" % cmdlet_type, "ResourceExists", sip)
    if not ctx.should_process(sip, "New-CsPersistentChatEndpoint"):
        return []
    endpoint = lync.directory.add_endpoint(sip, args.get("DisplayName") or sip[4:], lync.topo.pc_pool_named(pool).fqdn)
    return [_endpoint_object(endpoint)] if args.get("PassThru") else []


# ConfirmImpact High: [ASSUMED] Microsoft is silent; a removal asks as High-impact cmdlets do (COVERAGE.md)
@cmdlet("Remove-CsPersistentChatEndpoint",
        type_name="Microsoft.Rtc.Management.AD.Cmdlets.RemovePersistentChatEndpointCmdlet",
        module=LYNC, should_process=True, confirm_impact="High", params=[
    Param("Identity", "string", mandatory=True, position=0, from_pipeline=True, from_pipeline_by_name=True),
    Param("Force", "switch"),
])
def remove_cs_persistent_chat_endpoint(ctx, args, pipeline):
    lync = authorised(ctx, permissions.PC_MANAGE)
    identity = args["Identity"]
    if isinstance(identity, PSObject):
        identity = identity.get("Identity")
    endpoint = lync.directory.find_endpoint(str(identity))
    if endpoint is None:
        raise PSError("Management object not found for identity \"%s\"." % identity,
                      "Identity,Microsoft.Rtc.Management.AD.Cmdlets.RemovePersistentChatEndpointCmdlet",
                      "InvalidData", identity)
    if ctx.should_process(endpoint.dn, "Remove-CsPersistentChatEndpoint"):
        lync.directory.endpoints.remove(endpoint)
    return []

