"""After the full migration of the `small` dataset from OCS 2007 R2 Group Chat."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared"))

import lab_checks as lab  # noqa: E402


def test_the_legacy_side_was_ocs_2007_r2_and_every_stage_is_done():
    entries = lab.ledger()["stages"]
    assert entries["preflight"]["data"]["legacy_product"] == "ocs2007r2"
    assert {name: entry["status"] for name, entry in entries.items()} == dict.fromkeys(
        ["preflight", "readiness", "backup", "pool_configuration", "cutover", "verify", "enable_users", "decommission"], "done")
    assert lab.report()["status"] == "passed"


def test_no_trusted_application_was_removed_and_what_is_left_is_said():
    data = lab.ledger()["stages"]["decommission"]["data"]
    assert data["removed"] == [] and data["topology_enabled"] is False
    assert any("trusted service entries" in item for item in data["left_to_do"])


def test_services_files_and_endpoint():
    assert set(lab.services("gc01", "*Group Chat*").values()) == {"Stopped"}
    assert set(lab.services("pc01", "Lync Server Persistent Chat*").values()) == {"Running"}
    assert lab.file_count("fs01", "D:\\LyncShare\\1-PersistentChatService-1") == lab.file_count("gc01", "E:\\GroupChat\\FileRepository")
    endpoints = lab.powershell("fe01", "Get-CsPersistentChatEndpoint | ForEach-Object { $_.SipAddress }")
    assert "sip:ocschat@contoso.local" in [line.strip() for line in endpoints]
