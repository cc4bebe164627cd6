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
    O(sip_address) (C(Get-CsAdUser -LdapFilter) on C(msRTCSIP-PrimaryUserAddress), which returns nothing
    when no user holds it); then, in one more, removes the user (C(Remove-ADUser)) and creates the endpoint,
    in that order. What the user was is returned in RV(removed_user) before anything is removed, so it is
    in the result even if the endpoint cannot be created.
  - An endpoint with the address on another pool or with another display name is removed and created again
    (there is no C(Set-CsPersistentChatEndpoint)).
  - With O(state=absent) the endpoint with the address is removed (C(Remove-CsPersistentChatEndpoint)). With
    O(restore_user) as well (the rollback), the lookup user the cutover removed comes back from the Active
    Directory recycle bin in the same run, after the endpoint has freed its SIP address
    (C(Get-ADObject -IncludeDeletedObjects), C(Restore-ADObject)), and is read again with C(Get-CsAdUser).
    The deleted object is looked up in the first round trip, so a user that cannot be restored fails the task
    before anything is removed. A live user already holding the address means there is nothing to restore.
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
  restore_user:
    description:
      - With O(state=absent) only, the C(sAMAccountName) of the lookup user to bring back from the Active
        Directory recycle bin, for example the C(removed_user.SamAccountName) an earlier run returned.
      - When several deleted objects have the name, the one deleted last (newest C(whenChanged)) is restored.
      - The task fails, having changed nothing, when no deleted object with the name still holds the address
        (recycle bin off, so only a tombstone is left, or the object is past its deleted-object lifetime) or when a
        live object has the name but not the address.
    type: str
extends_documentation_fragment:
  - lync.persistent_chat.attributes
  - lync.persistent_chat.connection
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: Reads the endpoint, the user and (with O(restore_user)) the deleted object, and reports what would change.
  diff_mode:
    support: full
    details: Before and after show the user holding the address (its distinguished name) and the endpoint.
notes:
  - Removing the user needs Domain Admins (or delegated rights on the user object); the endpoint needs
    CsPersistentChatAdministrator, CsAdministrator or RTCUniversalServerAdmins.
  - O(restore_user) needs the Active Directory Recycle Bin (C(Enable-ADOptionalFeature 'Recycle Bin Feature'))
    enabled before the cutover removed the user, and rights to restore deleted objects (Domain Admins). Without
    it, restore the user by hand (authoritative restore from a backup) and run the task again.
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

- name: Roll back - the endpoint goes and the lookup user comes back from the recycle bin
  lync.persistent_chat.legacy_endpoint:
    sip_address: sip:ocschat@contoso.local
    state: absent
    restore_user: "{{ endpoint.removed_user.SamAccountName }}"
  register: rollback
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
restored_user:
  description: The user holding the address after O(restore_user) brought it back, read again.
  returned: when the run restored the user
  type: dict
  sample: {"Identity": "CN=Group Chat Lookup,OU=Service Accounts,DC=contoso,DC=local", "SipAddress": "sip:ocschat@contoso.local",
           "DisplayName": "Group Chat Lookup", "SamAccountName": "ocschat", "UserPrincipalName": "ocschat@contoso.local",
           "Enabled": true, "RegistrarPool": "pool2010.contoso.local",
           "DistinguishedName": "CN=Group Chat Lookup,OU=Service Accounts,DC=contoso,DC=local"}
deleted_user:
  description: The deleted object O(restore_user) restores (or in check mode would restore).
  returned: when the run restores (or would restore) the user
  type: dict
  sample: {"ObjectGUID": "8d7a9e0c-1b2f-4c3d-9e8f-0a1b2c3d4e5f", "sAMAccountName": "ocschat",
           "LastKnownParent": "OU=Service Accounts,DC=contoso,DC=local", "msDS-LastKnownRDN": "Group Chat Lookup",
           "whenChanged": "2024-05-04T22:10:00.0000000Z", "msRTCSIP-PrimaryUserAddress": "sip:ocschat@contoso.local"}
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
from ansible_collections.lync.persistent_chat.plugins.module_utils.lookup_user import USER_PROPERTIES, user_lines
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_objects import sip_uri
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_views import (
    PLAIN,
    STRING,
    as_list,
    normalise,
    select_expression,
)
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import PSCommand, ps_literal

ENDPOINT_PROPERTIES = [("Identity", STRING), ("SipAddress", PLAIN), ("DisplayName", PLAIN),
                       ("PersistentChatPoolFqdn", STRING)]
# Get-ADObject's defaults (DistinguishedName, ObjectGUID, Deleted with -IncludeDeletedObjects) and these. The
# SIP address tells a deleted object that kept its attributes (AD Recycle Bin) from a tombstone, which a
# restore would bring back without it.
AD_QUERIED = ["sAMAccountName", "LastKnownParent", "msDS-LastKnownRDN", "whenChanged", "isDeleted",
              "msRTCSIP-PrimaryUserAddress"]
AD_PLAIN = ["DistinguishedName", "sAMAccountName", "LastKnownParent", "msDS-LastKnownRDN", "isDeleted", "Deleted",
            "msRTCSIP-PrimaryUserAddress"]
AD_PROPERTIES = [("ObjectGUID", STRING)] + [(name, PLAIN) for name in AD_PLAIN] + [("whenChanged", PLAIN)]
# Characters Active Directory refuses in a sAMAccountName.
INVALID_SAM = '"/\\[]:;|=,+*?<>@'


def sam_error(name):
    """None when ``name`` can be a sAMAccountName; else why not. It goes inside the double-quoted string of
    an AD filter, where these characters (never valid in the name) would change the filter."""
    if not name:
        return "restore_user must not be empty"
    bad = sorted(set(ch for ch in name if ch in INVALID_SAM or ord(ch) < 32))
    if bad:
        return "restore_user %r contains characters a sAMAccountName cannot hold: %s" % (name, " ".join(bad))
    return None


def ad_objects_line(sam):
    """Live and deleted AD objects with the sAMAccountName (Get-ADObject -IncludeDeletedObjects returns both)."""
    command = (PSCommand("Get-ADObject").param("Filter", 'sAMAccountName -eq "%s"' % sam)
               .switch("IncludeDeletedObjects").param("Properties", AD_QUERIED))
    # whenChanged in UTC and ISO 8601, so Python can compare it as text whatever the server's culture. The
    # AD names with hyphens are not identifiers select_expression takes: each is written as a literal.
    selected = select_expression([("ObjectGUID", STRING)]) + "," + ",".join(
        ps_literal(name) for name in AD_PLAIN) + ",@{Name='whenChanged';Expression={$_.whenChanged.ToUniversalTime().ToString('o')}}"
    return "$r['ad_objects']=@(%s|Select-Object %s)" % (command.render(), selected)


def read_script(sip, restore_user=None):
    lines = ["Import-Module Lync"]
    if restore_user:
        lines.append("Import-Module ActiveDirectory")
    lines.extend([
        "$r=[ordered]@{}",
        "$r['endpoints']=@(Get-CsPersistentChatEndpoint|Select-Object %s)" % select_expression(ENDPOINT_PROPERTIES),
    ])
    lines.extend(user_lines(sip))
    if restore_user:
        lines.append(ad_objects_line(restore_user))
    lines.append("$r")
    return "\n".join(lines)


def find_endpoint(endpoints, sip):
    for endpoint in endpoints:
        if (endpoint.get("SipAddress") or "").lower() == sip.lower():
            return endpoint
    return None


def is_deleted(ad_object):
    return any(ad_object.get(flag) is True or str(ad_object.get(flag)).lower() == "true" for flag in ("isDeleted", "Deleted"))


class PlanError(Exception):
    """The change cannot be made safely; nothing has been changed."""


def deleted_user_to_restore(sam, ad_objects, sip):
    """The deleted object to restore: the newest (whenChanged) deleted one with the name that still holds the
    SIP address. PlanError when there is none, or when a live object has the name (a restore would clash)."""
    live = [item for item in ad_objects if not is_deleted(item)]
    if live:
        raise PlanError(
            "restore_user: a live object with sAMAccountName %s exists (%s) but does not hold the address, so the "
            "deleted one cannot be restored beside it; look at it by hand" % (sam, live[0].get("DistinguishedName")))
    deleted = [item for item in ad_objects if is_deleted(item)]
    if not deleted:
        raise PlanError(
            "restore_user: no deleted object with sAMAccountName %s in the Active Directory recycle bin: the recycle "
            "bin is off, or the object is past its deleted-object lifetime. Restore the user by hand (an "
            "authoritative restore from a backup), then run this again" % sam)
    holding = [item for item in deleted if (item.get("msRTCSIP-PrimaryUserAddress") or "").lower() == sip.lower()]
    if not holding:
        raise PlanError(
            "restore_user: the deleted object of %s (%s) no longer holds %s: it is a tombstone (the Active Directory "
            "recycle bin was off when it was deleted) or a recycled object, and a restore would not bring the "
            "lookup user back. Restore the user by hand (an authoritative restore from a backup), then run this "
            "again" % (sam, deleted[0].get("DistinguishedName"), sip))
    chosen = max(holding, key=lambda item: item.get("whenChanged") or "")
    if not chosen.get("ObjectGUID"):
        raise PlanError("restore_user: the deleted object %s has no ObjectGUID" % chosen.get("DistinguishedName"))
    return chosen


def plan(params, sip, endpoint, user, ad_objects=None):
    """[(action, argument)] in the order they must run."""
    actions = []
    if params["state"] == "absent":
        if endpoint:
            actions.append(("remove_endpoint", endpoint["Identity"]))
        restore = params.get("restore_user")
        if restore and not user:
            # After the endpoint, which holds the SIP address the restored user comes back with.
            actions.append(("restore_user", deleted_user_to_restore(restore, ad_objects or [], sip)["ObjectGUID"]))
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
            "create_endpoint": "create endpoint %s",
            "restore_user": "restore user %s from the Active Directory recycle bin"}[action] % argument


def escape_rdn(value):
    """An RDN value as a distinguished name writes it (RFC 4514 escapes)."""
    escaped = "".join("\\" + ch if ch in ',+"\\<>;=' else ch for ch in value)
    if escaped.startswith((" ", "#")):
        escaped = "\\" + escaped
    if escaped.endswith(" "):
        escaped = escaped[:-1] + "\\ "
    return escaped


def restored_dn(deleted):
    """Where Restore-ADObject puts the object back: its last known RDN under its last known parent."""
    rdn, parent = deleted.get("msDS-LastKnownRDN"), deleted.get("LastKnownParent")
    if not rdn or not parent:
        return None
    return "CN=%s,%s" % (escape_rdn(rdn), parent)


def change_script(params, actions, sip):
    lines = ["Import-Module Lync", "$r=[ordered]@{}"]
    kinds = set(action for action, _arg in actions)
    if kinds & {"remove_user", "restore_user"}:
        lines.insert(1, "Import-Module ActiveDirectory")
    for action, argument in actions:
        if action == "remove_user":
            lines.append(PSCommand("Remove-ADUser").param("Identity", argument).switch("Confirm", False).render())
        elif action == "remove_endpoint":
            lines.append(PSCommand("Remove-CsPersistentChatEndpoint").param("Identity", argument)
                         .switch("Force").switch("Confirm", False).render())
        elif action == "restore_user":
            lines.append(PSCommand("Restore-ADObject").param("Identity", argument).switch("Confirm", False).render())
        else:
            lines.append(PSCommand("New-CsPersistentChatEndpoint").param("SipAddress", sip)
                         .param("PersistentChatPoolFqdn", params["pool_fqdn"])
                         .optional("DisplayName", params["display_name"]).render())
    lines.append("$r['endpoints']=@(Get-CsPersistentChatEndpoint|Select-Object %s)" % select_expression(ENDPOINT_PROPERTIES))
    if "restore_user" in kinds:
        lines.extend(user_lines(sip))
    lines.append("$r")
    return "\n".join(lines)


def change_step(state, restoring):
    if state == "present":
        return "move the lookup address to the endpoint"
    return "give the lookup address back to the user" if restoring else "remove the endpoint"


def main():
    module = PchatModule(
        argument_spec=dict(
            sip_address=dict(type="str", required=True),
            pool_fqdn=dict(type="str"),
            display_name=dict(type="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            restore_user=dict(type="str"),
        ),
        required_if=[("state", "present", ("pool_fqdn",))],
        supports_check_mode=True,
    )
    params = module.params
    sip = sip_uri(params["sip_address"].strip())
    if "@" not in sip:
        module.fail_json(msg="sip_address must look like user@domain, not %r" % params["sip_address"])
    if params["restore_user"] is not None:
        params["restore_user"] = params["restore_user"].strip()
        if params["state"] != "absent":
            module.fail_json(msg="restore_user is only for state=absent (bringing the lookup user back in a rollback)")
        problem = sam_error(params["restore_user"])
        if problem:
            module.fail_json(msg=problem)
    clock = Clock(module.results)
    results = module.results

    with module.step("read the endpoint and the lookup user"):
        with clock.measure("read"):
            raw = module.winrm().run_json(read_script(sip, params["restore_user"]), depth=4) or {}
    endpoints = [normalise(item, ENDPOINT_PROPERTIES) for item in as_list(raw.get("endpoints"))]
    endpoint = find_endpoint(endpoints, sip)
    user = normalise(raw["user"], USER_PROPERTIES) if raw.get("user") else None
    ad_objects = [normalise(item, AD_PROPERTIES) for item in as_list(raw.get("ad_objects"))]
    results["endpoint"] = endpoint
    module.current_step = "plan the changes"
    try:
        actions = plan(params, sip, endpoint, user, ad_objects)
    except PlanError as error:
        module.fail_json(msg=str(error))
    results["actions"] = [describe(action, argument) for action, argument in actions]
    before = {"user": (user or {}).get("DistinguishedName"), "endpoint": endpoint}
    if not actions:
        module.exit_json(changed=False)
    if any(action == "remove_user" for action, _arg in actions):
        # Recorded before anything changes, so a failure later in the run still returns it.
        results["removed_user"] = user
    restoring = any(action == "restore_user" for action, _arg in actions)
    if restoring:
        deleted = deleted_user_to_restore(params["restore_user"], ad_objects, sip)
        results["deleted_user"] = deleted
    planned_endpoint = None if params["state"] == "absent" else {
        "Identity": None, "SipAddress": sip, "DisplayName": params["display_name"] or (endpoint or {}).get("DisplayName"),
        "PersistentChatPoolFqdn": params["pool_fqdn"]}
    if params["state"] == "present" and user:
        planned_user = None
    elif restoring:
        planned_user = restored_dn(deleted)
    else:
        planned_user = before["user"]
    if module.check_mode:
        module.set_diff(before, {"user": planned_user, "endpoint": planned_endpoint})
        results["endpoint"] = planned_endpoint
        module.exit_json(changed=True)

    results["changed"] = True
    with module.step(change_step(params["state"], restoring)):
        with clock.measure("change"):
            done = module.winrm().run_json(change_script(params, actions, sip), depth=4, idempotent=False) or {}
        after = find_endpoint([normalise(item, ENDPOINT_PROPERTIES) for item in as_list(done.get("endpoints"))], sip)
        results["endpoint"] = after
        if restoring:
            restored = normalise(done["user"], USER_PROPERTIES) if done.get("user") else None
            if restored is None:
                module.fail_json(msg="Restore-ADObject restored %s (%s) but Get-CsAdUser finds no user with %s: check "
                                     "the restored object's msRTCSIP attributes" % (
                                         params["restore_user"], deleted["ObjectGUID"], sip))
            results["restored_user"] = restored
            planned_user = restored["DistinguishedName"] or restored["Identity"]
    module.set_diff(before, {"user": planned_user, "endpoint": after})
    module.exit_json(changed=True)


if __name__ == "__main__":
    main()
