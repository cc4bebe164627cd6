"""The stage roles' gates against the lab (small dataset): what they refuse, and that a finished stage
run again changes nothing. Each test has its own ledger (pchat_ledger_dir) on a freshly reset lab; those that
need the preflight done start from a copy of the session's one preflight (conftest.preflight_ledger)."""
from __future__ import annotations

import json
import re

import pytest

from conftest import run_playbook
from stages_support import PLAYBOOKS, after_preflight, ledger, ok, recap_changed, stage
from steps_support import scripts as sent_scripts


def test_a_finished_stage_run_again_changes_nothing(clean_lab, tmp_path):
    first = ok(stage(clean_lab, tmp_path, "preflight"))
    assert recap_changed(first) == 2          # started, done
    second = ok(stage(clean_lab, tmp_path, "preflight"))
    assert recap_changed(second) == 0
    assert ledger(tmp_path)["stages"]["preflight"]["data"]["legacy_product"] == "lync2010"


def test_cutover_without_a_backup_is_refused_before_anything_stops(clean_lab, preflight_ledger, tmp_path):
    after_preflight(preflight_ledger, tmp_path)
    ok(stage(clean_lab, tmp_path, "readiness"))
    refused = stage(clean_lab, tmp_path, "cutover")
    assert refused.returncode != 0
    assert "refused: cutover needs backup done (it is absent)" in refused.stdout
    assert "Stop the legacy Group Chat services" not in refused.stdout.split("refused:")[0]
    assert "cutover" not in ledger(tmp_path)["stages"]


def test_cutover_outside_an_acknowledged_downtime_window_is_refused(clean_lab, tmp_path):
    refused = stage(clean_lab, tmp_path, "cutover", "-e", "pchat_downtime_acknowledged=false")
    assert refused.returncode != 0 and "pchat_downtime_acknowledged=true" in refused.stdout


def test_decommission_without_a_passing_verification_is_refused(clean_lab, preflight_ledger, tmp_path):
    after_preflight(preflight_ledger, tmp_path)
    refused = stage(clean_lab, tmp_path, "decommission")
    assert refused.returncode != 0
    assert "refused: decommission needs verify done (it is absent)" in refused.stdout
    assert "decommission" not in ledger(tmp_path)["stages"]


@pytest.mark.slow(minutes=1)
def test_import_after_a_failed_whatif_is_refused_and_a_rerun_with_the_error_accepted_goes_on(clean_lab, preflight_ledger,
                                                                                             tmp_path):
    after_preflight(preflight_ledger, tmp_path)
    for name in ("readiness", "backup"):
        ok(stage(clean_lab, tmp_path, name))
    refused = stage(clean_lab, tmp_path, "cutover", "-e", json.dumps({"cutover_accept_errors": []}))
    steps = ledger(tmp_path)["stages"]["cutover"]["steps"]
    # The readiness finding the dataset's over-long room is tied to (Import's own error id is not read).
    assert steps["import_whatif"]["data"]["errors"] == ["ROOM_NAME_TOO_LONG"]
    assert "no accepted readiness finding or message pattern accepts: " in steps["import_whatif"]["error"]
    assert refused.returncode != 0
    assert "refused: cutover/import needs cutover/import_whatif done (it is failed)" in refused.stdout
    assert "import" not in steps
    ok(stage(clean_lab, tmp_path, "cutover"))
    assert ledger(tmp_path)["stages"]["cutover"]["status"] == "done"


@pytest.mark.slow(minutes=1)
def test_a_failed_cutover_is_recorded_then_rolled_back_when_told_to(clean_lab, preflight_ledger, tmp_path):
    after_preflight(preflight_ledger, tmp_path)
    for name in ("readiness", "backup"):
        ok(stage(clean_lab, tmp_path, name))
    # The first Import-CsPersistentChatData is the -WhatIf run, after the legacy services stopped.
    clean_lab.fault(kind="cmdlet", host="FE01", cmdlet="Import-CsPersistentChatData", nth=1,
                    message="Injected: the SQL Server is not reachable.")
    failed = stage(clean_lab, tmp_path, "cutover", "-e", "cutover_rollback_on_failure=true")
    assert failed.returncode != 0, failed.stdout[-3000:]
    assert "Cutover failed at '5. Import with -WhatIf and read its report': " in failed.stdout, failed.stdout[-6000:]
    book = ledger(tmp_path)
    statuses = [(event["stage"], event["status"]) for event in book["events"] if "step" not in event]
    # The failure is recorded first, then the rollback the cutover ran brings the legacy service back.
    assert statuses[-4:] == [("cutover", "failed"), ("rollback", "running"), ("cutover", "rolled_back"),
                             ("rollback", "done")]
    assert "Injected" in book["stages"]["cutover"]["error"]
    assert book["stages"]["rollback"]["data"]["cutover_attempts"] == 1


def test_preflight_refuses_when_a_volume_lacks_the_space_the_migration_needs(clean_lab, tmp_path):
    refused = stage(clean_lab, tmp_path, "preflight", "-e", "preflight_min_free_gb=100000")
    assert refused.returncode != 0
    message = " ".join(refused.stdout.split())
    # Each volume is named with what will be written to it; the backups and the posted files share fs01's.
    assert "Not enough disk space: fe01 D: has 180.0 GiB free" in message
    assert re.search(r"fs01 D: has [0-9.]+ GiB free, needs [0-9.]+ TiB for backups \+ posted files", message)
    assert ledger(tmp_path)["stages"]["preflight"]["status"] == "failed"


def test_preflight_refuses_an_account_without_the_rbac_roles_it_needs(clean_lab, tmp_path):
    refused = stage(clean_lab, tmp_path, "preflight", "-e",
                    json.dumps({"preflight_admin_roles": ["CsPersistentChatAdministrator", "CsVoiceAdministrator"]}))
    assert refused.returncode != 0
    assert "lyncadmin is not assigned the Lync RBAC role(s) CsVoiceAdministrator" in " ".join(refused.stdout.split())


def test_preflight_records_the_space_and_roles_it_checked(preflight_ledger):
    data = ledger(preflight_ledger)["stages"]["preflight"]["data"]
    assert "CsPersistentChatAdministrator" in data["admin_roles"]
    assert [(row["host"], row["what"]) for row in data["space"]] == [
        ("fe01", "export"), ("fs01", "backups"), ("fs01", "posted files")]
    assert all(row["free_bytes"] > row["needed"] > 0 for row in data["space"])


def test_the_report_reads_the_ledger_itself(clean_lab, preflight_ledger, tmp_path):
    after_preflight(preflight_ledger, tmp_path)
    written = ok(stage(clean_lab, tmp_path, "report"))
    assert "Ledger: %s" % (tmp_path / "lab.json") in written.stdout
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert [(row["name"], row["status"]) for row in report["stages"]] == [
        ("preflight", "done")] + [(name, "pending") for name in (
            "readiness", "backup", "pool_configuration", "cutover", "verify", "enable_users", "decommission")]
    # The free space and RBAC roles the preflight recorded are the report's checks.
    checks = {check["name"]: check for check in report["checks"]}
    assert set(checks) == {"Free space on fe01 D: (export)", "Free space on fs01 D: (backups)",
                           "Free space on fs01 D: (posted files)", "Lync RBAC roles of lyncadmin"}
    assert all(check["status"] == "passed" for check in checks.values())
    assert re.fullmatch(r"180\.0 GiB free, [0-9.]+ [KMG]iB needed", checks["Free space on fe01 D: (export)"]["detail"])
    assert report["readiness"] is None and report["parity"] is None


def directory_user(lab, sam: str):
    users = lab.call("GET", "/state")["backends"]["lync"]["directory"]["users"]
    return next((user for user in users if user["sam"] == sam), None)


@pytest.mark.slow(minutes=1)
def test_a_failed_test_message_fails_verify_and_rollback_brings_the_lookup_user_back(clean_lab, preflight_ledger, tmp_path):
    after_preflight(preflight_ledger, tmp_path)
    for name in ("readiness", "backup", "cutover"):
        ok(stage(clean_lab, tmp_path, name))
    assert directory_user(clean_lab, "ocschat") is None          # the cutover removed it (step 8)
    wrong = {"sip_address": "pctest1@contoso.local", "username": "CONTOSO\\pctest1", "password": "Not-The-Pw-42"}
    failed = stage(clean_lab, tmp_path, "verify", "-e", json.dumps({"verify_test_sender": wrong}))
    assert failed.returncode != 0
    assert "test message Failure" in " ".join(failed.stdout.split()) and "pctest1" in failed.stdout
    assert "Not-The-Pw-42" not in failed.stdout + failed.stderr
    assert ledger(tmp_path)["stages"]["verify"]["status"] == "failed"
    ok(stage(clean_lab, tmp_path, "rollback", "-e", "rollback_after_cutover=true"))
    restored = directory_user(clean_lab, "ocschat")
    assert restored and restored["sip_address"] == "sip:ocschat@contoso.local"
    assert restored["dn"] == "CN=Group Chat Lookup,OU=Service Accounts,DC=contoso,DC=local"
    assert ledger(tmp_path)["stages"]["rollback"]["data"]["restored_lookup_user"]["SamAccountName"] == "ocschat"


# Verbs of the cmdlets that change something (Import-Module only loads a module), and robocopy unless it
# only lists (/L).
CHANGING_VERB = re.compile(r"\b(?:New|Set|Remove|Stop|Start|Restart|Export|Backup|Restore|Grant|Publish|Enable|"
                           r"Move|Clear|Copy|Add)-(?!Member\b)\w+|\brobocopy\b(?![^\n]*/L\b)|Import-Cs\w+",
                           re.IGNORECASE)


def state_without_traffic(lab) -> dict:
    """The lab's state less the chat its simulated users keep posting while Group Chat runs."""
    state = lab.call("GET", "/state")
    state["backends"]["lync"].pop("traffic")
    return state


@pytest.mark.slow(minutes=1.5)
def test_the_whole_migration_in_check_mode_changes_nothing_and_says_what_waits(clean_lab, tmp_path):
    before = state_without_traffic(clean_lab)
    since = clean_lab.log_length()
    checked = ok(run_playbook(PLAYBOOKS / "migrate.yml", "--check", "-e", "pchat_lab_state_dir=%s" % clean_lab.state_dir,
                              "-e", "pchat_ledger_dir=%s" % tmp_path, "-e", "pchat_report_dir=%s" % (tmp_path / "report")))
    # Preflight, readiness, backup and pool configuration ran their checks; the later stages say what they wait for.
    assert "check mode: backup goes on although preflight is absent" in checked.stdout + checked.stderr
    assert "Check mode: this stage would run after preflight, readiness, backup" in " ".join(checked.stdout.split())
    assert "Check mode: this stage would run after cutover" in " ".join(checked.stdout.split())
    assert recap_changed(checked) > 0
    # Nothing reached the lab that changes anything, and the lab is as it was; no ledger was written.
    scripts = sent_scripts(clean_lab.log(since))
    assert scripts and not [match for script in scripts for match in CHANGING_VERB.findall(script)]
    assert state_without_traffic(clean_lab) == before
    assert not (tmp_path / "lab.json").exists()
