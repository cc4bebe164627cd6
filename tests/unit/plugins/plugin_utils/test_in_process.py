"""The ledger, migration_lock and judged_parity run in their action plugin's process (plugin_utils/in_process.py): the same
result as their module gives for the same arguments (validation, refusals, check mode, diff, warnings, the
file facts of `path`, invocation), and through a real `ansible` run no Python process is started for them."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.lync.persistent_chat.plugins.module_utils import controller_process
from ansible_collections.lync.persistent_chat.plugins.module_utils import ledger as ledger_lib
from ansible_collections.lync.persistent_chat.plugins.module_utils import judged_parity_task, ledger_files
from ansible_collections.lync.persistent_chat.plugins.module_utils import ledger_task, migration_lock_task
from ansible_collections.lync.persistent_chat.plugins.modules import judged_parity, ledger, migration_lock
from ansible_collections.lync.persistent_chat.plugins.plugin_utils.in_process import run_in_process

REPO = Path(__file__).resolve().parents[4]


def _normalised(result, folder):
    text = json.dumps(result, sort_keys=True).replace(str(folder), "<dir>")
    found = json.loads(text)
    found.pop("exception", None)  # a module's traceback names its own frames
    return found


# Each step runs against the state the steps before it left, in a folder of the module's and one of the
# action plugin's: (arguments, check mode, diff).
LEDGER_STEPS = [
    (dict(stage="preflight"), False, False),
    (dict(stage="backup", state="started", requires=["preflight"]), False, False),
    (dict(stage="preflight", state="started"), False, True),
    (dict(stage="preflight", state="done", data={"legacy_files": "20", "pool": "gc"}), False, True),
    (dict(stage="preflight", state="done", data={"legacy_files": "twelve"}), False, False),
    (dict(stage="backup", state="started", requires=["preflight"]), True, True),
    (dict(stage="cutover", state="started", requires=["backup"], check_mode_requires="simulate"), True, False),
    (dict(stage="cutover", step="export", state="done", data={"sha": "AB"}), False, False),
    (dict(stage="cutover", keys=["preflight.legacy_files", "cutover/export.report_messages"]), False, False),
    (dict(stage="cutover", keys=["preflight.nothing"]), False, False),
    (dict(state="done"), False, False),
    (dict(stage="verify", no_such_option=1), False, False),
    (dict(stage="no_such_stage", state="started"), False, False),
]


def test_the_ledger_in_process_returns_what_its_module_returns(tmp_path, monkeypatch, module_process_result):
    monkeypatch.setattr(ledger_lib, "now_iso", lambda: "2026-12-02T12:00:00Z")
    for index, (args, check_mode, diff) in enumerate(LEDGER_STEPS):
        module_dir, action_dir = tmp_path / "module", tmp_path / "action"
        expected = module_process_result(ledger, "lync.persistent_chat.ledger",
                                         dict(args, dir=str(module_dir), migration="m1"), check_mode, diff)
        found = run_in_process("lync.persistent_chat.ledger", ledger_task,
                               dict(args, dir=str(action_dir), migration="m1"), check_mode=check_mode, diff=diff)
        assert _normalised(found, action_dir) == _normalised(expected, module_dir), "step %d: %r" % (index, args)
    assert (action_dir / "m1.json").read_text() == (module_dir / "m1.json").read_text()


def test_the_steps_above_cover_refusals_check_mode_diff_and_warnings(tmp_path, monkeypatch):
    """What the comparison above compares is not trivially empty."""
    monkeypatch.setattr(ledger_lib, "now_iso", lambda: "2026-12-02T12:00:00Z")
    results = [run_in_process("lync.persistent_chat.ledger", ledger_task, dict(args, dir=str(tmp_path), migration="m1"),
                              check_mode=check_mode, diff=diff) for args, check_mode, diff in LEDGER_STEPS]
    assert results[1]["failed"] and results[1]["msg"] == "refused: backup needs preflight done (it is absent)"
    assert results[3]["changed"] and results[3]["entry"]["data"] == {"legacy_files": 20, "pool": "gc"}
    assert results[3]["diff"]["before"]["status"] == "running" and results[3]["diff"]["after"]["status"] == "done"
    assert results[3]["state"] == "file" and results[3]["mode"] == "0640" and results[3]["size"] > 0
    assert results[3]["invocation"]["module_args"]["state"] == "done"
    assert results[4]["msg"] == "preflight records 'legacy_files' as int, not str ('twelve')"
    assert results[5]["changed"] and results[5]["status"] == "running"
    assert results[6]["warnings"] and "backup is absent" in results[6]["warnings"][0]
    assert results[8]["recorded"] == {"preflight.legacy_files": 20, "cutover/export.report_messages": None}
    assert results[10]["failed"] and "stage" in results[10]["msg"]
    assert results[11]["msg"].startswith("Unsupported parameters for (lync.persistent_chat.ledger) module: no_such_option")
    # check mode wrote nothing: backup and cutover were never recorded
    assert set(json.loads((tmp_path / "m1.json").read_text())["stages"]) == {"preflight"}


@pytest.fixture
def this_run(monkeypatch):
    """This test process plays the Ansible run that holds the lock."""
    me = dict(pid=os.getpid(), ticks=controller_process.start_ticks(os.getpid()), cmdline="ansible-playbook m.yml",
              host=controller_process.this_host())
    monkeypatch.setattr(controller_process, "controller", lambda: dict(me))
    return me


def _other_run_lock(folder, pid):
    holder = dict(format="lync.persistent_chat/migration-lock/1", migration="m1", pid=pid,
                  ticks=controller_process.start_ticks(pid), host=controller_process.this_host(),
                  started="2026-12-02T11:00:00Z", playbook="ansible-playbook other.yml")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "m1.lock").write_text(json.dumps(holder))


LOCK_STEPS = [
    # (arguments, check mode, a lock of another live run is written first)
    (dict(), True, False),
    (dict(), False, False),
    (dict(), False, False),
    (dict(orphan_wait=0), False, True),
    (dict(orphan_wait=0, override=True), True, True),
    (dict(orphan_wait=0, override=True), False, True),
    (dict(orphan_wait="soon"), False, False),
]


def test_the_lock_in_process_returns_what_its_module_returns(tmp_path, this_run, module_process_result):
    other = os.getppid()  # alive, and not this run
    for index, (args, check_mode, other_holds) in enumerate(LOCK_STEPS):
        module_dir, action_dir = tmp_path / "module", tmp_path / "action"
        if other_holds:
            _other_run_lock(module_dir, other)
            _other_run_lock(action_dir, other)
        expected = module_process_result(migration_lock, "lync.persistent_chat.migration_lock",
                                         dict(args, dir=str(module_dir), migration="m1"), check_mode)
        found = run_in_process("lync.persistent_chat.migration_lock", migration_lock_task,
                               dict(args, dir=str(action_dir), migration="m1"), check_mode=check_mode)
        for result in (expected, found):  # the holder's start time is when the task ran
            for key in ("holder", "previous"):
                if isinstance(result.get(key), dict) and result[key].get("pid") == this_run["pid"]:
                    result[key]["started"] = "<now>"
            for note in result.get("interruptions", []):
                note["at"] = "<now>"
        assert _normalised(found, action_dir) == _normalised(expected, module_dir), "step %d: %r" % (index, args)


def test_the_lock_steps_above_cover_taking_refusing_and_overriding(tmp_path, this_run):
    other = os.getppid()
    results = []
    for args, check_mode, other_holds in LOCK_STEPS:
        if other_holds:
            _other_run_lock(tmp_path, other)
        results.append(run_in_process("lync.persistent_chat.migration_lock", migration_lock_task,
                                      dict(args, dir=str(tmp_path), migration="m1"), check_mode=check_mode))
    assert results[0]["previous_state"] == "none" and results[1]["previous_state"] == "none"
    assert results[2]["previous_state"] == "mine" and results[2]["holder"]["pid"] == this_run["pid"]
    assert results[3]["failed"] and "is still running" in results[3]["msg"]
    assert results[4]["previous_state"] == "alive" and results[4]["changed"]
    assert "lock overridden" in results[5]["warnings"][0]
    assert json.loads((tmp_path / "m1.lock").read_text())["pid"] == this_run["pid"]
    assert results[6]["failed"] and "orphan_wait" in results[6]["msg"]


def _parity_result(rooms, new_in):
    """A parity result as the parity module writes it: the rooms in ``new_in`` have one message more."""
    rows = [{"name": "Room %d" % number, "category": "C", "status": "differs" if number in new_in else "ok",
             "messages_legacy": 5, "messages_target": 6 if number in new_in else 5} for number in range(rooms)]
    differences = [{"kind": "MESSAGES_EXTRA", "object_type": "room", "object": "Room %d" % number,
                    "legacy_messages": 5, "target_messages": 6,
                    "messages": [{"chat_id": 6, "change": "extra", "date": 639079632000000010}]} for number in new_in]
    return {"passed": not new_in, "differences": differences, "differences_total": len(differences),
            "differences_by_kind": {"MESSAGES_EXTRA": len(differences)} if new_in else {}, "explained": {},
            "assumed": {}, "counts": {"rooms_expected": rooms}, "rooms": rows,
            "categories": [{"name": "C", "status": "differs" if new_in else "ok", "rooms": rooms}], "addins": [],
            "not_migrated": [], "out_of_scope": [], "messages_mode": "digest"}


JUDGE_STEPS = [
    # (arguments besides the hand-off, check mode)
    (dict(opened="2026-03-01T12:00:00Z"), True),
    (dict(opened="2026-03-01T12:00:00Z"), False),
    (dict(opened="2026-03-01T12:00:00Z"), False),
    (dict(opened="2026-03-01T12:00:00Z", allow_new_messages=False), False),
    (dict(opened="2026-03-01T12:00:00Z", parity_sha256="0" * 64), False),
    (dict(keep="perhaps"), False),
]


def test_judged_parity_in_process_returns_what_its_module_returns(tmp_path, module_process_result):
    results = []
    for index, (args, check_mode) in enumerate(JUDGE_STEPS):
        found = {}
        for kind, folder in (("module", tmp_path / "module"), ("action", tmp_path / "action")):
            hand_off = str(folder / "m1.verify-parity.json")
            sha256 = ledger_files.write_json(hand_off, _parity_result(20, (3, 9)))
            arguments = dict(dict(parity_file=hand_off, parity_sha256=sha256, dir=str(folder), migration="m1"), **args)
            if kind == "module":
                found[kind] = module_process_result(judged_parity, "lync.persistent_chat.judged_parity", arguments,
                                                    check_mode)
            else:
                found[kind] = run_in_process("lync.persistent_chat.judged_parity", judged_parity_task, arguments,
                                             check_mode=check_mode)
        assert _normalised(found["action"], tmp_path / "action") == _normalised(found["module"], tmp_path / "module"), (
            "step %d: %r" % (index, args))
        assert sorted(os.listdir(tmp_path / "action")) == sorted(os.listdir(tmp_path / "module"))
        results.append(found["action"])
    assert results[1]["changed"] and results[1]["new_messages"] == 2 and results[1]["judged"]["result_file"]
    assert not results[2]["changed"]                    # the same result kept again changes nothing
    assert len(results[3]["unexplained"]) == 2 and results[3]["judged"] is None
    assert results[4]["failed"] and "cannot read the parity result" in results[4]["msg"]
    assert results[5]["failed"] and "keep" in results[5]["msg"]


def test_a_crash_in_the_logic_fails_the_task_with_its_traceback(tmp_path, monkeypatch):
    def crash(_path, _migration):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(ledger_lib, "load", crash)
    found = run_in_process("lync.persistent_chat.ledger", ledger_task, dict(dir=str(tmp_path), migration="m1"))
    assert found["failed"] and "RuntimeError: disk on fire" in found["msg"] and "crash" in found["exception"]


# -- through Ansible ----------------------------------------------------------------------------------

@pytest.fixture
def ansible_windows_env(ansible_env):
    env, tmp_path = ansible_env
    inventory = tmp_path / "hosts.json"
    # A Windows host as the roles' inventories write it: the task must not reach it, nor start a local process.
    inventory.write_text(json.dumps({"all": {"hosts": {"fe01": {
        "ansible_host": "127.0.0.1", "ansible_connection": "winrm", "ansible_user": "u", "ansible_password": "p"}}}}))
    return env, tmp_path, inventory


def _ad_hoc(ansible_windows_env, module, args, *extra):
    env, _tmp_path, inventory = ansible_windows_env
    process = subprocess.Popen([sys.executable, "-m", "ansible.cli.adhoc", "-i", str(inventory), "fe01", "-vvv",
                                "-m", "lync.persistent_chat." + module, "-a", json.dumps(args), *extra],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = process.communicate(timeout=120)[0]
    result = json.loads(output[output.index("=> {") + 3:])
    return process.pid, output, result


def test_ledger_tasks_start_no_process_and_honour_check_mode_and_diff(ansible_windows_env):
    _env, tmp_path, _inventory = ansible_windows_env
    args = dict(dir=str(tmp_path / "ledger"), migration="m1", stage="preflight", state="started")
    _pid, output, result = _ad_hoc(ansible_windows_env, "ledger", args, "--check", "--diff")
    assert result["changed"] and result["status"] == "running", output
    assert not (tmp_path / "ledger" / "m1.json").exists()      # check mode wrote nothing
    assert "+    \"status\": \"running\"" in output or '"status": "running"' in output
    _pid, output, result = _ad_hoc(ansible_windows_env, "ledger", args)
    assert result["changed"] and result["entry"]["attempts"] == 1, output
    assert json.loads((tmp_path / "ledger" / "m1.json").read_text())["stages"]["preflight"]["status"] == "running"
    # -vvv names every command a connection runs ("EXEC ...") and every connection it opens: there is none.
    assert "EXEC" not in output and "ESTABLISH" not in output, output


def test_the_lock_taken_in_process_names_the_ansible_process_of_the_run(ansible_windows_env):
    _env, tmp_path, _inventory = ansible_windows_env
    pid, output, result = _ad_hoc(ansible_windows_env, "migration_lock", dict(dir=str(tmp_path / "ledger"), migration="m1"))
    assert result["previous_state"] == "none" and result["holder"]["pid"] == pid, output
    assert "ansible.cli.adhoc" in result["holder"]["playbook"]
    assert json.loads((tmp_path / "ledger" / "m1.lock").read_text())["pid"] == pid
    assert "EXEC" not in output and "ESTABLISH" not in output, output
