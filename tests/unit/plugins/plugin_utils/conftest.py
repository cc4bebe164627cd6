"""Fixtures shared by the action plugin tests: real ansible runs against this checkout."""
from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common import warnings as common_warnings
from ansible.module_utils.testing import patch_module_args

REPO = Path(__file__).resolve().parents[4]


@pytest.fixture
def ansible_env(tmp_path):
    """The environment of an ansible run that finds this checkout as the collection, and its folder."""
    collections = tmp_path / "collections" / "ansible_collections" / "lync"
    collections.mkdir(parents=True)
    (collections / "persistent_chat").symlink_to(REPO)
    config = tmp_path / "ansible.cfg"
    config.write_text("[defaults]\n")
    env = dict(os.environ)
    env.update(ANSIBLE_COLLECTIONS_PATH=str(tmp_path / "collections"), ANSIBLE_CONFIG=str(config),
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "local-tmp"), ANSIBLE_REMOTE_TMP=str(tmp_path / "remote-tmp"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_HOME=str(tmp_path / "home"),
               ANSIBLE_STDOUT_CALLBACK="ansible.builtin.minimal", ANSIBLE_DEPRECATION_WARNINGS="0",
               PATH="%s:%s" % (Path(sys.executable).parent, env.get("PATH", "")))
    return env, tmp_path


@pytest.fixture
def module_process_result(capsys, monkeypatch):
    """module_process_result(module, name, args, check_mode=False, diff=False): the result of a module file's
    main() as its own process prints it, to compare the in-process result with."""
    def run(module, name, args, check_mode=False, diff=False):
        # In this process, which has imported Ansible's controller code, AnsibleModule.warn displays warnings;
        # a module process adds them to its result.
        warnings = []
        monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, message: warnings.append(message))
        # A module process starts with no deprecations; here earlier tests' modules left theirs in ansible-core
        # 2.16's global lists, which it returns with every later result (newer cores keep them otherwise).
        for global_list in ("_global_deprecations", "_global_warnings"):
            if isinstance(getattr(common_warnings, global_list, None), list):
                monkeypatch.setattr(common_warnings, global_list, [])
        capsys.readouterr()
        with patch_module_args(dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff,
                                    _ansible_module_name=name)):
            with pytest.raises(SystemExit):
                module.main()
        result = json.loads(capsys.readouterr().out)
        if warnings:
            result["warnings"] = warnings
        return result
    return run


@pytest.fixture
def closed_port():
    """closed_port(): a port nothing listens on (the kernel's pick, released at once)."""
    def pick():
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]
    return pick
