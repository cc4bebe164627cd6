"""Get-CsPool and Set-CsPersistentChatActiveServer (Microsoft's cmdlet reference): the pools of the
simulated topology, and which servers of the Persistent Chat pool accept new connections."""
from __future__ import annotations

from ...powershell.api import PSError, PSListModifier, Param, cmdlet
from .. import permissions
from ._common import LYNC, authorised, obj, wildcard
from .services import _services

POOL_TYPE = "Microsoft.Rtc.Management.Xds.DisplayPool"      # [ASSUMED] type name
_SET_ACTIVE = "Microsoft.Rtc.Management.PersistentChat.Cmdlets.SetPersistentChatActiveServerCmdlet"  # [ASSUMED]


def _fqdn(ctx, lync, server: str) -> str:
    host = ctx.lab.host(server) if ctx.lab is not None else None
    if host is not None:
        return host.fqdn
    return server if "." in server else "%s.%s" % (server.lower(), lync.topo.domain)


def _pools(ctx, lync) -> list:
    """Every pool of the CMS: the services' PoolFqdn grouped, computers from the topology [DOC: Get-CsPool
    returns Identity, Services, Computers, Site; the help's examples use Computers, Services and Site]."""
    topo = lync.topo
    computers = {topo.frontend_pool.fqdn.lower(): [_fqdn(ctx, lync, s) for s in topo.frontend_pool.servers]}
    computers.update({pool.fqdn.lower(): [_fqdn(ctx, lync, s) for s in pool.servers] for pool in topo.pc_pools})
    pools = {}
    for _, service in _services(lync):
        fqdn = service["PoolFqdn"]
        pool = pools.setdefault(fqdn.lower(), {
            "Identity": fqdn, "Services": [], "Computers": computers.get(fqdn.lower(), [fqdn]), "Fqdn": fqdn,
            "Site": "Site:%s" % topo.site_name})
        pool["Services"].append(service["Identity"])
    return [obj(POOL_TYPE, p) for p in pools.values()]


@cmdlet("Get-CsPool", type_name="Microsoft.Rtc.Management.Xds.GetPoolCmdlet", module=LYNC, default_set="Identity", params=[
    Param("Identity", "string", position=0, sets=("Identity",)),
    Param("Filter", "string", sets=("Filter",)),
    Param("Site", "string"),
])
def get_cs_pool(ctx, args, pipeline):
    lync = authorised(ctx, permissions.SERVER_ADMIN)
    pools = _pools(ctx, lync)
    if args.given("Identity"):
        pools = [p for p in pools if p["Identity"].lower() == str(args["Identity"]).strip().lower()]
        if not pools:
            raise PSError("Cannot find pool \"%s\" in the topology." % args["Identity"],      # [ASSUMED] wording
                          "PoolNotFound,Microsoft.Rtc.Management.Xds.GetPoolCmdlet", "ObjectNotFound",
                          args["Identity"])
    if args.given("Filter"):
        pools = [p for p in pools if wildcard(args["Filter"], p["Identity"])]
    if args.given("Site"):
        site = str(args["Site"]).strip().lower()
        pools = [p for p in pools if p["Site"].lower() in (site, "site:" + site)]
    return pools


def active_servers(ctx, lync) -> list:
    """The active-server list of the Persistent Chat pool; every server of the pool until it is set
    [ASSUMED: after installation all servers of the pool are active]."""
    current = getattr(lync, "pc_active_servers", None)
    if current is None:
        current = [_fqdn(ctx, lync, s) for s in lync.topo.pc_pool.servers]
        lync.pc_active_servers = current
    return current


# Identity: the help's examples use "PChatServerCollection" after `Get-CsService -PersistentChatServer`;
# the lab takes that name or the pool's service identity `PersistentChatServer:<pool>` [UNV].
@cmdlet("Set-CsPersistentChatActiveServer", type_name="Microsoft.Rtc.Management.PersistentChat.Cmdlets.SetPersistentChatActiveServerCmdlet", module=LYNC, default_set="Explicit", should_process=True, params=[
    Param("Identity", "string", position=0),
    # Mandatory in Explicit [DOC], and $null is a documented value (Example 3: it clears the list), as an
    # [AllowNull()] parameter takes it; the binder has no AllowNull, so the cmdlet checks presence itself.
    Param("ActiveServers", "pslistmodifier", sets=("Explicit",)),
    Param("Swap", "switch", mandatory=True, sets=("Swap",)),
    Param("Force", "switch"),
])
def set_cs_persistent_chat_active_server(ctx, args, pipeline):
    lync = authorised(ctx, permissions.PC_MANAGE)
    pool = lync.topo.pc_pool.fqdn
    identity = str(args.get("Identity") or "PChatServerCollection").strip()
    if identity.lower() not in ("pchatservercollection", "persistentchatserver:%s" % pool.lower(), "global"):
        raise PSError("Cannot find Persistent Chat server collection \"%s\"." % identity,    # [ASSUMED] wording
                      "ObjectNotFound,%s" % _SET_ACTIVE, "ObjectNotFound", identity)
    pool_servers = [_fqdn(ctx, lync, s) for s in lync.topo.pc_pool.servers]
    current = active_servers(ctx, lync)
    if not args.get("Swap") and not args.given("ActiveServers"):
        raise PSError("Cannot process command because of one or more missing mandatory parameters: ActiveServers.",
                      "MissingMandatoryParameter,%s" % _SET_ACTIVE, "InvalidArgument",
                      exception_type="System.Management.Automation.ParameterBindingException")
    if args.get("Swap"):
        # A stretched pool swaps its active and standby halves; one site here: the servers off the
        # list become the active ones [ASSUMED].
        wanted = [s for s in pool_servers if s.lower() not in {c.lower() for c in current}]
    else:
        value = args["ActiveServers"]
        if value is None:
            wanted = []                      # [DOC] Example 3: `-ActiveServers $Null` removes all
        elif isinstance(value, PSListModifier):
            wanted = value.apply(current)
        else:
            wanted = list(value) if isinstance(value, (list, tuple)) else [value]
        wanted = [str(s).strip() for s in wanted]
        unknown = [s for s in wanted if s.lower() not in {p.lower() for p in pool_servers}]
        if unknown:
            # [ASSUMED wording] only servers of the pool can be active.
            raise PSError("\"%s\" is not a server of Persistent Chat pool %s." % (unknown[0], pool),
                          "InvalidServer,%s" % _SET_ACTIVE, "InvalidArgument", unknown[0])
    if ctx.should_process(identity, "Set-CsPersistentChatActiveServer"):
        lync.pc_active_servers = wanted
    return []
