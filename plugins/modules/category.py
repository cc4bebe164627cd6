#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: category
short_description: Create, change or remove a Lync Server 2013 Persistent Chat category
version_added: 0.1.0
description:
  - Makes a Persistent Chat category (C(New-/Set-/Remove-CsPersistentChatCategory)) match the options given;
    options left out are not changed.
  - Reads the category in one WinRM round trip, compares in Python, and changes it (and reads it back) in one more.
  - Member lists hold SIP URIs (C(sip:user@domain)) of users or distinguished names of users, groups and OUs.
    Each is given either whole (O(allowed_members)) or as entries to add and remove (O(allowed_members_add),
    O(allowed_members_remove)); entries compare case-insensitively and only the difference is sent, as a
    PSListModifier C(@{Add=...; Remove=...}).
  - Runs on the controller; the task's host is the Lync Server 2013 Front End, reached with the WinRM options.
options:
  name:
    description:
      - Category name, unique in its pool (at most 256 characters).
      - A name that begins or ends with white space is refused before anything changes (Lync finds objects by
        a trimmed identity, so it could never be found again).
    type: str
    required: true
  pool_fqdn:
    description:
      - FQDN of the Persistent Chat pool. Needed only when the topology has more than one.
    type: str
  state:
    description:
      - V(present) creates or updates the category; V(absent) removes it.
      - Lync refuses to remove a category that still has rooms.
    type: str
    choices: [present, absent]
    default: present
  description:
    description:
      - Description (at most 256 characters). V("") clears it.
    type: str
  invitations:
    description:
      - Whether rooms of the category may send invitations (C(-Invitations), C(-EnableInvitations) at creation).
      - A new category without this option has invitations off.
    type: bool
  file_upload:
    description:
      - Whether files may be posted in the category's rooms (C(-FileUpload), C(-EnableFileUpload) at creation).
      - A new category without this option has file upload off.
    type: bool
  chat_history:
    description:
      - Whether chat history is kept (C(-ChatHistory); V(false) at creation is C(-RemoveChatHistory)).
      - A new category without this option keeps history.
    type: bool
  allowed_members:
    description:
      - The whole C(AllowedMembers) list (SIP URIs or distinguished names). V([]) empties it.
      - Mutually exclusive with O(allowed_members_add) and O(allowed_members_remove).
    type: list
    elements: str
  allowed_members_add:
    description: Entries that must be in C(AllowedMembers).
    type: list
    elements: str
  allowed_members_remove:
    description: Entries that must not be in C(AllowedMembers).
    type: list
    elements: str
  denied_members:
    description:
      - The whole C(DeniedMembers) list; a denied entry wins over an allowed one.
      - Mutually exclusive with O(denied_members_add) and O(denied_members_remove).
    type: list
    elements: str
  denied_members_add:
    description: Entries that must be in C(DeniedMembers).
    type: list
    elements: str
  denied_members_remove:
    description: Entries that must not be in C(DeniedMembers).
    type: list
    elements: str
  creators:
    description:
      - The whole C(Creators) list; creators should be within C(AllowedMembers) minus C(DeniedMembers).
      - Mutually exclusive with O(creators_add) and O(creators_remove).
    type: list
    elements: str
  creators_add:
    description: Entries that must be in C(Creators).
    type: list
    elements: str
  creators_remove:
    description: Entries that must not be in C(Creators).
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
    details: Reads the category and reports what would change; sends no change.
  diff_mode:
    support: full
    details: Before and after are the category's documented properties (empty when it does not exist).
notes:
  - Lync accepts only principals the Persistent Chat pool has provisioned; others fail with
    "principal ... is not provisioned" and the module reports that error with the step that failed.
  - A new category is created with C(New-CsPersistentChatCategory) and its member lists are then set with
    C(Set-CsPersistentChatCategory) in the same script; if that second command fails the category exists
    without them, and running the task again completes it.
author:
  - lync.persistent_chat contributors (@lync-persistent-chat)
seealso:
  - module: lync.persistent_chat.room
  - module: lync.persistent_chat.pool_info
"""

EXAMPLES = r"""
- name: The IT category, open to the IT OU, with a creator
  lync.persistent_chat.category:
    name: IT
    description: IT department rooms
    file_upload: true
    allowed_members: ["OU=IT,DC=contoso,DC=com"]
    creators_add: ["sip:admin@contoso.com"]

- name: Take a leaver out of the creators, leave the rest alone
  lync.persistent_chat.category:
    name: IT
    creators_remove: ["sip:leaver@contoso.com"]

- name: Remove an empty category
  lync.persistent_chat.category:
    name: Old projects
    state: absent
"""

RETURN = r"""
category:
  description:
    - The category after the run (in check mode, as it would be); null when it does not exist.
  returned: always
  type: dict
  sample: {"Identity": "pcpool.contoso.local\\IT", "Name": "IT", "Description": "IT department rooms",
           "PersistentChatPoolFqdn": "pcpool.contoso.local", "Invites": false, "FileUpload": true,
           "ChatHistory": true, "AllowedMembers": ["OU=IT,DC=contoso,DC=com"], "DeniedMembers": [],
           "Creators": ["sip:admin@contoso.com"]}
changed_properties:
  description: The properties that were (or in check mode would be) changed; C(Identity) when created or removed.
  returned: always
  type: list
  elements: str
  sample: ["FileUpload", "Creators"]
"""

from ansible_collections.lync.persistent_chat.plugins.module_utils.common import PchatModule
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_objects import (
    LIST,
    PLAIN,
    ReadScript,
    STRING,
    ObjectRun,
    changed_properties,
    desired_list,
    fqdn_error,
    name_errors,
    list_delta,
    list_mutually_exclusive,
    list_option_errors,
    list_options,
)
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import PSCommand, PSListModifier, PSVariable

PROPERTIES = [("Identity", STRING), ("Name", PLAIN), ("Description", PLAIN), ("PersistentChatPoolFqdn", STRING),
              ("Invites", PLAIN), ("FileUpload", PLAIN), ("ChatHistory", PLAIN), ("AllowedMembers", LIST),
              ("DeniedMembers", LIST), ("Creators", LIST)]
# option -> (property, Set- parameter)
LISTS = {"allowed_members": "AllowedMembers", "denied_members": "DeniedMembers", "creators": "Creators"}
FLAGS = {"invitations": ("Invites", "Invitations"), "file_upload": ("FileUpload", "FileUpload"),
         "chat_history": ("ChatHistory", "ChatHistory")}
MAX_NAME = MAX_DESCRIPTION = 256
# What New-CsPersistentChatCategory makes when no switch is given.
NEW_CATEGORY = {"Description": "", "Invites": False, "FileUpload": False, "ChatHistory": True,
                "AllowedMembers": [], "DeniedMembers": [], "Creators": []}


def argument_spec():
    spec = dict(
        name=dict(type="str", required=True),
        pool_fqdn=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        description=dict(type="str"),
        invitations=dict(type="bool"),
        file_upload=dict(type="bool"),
        chat_history=dict(type="bool"),
    )
    for option in LISTS:
        spec.update(list_options(option))
    return spec


def option_errors(params):
    errors = []
    name = params["name"]
    errors.extend(name_errors("name", name, MAX_NAME))
    if params.get("description") is not None and len(params["description"]) > MAX_DESCRIPTION:
        errors.append("description is %d characters long (at most %d)" % (len(params["description"]), MAX_DESCRIPTION))
    if params.get("pool_fqdn") and fqdn_error(params["pool_fqdn"]):
        errors.append("pool_fqdn: " + fqdn_error(params["pool_fqdn"]))
    errors.extend(list_option_errors(params, LISTS))
    return errors


def read_script(name, pool_fqdn):
    script = ReadScript().variable("n", name)
    script.collect("pools", PSCommand("Get-CsService").switch("PersistentChatServer"), [("PoolFqdn", STRING)])
    if pool_fqdn:
        script.variable("pool", pool_fqdn)
    command = PSCommand("Get-CsPersistentChatCategory").optional("PersistentChatPoolFqdn",
                                                                 PSVariable("pool") if pool_fqdn else None)
    script.collect("category", command, PROPERTIES, where="$_.Name -eq $n")
    return script.render()


def desired_state(params, before):
    """Property -> wanted value (None: leave alone)."""
    current = before or {}
    desired = {"Description": params.get("description")}
    for option, (prop, _param) in FLAGS.items():
        desired[prop] = params.get(option)
    for option, prop in LISTS.items():
        desired[prop] = desired_list(current.get(prop) or [], params.get(option), params.get(option + "_add"),
                                     params.get(option + "_remove"))
    return desired


def predicted(before, desired, name, pool):
    """The category as it will read after the change (check mode's answer)."""
    after = dict(before) if before else dict(NEW_CATEGORY, Identity="%s\\%s" % (pool, name), Name=name,
                                             PersistentChatPoolFqdn=pool)
    for prop, value in desired.items():
        if value is not None:
            after[prop] = list(value) if isinstance(value, list) else value
    return after


def change_commands(before, desired, name, pool):
    """New- (when missing), then Set-: list removals, the other settings, list additions."""
    commands = []
    current = before or NEW_CATEGORY
    if not before:
        new = (PSCommand("New-CsPersistentChatCategory").param("Name", name).param("PersistentChatPoolFqdn", pool)
               .optional("Description", desired["Description"] or None))
        if desired["Invites"]:
            new.switch("EnableInvitations")
        if desired["FileUpload"]:
            new.switch("EnableFileUpload")
        if desired["ChatHistory"] is False:
            new.switch("RemoveChatHistory")
        commands.append("$null=" + new.render())
        current = predicted(None, {"Description": desired["Description"], "Invites": desired["Invites"],
                                   "FileUpload": desired["FileUpload"], "ChatHistory": desired["ChatHistory"]},
                            name, pool)

    def setter():
        return PSCommand("Set-CsPersistentChatCategory").param("Identity", PSVariable("id"))

    removals, additions = [], []
    for prop in LISTS.values():
        if desired[prop] is not None:
            add, remove = list_delta(current.get(prop) or [], desired[prop])
            if remove:
                removals.append(setter().param(prop, PSListModifier(remove=remove)).render())
            if add:
                additions.append(setter().param(prop, PSListModifier(add=add)).render())
    settings = setter()
    needed = False
    for prop in changed_properties(current, {"Description": desired["Description"]}):
        settings.param(prop, desired[prop])
        needed = True
    for _option, (prop, param) in FLAGS.items():
        if desired[prop] is not None and current.get(prop) != desired[prop]:
            settings.param(param, desired[prop])
            needed = True
    return commands + removals + ([settings.render()] if needed else []) + additions


def change_script(before, desired, name, pool):
    """The change in one script, whatever the size of the member lists; it reads the category back."""
    script = ReadScript().variable("id", before["Identity"] if before else "%s\\%s" % (pool, name))
    for statement in change_commands(before, desired, name, pool):
        script.add(statement)
    script.collect("category", PSCommand("Get-CsPersistentChatCategory").param("Identity", PSVariable("id")),
                   PROPERTIES)
    return script.render()


def main():
    module = PchatModule(argument_spec=argument_spec(), supports_check_mode=True,
                         mutually_exclusive=list_mutually_exclusive(LISTS))
    params = module.params
    name = params["name"]
    module.current_step = "check the options"
    errors = option_errors(params)
    if errors:
        module.fail_json(msg="; ".join(errors))

    category = ObjectRun(module, "category", "category", PROPERTIES)
    category.read(read_script(name, params["pool_fqdn"]), name, params["pool_fqdn"])
    pool, before = category.pool, category.before
    if params["state"] == "absent":
        category.remove("Remove-CsPersistentChatCategory")

    desired = desired_state(params, before)
    if before is None:
        changed = ["Identity"] + changed_properties(NEW_CATEGORY, desired, lists=set(LISTS.values()))
    else:
        changed = changed_properties(before, desired, lists=set(LISTS.values()))
    category.change(name, changed, predicted(before, desired, name, pool),
                    lambda: change_script(before, desired, name, pool))


if __name__ == "__main__":
    main()
