"""A stand-in for the WinRM client that records the scripts a module sends and answers from a list, and a
whole module run (argument parsing to exit_json) with it: shared by the read-only modules' unit tests."""
from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.lync.persistent_chat.plugins.module_utils import winrm as winrm_utils


class RecordingClient:
    runs: list = []

    def __init__(self, answers, **kwargs):
        self.kwargs, self.answers, self.scripts, self.closed = kwargs, answers, [], False
        RecordingClient.runs.append(self)

    def run_json(self, script, depth=8, idempotent=True, on_wait=None):
        self.scripts.append(script)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def close(self):
        self.closed = True


def run_recorded(module, monkeypatch, capsys, args, answers):
    """(exit code, result) of ``module.main()`` with ``args``; the clients it opened are in RecordingClient.runs."""
    RecordingClient.runs = []
    monkeypatch.setattr(winrm_utils, "WinRMClient", lambda **kwargs: RecordingClient(list(answers), **kwargs))
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            module.main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)
