# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One run of a migration at a time: the lock beside the ledger, ``<ledger_dir>/<migration>.lock``.

The lock names its holder - the ansible-playbook process (pid and start time), the controller's host
name, when the run started and its command line - and is held exactly as long as that process runs: a
run that ends, fails or is killed leaves a lock whose holder is gone (stale), which the next run on the
same host takes over, naming it when the ledger shows the run was cut off inside a stage. A holder that
still runs, or one on another host (a ledger folder shared between controllers), cannot be proven gone:
the run is refused, naming it, unless the operator says ``override``. Deciding and writing happen under
an flock of ``<migration>.lock.guard``, so two runs started together never both take the lock.

Before a run goes on, the long steps an earlier run left behind (step_workers.py) are looked at: one
still working makes the run wait, then refuse (never overlap it, override or not); one that stopped
its remote command, or died, is written into the ledger's ``interruptions`` and forgotten.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time

from ansible_collections.lync.persistent_chat.plugins.module_utils import controller_process
from ansible_collections.lync.persistent_chat.plugins.module_utils import ledger as ledger_lib
from ansible_collections.lync.persistent_chat.plugins.module_utils.step_workers import read_workers, utc_now, write_json

FORMAT = "lync.persistent_chat/migration-lock/1"
OVERRIDE_HINT = "-e pchat_lock_override=true"


def paths(directory, migration):
    """(lock file, guard file, workers folder) of a migration, beside its ledger."""
    stem = ledger_lib.ledger_path(directory, migration)[:-len(".json")]
    return stem + ".lock", stem + ".lock.guard", stem + ".workers"


@contextlib.contextmanager
def guarded(guard_path):
    """Hold an exclusive flock while the lock is read, decided and written."""
    os.makedirs(os.path.dirname(guard_path) or ".", exist_ok=True)
    with open(guard_path, "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def read_lock(path):
    """The lock's holder, or None when there is no lock (a damaged file counts as none, and is named)."""
    try:
        with open(path, "r", encoding="utf-8") as handle:
            lock = json.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"format": FORMAT, "pid": None, "damaged": True}
    return lock if isinstance(lock, dict) else {"format": FORMAT, "pid": None, "damaged": True}


def new_holder(migration, controller):
    return {"format": FORMAT, "migration": migration, "pid": controller["pid"], "ticks": controller["ticks"],
            "host": controller["host"], "started": utc_now(), "playbook": controller["cmdline"][:300]}


def describe(lock):
    """What an operator needs to find the holder: pid, host, start and the command line."""
    if lock.get("damaged"):
        return "a damaged lock file"
    return "ansible pid %s on host %s, started %s (%s)" % (
        lock.get("pid"), lock.get("host"), lock.get("started"), lock.get("playbook") or "command line unknown")


def holder_state(lock, me):
    """mine, alive (another run on this host), stale (its process is gone) or elsewhere (cannot tell)."""
    if lock.get("damaged"):
        return "stale"
    if lock.get("host") != me["host"]:
        return "elsewhere"
    if lock.get("pid") == me["pid"] and lock.get("ticks") == me["ticks"]:
        return "mine"
    return "alive" if controller_process.alive(lock.get("pid"), lock.get("ticks")) else "stale"


def refusal(migration, lock, state, me):
    """The message of a lock this run may not take (None when it may)."""
    if state == "alive":
        return ("refused: migration %r is locked by %s, which is still running: one run of a migration at a time. "
                "Wait for it to end; if that process is not running this migration, run again with %s."
                % (migration, describe(lock), OVERRIDE_HINT))
    if state == "elsewhere":
        return ("refused: migration %r is locked by %s; this controller (%s) cannot tell whether it still runs. "
                "If no run of this migration is going on there, run again with %s."
                % (migration, describe(lock), me["host"], OVERRIDE_HINT))
    return None


def _is_mine(record, me):
    return (record.get("controller_pid") == me["pid"] and record.get("controller_ticks") == me["ticks"]
            and record.get("controller_host") == me["host"])


def left_behind(workers_dir, me):
    """(working, ended): the long steps of earlier runs still working, and those that have ended."""
    working, ended = [], []
    for path, record in read_workers(workers_dir):
        if _is_mine(record, me):
            continue
        here = record.get("controller_host") == me["host"]
        if not here or controller_process.alive(record.get("pid"), record.get("ticks")):
            working.append((path, record))
        else:
            ended.append((path, record))
    return working, ended


def describe_worker(record):
    return "%s on %s (module pid %s on %s, stage %s, started %s) of the run ansible pid %s" % (
        record.get("activity"), record.get("host"), record.get("pid"), record.get("controller_host"),
        record.get("stage") or "-", record.get("started"), record.get("controller_pid"))


def wait_for_workers(workers_dir, me, seconds, sleep=time.sleep, clock=time.monotonic):
    """Wait up to ``seconds`` for earlier runs' steps to end; (still working, ended)."""
    deadline = clock() + max(0, seconds)
    working, ended = left_behind(workers_dir, me)
    while working and clock() < deadline:
        sleep(min(2.0, max(0.1, deadline - clock())))
        working, ended = left_behind(workers_dir, me)
    return working, ended


def orphan_refusal(migration, working, waited):
    return ("refused: an earlier run of migration %r left a step still working, waited %ds for it: %s. It stops its "
            "remote command by itself at its next poll (winrm_operation_timeout); run again once that process has "
            "ended - never beside it." % (migration, waited, "; ".join(describe_worker(record) for _p, record in working)))


def interruption_notes(ended, stale_lock, stale_stages):
    """What the ledger keeps of an interrupted run: the steps it left behind and the lock it left."""
    notes = []
    for _path, record in ended:
        if record.get("status") == "stopped":
            what = "stopped its remote command at %s: %s" % (record.get("stopped"), record.get("reason"))
        else:
            what = ("ended without a result (killed with its run): its remote command on %s may have run to its "
                    "end; the step runs again and checks what is there" % record.get("host"))
        notes.append({"at": utc_now(), "kind": "orphaned_step", "stage": record.get("stage"),
                      "message": "%s %s" % (describe_worker(record), what)})
    if stale_lock is not None and stale_stages:
        notes.append({"at": utc_now(), "kind": "stale_lock", "stage": stale_stages[0],
                      "message": "the run %s was cut off during %s; its stale lock was taken over"
                      % (describe(stale_lock), ", ".join(stale_stages))})
    return notes


def record_notes(ledger_path, migration, notes):
    """Append the notes to the ledger's interruptions (the ledger is written only when there are some)."""
    if not notes:
        return
    ledger = ledger_lib.load(ledger_path, migration)
    ledger.setdefault("interruptions", []).extend(notes)
    ledger_lib.save(ledger_path, ledger)


def running_stages(ledger_path, migration):
    """Stages the ledger shows started and never ended: where a killed run was cut off."""
    ledger = ledger_lib.load(ledger_path, migration)
    return [name for name, status in ledger_lib.stage_statuses(ledger).items() if status == "running"]


def forget(paths_to_remove):
    for path in paths_to_remove:
        try:
            os.unlink(path)
        except OSError:
            pass


def write_lock(path, holder):
    write_json(path, holder)
