"""Topology-level cmdlets used around the migration (reference §1.4 step 12, §1.10, §3.12, §6.11):
trusted applications and pools of the legacy Lync 2010 Group Chat, Publish-/Enable-CsTopology, and
RBAC role lookups (Get-CsAdminRole, Get-CsAdminRoleAssignment)."""
from __future__ import annotations

from ...powershell.api import PSError, PSObject, Param, cmdlet
from .. import permissions
from ._common import LYNC, authorised, backend, obj, wildcard

APP_TYPE = "Microsoft.Rtc.Management.Xds.DisplayTrustedApplication"
POOL_TYPE = "Microsoft.Rtc.Management.Xds.DisplayExternalServer"
ROLE_TYPE = "Microsoft.Rtc.Management.WritableConfig.Policy.Rbac.Role"


def _identity_text(value) -> str:
    return str(value.get("Identity") if isinstance(value, PSObject) else value).strip()


# ------------------------------------------------------------------------------- trusted applications

def _find_app(lync, identity: str):
    for app in lync.trusted_apps:
        if app["Identity"].lower() == identity.lower():
            return app
    return None


@cmdlet("Get-CsTrustedApplication", type_name="Microsoft.Rtc.Management.Xds.GetTrustedApplicationCmdlet",
        module=LYNC, default_set="Identity", params=[
    Param("Identity", "string", position=0, sets=("Identity",)),
    Param("Filter", "string", sets=("Filter",)),
    Param("ApplicationId", "string", mandatory=True, sets=("ApplicationId",)),
    Param("TrustedApplicationPoolFqdn", "string", mandatory=True, sets=("ApplicationId",)),
    Param("LocalStore", "switch"),
])
def get_trusted_application(ctx, args, pipeline):
    lync = authorised(ctx, permissions.SERVER_ADMIN)
    apps = list(lync.trusted_apps)
    if args.given("Identity"):
        apps = [a for a in apps if a["Identity"].lower() == _identity_text(args["Identity"]).lower()]
    elif args.given("Filter"):
        apps = [a for a in apps if wildcard(args["Filter"], a["Identity"])]
    elif args.given("ApplicationId"):
        wanted = args["ApplicationId"].lower()
        apps = [a for a in apps if a["TrustedApplicationPoolFqdn"].lower() == args["TrustedApplicationPoolFqdn"].lower()
                and (a["ApplicationId"].lower() == wanted or a["ApplicationId"].lower().endswith(":" + wanted))]
    return [obj(APP_TYPE, dict(a)) for a in apps]


@cmdlet("Remove-CsTrustedApplication", type_name="Microsoft.Rtc.Management.Xds.RemoveTrustedApplicationCmdlet",
        module=LYNC, should_process=True, params=[
    # [DOC Remove-CsTrustedApplication(Pool)] -Identity "Accept pipeline input: True (ByPropertyName)" only.
    Param("Identity", "string", mandatory=True, position=0, from_pipeline_by_name=True),
    Param("Force", "switch"),
])
def remove_trusted_application(ctx, args, pipeline):
    lync = authorised(ctx, permissions.SERVER_ADMIN)
    identity = _identity_text(args["Identity"])
    app = _find_app(lync, identity)
    if app is None:
        raise PSError("Cannot find \"TrustedApplication\" \"%s\" because it does not exist." % identity,
                      "ObjectNotFound,Microsoft.Rtc.Management.Xds.RemoveTrustedApplicationCmdlet",
                      "ObjectNotFound", identity)
    if ctx.should_process(identity, "Remove-CsTrustedApplication") and _forced_or_confirmed(ctx, args):
        lync.trusted_apps.remove(app)
        for pool in lync.trusted_pools:
            pool["Applications"] = [a for a in pool["Applications"] if a != app["ApplicationId"]]
        lync.topology_events.append({"action": "Remove-CsTrustedApplication", "identity": identity})
    return []


def _forced_or_confirmed(ctx, args) -> bool:
    """[DOC Remove-CsTrustedApplication(Pool) -Force] "Suppresses any confirmation prompts that would otherwise
    be displayed before making changes": without -Force the cmdlet asks (ShouldContinue, which
    -Confirm:$false does not answer)."""
    return bool(args.get("Force")) or ctx.should_continue("Remove %s?" % ctx.name, "Confirm")


def _find_pool(lync, identity: str):
    text = identity.lower()
    if text.startswith("trustedapplicationpool:"):
        text = text.split(":", 1)[1]
    for pool in lync.trusted_pools:
        if pool["PoolFqdn"].lower() == text:
            return pool
    return None


@cmdlet("Get-CsTrustedApplicationPool", type_name="Microsoft.Rtc.Management.Xds.GetTrustedApplicationPoolCmdlet",
        module=LYNC, default_set="Identity", params=[
    Param("Identity", "string", position=0, sets=("Identity",)),
    Param("Filter", "string", sets=("Filter",)),
    Param("LocalStore", "switch"),
])
def get_trusted_application_pool(ctx, args, pipeline):
    lync = authorised(ctx, permissions.SERVER_ADMIN)
    pools = list(lync.trusted_pools)
    if args.given("Identity"):
        found = _find_pool(lync, _identity_text(args["Identity"]))
        pools = [found] if found else []
    elif args.given("Filter"):
        pools = [p for p in pools if wildcard(args["Filter"], p["Identity"])]
    return [obj(POOL_TYPE, dict(p)) for p in pools]


@cmdlet("Remove-CsTrustedApplicationPool",
        type_name="Microsoft.Rtc.Management.Xds.RemoveTrustedApplicationPoolCmdlet",
        module=LYNC, should_process=True, params=[
    # [DOC Remove-CsTrustedApplication(Pool)] -Identity "Accept pipeline input: True (ByPropertyName)" only.
    Param("Identity", "string", mandatory=True, position=0, from_pipeline_by_name=True),
    Param("Force", "switch"),
])
def remove_trusted_application_pool(ctx, args, pipeline):
    lync = authorised(ctx, permissions.SERVER_ADMIN)
    identity = _identity_text(args["Identity"])
    pool = _find_pool(lync, identity)
    if pool is None:
        raise PSError("Cannot find \"TrustedApplicationPool\" \"%s\" because it does not exist." % identity,
                      "ObjectNotFound,Microsoft.Rtc.Management.Xds.RemoveTrustedApplicationPoolCmdlet",
                      "ObjectNotFound", identity)
    if ctx.should_process(pool["Identity"], "Remove-CsTrustedApplicationPool") and _forced_or_confirmed(ctx, args):
        # [UNV] removing the pool removes its trusted applications and computers with it.
        lync.trusted_apps = [a for a in lync.trusted_apps
                             if a["TrustedApplicationPoolFqdn"].lower() != pool["PoolFqdn"].lower()]
        lync.trusted_pools.remove(pool)
        lync.topology_events.append({"action": "Remove-CsTrustedApplicationPool", "identity": pool["Identity"]})
    return []


# --------------------------------------------------------------------------------------- publishing

@cmdlet("Publish-CsTopology", type_name="Microsoft.Rtc.Management.Deployment.PublishTopologyCmdlet",
        module=LYNC, default_set="FileName", should_process=True, params=[
    Param("FileName", "string", mandatory=True, sets=("FileName",)),
    Param("Document", "object", mandatory=True, sets=("Document",)),
    Param("FinalizeUninstall", "switch", mandatory=True, sets=("FinalizeUninstall",)),
    Param("BackupFileName", "string"), Param("GlobalCatalog", "string"),
    Param("GlobalSettingsDomainController", "string"), Param("Force", "switch"), Param("Report", "string"),
])
def publish_cs_topology(ctx, args, pipeline):
    lync = authorised(ctx, permissions.SERVER_ADMIN)
    event = {"action": "Publish-CsTopology"}
    if args.given("FileName"):
        path = ctx.host.filesystem.resolve(args["FileName"], command="Publish-CsTopology")
        if not path.is_file():
            raise PSError("Cannot find path '%s' because it does not exist." % path.display,
                          "PathNotFound,Microsoft.Rtc.Management.Deployment.PublishTopologyCmdlet",
                          "ObjectNotFound", args["FileName"])
        event["file"] = path.display
    elif args.get("FinalizeUninstall"):
        event["finalize_uninstall"] = True
    else:
        event["document"] = True
    if ctx.should_process("topology", "Publish-CsTopology"):
        lync.topology_events.append(event)
    return []


@cmdlet("Enable-CsTopology", type_name="Microsoft.Rtc.Management.Deployment.EnableTopologyCmdlet",
        module=LYNC, should_process=True, params=[
    Param("GlobalCatalog", "string"), Param("GlobalSettingsDomainController", "string"),
    Param("SkipPrepareCheck", "bool"), Param("Report", "string"), Param("Force", "switch"),
])
def enable_cs_topology(ctx, args, pipeline):
    lync = authorised(ctx, permissions.SERVER_ADMIN)
    if not any(e["action"] == "Publish-CsTopology" for e in lync.topology_events):
        ctx.write_warning("No topology was published since the lab started; enabling the current one.")
    if ctx.should_process("topology", "Enable-CsTopology"):
        lync.topology_events.append({"action": "Enable-CsTopology"})
    return []


# ------------------------------------------------------------------------------------------- RBAC

ROLE_DESCRIPTIONS = {
    "CsAdministrator": "Can perform all administrative tasks and modify all settings.",
    "CsUserAdministrator": "Can enable and disable users, move users, and assign policies to users.",
    "CsPersistentChatAdministrator": "Can manage Persistent Chat categories, rooms, add-ins and settings, "
                                     "and run Export-/Import-CsPersistentChatData.",
}


def _role_cmdlets(role: str) -> list:
    from ...powershell.api import REGISTRY
    from ..permissions import PC_MANAGE, SERVER_ADMIN, USER_ADMIN
    names = []
    for spec in REGISTRY.by_name.values():
        if spec.module != LYNC:
            continue
        groups = _CMDLET_GROUPS.get(spec.name.lower())
        if groups is None:
            groups = PC_MANAGE if "PersistentChat" in spec.name else (
                USER_ADMIN if spec.name.lower() in ("get-csuser", "get-csaduser", "move-csuser")
                else SERVER_ADMIN)
        if role in groups:
            names.append(spec.name)
    return sorted(names)


_CMDLET_GROUPS = {
    "export-cspersistentchatdata": permissions.PC_ADMIN,
    "import-cspersistentchatdata": permissions.PC_ADMIN,
    "grant-cspersistentchatpolicy": permissions.USER_ADMIN,
    "test-cspersistentchatmessage": permissions.SERVER_ADMIN,
}


@cmdlet("Get-CsAdminRole", type_name="Microsoft.Rtc.Management.Internal.GetAdminRoleCmdlet",
        module=LYNC, default_set="Identity", params=[
    Param("Identity", "string", position=0, sets=("Identity",), from_pipeline=True),   # [DOC] ByValue
    Param("Filter", "string", sets=("Filter",)), Param("LocalStore", "switch"),
])
def get_cs_admin_role(ctx, args, pipeline):
    lync = backend(ctx)
    roles = [r for r in lync.topo.directory.rbac_groups if r.lower().startswith("cs")]
    if args.given("Identity"):
        roles = [r for r in roles if r.lower() == args["Identity"].lower()]
        if not roles:
            raise PSError("Cannot find \"Role\" \"%s\" because it does not exist." % args["Identity"],
                          "ObjectNotFound,Microsoft.Rtc.Management.Internal.GetAdminRoleCmdlet",
                          "ObjectNotFound", args["Identity"])
    elif args.given("Filter"):
        roles = [r for r in roles if wildcard(args["Filter"], r)]
    result = []
    for role in roles:
        group = lync.directory.groups.get(role.lower())
        result.append(obj(ROLE_TYPE, {
            "Identity": role, "SID": group.sid if group else None, "IsStandardRole": True,
            "Description": ROLE_DESCRIPTIONS.get(role, ""), "Cmdlets": _role_cmdlets(role),
            "ScriptModules": [], "ConfigScopes": [], "UserScopes": []}))
    return result


@cmdlet("Get-CsAdminRoleAssignment", type_name="Microsoft.Rtc.Management.Internal.GetAdminRoleAssignmentCmdlet",
        module=LYNC, params=[
    Param("Identity", "string", mandatory=True, position=0, from_pipeline=True),
])
def get_cs_admin_role_assignment(ctx, args, pipeline):
    """The RBAC roles a user holds through group membership, one role name per output object; only the
    RTCUniversal user, server and read-only admin groups may ask [DOC]."""
    lync = authorised(ctx, permissions.ROLE_READERS)
    identity = _identity_text(args["Identity"])
    user = lync.directory.find_user(identity)
    if user is None:
        raise PSError("Management object not found for identity \"%s\"." % identity,
                      "Identity,Microsoft.Rtc.Management.Internal.GetAdminRoleAssignmentCmdlet",
                      "InvalidData", identity)
    return [role for role in lync.topo.directory.rbac_groups
            if role.lower().startswith("cs") and lync.directory.is_member(user.sam, role)]
