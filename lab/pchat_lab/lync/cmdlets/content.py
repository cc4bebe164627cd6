"""Categories, chat rooms and add-ins of the Persistent Chat pool (reference §3.5-3.7), over mgc through
chatdb's ChatStore. Identities are ``<poolFqdn>\\<name>``."""
from __future__ import annotations

import contextlib

from ...chatdb import errors as dberrors
from ...powershell.api import PSError, PSListModifier, PSObject, Param, cmdlet
from .. import permissions
from ._common import LYNC, authorised, obj, wildcard

CATEGORY_TYPE = "Microsoft.Rtc.Management.PersistentChat.Cmdlets.CategoryObject"
ROOM_TYPE = "Microsoft.Rtc.Management.PersistentChat.Cmdlets.ChatRoomObject"
ADDIN_TYPE = "Microsoft.Rtc.Management.PersistentChat.Cmdlets.AddinObject"
ROOM_TYPES = ("Normal", "Auditorium")           # [DOC] ChatRoomType
ROOM_PRIVACY = ("Open", "Closed", "Secret")     # [DOC] ChatRoomPrivacy
ROOM_INVITATIONS = ("Inherit", "False")         # [DOC] ChatRoomInvitations
_NS = "Microsoft.Rtc.Management.PersistentChat.Cmdlets"


@contextlib.contextmanager
def _stores(ctx, cmdlet_class: str, args, every_pool: bool = False):
    """The mgc ChatStore of each pool the cmdlet acts on (see _pools_named), with chatdb's refusals turned
    into the PowerShell errors a cmdlet writes."""
    lync = authorised(ctx, permissions.PC_MANAGE)
    stores = []
    try:
        for pool in _pools_named(lync, args, every_pool):
            store = lync.db.store(pool)
            store.provision_from_directory = lync.directory.chat_principal
            stores.append(store)
        yield lync, stores
    except dberrors.ObjectNotFound as exc:
        raise PSError(str(exc), "ObjectNotFound,%s.%s" % (_NS, cmdlet_class), "ObjectNotFound") from None
    except dberrors.DuplicateName as exc:
        raise PSError(str(exc), "DuplicateName,%s.%s" % (_NS, cmdlet_class), "ResourceExists") from None
    except dberrors.PrincipalNotFound as exc:
        raise PSError(str(exc), "PrincipalNotProvisioned,%s.%s" % (_NS, cmdlet_class), "InvalidArgument") from None
    except dberrors.ConstraintViolation as exc:
        raise PSError(str(exc), "InvalidOperation,%s.%s" % (_NS, cmdlet_class), "InvalidOperation") from None
    finally:
        for store in stores:
            store.close()


@contextlib.contextmanager
def _store(ctx, cmdlet_class: str, args):
    """The mgc ChatStore of the one pool the cmdlet acts on."""
    with _stores(ctx, cmdlet_class, args) as (lync, stores):
        yield lync, stores[0]


def _pools_named(lync, args, every_pool: bool) -> list:
    """The pool an Identity ("<pool>\\<name>"), -PersistentChatPoolFqdn, -Category or -Room ("<pool>\\<name>")
    names; otherwise every pool for a Get (``every_pool``), or the only one: the pool FQDN is needed only
    when more than one Persistent Chat pool is deployed [DOC New-CsPersistentChatCategory]."""
    for param in ("Identity", "Instance"):
        if args.given(param):
            return [_pool_of(lync, _split_identity(args[param], "object")[0])]
    if args.given("PersistentChatPoolFqdn"):
        return [_pool_of(lync, args["PersistentChatPoolFqdn"])]
    for param in ("Category", "Room"):
        if args.given(param) and "\\" in str(args[param]):
            return [_pool_of(lync, str(args[param]).split("\\", 1)[0])]
    pools = lync.topo.pc_pools
    if every_pool or len(pools) == 1:
        return list(pools)
    raise PSError("More than one Persistent Chat pool is deployed (%s): name the pool with "
                  "-PersistentChatPoolFqdn." % ", ".join(pool.fqdn for pool in pools),
                  "PoolRequired", "InvalidArgument")       # [ASSUMED] wording


def _pool_of(lync, fqdn):
    pool = lync.topo.pc_pool_named(fqdn)
    if pool is None:
        raise PSError("Persistent Chat pool \"%s\" was not found in the topology." % str(fqdn).strip(),
                      "InvalidPool", "ObjectNotFound", fqdn)       # [ASSUMED] wording
    return pool


def _split_identity(identity, what: str) -> tuple:
    """``<pool>\\<name>`` -> (pool, name)."""
    if isinstance(identity, PSObject):
        identity = identity.get("Identity")
    text = str(identity).strip()
    if "\\" not in text:
        raise PSError("Invalid %s identity \"%s\": use \"<Persistent Chat pool FQDN>\\<name>\"." % (what, text),
                      "InvalidIdentity", "InvalidArgument", text)   # [ASSUMED] wording
    pool, name = text.split("\\", 1)
    return pool, name


def _name_from_identity(lync, identity, what: str) -> str:
    """``<pool>\\<name>`` -> name; the pool must be a Persistent Chat pool of this topology."""
    pool, name = _split_identity(identity, what)
    _pool_of(lync, pool)
    return name


def _check_name(lync, args, cmdlet_class: str) -> None:
    """Refuse a -Name that begins or ends with white space: Identity "<pool>\\<name>" is read trimmed, so such
    an object could be created but never found again ([ASSUMED]: Microsoft is silent; COVERAGE.md)."""
    name = args.get("Name") if args.given("Name") else None
    if not isinstance(name, str) or name == name.strip() or not name.strip():
        return
    if lync.topo.pc_pool.outer_space_names == "accept":
        return
    raise PSError("Cannot process argument \"Name\": \"%s\" begins or ends with white space. Remove the leading "
                  "and trailing spaces from the name." % name,
                  "InvalidName,%s.%s" % (_NS, cmdlet_class), "InvalidArgument", name)   # [ASSUMED] wording


def _check_pool(lync, args) -> None:
    if args.given("PersistentChatPoolFqdn"):
        _pool_of(lync, args["PersistentChatPoolFqdn"])


def _modified(args, name: str, current: list):
    """A PSListModifier parameter applied to the current list; $null clears."""
    value = args[name]
    if value is None:
        return []
    if isinstance(value, PSListModifier):
        return value.apply(current)
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _text(value):
    return None if value is None else str(value)


# ------------------------------------------------------------------------------------------ categories

@cmdlet("Get-CsPersistentChatCategory", type_name=_NS + ".GetPersistentChatCategoryCmdlet",
        module=LYNC, default_set="PersistentChatPoolFqdn", params=[
    Param("Identity", "string", mandatory=True, position=0, sets=("Identity",)),
    Param("PersistentChatPoolFqdn", "string", sets=("PersistentChatPoolFqdn",)),
    Param("AsObject", "switch"),
])
def get_category(ctx, args, pipeline):
    with _stores(ctx, "GetPersistentChatCategoryCmdlet", args, every_pool=True) as (lync, stores):
        if args.given("Identity"):
            return [obj(CATEGORY_TYPE, stores[0].category(_name_from_identity(lync, args["Identity"], "category")))]
        return [obj(CATEGORY_TYPE, c) for store in stores for c in store.categories()]


@cmdlet("New-CsPersistentChatCategory", type_name=_NS + ".NewPersistentChatCategoryCmdlet",
        module=LYNC, should_process=True, params=[
    Param("Name", "string", mandatory=True), Param("Description", "string"),
    Param("EnableFileUpload", "switch"), Param("EnableInvitations", "switch"),
    Param("PersistentChatPoolFqdn", "string"), Param("RemoveChatHistory", "switch"),
])
def new_category(ctx, args, pipeline):
    with _store(ctx, "NewPersistentChatCategoryCmdlet", args) as (lync, store):
        _check_name(lync, args, "NewPersistentChatCategoryCmdlet")
        _check_pool(lync, args)
        if not ctx.should_process(args["Name"], "New-CsPersistentChatCategory"):
            return []
        created = store.add_category(args["Name"], description=args.get("Description") or "",
                                     invitations=bool(args.get("EnableInvitations")),
                                     file_upload=bool(args.get("EnableFileUpload")),
                                     chat_history=not args.get("RemoveChatHistory"))
        return [obj(CATEGORY_TYPE, created)]


_SET_CATEGORY = {"Name": "name", "Description": "description", "Invitations": "invitations",
                 "FileUpload": "file_upload", "ChatHistory": "chat_history"}


@cmdlet("Set-CsPersistentChatCategory", type_name=_NS + ".SetPersistentChatCategoryCmdlet",
        module=LYNC, default_set="Identity", should_process=True, params=[
    Param("Identity", "string", mandatory=True, position=0, sets=("Identity",)),
    Param("Instance", "object", mandatory=True, sets=("Instance",), from_pipeline=True,
          object_types=(CATEGORY_TYPE,)),
    Param("AllowedMembers", "pslistmodifier"), Param("DeniedMembers", "pslistmodifier"),
    Param("Creators", "pslistmodifier"), Param("ChatHistory", "bool"), Param("FileUpload", "bool"),
    Param("Invitations", "bool"), Param("Name", "string"), Param("Description", "string"),
    Param("AsObject", "switch"),
])
def set_category(ctx, args, pipeline):
    with _store(ctx, "SetPersistentChatCategoryCmdlet", args) as (lync, store):
        _check_name(lync, args, "SetPersistentChatCategoryCmdlet")
        name = _name_from_identity(lync, args.get("Identity") or args.get("Instance"), "category")
        current = store.category(name)
        changes = {key: args[param] for param, key in _SET_CATEGORY.items() if args.given(param)}
        for param, key in (("AllowedMembers", "allowed"), ("DeniedMembers", "denied"), ("Creators", "creators")):
            if args.given(param):
                changes[key] = _modified(args, param, current[param])
        if changes and ctx.should_process(current["Identity"], "Set-CsPersistentChatCategory"):
            store.set_category(name, **changes)
        return []


# ConfirmImpact High: [ASSUMED] Microsoft is silent; a removal asks as High-impact cmdlets do (COVERAGE.md)
@cmdlet("Remove-CsPersistentChatCategory", type_name=_NS + ".RemovePersistentChatCategoryCmdlet",
        module=LYNC, default_set="Identity", should_process=True, confirm_impact="High", params=[
    Param("Identity", "string", mandatory=True, position=0, sets=("Identity",)),
    Param("Instance", "object", mandatory=True, position=0, sets=("Instance",), from_pipeline=True,
          object_types=(CATEGORY_TYPE,)),
])
def remove_category(ctx, args, pipeline):
    with _store(ctx, "RemovePersistentChatCategoryCmdlet", args) as (lync, store):
        name = _name_from_identity(lync, args.get("Identity") or args.get("Instance"), "category")
        store.category(name)
        if ctx.should_process("%s\\%s" % (store.pool_fqdn, name), "Remove-CsPersistentChatCategory"):
            store.remove_category(name)     # refuses while the category has rooms [DOC §6.16]
        return []


# ----------------------------------------------------------------------------------------------- rooms

def _category_name(lync, value: str) -> str:
    return _name_from_identity(lync, value, "category") if "\\" in str(value) else str(value)


@cmdlet("Get-CsPersistentChatRoom", type_name=_NS + ".GetPersistentChatRoomCmdlet",
        module=LYNC, default_set="Filter", params=[
    Param("Identity", "string", mandatory=True, position=0, sets=("Identity",)),
    Param("Addin", "string", sets=("Filter",)), Param("Category", "string", sets=("Filter",)),
    Param("ChatContentExceedsMB", "int", sets=("Filter",)), Param("Disabled", "bool", sets=("Filter",)),
    Param("Filter", "string", sets=("Filter",)),
    Param("Invitations", "enum", values=ROOM_INVITATIONS, sets=("Filter",),
          enum_type="Microsoft.Rtc.Management.PersistentChat.Cmdlets.ChatRoomInvitations"),
    Param("Manager", "string", sets=("Filter",)), Param("Member", "string", sets=("Filter",)),
    Param("PersistentChatPoolFqdn", "string", sets=("Filter",)),
    Param("Privacy", "enum", values=ROOM_PRIVACY, sets=("Filter",),
          enum_type="Microsoft.Rtc.Management.PersistentChat.Cmdlets.ChatRoomPrivacy"),
    Param("ResultSize", "int", sets=("Filter",)), Param("SearchDescription", "switch", sets=("Filter",)),
    Param("Type", "enum", values=ROOM_TYPES, sets=("Filter",),
          enum_type="Microsoft.Rtc.Management.PersistentChat.Cmdlets.ChatRoomType"),
    Param("AsObject", "switch"),
])
def get_room(ctx, args, pipeline):
    authorised(ctx, permissions.PC_MANAGE)
    if args.given("Category") and (args.given("PersistentChatPoolFqdn") or args.given("Filter")):
        # [DOC §3.6] -Category cannot be combined with -PersistentChatPoolFqdn or -Filter.
        raise PSError("Parameter -Category cannot be used together with -PersistentChatPoolFqdn or -Filter.",
                      "InvalidParameterCombination", "InvalidArgument")
    with _stores(ctx, "GetPersistentChatRoomCmdlet", args, every_pool=True) as (lync, stores):
        if args.given("Identity"):
            return [obj(ROOM_TYPE, stores[0].room(_name_from_identity(lync, args["Identity"], "chat room")))]
        rooms = []
        for store in stores:
            rooms += _rooms_of(lync, store, args, several=len(stores) > 1)
        if args.given("ResultSize"):
            rooms = rooms[:args["ResultSize"]]
        return [obj(ROOM_TYPE, r) for r in rooms]


def _rooms_of(lync, store, args, several: bool) -> list:
    """The rooms of one pool that pass Get-CsPersistentChatRoom's filters (a -Category by name alone is looked
    for in every pool: ``several``, a pool without it has none)."""
    try:
        rooms = store.rooms(_category_name(lync, args["Category"]) if args.given("Category") else None)
    except dberrors.ObjectNotFound:
        if several:
            return []
        raise
    checks = [
        ("Addin", lambda r, v: (r["Addin"] or "").lower() == str(v).lower()),
        ("Disabled", lambda r, v: r["Disabled"] == bool(v)),
        ("Invitations", lambda r, v: r["Invitations"].lower() == str(v).lower()),
        ("Privacy", lambda r, v: r["Privacy"].lower() == str(v).lower()),
        ("Type", lambda r, v: r["Type"].lower() == str(v).lower()),
        ("Manager", lambda r, v: str(v).lower() in [m.lower() for m in r["Managers"]]),
        ("Member", lambda r, v: str(v).lower() in [m.lower() for m in r["Members"]]),
        ("Filter", lambda r, v: wildcard(v, r["Name"]) or
         (bool(args.get("SearchDescription")) and wildcard(v, r["Description"]))),
    ]
    for name, check in checks:
        if args.given(name):
            rooms = [r for r in rooms if check(r, args[name])]
    if args.given("ChatContentExceedsMB"):
        sizes = {room["Name"]: sum(len((m["Content"] or "").encode("utf-16-le")) for m in store.messages(room["Name"]))
                 for room in rooms}
        rooms = [r for r in rooms if sizes[r["Name"]] > args["ChatContentExceedsMB"] * 1024 * 1024]
    return rooms


@cmdlet("New-CsPersistentChatRoom", type_name=_NS + ".NewPersistentChatRoomCmdlet",
        module=LYNC, should_process=True, params=[
    Param("Category", "string", mandatory=True), Param("Name", "string", mandatory=True),
    Param("Addin", "string"), Param("Description", "string"), Param("Disabled", "bool"),
    Param("Invitations", "enum", values=ROOM_INVITATIONS,
          enum_type="Microsoft.Rtc.Management.PersistentChat.Cmdlets.ChatRoomInvitations"),
    Param("PersistentChatPoolFqdn", "string"),
    Param("Privacy", "enum", values=ROOM_PRIVACY,
          enum_type="Microsoft.Rtc.Management.PersistentChat.Cmdlets.ChatRoomPrivacy"),
    Param("Type", "enum", values=ROOM_TYPES,
          enum_type="Microsoft.Rtc.Management.PersistentChat.Cmdlets.ChatRoomType"),
])
def new_room(ctx, args, pipeline):
    with _store(ctx, "NewPersistentChatRoomCmdlet", args) as (lync, store):
        _check_name(lync, args, "NewPersistentChatRoomCmdlet")
        _check_pool(lync, args)
        category = _category_name(lync, args["Category"])
        if not ctx.should_process(args["Name"], "New-CsPersistentChatRoom"):
            return []
        created = store.add_room(
            args["Name"], category, description=args.get("Description") or "",
            type=_text(args.get("Type")) or "Normal", privacy=_text(args.get("Privacy")) or "Closed",
            invitations=_text(args.get("Invitations")) or "Inherit", addin=args.get("Addin"),
            disabled=bool(args.get("Disabled")))
        return [obj(ROOM_TYPE, created)]


@cmdlet("Set-CsPersistentChatRoom", type_name=_NS + ".SetPersistentChatRoomCmdlet",
        module=LYNC, default_set="Identity", should_process=True, params=[
    Param("Identity", "string", mandatory=True, position=0, sets=("Identity",)),
    Param("Instance", "object", mandatory=True, position=0, sets=("Instance",), from_pipeline=True,
          object_types=(ROOM_TYPE,)),
    Param("Addin", "string"), Param("Category", "string"), Param("Description", "string"),
    Param("Disabled", "bool"), Param("Force", "switch"),
    Param("Invitations", "enum", values=ROOM_INVITATIONS,
          enum_type="Microsoft.Rtc.Management.PersistentChat.Cmdlets.ChatRoomInvitations"),
    Param("Members", "pslistmodifier"), Param("Managers", "pslistmodifier"), Param("Presenters", "pslistmodifier"),
    Param("Name", "string"),
    Param("Privacy", "enum", values=ROOM_PRIVACY,
          enum_type="Microsoft.Rtc.Management.PersistentChat.Cmdlets.ChatRoomPrivacy"),
    Param("Type", "enum", values=ROOM_TYPES,
          enum_type="Microsoft.Rtc.Management.PersistentChat.Cmdlets.ChatRoomType"),
    Param("AsObject", "switch"),
])
def set_room(ctx, args, pipeline):
    with _store(ctx, "SetPersistentChatRoomCmdlet", args) as (lync, store):
        _check_name(lync, args, "SetPersistentChatRoomCmdlet")
        name = _name_from_identity(lync, args.get("Identity") or args.get("Instance"), "chat room")
        current = store.room(name)
        changes = {}
        for param in ("Name", "Description", "Disabled", "Addin"):
            if args.given(param):
                changes[param.lower()] = args[param]
        for param in ("Type", "Privacy", "Invitations"):
            if args.given(param):
                changes[param.lower()] = _text(args[param])
        if args.given("Category"):
            changes["category"] = _category_name(lync, args["Category"])
        for param in ("Members", "Managers", "Presenters"):
            if args.given(param):
                changes[param.lower()] = _modified(args, param, current[param])
        if changes and ctx.should_process(current["Identity"], "Set-CsPersistentChatRoom"):
            store.set_room(name, **changes)
        return []


# ConfirmImpact High: [ASSUMED] Microsoft is silent; a removal asks as High-impact cmdlets do (COVERAGE.md)
@cmdlet("Remove-CsPersistentChatRoom", type_name=_NS + ".RemovePersistentChatRoomCmdlet",
        module=LYNC, default_set="Identity", should_process=True, confirm_impact="High", params=[
    Param("Identity", "string", mandatory=True, position=0, sets=("Identity",)),
    Param("Instance", "object", mandatory=True, position=0, sets=("Instance",), from_pipeline=True,
          object_types=(ROOM_TYPE,)),
    Param("Force", "switch"),
])
def remove_room(ctx, args, pipeline):
    with _store(ctx, "RemovePersistentChatRoomCmdlet", args) as (lync, store):
        name = _name_from_identity(lync, args.get("Identity") or args.get("Instance"), "chat room")
        current = store.room(name)
        if ctx.should_process(current["Identity"], "Remove-CsPersistentChatRoom"):
            store.remove_room(name)
        return []


# ConfirmImpact High: [DOC Clear-CsPersistentChatRoom Example 2: -Confirm:$False suppresses "the confirmation
# prompt which would otherwise appear"]
@cmdlet("Clear-CsPersistentChatRoom", type_name=_NS + ".ClearPersistentChatRoomCmdlet",
        module=LYNC, default_set="Identity", should_process=True, confirm_impact="High", params=[
    Param("Identity", "string", mandatory=True, position=0, sets=("Identity",)),
    Param("Instance", "object", mandatory=True, position=0, sets=("Instance",), from_pipeline=True,
          object_types=(ROOM_TYPE,)),
    Param("EndDate", "datetime", mandatory=True),
])
def clear_room(ctx, args, pipeline):
    with _store(ctx, "ClearPersistentChatRoomCmdlet", args) as (lync, store):
        name = _name_from_identity(lync, args.get("Identity") or args.get("Instance"), "chat room")
        current = store.room(name)
        if ctx.should_process(current["Identity"], "Clear-CsPersistentChatRoom"):
            store.clear_room(name, args["EndDate"])
        return []


# --------------------------------------------------------------------------------------------- add-ins

@cmdlet("Get-CsPersistentChatAddin", type_name=_NS + ".GetPersistentChatAddinCmdlet",
        module=LYNC, default_set="PersistentChatPoolFqdn", params=[
    Param("Identity", "string", mandatory=True, position=0, sets=("Identity",)),
    Param("PersistentChatPoolFqdn", "string", sets=("PersistentChatPoolFqdn",)),
])
def get_addin(ctx, args, pipeline):
    with _stores(ctx, "GetPersistentChatAddinCmdlet", args, every_pool=True) as (lync, stores):
        if args.given("Identity"):
            return [obj(ADDIN_TYPE, stores[0].addin(_name_from_identity(lync, args["Identity"], "add-in")))]
        return [obj(ADDIN_TYPE, a) for store in stores for a in store.addins()]


@cmdlet("New-CsPersistentChatAddin", type_name=_NS + ".NewPersistentChatAddinCmdlet",
        module=LYNC, should_process=True, params=[
    Param("Name", "string", mandatory=True), Param("Url", "string", mandatory=True),
    Param("PersistentChatPoolFqdn", "string"),
])
def new_addin(ctx, args, pipeline):
    with _store(ctx, "NewPersistentChatAddinCmdlet", args) as (lync, store):
        _check_name(lync, args, "NewPersistentChatAddinCmdlet")
        _check_pool(lync, args)
        if not ctx.should_process(args["Name"], "New-CsPersistentChatAddin"):
            return []
        return [obj(ADDIN_TYPE, store.add_addin(args["Name"], args["Url"]))]


@cmdlet("Set-CsPersistentChatAddin", type_name=_NS + ".SetPersistentChatAddinCmdlet",
        module=LYNC, default_set="Identity", should_process=True, params=[
    Param("Identity", "string", mandatory=True, position=0, sets=("Identity",), from_pipeline=True),
    Param("Instance", "object", mandatory=True, position=0, sets=("Instance",), from_pipeline=True,
          object_types=(ADDIN_TYPE,)),
    Param("Name", "string"), Param("Url", "string"),
])
def set_addin(ctx, args, pipeline):
    with _store(ctx, "SetPersistentChatAddinCmdlet", args) as (lync, store):
        _check_name(lync, args, "SetPersistentChatAddinCmdlet")
        name = _name_from_identity(lync, args.get("Identity") or args.get("Instance"), "add-in")
        current = store.addin(name)
        changes = {p.lower(): args[p] for p in ("Name", "Url") if args.given(p)}
        if changes and ctx.should_process(current["Identity"], "Set-CsPersistentChatAddin"):
            store.set_addin(name, **changes)
        return []


# ConfirmImpact High: [ASSUMED] Microsoft is silent; a removal asks as High-impact cmdlets do (COVERAGE.md)
@cmdlet("Remove-CsPersistentChatAddin", type_name=_NS + ".RemovePersistentChatAddinCmdlet",
        module=LYNC, default_set="Identity", should_process=True, confirm_impact="High", params=[
    Param("Identity", "string", mandatory=True, position=0, sets=("Identity",)),
    Param("Instance", "object", mandatory=True, position=0, sets=("Instance",), from_pipeline=True,
          object_types=(ADDIN_TYPE,)),
    Param("Force", "switch"),
])
def remove_addin(ctx, args, pipeline):
    with _store(ctx, "RemovePersistentChatAddinCmdlet", args) as (lync, store):
        name = _name_from_identity(lync, args.get("Identity") or args.get("Instance"), "add-in")
        current = store.addin(name)
        if ctx.should_process(current["Identity"], "Remove-CsPersistentChatAddin"):
            store.remove_addin(name)
        return []
