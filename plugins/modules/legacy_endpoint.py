#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: legacy_endpoint
short_description: Move the legacy Group Chat lookup address to a Persistent Chat endpoint
version_added: 0.1.0
description:
  - Legacy Group Chat clients find their server through a well-known SIP user, by default C(ocschat@<domain>).
    Microsoft's migration step 8 deletes that Active Directory user and creates a Persistent Chat endpoint
    with the same SIP address (C(New-CsPersistentChatEndpoint)), so the old clients reach the new pool.
  - With O(state=present) the module reads, in one round trip, the endpoints and the user holding
    O(sip_address); then, in one more, removes the user (C(Remove-ADUser)) and creates the endpoint, in that
    order. What the user was is returned in RV(removed_user) before anything is removed, so it is in the
    result even if the endpoint cannot be created.
  - An endpoint with the address on another pool or with another display name is removed and created again
    (there is no C(Set-CsPersistentChatEndpoint)).
  - With O(state=absent) the endpoint with the address is removed (C(Remove-CsPersistentChatEndpoint)); the
    user is not re-created.
  - Runs on a Lync Server 2013 Front End with the C(Lync) and C(ActiveDirectory) modules.
options:
  sip_address:
    description: The lookup SIP address, with or without C(sip:), for example C(ocschat@contoso.local).
    type: str
    required: true
  pool_fqdn:
    description: The Persistent Chat pool the endpoint belongs to (C(-PersistentChatPoolFqdn)). Required with O(state=present).
    type: str
  display_name:
    description: Display name of the endpoint (C(-DisplayName)). When not set, any display name is accepted.
    type: str
  state:
    description: Whether the endpoint should exist.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - lync.persistent_chat.attributes
  - lync.persistent_chat.connection
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: Reads the endpoint and the user and reports what would change.
  diff_mode:
    support: full
    details: Before and after show the user holding the address and the endpoint.
notes:
  - Removing the user needs Domain Admins (or delegated rights on the user object); the endpoint needs
    CsPersistentChatAdministrator, CsAdministrator or RTCUniversalServerAdmins.
author:
  - Lync Persistent Chat contributors (@lync-persistent-chat)
seealso:
  - module: lync.persistent_chat.legacy_info
"""

EXAMPLES = r"""
- name: Give legacy Group Chat clients the new pool under the old lookup address
  lync.persistent_chat.legacy_endpoint:
    sip_address: ocschat@contoso.local
    pool_fqdn: pcpool.contoso.local
    display_name: Legacy Group Chat lookup
  register: endpoint

- name: Take the endpoint away again
  lync.persistent_chat.legacy_endpoint:
    sip_address: sip:ocschat@contoso.local
    state: absent
"""

RETURN = r"""
removed_user:
  description: The Active Directory user that held the address, as it was before this run removed it.
  returned: when the run removes (or in check mode would remove) the user
  type: dict
  sample: {"Identity": "CN=Group Chat Lookup,OU=Service Accounts,DC=contoso,DC=local", "SipAddress": "sip:ocschat@contoso.local",
           "DisplayName": "Group Chat Lookup", "SamAccountName": "ocschat", "UserPrincipalName": "ocschat@contoso.local",
           "Enabled": true, "RegistrarPool": "pool2010.contoso.local",
           "DistinguishedName": "CN=Group Chat Lookup,OU=Service Accounts,DC=contoso,DC=local"}
endpoint:
  description: The endpoint with the address after the run (null when there is none).
  returned: always
  type: dict
  sample: {"Identity": "CN={...},CN=Application Contacts,...", "SipAddress": "sip:ocschat@contoso.local",
           "DisplayName": "Legacy Group Chat lookup", "PersistentChatPoolFqdn": "pcpool.contoso.local"}
actions:
  description: What the run did (or would do), in order.
  returned: always
  type: list
  elements: str
  sample: ["remove user CN=Group Chat Lookup,OU=Service Accounts,DC=contoso,DC=local", "create endpoint sip:ocschat@contoso.local"]
durations:
  description: Seconds each round trip took (C(read), C(change)).
  returned: always
  type: dict
"""

from ansible_collections.lync.persistent_chat.plugins.module_utils.common import PchatModule
from ansible_collections.lync.persistent_chat.plugins.module_utils.long_step import Clock
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_views import (
    PLAIN,
    STRING,
    as_list,
    normalise,
    select_expression,
)
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import PSCommand, PSVariable, ps_literal

ENDPOINT_PROPERTIES = [("Identity", STRING), ("SipAddress", PLAIN), ("DisplayName", PLAIN),
                       ("PersistentChatPoolFqdn", STRING)]
USER_PROPERTIES = [("Identity", STRING), ("SipAddress", PLAIN), ("DisplayName", PLAIN), ("SamAccountName", PLAIN),
                   ("UserPrincipalName", PLAIN), ("Enabled", PLAIN), ("RegistrarPool", STRING),
                   ("DistinguishedName", PLAIN)]


def quoted_select(properties):
    """Select-Object's property list with plain names quoted (every name a literal)."""
    return ",".join(ps_literal(name) if kind == PLAIN else select_expression([(name, kind)])
                    for name, kind in properties)


def sip_uri(address):
    return address if address.lower().startswith("sip:") else "sip:" + address


def read_script(sip):
    return "\n".join([
        "Import-Module Lync",
        "$r=[ordered]@{}",
        "$sip=%s" % ps_literal(sip),
        "$r['endpoints']=@(Get-CsPersistentChatEndpoint|Select-Object %s)" % quoted_select(ENDPOINT_PROPERTIES),
        # Only "no such user" is expected; access denied and the like stop the script.
        "try{$u=%s}catch{if($_.FullyQualifiedErrorId -like 'Identity,*'){$u=$null}else{throw}}" % (
            PSCommand("Get-CsAdUser").param("Identity", PSVariable("sip")).param("ErrorAction", "Stop").render()),
        "$r['user']=$null",
        "if($u -ne $null -and $u.SipAddress){$r['user']=$u|Select-Object %s}" % quoted_select(USER_PROPERTIES),
        "$r",
    ])


def find_endpoint(endpoints, sip):
    for endpoint in endpoints:
        if (endpoint.get("SipAddress") or "").lower() == sip.lower():
            return endpoint
    return None


def plan(params, sip, endpoint, user):
    """[(action, argument)] in the order they must run."""
    actions = []
    if params["state"] == "absent":
        if endpoint:
            actions.append(("remove_endpoint", endpoint["Identity"]))
        return actions
    fits = endpoint is not None and \
        (endpoint.get("PersistentChatPoolFqdn") or "").lower() == params["pool_fqdn"].lower() and \
        (params["display_name"] is None or endpoint.get("DisplayName") == params["display_name"])
    if fits:
        return actions
    if user:
        actions.append(("remove_user", user["DistinguishedName"] or user["Identity"]))
    if endpoint:
        actions.append(("remove_endpoint", endpoint["Identity"]))
    actions.append(("create_endpoint", sip))
    return actions


def describe(action, argument):
    return {"remove_user": "remove user %s", "remove_endpoint": "remove endpoint %s",
            "create_endpoint": "create endpoint %s"}[action] % argument


def change_script(params, actions, sip):
    lines = ["Import-Module Lync", "$r=[ordered]@{}"]
    if any(action == "remove_user" for action, _arg in actions):
        lines.insert(1, "Import-Module ActiveDirectory")
    for action, argument in actions:
        if action == "remove_user":
            lines.append(PSCommand("Remove-ADUser").param("Identity", argument).switch("Confirm", False).render())
        elif action == "remove_endpoint":
            lines.append(PSCommand("Remove-CsPersistentChatEndpoint").param("Identity", argument)
                         .switch("Force").switch("Confirm", False).render())
        else:
            lines.append(PSCommand("New-CsPersistentChatEndpoint").param("SipAddress", sip)
                         .param("PersistentChatPoolFqdn", params["pool_fqdn"])
                         .optional("DisplayName", params["display_name"]).render())
    lines.append("$r['endpoints']=@(Get-CsPersistentChatEndpoint|Select-Object %s)" % quoted_select(ENDPOINT_PROPERTIES))
    lines.append("$r")
    return "\n".join(lines)


def main():
    module = PchatModule(
        argument_spec=dict(
            sip_address=dict(type="str", required=True),
            pool_fqdn=dict(type="str"),
            display_name=dict(type="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_if=[("state", "present", ("pool_fqdn",))],
        supports_check_mode=True,
    )
    params = module.params
    sip = sip_uri(params["sip_address"].strip())
    if "@" not in sip:
        module.fail_json(msg="sip_address must look like user@domain, not %r" % params["sip_address"])
    clock = Clock(module.results)
    results = module.results

    with module.step("read the endpoint and the lookup user"):
        with clock.measure("read"):
            raw = module.winrm().run_json(read_script(sip), depth=4) or {}
    endpoints = [normalise(item, ENDPOINT_PROPERTIES) for item in as_list(raw.get("endpoints"))]
    endpoint = find_endpoint(endpoints, sip)
    user = normalise(raw["user"], USER_PROPERTIES) if raw.get("user") else None
    actions = plan(params, sip, endpoint, user)
    results["actions"] = [describe(action, argument) for action, argument in actions]
    results["endpoint"] = endpoint
    before = {"user": (user or {}).get("DistinguishedName"), "endpoint": endpoint}
    if not actions:
        module.exit_json(changed=False)
    if any(action == "remove_user" for action, _arg in actions):
        # Recorded before anything changes, so a failure later in the run still returns it.
        results["removed_user"] = user
    planned_endpoint = None if params["state"] == "absent" else {
        "Identity": None, "SipAddress": sip, "DisplayName": params["display_name"] or (endpoint or {}).get("DisplayName"),
        "PersistentChatPoolFqdn": params["pool_fqdn"]}
    if module.check_mode:
        module.set_diff(before, {"user": None if user and params["state"] == "present" else before["user"],
                                 "endpoint": planned_endpoint})
        results["endpoint"] = planned_endpoint
        module.exit_json(changed=True)

    results["changed"] = True
    with module.step("move the lookup address to the endpoint"):
        with clock.measure("change"):
            done = module.winrm().run_json(change_script(params, actions, sip), depth=4, idempotent=False) or {}
    after = find_endpoint([normalise(item, ENDPOINT_PROPERTIES) for item in as_list(done.get("endpoints"))], sip)
    results["endpoint"] = after
    module.set_diff(before, {"user": None if user and params["state"] == "present" else before["user"],
                             "endpoint": after})
    module.exit_json(changed=True)


if __name__ == "__main__":
    main()
