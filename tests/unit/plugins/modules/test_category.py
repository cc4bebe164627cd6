"""category: what is read, what is decided, what is sent (and not sent in check mode)."""
from __future__ import annotations

from lync_object_runner import POOL, POOLS, run_module

from ansible_collections.lync.persistent_chat.plugins.module_utils import winrm as winrm_utils
from ansible_collections.lync.persistent_chat.plugins.modules import category

IT = {"Identity": POOL + "\\IT", "Name": "IT", "Description": "", "PersistentChatPoolFqdn": POOL, "Invites": False,
      "FileUpload": True, "ChatHistory": True, "AllowedMembers": ["OU=IT,DC=contoso,DC=local"],
      "DeniedMembers": [], "Creators": ["sip:Admin@contoso.local"]}


def test_missing_category_in_check_mode_reads_once_and_predicts(monkeypatch, capsys):
    run = run_module(category, monkeypatch, capsys,
                     {"name": "IT", "file_upload": True, "allowed_members": ["OU=IT,DC=contoso,DC=local"]},
                     answers=[{"pools": POOLS, "category": []}], check=True, diff=True)
    assert run.code == 0 and run.output["changed"] is True
    assert len(run.scripts) == 1 and "New-" not in run.scripts[0] and "Set-" not in run.scripts[0]
    assert run.output["category"]["Identity"] == POOL + "\\IT"
    assert run.output["category"]["AllowedMembers"] == ["OU=IT,DC=contoso,DC=local"]
    assert run.output["diff"]["before"] == {} and run.output["diff"]["after"]["FileUpload"] is True
    assert set(run.output["changed_properties"]) == {"Identity", "FileUpload", "AllowedMembers"}


def test_create_sends_new_then_set_for_members_and_reads_back(monkeypatch, capsys):
    read_back = dict(IT, Creators=[])
    run = run_module(category, monkeypatch, capsys,
                     {"name": "IT", "file_upload": True, "chat_history": False,
                      "allowed_members": ["OU=IT,DC=contoso,DC=local"]},
                     answers=[{"pools": POOLS, "category": []}, {"category": [read_back]}])
    assert run.code == 0 and run.output["changed"] is True
    first, second = run.scripts
    assert run.clients[0].idempotent == [True, False]
    assert ("$null=New-CsPersistentChatCategory -Name 'IT' -PersistentChatPoolFqdn 'pcpool.contoso.local' "
            "-EnableFileUpload -RemoveChatHistory") in second
    assert "Set-CsPersistentChatCategory -Identity $id -AllowedMembers @{Add = @('OU=IT,DC=contoso,DC=local')}" in second
    assert "-FileUpload" not in second.split("Set-CsPersistentChatCategory")[1]
    assert run.output["category"] == read_back


def test_same_lists_in_another_case_and_order_change_nothing(monkeypatch, capsys):
    run = run_module(category, monkeypatch, capsys,
                     {"name": "it", "creators": ["SIP:admin@CONTOSO.local"], "allowed_members_add": ["ou=it,dc=contoso,dc=local"],
                      "file_upload": True},
                     answers=[{"pools": POOLS, "category": [IT]}])
    assert run.code == 0 and run.output["changed"] is False
    assert len(run.scripts) == 1


def test_add_and_remove_send_only_the_difference(monkeypatch, capsys):
    run = run_module(category, monkeypatch, capsys,
                     {"name": "IT", "creators_add": ["sip:admin@contoso.local", "sip:new@contoso.local"],
                      "creators_remove": ["sip:gone@contoso.local"], "denied_members": ["sip:bad@contoso.local"]},
                     answers=[{"pools": POOLS, "category": [IT]}, {"category": [IT]}], diff=True)
    assert run.code == 0 and run.output["changed"] is True
    change = run.scripts[1]
    assert "New-" not in change
    assert "-Creators @{Add = @('sip:new@contoso.local')}" in change
    assert "-DeniedMembers @{Add = @('sip:bad@contoso.local')}" in change
    assert run.output["changed_properties"] == ["DeniedMembers", "Creators"]
    assert run.output["diff"]["before"]["Creators"] == ["sip:Admin@contoso.local"]


def test_whole_list_removes_what_is_not_listed(monkeypatch, capsys):
    run = run_module(category, monkeypatch, capsys, {"name": "IT", "allowed_members": []},
                     answers=[{"pools": POOLS, "category": [IT]}, {"category": [dict(IT, AllowedMembers=[])]}])
    assert "-AllowedMembers @{Remove = @('OU=IT,DC=contoso,DC=local')}" in run.scripts[1]
    assert run.output["category"]["AllowedMembers"] == []


def test_absent_removes_by_identity_without_prompting(monkeypatch, capsys):
    run = run_module(category, monkeypatch, capsys, {"name": "IT", "state": "absent"},
                     answers=[{"pools": POOLS, "category": [IT]}, None])
    assert run.output["changed"] is True and run.output["category"] is None
    assert "Remove-CsPersistentChatCategory -Identity 'pcpool.contoso.local\\IT' -Confirm:$false" in run.scripts[1]


def test_absent_and_missing_is_unchanged(monkeypatch, capsys):
    run = run_module(category, monkeypatch, capsys, {"name": "IT", "state": "absent"},
                     answers=[{"pools": POOLS, "category": []}])
    assert run.output["changed"] is False and len(run.scripts) == 1


def test_bad_options_fail_before_connecting(monkeypatch, capsys):
    run = run_module(category, monkeypatch, capsys,
                     {"name": "x" * 257, "creators_add": ["alice"], "denied_members_add": ["sip:a@b"],
                      "denied_members_remove": ["SIP:A@B"]})
    assert run.code == 1 and run.clients == []
    message = run.output["msg"]
    assert message.startswith("fe01.contoso.local: check the options: ")
    assert "name is 257 characters long" in message and "'alice' is neither a SIP URI" in message
    assert "denied_members_add and denied_members_remove both name sip:a@b" in message


def test_whole_list_and_add_are_mutually_exclusive(monkeypatch, capsys):
    run = run_module(category, monkeypatch, capsys,
                     {"name": "IT", "creators": ["sip:a@b.c"], "creators_add": ["sip:d@b.c"]})
    assert run.code == 1 and "mutually exclusive" in run.output["msg"] and run.clients == []


def test_several_pools_need_pool_fqdn(monkeypatch, capsys):
    run = run_module(category, monkeypatch, capsys, {"name": "IT"},
                     answers=[{"pools": POOLS + [{"PoolFqdn": "pc2.contoso.local"}], "category": []}])
    assert run.code == 1 and "set pool_fqdn" in run.output["msg"]
    assert run.output["step"] == "read category IT"


def test_failed_set_after_new_reports_changed(monkeypatch, capsys):
    error = winrm_utils.PowerShellError("Set-CsPersistentChatCategory failed: principal not provisioned",
                                        cmdlet="Set-CsPersistentChatCategory")
    run = run_module(category, monkeypatch, capsys, {"name": "IT", "creators": ["sip:a@b.c"]},
                     answers=[{"pools": POOLS, "category": []}, error])
    assert run.code == 1 and run.output["changed"] is True
    assert run.output["msg"] == ("fe01.contoso.local: create category pcpool.contoso.local\\IT: "
                                 "Set-CsPersistentChatCategory failed: principal not provisioned")


def test_failed_new_reports_unchanged(monkeypatch, capsys):
    error = winrm_utils.PowerShellError("New-CsPersistentChatCategory failed: access denied",
                                        cmdlet="New-CsPersistentChatCategory")
    run = run_module(category, monkeypatch, capsys, {"name": "IT"}, answers=[{"pools": POOLS, "category": []}, error])
    assert run.code == 1 and run.output["changed"] is False and run.output["cmdlet"] == "New-CsPersistentChatCategory"


def test_hostile_name_stays_one_literal(monkeypatch, capsys):
    name = "it'$(Remove-Item C:\\)\u2019; \"x\"\n\u05e2\u05d1\u05e8\u05d9\u05ea"
    run = run_module(category, monkeypatch, capsys, {"name": name}, answers=[{"pools": POOLS, "category": []}],
                     check=True)
    assert "$n='it''$(Remove-Item C:\\)\u2019\u2019; \"x\"\n\u05e2\u05d1\u05e8\u05d9\u05ea'" in run.scripts[0]


def test_create_lists_only_settings_that_differ_from_what_new_makes(monkeypatch, capsys):
    run = run_module(category, monkeypatch, capsys,
                     {"name": "IT", "invitations": False, "chat_history": True, "file_upload": False, "description": ""},
                     answers=[{"pools": POOLS, "category": []}], check=True)
    assert run.output["changed"] is True and run.output["changed_properties"] == ["Identity"]


def test_a_list_of_5000_members_is_one_change_script(monkeypatch, capsys):
    members = ["CN=Chat User %04d,OU=Users,OU=Chat,DC=contoso,DC=local" % number for number in range(5000)]
    run = run_module(category, monkeypatch, capsys, {"name": "IT", "allowed_members": members},
                     answers=[{"pools": POOLS, "category": [IT]}, {"category": [IT]}])
    assert run.code == 0 and len(run.scripts) == 2
    change = run.scripts[1]
    assert len(change) > 250000
    assert all("'%s'" % member in change for member in members)
    # Removals first, then additions, then the read back.
    assert change.index("Remove = @('OU=IT,DC=contoso,DC=local')") < change.index("Add = @(") \
        < change.index("Get-CsPersistentChatCategory -Identity")
