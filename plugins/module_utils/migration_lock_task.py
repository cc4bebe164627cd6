# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration_lock module's arguments and logic, run by plugins/modules/migration_lock.py with AnsibleModule
and by its action plugin in Ansible's own process (plugin_utils/in_process.py: no Python process per task).
``module`` is either: it offers params, check_mode, warn, exit_json and fail_json.

Either way the lock's holder is the ansible-playbook process found among the ancestors: a module's chain is
module, /bin/sh, the worker (a fork of ansible-playbook, with its command line), ansible-playbook; the action
plugin's is the worker, ansible-playbook (controller_process.ansible_processes climbs to the top of the run
of ancestors with that command line)."""

from __future__ import annotations

from ansible_collections.lync.persistent_chat.plugins.module_utils import controller_process
from ansible_collections.lync.persistent_chat.plugins.module_utils import ledger as ledger_lib
from ansible_collections.lync.persistent_chat.plugins.module_utils import migration_lock as lock_lib


def argument_spec():
    return dict(
        dir=dict(type="path", required=True),
        migration=dict(type="str", required=True),
        override=dict(type="bool", default=False),
        orphan_wait=dict(type="int", default=60),
    )


# The other AnsibleModule / ArgumentSpecValidator arguments.
OPTIONS = {}


def _take(module, me, lock_path, guard_path, ended):
    """Decide under the guard; (holder, previous, state, notes)."""
    params = module.params
    ledger_path = ledger_lib.ledger_path(params["dir"], params["migration"])
    with lock_lib.guarded(guard_path):
        previous = lock_lib.read_lock(lock_path)
        state = lock_lib.holder_state(previous, me) if previous else "none"
        why = lock_lib.refusal(params["migration"], previous, state, me) if previous else None
        if why and not params["override"]:
            module.fail_json(msg=why, path=lock_path, previous=previous, previous_state=state)
        stages = lock_lib.running_stages(ledger_path, params["migration"]) if state == "stale" else []
        notes = lock_lib.interruption_notes(ended, previous if state == "stale" else None, stages)
        if why:
            notes.append({"at": lock_lib.utc_now(), "kind": "lock_overridden", "stage": None,
                          "message": "the lock of %s was broken with override" % lock_lib.describe(previous)})
        holder = previous if state == "mine" else lock_lib.new_holder(params["migration"], me)
        if not module.check_mode:
            if state != "mine":
                lock_lib.write_lock(lock_path, holder)
            lock_lib.record_notes(ledger_path, params["migration"], notes)
            lock_lib.forget(path for path, _record in ended)
    return holder, previous, state, notes


def run(module):
    params = module.params
    lock_path, guard_path, workers_dir = lock_lib.paths(params["dir"], params["migration"])
    me = controller_process.controller()
    if me["pid"] is None:
        module.fail_json(msg="cannot tell which Ansible process runs this task (no ansible parent process in /proc): "
                             "the lock needs it to name its holder", path=lock_path)
    # Waiting holds nothing: another run may take the lock meanwhile, and is then refused below.
    working, ended = lock_lib.wait_for_workers(workers_dir, me, params["orphan_wait"])
    if working:
        module.fail_json(msg=lock_lib.orphan_refusal(params["migration"], working, params["orphan_wait"]),
                         path=lock_path, working=[record for _path, record in working])
    try:
        holder, previous, state, notes = _take(module, me, lock_path, guard_path, ended)
    except (OSError, ValueError) as error:
        module.fail_json(msg="cannot take the lock %s: %s" % (lock_path, error), path=lock_path)
    for note in notes:
        module.warn("%s: %s" % (note["kind"].replace("_", " "), note["message"]))
    module.exit_json(changed=bool(notes), path=lock_path, workers=workers_dir, holder=holder, previous=previous,
                     previous_state=state, interruptions=notes)
