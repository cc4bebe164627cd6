"""legacy_endpoint: planning (present/absent, and restore_user for the rollback), the order of changes, whole runs."""
from __future__ import annotations

import pytest
import tree_sitter
import tree_sitter_powershell
from steps_harness import run

from ansible_collections.lync.persistent_chat.plugins.module_utils.winrm import wrap_script
from ansible_collections.lync.persistent_chat.plugins.module_utils import lookup_user
from ansible_collections.lync.persistent_chat.plugins.modules import legacy_endpoint

SIP = "sip:ocschat@contoso.local"
USER = {"Identity": "CN=L,DC=c", "DistinguishedName": "CN=L,DC=c", "SamAccountName": "ocschat", "SipAddress": SIP}
ENDPOINT = {"Identity": "CN={1},CN=Application Contacts", "SipAddress": "SIP:OCSchat@contoso.local",
            "DisplayName": "Lookup", "PersistentChatPoolFqdn": "pc.contoso.local"}


def params(**extra):
    base = {"sip_address": SIP, "pool_fqdn": "PC.contoso.local", "display_name": None, "state": "present"}
    base.update(extra)
    return base


def test_plans():
    assert legacy_endpoint.plan(params(), SIP, None, USER) == [("remove_user", "CN=L,DC=c"), ("create_endpoint", SIP)]
    assert legacy_endpoint.plan(params(), SIP, ENDPOINT, None) == []
    assert legacy_endpoint.plan(params(display_name="New"), SIP, ENDPOINT, None) == [
        ("remove_endpoint", ENDPOINT["Identity"]), ("create_endpoint", SIP)]
    assert legacy_endpoint.plan(params(state="absent"), SIP, ENDPOINT, None) == [("remove_endpoint", ENDPOINT["Identity"])]
    assert legacy_endpoint.plan(params(state="absent"), SIP, None, USER) == []
    assert legacy_endpoint.find_endpoint([ENDPOINT], SIP) is ENDPOINT
    assert legacy_endpoint.sip_uri("a@b") == "sip:a@b" and legacy_endpoint.sip_uri("SIP:a@b") == "SIP:a@b"


def test_user_goes_before_the_endpoint_comes():
    actions = [("remove_user", "CN=L,DC=c"), ("create_endpoint", SIP)]
    script = legacy_endpoint.change_script(params(display_name="it's"), actions, SIP)
    assert script.index("Remove-ADUser -Identity 'CN=L,DC=c' -Confirm:$false") < script.index(
        "New-CsPersistentChatEndpoint -SipAddress 'sip:ocschat@contoso.local' -PersistentChatPoolFqdn "
        "'PC.contoso.local' -DisplayName 'it''s'")
    assert "Import-Module ActiveDirectory" in script


def test_ldap_value_escapes_what_rfc_4515_reserves():
    # RFC 4515 section 3: "*", "(", ")", "\\" and NUL are written as "\\" and two hex digits.
    assert lookup_user.ldap_value("a*b(c)d\\e\x00f") == "a\\2ab\\28c\\29d\\5ce\\00f"
    assert lookup_user.ldap_value("sip:Lu\u010di\u0107@contoso.local") == "sip:Lu\u010di\u0107@contoso.local"


def test_the_user_is_read_by_an_ldap_filter_no_error_id_is_matched():
    hostile = "sip:a*(b)\\c'\x00d@contoso.local"
    script = legacy_endpoint.read_script(hostile)
    assert ("$u=Get-CsAdUser -LdapFilter '(msRTCSIP-PrimaryUserAddress=sip:a\\2a\\28b\\29\\5cc''\\00d@contoso.local)' "
            "-ErrorAction 'Stop'|Select-Object -First 1") in script
    assert "FullyQualifiedErrorId" not in script and "catch" not in script and "-Identity" not in script
    assert "\x00" not in script
    assert_parses(script)


def test_run_records_the_user_even_when_the_change_fails(monkeypatch, capsys):
    from ansible_collections.lync.persistent_chat.plugins.module_utils.winrm import PowerShellError
    error = PowerShellError("New-CsPersistentChatEndpoint failed: no", cmdlet="New-CsPersistentChatEndpoint")
    code, out, client = run(legacy_endpoint, monkeypatch, capsys, params(), [{"endpoints": [], "user": USER}, error])
    assert code == 1 and out["removed_user"]["SamAccountName"] == "ocschat"
    assert client.idempotent == [True, False]


def test_present_and_in_place_is_one_round_trip(monkeypatch, capsys):
    code, out, client = run(legacy_endpoint, monkeypatch, capsys, params(), [{"endpoints": ENDPOINT, "user": None}])
    assert code == 0 and out["changed"] is False and len(client.scripts) == 1 and "removed_user" not in out


def test_pool_is_required_when_present(monkeypatch, capsys):
    code, out, client = run(legacy_endpoint, monkeypatch, capsys, {"sip_address": SIP}, [])
    assert code == 1 and "pool_fqdn" in out["msg"] and client.scripts == []


# -- restore_user: the rollback brings the lookup user back from the AD recycle bin -----------------------

GUID_OLD, GUID_NEW = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
LIVE_USER = dict(USER, DistinguishedName="CN=Group Chat Lookup,OU=Service Accounts,DC=c", Identity="CN=Group Chat Lookup")


def deleted(guid, when, **extra):
    record = {"ObjectGUID": guid, "DistinguishedName": "CN=Group Chat Lookup\nDEL:%s,CN=Deleted Objects,DC=c" % guid,
              "sAMAccountName": "ocschat", "LastKnownParent": "OU=Service Accounts,DC=c",
              "msDS-LastKnownRDN": "Group Chat Lookup", "whenChanged": when, "isDeleted": True, "Deleted": True,
              "msRTCSIP-PrimaryUserAddress": "SIP:ocschat@contoso.local"}
    record.update(extra)
    return record


DELETED = [deleted(GUID_OLD, "2023-01-02T10:00:00.0000000Z"), deleted(GUID_NEW, "2024-05-04T22:10:00.0000000Z")]


def rollback(**extra):
    return params(state="absent", pool_fqdn=None, restore_user="ocschat", **extra)


def rollback_args(**extra):
    return {"sip_address": SIP, "state": "absent", "restore_user": "ocschat", **extra}


def test_restore_plans_the_newest_deleted_object_after_the_endpoint():
    assert legacy_endpoint.plan(rollback(), SIP, ENDPOINT, None, DELETED) == [
        ("remove_endpoint", ENDPOINT["Identity"]), ("restore_user", GUID_NEW)]
    assert legacy_endpoint.plan(rollback(), SIP, None, None, DELETED[:1]) == [("restore_user", GUID_OLD)]
    # The string form PowerShell may give a boolean still counts.
    assert legacy_endpoint.plan(rollback(), SIP, None, None, [deleted(GUID_OLD, "x", isDeleted="True", Deleted=None)]) \
        == [("restore_user", GUID_OLD)]


def test_a_live_user_holding_the_address_needs_no_restore():
    assert legacy_endpoint.plan(rollback(), SIP, None, LIVE_USER, []) == []
    assert legacy_endpoint.plan(rollback(), SIP, ENDPOINT, LIVE_USER, []) == [("remove_endpoint", ENDPOINT["Identity"])]


def test_nothing_to_restore_or_a_clash_is_refused():
    nothing = "no deleted object with sAMAccountName ocschat .*recycle bin is off, or the object is past its deleted"
    with pytest.raises(legacy_endpoint.PlanError, match=nothing):
        legacy_endpoint.plan(rollback(), SIP, ENDPOINT, None, [])
    # A tombstone (recycle bin off) kept no SIP address: restoring it would not bring the lookup user back.
    tombstone = deleted(GUID_NEW, "2025-01-01T00:00:00.0000000Z", **{"msRTCSIP-PrimaryUserAddress": None})
    with pytest.raises(legacy_endpoint.PlanError, match="no longer holds sip:ocschat@contoso.local: it is a tombstone"):
        legacy_endpoint.plan(rollback(), SIP, ENDPOINT, None, [tombstone])
    # ... and a newer tombstone does not hide an older deleted object that still holds the address.
    assert legacy_endpoint.plan(rollback(), SIP, None, None, [tombstone, DELETED[0]]) == [("restore_user", GUID_OLD)]
    live = deleted(GUID_OLD, "x", isDeleted=None, Deleted=False, DistinguishedName="CN=Someone else,DC=c")
    with pytest.raises(legacy_endpoint.PlanError, match=r"a live object with sAMAccountName ocschat exists \(CN=Someone else"):
        legacy_endpoint.plan(rollback(), SIP, ENDPOINT, None, [live] + DELETED)


@pytest.mark.parametrize("name", ['oc"schat', "a\\b", "x]", "a,b", "ocs@chat", "tab\there", ""])
def test_names_that_cannot_be_a_sam_account_name_are_refused(name):
    assert legacy_endpoint.sam_error(name)


def test_read_script_looks_the_deleted_object_up_with_the_user():
    script = legacy_endpoint.read_script(SIP, "o'cschat")
    assert script.splitlines()[:2] == ["Import-Module Lync", "Import-Module ActiveDirectory"]
    assert ("Get-ADObject -Filter 'sAMAccountName -eq \"o''cschat\"' -IncludeDeletedObjects -Properties "
            "@('sAMAccountName', 'LastKnownParent', 'msDS-LastKnownRDN', 'whenChanged', 'isDeleted', "
            "'msRTCSIP-PrimaryUserAddress')") in script
    assert "$_.whenChanged.ToUniversalTime().ToString('o')" in script
    assert script.index("Get-CsAdUser") < script.index("Get-ADObject")
    assert_parses(legacy_endpoint.read_script(SIP, "o'cschat"))
    assert "Get-ADObject" not in legacy_endpoint.read_script(SIP)
    assert "ActiveDirectory" not in legacy_endpoint.read_script(SIP)


def test_change_script_frees_the_address_then_restores_then_reads_the_user():
    actions = [("remove_endpoint", ENDPOINT["Identity"]), ("restore_user", GUID_NEW)]
    script = legacy_endpoint.change_script(rollback(), actions, SIP)
    assert "Import-Module ActiveDirectory" in script
    assert script.index("Remove-CsPersistentChatEndpoint -Identity") < \
        script.index("Restore-ADObject -Identity '%s' -Confirm:$false" % GUID_NEW) < script.index("Get-CsAdUser")
    assert_parses(script)


def assert_parses(script):
    wrapped = wrap_script(script, depth=4)
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
    assert not parser.parse(wrapped.encode("utf-8")).root_node.has_error, wrapped


def test_escape_rdn_and_where_the_user_comes_back():
    assert legacy_endpoint.escape_rdn("Lookup, Group Chat") == "Lookup\\, Group Chat"
    assert legacy_endpoint.escape_rdn(" #x ") == "\\ #x\\ "
    assert legacy_endpoint.restored_dn(DELETED[1]) == "CN=Group Chat Lookup,OU=Service Accounts,DC=c"
    assert legacy_endpoint.restored_dn({"msDS-LastKnownRDN": None}) is None


def test_rollback_run_removes_the_endpoint_and_returns_the_restored_user(monkeypatch, capsys):
    read = {"endpoints": [ENDPOINT], "user": None, "ad_objects": DELETED}
    done = {"endpoints": [], "user": LIVE_USER}
    code, out, client = run(legacy_endpoint, monkeypatch, capsys, rollback_args(), [read, done])
    assert code == 0 and out["changed"] is True and len(client.scripts) == 2 and client.idempotent == [True, False]
    assert out["actions"] == ["remove endpoint " + ENDPOINT["Identity"],
                              "restore user %s from the Active Directory recycle bin" % GUID_NEW]
    assert out["restored_user"]["SamAccountName"] == "ocschat" and out["deleted_user"]["ObjectGUID"] == GUID_NEW
    assert out["endpoint"] is None
    assert out["diff"] == {"before": {"user": None, "endpoint": ENDPOINT},
                           "after": {"user": LIVE_USER["DistinguishedName"], "endpoint": None}}


def test_rollback_in_check_mode_reads_once_and_says_where_the_user_would_come_back(monkeypatch, capsys):
    read = {"endpoints": [ENDPOINT], "user": None, "ad_objects": DELETED[1]}
    code, out, client = run(legacy_endpoint, monkeypatch, capsys, rollback_args(), [read], check_mode=True)
    assert code == 0 and out["changed"] is True and len(client.scripts) == 1
    assert out["diff"]["after"] == {"user": "CN=Group Chat Lookup,OU=Service Accounts,DC=c", "endpoint": None}
    assert out["deleted_user"]["ObjectGUID"] == GUID_NEW and "restored_user" not in out


def test_rollback_rerun_with_the_user_back_changes_nothing(monkeypatch, capsys):
    read = {"endpoints": [], "user": LIVE_USER, "ad_objects": []}
    code, out, client = run(legacy_endpoint, monkeypatch, capsys, rollback_args(), [read])
    assert code == 0 and out["changed"] is False and out["actions"] == [] and len(client.scripts) == 1


def test_rollback_without_a_deleted_object_fails_having_changed_nothing(monkeypatch, capsys):
    read = {"endpoints": [ENDPOINT], "user": None, "ad_objects": None}
    code, out, client = run(legacy_endpoint, monkeypatch, capsys, rollback_args(), [read])
    assert code == 1 and out["changed"] is False and len(client.scripts) == 1
    assert out["msg"].startswith("fe01.contoso.local: plan the changes: restore_user: no deleted "
                                 "object with sAMAccountName ocschat")
    assert "Restore the user by hand" in out["msg"]


def test_a_restore_that_leaves_no_user_with_the_address_fails_as_changed(monkeypatch, capsys):
    read = {"endpoints": [], "user": None, "ad_objects": DELETED}
    code, out, client = run(legacy_endpoint, monkeypatch, capsys, rollback_args(), [read, {"endpoints": [], "user": None}])
    assert code == 1 and out["changed"] is True and "Get-CsAdUser finds no user with " + SIP in out["msg"]


@pytest.mark.parametrize("args, text", [
    ({"sip_address": SIP, "pool_fqdn": "pc.contoso.local", "restore_user": "ocschat"}, "restore_user is only for state=absent"),
    (rollback_args(restore_user='oc"schat'), "characters a sAMAccountName cannot hold: \""),
])
def test_restore_user_option_errors_fail_before_any_round_trip(monkeypatch, capsys, args, text):
    code, out, client = run(legacy_endpoint, monkeypatch, capsys, args, [])
    assert code == 1 and text in out["msg"] and client.scripts == []
