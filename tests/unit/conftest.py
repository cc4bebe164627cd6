"""Make ``ansible_collections.lync.persistent_chat`` importable when the unit tests run under plain
pytest from the repository (ansible-test units sets this up itself from the collection root)."""
from __future__ import annotations

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
