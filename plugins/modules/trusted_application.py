#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: trusted_application
short_description: Remove the legacy Group Chat trusted application and its pool from the topology
version_added: 0.1.0
description:
  - Decommissioning step of the migration (Microsoft's step 12). Lync Server 2010 Group Chat is registered as a
    trusted application in a trusted application pool. This module removes the trusted applications of the pool
    (C(Remove-CsTrustedApplication)), then the pool itself (C(Remove-CsTrustedApplicationPool)), which also
    removes their trusted service entries, and then enables the changed topology (C(Enable-CsTopology)).
  - Reads the pools and applications in one round trip and changes them in one more; a run that finds nothing
    to remove changes nothing.
  - Runs on a Lync Server 2013 Front End (the Lync Server Management Shell of the merged topology).
options:
  pool_fqdn:
    description: FQDN of the legacy Group Chat trusted application pool, for example C(gcpool.contoso.local).
    type: str
    required: true
  application_id:
    description:
      - Only remove the trusted application with this id (for example C(urn:application:groupchat)) and keep the
        pool. By default every application of the pool and the pool are removed.
    type: str
  state:
    description: Only V(absent) is supported; the module decommissions, it does not create.
    type: str
    choices: [absent]
    default: absent
  enable_topology:
    description: Run C(Enable-CsTopology) after removing something, so the change takes effect.
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
    details: Reads the pool and applications and reports what would be removed.
  diff_mode:
    support: full
    details: Before and after list the pool and its applications.
notes:
  - Needs RTCUniversalServerAdmins (or CsAdministrator). Uninstall the Group Chat software from the pool's computers first.
  - For OCS 2007 R2 Group Chat there is no trusted application pool in the topology; its trusted service entries
    live in Active Directory and are not handled by this module.
author:
  - Lync Persistent Chat contributors (@lync-persistent-chat)
"""

EXAMPLES = r"""
- name: Decommission the legacy Group Chat pool
  lync.persistent_chat.trusted_application:
    pool_fqdn: gcpool.contoso.local
"""

RETURN = r"""
removed:
  description: Identities removed by this run (or that would be, in check mode), applications first.
  returned: always
  type: list
  elements: str
  sample: ["gcpool.contoso.local/urn:application:groupchat", "TrustedApplicationPool:gcpool.contoso.local"]
pool:
  description: The pool as it was before the run (null when it did not exist).
  returned: always
  type: dict
  sample: {"Identity": "TrustedApplicationPool:gcpool.contoso.local", "PoolFqdn": "gcpool.contoso.local",
           "Registrar": "Registrar:pool2010.contoso.local", "Computers": ["gc01.contoso.local"],
           "Applications": ["urn:application:groupchat"]}
applications:
  description: The pool's trusted applications as they were before the run.
  returned: always
  type: list
  elements: dict
  sample: [{"Identity": "gcpool.contoso.local/urn:application:groupchat", "ApplicationId": "urn:application:groupchat",
            "TrustedApplicationPoolFqdn": "gcpool.contoso.local", "Port": 5041}]
topology_enabled:
  description: True when this run ran C(Enable-CsTopology).
  returned: always
  type: bool
durations:
  description: Seconds each round trip took (C(read), C(change)).
  returned: always
  type: dict
"""

from ansible_collections.lync.persistent_chat.plugins.module_utils.common import PchatModule
from ansible_collections.lync.persistent_chat.plugins.module_utils.long_step import Clock
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_views import (
    LIST,
    PLAIN,
    STRING,
    as_list,
    normalise,
    select_expression,
)
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import PSCommand, ps_literal

POOL_PROPERTIES = [("Identity", STRING), ("PoolFqdn", STRING), ("Registrar", STRING), ("Computers", LIST),
                   ("Applications", LIST)]
APP_PROPERTIES = [("Identity", STRING), ("ApplicationId", PLAIN), ("TrustedApplicationPoolFqdn", STRING),
                  ("Port", PLAIN)]


def quoted_select(properties):
    return ",".join(ps_literal(name) if kind == PLAIN else select_expression([(name, kind)])
                    for name, kind in properties)


READ_SCRIPT = "\n".join([
    "Import-Module Lync",
    "$r=[ordered]@{}",
    "$r['pools']=@(Get-CsTrustedApplicationPool|Select-Object %s)" % quoted_select(POOL_PROPERTIES),
    "$r['apps']=@(Get-CsTrustedApplication|Select-Object %s)" % quoted_select(APP_PROPERTIES),
    "$r",
])


def same_application(wanted, actual):
    """Application ids compare case-insensitively; urn:application: may be left out of the option."""
    wanted, actual = wanted.lower(), (actual or "").lower()
    return actual == wanted or actual == "urn:application:" + wanted


def select(raw, pool_fqdn, application_id):
    pools = [normalise(item, POOL_PROPERTIES) for item in as_list((raw or {}).get("pools"))]
    pool = next((item for item in pools if (item["PoolFqdn"] or "").lower() == pool_fqdn.lower()), None)
    apps = [normalise(item, APP_PROPERTIES) for item in as_list((raw or {}).get("apps"))]
    apps = [item for item in apps if (item["TrustedApplicationPoolFqdn"] or "").lower() == pool_fqdn.lower()]
    targets = [item for item in apps if application_id is None or same_application(application_id, item["ApplicationId"])]
    removals = [("app", item["Identity"]) for item in targets]
    if application_id is None and pool is not None:
        removals.append(("pool", pool["Identity"]))
    return pool, apps, removals


def change_script(removals, enable_topology):
    lines = ["Import-Module Lync"]
    for kind, identity in removals:
        cmdlet = "Remove-CsTrustedApplication" if kind == "app" else "Remove-CsTrustedApplicationPool"
        lines.append(PSCommand(cmdlet).param("Identity", identity).switch("Force").switch("Confirm", False).render())
    if enable_topology:
        lines.append("Enable-CsTopology -Confirm:$false")
    lines.append("$true")
    return "\n".join(lines)


def main():
    module = PchatModule(
        argument_spec=dict(
            pool_fqdn=dict(type="str", required=True),
            application_id=dict(type="str"),
            state=dict(type="str", choices=["absent"], default="absent"),
            enable_topology=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    clock = Clock(module.results)
    results = module.results
    results["topology_enabled"] = False

    with module.step("read the trusted application pool"):
        with clock.measure("read"):
            raw = module.winrm().run_json(READ_SCRIPT, depth=4)
    pool, apps, removals = select(raw, params["pool_fqdn"], params["application_id"])
    results.update(pool=pool, applications=apps, removed=[identity for _kind, identity in removals])
    if not removals:
        module.exit_json(changed=False)
    removed = {identity for _kind, identity in removals}
    before = {"pool": (pool or {}).get("Identity"), "applications": [app["Identity"] for app in apps]}
    after = {"pool": None if pool and pool["Identity"] in removed else before["pool"],
             "applications": [app["Identity"] for app in apps if app["Identity"] not in removed]}
    module.set_diff(before, after)
    if module.check_mode:
        module.exit_json(changed=True)

    results["changed"] = True
    with module.step("remove the trusted application pool"):
        with clock.measure("change"):
            module.winrm().run_json(change_script(removals, params["enable_topology"]), depth=2, idempotent=False)
    results["topology_enabled"] = params["enable_topology"]
    module.exit_json(changed=True)


if __name__ == "__main__":
    main()
