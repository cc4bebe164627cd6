#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pool_state
short_description: Set the Lync Server 2013 Persistent Chat pool state (Normal or FailedOver)
version_added: 0.1.0
description:
  - Sets the state of a Persistent Chat pool (C(Get-/Set-CsPersistentChatState -PoolState)), which changes the
    state of every server in the pool. It is the disaster-recovery failover/failback switch of the C(mgc)
    database, not a migration step.
  - Reads the pool states in one WinRM round trip and, when the state differs, sets it (and reads it back) in one more.
  - Runs on the controller; the task's host is the Lync Server 2013 Front End, reached with the WinRM options.
options:
  pool_fqdn:
    description:
      - FQDN of the Persistent Chat pool. Needed only when the topology has more than one.
    type: str
  pool_state:
    description:
      - V(Normal) or V(FailedOver), the only values Lync documents.
    type: str
    choices: [Normal, FailedOver]
    required: true
extends_documentation_fragment:
  - lync.persistent_chat.attributes
  - lync.persistent_chat.connection
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: Reads the state and reports whether it would change; sends no change.
  diff_mode:
    support: full
    details: Before and after hold C(Identity) and C(PoolState).
author:
  - lync.persistent_chat contributors (@lync-persistent-chat)
seealso:
  - module: lync.persistent_chat.pool_info
"""

EXAMPLES = r"""
- name: Fail the pool over to the backup database
  lync.persistent_chat.pool_state:
    pool_fqdn: pcpool.contoso.com
    pool_state: FailedOver

- name: And back
  lync.persistent_chat.pool_state:
    pool_fqdn: pcpool.contoso.com
    pool_state: Normal
"""

RETURN = r"""
state:
  description: The pool's state after the run (in check mode, as it would be).
  returned: success
  type: dict
  sample: {"Identity": "PersistentChatServer:pcpool.contoso.com", "PoolState": "FailedOver"}
"""

from ansible_collections.lync.persistent_chat.plugins.module_utils.common import PchatModule
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_objects import (
    STRING,
    ReadScript,
    choose_pool,
    fqdn_error,
    pool_records,
    records,
)
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import PSCommand, PSEnumValue, PSVariable

PROPERTIES = [("Identity", STRING), ("PoolState", STRING)]


def of_pool(identity, pool_fqdn):
    """True when a state identity (PersistentChatServer:<fqdn>, service:<fqdn> or
    service:PersistentChatServer:<fqdn>; the docs use all three) names the pool."""
    return (identity or "").rsplit(":", 1)[-1].lower() == pool_fqdn.lower()


def read_script():
    script = ReadScript()
    script.collect("pools", PSCommand("Get-CsService").switch("PersistentChatServer"), [("PoolFqdn", STRING)])
    script.collect("state", PSCommand("Get-CsPersistentChatState"), PROPERTIES)
    return script.render()


def change_script(identity, pool_state):
    script = ReadScript().variable("id", identity)
    script.add(PSCommand("Set-CsPersistentChatState").param("Identity", PSVariable("id"))
               .param("PoolState", PSEnumValue(pool_state)).switch("Confirm", False).render())
    script.collect("state", PSCommand("Get-CsPersistentChatState").param("Identity", PSVariable("id")), PROPERTIES)
    return script.render()


def main():
    module = PchatModule(
        argument_spec=dict(
            pool_fqdn=dict(type="str"),
            pool_state=dict(type="str", choices=["Normal", "FailedOver"], required=True),
        ),
        supports_check_mode=True)
    params = module.params
    module.current_step = "check the options"
    if params["pool_fqdn"] and fqdn_error(params["pool_fqdn"]):
        module.fail_json(msg="pool_fqdn: " + fqdn_error(params["pool_fqdn"]))

    with module.step("read the Persistent Chat pool state"):
        raw = module.winrm().run_json(read_script(), depth=4)
        pool, problem = choose_pool(pool_records(raw.get("pools")), params["pool_fqdn"])
        if problem:
            module.fail_json(msg=problem)
        found = [state for state in records(raw, "state", PROPERTIES) if of_pool(state.get("Identity"), pool)]
        if not found:
            module.fail_json(msg="Get-CsPersistentChatState returned no state for pool %s" % pool)
    before = found[0]
    wanted = params["pool_state"]
    if (before.get("PoolState") or "").lower() == wanted.lower():
        module.exit_json(changed=False, state=before)
    after = dict(before, PoolState=wanted)
    if not module.check_mode:
        with module.step("set pool %s to %s" % (pool, wanted)):
            raw = module.winrm().run_json(change_script(before["Identity"], wanted), depth=4, idempotent=False)
            read_back = records(raw, "state", PROPERTIES)
            after = read_back[0] if read_back else after
    module.set_diff(before, after)
    module.exit_json(changed=True, state=after)


if __name__ == "__main__":
    main()
