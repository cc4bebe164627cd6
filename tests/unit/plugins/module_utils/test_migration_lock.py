"""The migration lock's decisions and the watch of a long step, on real processes of this machine: a holder that
runs (this test process), one that has ended (a child that exited), a holder on another host."""
from __future__ import annotations

import json
import subprocess
import sys

from ansible_collections.lync.persistent_chat.plugins.module_utils import controller_process, migration_lock
from ansible_collections.lync.persistent_chat.plugins.module_utils.step_workers import WorkerRecord


def ended_process():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    ticks = controller_process.start_ticks(child.pid)
    child.wait()
    return child.pid, ticks


def me():
    import os
    return dict(pid=os.getpid(), ticks=controller_process.start_ticks(os.getpid()), host=controller_process.this_host(),
                cmdline="ansible-playbook site.yml")


def holder(pid, ticks, host=None):
    return migration_lock.new_holder("lab", dict(pid=pid, ticks=ticks, host=host or controller_process.this_host(),
                                                 cmdline="ansible-playbook migrate.yml"))


def test_a_lock_is_mine_alive_stale_or_elsewhere():
    mine = me()
    assert migration_lock.holder_state(holder(mine["pid"], mine["ticks"]), mine) == "mine"
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        running = holder(parent.pid, controller_process.start_ticks(parent.pid))
        assert migration_lock.holder_state(running, mine) == "alive"
        refusal = migration_lock.refusal("lab", running, "alive", mine)
        assert "locked by ansible pid %d on host %s" % (parent.pid, mine["host"]) in refusal
        assert "-e pchat_lock_override=true" in refusal
    finally:
        parent.kill()
        parent.wait()
    assert migration_lock.holder_state(holder(*ended_process()), mine) == "stale"
    # The same pid with another start time is another process: the holder is gone.
    assert migration_lock.holder_state(holder(mine["pid"], mine["ticks"] - 1), mine) == "stale"
    assert migration_lock.holder_state(holder(mine["pid"], mine["ticks"], host="ctl99"), mine) == "elsewhere"
    assert "cannot tell whether it still runs" in migration_lock.refusal("lab", holder(1, 1, "ctl99"), "elsewhere", mine)


def test_a_damaged_lock_file_is_stale(tmp_path):
    path = tmp_path / "lab.lock"
    path.write_text("{half")
    assert migration_lock.holder_state(migration_lock.read_lock(str(path)), me()) == "stale"
    assert migration_lock.read_lock(str(tmp_path / "none.lock")) is None


class Watch(object):
    def __init__(self, controller):
        self.controller = controller


def test_steps_of_earlier_runs_are_working_or_ended_and_the_ledger_is_told(tmp_path):
    mine = me()
    folder = tmp_path / "lab.workers"
    pid, ticks = ended_process()
    environ = {"PCHAT_WORKERS_DIR": str(folder), "PCHAT_STAGE": "cutover"}
    stopped = WorkerRecord("export", "fe01", Watch(dict(pid=pid, ticks=ticks, cmdline="ansible-playbook")), environ)
    stopped.record.update(pid=pid, ticks=ticks)
    stopped.path = str(folder / ("%d.json" % pid))
    stopped.stopped("its ansible controller (pid %d) has ended" % pid)
    own = WorkerRecord("import", "fe01", Watch(mine), environ)
    own.start()
    working, ended = migration_lock.left_behind(str(folder), mine)
    assert working == [] and [record["activity"] for _path, record in ended] == ["export"]
    notes = migration_lock.interruption_notes(ended, holder(pid, ticks), ["cutover"])
    assert [note["kind"] for note in notes] == ["orphaned_step", "stale_lock"]
    assert "stopped its remote command" in notes[0]["message"] and notes[0]["stage"] == "cutover"
    ledger_path = tmp_path / "lab.json"
    migration_lock.record_notes(str(ledger_path), "lab", notes)
    assert json.loads(ledger_path.read_text())["interruptions"] == notes
    own.finish()
    assert [path.name for path in folder.iterdir()] == ["%d.json" % pid]


def test_a_module_outside_ansible_has_no_controller_and_nothing_is_gone():
    watch = controller_process.ControllerWatch()
    if watch.controller is None:
        assert watch.gone() is None
    assert controller_process.alive(None, None) is False
