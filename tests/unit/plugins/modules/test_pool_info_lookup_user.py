"""pool_info's lookup_user section, which the rollback reads to check that somebody holds the legacy lookup
address: the script line, how the answer is shaped, and whole module runs with a recording WinRM stand-in."""
from __future__ import annotations

import tree_sitter
import tree_sitter_powershell

from ansible_collections.lync.persistent_chat.plugins.module_utils import winrm as winrm_utils
from ansible_collections.lync.persistent_chat.plugins.modules import pool_info
from recording_client import RecordingClient, run_recorded

CONNECTION = {"winrm_host": "fe01.contoso.local", "winrm_scheme": "http", "winrm_user": "CONTOSO\\lyncadmin",
              "winrm_password": "Pw-Secret-1"}
PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
USER = {"Identity": "CN=Group Chat Lookup,OU=Service Accounts,DC=contoso,DC=local", "SipAddress": "sip:ocschat@contoso.local",
        "DisplayName": "Group Chat Lookup", "SamAccountName": "ocschat", "UserPrincipalName": "ocschat@contoso.local",
        "Enabled": True, "RegistrarPool": "pool2010.contoso.local",
        "DistinguishedName": "CN=Group Chat Lookup,OU=Service Accounts,DC=contoso,DC=local"}


def test_the_lookup_user_is_read_only_when_asked_for_and_the_filter_cannot_be_widened():
    assert "Get-CsAdUser" not in pool_info.build_script(set(pool_info.SECTIONS))
    script = pool_info.build_script({"endpoints", "lookup_user"}, lookup_sip="sip:oc*(chat)@contoso.local")
    assert "Get-CsAdUser -LdapFilter '(msRTCSIP-PrimaryUserAddress=sip:oc\\2a\\28chat\\29@contoso.local)'" in script
    assert "$r['lookup_user']=$null" in script and script.splitlines()[-1] == "$r"
    assert PARSER.parse(winrm_utils.wrap_script(script, depth=6).encode()).root_node.has_error is False


def test_nobody_holding_the_address_is_null():
    assert pool_info.shape_result({"lookup_user": None}, {"lookup_user"}, 10) == {"lookup_user": None, "counts": {}}
    assert pool_info.shape_result({}, {"lookup_user"}, 10)["lookup_user"] is None


def run_module(monkeypatch, capsys, args, answers):
    return run_recorded(pool_info, monkeypatch, capsys, args, answers)


def test_a_run_returns_the_user_and_the_endpoints_in_one_round_trip(monkeypatch, capsys):
    code, output = run_module(monkeypatch, capsys, dict(CONNECTION, include=["endpoints", "lookup_user"],
                                                        lookup_sip="ocschat@contoso.local"),
                              [{"endpoints": [], "lookup_user": USER}])
    assert code == 0 and output["changed"] is False
    assert output["lookup_user"] == USER and output["endpoints"] == []
    (client,) = RecordingClient.runs
    assert len(client.scripts) == 1 and "(msRTCSIP-PrimaryUserAddress=sip:ocschat@contoso.local)" in client.scripts[0]


def test_without_the_address_the_section_fails_before_connecting(monkeypatch, capsys):
    code, output = run_module(monkeypatch, capsys, dict(CONNECTION, include=["lookup_user"]), [])
    assert code == 1 and "lookup_user needs lookup_sip" in output["msg"]
    assert RecordingClient.runs == []
