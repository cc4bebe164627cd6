"""configuration, compliance and policy: scopes, documented ranges checked before connecting, New- for a
missing scope, Set- with only the changed settings, and the global scope never removed."""
from __future__ import annotations

from lync_object_runner import run_module

from ansible_collections.lync.persistent_chat.plugins.modules import compliance, configuration, policy

GLOBAL_CONFIG = {"Identity": "Global", "DefaultChatHistory": 30, "MaxFileSizeKB": 20000,
                 "ParticipantUpdateLimit": 75, "RoomManagementUrl": None}
GLOBAL_COMPLIANCE = {"Identity": "Global", "AdapterName": None, "AdapterOutputDirectory": None, "AdapterType": None,
                     "AddChatRoomDetails": False, "AddUserDetails": False, "CreateFileAttachmentsManifest": False,
                     "CustomConfiguration": None, "OneChatRoomPerOutputFile": False, "RunInterval": "00:15:00"}
GLOBAL_POLICY = {"Identity": "Global", "Description": None, "EnablePersistentChat": False}


def test_configuration_set_sends_only_what_differs(monkeypatch, capsys):
    run = run_module(configuration, monkeypatch, capsys,
                     {"default_chat_history": 100, "max_file_size_kb": 20000, "room_management_url": ""},
                     answers=[{"items": [GLOBAL_CONFIG]}, {"items": [dict(GLOBAL_CONFIG, DefaultChatHistory=100)]}],
                     diff=True)
    assert run.output["changed"] is True and run.output["changed_properties"] == ["DefaultChatHistory"]
    assert "Set-CsPersistentChatConfiguration -Identity $sid -DefaultChatHistory 100\n" in run.scripts[1]
    assert run.output["diff"]["before"]["DefaultChatHistory"] == 30


def test_configuration_ranges(monkeypatch, capsys):
    for args, part in [({"default_chat_history": 0}, "default_chat_history must be between 1 and 500, not 0"),
                       ({"default_chat_history": 501}, "not 501"),
                       ({"max_file_size_kb": 4294967296}, "max_file_size_kb must be between 0 and 4294967295"),
                       ({"participant_update_limit": -1}, "participant_update_limit must be between"),
                       ({"scope": "pool:x"}, "'pool:x' is not a scope"),
                       ({"scope": "service:pc.contoso.local"}, "a service scope is written service:<role>:<pool fqdn>")]:
        run = run_module(configuration, monkeypatch, capsys, args)
        assert run.code == 1 and run.clients == [] and part in run.output["msg"], (args, run.output)


def test_configuration_new_scope_and_remove(monkeypatch, capsys):
    scope = "service:PersistentChatServer:pcpool.contoso.local"
    created = dict(GLOBAL_CONFIG, Identity="Service:PersistentChatServer:pcpool.contoso.local", MaxFileSizeKB=5)
    run = run_module(configuration, monkeypatch, capsys, {"scope": scope, "max_file_size_kb": 5},
                     answers=[{"items": [GLOBAL_CONFIG]}, {"items": [created]}])
    assert run.output["changed_properties"] == ["Identity", "MaxFileSizeKB"]
    assert ("$null=New-CsPersistentChatConfiguration -Identity $sid -MaxFileSizeKB 5") in run.scripts[1]
    # Lync prints the identity capitalised; the scope still matches.
    run = run_module(configuration, monkeypatch, capsys, {"scope": scope, "state": "absent"},
                     answers=[{"items": [GLOBAL_CONFIG, created]}, None])
    assert "Remove-CsPersistentChatConfiguration -Identity 'Service:PersistentChatServer:pcpool.contoso.local' " \
           "-Confirm:$false" in run.scripts[1]
    run = run_module(configuration, monkeypatch, capsys, {"state": "absent"})
    assert run.code == 1 and "global Persistent Chat configuration cannot be removed" in run.output["msg"]


def test_compliance_run_interval_compares_as_a_timespan(monkeypatch, capsys):
    run = run_module(compliance, monkeypatch, capsys, {"run_interval": "0:15:00"}, answers=[{"items": [GLOBAL_COMPLIANCE]}])
    assert run.output["changed"] is False
    run = run_module(compliance, monkeypatch, capsys,
                     {"run_interval": "1.02:03:04", "adapter_type": "Microsoft.Rtc.Internal.Chat.Server.Compliance.XmlAdapter,compliance"},
                     answers=[{"items": [GLOBAL_COMPLIANCE]}], check=True, diff=True)
    assert run.output["compliance"]["RunInterval"] == "1.02:03:04" and len(run.scripts) == 1
    run = run_module(compliance, monkeypatch, capsys, {"run_interval": "30.00:00:00", "add_user_details": True},
                     answers=[{"items": [GLOBAL_COMPLIANCE]}, {"items": [GLOBAL_COMPLIANCE]}])
    assert ("Set-CsPersistentChatComplianceConfiguration -Identity $sid -AddUserDetails $true "
            "-RunInterval [timespan]'30.00:00:00.0000000'") in run.scripts[1]


def test_compliance_run_interval_limits(monkeypatch, capsys):
    for value in ("00:00:59", "30.00:00:01", "15 minutes", "24:00:00"):
        run = run_module(compliance, monkeypatch, capsys, {"run_interval": value})
        assert run.code == 1 and run.clients == [] and "run_interval" in run.output["msg"], value


def test_policy_tag_scope_created_and_granted_in_one_change(monkeypatch, capsys):
    users = [{"Identity": "CN=A,OU=Chat,DC=contoso,DC=local", "SipAddress": "sip:a@contoso.local",
              "PersistentChatPolicy": None},
             {"Identity": "CN=B,OU=Chat,DC=contoso,DC=local", "SipAddress": "sip:b@contoso.local",
              "PersistentChatPolicy": "Tag:PCEnabled"}]
    answers = [{"items": [GLOBAL_POLICY], "users": users, "skipped": ["CN=F,DC=contoso,DC=local"]},
               {"items": [{"Identity": "Tag:PCEnabled", "Description": None, "EnablePersistentChat": True}],
                "granted": ["CN=A,OU=Chat,DC=contoso,DC=local"]}]
    run = run_module(policy, monkeypatch, capsys,
                     {"scope": "PCEnabled", "enable_persistent_chat": True, "grant_groups": ["Helpdesk"],
                      "grant_ous": ["OU=Chat,DC=contoso,DC=local"]}, answers=answers, diff=True)
    assert run.code == 0, run.output
    read, change = run.scripts
    assert read.startswith("Import-Module Lync\nImport-Module ActiveDirectory\n")
    assert "Get-ADGroupMember -Identity $g -Recursive" in read and "Get-CsUser -OU $_" in read
    assert "$null=New-CsPersistentChatPolicy -Identity $sid -EnablePersistentChat $true" in change
    assert change.index("New-CsPersistentChatPolicy") < change.index("Grant-CsPersistentChatPolicy")
    assert "$pn='PCEnabled'" in change
    assert run.output["granted"] == ["CN=A,OU=Chat,DC=contoso,DC=local"]
    assert run.output["not_lync_enabled"] == ["CN=F,DC=contoso,DC=local"]
    assert run.output["diff"]["after"]["granted"] == run.output["granted"]


def test_policy_nothing_to_grant_is_unchanged(monkeypatch, capsys):
    existing = {"Identity": "Tag:PCEnabled", "Description": None, "EnablePersistentChat": True}
    users = [{"Identity": "CN=B,DC=contoso,DC=local", "SipAddress": "sip:b@contoso.local", "PersistentChatPolicy": "pcenabled"}]
    run = run_module(policy, monkeypatch, capsys, {"scope": "tag:PCEnabled", "grant_users": ["sip:b@contoso.local"]},
                     answers=[{"items": [GLOBAL_POLICY, existing], "users": users}])
    assert run.output["changed"] is False and len(run.scripts) == 1


def test_policy_check_mode_lists_who_would_be_granted(monkeypatch, capsys):
    existing = {"Identity": "Tag:PCEnabled", "Description": None, "EnablePersistentChat": True}
    users = [{"Identity": "CN=B,DC=contoso,DC=local", "SipAddress": "sip:b@contoso.local", "PersistentChatPolicy": None}]
    run = run_module(policy, monkeypatch, capsys, {"scope": "PCEnabled", "grant_users": ["sip:b@contoso.local"]},
                     answers=[{"items": [existing], "users": users}], check=True)
    assert run.output["changed"] is True and run.output["granted"] == ["CN=B,DC=contoso,DC=local"]
    assert len(run.scripts) == 1 and "Grant-" not in run.scripts[0]


def test_policy_grants_need_a_tag_scope(monkeypatch, capsys):
    for args in ({"scope": "global", "grant_users": ["sip:a@b.c"]}, {"scope": "site:Redmond", "grant_ous": ["OU=x"]},
                 {"scope": "X", "grant_ous": ["not a dn"]}, {"scope": "X", "state": "absent", "grant_users": ["a"]}):
        run = run_module(policy, monkeypatch, capsys, args)
        assert run.code == 1 and run.clients == [], args
