"""policy against the lab: the five steps with --diff (create, grant to a user, a group and an OU), round
trips, a user Lync does not know, grants on a non-user scope refused, no rights, and a fault in the middle
of the grants followed by a re-run that grants only the rest."""
from __future__ import annotations

from steps_support import READONLY, module, playbook, round_trips, scripts, state


def _policies_by_user(lab) -> dict:
    return {user["sam"]: user["persistent_chat_policy"] for user in state(lab)["backends"]["lync"]["directory"]["users"]}


def test_five_steps(clean_lab):
    playbook(clean_lab, "policy")


def test_round_trips(clean_lab):
    args = {"scope": "Trips", "enable_persistent_chat": True, "grant_users": ["sip:alice@contoso.local"]}
    status, result, log = module(clean_lab, "fe01", "policy", args)
    assert status == "CHANGED" and round_trips(log) == 2, result
    status, result, log = module(clean_lab, "fe01", "policy", args)
    assert status == "SUCCESS" and round_trips(log) == 1 and result["granted"] == []


def test_a_group_is_expanded_to_its_lync_users(clean_lab):
    # Every member of the lab's "Chat Users" group is enabled for Lync, so none is reported as skipped.
    status, result, _log = module(clean_lab, "fe01", "policy", {"scope": "G", "grant_groups": ["Chat Users"]})
    assert status == "CHANGED", result
    assert sorted(name.split(",")[0] for name in result["granted"]) == [
        "CN=Alice Archer", "CN=Bob Baker", "CN=Carol Clark", "CN=Dave Dunn", "CN=Erin Evans"]
    assert result["not_lync_enabled"] == []


def test_unknown_user_fails_the_read(clean_lab):
    status, result, log = module(clean_lab, "fe01", "policy", {"scope": "X", "grant_users": ["sip:ghost@contoso.local"]})
    assert status == "FAILED!" and round_trips(log) == 1
    assert result["cmdlet"] == "Get-CsUser" and "ghost" in result["msg"]
    assert "Tag:X" not in state(clean_lab)["backends"]["lync"]["policies"]


def test_grants_need_a_per_user_scope(lab):
    for args in ({"scope": "global", "grant_users": ["sip:alice@contoso.local"]},
                 {"scope": "site:Redmond", "grant_ous": ["OU=Chat,OU=Lync Users,DC=contoso,DC=local"]}):
        status, result, log = module(lab, "fe01", "policy", args)
        assert status == "FAILED!" and "per-user policy scope" in result["msg"]
        assert round_trips(log) == 0


def test_an_account_without_rights_is_refused(clean_lab):
    status, result, _log = module(clean_lab, "fe01", "policy", {"enable_persistent_chat": True}, *READONLY)
    assert status == "FAILED!" and "Access denied" in result["msg"]
    assert state(clean_lab)["backends"]["lync"]["policies"]["Global"]["EnablePersistentChat"] is False


def test_fault_during_the_grants_then_rerun_grants_the_rest(clean_lab):
    module(clean_lab, "fe01", "policy", {"scope": "Pilot", "enable_persistent_chat": True})
    clean_lab.fault(kind="cmdlet", host="fe01", cmdlet="Grant-CsPersistentChatPolicy", nth=2,
                    message="The domain controller did not answer.")
    args = {"scope": "Pilot", "grant_groups": ["Chat Users"]}
    status, result, _log = module(clean_lab, "fe01", "policy", args)
    assert status == "FAILED!" and result["cmdlet"] == "Grant-CsPersistentChatPolicy", result
    assert "grant Persistent Chat policy Pilot" in result["msg"]
    granted_first = [sam for sam, policy in _policies_by_user(clean_lab).items() if policy == "Pilot"]
    assert len(granted_first) == 1
    clean_lab.clear_faults()
    status, result, log = module(clean_lab, "fe01", "policy", args)
    assert status == "CHANGED", result
    assert len(result["granted"]) == 4
    assert not any(granted_first[0] in name.lower() for name in result["granted"])
    assert sorted(sam for sam, policy in _policies_by_user(clean_lab).items() if policy == "Pilot") == [
        "alice", "bob", "carol", "dave", "erin"]
    assert sum(script.count("Grant-CsPersistentChatPolicy") for script in scripts(log)) == 1
