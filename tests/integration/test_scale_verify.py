"""Issue 16: the verify stage's comparison does not travel through Ansible (small dataset, the session's lab, the
test's own ledger). No task of the verify stage takes or returns a row per room - the parity task writes its
result to a file, judged_parity keeps the judged comparison beside the ledger, the ledger records its name and
SHA-256 - and a run killed after the comparison was kept but before it was recorded resumes: the next run records
one comparison, counts the messages posted after the opening once and leaves no other comparison behind."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

import conftest
from conftest import REPO, run_playbook
from stages_support import PLAYBOOKS, ledger, ok, stage, stage_args
from test_verify_record import post_after_the_opening

# Records, per task of the run, its name, its arguments as run and its result (a callback of the test's own).
RECORDER = '''
import json, os
from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_recorder"
    CALLBACK_NEEDS_ENABLED = True

    def v2_runner_on_ok(self, result):
        with open(os.environ["TASK_RECORDS"], "a", encoding="utf-8") as out:
            out.write(json.dumps({"task": result._task.get_name(), "action": result._task.action,
                                  "args": result._task.args, "result": result._result}, default=str) + "\\n")
'''


def rows_per_room(value, path="") -> list:
    """Where a value holds a list of rooms (parity's per-room rows; the pool's own views list categories)."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "rooms" and isinstance(item, list) and item:
                found.append(path + "." + key)
            found.extend(rows_per_room(item, path + "." + str(key)))
    elif isinstance(value, list):
        for number, item in enumerate(value):
            found.extend(rows_per_room(item, "%s[%d]" % (path, number)))
    return found


def through_cutover(lab, ledger_dir: Path):
    for name in ("preflight", "readiness", "backup", "pool_configuration", "cutover"):
        ok(stage(lab, ledger_dir, name))
    post_after_the_opening(lab)


def kept(ledger_dir: Path) -> list:
    return sorted(path.name for path in ledger_dir.glob("lab.verify.*.json"))


def killed_once_the_comparison_is_kept(lab, ledger_dir: Path) -> int:
    """playbooks/verify.yml killed (SIGKILL, its whole process group) as soon as a comparison is kept beside the
    ledger, before the ledger records it; its exit code."""
    command = [str(conftest.BIN / "ansible-playbook"), "-i", str(conftest.INVENTORY), str(PLAYBOOKS / "verify.yml"),
               *stage_args(lab, ledger_dir)]
    process = subprocess.Popen(command, env=conftest._env(), cwd=REPO,  # pylint: disable=protected-access
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 1500
        while not kept(ledger_dir) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert kept(ledger_dir), "no comparison was kept before the run ended (%s)" % process.poll()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return process.returncode


@pytest.fixture(scope="module")
def resumed_verify(lab, tmp_path_factory):
    """Through the cutover, a message posted after the opening; verify killed once its comparison is kept (nothing
    recorded); then verify again to the end with every task's arguments and result recorded."""
    ledger_dir = tmp_path_factory.mktemp("scale-verify")
    lab.reset()
    through_cutover(lab, ledger_dir)
    killed = killed_once_the_comparison_is_kept(lab, ledger_dir)
    after_kill = ledger(ledger_dir)["stages"]["verify"]
    callbacks = ledger_dir / "callbacks"
    callbacks.mkdir()
    (callbacks / "task_recorder.py").write_text(RECORDER)
    records = ledger_dir / "tasks.jsonl"
    ok(run_playbook(PLAYBOOKS / "verify.yml", *stage_args(lab, ledger_dir), extra_env={
        "ANSIBLE_CALLBACK_PLUGINS": str(callbacks), "ANSIBLE_CALLBACKS_ENABLED": "task_recorder",
        "TASK_RECORDS": str(records)}))
    tasks = [json.loads(line) for line in records.read_text().splitlines()]
    return {"dir": ledger_dir, "killed": killed, "after_kill": after_kill, "tasks": tasks}


def test_no_verify_task_takes_or_returns_a_row_per_room(resumed_verify):
    tasks = resumed_verify["tasks"]
    assert any(task["action"].endswith("parity") for task in tasks)
    assert any(task["action"].endswith("judged_parity") for task in tasks)
    carrying = {task["task"]: rows_per_room(task["args"]) + rows_per_room(task["result"]) for task in tasks}
    assert not any(carrying.values()), {name: where for name, where in carrying.items() if where}


def test_a_run_killed_between_keeping_and_recording_the_comparison_resumes(resumed_verify):
    ledger_dir = resumed_verify["dir"]
    assert resumed_verify["killed"] == -signal.SIGKILL
    assert resumed_verify["after_kill"]["status"] == "running"
    assert "result_file" not in resumed_verify["after_kill"]["data"]
    verify = ledger(ledger_dir)["stages"]["verify"]
    assert verify["status"] == "done" and verify["attempts"] == 2
    data = verify["data"]
    assert data["passed"] is True and data["result"] is None
    judged = json.loads((ledger_dir / data["result_file"]).read_text())
    # The messages posted after the opening are counted once, in the record and in the comparison it names.
    assert judged["explained"]["POSTED_AFTER_CUTOVER"] == data["new_messages"] >= 1
    assert sum(room["messages_target"] - room["messages_legacy"] for room in judged["rooms"]) == data["new_messages"]
    assert {room["status"] for room in judged["rooms"]} == {"ok"}
    assert len(judged["rooms"]) == data["counts"]["rooms_expected"]
    # The judged comparison and the one as found (for a failure's record); none left from the killed run.
    assert data["result_file"] in kept(ledger_dir) and len(kept(ledger_dir)) <= 2, kept(ledger_dir)
    assert not (ledger_dir / "lab.verify-parity.json").exists()


def test_the_report_reads_the_comparison_the_ledger_names(lab, resumed_verify):
    ledger_dir = resumed_verify["dir"]
    data = ledger(ledger_dir)["stages"]["verify"]["data"]
    ok(run_playbook(PLAYBOOKS / "report.yml", *stage_args(lab, ledger_dir)))
    report = json.loads(next((ledger_dir / "report").glob("*.json")).read_text())
    assert report["parity"] == json.loads((ledger_dir / data["result_file"]).read_text())
