"""configuration against the lab: the five steps with --diff, round trips, documented ranges refused before
connecting, a scope Lync does not have, an account without rights."""
from __future__ import annotations

from steps_support import READONLY, module, playbook, round_trips, state


def test_five_steps(clean_lab):
    playbook(clean_lab, "configuration")


def test_round_trips(clean_lab):
    status, result, log = module(clean_lab, "fe01", "configuration", {"default_chat_history": 500})
    assert status == "CHANGED" and round_trips(log) == 2, result
    status, result, log = module(clean_lab, "fe01", "configuration", {"default_chat_history": 500})
    assert status == "SUCCESS" and round_trips(log) == 1
    status, result, log = module(clean_lab, "fe01", "configuration", {"default_chat_history": 1}, "--check")
    assert status == "CHANGED" and round_trips(log) == 1
    assert state(clean_lab)["backends"]["lync"]["configuration"]["Global"]["DefaultChatHistory"] == 500


def test_ranges_and_scopes_are_checked_before_connecting(lab):
    for args, text in [({"default_chat_history": 0}, "default_chat_history must be between 1 and 500"),
                       ({"default_chat_history": 501}, "not 501"),
                       ({"max_file_size_kb": -1}, "max_file_size_kb must be between 0 and 4294967295"),
                       ({"participant_update_limit": 4294967296}, "participant_update_limit must be between"),
                       ({"scope": "tag:x"}, "is not a scope"),
                       ({"state": "absent"}, "cannot be removed")]:
        status, result, log = module(lab, "fe01", "configuration", args)
        assert status == "FAILED!" and text in result["msg"], result
        assert round_trips(log) == 0


def test_a_site_that_does_not_exist_is_refused_by_lync(clean_lab):
    status, result, log = module(clean_lab, "fe01", "configuration", {"scope": "site:Nowhere", "default_chat_history": 5})
    assert status == "FAILED!" and result["changed"] is False and round_trips(log) == 2
    assert result["msg"].startswith("127.0.0.1: create Persistent Chat configuration site:Nowhere: "
                                    "New-CsPersistentChatConfiguration failed: ")
    assert list(state(clean_lab)["backends"]["lync"]["configuration"]) == ["Global"]


def test_an_account_without_rights_is_refused(clean_lab):
    status, result, _log = module(clean_lab, "fe01", "configuration", {"default_chat_history": 7}, *READONLY)
    assert status == "FAILED!" and "Access denied" in result["msg"]
    assert "read Persistent Chat configuration Global" in result["msg"]
