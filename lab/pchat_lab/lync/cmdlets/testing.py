"""Test-CsPersistentChatMessage (reference §1.9, §3.11): the synthetic transaction succeeds only when a
Persistent Chat Channel service runs, a room exists, and both test users are SIP-enabled, homed on the
Lync 2013 pool and enabled by their effective Persistent Chat policy (§6.10). The lab checks these
conditions and does not write a test message into mgc [ASSUMED]."""
from __future__ import annotations

import datetime as _dt

from ...powershell.api import Param, PSError, cmdlet
from .. import permissions
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
@cmdlet("Test-CsPersistentChatMessage", module=LYNC, default_set="ServerPlatform", params=[
    Param("TargetFqdn", "string", mandatory=True, position=0),
    Param("SenderSipAddress", "string", sets=("ServerPlatform", "ClientPlatform")),
    Param("SenderCredential", "object", mandatory=True, sets=("ClientPlatform",)),
    Param("ReceiverSipAddress", "string", sets=("ServerPlatform", "ClientPlatform")),
    Param("ReceiverCredential", "object", mandatory=True, sets=("ClientPlatform",)),
    Param("ChatRoomUri", "string"),
    Param("Authentication", "enum", values=AUTH_MODES,
          enum_type="Microsoft.Rtc.Management.SyntheticTransactions.AuthenticationMechanism"),
    Param("RegistrarPort", "int"),
    Param("Setup", "switch", mandatory=True, sets=("Setup",)),
    Param("TestUser1SipAddress", "string", sets=("Setup",)),
    Param("TestUser2SipAddress", "string", sets=("Setup",)),
    Param("OutLoggerVariable", "string"), Param("OutVerboseVariable", "string"), Param("Force", "switch"),
])
def test_cs_persistent_chat_message(ctx, args, pipeline):
    lync = authorised(ctx, permissions.SERVER_ADMIN)
    if args.parameter_set == "ClientPlatform":
        # The engine cannot build a PSCredential and the lab's chat users have no passwords: a logon with
        # user credentials cannot be checked, so it is refused rather than reported as a success.
        raise PSError("pchat-lab: Test-CsPersistentChatMessage with -SenderCredential/-ReceiverCredential "
                      "(a logon as real users) is not simulated by the lab; omit the credentials to test "
                      "with the pool's test users.", "NotSimulated,%s" % _CMDLET_TYPE, "NotImplemented",
                      exception_type="System.NotSupportedException")
    started = _dt.datetime.now()
    target = args["TargetFqdn"]
    error, diagnosis = _check(lync, args)
    if args.get("Setup"):
        error, diagnosis = (None, "") if error is None or "room" in error.lower() else (error, diagnosis)
    return [obj(OUTPUT_TYPE, {
        "TargetFqdn": target, "Result": "Success" if error is None else "Failure",
        "Latency": (_dt.datetime.now() - started) if error is None else _dt.timedelta(0),
        "Error": error, "Diagnosis": diagnosis})]


def _check(lync, args):
    if args["TargetFqdn"].strip().lower() != lync.topo.frontend_pool.fqdn.lower():
        return ("The target \"%s\" is not a Lync Server 2013 registrar pool." % args["TargetFqdn"],
                "Specify the FQDN of the Front End pool the test users are homed on.")
    if not lync.pc_channel_running():
        return ("The Persistent Chat server did not respond.",
                "No Persistent Chat service is running in pool %s." % lync.topo.pc_pool.fqdn)
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
    store = lync.db.store()
    try:
        rooms = [r for r in store.rooms() if not r["Disabled"]]
    finally:
        store.close()
    if not rooms:
        return ("No chat room is available for the test.", "Create at least one chat room.")
    return None, ""
