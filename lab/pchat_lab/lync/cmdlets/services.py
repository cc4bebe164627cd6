"""Get-CsService and Get/Start/Stop-CsWindowsService (reference §3.12, §5.1)."""
from __future__ import annotations

from ...powershell.api import PSEnum, PSError, Param, cmdlet
from .. import permissions
from ._common import LYNC, authorised, obj, wildcard

SERVICE_TYPE = "Microsoft.Rtc.Management.Xds.DisplayPersistentChatServer"

# [DOC §3.12] Get-CsService: -Identity, -PoolFqdn and the role switches the migration uses; each
# role switch is its own parameter set. Other role switches of the real cmdlet are not simulated.
ROLE_SWITCHES = ("PersistentChatServer", "PersistentChatDatabase", "PersistentChatComplianceDatabase",
                 "Registrar", "FileStore")


def _services(lync) -> list:
    """Every service of the simulated CMS, as (role switch, properties): those of each Persistent Chat pool,
    then the Registrar and the file stores they depend on (one service per identity)."""
    topo = lync.topo
    result, shared = [], {}
    for number, pc in enumerate(topo.pc_pools, start=1):
        pool_services, depends_on = _pool_services(lync, pc, number, result)
        result += pool_services
        for role, props in depends_on:
            entry = shared.setdefault(props["Identity"].lower(), (role, props))
            if props is not entry[1]:
                entry[1]["DependentServiceList"] += props["DependentServiceList"]
    return result + list(shared.values())


def _store_identity(role: str, instance: str, taken: list) -> str:
    """``<role>:<sql host>``; a second store of that role on the same host also names its instance
    [ASSUMED: Microsoft documents the identity of a store on a named instance nowhere]."""
    host = instance.split("\\")[0]
    identity = "%s:%s" % (role, host)
    if any(p["Identity"].lower() == identity.lower() for _, p in taken):
        identity = "%s:%s" % (role, instance)
    return identity


def _pool_services(lync, pc, number: int, taken: list):
    """The Persistent Chat server and its databases of pool ``pc``; and the Registrar and file store it needs."""
    topo = lync.topo
    site = lync.site_id
    store_host = pc.store.instance.split("\\")[0]
    comp_host = pc.compliance_store.instance.split("\\")[0]
    file_server = pc.file_store.lstrip("\\").split("\\")[0]
    file_fqdn = file_server if "." in file_server else "%s.%s" % (file_server, topo.domain)
    pc_identity = "PersistentChatServer:%s" % pc.fqdn
    store_identity = _store_identity("PersistentChatStore", pc.store.instance, taken)
    comp_identity = _store_identity("PersistentChatComplianceStore", pc.compliance_store.instance, taken)
    file_identity = "FileStore:%s" % file_fqdn
    registrar_identity = "Registrar:%s" % topo.frontend_pool.fqdn
    version = topo.frontend_pool.version
    sid = topo.site_id
    result = [
        ("PersistentChatServer", {
            "Identity": pc_identity, "PersistentChatStore": store_identity,
            "PersistentChatComplianceStore": comp_identity if pc.compliance else None,
            "FileStore": file_identity, "Registrar": registrar_identity, "IsComplianceEnabled": pc.compliance,
            "CommPort": pc.sip_port, "DependentServiceList": [],
            "ServiceId": "%d-PersistentChatServer-%d" % (sid, number), "SiteId": site, "PoolFqdn": pc.fqdn,
            "Version": version, "Role": "PersistentChatServer"}),
        ("PersistentChatDatabase", {
            "Identity": store_identity, "SqlInstanceName": pc.store.instance.split("\\")[1].lower()
            if "\\" in pc.store.instance else None, "DatabaseName": pc.store.database,
            "DependentServiceList": [pc_identity], "ServiceId": "%d-PersistentChatStore-%d" % (sid, number),
            "SiteId": site, "PoolFqdn": store_host, "Version": version, "Role": "PersistentChatStore"}),
    ]
    if pc.compliance:
        result.append(("PersistentChatComplianceDatabase", {
            "Identity": comp_identity, "SqlInstanceName": pc.compliance_store.instance.split("\\")[1].lower()
            if "\\" in pc.compliance_store.instance else None, "DatabaseName": pc.compliance_store.database,
            "DependentServiceList": [pc_identity],
            "ServiceId": "%d-PersistentChatComplianceStore-%d" % (sid, number),
            "SiteId": site, "PoolFqdn": comp_host, "Version": version, "Role": "PersistentChatComplianceStore"}))
    depends_on = [
        ("Registrar", {
            "Identity": registrar_identity, "DependentServiceList": [pc_identity],
            "ServiceId": "%d-Registrar-1" % sid, "SiteId": site, "PoolFqdn": topo.frontend_pool.fqdn,
            "Version": version, "Role": "Registrar"}),
        ("FileStore", {
            "Identity": file_identity, "ShareName": pc.file_store.lstrip("\\").split("\\")[1]
            if pc.file_store.count("\\") >= 3 else "", "DependentServiceList": [pc_identity],
            "ServiceId": "%d-FileStore-1" % sid, "SiteId": site, "PoolFqdn": file_fqdn, "Version": version,
            "Role": "FileStore"}),
    ]
    return result, depends_on


@cmdlet("Get-CsService", type_name="Microsoft.Rtc.Management.Xds.GetServiceCmdlet",
        module=LYNC, default_set="Identity", params=[
    Param("Identity", "string", position=0, sets=("Identity",)),
    Param("PoolFqdn", "string", sets=ROLE_SWITCHES),
    *[Param(name, "switch", mandatory=True, sets=(name,)) for name in ROLE_SWITCHES],
])
def get_cs_service(ctx, args, pipeline):
    lync = authorised(ctx, permissions.SERVER_ADMIN)
    services = _services(lync)
    if args.given("Identity"):
        wanted = args["Identity"]
        found = [p for _, p in services if wildcard(wanted, p["Identity"])]
        if not found:
            raise PSError("Cannot find service \"%s\" in the topology." % wanted,  # [ASSUMED] wording
                          "ServiceNotFound,Microsoft.Rtc.Management.Xds.GetServiceCmdlet", "ObjectNotFound",
                          wanted)
        return [obj(SERVICE_TYPE, p) for p in found]
    role = next((r for r in ROLE_SWITCHES if args.get(r)), None)
    chosen = [p for r, p in services if role is None or r == role]
    if args.given("PoolFqdn"):
        chosen = [p for p in chosen if p["PoolFqdn"].lower() == args["PoolFqdn"].lower()]
    return [obj(SERVICE_TYPE, p) for p in chosen]


# --- Windows services of the Lync Server 2013 roles --------------------------------------------------

# [DOC Get-CsWindowsService, OUTPUTS] the objects are NTService instances; Stop-/Start-CsWindowsService take
# them by value on -InputObject (their own parameter set).
WINSVC_TYPE = "Microsoft.Rtc.Management.Deployment.Core.NTService"
# [DOC Get-CsWindowsService examples 4 and 9] each service lists the server roles it hosts in RoleName
# (`Where-Object {$_.RoleName -contains "ApplicationServer"}`). Which roles each Lync 2013 service names is
# not documented: [ASSUMED] from the topology's service roles.
ROLE_NAMES = {"channel": ["PersistentChatServer"], "compliance": ["PersistentChatServer"]}
FRONT_END_ROLES = ["Registrar", "UserServer"]


def _role_names(lync, name: str) -> list:
    topo = lync.topo
    for spec in (spec for pool in topo.pc_pools for spec in pool.services):
        if spec.name.lower() == name.lower():
            return list(ROLE_NAMES.get(spec.role, []))
    if any(spec.name.lower() == name.lower() for spec in topo.frontend_pool.services):
        return list(FRONT_END_ROLES)
    return []


def _target_host(ctx, lync, args):
    if args.given("ComputerName"):
        host = ctx.lab.host(args["ComputerName"])
        if host is None:
            # [ASSUMED] wording: the ServiceController error for an unreachable computer.
            raise PSError("Cannot open Service Control Manager on computer '%s'. This operation might "
                          "require other privileges." % args["ComputerName"],
                          "InvalidOperation",
                          "InvalidOperation", args["ComputerName"])
    else:
        host = ctx.host
    names = lync.lync_services.get(host.name.lower())
    if not names:
        # Only Lync Server 2013 computers of the topology have Lync services to manage [ASSUMED].
        raise PSError("Computer \"%s\" is not a Lync Server computer in the topology." % host.fqdn,
                      "InvalidOperation",
                      "InvalidOperation", host.fqdn)
    return host, names


def _selected(ctx, lync, args):
    if args.given("InputObject"):
        # The NTService object names its own computer and service.
        given = args["InputObject"]
        host = ctx.lab.host(str(given.get("ComputerName") or "")) or ctx.host
        names = lync.lync_services.get(host.name.lower(), [])
        wanted = str(given.get("Name") or "")
        return host, [host.services[n] for n in names if n.lower() == wanted.lower() and n in host.services]
    host, names = _target_host(ctx, lync, args)
    services = [host.services[n] for n in names if n in host.services]
    if args.given("Name"):
        wanted = args["Name"]
        services = [s for s in services if wildcard(wanted, s.name)]
        if not services:
            raise PSError("Cannot find any service with service name '%s'." % wanted,
                          "NoServiceFoundForGivenName",
                          "ObjectNotFound", wanted)
    return host, services


def _winsvc(lync, host, svc):
    from ...windows.host import SERVICE_STATUS
    return obj(WINSVC_TYPE, {
        "Status": PSEnum("System.ServiceProcess.ServiceControllerStatus", svc.status, SERVICE_STATUS[svc.status]),
        "Name": svc.name, "DisplayName": svc.display_name, "ActivityLevel": "",
        "RoleName": _role_names(lync, svc.name), "ComputerName": host.fqdn})


# [DOC Get-CsWindowsService] no parameter takes pipeline input.
_WINSVC_PARAMS = [Param("Name", "string", position=0), Param("ComputerName", "string"), Param("Report", "string")]
# [DOC Start-/Stop-CsWindowsService] sets Name (-Name, -ComputerName) and InputObject (-InputObject <NTService>,
# "Accept pipeline input: True (ByValue)"); the rest belong to both.
_CONTROL_PARAMS = [Param("Name", "string", position=0, sets=("Name",)),
                   Param("ComputerName", "string", sets=("Name",)),
                   Param("InputObject", "object", sets=("InputObject",), from_pipeline=True,
                         object_types=(WINSVC_TYPE,)),
                   Param("Report", "string")]


@cmdlet("Get-CsWindowsService", type_name="Microsoft.Rtc.Management.Deployment.GetWindowsServiceCmdlet",
        module=LYNC, params=_WINSVC_PARAMS + [Param("ExcludeActivityLevel", "switch")])
def get_cs_windows_service(ctx, args, pipeline):
    lync = authorised(ctx, permissions.SERVER_ADMIN)
    host, services = _selected(ctx, lync, args)
    return [_winsvc(lync, host, s) for s in services]


def _set_status(ctx, lync, args, status, verb):
    host, services = _selected(ctx, lync, args)
    with host.lock:
        for svc in services:
            if svc.status != status and ctx.should_process(svc.name, verb):
                svc.status = status
    return []


# -Force "suppresses the display of any non-fatal error message" [DOC: Start-/Stop-CsWindowsService help];
# the lab writes none on these paths, so it is accepted and changes nothing.
@cmdlet("Start-CsWindowsService", type_name="Microsoft.Rtc.Management.Deployment.StartWindowsServiceCmdlet",
        module=LYNC, should_process=True, default_set="Name",
        params=_CONTROL_PARAMS + [Param("NoWait", "switch"), Param("Force", "switch")])
def start_cs_windows_service(ctx, args, pipeline):
    lync = authorised(ctx, permissions.SERVER_ADMIN)
    return _set_status(ctx, lync, args, "Running", "Start-CsWindowsService")


@cmdlet("Stop-CsWindowsService", type_name="Microsoft.Rtc.Management.Deployment.StopWindowsServiceCmdlet",
        module=LYNC, should_process=True, default_set="Name",
        params=_CONTROL_PARAMS + [Param("NoWait", "switch"), Param("Force", "switch"), Param("Graceful", "switch"),
                                 Param("LeaveClsAgentRunning", "switch"), Param("LeaveWebServerRunning", "switch")])
def stop_cs_windows_service(ctx, args, pipeline):
    lync = authorised(ctx, permissions.SERVER_ADMIN)
    whole_computer = not args.given("Name") and not args.given("InputObject")
    if whole_computer and (args.get("LeaveClsAgentRunning") or args.get("LeaveWebServerRunning")):
        host, services = _selected(ctx, lync, args)
        keep = set()
        if args.get("LeaveClsAgentRunning"):
            keep.add("rtcclsagt")
        if args.get("LeaveWebServerRunning"):
            keep.add("w3svc")
        with host.lock:
            for svc in services:
                if svc.name.lower() not in keep and svc.status != "Stopped" and \
                        ctx.should_process(svc.name, "Stop-CsWindowsService"):
                    svc.status = "Stopped"
        return []
    return _set_status(ctx, lync, args, "Stopped", "Stop-CsWindowsService")

