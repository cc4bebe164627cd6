"""The XDS-scoped settings cmdlets (reference §3.8-3.10): Persistent Chat configuration, compliance
configuration and policy (Get/New/Set/Remove), plus Grant-CsPersistentChatPolicy."""
from __future__ import annotations

import datetime as _dt

from ...powershell.api import PSError, PSObject, Param, cmdlet
from .. import permissions
from ._common import LYNC, authorised, obj

CONFIG_TYPE = "Microsoft.Rtc.Management.WritableConfig.Settings.PersistentChat.PersistentChatConfiguration"
COMPLIANCE_TYPE = ("Microsoft.Rtc.Management.WritableConfig.Settings.PersistentChat."
                   "PersistentChatComplianceConfiguration")
POLICY_TYPE = "Microsoft.Rtc.Management.WritableConfig.Policy.PersistentChat.PersistentChatPolicy"

CONFIG_PARAMS = [
    # [DOC Set-/New-CsPersistentChatConfiguration] DefaultChatHistory <Int16> (1-500), MaxFileSizeKB and
    # ParticipantUpdateLimit <UInt32>: PowerShell's conversion errors name these types.
    Param("DefaultChatHistory", "int16", value_range=(1, 500)),
    Param("MaxFileSizeKB", "uint32"),
    Param("ParticipantUpdateLimit", "uint32"),
    Param("RoomManagementUrl", "string"),
]
COMPLIANCE_PARAMS = [
    Param("AdapterName", "string"), Param("AdapterOutputDirectory", "string"), Param("AdapterType", "string"),
    Param("AddChatRoomDetails", "bool"), Param("AddUserDetails", "bool"),
    Param("CreateFileAttachmentsManifest", "bool"), Param("CustomConfiguration", "string"),
    Param("OneChatRoomPerOutputFile", "bool"), Param("RunInterval", "timespan"),
]
POLICY_PARAMS = [Param("Description", "string"), Param("EnablePersistentChat", "bool")]


def _settings(lync, kind):
    return {"configuration": lync.configuration, "compliance": lync.compliance, "policy": lync.policies}[kind]


def _to_obj(type_name, settings, key):
    props = {"Identity": settings.display(key)}
    props.update(settings.items[key])
    return obj(type_name, props)


def _check_scope(lync, settings, identity: str, cmdlet_type: str) -> None:
    """New- may create site:<existing site>, service:PersistentChatServer:<pool> and (policies) tag:."""
    key = settings.canonical(identity)
    scope = settings.scope_of(identity)
    ok = False
    if scope == "site":
        ok = key == "site:%s" % lync.topo.site_name.lower()
    elif scope == "service":
        ok = key in {("service:persistentchatserver:%s" % pool.fqdn).lower() for pool in lync.topo.pc_pools}
    elif scope == "tag":
        ok = "tag" in settings.scopes and len(key) > 4
    if not ok or scope not in settings.scopes:
        raise PSError("\"%s\" is not a valid identity for this cmdlet: the scope does not exist or is not "
                      "supported." % identity,   # [ASSUMED] wording
                      "InvalidIdentity,%s" % cmdlet_type, "InvalidArgument", identity)


def _values(args, params) -> dict:
    values = {}
    for param in params:
        if args.given(param.name):
            value = args[param.name]
            if param.name == "RunInterval":
                if not isinstance(value, _dt.timedelta) or not (
                        _dt.timedelta(minutes=1) <= value <= _dt.timedelta(days=30)):
                    raise PSError("Cannot validate argument on parameter 'RunInterval'. The value must be "
                                  "between 00:01:00 and 30.00:00:00.", "ParameterArgumentValidationError",
                                  "InvalidData", value)
            values[param.name] = value
    return values


def _register(noun: str, kind: str, type_name: str, params: list, groups) -> None:
    cmdlet_type = "Microsoft.Rtc.Management.Internal.%sCmdlet" % noun
    # [ASSUMED] each verb's own class (Microsoft does not document them); the engine gives every error
    # of the cmdlet this suffix.
    type_prefix = "Microsoft.Rtc.Management.Internal.%%s%sCmdlet" % noun

    @cmdlet("Get-Cs%s" % noun, type_name=type_prefix % "Get", module=LYNC, default_set="Identity", params=[
        Param("Identity", "string", position=0, sets=("Identity",)),
        Param("Filter", "string", sets=("Filter",)),
        Param("LocalStore", "switch"),
        *([Param("Tenant", "string")] if kind == "policy" else []),
    ])
    def get_settings(ctx, args, pipeline):
        lync = authorised(ctx, groups)
        settings = _settings(lync, kind)
        if args.given("Identity"):
            key = settings.canonical(args["Identity"])
            if key not in settings.items:
                raise PSError("Cannot get \"%s\" \"%s\" because it does not exist." % (noun, args["Identity"]),
                              "ObjectNotFound,%s" % cmdlet_type, "ObjectNotFound", args["Identity"])
            keys = [key]
        elif args.given("Filter"):
            keys = settings.match(args["Filter"])
        else:
            keys = list(settings.items)
        return [_to_obj(type_name, settings, k) for k in keys]

    new_params = [Param("Identity", "string", mandatory=True, position=0), *params, Param("Force", "switch"),
                  Param("InMemory", "switch")]

    @cmdlet("New-Cs%s" % noun, type_name=type_prefix % "New", module=LYNC, should_process=True, params=new_params)
    def new_settings(ctx, args, pipeline):
        lync = authorised(ctx, groups)
        settings = _settings(lync, kind)
        identity = args["Identity"]
        key = settings.canonical(identity)
        if key in settings.items:
            raise PSError("\"%s\" \"%s\" already exists." % (noun, settings.display(key)),  # [ASSUMED] wording
                          "AlreadyExists,%s" % cmdlet_type, "ResourceExists", identity)
        _check_scope(lync, settings, identity, cmdlet_type)
        values = _values(args, params)
        if args.get("InMemory"):
            probe = dict(settings.defaults)
            probe.update(values)
            return [obj(type_name, dict({"Identity": identity}, **probe))]
        if not ctx.should_process(identity, "New-Cs%s" % noun):
            return []
        settings.create(identity, values)
        return [_to_obj(type_name, settings, key)]

    @cmdlet("Set-Cs%s" % noun, type_name=type_prefix % "Set", module=LYNC, default_set="Identity",
            should_process=True, params=[
        Param("Identity", "string", position=0, sets=("Identity",)),
        Param("Instance", "object", sets=("Instance",), from_pipeline=True),   # <PSObject>
        *params, Param("Force", "switch"),
    ])
    def set_settings(ctx, args, pipeline):
        lync = authorised(ctx, groups)
        settings = _settings(lync, kind)
        values = _values(args, params)
        if args.given("Instance"):
            instance = args["Instance"]
            identity = instance.get("Identity") if isinstance(instance, PSObject) else str(instance)
            if isinstance(instance, PSObject):
                for name in settings.defaults:
                    if name in instance and name not in values:
                        values[name] = instance[name]
        else:
            identity = args.get("Identity") or "Global"     # [DOC] no Identity -> global
        key = settings.canonical(str(identity))
        if key not in settings.items:
            raise PSError("Cannot find \"%s\" \"%s\" because it does not exist." % (noun, identity),
                          "ObjectNotFound,%s" % cmdlet_type, "ObjectNotFound", identity)
        if values and ctx.should_process(settings.display(key), "Set-Cs%s" % noun):
            settings.items[key].update(values)
        return []

    # ConfirmImpact High: [ASSUMED] Microsoft is silent; a removal asks as High-impact cmdlets do (COVERAGE.md)
    @cmdlet("Remove-Cs%s" % noun, type_name=type_prefix % "Remove", module=LYNC, should_process=True,
            confirm_impact="High", params=[
        Param("Identity", "string", mandatory=True, position=0, from_pipeline_by_name=True),
        Param("Force", "switch"),
    ])
    def remove_settings(ctx, args, pipeline):
        lync = authorised(ctx, groups)
        settings = _settings(lync, kind)
        identity = args["Identity"]
        key = settings.canonical(identity)
        if key not in settings.items:
            raise PSError("Cannot remove \"%s\" \"%s\" because it does not exist." % (noun, identity),
                          "ObjectNotFound,%s" % cmdlet_type, "ObjectNotFound", identity)
        if not ctx.should_process(settings.display(key), "Remove-Cs%s" % noun):
            return []
        if key == "global":
            # [DOC §3.8/3.9] global cannot be removed: Remove resets it to the defaults.
            settings.items[key] = dict(settings.defaults)
            return []
        if kind == "policy":
            for user in lync.directory.users.values():
                if user.persistent_chat_policy and settings.canonical(user.persistent_chat_policy) == key:
                    user.persistent_chat_policy = None
        settings.remove(identity)
        return []


_register("PersistentChatConfiguration", "configuration", CONFIG_TYPE, CONFIG_PARAMS, permissions.PC_MANAGE)
_register("PersistentChatComplianceConfiguration", "compliance", COMPLIANCE_TYPE, COMPLIANCE_PARAMS,
          permissions.PC_MANAGE)
_register("PersistentChatPolicy", "policy", POLICY_TYPE, POLICY_PARAMS, permissions.PC_MANAGE)


@cmdlet("Grant-CsPersistentChatPolicy",
        type_name="Microsoft.Rtc.Management.AD.Cmdlets.AssignPersistentChatPolicyCmdlet",
        module=LYNC, should_process=True, params=[
    Param("Identity", "string", mandatory=True, position=0, from_pipeline=True, from_pipeline_by_name=True),
    Param("PolicyName", "string", position=1),
    Param("DomainController", "string"),
    Param("PassThru", "switch"),
])
def grant_cs_persistent_chat_policy(ctx, args, pipeline):
    from .users import user_object
    lync = authorised(ctx, permissions.USER_ADMIN)
    identity = args["Identity"]
    if isinstance(identity, PSObject):
        identity = identity.get("SipAddress") or identity.get("Identity")
    user = lync.directory.find_user(str(identity))
    if user is None or not user.lync_enabled:
        raise PSError("Management object not found for identity \"%s\"." % identity,   # Lync's wording
                      "Identity,Microsoft.Rtc.Management.AD.Cmdlets.AssignPersistentChatPolicyCmdlet",
                      "InvalidData", identity)
    name = args.get("PolicyName")
    if name is not None:
        if name.lower().startswith("tag:"):
            name = name[4:]
        if lync.policies.get("tag:" + name) is None:
            raise PSError("Cannot find \"PersistentChatPolicy\" \"%s\" because it does not exist." % name,
                          "ObjectNotFound,Microsoft.Rtc.Management.AD.Cmdlets.AssignPersistentChatPolicyCmdlet",
                          "ObjectNotFound", name)
    if ctx.should_process(user.name, "Grant-CsPersistentChatPolicy"):
        user.persistent_chat_policy = name
    return [user_object(lync, user)] if args.get("PassThru") else []
