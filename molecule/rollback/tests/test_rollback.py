"""After a cutover that failed once the legacy services had stopped, and the rollback."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared"))

import lab_checks as lab  # noqa: E402


def test_the_legacy_service_runs_again():
    legacy = lab.services("gc01", "*Group Chat*")
    assert legacy and set(legacy.values()) == {"Running"}


def test_the_ledger_says_the_cutover_was_rolled_back_after_the_legacy_services_stopped():
    stages = lab.ledger()["stages"]
    assert stages["cutover"]["status"] == "rolled_back"
    assert "Injected" in stages["cutover"]["error"]
    assert stages["rollback"]["status"] == "done"
    events = [(e["stage"], e.get("step"), e["status"]) for e in lab.ledger()["events"]]
    assert events.index(("cutover", "stop_legacy", "done")) < events.index(("cutover", None, "failed")) \
        < events.index(("cutover", None, "rolled_back"))


def test_nothing_was_imported_and_the_lookup_user_was_kept():
    with lab.database("mgc") as mgc:
        assert mgc.execute("SELECT COUNT(*) FROM tblChat").fetchone()[0] == 0
    endpoints = lab.powershell("fe01", "Get-CsPersistentChatEndpoint | ForEach-Object { $_.SipAddress }")
    assert "sip:ocschat@contoso.local" not in [line.strip() for line in endpoints]
