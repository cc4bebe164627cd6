#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: migration_lock
short_description: One run of a migration at a time - take the lock beside its ledger
version_added: 0.1.0
description:
  - Takes the lock of a migration, C(<dir>/<migration>.lock) beside its ledger, for the Ansible run that runs this
    task (the ansible-playbook process, found among the module's parent processes). The lock names its holder -
    pid, host, when the run started and its command line - and is held as long as that process runs. Taking it
    again in the same run changes nothing, so every stage can take it.
  - A lock whose holder still runs on this host, or a lock taken on another host (this controller cannot see
    that process), refuses the run with a message naming the holder, unless O(override=true).
  - A lock whose holder is gone (the run ended, failed or was killed) is taken over. When the ledger shows that
    run was cut off inside a stage, the stale lock is named in a warning and in the ledger's C(interruptions).
  - Long steps (export, import, backups, file copy) leave a file in C(<dir>/<migration>.workers) while their remote
    command runs. A step of an earlier run still working makes this task wait up to O(orphan_wait) seconds, then
    refuse naming it - whatever O(override) says, a run never overlaps one. A step that stopped its remote command
    because its run was gone, or that died with it, is written into the ledger's C(interruptions), shown as a
    warning, and its file removed.
  - Runs on the controller. Linux only (it reads C(/proc)).
options:
  dir:
    description: Folder on the controller holding the ledgers; created when missing.
    type: path
    required: true
  migration:
    description: Name of the migration; names the lock as it names the ledger.
    type: str
    required: true
  override:
    description:
      - Take the lock although its holder may still run (on this host, or on another one). Only when you know that
        process is not running this migration; the broken lock is named in the ledger's C(interruptions).
      - Never overrides a step of an earlier run that is still working.
    type: bool
    default: false
  orphan_wait:
    description: Seconds to wait for steps of an earlier run that are still working before refusing.
    type: int
    default: 60
extends_documentation_fragment:
  - lync.persistent_chat.attributes.controller
  - lync.persistent_chat.attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: Refuses what it would refuse, writes neither the lock nor the ledger.
  diff_mode:
    support: none
  action_group:
    support: none
    details: Not in the collection's action group, whose defaults (connection options) it does not take.
    membership: []
author:
  - lync.persistent_chat contributors (@lync-persistent-chat)
seealso:
  - module: lync.persistent_chat.ledger
"""

EXAMPLES = r"""
- name: One run of this migration at a time
  lync.persistent_chat.migration_lock:
    dir: /var/lib/pchat-migration
    migration: gc2010-to-pc2013

- name: Break a lock taken on another controller that no longer runs the migration
  lync.persistent_chat.migration_lock:
    dir: /var/lib/pchat-migration
    migration: gc2010-to-pc2013
    override: true
"""

RETURN = r"""
path:
  description: The lock file.
  returned: always
  type: str
workers:
  description:
    - The folder where the long steps of a run leave their file while their remote command runs; roles/ledger_stage
      gives it to the stage's modules in the E(PCHAT_WORKERS_DIR) environment variable.
  returned: always
  type: str
holder:
  description: The run holding the lock after the task - pid, ticks (its start, in clock ticks after boot), host, started, playbook.
  returned: always
  type: dict
  sample: {"pid": 4242, "host": "ctl01", "started": "2026-12-02T15:00:00Z", "playbook": "ansible-playbook playbooks/migrate.yml"}
previous:
  description: The lock found before the task, null when there was none.
  returned: always
  type: dict
previous_state:
  description:
    - V(none) (no lock), V(mine) (this run holds it), V(stale) (its holder is gone), V(alive) (another run on this
      host, taken only with O(override)), V(elsewhere) (taken on another host, taken only with O(override)).
  returned: always
  type: str
  sample: stale
interruptions:
  description: What this task wrote into the ledger's C(interruptions) - steps an earlier run left behind, a stale or broken lock.
  returned: always
  type: list
  elements: dict
  sample: [{"kind": "orphaned_step", "stage": "cutover", "message": "export on fe01 ... stopped its remote command ..."}]
"""

from ansible.module_utils.basic import AnsibleModule

# The logic lives in module_utils so that the action plugin runs it without a Python process per task.
from ansible_collections.lync.persistent_chat.plugins.module_utils import migration_lock_task


def main():
    migration_lock_task.run(AnsibleModule(argument_spec=migration_lock_task.argument_spec(), supports_check_mode=True,
                                          **migration_lock_task.OPTIONS))


if __name__ == "__main__":
    main()
