"""The trial of issue 12, item 1, against the lab: the cutover's step 8 removes the ocschat lookup user, then
New-CsPersistentChatEndpoint fails (a real fault injected through the lab's control endpoint). The ledger must
keep the user the step removed (also through a resumed run that finds it gone), and playbooks/rollback.yml must
give the address back to that user - or leave the endpoint holding it - and fail, naming the host and the
step, rather than end with nobody holding the address."""
from __future__ import annotations

from pathlib import Path

import pytest

from stages_support import after_preflight, flat, ledger, ok, stage

# Each test takes about this long on CI's two cores (conftest.py: slowest modules first; -m "not slow" skips them).
pytestmark = pytest.mark.slow(minutes=1)

SIP = "sip:ocschat@contoso.local"
LOOKUP_DN = "CN=Group Chat Lookup,OU=Service Accounts,DC=contoso,DC=local"
INJECTED = "Injected: the Application Contacts container is not reachable."


def directory(lab) -> dict:
    return lab.call("GET", "/state")["backends"]["lync"]["directory"]


def lookup_user(lab):
    return next((user for user in directory(lab)["users"] if user["sam"] == "ocschat"), None)


def lookup_endpoints(lab) -> list:
    return [endpoint for endpoint in directory(lab)["endpoints"] if endpoint["sip_address"].lower() == SIP]


def fail_the_endpoint_after_the_user_is_removed(lab, preflight_ledger: Path, ledger_dir: Path):
    """Preflight (the session's one, conftest.preflight_ledger), readiness and backup, then a cutover whose step 8
    fails between Remove-ADUser and New-CsPersistentChatEndpoint (one script: the user is gone when the cmdlet fails)."""
    after_preflight(preflight_ledger, ledger_dir)
    for name in ("readiness", "backup"):
        ok(stage(lab, ledger_dir, name))
    lab.fault(kind="cmdlet", host="FE01", cmdlet="New-CsPersistentChatEndpoint", nth=1, message=INJECTED)
    failed = stage(lab, ledger_dir, "cutover")
    assert failed.returncode != 0, failed.stdout[-3000:]
    assert INJECTED in flat(failed)
    lab.clear_faults()
    # The trial's state: no lookup user, no endpoint.
    assert lookup_user(lab) is None and lookup_endpoints(lab) == []
    return failed


def test_the_ledger_keeps_the_user_a_failed_step_removed_and_rollback_gives_the_address_back(clean_lab, preflight_ledger, tmp_path):
    fail_the_endpoint_after_the_user_is_removed(clean_lab, preflight_ledger, tmp_path)
    cutover = ledger(tmp_path)["stages"]["cutover"]
    step = cutover["steps"]["endpoint"]
    assert cutover["status"] == "failed"
    assert step["status"] == "failed" and INJECTED in step["error"]
    assert step["data"]["removed_user"]["SamAccountName"] == "ocschat"
    assert step["data"]["removed_user"]["DistinguishedName"] == LOOKUP_DN

    ok(stage(clean_lab, tmp_path, "rollback"))
    restored = lookup_user(clean_lab)
    assert restored and restored["sip_address"] == SIP and restored["dn"] == LOOKUP_DN
    book = ledger(tmp_path)
    assert book["stages"]["cutover"]["status"] == "rolled_back"
    assert book["stages"]["rollback"]["status"] == "done"
    assert book["stages"]["rollback"]["data"]["restored_lookup_user"]["SipAddress"] == SIP


def test_a_resumed_cutover_keeps_the_removed_user_and_a_later_rollback_restores_it(clean_lab, preflight_ledger, tmp_path):
    fail_the_endpoint_after_the_user_is_removed(clean_lab, preflight_ledger, tmp_path)
    ok(stage(clean_lab, tmp_path, "cutover"))
    step = ledger(tmp_path)["stages"]["cutover"]["steps"]["endpoint"]
    assert step["status"] == "done" and step["attempts"] == 2
    # The resumed attempt found the user gone; what the first attempt removed is still the record.
    assert step["data"]["removed_user"]["SamAccountName"] == "ocschat"
    assert step["data"]["endpoint"]["SipAddress"].lower() == SIP
    assert len(lookup_endpoints(clean_lab)) == 1 and lookup_user(clean_lab) is None

    ok(stage(clean_lab, tmp_path, "rollback", "-e", "rollback_after_cutover=true"))
    restored = lookup_user(clean_lab)
    assert restored and restored["sip_address"] == SIP
    assert lookup_endpoints(clean_lab) == []


def test_a_rollback_that_would_leave_nobody_holding_the_address_fails_naming_host_and_step(clean_lab, preflight_ledger, tmp_path):
    fail_the_endpoint_after_the_user_is_removed(clean_lab, preflight_ledger, tmp_path)
    # Told not to restore the user, with no endpoint to leave in place (step 8 never created it).
    refused = stage(clean_lab, tmp_path, "rollback", "-e", "rollback_restore_lookup_user=false")
    assert refused.returncode != 0, refused.stdout[-3000:]
    said = flat(refused)
    assert "Rollback failed on fe01 at 'Refuse to end with nobody holding the lookup address'" in said
    assert "Nobody holds the legacy lookup address ocschat@contoso.local on fe01" in said
    assert "The cutover's step 'endpoint' (8. replace the ocschat@ lookup user) is failed in the ledger" in said
    assert "recorded removing ocschat (%s)" % LOOKUP_DN in said
    book = ledger(tmp_path)
    assert book["stages"]["rollback"]["status"] == "failed"
    assert "Nobody holds the legacy lookup address" in book["stages"]["rollback"]["error"]
    # Not rolled back: the next rollback run tries again, and with the restore it ends well.
    assert book["stages"]["cutover"]["status"] == "failed"
    ok(stage(clean_lab, tmp_path, "rollback"))
    assert lookup_user(clean_lab)["sip_address"] == SIP
    assert ledger(tmp_path)["stages"]["rollback"]["status"] == "done"


def test_a_rollback_without_restoring_the_user_leaves_the_endpoint_holding_the_address(clean_lab, preflight_ledger, tmp_path):
    after_preflight(preflight_ledger, tmp_path)
    for name in ("readiness", "backup", "cutover"):
        ok(stage(clean_lab, tmp_path, name))
    done = ok(stage(clean_lab, tmp_path, "rollback", "-e", "rollback_after_cutover=true",
                    "-e", "rollback_restore_lookup_user=false"))
    assert lookup_user(clean_lab) is None and len(lookup_endpoints(clean_lab)) == 1
    said = flat(done)
    assert "The Persistent Chat endpoint still holds the lookup address ocschat@contoso.local (fe01)" in said
    assert "until a person restores the lookup user ocschat (%s)" % LOOKUP_DN in said
    data = ledger(tmp_path)["stages"]["rollback"]["data"]
    assert data["restored_lookup_user"] is None and data["restore_lookup_user"]["SamAccountName"] == "ocschat"
