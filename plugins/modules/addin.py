#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: addin
short_description: Register, change or remove a Lync Server 2013 Persistent Chat add-in
version_added: 0.1.0
description:
  - Makes a Persistent Chat add-in (C(New-/Set-/Remove-CsPersistentChatAddin)), a web page shown in the
    client's extensibility pane of the rooms that use it, match the options given.
  - Reads the add-in in one WinRM round trip, compares in Python, and changes it (and reads it back) in one more.
  - Runs on the controller; the task's host is the Lync Server 2013 Front End, reached with the WinRM options.
options:
  name:
    description:
      - Add-in name, unique in its pool (at most 50 characters).
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
      - V(present) registers or updates the add-in; V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  url:
    description:
      - Address of the add-in's page (at most 255 characters), compared exactly.
      - Required to create the add-in.
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
    details: Reads the add-in and reports what would change; sends no change.
  diff_mode:
    support: full
    details: Before and after are the add-in's documented properties (empty when it does not exist).
author:
  - lync.persistent_chat contributors (@lync-persistent-chat)
seealso:
  - module: lync.persistent_chat.room
"""

EXAMPLES = r"""
- name: The IT intranet add-in
  lync.persistent_chat.addin:
    name: ITAddin
    url: https://intranet.contoso.com/it

- name: Gone
  lync.persistent_chat.addin:
    name: ITAddin
    state: absent
"""

RETURN = r"""
addin:
  description: The add-in after the run (in check mode, as it would be); null when it does not exist.
  returned: always
  type: dict
  sample: {"Identity": "pcpool.contoso.local\\ITAddin", "Name": "ITAddin", "Url": "https://intranet.contoso.com/it",
           "PersistentChatPoolFqdn": "pcpool.contoso.local"}
changed_properties:
  description: The properties that were (or would be) changed; C(Identity) when created or removed.
  returned: always
  type: list
  elements: str
  sample: ["Url"]
"""

from ansible_collections.lync.persistent_chat.plugins.module_utils.common import PchatModule
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_objects import (
    PLAIN,
    ObjectRun,
    ReadScript,
    STRING,
    fqdn_error,
    name_errors,
)
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import PSCommand, PSVariable

PROPERTIES = [("Identity", STRING), ("Name", PLAIN), ("Url", PLAIN), ("PersistentChatPoolFqdn", STRING)]
MAX_NAME = 50
MAX_URL = 255


def option_errors(params):
    errors = []
    name, url = params["name"], params.get("url")
    errors.extend(name_errors("name", name, MAX_NAME))
    if url is not None:
        if not url.strip():
            errors.append("url cannot be empty")
        elif len(url) > MAX_URL:
            errors.append("url is %d characters long (at most %d)" % (len(url), MAX_URL))
    if params.get("pool_fqdn") and fqdn_error(params["pool_fqdn"]):
        errors.append("pool_fqdn: " + fqdn_error(params["pool_fqdn"]))
    return errors


def read_script(name, pool_fqdn):
    script = ReadScript().variable("n", name)
    script.collect("pools", PSCommand("Get-CsService").switch("PersistentChatServer"), [("PoolFqdn", STRING)])
    if pool_fqdn:
        script.variable("pool", pool_fqdn)
    command = PSCommand("Get-CsPersistentChatAddin").optional("PersistentChatPoolFqdn",
                                                              PSVariable("pool") if pool_fqdn else None)
    script.collect("addin", command, PROPERTIES, where="$_.Name -eq $n")
    return script.render()


def change_script(before, name, url, pool):
    identity = before["Identity"] if before else "%s\\%s" % (pool, name)
    script = ReadScript().variable("id", identity)
    if before is None:
        script.add("$null=" + PSCommand("New-CsPersistentChatAddin").param("Name", name).param("Url", url)
                   .param("PersistentChatPoolFqdn", pool).render())
    else:
        script.add(PSCommand("Set-CsPersistentChatAddin").param("Identity", PSVariable("id")).param("Url", url).render())
    script.collect("addin", PSCommand("Get-CsPersistentChatAddin").param("Identity", PSVariable("id")), PROPERTIES)
    return script.render()


def main():
    module = PchatModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            pool_fqdn=dict(type="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            url=dict(type="str"),
        ),
        supports_check_mode=True)
    params = module.params
    name = params["name"]
    module.current_step = "check the options"
    errors = option_errors(params)
    if errors:
        module.fail_json(msg="; ".join(errors))

    addin = ObjectRun(module, "add-in", "addin", PROPERTIES)
    addin.read(read_script(name, params["pool_fqdn"]), name, params["pool_fqdn"])
    pool, before = addin.pool, addin.before
    if params["state"] == "absent":
        addin.remove("Remove-CsPersistentChatAddin")

    url = params["url"]
    if before is None and url is None:
        module.current_step = "create add-in %s" % name
        module.fail_json(msg="url is required to create add-in %s" % name)
    if before is not None and (url is None or url == before.get("Url")):
        changed = []
    else:
        changed = ["Identity", "Url"] if before is None else ["Url"]
    after = dict(before) if before else {"Identity": "%s\\%s" % (pool, name), "Name": name,
                                         "PersistentChatPoolFqdn": pool}
    after["Url"] = url
    addin.change(name, changed, after, lambda: change_script(before, name, url, pool))


if __name__ == "__main__":
    main()
