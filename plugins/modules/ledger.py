#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ledger
short_description: Record and check the stages of a migration in a JSON ledger on the controller
version_added: 0.1.0
description:
  - Keeps one JSON file per migration on the controller, C(<dir>/<migration>.json), holding for every stage
    (and every step inside a stage) its status (V(running), V(done), V(failed), V(rolled_back)), when it started
    and finished, how many attempts it took, the error of a failed attempt, and what it produced (O(data), for
    example checksums and counts). Every change is also appended to the ledger's C(events).
  - The migration roles use it so that a re-run skips finished stages, resumes an interrupted one and refuses
    what is unsafe. O(requires) names the stages or steps that must be V(done) first; when one is not, the task
    fails and the ledger is not written.
  - With O(state=query) nothing is written; the result says whether the stage (or step) is done, and
    RV(unmet) lists the O(requires) that are not done (a query refuses nothing).
  - What a stage and each of its steps record is declared once, in the collection's C(module_utils/ledger.py)
    (names and types). O(data) with a name the stage (or step) does not declare, or a value of another type,
    is refused with an error naming the stage and the key. Roles read recorded values by name with O(keys),
    returned in RV(recorded), never by walking the ledger file.
  - In check mode nothing is written, so a stage after one that check mode only simulated finds its
    requirements unmet. O(check_mode_requires=simulate) lets such a stage go on in check mode (with a warning)
    when its own check mode does not depend on what the earlier stages record.
  - Recording a stage as V(started) when it is already V(done), or V(done) again with the same data, changes
    nothing, so a second run of a finished migration reports no change.
  - The file is written atomically (a new file renamed over the old one).
  - Runs on the controller.
options:
  dir:
    description: Folder on the controller holding the ledgers; created when missing.
    type: path
    required: true
  migration:
    description:
      - Name of the migration; names the file (characters other than letters, digits, C(.), C(_) and C(-) become
        C(_)) and is stored in it, so a ledger of another migration is never used by mistake.
    type: str
    required: true
  stage:
    description:
      - The stage, for example V(backup) or V(cutover). Required unless O(state=query).
      - One of V(preflight), V(readiness), V(backup), V(pool_configuration), V(cutover), V(verify),
        V(enable_users), V(decommission), V(rollback); another name is refused.
    type: str
  step:
    description:
      - A step inside the stage, for example V(export); its entry lives under the stage's C(steps).
      - Only V(cutover) has steps - V(target_content), V(stop_legacy), V(export), V(stop_pchat),
        V(backup_target), V(import_whatif), V(import), V(files), V(parity), V(endpoint), V(start_pchat).
    type: str
  state:
    description:
      - V(query) reads only.
      - V(started) marks the stage or step running (a new attempt); nothing changes when it is done already.
        A stage started again after V(rolled_back) forgets its steps, which all run again. O(data) given with
        V(started) is merged in as with the other states, so a step that removes something records what it will
        remove before it acts and a failure or a kill half-way still leaves the rollback what to put back.
      - V(done), V(failed) and V(rolled_back) end the attempt; O(data) is merged into what was recorded.
    type: str
    choices: [query, started, done, failed, rolled_back]
    default: query
  data:
    description:
      - What the stage or step did - checksums, counts, file names - merged into its C(data).
      - Only the names the stage (or step) declares, each of its declared type or null; anything else is refused.
    type: dict
  keys:
    description:
      - Recorded values to return in RV(recorded), each named V(stage.key) (what the stage recorded, for example
        V(backup.legacy_backup_sha256)) or V(stage/step.key) (what a step recorded, for example
        V(cutover/export.report_messages)).
      - A name the stage or step does not declare fails the task. A declared value never recorded is null, and so
        is a step's value after its stage was V(rolled_back) (the next attempt runs the steps again).
    type: list
    elements: str
    default: []
  error:
    description: Why the stage or step failed (with O(state=failed) or O(state=rolled_back)).
    type: str
  requires:
    description:
      - Stages (V(backup)) or steps (V(cutover/import_whatif)) that must be V(done) for this task to go on;
        the task fails, writing nothing, when one is not (unless O(state=query)).
    type: list
    elements: str
    default: []
  check_mode_requires:
    description:
      - In check mode, what an unmet O(requires) does.
      - V(refuse) fails as it does outside check mode.
      - V(simulate) warns and goes on, returning the unmet requirements in RV(unmet); for stages whose steps
        only read, or whose check mode does not need what the required stages produce.
    type: str
    choices: [refuse, simulate]
    default: refuse
extends_documentation_fragment:
  - lync.persistent_chat.attributes.controller
  - lync.persistent_chat.attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: Reports what would be recorded without writing the file.
  diff_mode:
    support: full
    details: Before and after are the stage's (or step's) entry.
  action_group:
    support: none
    details: Not in the collection's action group, whose defaults (connection options) it does not take.
    membership: []
author:
  - lync.persistent_chat contributors (@lync-persistent-chat)
seealso:
  - module: lync.persistent_chat.report
"""

EXAMPLES = r"""
- name: Refuse the cutover without a verified backup, and say it started
  lync.persistent_chat.ledger:
    dir: /var/lib/pchat-migration
    migration: gc2010-to-pc2013
    stage: cutover
    state: started
    requires: [backup]

- name: Record the export with its checksum and counts
  lync.persistent_chat.ledger:
    dir: /var/lib/pchat-migration
    migration: gc2010-to-pc2013
    stage: cutover
    step: export
    state: done
    data:
      file: D:\Migration\groupchat.zip
      sha256: "{{ export.export.sha256 }}"
      messages: "{{ export.source_counts.messages }}"

- name: Back up in check mode even when the preflight only ran in check mode
  lync.persistent_chat.ledger:
    dir: /var/lib/pchat-migration
    migration: gc2010-to-pc2013
    stage: backup
    state: started
    requires: [preflight]
    check_mode_requires: simulate

- name: Is the verification done?
  lync.persistent_chat.ledger:
    dir: /var/lib/pchat-migration
    migration: gc2010-to-pc2013
    stage: verify
  register: verify_entry

- name: What the backup and the export recorded, by name
  lync.persistent_chat.ledger:
    dir: /var/lib/pchat-migration
    migration: gc2010-to-pc2013
    stage: cutover
    keys: [backup.legacy_backup_sha256, cutover/export.report_messages]
  register: recorded

- name: Use them
  ansible.builtin.debug:
    msg: >-
      backup {{ recorded.recorded['backup.legacy_backup_sha256'] }}; the export
      {{ 'is' if recorded.steps.export | default('') == 'done' else 'is not' }} done
"""

RETURN = r"""
path:
  description: The ledger file.
  returned: always
  type: str
status:
  description: Status of the stage (or step) after the task - V(absent) when never recorded.
  returned: always
  type: str
  sample: done
done:
  description: Whether the stage (or step) is done.
  returned: always
  type: bool
entry:
  description: The stage's (or step's) entry - status, started, finished, attempts, data, error (and steps for a stage).
  returned: always
  type: dict
error:
  description: Why the stage's (or step's) last attempt failed, null when it did not.
  returned: always
  type: str
attempts:
  description: How many attempts the stage (or step) took, 0 when never started.
  returned: always
  type: int
steps:
  description:
    - Status of each step of O(stage) as its next attempt sees them - none after the stage was rolled back.
    - Empty when O(step) is given.
  returned: always
  type: dict
  sample: {"export": "done", "import_whatif": "failed"}
stages:
  description: Status of every stage the ledger records.
  returned: always
  type: dict
  sample: {"preflight": "done", "cutover": "running"}
recorded:
  description: The values named in O(keys), by the names given there.
  returned: always
  type: dict
  sample: {"backup.legacy_backup_sha256": "9F86D081884C7D65...", "cutover/export.report_messages": 1200}
unmet:
  description: The O(requires) that are not done (after a query, or a check-mode run with O(check_mode_requires=simulate)).
  returned: always
  type: list
  elements: str
  sample: [backup]
"""

from ansible.module_utils.basic import AnsibleModule

# The logic lives in module_utils so that the action plugin runs it without a Python process per task.
from ansible_collections.lync.persistent_chat.plugins.module_utils import ledger_task


def main():
    ledger_task.run(AnsibleModule(argument_spec=ledger_task.argument_spec(), supports_check_mode=True,
                                  **ledger_task.OPTIONS))


if __name__ == "__main__":
    main()
