#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: compliance
short_description: Manage the Lync Server 2013 Persistent Chat compliance configuration of one scope
version_added: 0.1.0
description:
  - Makes the Persistent Chat compliance configuration (C(Get-/New-/Set-/Remove-CsPersistentChatComplianceConfiguration))
    of one scope (global, a site, or a Persistent Chat pool) match the options given; settings left out are not changed.
  - Values are checked before anything is sent (O(run_interval) between one minute and 30 days).
  - Reads every compliance configuration in one WinRM round trip, compares in Python, and changes the scope (and
    reads it back) in one more.
  - Runs on the controller; the task's host is the Lync Server 2013 Front End, reached with the WinRM options.
options:
  scope:
    description:
      - V(global), V(site:<site name>) or V(service:PersistentChatServer:<pool fqdn>).
      - A site or pool scope that does not exist is created with the given settings and Lync's defaults for the others.
    type: str
    default: global
  state:
    description:
      - V(present) creates or updates the scope; V(absent) removes a site or pool scope (the global one cannot be removed).
    type: str
    choices: [present, absent]
    default: present
  adapter_name:
    description: Name of the compliance adapter (C(-AdapterName)). V("") clears it.
    type: str
  adapter_output_directory:
    description: Folder the adapter writes to, one per adapter (C(-AdapterOutputDirectory)). V("") clears it.
    type: str
  adapter_type:
    description:
      - .NET type of the adapter (C(-AdapterType)), for example the built-in
        C(Microsoft.Rtc.Internal.Chat.Server.Compliance.XmlAdapter,compliance). Without one no compliance data
        is saved. V("") clears it.
    type: str
  add_chat_room_details:
    description: Write room details into the output (C(-AddChatRoomDetails)). Default false.
    type: bool
  add_user_details:
    description: Write user details into the output (C(-AddUserDetails)). Default false.
    type: bool
  create_file_attachments_manifest:
    description: Write C(.ATTACH) manifests for posted files (C(-CreateFileAttachmentsManifest)).
    type: bool
  custom_configuration:
    description: XSLT for the adapter's output (C(-CustomConfiguration)). V("") clears it.
    type: str
  one_chat_room_per_output_file:
    description: One output file per room (C(-OneChatRoomPerOutputFile)). Default false.
    type: bool
  run_interval:
    description:
      - How often the adapter runs (C(-RunInterval)), as C(hh:mm:ss) or C(d.hh:mm:ss), from V(00:01:00) to
        V(30.00:00:00). Lync's default is V(00:15:00).
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
    details: Reads the compliance configuration and reports what would change; sends no change.
  diff_mode:
    support: full
    details: Before and after are the scope's documented settings (empty when the scope does not exist).
author:
  - lync.persistent_chat contributors (@lync-persistent-chat)
seealso:
  - module: lync.persistent_chat.configuration
"""

EXAMPLES = r"""
- name: The built-in XML adapter writing to the compliance share every 15 minutes
  lync.persistent_chat.compliance:
    adapter_type: Microsoft.Rtc.Internal.Chat.Server.Compliance.XmlAdapter,compliance
    adapter_output_directory: \\fs01\pccompliance
    run_interval: "00:15:00"
"""

RETURN = r"""
compliance:
  description:
    - The scope's compliance configuration after the run (in check mode, as it would be); null when it does not
      exist. C(RunInterval) is written C([d.]hh:mm:ss).
  returned: always
  type: dict
  sample: {"Identity": "Global", "AdapterName": null, "AdapterOutputDirectory": "\\\\fs01\\pccompliance",
           "AdapterType": "Microsoft.Rtc.Internal.Chat.Server.Compliance.XmlAdapter,compliance",
           "AddChatRoomDetails": false, "AddUserDetails": false, "CreateFileAttachmentsManifest": false,
           "CustomConfiguration": null, "OneChatRoomPerOutputFile": false, "RunInterval": "00:15:00"}
changed_properties:
  description: The settings that were (or would be) changed; C(Identity) when the scope was created or removed.
  returned: always
  type: list
  elements: str
  sample: ["AdapterType", "AdapterOutputDirectory"]
"""

import datetime

from ansible_collections.lync.persistent_chat.plugins.module_utils.common import PchatModule
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_objects import (
    PLAIN,
    STRING,
    format_timespan,
    parse_timespan,
    scope_error,
)
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_settings import ScopedSettings, manage

PROPERTIES = [("Identity", STRING), ("AdapterName", PLAIN), ("AdapterOutputDirectory", PLAIN),
              ("AdapterType", PLAIN), ("AddChatRoomDetails", PLAIN), ("AddUserDetails", PLAIN),
              ("CreateFileAttachmentsManifest", PLAIN), ("CustomConfiguration", PLAIN),
              ("OneChatRoomPerOutputFile", PLAIN), ("RunInterval", STRING)]
DEFAULTS = {"AdapterName": None, "AdapterOutputDirectory": None, "AdapterType": None, "AddChatRoomDetails": False,
            "AddUserDetails": False, "CreateFileAttachmentsManifest": False, "CustomConfiguration": None,
            "OneChatRoomPerOutputFile": False, "RunInterval": "00:15:00"}
OPTIONS = {
    "adapter_name": ("AdapterName", "str"),
    "adapter_output_directory": ("AdapterOutputDirectory", "str"),
    "adapter_type": ("AdapterType", "str"),
    "add_chat_room_details": ("AddChatRoomDetails", "bool"),
    "add_user_details": ("AddUserDetails", "bool"),
    "create_file_attachments_manifest": ("CreateFileAttachmentsManifest", "bool"),
    "custom_configuration": ("CustomConfiguration", "str"),
    "one_chat_room_per_output_file": ("OneChatRoomPerOutputFile", "bool"),
    "run_interval": ("RunInterval", "str"),
}
SHORTEST = datetime.timedelta(minutes=1)
LONGEST = datetime.timedelta(days=30)


def option_errors(params):
    errors = []
    problem = scope_error(params["scope"])
    if problem:
        errors.append("scope: " + problem)
    if params.get("run_interval") is not None:
        interval = parse_timespan(params["run_interval"])
        if interval is None:
            errors.append("run_interval %r is not written hh:mm:ss or d.hh:mm:ss" % params["run_interval"])
        elif not SHORTEST <= interval <= LONGEST:
            errors.append("run_interval must be between 00:01:00 and 30.00:00:00, not %s" % params["run_interval"])
    return errors


def same_interval(current, desired):
    return parse_timespan(current) == parse_timespan(desired)


def main():
    spec = dict(scope=dict(type="str", default="global"),
                state=dict(type="str", choices=["present", "absent"], default="present"))
    for option, (_prop, kind) in OPTIONS.items():
        spec[option] = dict(type=kind)
    module = PchatModule(argument_spec=spec, supports_check_mode=True)
    params = module.params
    module.current_step = "check the options"
    errors = option_errors(params)
    if errors:
        module.fail_json(msg="; ".join(errors))
    desired = {prop: params.get(option) for option, (prop, _kind) in OPTIONS.items()}
    if desired["RunInterval"] is not None:
        desired["RunInterval"] = format_timespan(parse_timespan(desired["RunInterval"]))
    settings = ScopedSettings("PersistentChatComplianceConfiguration", PROPERTIES, DEFAULTS, params["scope"],
                              compare={"RunInterval": same_interval}, render={"RunInterval": parse_timespan})
    manage(module, settings, desired, "Persistent Chat compliance configuration", "compliance")


if __name__ == "__main__":
    main()
