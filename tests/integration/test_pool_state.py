"""pool_state against the lab: the five steps with --diff, round trips, an unknown pool, no rights."""
from __future__ import annotations

from steps_support import READONLY, module, playbook, round_trips, state

IDENTITY = "PersistentChatServer:pcpool.contoso.local"


def test_five_steps(clean_lab):
    playbook(clean_lab, "pool_state")


def test_round_trips(clean_lab):
    status, result, log = module(clean_lab, "fe01", "pool_state", {"pool_state": "FailedOver"})
    assert status == "CHANGED" and round_trips(log) == 2, result
    status, result, log = module(clean_lab, "fe01", "pool_state", {"pool_state": "FailedOver"})
    assert status == "SUCCESS" and round_trips(log) == 1
    assert state(clean_lab)["backends"]["lync"]["pool_state"][IDENTITY] == "FailedOver"


def test_unknown_pool_and_value(lab):
    status, result, log = module(lab, "fe01", "pool_state", {"pool_state": "Normal", "pool_fqdn": "other.contoso.local"})
    assert status == "FAILED!" and round_trips(log) == 1
    assert "no Persistent Chat pool other.contoso.local" in result["msg"]
    status, result, log = module(lab, "fe01", "pool_state", {"pool_state": "FileStoreMigration"})
    assert status == "FAILED!" and round_trips(log) == 0


def test_an_account_without_rights_is_refused(clean_lab):
    status, result, _log = module(clean_lab, "fe01", "pool_state", {"pool_state": "FailedOver"}, *READONLY)
    assert status == "FAILED!" and "Access denied" in result["msg"]
    assert state(clean_lab)["backends"]["lync"]["pool_state"][IDENTITY] == "Normal"
