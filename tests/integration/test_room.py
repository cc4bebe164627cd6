"""room against the lab: the five steps with --diff, round trips, bad arguments, members outside the
category refused by Lync with the step named, an account without rights."""
from __future__ import annotations

from objects_support import OU, USERS, named, pool, seed_principals
from steps_support import READONLY, module, playbook, round_trips, scripts


def test_five_steps_and_changes(clean_lab):
    playbook(clean_lab, "room")


def test_round_trips_and_a_member_outside_the_category(clean_lab):
    seed_principals(clean_lab)
    module(clean_lab, "fe01", "category", {"name": "Narrow", "allowed_members": USERS[:1]})
    args = {"name": "Narrow room", "category": "Narrow", "members": USERS[:1]}
    status, result, log = module(clean_lab, "fe01", "room", args)
    assert status == "CHANGED" and round_trips(log) == 2, result
    status, result, log = module(clean_lab, "fe01", "room", args)
    assert status == "SUCCESS" and not result["changed"] and round_trips(log) == 1
    status, result, log = module(clean_lab, "fe01", "room", {"name": "Narrow room", "members_add": USERS[1:2]})
    assert status == "FAILED!" and result["changed"] is False
    assert result["msg"].startswith("127.0.0.1: change room pcpool.contoso.local\\Narrow room: "
                                    "Set-CsPersistentChatRoom failed: ")
    assert USERS[1] in result["msg"]
    assert named(pool(clean_lab, "rooms"), "Narrow room")["Members"] == USERS[:1]


def test_bad_arguments_are_refused_before_connecting(lab):
    for args, text in [({"name": "r", "privacy": "Public"}, "value of privacy must be one of"),
                       ({"name": "r", "presenters": ["bob"]}, "'bob' is neither a SIP URI"),
                       ({"name": "r", "members": [], "members_add": ["sip:a@b.c"]}, "mutually exclusive"),
                       ({"name": "r", "description": "d" * 257}, "description is 257 characters long")]:
        status, result, log = module(lab, "fe01", "room", args)
        assert status == "FAILED!" and text in result["msg"], result
        assert round_trips(log) == 0


def test_missing_category_is_named(clean_lab):
    status, result, log = module(clean_lab, "fe01", "room", {"name": "Orphan", "category": "No such category"})
    assert status == "FAILED!" and round_trips(log) == 1
    assert result["msg"] == "127.0.0.1: read room Orphan: no category No such category in pool pcpool.contoso.local"


def test_an_account_without_rights_is_refused(clean_lab):
    status, result, _log = module(clean_lab, "fe01", "room", {"name": "x", "category": "y"}, *READONLY)
    assert status == "FAILED!" and "Access denied" in result["msg"] and "read room x" in result["msg"]


def test_a_room_with_every_member_of_a_300_user_pool_is_one_change(clean_lab):
    """The standard dataset's 300 users: a change far longer than cmd.exe's 8191-character command line (it
    once took five change round trips of packed Set- commands) is one script on stdin."""
    clean_lab.call("POST", "/seed", {"profile": "standard"})
    try:
        seed_principals(clean_lab)
        members = ["sip:user%04d@contoso.local" % number for number in range(300)]
        module(clean_lab, "fe01", "category", {"name": "Everyone", "allowed_members": [OU]})
        status, result, log = module(clean_lab, "fe01", "room", {"name": "All hands", "category": "Everyone",
                                                                 "members": members})
        assert status == "CHANGED" and round_trips(log) == 2, result
        change = scripts(log)[1]
        assert len(change) > 8191 and change.count("Set-CsPersistentChatRoom") == 1
        assert len(named(pool(clean_lab, "rooms"), "All hands")["Members"]) == 300
        status, result, log = module(clean_lab, "fe01", "room", {"name": "All hands", "members": members[:150]})
        assert status == "CHANGED" and round_trips(log) == 2 and len(result["room"]["Members"]) == 150, result
    finally:
        clean_lab.call("POST", "/seed", {"profile": "small"})
