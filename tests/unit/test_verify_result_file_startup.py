"""Issue 16, the fixed cost of a module run: pywinrm (with requests, pyspnego, gssapi and cryptography, most of
a module's imports) is imported when a WinRM client first needs it, so a module that only reads databases, or
ends before it opens a shell, never pays for it."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def modules_loaded_after(statement: str) -> set:
    """The modules a fresh interpreter holds after importing the collection's code in statement."""
    code = textwrap.dedent("""
        import sys, tempfile, pathlib
        root = pathlib.Path(tempfile.mkdtemp(prefix="pchat-collections-"))
        (root / "ansible_collections" / "lync").mkdir(parents=True)
        (root / "ansible_collections" / "lync" / "persistent_chat").symlink_to(%r)
        from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
        _AnsibleCollectionFinder(paths=[str(root)])._install()
        %s
        print("\\n".join(sorted(sys.modules)))
    """) % (str(REPO), statement)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_a_database_only_module_does_not_import_pywinrm():
    loaded = modules_loaded_after("import ansible_collections.lync.persistent_chat.plugins.modules.parity")
    assert "ansible_collections.lync.persistent_chat.plugins.module_utils.winrm" in loaded
    assert not {"winrm", "winrm.protocol", "requests", "spnego", "gssapi"} & loaded


def test_a_winrm_module_imports_pywinrm_when_its_client_opens_a_shell():
    loaded = modules_loaded_after(
        "from ansible_collections.lync.persistent_chat.plugins.module_utils import winrm; "
        "assert winrm.load_pywinrm() and winrm.Protocol is not None")
    assert {"winrm.protocol", "requests"} <= loaded
