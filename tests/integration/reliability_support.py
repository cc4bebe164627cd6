"""Helpers of the reliability trials (issue 12): a real ansible-playbook started in the background in its own
session (so it can be killed as a whole process group, as an operator or a CI timeout kills it), the
processes it started, and waiting for what the lab or the ledger shows."""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from conftest import BIN, INVENTORY, REPO, _env, run_playbook
from stages_support import PLAYBOOKS, ledger, stage_args  # noqa: F401 (ledger: re-exported to the trials)


def run(lab, ledger_dir: Path, playbook: str, *extra: str):
    return run_playbook(PLAYBOOKS / playbook, *stage_args(lab, ledger_dir, *extra))


def start(lab, ledger_dir: Path, playbook: str, *extra: str) -> subprocess.Popen:
    """ansible-playbook in the background, leader of its own process group; its output goes to a file."""
    log = open(ledger_dir.parent / ("%s-%d.out" % (ledger_dir.name, time.monotonic_ns())), "w+")
    process = subprocess.Popen([str(BIN / "ansible-playbook"), "-i", str(INVENTORY), str(PLAYBOOKS / playbook),
                                *stage_args(lab, ledger_dir, *extra)], env=_env(), cwd=REPO, stdout=log,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    process.log = log
    return process


def output(process: subprocess.Popen) -> str:
    process.log.seek(0)
    return process.log.read()


def wait_for(what: str, predicate, timeout: float = 300.0, every: float = 0.3):
    """The first true value of predicate(), polled; fails naming ``what`` when it never comes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("never happened: %s" % what)


def stage_status(ledger_dir: Path, stage: str):
    return ledger(ledger_dir).get("stages", {}).get(stage, {}).get("status")


def lock(ledger_dir: Path) -> dict:
    path = ledger_dir / "lab.lock"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def start_ticks(pid: int):
    try:
        text = Path("/proc/%d/stat" % pid).read_text()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2:].split()
    return None if fields[0] in ("Z", "X") else fields[19]


def cmdline(pid: int) -> str:
    try:
        return Path("/proc/%d/cmdline" % pid).read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def descendants(root: int) -> dict:
    """{pid: start ticks} of every process under ``root`` now (through /proc)."""
    children: dict = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                text = Path("/proc/%s/stat" % entry).read_text()
            except OSError:
                continue
            parent = int(text[text.rfind(")") + 2:].split()[1])
            children.setdefault(parent, []).append(int(entry))
    found, todo = {}, [root]
    while todo:
        for child in children.get(todo.pop(), []):
            ticks = start_ticks(child)
            if ticks is not None:
                found[child] = ticks
                todo.append(child)
    return found


def still_running(processes: dict) -> dict:
    """Those of ``processes`` ({pid: ticks}) still running, with their command lines."""
    return {pid: cmdline(pid) for pid, ticks in processes.items() if start_ticks(pid) == ticks}


def kill_all(processes: dict, sig: int) -> None:
    """Signal processes this test started (known by pid and start time), never a reused pid."""
    for pid in still_running(processes):
        try:
            os.kill(pid, sig)
        except OSError:
            pass
