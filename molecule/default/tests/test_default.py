"""After the full migration of the `standard` dataset from Lync Server 2010 Group Chat."""
from __future__ import annotations

import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared"))

import lab_checks as lab  # noqa: E402

STAGES = ["preflight", "readiness", "backup", "pool_configuration", "cutover", "verify", "enable_users", "decommission"]


def test_every_stage_is_done_in_the_ledger_and_the_report_passed():
    entries = lab.ledger()["stages"]
    assert [name for name in STAGES if entries.get(name, {}).get("status") != "done"] == []
    assert entries["verify"]["data"]["passed"] is True
    report = lab.report()
    assert report["status"] == "passed"
    assert [stage["status"] for stage in report["stages"]] == ["done"] * len(STAGES)


def test_the_cutover_steps_ran_in_microsofts_order():
    events = [event for event in lab.ledger()["events"] if event["stage"] == "cutover" and event["status"] == "done"]
    steps = [event.get("step") for event in events if event.get("step")]
    order = ["stop_legacy", "export", "stop_pchat", "import_whatif", "import", "files", "endpoint", "start_pchat"]
    assert [step for step in steps if step in order] == order


def test_the_legacy_service_is_stopped_and_persistent_chat_runs():
    legacy = lab.services("gc01", "*Group Chat*")
    assert legacy and set(legacy.values()) == {"Stopped"}
    pchat = lab.services("pc01", "Lync Server Persistent Chat*")
    assert pchat and set(pchat.values()) == {"Running"}


def test_every_posted_file_reached_the_file_store():
    legacy = lab.file_count("gc01", "E:\\GroupChat\\FileRepository")
    assert legacy > 0
    assert lab.file_count("fs01", "D:\\LyncShare\\1-PersistentChatService-1") == legacy


def test_legacy_clients_find_the_new_pool_under_the_old_address():
    endpoints = lab.powershell("fe01", "Get-CsPersistentChatEndpoint | ForEach-Object { $_.SipAddress + '|' + $_.PersistentChatPoolFqdn }")
    assert "sip:ocschat@contoso.local|pcpool.contoso.local" in endpoints


def test_messages_arrived_once():
    with lab.database("legacy") as legacy, lab.database("mgc") as mgc:
        migrated = lab.ledger()["stages"]["verify"]["data"]["counts"]["messages_legacy"]
        assert mgc.execute("SELECT COUNT(*) FROM tblChat").fetchone()[0] >= migrated > 0
        assert lab.duplicated_messages(mgc) == lab.duplicated_messages(legacy)


def test_the_legacy_trusted_application_pool_is_gone():
    pools = lab.powershell("fe01", "Get-CsTrustedApplicationPool | ForEach-Object { $_.PoolFqdn }")
    assert "gcpool.contoso.local" not in [line.strip() for line in pools]


def test_the_migration_and_these_checks_logged_on_with_kerberos_and_delegation():
    """The lab's request log records how each WinRM session logged on: this check's own session (testinfra's
    ansible backend, as the inventory connects) and every session of the migration before it."""
    script = "'%s'" % uuid.uuid4().hex
    assert lab.powershell("fe01", script) == [script.strip("'")]
    log = lab.request_log()
    assert [(e["logon"], e["delegated"]) for e in log if e["action"] == "Command" and e["script"] == script] == \
        [("Kerberos", True)]
    assert {e["logon"] for e in log if e["logon"]} == {"Kerberos"}
