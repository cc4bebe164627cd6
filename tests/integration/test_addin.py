"""addin against the lab: the five steps with --diff, round trips, bad arguments, no rights."""
from __future__ import annotations

from objects_support import named, pool
from steps_support import READONLY, module, playbook, round_trips


def test_five_steps(clean_lab):
    playbook(clean_lab, "addin")


def test_round_trips(clean_lab):
    status, result, log = module(clean_lab, "fe01", "addin", {"name": "Trips", "url": "https://t/"})
    assert status == "CHANGED" and round_trips(log) == 2, result
    status, result, log = module(clean_lab, "fe01", "addin", {"name": "trips", "url": "https://t/"})
    assert status == "SUCCESS" and round_trips(log) == 1
    status, result, log = module(clean_lab, "fe01", "addin", {"name": "Trips", "state": "absent"}, "--check")
    assert status == "CHANGED" and round_trips(log) == 1
    assert named(pool(clean_lab, "addins"), "Trips")["Url"] == "https://t/"


def test_bad_arguments_are_refused_before_connecting(lab):
    for args, text in [({"name": "a" * 51, "url": "https://x/"}, "name is 51 characters long"),
                       ({"name": "a", "url": "u" * 256}, "url is 256 characters long"),
                       ({"name": "a", "url": " "}, "url cannot be empty")]:
        status, result, log = module(lab, "fe01", "addin", args)
        assert status == "FAILED!" and text in result["msg"], result
        assert round_trips(log) == 0


def test_an_account_without_rights_is_refused(clean_lab):
    status, result, _log = module(clean_lab, "fe01", "addin", {"name": "x", "url": "https://x/"}, *READONLY)
    assert status == "FAILED!" and "Access denied" in result["msg"] and "read add-in x" in result["msg"]
