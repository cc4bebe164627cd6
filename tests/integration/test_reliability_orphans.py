"""No orphaned work (issue 12, item 3): ansible-playbook killed with SIGKILL, as a whole process group, during a long
step (the export, made long by the lab's ``slow`` fault). Ansible's workers leave the process group, so the
module lives on: it must notice that its run is gone, stop its remote command (the lab logs the WinRS Signal
and the command ends) and end; a re-run while it still works is refused naming it, never run beside it; the
next run writes what happened into the ledger."""
from __future__ import annotations

import json
import os
import signal

import pytest

from reliability_support import (
    descendants,
    kill_all,
    ledger,
    output,
    run,
    start,
    still_running,
    wait_for,
)
from stages_support import after_preflight, ok
from steps_support import scripts, state

# Each test takes about this long on CI's two cores (conftest.py: slowest modules first; -m "not slow" skips them).
pytestmark = pytest.mark.slow(minutes=2)


def workers(ledger_dir):
    folder = ledger_dir / "lab.workers"
    return [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))] if folder.exists() else []


def running_commands(lab, host="FE01"):
    return [command for shell in state(lab)["shells"] if shell["host"].upper() == host
            for command in shell["commands"] if not command["done"]]


def test_a_killed_run_leaves_no_step_working_and_the_next_run_says_so(clean_lab, preflight_ledger, tmp_path):
    ledger_dir = tmp_path / "ledger"
    after_preflight(preflight_ledger, ledger_dir)
    for name in ("readiness.yml", "backup.yml"):
        ok(run(clean_lab, ledger_dir, name))
    clean_lab.fault(kind="slow", host="FE01", cmdlet="Export-CsPersistentChatData", nth=1, seconds=900)
    before = clean_lab.log_length()
    # Polls every 5 s instead of the inventory's 20: the stopped module notices sooner that its run is gone.
    killed = start(clean_lab, ledger_dir, "cutover.yml", "-e", "ansible_winrm_operation_timeout_sec=5")
    processes = {}
    try:
        wait_for("the export runs on FE01", lambda: any(
            "Export-CsPersistentChatData" in script for script in scripts(clean_lab.log(before))))
        step = wait_for("the export's worker file", lambda: [w for w in workers(ledger_dir) if w["activity"] == "export"])[0]
        processes = descendants(killed.pid)
        assert step["pid"] in processes and step["controller_pid"] == killed.pid
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait()
        # Ansible's workers left the process group: the export's module is still there, working.
        assert step["pid"] in still_running(processes), output(killed)[-3000:]

        # Held still, it cannot notice anything yet: a re-run now finds it working and refuses, naming it.
        os.kill(step["pid"], signal.SIGSTOP)
        refused = run(clean_lab, ledger_dir, "cutover.yml", "-e", "pchat_lock_orphan_wait=0")
        message = " ".join(refused.stdout.split())
        assert refused.returncode != 0
        assert "refused: an earlier run of migration 'lab' left a step still working" in message, message[-4000:]
        assert "export on fe01.contoso.local (module pid %d" % step["pid"] in message
        assert "of the run ansible pid %d" % killed.pid in message
        assert "never beside it" in message
        os.kill(step["pid"], signal.SIGCONT)

        # Within a poll (winrm_operation_timeout) the module stops its remote command and ends, with its worker.
        wait_for("no process of the killed run left", lambda: not still_running(processes), timeout=180)
        entries = clean_lab.log(before)
        assert [entry["action"] for entry in entries if entry["action"] == "Signal" and entry["host"].upper() == "FE01"]
        assert running_commands(clean_lab) == []
        assert [w["status"] for w in workers(ledger_dir)] == ["stopped"]
    finally:
        if processes:
            kill_all(processes, signal.SIGCONT)
            kill_all(processes, signal.SIGKILL)
        clean_lab.clear_faults()

    resumed = ok(run(clean_lab, ledger_dir, "cutover.yml"))
    message = " ".join((resumed.stdout + resumed.stderr).split())   # Ansible prints warnings on stderr
    assert "orphaned step: export on fe01.contoso.local (module pid %d" % step["pid"] in message, message[-5000:]
    book = ledger(ledger_dir)
    kinds = {note["kind"]: note for note in book["interruptions"]}
    assert set(kinds) == {"orphaned_step", "stale_lock"}
    assert kinds["orphaned_step"]["stage"] == "cutover"
    assert "stopped its remote command" in kinds["orphaned_step"]["message"]
    assert "its ansible controller (pid %d" % killed.pid in kinds["orphaned_step"]["message"]
    assert "was cut off during cutover" in kinds["stale_lock"]["message"]
    assert workers(ledger_dir) == []
    assert book["stages"]["cutover"]["status"] == "done"
