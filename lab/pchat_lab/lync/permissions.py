"""Who may run which cmdlet (reference §6.11), checked against the simulated AD group membership.

- Export-/Import-CsPersistentChatData: CsPersistentChatAdministrator only [DOC §3.1, §6.11].
- Persistent Chat management (categories, rooms, add-ins, configuration, policy, compliance, endpoint,
  state): CsPersistentChatAdministrator, CsAdministrator or RTCUniversalServerAdmins [DOC §6.11 for the
  first two; RTCUniversalServerAdmins as the local superset: ASSUMED].
- Topology, services, trusted applications, Test-CsPersistentChatMessage: RTCUniversalServerAdmins or
  CsAdministrator [DOC §6.11 "others need RTCUniversalServerAdmins"].
- Users (Get-CsUser, Move-CsUser, Grant-CsPersistentChatPolicy): CsUserAdministrator, CsAdministrator or
  RTCUniversalServerAdmins [DOC §6.11 "changing policy needs at least CsUserAdministrator"].
- Get-CsAdminRoleAssignment: RTCUniversalUserAdmins, RTCUniversalServerAdmins or RTCUniversalReadOnlyAdmins
  [DOC: the cmdlet's help, "Who can run this cmdlet"].
- ActiveDirectory: reads for any domain user; Remove-ADUser needs Domain Admins [ASSUMED].
- SqlServer: members of Domain Admins or RTCUniversalServerAdmins are sysadmin on the lab's
  instances [ASSUMED].
"""
from __future__ import annotations

from ..powershell.api import PSError

PC_ADMIN = ("CsPersistentChatAdministrator",)
PC_MANAGE = ("CsPersistentChatAdministrator", "CsAdministrator", "RTCUniversalServerAdmins")
SERVER_ADMIN = ("RTCUniversalServerAdmins", "CsAdministrator")
USER_ADMIN = ("CsUserAdministrator", "CsAdministrator", "RTCUniversalServerAdmins")
ROLE_READERS = ("RTCUniversalUserAdmins", "RTCUniversalServerAdmins", "RTCUniversalReadOnlyAdmins")
DOMAIN_ADMIN = ("Domain Admins",)
SQL_ADMIN = ("Domain Admins", "RTCUniversalServerAdmins")


def current_user(ctx) -> str:
    """The account the cmdlet runs as: the WinRM user the wsman layer put on the sink, else the
    process environment's USERNAME; "" when neither is known."""
    interp = getattr(ctx, "interp", None)
    for holder in (ctx, getattr(ctx, "sink", None), getattr(interp, "sink", None)):
        user = getattr(holder, "user", None) if holder is not None else None
        if user:
            return str(user)
    try:
        user = ctx.get_variable("env:USERNAME")
    except Exception:
        user = None
    return str(user or "")


def _sam(user: str) -> str:
    if "\\" in user:
        return user.split("\\", 1)[1]
    if "@" in user:
        return user.split("@", 1)[0]
    return user


def member_of_any(backend, user: str, groups) -> bool:
    sam = _sam(user)
    return bool(sam) and any(backend.directory.is_member(sam, g) for g in groups)


def require(ctx, backend, groups, cmdlet_name: str) -> None:
    """Raise Lync's access-denied error unless the caller is in one of ``groups``.
    Message and error id are [ASSUMED]: Lync's RBAC refusal text is not in the sources."""
    user = current_user(ctx)
    if member_of_any(backend, user, groups):
        return
    shown = "%s\\%s" % (backend.topo.netbios, _sam(user)) if user else "(unknown user)"
    raise PSError(
        "Access denied. User \"%s\" is not a member of any role that allows running \"%s\" (%s)." % (
            shown, cmdlet_name, ", ".join(groups)),
        error_id="AccessDenied,Microsoft.Rtc.Management.Internal.RbacAccessDeniedException",
        category="PermissionDenied", target=cmdlet_name,
        exception_type="System.UnauthorizedAccessException")
