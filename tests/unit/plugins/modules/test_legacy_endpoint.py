"""legacy_endpoint: planning (present/absent), the order of changes, whole runs."""
from __future__ import annotations

from steps_harness import run

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
