"""Make ``ansible_collections.lync.persistent_chat`` importable when the unit tests run under plain
pytest from the repository (ansible-test units sets this up itself from the collection root), and give
ansible-core before 2.19 the patch_module_args the tests use."""
from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _in_collection_tree() -> bool:
    return REPO.parent.name == "lync" and REPO.parent.parent.name == "ansible_collections"


def _install_collection_finder() -> None:
    if _in_collection_tree():
        root = REPO.parent.parent.parent
    else:
        root = Path(tempfile.mkdtemp(prefix="pchat-collections-"))
        namespace = root / "ansible_collections" / "lync"
        namespace.mkdir(parents=True)
        (namespace / "persistent_chat").symlink_to(REPO)
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

    _AnsibleCollectionFinder(paths=[str(root)])._install()


if "ansible_collections.lync.persistent_chat" not in sys.modules:
    try:
        __import__("ansible_collections.lync.persistent_chat.plugins.module_utils.powershell")
    except ImportError:
        _install_collection_finder()


def _install_patch_module_args_before_2_19() -> None:
    """ansible-core 2.19 brought ansible.module_utils.testing.patch_module_args, which the unit tests use to
    hand arguments to AnsibleModule; on the older ansible-core meta/runtime.yml still claims (2.16), the
    same context manager is made here the way those versions read module arguments (basic._ANSIBLE_ARGS)."""
    import contextlib
    import json
    import types
    from unittest import mock

    from ansible.module_utils import basic

    @contextlib.contextmanager
    def patch_module_args(args=None):
        if not isinstance(args, (dict, type(None))):
            raise TypeError("The `args` arg must be a dict or None.")
        payload = dict(args or {}, _ansible_remote_tmp=tempfile.gettempdir(), _ansible_keep_remote_files=False)
        with mock.patch.object(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": payload}).encode()):
            yield

    testing = types.ModuleType("ansible.module_utils.testing")
    testing.patch_module_args = patch_module_args
    sys.modules["ansible.module_utils.testing"] = testing


if importlib.util.find_spec("ansible.module_utils.testing") is None:  # ansible-core 2.19 and later have it
    _install_patch_module_args_before_2_19()
