"""Fixtures shared by the action plugin tests: real ansible runs against this checkout."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

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
