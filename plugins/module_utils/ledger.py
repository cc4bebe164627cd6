# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration ledger: one JSON file per migration on the controller recording, for every stage and
step, when it ran, how it ended and what it produced (checksums, counts). Pure functions on a dict, so
the module only reads, decides and writes once."""

from __future__ import annotations

import copy
import datetime
import json
import os
import re
import tempfile

FORMAT = 1
STATUSES = ("running", "done", "failed", "rolled_back")


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


def _new_entry(at):
    return {"status": "running", "started": at, "finished": None, "attempts": 0, "data": {}, "error": None}


def apply(ledger, stage, step, state, data, error, at):
    """A copy of the ledger with the event applied, and whether anything changed."""
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
