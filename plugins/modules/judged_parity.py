#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: judged_parity
short_description: Judge a verification's parity result and keep it beside the migration's ledger
version_added: 0.2.0
description:
  - Reads the result M(lync.persistent_chat.parity) wrote to its O(lync.persistent_chat.parity#module:result_file)
    (checked against its SHA-256), sets aside as new the messages posted in Persistent Chat after the cutover
    opened it (a room whose only differences are such messages is ok), and returns the differences left.
  - With O(keep), keeps beside the ledger in O(dir) the comparison as judged (for a passed verification) and
    as compared (for a failed one), each in a file named by the migration and its content
    (C(<migration>.verify.<16 hex digits>.json)); the verify role records the file's name and SHA-256 in the
    ledger, and M(lync.persistent_chat.report) reads the comparison from there. A result of 10,000 rooms
    (about 2 MB) then never travels through Ansible's templating, which took minutes.
  - Files of earlier attempts that the ledger no longer names are removed; the same result kept again (a
    resumed run) is found there and changes nothing.
  - The file O(parity_file) is a hand-off between the two tasks and is removed once read.
  - Runs on the controller.
options:
  parity_file:
    description: The file M(lync.persistent_chat.parity) wrote its whole result to.
    type: path
    required: true
  parity_sha256:
    description: Its SHA-256 as the parity task returned it; another file content fails the task.
    type: str
  opened:
    description:
      - When the cutover opened Persistent Chat (ISO 8601 UTC, C(2026-01-31T12:00:00Z)); messages posted from
        then on are new, not differences. Without it every difference stays.
    type: str
  allow_new_messages:
    description: Set aside the messages posted after O(opened); V(false) keeps them as differences.
    type: bool
    default: true
  dir:
    description: Folder on the controller holding the migration ledgers (the files are kept there).
    type: path
    required: true
  migration:
    description: Name of the migration (as for M(lync.persistent_chat.ledger)); names the kept files.
    type: str
    required: true
  keep:
    description:
      - Keep the comparison beside the ledger. V(false) only judges (a re-check of a finished verification,
        which records nothing).
    type: bool
    default: true
extends_documentation_fragment:
  - lync.persistent_chat.attributes.controller
  - lync.persistent_chat.attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: Judges and returns the files it would keep, writing none.
  diff_mode:
    support: none
  action_group:
    support: none
    details: Not in the collection's action group, whose defaults (connection options) it does not take.
    membership: []
author:
  - lync.persistent_chat contributors (@lync-persistent-chat)
seealso:
  - module: lync.persistent_chat.parity
  - module: lync.persistent_chat.ledger
  - module: lync.persistent_chat.report
"""

EXAMPLES = r"""
- name: Compare, writing the whole result to a file
  lync.persistent_chat.parity:
    sql_server: sql01.contoso.local
    sql_instance: GROUPCHAT
    sql_database: GroupChat
    target_sql_instance: RTC
    fail_on_differences: false
    result_file: /var/lib/pchat-migration/gc2010-to-pc2013.verify-parity.json
  register: parity

- name: Set aside the messages posted after the opening, and keep the comparison beside the ledger
  lync.persistent_chat.judged_parity:
    parity_file: "{{ parity.result_file }}"
    parity_sha256: "{{ parity.result_sha256 }}"
    opened: "2026-01-31T12:00:00Z"
    dir: /var/lib/pchat-migration
    migration: gc2010-to-pc2013
  register: judged

- name: Record it
  lync.persistent_chat.ledger:
    dir: /var/lib/pchat-migration
    migration: gc2010-to-pc2013
    stage: verify
    state: done
    data:
      passed: true
      new_messages: "{{ judged.new_messages }}"
      result_file: "{{ judged.judged.result_file }}"
      result_sha256: "{{ judged.judged.result_sha256 }}"
  when: judged.unexplained | length == 0
"""

RETURN = r"""
unexplained:
  description:
    - The differences left once the messages posted after O(opened) are set aside, as the parity result lists
      them, plus one whose C(detail) is V(more differences than listed) when it counted more than it listed.
  returned: always
  type: list
  elements: dict
new_messages:
  description: How many messages were posted after O(opened) (the judged result's C(explained.POSTED_AFTER_CUTOVER)).
  returned: always
  type: int
judged:
  description:
    - The comparison as judged (messages posted after the opening explained, no differences left), kept for a
      passed verification - C(result_file) (its name in O(dir)) and C(result_sha256).
    - Null when differences are left.
  returned: always
  type: dict
  sample: {"result_file": "gc2010-to-pc2013.verify.5e884898da280471.json", "result_sha256": "5e884898da28..."}
compared:
  description: The comparison as the parity task found it, kept for a failed verification's record - C(result_file), C(result_sha256).
  returned: always
  type: dict
removed:
  description: Files of earlier attempts removed from O(dir), which the ledger no longer named.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

# The logic lives in module_utils so that the action plugin runs it without a Python process per task.
from ansible_collections.lync.persistent_chat.plugins.module_utils import judged_parity_task


def main():
    judged_parity_task.run(AnsibleModule(argument_spec=judged_parity_task.argument_spec(), supports_check_mode=True,
                                         **judged_parity_task.OPTIONS))


if __name__ == "__main__":
    main()
