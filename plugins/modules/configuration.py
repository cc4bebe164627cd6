#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: configuration
short_description: Manage the Lync Server 2013 Persistent Chat configuration of one scope
version_added: 0.1.0
description:
  - Makes the Persistent Chat configuration (C(Get-/New-/Set-/Remove-CsPersistentChatConfiguration)) of one scope
    (global, a site, or a Persistent Chat pool) match the options given; settings left out are not changed.
  - Values are checked against their documented ranges before anything is sent.
  - Reads every configuration in one WinRM round trip, compares in Python, and changes the scope (and reads it
    back) in one more.
  - Runs on the controller; the task's host is the Lync Server 2013 Front End, reached with the WinRM options.
options:
  scope:
    description:
      - V(global), V(site:<site name>) or V(service:PersistentChatServer:<pool fqdn>).
      - A site or pool scope that does not exist is created (C(New-CsPersistentChatConfiguration)) with the
        given settings and Lync's defaults for the others.
    type: str
    default: global
  state:
    description:
      - V(present) creates or updates the scope; V(absent) removes a site or pool scope (the global one cannot
        be removed).
    type: str
    choices: [present, absent]
    default: present
  default_chat_history:
    description:
      - Number of messages a client shows when it joins a room (C(-DefaultChatHistory)), 1 to 500. Lync's default is 30.
    type: int
  max_file_size_kb:
    description:
      - Largest file, in KB, that can be posted or downloaded (C(-MaxFileSizeKB)), 0 to 4294967295. Default 20000.
    type: int
  participant_update_limit:
    description:
      - Room size above which roster updates stop (C(-ParticipantUpdateLimit)), 0 to 4294967295. Default 75.
    type: int
  room_management_url:
    description:
      - Address of a custom room management page (C(-RoomManagementUrl)). V("") clears it.
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
    details: Reads the configuration and reports what would change; sends no change.
  diff_mode:
    support: full
    details: Before and after are the scope's documented settings (empty when the scope does not exist).
author:
  - lync.persistent_chat contributors (@lync-persistent-chat)
seealso:
  - module: lync.persistent_chat.policy
  - module: lync.persistent_chat.compliance
"""

EXAMPLES = r"""
- name: Show 100 messages on join, everywhere
  lync.persistent_chat.configuration:
    default_chat_history: 100

- name: Larger files on the Persistent Chat pool
  lync.persistent_chat.configuration:
    scope: service:PersistentChatServer:pcpool.contoso.com
    max_file_size_kb: 50000
"""

RETURN = r"""
configuration:
  description: The scope's configuration after the run (in check mode, as it would be); null when it does not exist.
  returned: always
  type: dict
  sample: {"Identity": "Global", "DefaultChatHistory": 100, "MaxFileSizeKB": 20000, "ParticipantUpdateLimit": 75,
           "RoomManagementUrl": null}
changed_properties:
  description: The settings that were (or would be) changed; C(Identity) when the scope was created or removed.
  returned: always
  type: list
  elements: str
  sample: ["DefaultChatHistory"]
"""

from ansible_collections.lync.persistent_chat.plugins.module_utils.common import PchatModule
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_objects import PLAIN, STRING, scope_error
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_settings import ScopedSettings, manage

PROPERTIES = [("Identity", STRING), ("DefaultChatHistory", PLAIN), ("MaxFileSizeKB", PLAIN),
              ("ParticipantUpdateLimit", PLAIN), ("RoomManagementUrl", PLAIN)]
DEFAULTS = {"DefaultChatHistory": 30, "MaxFileSizeKB": 20000, "ParticipantUpdateLimit": 75, "RoomManagementUrl": None}
UINT32_MAX = 4294967295
# option -> (property, lowest, highest)
SETTINGS = {
    "default_chat_history": ("DefaultChatHistory", 1, 500),
    "max_file_size_kb": ("MaxFileSizeKB", 0, UINT32_MAX),
    "participant_update_limit": ("ParticipantUpdateLimit", 0, UINT32_MAX),
    "room_management_url": ("RoomManagementUrl", None, None),
}


def option_errors(params):
    errors = []
    problem = scope_error(params["scope"])
    if problem:
        errors.append("scope: " + problem)
    for option, (_prop, low, high) in SETTINGS.items():
        value = params.get(option)
        if value is not None and low is not None and not low <= value <= high:
            errors.append("%s must be between %d and %d, not %d" % (option, low, high, value))
    return errors


def main():
    module = PchatModule(
        argument_spec=dict(
            scope=dict(type="str", default="global"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            default_chat_history=dict(type="int"),
            max_file_size_kb=dict(type="int"),
            participant_update_limit=dict(type="int"),
            room_management_url=dict(type="str"),
        ),
        supports_check_mode=True)
    params = module.params
    module.current_step = "check the options"
    errors = option_errors(params)
    if errors:
        module.fail_json(msg="; ".join(errors))
    settings = ScopedSettings("PersistentChatConfiguration", PROPERTIES, DEFAULTS, params["scope"])
    desired = {prop: params.get(option) for option, (prop, _low, _high) in SETTINGS.items()}
    manage(module, settings, desired, "Persistent Chat configuration", "configuration")


if __name__ == "__main__":
    main()
