"""category against the lab: the five steps with --diff, round trips from the request log, bad arguments
refused before connecting, hostile names intact, an account without rights, and a fault between the
New- and the Set- of a create followed by a re-run that completes it without a second category."""
from __future__ import annotations

from objects_support import OU, USERS, named, pool, seed_principals
from steps_support import READONLY, module, playbook, round_trips, scripts


def test_five_steps_with_lists(clean_lab):
    playbook(clean_lab, "category")


def test_one_round_trip_to_read_and_one_to_change(clean_lab):
    seed_principals(clean_lab)
    args = {"name": "Round trips", "allowed_members": [OU], "creators": USERS[:1]}
    status, result, log = module(clean_lab, "fe01", "category", args)
    assert status == "CHANGED", result
    assert round_trips(log) == 2
    status, result, log = module(clean_lab, "fe01", "category", args)
    assert status == "SUCCESS" and result["changed"] is False
    assert round_trips(log) == 1
    status, result, log = module(clean_lab, "fe01", "category", dict(args, file_upload=True), "--check")
    assert status == "CHANGED" and round_trips(log) == 1
    assert named(pool(clean_lab, "categories"), "Round trips")["FileUpload"] is False


def test_bad_arguments_are_refused_before_connecting(lab):
    for args, text in [({"name": "x", "creators": ["alice"]}, "'alice' is neither a SIP URI"),
                       ({"name": "x", "creators": ["sip:a@b.c"], "creators_add": ["sip:d@b.c"]}, "mutually exclusive"),
                       ({"name": "x" * 257}, "name is 257 characters long"),
                       ({"name": "x", "state": "gone"}, "value of state must be one of"),
                       ({"name": "x", "no_such": 1}, "no_such")]:
        status, result, log = module(lab, "fe01", "category", args)
        assert status == "FAILED!" and text in result["msg"], result
        assert round_trips(log) == 0


def test_hostile_name_and_description_arrive_intact(clean_lab):
    name = "Q'\u2019 $(Stop-Service WinRM) `n \"x\"; \u05e9\u05dc\u05d5\u05dd \u202eevil"
    description = "line one\nline two $env:USERNAME @{a=1}"
    status, result, log = module(clean_lab, "fe01", "category", {"name": name, "description": description})
    assert status == "CHANGED", result
    found = named(pool(clean_lab, "categories"), name)
    assert found["Description"] == description and found["Identity"] == "pcpool.contoso.local\\" + name
    status, result, _log = module(clean_lab, "fe01", "category", {"name": name, "description": description})
    assert status == "SUCCESS" and result["changed"] is False
    assert not any("Stop-Service WinRM)" in script.split("'")[0] for script in scripts(log))


def test_an_account_without_rights_is_refused(clean_lab):
    status, result, _log = module(clean_lab, "fe01", "category", {"name": "Not allowed"}, *READONLY)
    assert status == "FAILED!"
    assert result["msg"].startswith("127.0.0.1: read category Not allowed: ")
    assert "readonly" in result["msg"] and "Access denied" in result["msg"]
    assert named(pool(clean_lab, "categories"), "Not allowed") is None


def test_failure_after_create_then_rerun_completes_without_a_duplicate(clean_lab):
    seed_principals(clean_lab)
    clean_lab.fault(kind="cmdlet", host="fe01", cmdlet="Set-CsPersistentChatCategory", nth=1,
                    message="The SQL Server connection was lost.")
    args = {"name": "Half made", "allowed_members": [OU], "creators": USERS[:2]}
    status, result, _log = module(clean_lab, "fe01", "category", args)
    assert status == "FAILED!"
    assert result["changed"] is True and result["cmdlet"] == "Set-CsPersistentChatCategory"
    assert "create category pcpool.contoso.local\\Half made" in result["msg"]
    half = named(pool(clean_lab, "categories"), "Half made")
    assert half is not None and half["AllowedMembers"] == []
    clean_lab.clear_faults()
    status, result, log = module(clean_lab, "fe01", "category", args)
    assert status == "CHANGED", result
    assert not any("New-CsPersistentChatCategory" in script for script in scripts(log))
    categories = pool(clean_lab, "categories")
    assert [c["Name"] for c in categories].count("Half made") == 1
    assert named(categories, "Half made")["Creators"] == USERS[:2]
