"""Remove-CsPersistentChatMessage (reference §3.11; Microsoft's cmdlet reference): an administrator
removes, or replaces the text of, the messages of one chat room that match the filters."""
from __future__ import annotations

from ...powershell.api import Param, cmdlet
from ._common import LYNC
from .content import _name_from_identity, _store

# [DOC] "By default, the replacement message reads ..."
DEFAULT_REPLACEMENT = "This message was replaced by the Persistent Chat administrator."
# [DOC-inconsistent] the current help lists All | Or | Exact, the Lync 2013 help And | Or | Exact: both read
# "every keyword" for All/And.
MATCH_CLAUSES = ("All", "And", "Or", "Exact")


# Parameter sets Remove (-Remove) and Replace (-ReplaceMessage) [DOC]. Microsoft's Example 1 gives neither
# (`-Identity ... -EndDate "4/1/2012"`) and the help says the replacement text applies "by default", so
# neither is mandatory here and Replace is the default set [ASSUMED from the example].
@cmdlet("Remove-CsPersistentChatMessage", type_name="Microsoft.Rtc.Management.PersistentChat.Cmdlets.RemovePersistentChatMessageCmdlet", module=LYNC, default_set="Replace", should_process=True, params=[
    Param("Identity", "string", mandatory=True),
    Param("Remove", "switch", sets=("Remove",)),
    Param("ReplaceMessage", "string", sets=("Replace",)),
    Param("UserUri", "string"),
    Param("StartDate", "datetime"),
    Param("EndDate", "datetime"),
    Param("Filter", "string"),
    Param("MatchClause", "enum", values=MATCH_CLAUSES,
          enum_type="Microsoft.Rtc.Management.PersistentChat.Cmdlets.AndOr"),
    Param("CaseSensitive", "bool"),
])
def remove_cs_persistent_chat_message(ctx, args, pipeline):
    with _store(ctx, "RemovePersistentChatMessageCmdlet", args) as (lync, store):
        name = _name_from_identity(lync, args["Identity"], "chat room")
        room = store.room(name)
        if not ctx.should_process(room["Identity"], "Remove-CsPersistentChatMessage"):
            return []
        replacement = None if args.get("Remove") else (args.get("ReplaceMessage") or DEFAULT_REPLACEMENT)
        count = store.remove_messages(name, replacement, user_uri=args.get("UserUri"),
                                      start=args.get("StartDate"), end=args.get("EndDate"),
                                      keywords=args.get("Filter"), match=str(args.get("MatchClause") or "All"),
                                      case_sensitive=bool(args.get("CaseSensitive")))
        ctx.write_verbose("%d message(s) %s in chat room \"%s\"." % (
            count, "removed" if replacement is None else "replaced", room["Identity"]))
        return []        # [DOC] Outputs: None
