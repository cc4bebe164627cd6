#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: room
short_description: Create, change or remove a Lync Server 2013 Persistent Chat room
version_added: 0.1.0
description:
  - Makes a Persistent Chat room (C(New-/Set-/Remove-CsPersistentChatRoom)) match the options given; options
    left out are not changed.
  - Reads the room (and its category) in one WinRM round trip, compares in Python, and changes it (and reads
    it back) in one more.
  - Member lists hold SIP URIs (C(sip:user@domain)) or distinguished names, and must lie within the category's
    allowed members minus its denied members (Lync checks). Each is given either whole (O(members)) or as
    entries to add and remove (O(members_add), O(members_remove)); entries compare case-insensitively and only
    the difference is sent, as a PSListModifier C(@{Add=...; Remove=...}).
  - Runs on the controller; the task's host is the Lync Server 2013 Front End, reached with the WinRM options.
options:
  name:
    description:
      - Room name, unique in its pool among rooms and categories (at most 256 characters).
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
      - V(present) creates or updates the room; V(absent) removes it with its content.
    type: str
    choices: [present, absent]
    default: present
  category:
    description:
      - Name of the category the room belongs to (required to create the room). Changing it moves the room;
        Lync then drops member entries the new category does not allow.
    type: str
  description:
    description:
      - Description (at most 256 characters). V("") clears it.
    type: str
  type:
    description:
      - V(Normal) (every member posts) or V(Auditorium) (only presenters post). New rooms are V(Normal).
    type: str
    choices: [Normal, Auditorium]
  privacy:
    description:
      - V(Open), V(Closed) or V(Secret). New rooms are V(Closed).
    type: str
    choices: [Open, Closed, Secret]
  invitations:
    description:
      - V(Inherit) (the category's setting) or V(False) (no invitations). New rooms inherit.
      - Quote V("False") in YAML.
    type: str
    choices: [Inherit, "False"]
  addin:
    description:
      - Name of the add-in the room shows. V("") removes the add-in from the room.
    type: str
  disabled:
    description:
      - Whether the room is disabled (members disconnected, content kept, hidden from search).
    type: bool
  members:
    description:
      - The whole C(Members) list. V([]) empties it. Mutually exclusive with O(members_add) and O(members_remove).
    type: list
    elements: str
  members_add:
    description: Entries that must be in C(Members).
    type: list
    elements: str
  members_remove:
    description: Entries that must not be in C(Members).
    type: list
    elements: str
  managers:
    description:
      - The whole C(Managers) list. Mutually exclusive with O(managers_add) and O(managers_remove).
    type: list
    elements: str
  managers_add:
    description: Entries that must be in C(Managers).
    type: list
    elements: str
  managers_remove:
    description: Entries that must not be in C(Managers).
    type: list
    elements: str
  presenters:
    description:
      - The whole C(Presenters) list (Auditorium rooms only). Mutually exclusive with O(presenters_add) and
        O(presenters_remove).
    type: list
    elements: str
  presenters_add:
    description: Entries that must be in C(Presenters).
    type: list
    elements: str
  presenters_remove:
    description: Entries that must not be in C(Presenters).
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
    details: Reads the room and reports what would change; sends no change.
  diff_mode:
    support: full
    details: Before and after are the room's documented properties (empty when it does not exist).
notes:
  - A new room is created with C(New-CsPersistentChatRoom) and its member lists are then set with
    C(Set-CsPersistentChatRoom) in the same script; if that second command fails the room exists without
    them, and running the task again completes it.
author:
  - lync.persistent_chat contributors (@lync-persistent-chat)
seealso:
  - module: lync.persistent_chat.category
  - module: lync.persistent_chat.addin
"""

EXAMPLES = r"""
- name: The help desk room, secret, with its managers
  lync.persistent_chat.room:
    name: IT Helpdesk
    category: IT
    privacy: Secret
    members: ["sip:alice@contoso.com", "CN=Helpdesk,OU=Groups,DC=contoso,DC=com"]
    managers_add: ["sip:alice@contoso.com"]

- name: The old root manager no longer manages the room
  lync.persistent_chat.room:
    name: IT Helpdesk
    managers_remove: ["sip:oldroot@contoso.com"]

- name: Disable a room and stop invitations
  lync.persistent_chat.room:
    name: Archive 2012
    disabled: true
    invitations: "False"
"""

RETURN = r"""
room:
  description: The room after the run (in check mode, as it would be); null when it does not exist.
  returned: always
  type: dict
  sample: {"Identity": "pcpool.contoso.local\\IT Helpdesk", "Name": "IT Helpdesk", "Description": "",
           "Category": "IT", "Type": "Normal", "Privacy": "Secret", "Addin": null, "Disabled": false,
           "Invitations": "Inherit", "Members": ["sip:alice@contoso.com"], "Managers": ["sip:alice@contoso.com"],
           "Presenters": [], "PersistentChatPoolFqdn": "pcpool.contoso.local"}
changed_properties:
  description: The properties that were (or would be) changed; C(Identity) when created or removed.
  returned: always
  type: list
  elements: str
  sample: ["Privacy", "Managers"]
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
    named_in_pool,
    same_text,
    wildcard_safe,
)
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import PSCommand, PSListModifier, PSVariable

PROPERTIES = [("Identity", STRING), ("Name", PLAIN), ("Description", PLAIN), ("Category", STRING),
              ("Type", STRING), ("Privacy", STRING), ("Addin", STRING), ("Disabled", PLAIN),
              ("Invitations", STRING), ("Members", LIST), ("Managers", LIST), ("Presenters", LIST),
              ("PersistentChatPoolFqdn", STRING)]
CATEGORY_PROPERTIES = [("Identity", STRING), ("Name", PLAIN), ("PersistentChatPoolFqdn", STRING)]
LISTS = {"members": "Members", "managers": "Managers", "presenters": "Presenters"}
# option -> property (= New-/Set- parameter)
SCALARS = {"description": "Description", "type": "Type", "privacy": "Privacy", "invitations": "Invitations",
           "addin": "Addin", "disabled": "Disabled"}
DEFAULTS = {"Description": "", "Type": "Normal", "Privacy": "Closed", "Addin": None, "Disabled": False,
            "Invitations": "Inherit", "Members": [], "Managers": [], "Presenters": []}
MAX_NAME = MAX_DESCRIPTION = 256


def argument_spec():
    spec = dict(
        name=dict(type="str", required=True),
        pool_fqdn=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        category=dict(type="str"),
        description=dict(type="str"),
        type=dict(type="str", choices=["Normal", "Auditorium"]),
        privacy=dict(type="str", choices=["Open", "Closed", "Secret"]),
        invitations=dict(type="str", choices=["Inherit", "False"]),
        addin=dict(type="str"),
        disabled=dict(type="bool"),
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
    if params.get("category") is not None and not params["category"].strip():
        errors.append("category cannot be empty")
    if params.get("pool_fqdn") and fqdn_error(params["pool_fqdn"]):
        errors.append("pool_fqdn: " + fqdn_error(params["pool_fqdn"]))
    errors.extend(list_option_errors(params, LISTS))
    return errors


def category_name(value, pool):
    """A room's Category as a plain name: Lync may print it as <pool>\\<category>."""
    if value and pool and value.lower().startswith(pool.lower() + "\\"):
        return value[len(pool) + 1:]
    return value


def read_script(name, category, pool_fqdn):
    script = ReadScript().variable("n", name)
    script.collect("pools", PSCommand("Get-CsService").switch("PersistentChatServer"), [("PoolFqdn", STRING)])
    pool = None
    if pool_fqdn:
        script.variable("pool", pool_fqdn)
        pool = PSVariable("pool")
    # -Filter narrows the search on the server; Where-Object keeps the exact name only.
    rooms = (PSCommand("Get-CsPersistentChatRoom").optional("PersistentChatPoolFqdn", pool)
             .param("Filter", wildcard_safe(name)))
    script.collect("room", rooms, PROPERTIES, where="$_.Name -eq $n")
    if category is not None:
        script.variable("c", category)
        categories = PSCommand("Get-CsPersistentChatCategory").optional("PersistentChatPoolFqdn", pool)
        script.collect("category", categories, CATEGORY_PROPERTIES, where="$_.Name -eq $c")
    return script.render()


def desired_state(params, before):
    current = before or DEFAULTS
    desired = {prop: params.get(option) for option, prop in SCALARS.items()}
    desired["Category"] = params.get("category")
    for option, prop in LISTS.items():
        desired[prop] = desired_list(current.get(prop) or [], params.get(option), params.get(option + "_add"),
                                     params.get(option + "_remove"))
    return desired


def differences(current, desired):
    changed = changed_properties(current, {k: v for k, v in desired.items() if k not in ("Addin", "Category")},
                                 lists=set(LISTS.values()), case_insensitive={"Type", "Privacy", "Invitations"})
    if desired["Addin"] is not None and not same_text((current.get("Addin") or "").lower(), desired["Addin"].lower()):
        changed.append("Addin")
    if desired["Category"] is not None and (current.get("Category") or "").lower() != desired["Category"].lower():
        changed.append("Category")
    return changed


def predicted(before, desired, name, pool):
    after = dict(before) if before else dict(DEFAULTS, Identity="%s\\%s" % (pool, name), Name=name,
                                             PersistentChatPoolFqdn=pool, Category=None)
    for prop, value in desired.items():
        if value is not None:
            after[prop] = list(value) if isinstance(value, list) else value
    if after.get("Addin") == "":
        after["Addin"] = None
    return after


def change_commands(before, desired, name, pool, category_identity):
    """New- (when missing), then Set-: list removals, the other settings, list additions. That order
    lets presenters go before a room becomes Normal, and come after it becomes an Auditorium or
    moves to a category that allows them."""
    commands = []
    current = before
    if before is None:
        new = (PSCommand("New-CsPersistentChatRoom").param("Name", name).param("Category", category_identity)
               .param("PersistentChatPoolFqdn", pool))
        for prop in ("Description", "Type", "Privacy", "Invitations", "Disabled"):
            new.optional(prop, desired[prop])
        new.optional("Addin", desired["Addin"] or None)
        commands.append("$null=" + new.render())
        current = predicted(None, dict((k, v) for k, v in desired.items() if k not in LISTS.values()), name, pool)

    def setter():
        return PSCommand("Set-CsPersistentChatRoom").param("Identity", PSVariable("id"))

    removals, additions = [], []
    settings = setter()
    needed = False
    for prop in differences(current, desired):
        if prop in LISTS.values():
            add, remove = list_delta(current.get(prop) or [], desired[prop])
            if remove:
                removals.append(setter().param(prop, PSListModifier(remove=remove)).render())
            if add:
                additions.append(setter().param(prop, PSListModifier(add=add)).render())
        elif prop == "Category":
            settings.param("Category", category_identity)
            needed = True
        elif prop == "Addin":
            settings.param("Addin", desired["Addin"] or None)
            needed = True
        else:
            settings.param(prop, desired[prop])
            needed = True
    return commands + removals + ([settings.render()] if needed else []) + additions


def change_script(before, desired, name, pool, category_identity):
    """The change in one script, whatever the size of the member lists; it reads the room back."""
    script = ReadScript().variable("id", before["Identity"] if before else "%s\\%s" % (pool, name))
    for statement in change_commands(before, desired, name, pool, category_identity):
        script.add(statement)
    script.collect("room", PSCommand("Get-CsPersistentChatRoom").param("Identity", PSVariable("id")), PROPERTIES)
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

    room = ObjectRun(module, "room", "room", PROPERTIES)
    categories = []

    def find_category(raw, pool):
        if params["category"] is not None and params["state"] == "present":
            wanted = category_name(params["category"], pool)
            categories.extend(named_in_pool(raw, "category", CATEGORY_PROPERTIES, wanted, pool))
            if not categories:
                module.fail_json(msg="no category %s in pool %s" % (wanted, pool))

    room.read(read_script(name, params["category"], params["pool_fqdn"]), name, params["pool_fqdn"], find_category)
    pool, before = room.pool, room.before
    category = categories[0] if categories else None
    if before is not None:
        before["Category"] = category_name(before.get("Category"), pool)

    if params["state"] == "absent":
        room.remove("Remove-CsPersistentChatRoom")

    if before is None and category is None:
        module.current_step = "create room %s" % name
        module.fail_json(msg="category is required to create room %s" % name)
    desired = desired_state(params, before)
    if category is not None:
        desired["Category"] = category["Name"]
    if before is None:
        changed = ["Identity"] + differences(dict(DEFAULTS, Category=None), desired)
    else:
        changed = differences(before, desired)

    def read_back(record):
        record["Category"] = category_name(record.get("Category"), pool)
        return record

    room.change(name, changed, predicted(before, desired, name, pool),
                lambda: change_script(before, desired, name, pool, category["Identity"] if category else None),
                read_back)


if __name__ == "__main__":
    main()
