"""room: exact-name lookup behind a safe -Filter, category checks, list deltas, type/presenters."""
from __future__ import annotations

from lync_object_runner import POOL, POOLS, run_module

from ansible_collections.lync.persistent_chat.plugins.modules import room

ROOM = {"Identity": POOL + "\\Help [Desk]*", "Name": "Help [Desk]*", "Description": "", "Category": POOL + "\\IT",
        "Type": "Normal", "Privacy": "Closed", "Addin": None, "Disabled": False, "Invitations": "Inherit",
        "Members": ["sip:a@contoso.local"], "Managers": [], "Presenters": [], "PersistentChatPoolFqdn": POOL}
IT = {"Identity": POOL + "\\IT", "Name": "IT", "PersistentChatPoolFqdn": POOL}
HR = {"Identity": POOL + "\\HR", "Name": "HR", "PersistentChatPoolFqdn": POOL}


def test_read_uses_a_wildcard_safe_filter_and_an_exact_match(monkeypatch, capsys):
    run = run_module(room, monkeypatch, capsys, {"name": "Help [Desk]*", "category": "IT"},
                     answers=[{"pools": POOLS, "room": [ROOM], "category": [IT]}])
    assert run.output["changed"] is False, run.output
    script = run.scripts[0]
    assert "Get-CsPersistentChatRoom -Filter 'Help ?Desk??'|Where-Object {$_.Name -eq $n}" in script
    assert "Get-CsPersistentChatCategory|Where-Object {$_.Name -eq $c}" in script
    # The category printed as <pool>\<name> compares as its name.
    assert run.output["room"]["Category"] == "IT"


def test_create_needs_an_existing_category(monkeypatch, capsys):
    run = run_module(room, monkeypatch, capsys, {"name": "R", "category": "Nope"},
                     answers=[{"pools": POOLS, "room": [], "category": []}])
    assert run.code == 1 and run.output["msg"] == "fe01.contoso.local: read room R: no category Nope in pool " + POOL
    run = run_module(room, monkeypatch, capsys, {"name": "R"}, answers=[{"pools": POOLS, "room": []}])
    assert run.code == 1 and "category is required to create room R" in run.output["msg"]


def test_create_sends_new_with_settings_then_set_for_lists(monkeypatch, capsys):
    created = dict(ROOM, Name="R", Identity=POOL + "\\R", Privacy="Secret", Invitations="False",
                   Members=["sip:a@contoso.local"])
    run = run_module(room, monkeypatch, capsys,
                     {"name": "R", "category": "IT", "privacy": "Secret", "invitations": "False", "disabled": False,
                      "members": ["sip:a@contoso.local"]},
                     answers=[{"pools": POOLS, "room": [], "category": [IT]}, {"room": [created]}], diff=True)
    assert run.code == 0 and run.output["changed"] is True
    change = run.scripts[1]
    assert ("$null=New-CsPersistentChatRoom -Name 'R' -Category 'pcpool.contoso.local\\IT' -PersistentChatPoolFqdn "
            "'pcpool.contoso.local' -Privacy 'Secret' -Invitations 'False' -Disabled $false") in change
    assert "Set-CsPersistentChatRoom -Identity $id -Members @{Add = @('sip:a@contoso.local')}" in change
    assert run.output["diff"]["before"] == {} and run.output["room"]["Category"] == "IT"


def test_changes_go_in_one_script_removals_first_additions_last(monkeypatch, capsys):
    run = run_module(room, monkeypatch, capsys,
                     {"name": "help [desk]*", "category": "HR", "type": "Auditorium", "presenters": ["sip:p@contoso.local"],
                      "members_remove": ["SIP:A@contoso.local"], "addin": "Wiki", "description": "d"},
                     answers=[{"pools": POOLS, "room": [ROOM], "category": [HR]}, {"room": [ROOM]}])
    assert len(run.scripts) == 2
    lines = [line for line in run.scripts[1].splitlines() if line.startswith("Set-CsPersistentChatRoom")]
    # Presenters can only be added once the room is an Auditorium in the category that allows them.
    assert lines == [
        "Set-CsPersistentChatRoom -Identity $id -Members @{Remove = @('sip:a@contoso.local')}",
        "Set-CsPersistentChatRoom -Identity $id -Description 'd' -Type 'Auditorium' -Addin 'Wiki' "
        "-Category 'pcpool.contoso.local\\HR'",
        "Set-CsPersistentChatRoom -Identity $id -Presenters @{Add = @('sip:p@contoso.local')}"]
    assert set(run.output["changed_properties"]) == {"Description", "Type", "Members", "Presenters", "Addin", "Category"}


def test_presenters_go_before_the_room_becomes_normal(monkeypatch, capsys):
    auditorium = dict(ROOM, Type="Auditorium", Presenters=["sip:p@contoso.local"])
    run = run_module(room, monkeypatch, capsys, {"name": "Help [Desk]*", "type": "Normal", "presenters": []},
                     answers=[{"pools": POOLS, "room": [auditorium]}, {"room": [ROOM]}])
    lines = [line for line in run.scripts[1].splitlines() if line.startswith("Set-CsPersistentChatRoom")]
    assert lines == ["Set-CsPersistentChatRoom -Identity $id -Presenters @{Remove = @('sip:p@contoso.local')}",
                     "Set-CsPersistentChatRoom -Identity $id -Type 'Normal'"]


def test_empty_addin_clears_it_and_enum_case_does_not_matter(monkeypatch, capsys):
    current = dict(ROOM, Addin="Wiki", Privacy="secret")
    run = run_module(room, monkeypatch, capsys, {"name": "Help [Desk]*", "addin": "", "privacy": "Secret"},
                     answers=[{"pools": POOLS, "room": [current]}, {"room": [dict(current, Addin=None)]}])
    assert run.output["changed_properties"] == ["Addin"]
    assert "Set-CsPersistentChatRoom -Identity $id -Addin $null" in run.scripts[1]


def test_check_mode_reports_but_sends_nothing(monkeypatch, capsys):
    run = run_module(room, monkeypatch, capsys, {"name": "Help [Desk]*", "disabled": True},
                     answers=[{"pools": POOLS, "room": [ROOM]}], check=True, diff=True)
    assert run.output["changed"] is True and len(run.scripts) == 1
    assert run.output["diff"]["before"]["Disabled"] is False and run.output["diff"]["after"]["Disabled"] is True


def test_absent(monkeypatch, capsys):
    run = run_module(room, monkeypatch, capsys, {"name": "Help [Desk]*", "state": "absent"},
                     answers=[{"pools": POOLS, "room": [ROOM]}, None])
    assert "Remove-CsPersistentChatRoom -Identity 'pcpool.contoso.local\\Help [Desk]*' -Confirm:$false" in run.scripts[1]


def test_bad_values_fail_before_connecting(monkeypatch, capsys):
    run = run_module(room, monkeypatch, capsys, {"name": "R", "type": "Lecture"})
    assert run.code == 1 and run.clients == [] and "Lecture" in run.output["msg"]
    run = run_module(room, monkeypatch, capsys, {"name": "R", "managers": ["sip:nodomain"], "description": "d" * 300})
    assert run.code == 1 and run.clients == []
    assert "managers: 'sip:nodomain' is neither" in run.output["msg"] and "description is 300" in run.output["msg"]


def test_a_room_with_5000_members_and_a_long_entry_is_one_change(monkeypatch, capsys):
    huge = "CN=%s,DC=contoso,DC=local" % ("x" * 3000)
    members = ["sip:user%04d@contoso.local" % number for number in range(5000)] + [huge]
    run = run_module(room, monkeypatch, capsys, {"name": "Help [Desk]*", "members_add": members},
                     answers=[{"pools": POOLS, "room": [ROOM]}, {"room": [dict(ROOM, Members=ROOM["Members"] + members)]}])
    assert run.code == 0 and run.output["changed"] is True and len(run.scripts) == 2
    change = run.scripts[1]
    assert change.count("Set-CsPersistentChatRoom") == 1 and "'%s'" % huge in change
    assert run.output["changed_properties"] == ["Members"] and len(run.output["room"]["Members"]) == 5002


def test_a_value_no_literal_can_carry_fails_the_change_step_cleanly(monkeypatch, capsys):
    run = run_module(room, monkeypatch, capsys, {"name": "Help [Desk]*", "description": "a\x00b"},
                     answers=[{"pools": POOLS, "room": [ROOM]}])
    assert run.code == 1 and len(run.scripts) == 1 and run.output["changed"] is False
    assert run.output["msg"] == ("fe01.contoso.local: change room pcpool.contoso.local\\Help [Desk]*: "
                                 "a string containing NUL cannot be sent to PowerShell")
