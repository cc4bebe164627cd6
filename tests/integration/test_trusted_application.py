"""trusted_application against the lab: five steps with --diff, round trips, one application only, a
fault between removals then a re-run, bad arguments, hostile values, no rights."""
from __future__ import annotations

from steps_support import READONLY, module, playbook, round_trips, state

POOL = "gcpool.contoso.local"


def topology(lab) -> dict:
    lync = state(lab)["backends"]["lync"]
    return {"pools": lync["trusted_application_pools"], "apps": lync["trusted_applications"],
            "events": [event["action"] for event in lync["topology_events"]]}


def test_five_steps(clean_lab):
    playbook(clean_lab, "trusted_application")


def test_round_trips(clean_lab):
    status, result, log = module(clean_lab, "fe01", "trusted_application", {"pool_fqdn": POOL})
    assert status == "CHANGED" and round_trips(log) == 2, result
    status, result, log = module(clean_lab, "fe01", "trusted_application", {"pool_fqdn": POOL})
    assert result["changed"] is False and round_trips(log) == 1


def test_one_application_only_keeps_the_pool(clean_lab):
    status, result, _log = module(clean_lab, "fe01", "trusted_application",
                                  {"pool_fqdn": POOL, "application_id": "groupchat", "enable_topology": False})
    assert status == "CHANGED" and result["removed"] == [POOL + "/urn:application:groupchat"]
    now = topology(clean_lab)
    assert now["apps"] == [] and len(now["pools"]) == 1 and now["events"] == ["Remove-CsTrustedApplication"]


def test_a_fault_between_the_removals_then_a_rerun_finishes(clean_lab):
    clean_lab.fault(kind="cmdlet", host="fe01", cmdlet="Remove-CsTrustedApplicationPool", nth=1,
                    message="Injected: CMS is busy.")
    status, result, _log = module(clean_lab, "fe01", "trusted_application", {"pool_fqdn": POOL})
    assert status == "FAILED!" and "Injected: CMS is busy." in result["msg"]
    assert topology(clean_lab)["apps"] == [] and len(topology(clean_lab)["pools"]) == 1
    clean_lab.clear_faults()
    status, result, _log = module(clean_lab, "fe01", "trusted_application", {"pool_fqdn": POOL})
    assert status == "CHANGED" and result["removed"] == ["TrustedApplicationPool:" + POOL]
    assert topology(clean_lab)["events"] == ["Remove-CsTrustedApplication", "Remove-CsTrustedApplicationPool",
                                             "Enable-CsTopology"]


def test_bad_arguments(lab):
    for args, text in [({"application_id": "x"}, "missing required arguments: pool_fqdn"),
                       ({"pool_fqdn": POOL, "state": "present"}, "value of state must be one of")]:
        status, result, log = module(lab, "fe01", "trusted_application", args)
        assert status == "FAILED!" and text in result["msg"], result
        assert round_trips(log) == 0


def test_hostile_pool_name_matches_nothing(clean_lab):
    status, result, _log = module(clean_lab, "fe01", "trusted_application",
                                  {"pool_fqdn": "gcpool'$(Remove-CsTrustedApplicationPool gcpool.contoso.local)"})
    assert status == "SUCCESS" and result["changed"] is False and result["pool"] is None
    assert len(topology(clean_lab)["pools"]) == 1


def test_an_account_without_rights_changes_nothing(clean_lab):
    status, result, _log = module(clean_lab, "fe01", "trusted_application", {"pool_fqdn": POOL}, *READONLY)
    assert status == "FAILED!" and "readonly" in result["msg"]
    assert len(topology(clean_lab)["pools"]) == 1
