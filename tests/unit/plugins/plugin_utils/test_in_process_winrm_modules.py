"""The WinRM and ODBC modules (PchatModule) run their main() in the action plugin's process by default
(PCHAT_MODULES_IN_PROCESS=0 turns it off), unless they have a long remote step (plugin_utils/pchat_action.py
IN_PROCESS): the same result as their own process gives for the same
arguments, the task's environment as that process would have it, and through a real `ansible` run no process."""
from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys

import pytest

from ansible_collections.lync.persistent_chat.plugins.module_utils import winrm as winrm_utils
from ansible_collections.lync.persistent_chat.plugins.modules import pool_info, room, second_hop
from ansible_collections.lync.persistent_chat.plugins.plugin_utils.in_process import (
    process_environment,
    run_module_main,
)
from ansible_collections.lync.persistent_chat.plugins.plugin_utils.pchat_action import PchatActionModule

ACTIONS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins", "action")


def _comparable(result):
    found = dict(result)
    found.pop("exception", None)  # a traceback names its own frames
    return found


class FakePool(object):
    """A WinRM client whose Lync Server Management Shell answers pool_info's script with one pool."""

    calls = []

    def __init__(self, **kwargs):
        FakePool.calls.append(kwargs)

    def run_json(self, script, depth=None):
        assert "Get-CsPersistentChatState" in script or "Get-CsService" in script, script
        return {"pools": [{"PoolFqdn": "pc.contoso.local", "Identity": "PersistentChatServer:pc.contoso.local"}],
                "state": [{"Identity": "service:PersistentChatServer:pc.contoso.local", "PoolState": "Normal"}],
                "endpoints": [], "admin_roles": [], "admin_user": None}

    def close(self):
        pass


CONNECTION = dict(winrm_host="127.0.0.1", winrm_user="CONTOSO\\lyncadmin", winrm_password="Pool-Secret-7",
                  winrm_scheme="http", winrm_transport="ntlm", winrm_retries=0)

# (module, name, arguments, check mode, diff): refused before connecting, refused by the server's port, answered.
CASES = [
    (pool_info, "lync.persistent_chat.pool_info", dict(CONNECTION, no_such_option=1), False, False),
    (pool_info, "lync.persistent_chat.pool_info", dict(CONNECTION, max_rooms=0), False, False),
    (pool_info, "lync.persistent_chat.pool_info", dict(CONNECTION, include="not-a-part"), False, False),
    (second_hop, "lync.persistent_chat.second_hop", dict(CONNECTION), True, True),
    (room, "lync.persistent_chat.room", dict(CONNECTION, name="r", managers=["a"], managers_add=["b"]), True, True),
    (pool_info, "lync.persistent_chat.pool_info", dict(CONNECTION, winrm_port="<closed>"), False, False),
    (pool_info, "lync.persistent_chat.pool_info", dict(CONNECTION, include=["pools", "state"]), True, False),
]


@pytest.mark.parametrize("module, name, args, check_mode, diff", CASES)
def test_the_same_result_as_the_module_process(module, name, args, check_mode, diff, monkeypatch, closed_port,
                                               module_process_result):
    args = dict(args)
    if args.get("winrm_port") == "<closed>":
        args["winrm_port"] = closed_port()
    else:
        monkeypatch.setattr(winrm_utils, "WinRMClient", FakePool)
    expected = module_process_result(module, name, args, check_mode=check_mode, diff=diff)
    found = run_module_main(name, module.main, args, check_mode=check_mode, diff=diff)
    assert _comparable(found) == _comparable(expected)
    assert "Pool-Secret-7" not in json.dumps(found)


def test_an_answered_run_reaches_the_result_through_the_same_client_options(monkeypatch):
    FakePool.calls = []
    monkeypatch.setattr(winrm_utils, "WinRMClient", FakePool)
    found = run_module_main("lync.persistent_chat.pool_info", pool_info.main, dict(CONNECTION, include=["pools"]))
    assert not found.get("failed"), found
    assert [pool["PoolFqdn"] for pool in found["pools"]] == ["pc.contoso.local"]
    assert FakePool.calls[0]["password"] == "Pool-Secret-7" and FakePool.calls[0]["transport"] == "ntlm"
    assert found["invocation"]["module_args"]["winrm_password"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def test_a_module_that_does_not_support_check_mode_is_skipped_in_check_mode():
    def main():
        from ansible_collections.lync.persistent_chat.plugins.module_utils.common import PchatModule
        PchatModule(argument_spec={}, supports_check_mode=False).exit_json(changed=True)
    found = run_module_main("lync.persistent_chat.x", main, dict(CONNECTION), check_mode=True)
    assert found["skipped"] and not found.get("changed")
    assert run_module_main("lync.persistent_chat.x", main, dict(CONNECTION))["changed"]


def test_an_except_exception_in_a_module_does_not_swallow_its_end():
    def main():
        from ansible_collections.lync.persistent_chat.plugins.module_utils.common import PchatModule
        module = PchatModule(argument_spec={})
        try:
            module.exit_json(changed=True, where="inside")
        except Exception:  # pylint: disable=broad-except
            module.exit_json(changed=False, where="swallowed")
    assert run_module_main("lync.persistent_chat.x", main, dict(CONNECTION))["where"] == "inside"


class ClosingClient(FakePool):
    closed = []

    def close(self):
        ClosingClient.closed.append(self)


def test_a_crash_fails_the_task_and_still_closes_the_clients_it_opened(monkeypatch):
    """The worker goes on to the next item: a crashed module's shell and kinit cache must not stay open."""
    ClosingClient.closed = []
    monkeypatch.setattr(winrm_utils, "WinRMClient", ClosingClient)

    def main():
        from ansible_collections.lync.persistent_chat.plugins.module_utils.common import PchatModule
        PchatModule(argument_spec={}).winrm()
        raise RuntimeError("unexpected answer")
    found = run_module_main("lync.persistent_chat.x", main, dict(CONNECTION))
    assert found["failed"] and "RuntimeError: unexpected answer" in found["msg"]
    assert len(ClosingClient.closed) == 1


def test_the_task_environment_is_there_for_the_call_and_gone_after(monkeypatch):
    monkeypatch.setenv("PCHAT_KEPT", "before")
    monkeypatch.delenv("PCHAT_NEW", raising=False)
    with process_environment({"PCHAT_KEPT": "during", "PCHAT_NEW": 5}):
        assert os.environ["PCHAT_KEPT"] == "during" and os.environ["PCHAT_NEW"] == "5"
    assert os.environ["PCHAT_KEPT"] == "before" and "PCHAT_NEW" not in os.environ


def test_only_the_modules_with_a_long_remote_step_keep_their_own_process():
    """The modules whose remote step step_workers records (run_long) keep a process, and the report (no
    PchatModule); every other one runs here."""
    modules = os.path.join(ACTIONS, "..", "modules")
    long_steps, in_process = set(), set()
    for name in sorted(os.listdir(ACTIONS)):
        if not name.endswith(".py") or name == "__init__.py":
            continue
        action = importlib.import_module("ansible_collections.lync.persistent_chat.plugins.action." + name[:-3])
        if not issubclass(action.ActionModule, PchatActionModule):
            continue  # ledger, migration_lock, judged_parity: plugin_utils/in_process.InProcessActionModule
        with open(os.path.join(modules, name), encoding="utf-8") as handle:
            source = handle.read()
        if "run_long" in source or "PchatModule(" not in source:  # run_module_main runs a PchatModule only
            long_steps.add(name[:-3])
        if action.ActionModule.IN_PROCESS is not False:
            in_process.add(name[:-3])
    assert long_steps == {"data_export", "data_import", "filestore_sync", "sql_backup", "report"}
    assert {"pool_info", "second_hop", "volume_info", "room", "service", "parity"} <= in_process
    assert not in_process & long_steps
    assert all(action_module(name).IN_PROCESS is None for name in in_process)


def action_module(name):
    return importlib.import_module("ansible_collections.lync.persistent_chat.plugins.action." + name).ActionModule


def test_the_modules_run_in_process_unless_the_environment_turns_it_off(monkeypatch):
    monkeypatch.delenv("PCHAT_MODULES_IN_PROCESS", raising=False)
    assert action_module("pool_info").runs_in_process()
    assert not action_module("data_export").runs_in_process()
    for off in ("0", "false", "Off", " no "):
        monkeypatch.setenv("PCHAT_MODULES_IN_PROCESS", off)
        assert not action_module("pool_info").runs_in_process(), off
    monkeypatch.setenv("PCHAT_MODULES_IN_PROCESS", "1")
    assert action_module("pool_info").runs_in_process()
    assert not action_module("data_export").runs_in_process()


# -- through Ansible ----------------------------------------------------------------------------------

def test_a_real_run_starts_no_process_and_passes_the_task_environment(ansible_env, closed_port):
    """A loop whose first item has PCHAT_PROBE in its environment and the second none. The module runs kinit
    (Kerberos, a password) with its own environment: a kinit of our own prints what it sees and refuses, and
    the module's error shows it. -vvv shows no command run and no connection opened by Ansible."""
    env, tmp_path = ansible_env
    kinit = tmp_path / "kinit"
    kinit.write_text('#!/bin/sh\necho "probe=[$PCHAT_PROBE]" >&2\nexit 1\n')
    kinit.chmod(0o755)
    inventory = tmp_path / "hosts.json"
    inventory.write_text(json.dumps({"all": {"hosts": {"fe01": {
        "ansible_host": "127.0.0.1", "ansible_port": closed_port(), "ansible_connection": "winrm",
        "ansible_user": "lyncadmin@CONTOSO.LOCAL", "ansible_password": "Inventory-Secret-9",
        "ansible_winrm_scheme": "http", "ansible_winrm_transport": "kerberos",
        "ansible_winrm_kinit_cmd": str(kinit)}}}}))
    playbook = tmp_path / "play.yml"
    playbook.write_text(json.dumps([{"hosts": "fe01", "gather_facts": False, "tasks": [{
        "lync.persistent_chat.pool_info": {"winrm_retries": 0},
        "environment": "{{ {'PCHAT_PROBE': item} if item else {} }}",
        "loop": ["from-the-task", ""], "ignore_errors": True}]}]))
    completed = subprocess.run([sys.executable, "-m", "ansible.cli.playbook", "-i", str(inventory), str(playbook),
                                "-vvv"], env=dict(env, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default",
                                                  PCHAT_MODULES_IN_PROCESS="1"),
                               capture_output=True, text=True, timeout=120, check=False)
    output = completed.stdout + completed.stderr
    messages = [line for line in output.splitlines() if '"msg": ' in line]
    assert len(messages) == 2, output
    assert "probe=[from-the-task]" in messages[0] and "probe=[]" in messages[1], output
    assert "EXEC" not in output and "ESTABLISH" not in output, output
    assert "Inventory-Secret-9" not in output
