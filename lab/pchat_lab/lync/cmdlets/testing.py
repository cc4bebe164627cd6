"""Test-CsPersistentChatMessage (reference §1.9, §3.11): the synthetic transaction succeeds only when a
Persistent Chat Channel service runs, a room exists, and both test users are SIP-enabled, homed on the
Lync 2013 pool and enabled by their effective Persistent Chat policy (§6.10). With user credentials
(ClientPlatform) both users must first log on: each PSCredential must be the AD account of its SIP address
with that account's lab password. The lab checks these conditions and does not write a test message into
mgc [ASSUMED]."""
from __future__ import annotations

import datetime as _dt

from ...powershell.api import Param, PSError, cmdlet
from ...powershell.credentials import plain_text
from .. import permissions
from ..directory import ADUser
from ._common import LYNC, authorised, obj

OUTPUT_TYPE = "Microsoft.Rtc.SyntheticTransactions.TaskOutput"
_CMDLET_TYPE = "Microsoft.Rtc.SyntheticTransactions.PowerShell.TestPersistentChatMessageCmdlet"   # [ASSUMED]
AUTH_MODES = ("TrustedServer", "Negotiate", "ClientCertificate", "LiveID")


def effective_policy_enabled(lync, user) -> bool:
    """User (tag:) policy, else site policy, else global [DOC §3.9 precedence]."""
    if user.persistent_chat_policy:
        policy = lync.policies.get("tag:" + user.persistent_chat_policy)
        if policy is not None:
            return bool(policy["EnablePersistentChat"])
    site = lync.policies.get("site:%s" % lync.topo.site_name)
    if site is not None:
        return bool(site["EnablePersistentChat"])
    return bool(lync.policies.get("global")["EnablePersistentChat"])


# Parameter sets as the Lync 2013 help prints them: ServerPlatform (the pool's test users, no
# credentials) and ClientPlatform (real users, -SenderCredential/-ReceiverCredential mandatory, so an
# unset `$c1` is PowerShell's "Cannot bind argument ... because it is null", never a silent run).
# One Param cannot be mandatory in one set only: the SIP addresses stay optional in both [lab limit].
# Aliases as the cmdlet reference declares them (t, sa, sc, ra, rc, Ath, rp, olv, ovv) [DOC: Test-
# CsPersistentChatMessage help, "Aliases:" of each parameter]; -Setup is a Boolean of every set [DOC].
@cmdlet("Test-CsPersistentChatMessage", type_name=_CMDLET_TYPE, module=LYNC, default_set="ServerPlatform", params=[
    Param("TargetFqdn", "string", mandatory=True, position=0, aliases=("t",)),
    Param("SenderSipAddress", "string", sets=("ServerPlatform", "ClientPlatform"), aliases=("sa",)),
    Param("SenderCredential", "pscredential", mandatory=True, sets=("ClientPlatform",), aliases=("sc",)),
    Param("ReceiverSipAddress", "string", sets=("ServerPlatform", "ClientPlatform"), aliases=("ra",)),
    Param("ReceiverCredential", "pscredential", mandatory=True, sets=("ClientPlatform",), aliases=("rc",)),
    Param("ChatRoomUri", "string"),
    Param("Authentication", "enum", values=AUTH_MODES, aliases=("Ath",),
          enum_type="Microsoft.Rtc.Management.SyntheticTransactions.AuthenticationMechanism"),
    Param("RegistrarPort", "int", aliases=("rp",)),
    Param("Setup", "bool"),
    Param("TestUser1SipAddress", "string"),
    Param("TestUser2SipAddress", "string"),
    Param("OutLoggerVariable", "string", aliases=("olv",)), Param("OutVerboseVariable", "string", aliases=("ovv",)),
    Param("Force", "switch"),
])
def test_cs_persistent_chat_message(ctx, args, pipeline):
    lync = authorised(ctx, permissions.SERVER_ADMIN)
    if args.parameter_set == "ClientPlatform":
        missing = [name for name in ("SenderSipAddress", "ReceiverSipAddress") if not args.given(name)]
        if missing:
            # Mandatory in ClientPlatform only (see above): PowerShell's non-interactive refusal.
            raise PSError("Cannot process command because of one or more missing mandatory parameters: %s."
                          % " ".join(missing), "MissingMandatoryParameter,%s" % _CMDLET_TYPE, "InvalidArgument",
                          exception_type="System.Management.Automation.ParameterBindingException")
    started = _dt.datetime.now()
    target = args["TargetFqdn"]
    error, diagnosis = _check(lync, args)
    if args.get("Setup"):
        error, diagnosis = (None, "") if error is None or "room" in error.lower() else (error, diagnosis)
    return [obj(OUTPUT_TYPE, {
        "TargetFqdn": target, "Result": "Success" if error is None else "Failure",
        "Latency": (_dt.datetime.now() - started) if error is None else _dt.timedelta(0),
        "Error": error, "Diagnosis": diagnosis})]


def _registrar_fqdns(lync) -> set:
    """The 2013 Front End pool and its servers: a synthetic transaction may target either [ASSUMED]."""
    names = {lync.topo.frontend_pool.fqdn.lower()}
    for server in lync.topo.frontend_pool.servers:
        host = lync.lab.host(server)
        if host is not None:
            names.add(host.fqdn.lower())
    return names


def _an_active_server_runs(lync) -> bool:
    """A server of the pool that is on the active-server list (all of them until it is set) and runs
    the channel service."""
    active = getattr(lync, "pc_active_servers", None)
    if active is None:
        return True
    channel = next((s for s in lync.topo.pc_pool.services if s.role == "channel"), None)
    wanted = {fqdn.lower() for fqdn in active}
    for server in lync.topo.pc_pool.servers:
        host = lync.lab.host(server)
        fqdn = host.fqdn.lower() if host is not None else server.lower()
        if fqdn in wanted and channel is not None and \
                (lync.service_status(server, channel.name) or "").lower() == "running":
            return True
    return False


def _check(lync, args):
    if args["TargetFqdn"].strip().lower() not in _registrar_fqdns(lync):
        return ("The target \"%s\" is not a Lync Server 2013 registrar pool." % args["TargetFqdn"],
                "Specify the FQDN of the Front End pool the test users are homed on.")
    if args.parameter_set == "ClientPlatform":
        for label in ("Sender", "Receiver"):
            refused = _logon(lync, args["%sSipAddress" % label], args["%sCredential" % label], label)
            if refused is not None:
                return refused
    if not lync.pc_channel_running():
        return ("The Persistent Chat server did not respond.",
                "No Persistent Chat service is running in pool %s." % ", ".join(p.fqdn for p in lync.topo.pc_pools))
    if not _an_active_server_runs(lync):
        # [DOC: Set-CsPersistentChatActiveServer] "Servers that do not appear on the list are not able to
        # accept new client connections"; the test users' logon is a new connection [ASSUMED wording].
        return ("The Persistent Chat server did not respond.",
                "No server of pool %s on the active server list (Set-CsPersistentChatActiveServer) runs the "
                "Persistent Chat service." % lync.topo.pc_pool.fqdn)
    for label in ("Sender", "Receiver", "TestUser1", "TestUser2"):
        name = "%sSipAddress" % label
        if not args.given(name):
            continue
        user = lync.directory.find_user(args[name])
        if user is None or not user.lync_enabled:
            return ("User %s was not found or is not enabled for Lync Server." % args[name], "")
        if user.registrar_pool.lower() != lync.topo.frontend_pool.fqdn.lower():
            return ("User %s is not homed on %s." % (args[name], lync.topo.frontend_pool.fqdn),
                    "Move the user with Move-CsUser.")
        if not effective_policy_enabled(lync, user):
            return ("User %s is not enabled for Persistent Chat." % args[name],
                    "Grant a Persistent Chat policy with EnablePersistentChat = True.")
    rooms = []
    for pool in lync.topo.pc_pools:     # the test room may be in any pool whose service runs
        if not lync.pc_channel_running(pool):
            continue
        store = lync.db.store(pool)
        try:
            rooms += [r for r in store.rooms() if not r["Disabled"]]
        finally:
            store.close()
    if not rooms:
        return ("No chat room is available for the test.", "Create at least one chat room.")
    return None, ""


def _logon(lync, sip_address: str, credential, label: str):
    """The registration of one test user with its credential: None when it logs on, else (Error, Diagnosis).
    Wording [ASSUMED]; it names the SIP address and the credential's user name, never the password."""
    owner = lync.directory.sip_owner(sip_address)
    if not isinstance(owner, ADUser) or not owner.lync_enabled:
        return ("User %s was not found or is not enabled for Lync Server." % sip_address, "")
    user_name = str(credential.get("UserName") or "")
    account = _credential_account(lync, user_name)
    if account is not owner:
        return ("Registration of user %s failed: 403 Forbidden (the credential's user %s is not the account of "
                "this SIP address)." % (sip_address, user_name),
                "Give -%sCredential the account (DOMAIN\\user or UPN) of %s." % (label, sip_address))
    password = plain_text(credential.get("Password"))
    if owner.password is None or password != owner.password:
        return ("Registration of user %s failed: 401 Unauthorized (the user name or password of the credential "
                "is incorrect)." % sip_address,
                "Check the password of -%sCredential (%s)." % (label, user_name))
    return None


def _credential_account(lync, user_name: str):
    """The AD user a logon name stands for: DOMAIN\\sam with this domain's NetBIOS or DNS name, or a UPN."""
    name = user_name.strip()
    if "\\" in name:
        domain, _, sam = name.partition("\\")
        if domain.lower() not in (lync.topo.netbios.lower(), lync.topo.domain.lower()):
            return None
        return lync.directory.users.get(sam.lower())
    if "@" in name:
        return next((u for u in lync.directory.users.values() if u.upn.lower() == name.lower()), None)
    return lync.directory.users.get(name.lower())
