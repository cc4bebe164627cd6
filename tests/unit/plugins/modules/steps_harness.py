"""A whole-module run with a recording stand-in for the WinRM client: answers come from a list, every
script sent is kept, so tests see how many round trips a run takes and what each sends."""
from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.lync.persistent_chat.plugins.module_utils import winrm as winrm_utils

CONNECTION = {"winrm_host": "fe01.contoso.local", "winrm_scheme": "http", "winrm_user": "CONTOSO\\lyncadmin",
              "winrm_password": "Pw-Secret-1"}


class RecordingClient:
    def __init__(self, answers):
        self.answers = answers
        self.scripts = []
        self.idempotent = []
        self.closed = False

    def run_json(self, script, depth=8, idempotent=True, on_wait=None):
        self.scripts.append(script)
        self.idempotent.append(idempotent)
        if not self.answers:
            pytest.fail("unexpected script:\n" + script)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer(script) if callable(answer) else answer

    def close(self):
        self.closed = True


def run(module, monkeypatch, capsys, args, answers, check_mode=False, diff=True):
    client = RecordingClient(list(answers))
    monkeypatch.setattr(winrm_utils, "WinRMClient", lambda **kwargs: client)
    arguments = dict(CONNECTION, **args)
    arguments["_ansible_check_mode"] = check_mode
    arguments["_ansible_diff"] = diff
    with patch_module_args(arguments):
        with pytest.raises(SystemExit) as exit_info:
            module.main()
    output = json.loads(capsys.readouterr().out)
    assert "Pw-Secret-1" not in json.dumps(output)
    return exit_info.value.code, output, client
