#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: message_test
short_description: Send a test message through Persistent Chat with Test-CsPersistentChatMessage
version_added: 0.1.0
description:
  - Runs C(Test-CsPersistentChatMessage), the synthetic transaction Microsoft suggests after a migration. Two
    users sign in through the Front End pool O(target_fqdn), and one posts a message in a chat room that the
    other receives. It needs a running Persistent Chat service, at least one chat room, and two test users
    homed on the Lync Server 2013 pool and enabled by a Persistent Chat policy.
  - With O(sender.username)/O(sender.password) and O(receiver.username)/O(receiver.password) the test signs in as
    those users (the C(ClientPlatform) parameter set, C(-SenderCredential)/C(-ReceiverCredential)). Without any
    credentials it uses the test users configured for the pool with C(New-CsHealthMonitoringConfiguration)
    (the C(ServerPlatform) set), or the SIP addresses given.
  - One WinRM round trip. The test posts a message in a real chat room but changes nothing the migration
    depends on, so the task never reports C(changed). In check mode nothing is sent and the task is reported as
    skipped, saying what would run.
  - A O(sender.password) or O(receiver.password) is written into the script as a literal (that is how a
    C(PSCredential) is built without a prompt) and is scrubbed from every message this module returns. The
    script travels on the standard input of C(powershell.exe), not on its command line, so the password is not
    in the server's process list or command-line auditing (only the same small bootstrap is).
options:
  target_fqdn:
    description: FQDN of the Lync Server 2013 Front End (registrar) pool the test users are homed on (C(-TargetFqdn)).
    type: str
    required: true
  sender:
    description:
      - The user who posts the message. Give O(sender.username) and O(sender.password) together, and only when
        O(receiver) has credentials too.
    type: dict
    suboptions:
      sip_address:
        description: SIP address, with or without C(sip:) (C(-SenderSipAddress)). Required with credentials.
        type: str
      username:
        description: Logon name for the credential, for example C(CONTOSO\\pctest1) or C(pctest1@contoso.local).
        type: str
      password:
        description: Password for the credential.
        type: str
  receiver:
    description: The user who receives the message; the same suboptions as O(sender).
    type: dict
    suboptions:
      sip_address:
        description: SIP address, with or without C(sip:) (C(-ReceiverSipAddress)). Required with credentials.
        type: str
      username:
        description: Logon name for the credential.
        type: str
      password:
        description: Password for the credential.
        type: str
  chat_room_uri:
    description: The room to post in (C(-ChatRoomUri)), for example C(ma-chan://pcpool.contoso.local/...).
      When not set, Lync picks a room.
    type: str
  authentication:
    description: How the test users authenticate (C(-Authentication)). When not set, Lync's default applies.
    type: str
    choices: [TrustedServer, Negotiate, ClientCertificate, LiveID]
  registrar_port:
    description: SIP port of the registrar (C(-RegistrarPort)); Lync's default is 5061.
    type: int
  fail_on_failure:
    description:
      - Fail the task when the test reports C(Result=Failure), with its error and diagnosis in the message.
      - When false the task succeeds and RV(result) says C(Failure).
    type: bool
    default: true
extends_documentation_fragment:
  - lync.persistent_chat.attributes
  - lync.persistent_chat.connection
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: Sends nothing; the result is marked skipped and RV(msg) says what would run.
  diff_mode:
    support: none
notes:
  - Running the test needs RTCUniversalServerAdmins (or a role granted C(Test-CsPersistentChatMessage)).
  - The users are enabled for Persistent Chat by a policy (C(Grant-CsPersistentChatPolicy)); the lookup of a room
    fails when the pool has none.
author:
  - Lync Persistent Chat contributors (@lync-persistent-chat)
seealso:
  - module: lync.persistent_chat.legacy_endpoint
  - module: lync.persistent_chat.pool_info
"""

EXAMPLES = r"""
- name: Test message between the pool's configured test users
  lync.persistent_chat.message_test:
    target_fqdn: fe01.contoso.local

- name: Test message between two named test users
  lync.persistent_chat.message_test:
    target_fqdn: fe01.contoso.local
    sender:
      sip_address: pctest1@contoso.local
      username: CONTOSO\pctest1
      password: "{{ vault_pctest1_password }}"
    receiver:
      sip_address: pctest2@contoso.local
      username: CONTOSO\pctest2
      password: "{{ vault_pctest2_password }}"
    authentication: Negotiate
  register: message

- name: Record a failure without failing the play
  lync.persistent_chat.message_test:
    target_fqdn: fe01.contoso.local
    fail_on_failure: false
  register: message
"""

RETURN = r"""
result:
  description:
    - C(Success) or C(Failure), as the test reports it.
    - Not returned in check mode, as for a skipped task, so C(result | default(...)) reads both alike.
  returned: when the test ran
  type: str
  sample: Success
latency:
  description: How long the transaction took, as Lync writes a TimeSpan (C([d.]hh:mm:ss[.fffffff])).
  returned: when the test ran
  type: str
  sample: "00:00:01.2031250"
latency_seconds:
  description: RV(latency) in seconds (null when Lync gave none).
  returned: when the test ran
  type: float
  sample: 1.203125
error:
  description: The test's error message (null on success).
  returned: when the test ran
  type: str
  sample: User sip:pctest2@contoso.local is not enabled for Persistent Chat.
diagnosis:
  description: The test's diagnosis (null or empty on success).
  returned: when the test ran
  type: str
target_fqdn:
  description: The pool the test went through.
  returned: always
  type: str
  sample: fe01.contoso.local
parameter_set:
  description: C(ClientPlatform) (with credentials) or C(ServerPlatform) (the pool's test users).
  returned: always
  type: str
  sample: ClientPlatform
msg:
  description: In check mode, what would run.
  returned: in check mode
  type: str
  sample: "check mode: Test-CsPersistentChatMessage through fe01.contoso.local from sip:pctest1@contoso.local to sip:pctest2@contoso.local would run"
durations:
  description: Seconds the round trip took (C(test)).
  returned: when the test ran
  type: dict
"""

import re

from ansible_collections.lync.persistent_chat.plugins.module_utils import winrm as winrm_utils
from ansible_collections.lync.persistent_chat.plugins.module_utils.common import PchatModule
from ansible_collections.lync.persistent_chat.plugins.module_utils.long_step import Clock
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_objects import fqdn_error, sip_uri
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_views import (
    STRING,
    as_list,
    normalise,
    select_expression,
)
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import (
    PSCommand,
    PSEnumValue,
    PSLiteralError,
    PSVariable,
    credential_statements,
    quote_string,
)

# Microsoft.Rtc.SyntheticTransactions.TaskOutput; Result is an enum and Latency a TimeSpan, so every one
# is cast to [string] for a stable JSON shape.
OUTPUT_PROPERTIES = [("TargetFqdn", STRING), ("Result", STRING), ("Latency", STRING), ("Error", STRING),
                     ("Diagnosis", STRING)]
AUTHENTICATION = ["TrustedServer", "Negotiate", "ClientCertificate", "LiveID"]
USER_OPTIONS = dict(sip_address=dict(type="str"), username=dict(type="str"),
                    password=dict(type="str", no_log=True))
MASK = "********"
_SIP = re.compile(r"\Asip:[^@\s]+@[^@\s]+\Z", re.IGNORECASE)
_LATENCY = re.compile(r"\A(?:(?P<days>\d+)\.)?(?P<hours>\d{1,2}):(?P<minutes>\d{2}):(?P<seconds>\d{2})"
                      r"(?:\.(?P<fraction>\d{1,7}))?\Z")


def has_credentials(user):
    return bool(user and (user.get("username") or user.get("password")))


def option_errors(params):
    """Why the options cannot make one of Microsoft's parameter sets (empty when they can)."""
    errors = []
    fqdn_problem = fqdn_error(params["target_fqdn"])
    if fqdn_problem:
        errors.append("target_fqdn: " + fqdn_problem)
    sides = (("sender", params["sender"]), ("receiver", params["receiver"]))
    with_credentials = [name for name, user in sides if has_credentials(user)]
    if with_credentials and len(with_credentials) != 2:
        errors.append("credentials are given for %s only: Test-CsPersistentChatMessage takes them for both users "
                      "(-SenderCredential and -ReceiverCredential) or for neither" % with_credentials[0])
    for name, user in sides:
        user = user or {}
        if has_credentials(user) and not (user.get("username") and user.get("password")):
            errors.append("%s.username and %s.password go together" % (name, name))
        if has_credentials(user) and not user.get("sip_address"):
            errors.append("%s.sip_address is required with credentials" % name)
        if user.get("sip_address") and not _SIP.match(sip_uri(user["sip_address"].strip())):
            errors.append("%s.sip_address must look like user@domain, not %r" % (name, user["sip_address"]))
    return errors


def parameter_set(params):
    return "ClientPlatform" if has_credentials(params["sender"]) else "ServerPlatform"


def build_script(params):
    """Import the module, build the credentials (ClientPlatform), run the test, select its output."""
    lines = ["Import-Module Lync"]
    command = PSCommand("Test-CsPersistentChatMessage").param("TargetFqdn", params["target_fqdn"])
    client = parameter_set(params) == "ClientPlatform"
    for label, key, number in (("Sender", "sender", 1), ("Receiver", "receiver", 2)):
        user = params[key] or {}
        if user.get("sip_address"):
            command.param("%sSipAddress" % label, sip_uri(user["sip_address"].strip()))
        if client:
            lines.extend(credential_statements("c%d" % number, "p%d" % number, user["username"], user["password"]))
            command.param("%sCredential" % label, PSVariable("c%d" % number))
    command.optional("ChatRoomUri", params["chat_room_uri"])
    if params["authentication"]:
        command.param("Authentication", PSEnumValue(params["authentication"]))
    command.optional("RegistrarPort", params["registrar_port"])
    lines.append("@(%s|Select-Object %s)" % (command.render(), select_expression(OUTPUT_PROPERTIES)))
    return "\n".join(lines)


def secrets(params):
    """Every form in which a password can appear in a message: as given and as written in the script."""
    found = []
    for key in ("sender", "receiver"):
        password = (params[key] or {}).get("password")
        if password:
            # The literal's inside too: an error may quote the script's text without its outer quotes.
            found.extend([quote_string(password), quote_string(password)[1:-1], password])
    # Longest first, so a password inside another one is never left half masked.
    return sorted(set(found), key=len, reverse=True)


def scrub(text, hidden):
    if not isinstance(text, str):
        return text
    for secret in hidden:
        text = text.replace(secret, MASK)
    return text


def scrubbed_error(error, hidden):
    """The same error with every password masked in everything fail_json may show."""
    if isinstance(error, winrm_utils.PowerShellError):
        return winrm_utils.PowerShellError(
            scrub(str(error), hidden), cmdlet=error.cmdlet, reason=scrub(error.reason, hidden),
            category=scrub(error.category, hidden), error_id=scrub(error.error_id, hidden),
            exit_code=error.exit_code, stderr=scrub(error.stderr, hidden))
    return type(error)(scrub(str(error), hidden))


def latency_seconds(text):
    """A TimeSpan's invariant text in seconds; None when there is none or it is not one."""
    match = _LATENCY.match((text or "").strip())
    if not match:
        return None
    fraction = match.group("fraction") or "0"
    return (int(match.group("days") or 0) * 86400 + int(match.group("hours")) * 3600
            + int(match.group("minutes")) * 60 + int(match.group("seconds")) + int(fraction) / 10.0 ** len(fraction))


def describe_run(params):
    def who(key, fallback):
        address = (params[key] or {}).get("sip_address")
        return sip_uri(address.strip()) if address else fallback
    return "Test-CsPersistentChatMessage through %s from %s to %s" % (
        params["target_fqdn"], who("sender", "the pool's first test user"),
        who("receiver", "the pool's second test user"))


def main():
    module = PchatModule(
        argument_spec=dict(
            target_fqdn=dict(type="str", required=True),
            sender=dict(type="dict", options=USER_OPTIONS),
            receiver=dict(type="dict", options=USER_OPTIONS),
            chat_room_uri=dict(type="str"),
            authentication=dict(type="str", choices=AUTHENTICATION),
            registrar_port=dict(type="int"),
            fail_on_failure=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    params["target_fqdn"] = params["target_fqdn"].strip()
    results = module.results
    results["target_fqdn"] = params["target_fqdn"]
    results["parameter_set"] = parameter_set(params)
    errors = option_errors(params)
    if params["registrar_port"] is not None and not 1 <= params["registrar_port"] <= 65535:
        errors.append("registrar_port must be between 1 and 65535, not %d" % params["registrar_port"])
    if errors:
        module.fail_json(msg="; ".join(errors))
    hidden = secrets(params)
    try:
        script = build_script(params)
    except PSLiteralError as error:
        module.fail_json(msg=scrub(str(error), hidden))

    if module.check_mode:
        # A real message would be posted in a real room: check mode says what would run instead.
        module.exit_json(changed=False, skipped=True, msg="check mode: %s would run" % describe_run(params))

    clock = Clock(results)
    with module.step("run " + describe_run(params)):
        with clock.measure("test"):
            try:
                # Re-sent after a dropped connection only posts one more test message.
                raw = module.winrm().run_json(script, depth=3)
            except winrm_utils.WinRMError as error:
                raise scrubbed_error(error, hidden) from None
        outputs = [normalise(item, OUTPUT_PROPERTIES) for item in as_list(raw)]
        if not outputs:
            raise winrm_utils.WinRMProtocolError("Test-CsPersistentChatMessage returned no result")
    output = outputs[0]
    results.update(result=output["Result"], latency=output["Latency"], latency_seconds=latency_seconds(output["Latency"]),
                   error=scrub(output["Error"], hidden), diagnosis=scrub(output["Diagnosis"], hidden),
                   target_fqdn=output["TargetFqdn"] or params["target_fqdn"])
    if params["fail_on_failure"] and (output["Result"] or "").lower() == "failure":
        module.current_step = "run " + describe_run(params)
        message = "the test failed: %s" % (results["error"] or "no error message")
        if results["diagnosis"]:
            message += " Diagnosis: %s" % results["diagnosis"]
        module.fail_json(msg=message)
    module.exit_json(changed=False)


if __name__ == "__main__":
    main()
