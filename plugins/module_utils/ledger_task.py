# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ledger module's arguments and logic, run by plugins/modules/ledger.py with AnsibleModule and by its
action plugin in Ansible's own process (plugin_utils/in_process.py: no Python process per task).
``module`` is either: it offers params, check_mode, _diff, warn, exit_json and fail_json."""

from __future__ import annotations

import os

from ansible_collections.lync.persistent_chat.plugins.module_utils import ledger as ledger_lib

_ENDS = ("started", "done", "failed", "rolled_back")


def argument_spec():
    return dict(
        dir=dict(type="path", required=True),
        migration=dict(type="str", required=True),
        stage=dict(type="str"),
        step=dict(type="str"),
        state=dict(type="str", default="query", choices=["query"] + list(_ENDS)),
        data=dict(type="dict"),
        error=dict(type="str"),
        requires=dict(type="list", elements="str", default=[]),
        check_mode_requires=dict(type="str", default="refuse", choices=["refuse", "simulate"]),
        keys=dict(type="list", elements="str", default=[], no_log=False),
    )


# The other AnsibleModule / ArgumentSpecValidator arguments.
OPTIONS = dict(required_if=[("state", end, ["stage"]) for end in _ENDS])


def _refuse_or_warn(module, stage, step, missing, path):
    """An unmet requirement refuses a recording; in check mode with simulate it only warns."""
    if not missing:
        return
    if module.check_mode and module.params["check_mode_requires"] == "simulate":
        module.warn("check mode: %s goes on although %s; those stages were only simulated or have not run" % (
            stage or "this task", ", ".join("%s is %s" % (reference, found) for reference, found in missing)))
    elif module.params["state"] != "query":
        what = stage + ("/" + step if step else "") if stage else "this task"
        module.fail_json(msg="refused: %s needs %s" % (what, ", ".join(
            "%s done (it is %s)" % (reference, found) for reference, found in missing)),
            path=path, unmet=dict(missing))


def _record(module, current, path):
    """Apply the recording; write the ledger when it changed (never in check mode)."""
    params = module.params
    try:
        updated, changed = ledger_lib.apply(current, params["stage"], params["step"], params["state"], params["data"],
                                            params["error"], ledger_lib.now_iso())
    except ValueError as error:
        module.fail_json(msg=str(error), path=path)
    if changed and not module.check_mode:
        try:
            ledger_lib.save(path, updated)
        except OSError as error:
            module.fail_json(msg="cannot write the ledger %s: %s" % (path, error), path=path)
    return updated, changed


def run(module):
    params = module.params
    path = ledger_lib.ledger_path(params["dir"], params["migration"])
    try:
        current = ledger_lib.load(path, params["migration"])
    except (OSError, ValueError) as error:
        module.fail_json(msg="cannot read the ledger: %s" % error, path=path)
    try:
        # A misspelt stage, step or key fails here, before anything is written.
        ledger_lib.recorded(current, params["keys"])
        if params["stage"]:
            ledger_lib.declared(params["stage"], params["step"])
    except ValueError as error:
        module.fail_json(msg=str(error), path=path)

    stage, step = params["stage"], params["step"]
    missing = ledger_lib.unmet(current, params["requires"])
    _refuse_or_warn(module, stage, step, missing, path)
    changed, updated = False, current
    if params["state"] != "query":
        updated, changed = _record(module, current, path)

    found = (ledger_lib.entry(updated, stage, step) if stage else None) or {}
    status = found.get("status", "absent")
    result = dict(changed=changed, path=os.path.abspath(path), status=status, done=status == "done", entry=found,
                  error=found.get("error"), attempts=found.get("attempts", 0),
                  steps={name: step_entry["status"] for name, step_entry in
                         (ledger_lib.current_steps(updated, stage) if stage and not step else {}).items()},
                  stages=ledger_lib.stage_statuses(updated), recorded=ledger_lib.recorded(updated, params["keys"]),
                  unmet=[reference for reference, _found in missing])
    if module._diff and stage:
        result["diff"] = dict(before=ledger_lib.entry(current, stage, step), after=found or None)
    module.exit_json(**result)
