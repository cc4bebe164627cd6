"""One run of a migration at a time (issue 12, item 2) and the downtime window refused before anything is
written (item 7), with real ansible-playbook processes against the lab: a second run started beside a
running one, a run killed with SIGKILL, a run stopped (alive but not working) and broken with the override."""
from __future__ import annotations

import signal
import socket

import pytest

from reliability_support import (
    descendants,
    kill_all,
    ledger,
    lock,
    output,
    run,
    stage_status,
    start,
    wait_for,
)

# The first cmdlet the preflight sends to FE01 (pool_info) takes this long: a run that holds the lock for a while.
SLOW_PREFLIGHT = dict(kind="slow", host="FE01", cmdlet="Get-CsService", nth=1)


@pytest.mark.slow(minutes=1)
def test_a_second_migration_started_beside_a_running_one_is_refused_naming_the_holder(clean_lab, tmp_path):
    clean_lab.fault(seconds=15, **SLOW_PREFLIGHT)
    ledger_dir = tmp_path / "ledger"
    # Only the stages before the cutover: no downtime window needed (item 7 refuses only a run that cuts over).
    first = start(clean_lab, ledger_dir, "migrate.yml", "--tags", "preflight", "-e", "pchat_downtime_acknowledged=false")
    try:
        wait_for("the first run holds the lock", lambda: lock(ledger_dir).get("pid") == first.pid)
        second = run(clean_lab, ledger_dir, "migrate.yml", "--tags", "preflight")
        message = " ".join(second.stdout.split())
        assert second.returncode != 0, second.stdout[-3000:]
        assert "refused: migration 'lab' is locked by ansible pid %d on host %s, started %s" % (
            first.pid, socket.gethostname(), lock(ledger_dir)["started"]) in message, message[-3000:]
        assert "which is still running: one run of a migration at a time" in message
        assert "migrate.yml" in lock(ledger_dir)["playbook"]
        assert first.wait(timeout=600) == 0, output(first)[-5000:]
    finally:
        if first.poll() is None:
            first.kill()
    # The refused run started nothing: the preflight ran once, by the first run.
    assert ledger(ledger_dir)["stages"]["preflight"]["attempts"] == 1
    assert ledger(ledger_dir)["stages"]["preflight"]["status"] == "done"


@pytest.mark.slow(minutes=1)
def test_the_stale_lock_of_a_killed_run_is_named_and_taken_over(clean_lab, tmp_path):
    clean_lab.fault(seconds=8, **SLOW_PREFLIGHT)
    ledger_dir = tmp_path / "ledger"
    killed = start(clean_lab, ledger_dir, "preflight.yml")
    wait_for("the preflight is running", lambda: stage_status(ledger_dir, "preflight") == "running")
    processes = descendants(killed.pid)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    kill_all(processes, signal.SIGKILL)
    holder = lock(ledger_dir)
    assert holder["pid"] == killed.pid
    clean_lab.clear_faults()

    resumed = run(clean_lab, ledger_dir, "preflight.yml")
    message = " ".join((resumed.stdout + resumed.stderr).split())   # Ansible prints warnings on stderr
    assert resumed.returncode == 0, resumed.stdout[-5000:]
    assert "stale lock: the run ansible pid %d on host %s, started %s" % (
        killed.pid, socket.gethostname(), holder["started"]) in message, message[-4000:]
    assert "was cut off during preflight; its stale lock was taken over" in message
    notes = ledger(ledger_dir)["interruptions"]
    assert [note["kind"] for note in notes] == ["stale_lock"]
    assert "ansible pid %d" % killed.pid in notes[0]["message"]
    assert lock(ledger_dir)["pid"] not in (None, killed.pid)
    assert ledger(ledger_dir)["stages"]["preflight"]["attempts"] == 2


@pytest.mark.slow(minutes=1)
def test_a_lock_whose_holder_still_runs_is_refused_until_the_override_breaks_it(clean_lab, tmp_path):
    clean_lab.fault(seconds=8, **SLOW_PREFLIGHT)
    ledger_dir = tmp_path / "ledger"
    holder = start(clean_lab, ledger_dir, "preflight.yml")
    processes = {}
    try:
        wait_for("the first run holds the lock", lambda: lock(ledger_dir).get("pid") == holder.pid)
        # Stopped, not ended: the process is there, so the lock cannot be proven stale.
        processes = descendants(holder.pid)
        holder.send_signal(signal.SIGSTOP)
        refused = run(clean_lab, ledger_dir, "preflight.yml")
        assert refused.returncode != 0
        assert "locked by ansible pid %d on host %s" % (holder.pid, socket.gethostname()) in " ".join(refused.stdout.split())
        assert "run again with -e pchat_lock_override=true" in " ".join(refused.stdout.split())

        broken = run(clean_lab, ledger_dir, "preflight.yml", "-e", "pchat_lock_override=true")
        assert broken.returncode == 0, broken.stdout[-5000:]
        notes = ledger(ledger_dir)["interruptions"]
        assert [note["kind"] for note in notes] == ["lock_overridden"]
        assert "ansible pid %d" % holder.pid in notes[0]["message"]
        assert lock(ledger_dir)["pid"] != holder.pid
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        kill_all(processes, signal.SIGKILL)


def test_a_migration_that_would_cut_over_outside_an_agreed_window_is_refused_before_anything_is_written(
        clean_lab, tmp_path):
    ledger_dir = tmp_path / "ledger"
    before = clean_lab.log_length()
    refused = run(clean_lab, ledger_dir, "migrate.yml", "-e", "pchat_downtime_acknowledged=false")
    message = " ".join(refused.stdout.split())
    assert refused.returncode != 0
    assert "This run includes the cutover, which stops the legacy Group Chat service: set " \
           "pchat_downtime_acknowledged=true" in message, message[-3000:]
    # Nothing reached a server (no preflight, no readiness, no backup on the backup share), no ledger, no lock.
    assert [entry for entry in clean_lab.log(before) if entry["action"] in ("Command", "Send")] == []
    assert not (ledger_dir / "lab.json").exists()
    assert not (ledger_dir / "lab.lock").exists()
