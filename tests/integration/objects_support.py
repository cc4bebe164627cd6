"""Helpers for the object-module integration tests (category, room, addin, configuration, policy,
compliance, pool_state): provisioning the legacy principals in the lab's fresh pool, and reading the
pool's categories, rooms and add-ins through pool_info (not through the module under test)."""
from __future__ import annotations

from conftest import run_ansible
from steps_support import module

SEED = ("Import-Module Lync; "
        "Export-CsPersistentChatData -DBInstance 'sql01.contoso.local\\GROUPCHAT' -DBName GroupChat "
        "-FileName 'C:\\principals.zip'; "
        "Import-CsPersistentChatData -DBInstance 'sql01.contoso.local\\RTC' -FileName 'C:\\principals.zip' "
        "-Confirm:$false -ErrorAction SilentlyContinue; "
        # The import's last error would set the exit code; what counts is what it provisioned.
        "@(Get-CsPersistentChatCategory).Count")
OU = "OU=Users,OU=Chat,DC=contoso,DC=local"
USERS = ["sip:user%04d@contoso.local" % number for number in range(6)]


def seed_principals(lab) -> None:
    """The import provisions the legacy users, OU and groups (the fresh pool has no principal at all);
    the over-long legacy room it reports is a documented migration rule, not a failure here."""
    results = run_ansible("fe01", "-m", "ansible.builtin.raw", "-a", SEED)
    process = results["_process"]
    # raw prints "fe01 | CHANGED | rc=0 | (stdout) ..." on success (no JSON to parse).
    assert process.returncode == 0 and "fe01 | CHANGED | rc=0" in process.stdout, process.stdout + process.stderr


def pool(lab, section: str) -> list:
    status, result, _log = module(lab, "fe01", "pool_info", {"include": [section]})
    assert status == "SUCCESS", result
    return result[section]


def named(items: list, name: str):
    found = [item for item in items if item["Name"] == name]
    assert len(found) <= 1, found
    return found[0] if found else None
