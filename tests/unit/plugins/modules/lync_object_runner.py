"""Runs an object module (category, room, addin, configuration, policy, compliance, pool_state) from
argument parsing to exit_json with a stand-in WinRM client that records every script and answers from
a queue, so tests see exactly what would be sent and how many round trips it takes."""
from __future__ import annotations

import json

import pytest
import tree_sitter
import tree_sitter_powershell
from ansible.module_utils.testing import patch_module_args

from ansible_collections.lync.persistent_chat.plugins.module_utils import winrm as winrm_utils

CONNECTION = {"winrm_host": "fe01.contoso.local", "winrm_scheme": "http", "winrm_user": "CONTOSO\\lyncadmin",
              "winrm_password": "Pw-Secret-1"}
POOL = "pcpool.contoso.local"
POOLS = [{"PoolFqdn": POOL}]
PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))


class RecordingClient:
    def __init__(self, answers):
        self.answers = answers
        self.scripts = []
        self.idempotent = []
        self.closed = False

    def run_json(self, script, depth=8, idempotent=True, on_wait=None):
        tree = PARSER.parse(winrm_utils.wrap_script(script, depth=depth).encode("utf-8"))
        assert not tree.root_node.has_error, script
        self.scripts.append(script)
        self.idempotent.append(idempotent)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def close(self):
        self.closed = True


class Run:
    def __init__(self, code, output, clients):
        self.code = code
        self.output = output
        self.clients = clients

    @property
    def scripts(self):
        return [script for client in self.clients for script in client.scripts]


def run_module(module, monkeypatch, capsys, args, answers=(), check=False, diff=False):
    clients = []

    def factory(**_kwargs):
        client = RecordingClient(list(answers))
        clients.append(client)
        return client

    monkeypatch.setattr(winrm_utils, "WinRMClient", factory)
    full = dict(CONNECTION, **args)
    if check:
        full["_ansible_check_mode"] = True
    if diff:
        full["_ansible_diff"] = True
    with patch_module_args(full):
        with pytest.raises(SystemExit) as exit_info:
            module.main()
    output = json.loads(capsys.readouterr().out)
    return Run(exit_info.value.code, output, clients)
