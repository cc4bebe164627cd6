"""service: matching, planning, the order of changes, Lync vs Windows cmdlets, whole runs."""
from __future__ import annotations

from steps_harness import run

from ansible_collections.lync.persistent_chat.plugins.modules import service

RAW = {"lync": ["RTCCHAT"],
       "byname": [{"Name": "RTCCHAT", "DisplayName": "Lync Server Persistent Chat", "Status": "Running",
                   "StartType": "Automatic"}],
       "bydisplay": [{"Name": "GroupChatWeb", "DisplayName": "Lync Server Group Chat Web Service",
                      "Status": "Stopped", "StartType": "Disabled"},
                     {"Name": "RTCCHAT", "DisplayName": "Lync Server Persistent Chat", "Status": "Running",
                      "StartType": "Automatic"}]}


def test_shape_merges_and_reports_what_matched_nothing():
    services, problems = service.shape(RAW, ["RTCCHAT", "Nope", "Lync Server Group Chat Web Service"],
                                       ["*Group Chat*", "*Missing*"])
    assert [(s["name"], s["lync"], s["start_mode"]) for s in services] == [
        ("GroupChatWeb", False, "disabled"), ("RTCCHAT", True, "auto")]
    assert problems == ["no service named Nope", "no service whose display name matches *Missing*"]


def test_plan_and_order():
    services, _problems = service.shape(RAW, None, None)
    changes = service.plan(services, "started", "manual")
    assert [(svc["name"], status, mode) for svc, status, mode in changes] == [
        ("GroupChatWeb", "Running", "manual"), ("RTCCHAT", None, "manual")]
    script = service.change_script(changes, ["GroupChatWeb", "RTCCHAT"], "started", False, 30)
    # The start-up type is set before starting (a disabled service cannot start).
    assert script.index("Set-Service -Name 'GroupChatWeb' -StartupType 'Manual'") < \
        script.index("Start-Service -Name 'GroupChatWeb'")
    assert "Start-CsWindowsService" not in script and "$deadline=(Get-Date).AddSeconds(30)" in script
    stop = service.change_script(service.plan(services, "stopped", "disabled"), ["RTCCHAT"], "stopped", True, 5)
    assert stop.splitlines()[0] == "Import-Module Lync"
    assert stop.index("Stop-CsWindowsService -Name 'RTCCHAT'") < stop.index("Set-Service -Name 'RTCCHAT' -StartupType 'Disabled'")
    assert "-Force" not in stop   # Stop-CsWindowsService has no -Force


def test_read_script_quotes_patterns():
    script = service.read_script(["a'b"], ["*x\u2019y*"])
    assert "Get-Service -Name @('a''b') -ErrorAction 'SilentlyContinue'" in script
    assert "Get-Service -DisplayName @('*x\u2019\u2019y*')" in script


def test_nothing_to_do_is_one_round_trip(monkeypatch, capsys):
    raw = {"lync": None, "byname": [], "bydisplay": [{"Name": "GroupChatWeb", "DisplayName": "Lync Server Group Chat Web",
                                                      "Status": "Stopped", "StartType": "Disabled"}]}
    code, out, client = run(service, monkeypatch, capsys, {"display_name": ["*Group Chat*"], "state": "stopped"}, [raw])
    assert code == 0 and out["changed"] is False and len(client.scripts) == 1


def test_unsettled_services_fail(monkeypatch, capsys):
    after = {"byname": [{"Name": "GroupChatWeb", "DisplayName": "x", "Status": "StopPending", "StartType": "Automatic"}]}
    raw = {"lync": [], "byname": [{"Name": "GroupChatWeb", "DisplayName": "x", "Status": "Running",
                                   "StartType": "Automatic"}], "bydisplay": []}
    code, out, client = run(service, monkeypatch, capsys, {"name": ["GroupChatWeb"], "state": "stopped", "timeout": 3},
                            [raw, after])
    assert code == 1 and "still not stopped after 3 seconds: GroupChatWeb" in out["msg"]
    assert client.idempotent == [True, False]


def test_unknown_name_fails_after_reading(monkeypatch, capsys):
    code, out, client = run(service, monkeypatch, capsys, {"name": ["Nope"], "state": "stopped"},
                            [{"lync": None, "byname": [], "bydisplay": []}])
    assert code == 1 and out["msg"].endswith("no service named Nope") and len(client.scripts) == 1


REFUSED = {"Id": "SomeUndocumentedId,Microsoft.Rtc.Management.X", "Category": "NotSpecified",
           "Message": "Computer is not in the topology."}


def test_a_host_outside_the_topology_has_no_lync_services_whatever_the_error_id():
    # The decision rests on Get-CsPool's Computers (documented), not on the refusal's error id (which is not).
    raw = {"computer": "GC01", "lync_error": REFUSED, "computers": ["fe01.contoso.local", "pc01.contoso.local"]}
    assert service.lync_problem(raw) is None
    services, _problems = service.shape(dict(raw, byname=RAW["bydisplay"][:1]), None, None)
    assert [svc["lync"] for svc in services] == [False]


def test_a_topology_member_or_an_unreadable_topology_makes_the_error_real():
    member = {"computer": "pc01", "lync_error": REFUSED, "computers": ["PC01.contoso.local"]}
    assert service.lync_problem(member) == ("Get-CsWindowsService failed on pc01: Computer is not in the topology. "
                                            "(SomeUndocumentedId,Microsoft.Rtc.Management.X)")
    unreadable = {"computer": "gc01", "lync_error": REFUSED, "pool_error": {"Id": "x", "Message": "denied"}}
    assert service.lync_problem(unreadable).startswith("Get-CsWindowsService failed on gc01")
    # A same-prefix name is not the same computer.
    assert service.in_topology("pc0", ["pc01.contoso.local"]) is False
    assert service.lync_problem({"computer": "x", "lync": []}) is None


def test_a_real_error_fails_after_one_round_trip(monkeypatch, capsys):
    raw = {"computer": "FE01", "lync_error": REFUSED, "computers": ["fe01.contoso.local"], "byname": [], "bydisplay": []}
    code, out, client = run(service, monkeypatch, capsys, {"name": ["RTCSRV"], "state": "stopped"}, [raw])
    assert code == 1 and "Get-CsWindowsService failed on FE01" in out["msg"] and len(client.scripts) == 1
    assert out["error_id"] == REFUSED["Id"]


def test_the_read_script_matches_no_error_id():
    script = service.read_script(["RTCCHAT"], None)
    assert "InvalidOperation" not in script and "-like" not in script
    assert "Get-CsPool -ErrorAction Stop" in script and "$env:COMPUTERNAME" in script
