# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration ledger: one JSON file per migration on the controller recording, for every stage and
step, when it ran, how it ended and what it produced (checksums, counts). Pure functions on a dict, so
the module only reads, decides and writes once."""

from __future__ import annotations

import ast
import copy
import datetime
import json
import os
import re
import tempfile

from ansible.module_utils.common.validation import (
    check_type_bool, check_type_dict, check_type_int, check_type_list, check_type_str)

FORMAT = 1
STATUSES = ("running", "done", "failed", "rolled_back")

# What every stage (and every step of a stage) records in its data: the names roles and the report ask
# for, and their types. A value may always be None (what a run did not produce, or check mode could not).
# Recording a name that is not declared here is refused, so the contract between the stage that writes a
# value and the one that reads it lives in this one place.
_COUNTS, _LIST, _TEXT, _NUMBER, _FLAG = "dict", "list", "str", "int", "bool"
SCHEMA = {
    "preflight": {"data": {
        "pool": _TEXT, "legacy_product": _TEXT, "legacy_version": _TEXT, "legacy_counts": _COUNTS,
        "legacy_files": _NUMBER, "legacy_bytes": _NUMBER, "lookup_sip": _TEXT, "admin_user": _TEXT,
        "admin_roles": _LIST, "space": _LIST, "second_hops": _LIST}},
    "readiness": {"data": {"summary": _COUNTS, "result": _COUNTS}},
    "backup": {"data": {
        "legacy_backup_file": _TEXT, "legacy_backup_sha256": _TEXT, "legacy_backup_size": _NUMBER,
        "legacy_backup_taken": _TEXT, "files_folder": _TEXT, "files": _NUMBER, "bytes": _NUMBER}},
    "pool_configuration": {"data": {"configurations": _LIST, "compliance": _LIST, "policies": _LIST, "addins": _LIST}},
    "cutover": {"data": {
        "export_sha256": _TEXT, "export_file": _TEXT, "legacy_counts": _COUNTS, "files": _COUNTS, "lookup_sip": _TEXT,
        "opened": _TEXT}, "steps": {
        "target_content": {"categories": _NUMBER, "rooms": _NUMBER, "addins": _NUMBER, "holds_data": _FLAG},
        "stop_legacy": {"services": _LIST},
        "renames": {"renamed": _LIST},
        "export": {"file": _TEXT, "sha256": _TEXT, "size": _NUMBER, "fingerprint": _TEXT, "counts": _COUNTS,
                   "report_messages": _NUMBER},
        "stop_pchat": {"services": _LIST},
        "backup_target": {"file": _TEXT, "sha256": _TEXT},
        "import_whatif": {"errors": _LIST, "warnings": _NUMBER},
        "import": {"sha256": _TEXT, "imported": _FLAG, "errors": _NUMBER, "warnings": _NUMBER},
        "files": {"files": _NUMBER, "bytes": _NUMBER, "method": _TEXT, "missing": _LIST, "different": _LIST,
                  "extra_in_destination": _NUMBER},
        "parity": {"counts": _COUNTS, "not_migrated": _NUMBER},
        "endpoint": {"endpoint": _COUNTS, "removed_user": _COUNTS},
        "start_pchat": {"opened": _TEXT}}},
    # The comparison itself is kept beside the ledger (module_utils/ledger_files.py), named by result_file and
    # checked by result_sha256; "result" held it inline before and is still read from older ledgers.
    "verify": {"data": {
        "passed": _FLAG, "counts": _COUNTS, "explained": _COUNTS, "test_message": _COUNTS, "new_messages": _NUMBER,
        "result": _COUNTS, "result_file": _TEXT, "result_sha256": _TEXT}},
    "enable_users": {"data": {"policies": _LIST, "granted": _NUMBER, "not_lync_enabled": _LIST}},
    "decommission": {"data": {"removed": _LIST, "topology_enabled": _FLAG, "left_to_do": _LIST}},
    "rollback": {"data": {
        "cutover_attempts": _NUMBER, "cutover_error": _TEXT, "restored_lookup_user": _COUNTS,
        "restore_lookup_user": _COUNTS}},
}
# The migration's stages in the order they run (rollback only when it ran).
ORDER = ("preflight", "readiness", "backup", "pool_configuration", "cutover", "verify", "enable_users", "decommission")
_PYTHON_TYPES = {_COUNTS: (dict,), _LIST: (list, tuple), _TEXT: (str,), _NUMBER: (int,), _FLAG: (bool,)}


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def ledger_path(directory, migration):
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", migration).strip(".") or "migration"
    return os.path.join(directory, stem + ".json")


def empty(migration):
    return {"format": FORMAT, "migration": migration, "created": None, "stages": {}, "events": []}


def load(path, migration):
    """The ledger at path, or a new empty one; a file that is not a ledger of this migration is an error
    (a wrong path must not silently start a migration over)."""
    if not os.path.exists(path):
        return empty(migration)
    with open(path, "r", encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("stages"), dict):
        raise ValueError("%s is not a migration ledger (format %s)" % (path, FORMAT))
    if data.get("migration") != migration:
        raise ValueError("%s is the ledger of migration %r, not %r" % (path, data.get("migration"), migration))
    return data


def save(path, ledger):
    """Write atomically: a crash mid-write leaves the previous ledger, never half a file."""
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".ledger-", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(ledger, out, indent=1, sort_keys=True, ensure_ascii=False)
            out.write("\n")
        os.chmod(temp, 0o640)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def entry(ledger, stage, step=None):
    """The stage's entry, or the step's inside it; None when never recorded."""
    found = ledger["stages"].get(stage)
    if found is None or step is None:
        return found
    return found.get("steps", {}).get(step)


def status(ledger, reference):
    """Status of "stage" or "stage/step", 'absent' when never recorded."""
    stage, _sep, step = reference.partition("/")
    found = entry(ledger, stage, step or None)
    return found["status"] if found else "absent"


def unmet(ledger, requires):
    """The requirements ("stage" or "stage/step") that are not done, with their status."""
    return [(reference, status(ledger, reference)) for reference in requires
            if status(ledger, reference) != "done"]


def declared(stage, step=None):
    """The names (and types) the stage - or one of its steps - records; ValueError for an undeclared one."""
    if stage not in SCHEMA:
        raise ValueError("the ledger has no stage %r (its stages: %s)" % (stage, ", ".join(SCHEMA)))
    if step is None:
        return SCHEMA[stage]["data"]
    steps = SCHEMA[stage].get("steps", {})
    if step not in steps:
        raise ValueError("stage %r has no step %r (its steps: %s)" % (stage, step, ", ".join(steps) or "none"))
    return steps[step]


# Ansible before 2.19 templates a value such as "{{ count | int }}" inside a dict to the text "20": the
# declared type is reached by Ansible's own lossless conversions, as a module's argument spec would.
_CONVERTERS = {_COUNTS: check_type_dict, _LIST: check_type_list, _TEXT: check_type_str, _NUMBER: check_type_int,
               _FLAG: check_type_bool}


def _typed(kind, value):
    if isinstance(value, _PYTHON_TYPES[kind]) and not (kind == _NUMBER and isinstance(value, bool)):
        return value
    if kind == _LIST and isinstance(value, str):
        parsed = ast.literal_eval(value.strip()) if value.strip().startswith("[") else None
        if isinstance(parsed, list):
            return parsed
        raise TypeError("not a list")
    if kind in (_NUMBER, _TEXT) and isinstance(value, (bool, dict, list)):
        raise TypeError("not convertible")
    return _CONVERTERS[kind](value)


def validate(stage, step, data):
    """The data with each value of its declared type; refuses data the schema does not declare, naming the
    stage (or stage/step) and the key."""
    names = declared(stage, step)
    what = stage + ("/" + step if step else "")
    typed = {}
    for key, value in (data or {}).items():
        if key not in names:
            raise ValueError("%s does not record %r (it records: %s)" % (what, key, ", ".join(sorted(names))))
        try:
            typed[key] = None if value is None else _typed(names[key], value)
        except (TypeError, ValueError, SyntaxError):
            raise ValueError("%s records %r as %s, not %s (%r)" % (what, key, names[key], type(value).__name__, value))
    return typed


def parse_key(reference):
    """("stage", step or None, "key") from "stage.key" or "stage/step.key", checked against the schema."""
    where, dot, key = reference.rpartition(".")
    if not dot or not where or not key:
        raise ValueError("%r does not name a recorded value: write stage.key or stage/step.key" % reference)
    stage, _slash, step = where.partition("/")
    names = declared(stage, step or None)
    if key not in names:
        raise ValueError("%s does not record %r (it records: %s)" % (where, key, ", ".join(sorted(names))))
    return stage, step or None, key


def current_steps(ledger, stage):
    """The stage's steps as its next attempt sees them: none after a rollback, which undid them."""
    found = entry(ledger, stage)
    if found is None or found["status"] == "rolled_back":
        return {}
    return found.get("steps", {})


def recorded(ledger, references):
    """{reference: value} for "stage.key" / "stage/step.key"; None for what was never recorded."""
    values = {}
    for reference in references:
        stage, step, key = parse_key(reference)
        found = entry(ledger, stage) if step is None else current_steps(ledger, stage).get(step)
        values[reference] = (found or {}).get("data", {}).get(key)
    return values


def stage_statuses(ledger):
    """{stage: status} of every stage recorded."""
    return {name: found["status"] for name, found in ledger["stages"].items()}


def _new_entry(at):
    return {"status": "running", "started": at, "finished": None, "attempts": 0, "data": {}, "error": None}


def apply(ledger, stage, step, state, data, error, at):
    """A copy of the ledger with the event applied, and whether anything changed. Data the schema does not
    declare for the stage (or step) is refused with a ValueError."""
    data = validate(stage, step, data)
    result = copy.deepcopy(ledger)
    if result["created"] is None:
        result["created"] = at
    stage_entry = result["stages"].get(stage)
    if stage_entry is None:
        stage_entry = _new_entry(at)
        stage_entry["steps"] = {}
        result["stages"][stage] = stage_entry
    target = stage_entry
    if step is not None:
        target = stage_entry["steps"].get(step)
        if target is None:
            target = _new_entry(at)
            stage_entry["steps"][step] = target
    before = copy.deepcopy(target)

    if state == "started":
        if before["status"] == "done" and before["attempts"]:
            return ledger, False          # finished earlier: a re-run does not start it again
        if step is None and before["status"] == "rolled_back":
            target["steps"] = {}          # the rollback undid its steps; they all run again
        target["status"] = "running"
        target["attempts"] = before["attempts"] + 1
        target["finished"] = None
        target["error"] = None
        if before["attempts"] == 0:
            target["started"] = at
        # What a destructive step is about to undo, recorded before it acts: a crash or a failure mid-step
        # still leaves the rollback what it needs to put it back.
        target["data"] = dict(before["data"], **(data or {}))
    elif state in ("done", "failed", "rolled_back"):
        merged = dict(before["data"])
        merged.update(data or {})
        if before["status"] == state and merged == before["data"] and before["error"] == error:
            return ledger, False
        target["status"] = state
        target["data"] = merged
        target["error"] = error if state != "done" else None
        target["finished"] = at
        target["attempts"] = max(before["attempts"], 1)
    else:
        raise ValueError("unknown ledger state %r" % state)

    event = {"at": at, "stage": stage, "status": target["status"]}
    if step is not None:
        event["step"] = step
    if error:
        event["error"] = error
    result["events"].append(event)
    return result, True
