"""service against the lab: five steps with --diff, the Lync cmdlets for Lync services, bad arguments,
hostile patterns arriving intact, and an account without rights."""
from __future__ import annotations

from steps_support import READONLY, module, playbook, round_trips, scripts, state


def test_five_steps_on_legacy_and_persistent_chat_services(clean_lab):
    before = clean_lab.log_length()
    playbook(clean_lab, "service")
    sent = scripts(clean_lab.log(before))
    # Lync services go through the Lync cmdlets, the legacy ones through the plain service cmdlets.
    assert any("Stop-CsWindowsService -Name 'RTCCHAT'" in script for script in sent)
    assert any("Start-CsWindowsService -Name 'RTCCHATCOMPLIANCE'" in script for script in sent)
    assert any("Stop-Service -Name 'GroupChatChannel'" in script for script in sent)
    assert not any("Stop-CsWindowsService -Name 'GroupChat" in script for script in sent)


def test_one_round_trip_to_read_and_one_to_change(clean_lab):
    status, result, log = module(clean_lab, "gc01", "service", {"name": ["GroupChatWeb"], "state": "stopped"})
    assert status == "CHANGED", result
    assert round_trips(log) == 2
    status, result, log = module(clean_lab, "gc01", "service", {"name": ["GroupChatWeb"], "state": "stopped"})
    assert status == "SUCCESS" and result["changed"] is False
    assert round_trips(log) == 1


def test_a_stopped_service_can_be_started_with_a_start_mode(clean_lab):
    module(clean_lab, "gc01", "service", {"name": ["GroupChatLookup"], "state": "stopped", "start_mode": "disabled"})
    status, result, _log = module(clean_lab, "gc01", "service",
                                  {"name": ["GroupChatLookup"], "state": "started", "start_mode": "manual"})
    assert status == "CHANGED", result
    gc01 = next(host for host in state(clean_lab)["hosts"] if host["name"] == "GC01")
    lookup = next(svc for svc in gc01["services"] if svc["name"] == "GroupChatLookup")
    assert (lookup["status"], lookup["start_type"]) == ("Running", "Manual")


def test_bad_arguments_are_refused_before_connecting(lab):
    for args, text in [({"name": ["x"]}, "one of the following is required: state, start_mode"),
                       ({"state": "stopped"}, "one of the following is required: name, display_name"),
                       ({"name": ["x"], "state": "paused"}, "value of state must be one of"),
                       ({"name": ["x"], "state": "started", "start_mode": "disabled"}, "cannot be started")]:
        status, result, log = module(lab, "gc01", "service", args)
        assert status == "FAILED!" and text in result["msg"], result
        assert round_trips(log) == 0


def test_hostile_pattern_arrives_intact_and_matches_nothing(clean_lab):
    pattern = "*Group Chat's \"$(Stop-Service WinRM)\" \u2019; \u202eevil\n*"
    status, result, log = module(clean_lab, "gc01", "service", {"display_name": [pattern], "state": "stopped"})
    assert status == "FAILED!"
    assert result["msg"].endswith("no service whose display name matches %s" % pattern)
    assert round_trips(log) == 1
    services = state(clean_lab)["backends"]["lync"]["services"]["gc01"]
    assert set(services.values()) == {"Running"}
    assert state(clean_lab)["hosts"][0]["services"][0]["status"] == "Running"   # WinRM on FE01 untouched


def test_an_account_without_rbac_rights_is_refused_by_the_lync_cmdlets(clean_lab):
    # readonly may open a WinRM shell on fe01 (Remote Management Users there) but holds no Lync role.
    status, result, _log = module(clean_lab, "fe01", "service", {"name": ["RTCSRV"], "state": "stopped"}, *READONLY)
    assert status == "FAILED!"
    assert "Get-CsWindowsService" in result["msg"] and "readonly" in result["msg"]
    assert state(clean_lab)["backends"]["lync"]["services"]["fe01"]["RTCSRV"] == "Running"


def test_an_account_that_is_no_administrator_of_the_host_cannot_open_a_shell(clean_lab):
    status, result, _log = module(clean_lab, "pc01", "service", {"name": ["RTCCHAT"], "state": "stopped"}, *READONLY)
    assert status == "FAILED!"
    assert "rejected the credentials" in result["msg"] and "Read-0nly!" not in result["msg"]
    assert state(clean_lab)["backends"]["lync"]["services"]["pc01"]["RTCCHAT"] == "Running"
