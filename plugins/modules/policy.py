#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: policy
short_description: Manage a Lync Server 2013 Persistent Chat policy and grant it to users, groups or OUs
version_added: 0.1.0
description:
  - Makes a Persistent Chat policy (C(Get-/New-/Set-/Remove-CsPersistentChatPolicy)) of one scope match the options
    given, and grants a per-user policy (C(Grant-CsPersistentChatPolicy)) to users, to the members of AD groups, and
    to the users of OUs that do not have it yet.
  - Persistent Chat is off by default (C(EnablePersistentChat) false); users need an enabling policy to use it.
  - Reads the policies and the users to grant in one WinRM round trip, compares in Python, and changes the policy and
    grants it (reading both back) in one more.
  - Runs on the controller; the task's host is the Lync Server 2013 Front End, reached with the WinRM options.
options:
  scope:
    description:
      - V(global), V(site:<site name>), V(service:<role>:<pool fqdn>) (pool level), or a per-user policy written
        V(tag:<name>) or just V(<name>).
      - A scope that does not exist is created (C(New-CsPersistentChatPolicy)).
    type: str
    default: global
  state:
    description:
      - V(present) creates or updates the policy; V(absent) removes it (Lync unassigns a removed per-user policy
        from its users). The global policy cannot be removed.
    type: str
    choices: [present, absent]
    default: present
  description:
    description: Description of the policy. V("") clears it.
    type: str
  enable_persistent_chat:
    description: Whether users under this policy may use Persistent Chat (C(-EnablePersistentChat)).
    type: bool
  grant_users:
    description:
      - Users (SIP address, distinguished name, UPN or C(DOMAIN\\user)) who must have this per-user policy.
      - Only with a per-user (tag) O(scope). A user Lync does not know fails the read step.
    type: list
    elements: str
  grant_groups:
    description:
      - AD groups (name or distinguished name) whose members, nested groups included, must have this per-user
        policy. Members that are not enabled for Lync are skipped and listed in RV(not_lync_enabled).
      - Reads the members with C(Get-ADGroupMember -Recursive), so the Front End needs the C(ActiveDirectory)
        PowerShell module.
    type: list
    elements: str
  grant_ous:
    description:
      - OUs (distinguished names) whose Lync users (C(Get-CsUser -OU), sub-OUs included) must have this per-user policy.
    type: list
    elements: str
extends_documentation_fragment:
  - lync.persistent_chat.attributes
  - lync.persistent_chat.connection
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: Reads the policy and the users and reports what would change and who would be granted; sends no change.
  diff_mode:
    support: full
    details: Before and after hold the policy's documented properties and the users granted by the run.
notes:
  - Granting only ever assigns this policy; it does not take it away from users who are no longer listed.
  - Groups and OUs are expanded on the server in the change step too, so a user added to a group between the
    two round trips is granted as well.
  - O(grant_users) is written into the scripts as literals, however long the list (scripts go to the server on
    stdin, not on a command line). Large populations are easier to keep in O(grant_groups) or O(grant_ous),
    which the server expands.
author:
  - lync.persistent_chat contributors (@lync-persistent-chat)
seealso:
  - module: lync.persistent_chat.configuration
"""

EXAMPLES = r"""
- name: Persistent Chat for everyone
  lync.persistent_chat.policy:
    enable_persistent_chat: true

- name: A per-user policy for the pilot, granted to the chat OU and the help desk group
  lync.persistent_chat.policy:
    scope: PCEnabled
    description: Persistent Chat pilot
    enable_persistent_chat: true
    grant_ous: ["OU=Chat,DC=contoso,DC=com"]
    grant_groups: [Helpdesk]
    grant_users: ["sip:ceo@contoso.com"]
"""

RETURN = r"""
policy:
  description: The policy after the run (in check mode, as it would be); null when it does not exist.
  returned: always
  type: dict
  sample: {"Identity": "Tag:PCEnabled", "Description": "Persistent Chat pilot", "EnablePersistentChat": true}
changed_properties:
  description: The policy's properties that were (or would be) changed; C(Identity) when it was created or removed.
  returned: always
  type: list
  elements: str
  sample: ["EnablePersistentChat"]
granted:
  description: Identities (distinguished names) of the users granted the policy by this run (in check mode, who would be).
  returned: always
  type: list
  elements: str
  sample: ["CN=Alice Archer,OU=Chat,DC=contoso,DC=com"]
not_lync_enabled:
  description: Group members that are not enabled for Lync and so cannot be granted a policy.
  returned: always
  type: list
  elements: str
  sample: ["CN=Frank Fisher,OU=Users,DC=contoso,DC=com"]
"""

from ansible_collections.lync.persistent_chat.plugins.module_utils.common import PchatModule
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_objects import (
    PLAIN,
    STRING,
    ReadScript,
    canonical_scope,
    records,
    scope_error,
)
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_settings import ScopedSettings
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_views import as_list
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import PSCommand

PROPERTIES = [("Identity", STRING), ("Description", PLAIN), ("EnablePersistentChat", PLAIN)]
USER_PROPERTIES = [("Identity", STRING), ("SipAddress", PLAIN), ("PersistentChatPolicy", STRING)]
DEFAULTS = {"Description": None, "EnablePersistentChat": False}
GRANTS = ("grant_users", "grant_groups", "grant_ous")


def option_errors(params):
    errors = []
    problem = scope_error(params["scope"], tags=True)
    if problem:
        errors.append("scope: " + problem)
    elif any(params.get(option) for option in GRANTS):
        _identity, key = canonical_scope(params["scope"], tags=True)
        if not key.startswith("tag:"):
            errors.append("grant_users, grant_groups and grant_ous need a per-user policy scope (tag:<name>), not %s"
                          % params["scope"])
        if params["state"] == "absent":
            errors.append("grant_users, grant_groups and grant_ous cannot be used with state=absent")
    for option in GRANTS:
        for value in params.get(option) or []:
            if not value.strip():
                errors.append("%s has an empty entry" % option)
    for value in params.get("grant_ous") or []:
        if value.strip() and "=" not in value:
            errors.append("grant_ous: %r is not a distinguished name" % value)
    return errors


def policy_name(identity):
    """The PolicyName Grant- takes: a per-user policy's name without tag:."""
    return identity[4:] if identity.lower().startswith("tag:") else identity


def candidates_expression(params):
    """The users to grant, as PowerShell reads them: the listed users, the Lync users of the OUs and
    the Lync-enabled members of the groups, each once. Needs $gu, $go, $gg defined."""
    parts = []
    if params.get("grant_users"):
        parts.append("@($gu|ForEach-Object {Get-CsUser -Identity $_})")
    if params.get("grant_ous"):
        parts.append("@($go|ForEach-Object {Get-CsUser -OU $_})")
    if params.get("grant_groups"):
        parts.append("@(foreach($m in $gm){if($m.SipAddress){Get-CsUser -Identity $m.Identity}})")
    return "@(%s|Sort-Object -Property Identity -Unique)" % "+".join(parts)


def add_grant_sources(script, params):
    """Variables holding the grant lists, and $gm, the Lync view of every group member (user objects
    only, nested groups expanded)."""
    if params.get("grant_users"):
        script.variable("gu", list(params["grant_users"]))
    if params.get("grant_ous"):
        script.variable("go", list(params["grant_ous"]))
    if params.get("grant_groups"):
        script.variable("gg", list(params["grant_groups"]))
        script.add("$gm=@(foreach($g in $gg){foreach($u in @(Get-ADGroupMember -Identity $g -Recursive|"
                   "Where-Object {$_.objectClass -eq 'user'})){Get-CsAdUser -Identity $u.distinguishedName}})")


def read_script(settings, params):
    grants = any(params.get(option) for option in GRANTS)
    script = ReadScript(modules=("Lync", "ActiveDirectory") if params.get("grant_groups") else ("Lync",))
    settings.add_read(script)
    if grants:
        add_grant_sources(script, params)
        script.collect("users", candidates_expression(params), USER_PROPERTIES)
        if params.get("grant_groups"):
            script.add("$r['skipped']=@($gm|Where-Object {-not $_.SipAddress}|ForEach-Object {[string]$_.Identity})")
    return script.render()


def change_script(settings, params, before, desired, changed, grant):
    script = ReadScript(modules=("Lync", "ActiveDirectory") if params.get("grant_groups") and grant else ("Lync",))
    if changed:
        settings.add_change(script, before, desired, changed)
    if grant:
        add_grant_sources(script, params)
        script.variable("pn", policy_name(settings.identity))
        grant_command = PSCommand("Grant-CsPersistentChatPolicy").render()
        # The same selection as the read, made again on the server, so nothing is granted twice.
        script.add("$r['granted']=@(%s|Where-Object {([string]$_.PersistentChatPolicy -replace '^tag:','') -ne $pn}"
                   "|ForEach-Object {%s -Identity $_.Identity -PolicyName $pn\n[string]$_.Identity})"
                   % (candidates_expression(params), grant_command))
    return script.render()


def needs_grant(user, name):
    current = (user.get("PersistentChatPolicy") or "")
    if current.lower().startswith("tag:"):
        current = current[4:]
    return current.lower() != name.lower()


def main():
    module = PchatModule(
        argument_spec=dict(
            scope=dict(type="str", default="global"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            description=dict(type="str"),
            enable_persistent_chat=dict(type="bool"),
            grant_users=dict(type="list", elements="str"),
            grant_groups=dict(type="list", elements="str"),
            grant_ous=dict(type="list", elements="str"),
        ),
        supports_check_mode=True)
    params = module.params
    module.current_step = "check the options"
    errors = option_errors(params)
    if errors:
        module.fail_json(msg="; ".join(errors))
    settings = ScopedSettings("PersistentChatPolicy", PROPERTIES, DEFAULTS, params["scope"], tags=True)
    if params["state"] == "absent" and settings.key == "global":
        module.fail_json(msg="the global Persistent Chat policy cannot be removed; set its values instead")

    with module.step("read Persistent Chat policy %s" % settings.identity):
        raw = module.winrm().run_json(read_script(settings, params), depth=4)
    before = settings.current(raw)
    skipped = [str(item) for item in as_list(raw.get("skipped"))]
    name = policy_name(settings.identity)
    to_grant = [user["Identity"] for user in records(raw, "users", USER_PROPERTIES) if needs_grant(user, name)]

    if params["state"] == "absent":
        if before is None:
            module.exit_json(changed=False, policy=None, changed_properties=[], granted=[], not_lync_enabled=[])
        if not module.check_mode:
            script = ReadScript()
            settings.add_remove(script, before)
            with module.step("remove Persistent Chat policy %s" % before["Identity"]):
                module.winrm().run_json(script.render(), depth=2, idempotent=False)
        module.set_diff(before, {})
        module.exit_json(changed=True, policy=None, changed_properties=["Identity"], granted=[], not_lync_enabled=[])

    desired = {"Description": params.get("description"), "EnablePersistentChat": params.get("enable_persistent_chat")}
    changed = settings.changed(before, desired)
    if not changed and not to_grant:
        module.exit_json(changed=False, policy=before, changed_properties=[], granted=[], not_lync_enabled=skipped)
    after = settings.predicted(before, desired) if changed else before
    granted = to_grant
    if not module.check_mode:
        step = "grant Persistent Chat policy %s" % name if not changed else (
            "%s Persistent Chat policy %s" % ("create" if before is None else "change", settings.identity))
        with module.step(step):
            raw = module.winrm().run_json(change_script(settings, params, before, desired, changed, bool(to_grant)),
                                          depth=4, idempotent=False)
            if changed:
                after = settings.read_back(raw) or after
            granted = [str(item) for item in as_list(raw.get("granted"))] if to_grant else []
    module.set_diff(dict(before or {}, granted=[]), dict(after or {}, granted=granted))
    module.exit_json(changed=bool(changed or granted), policy=after, changed_properties=changed, granted=granted,
                     not_lync_enabled=skipped)


if __name__ == "__main__":
    main()
