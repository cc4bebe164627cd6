"""Get-/Set-CsPersistentChatState (reference §1.8, §3.3): the pool state is Normal or FailedOver only."""
from __future__ import annotations

from ...powershell.api import PSEnum, PSError, PSObject, Param, cmdlet
from .. import permissions
from ._common import LYNC, authorised, obj, wildcard

STATE_TYPE = "Microsoft.Rtc.Management.WritableConfig.Settings.PersistentChat.PersistentChatState"
POOL_STATES = ("Normal", "FailedOver")      # [DOC] the only values of PoolState


def canonical_identity(lync, identity) -> str:
    """``PersistentChatServer:<fqdn>`` (cmdlet help) and ``service:<fqdn>`` /
    ``service:PersistentChatServer:<fqdn>`` (failover pages) all name the pool [DOC-inconsistent §3.3]."""
    if isinstance(identity, PSObject):
        identity = identity.get("Identity")
    text = str(identity).strip()
    lowered = text.lower()
    for prefix in ("service:persistentchatserver:", "persistentchatserver:", "service:"):
        if lowered.startswith(prefix):
            fqdn = text[len(prefix):]
            for key in lync.pool_state:
                if key.split(":", 1)[1].lower() == fqdn.lower():
                    return key
            break
    raise PSError("Cannot get the Persistent Chat state for \"%s\": no such Persistent Chat pool in the "
                  "topology." % text,  # [ASSUMED] wording
                  "ObjectNotFound,Microsoft.Rtc.Management.Internal.GetPersistentChatStateCmdlet",
                  "ObjectNotFound", text)


def _state(identity, value):
    return obj(STATE_TYPE, {"Identity": identity,
                            "PoolState": PSEnum("Microsoft.Rtc.Management.WritableConfig.Settings."
                                                "PersistentChat.PoolState", value, POOL_STATES.index(value))})


@cmdlet("Get-CsPersistentChatState", type_name="Microsoft.Rtc.Management.Internal.GetPersistentChatStateCmdlet",
        module=LYNC, default_set="Identity", params=[
    Param("Identity", "string", position=0, sets=("Identity",)),
    Param("Filter", "string", sets=("Filter",)),
    Param("LocalStore", "switch"),
])
def get_cs_persistent_chat_state(ctx, args, pipeline):
    lync = authorised(ctx, permissions.PC_MANAGE)
    if args.given("Identity"):
        key = canonical_identity(lync, args["Identity"])
        return [_state(key, lync.pool_state[key])]
    keys = [k for k in lync.pool_state if not args.given("Filter") or
            wildcard(args["Filter"], k) or wildcard(args["Filter"], k.split(":", 1)[1])]
    return [_state(k, lync.pool_state[k]) for k in keys]


@cmdlet("Set-CsPersistentChatState", type_name="Microsoft.Rtc.Management.Internal.SetPersistentChatStateCmdlet",
        module=LYNC, default_set="Identity", should_process=True, params=[
    # [DOC Set-CsPersistentChatState] -Identity takes no pipeline input; -Instance <PSObject> ByValue.
    Param("Identity", "string", position=0, sets=("Identity",)),
    Param("Instance", "object", sets=("Instance",), from_pipeline=True),
    Param("PoolState", "enum", values=POOL_STATES,
          enum_type="Microsoft.Rtc.Management.WritableConfig.Settings.PersistentChat.PoolState"),
    Param("Force", "switch"),
])
def set_cs_persistent_chat_state(ctx, args, pipeline):
    lync = authorised(ctx, permissions.PC_MANAGE)
    if args.given("Instance"):
        key = canonical_identity(lync, args["Instance"])
        value = args.get("PoolState") or args["Instance"].get("PoolState")
    else:
        key = canonical_identity(lync, args.get("Identity") or lync.pc_state_identity)
        value = args.get("PoolState")
    if value is None:
        return []
    value = next(v for v in POOL_STATES if v.lower() == str(value).lower())
    if ctx.should_process(key, "Set-CsPersistentChatState"):
        lync.pool_state[key] = value
    return []
