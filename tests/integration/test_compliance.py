"""compliance against the lab: the five steps with --diff, round trips, RunInterval limits, no rights."""
from __future__ import annotations

from steps_support import READONLY, module, playbook, round_trips, state


def test_five_steps(clean_lab):
    playbook(clean_lab, "compliance")


def test_round_trips_and_interval_forms(clean_lab):
    status, result, log = module(clean_lab, "fe01", "compliance", {"run_interval": "2:00:00"})
    assert status == "CHANGED" and round_trips(log) == 2, result
    assert result["compliance"]["RunInterval"] == "02:00:00"
    status, result, log = module(clean_lab, "fe01", "compliance", {"run_interval": "0.02:00:00"})
    assert status == "SUCCESS" and round_trips(log) == 1
    assert state(clean_lab)["backends"]["lync"]["compliance"]["Global"]["RunInterval"] == "2:00:00"


def test_interval_limits_are_checked_before_connecting(lab):
    for value in ("00:00:59", "30.00:00:01", "fifteen minutes"):
        status, result, log = module(lab, "fe01", "compliance", {"run_interval": value})
        assert status == "FAILED!" and "run_interval" in result["msg"], result
        assert round_trips(log) == 0


def test_an_account_without_rights_is_refused(clean_lab):
    status, result, _log = module(clean_lab, "fe01", "compliance", {"add_user_details": True}, *READONLY)
    assert status == "FAILED!" and "Access denied" in result["msg"]
