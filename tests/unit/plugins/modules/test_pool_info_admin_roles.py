"""pool_info's admin_roles section: whose roles it asks for, the script line, how the answer is shaped,
and whole module runs with a recording stand-in for the WinRM client."""
from __future__ import annotations


import pytest
import tree_sitter
import tree_sitter_powershell
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.lync.persistent_chat.plugins.module_utils import winrm as winrm_utils
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import SINGLE_QUOTES
from ansible_collections.lync.persistent_chat.plugins.modules import pool_info
from recording_client import RecordingClient, run_recorded

CONNECTION = {"winrm_host": "fe01.contoso.local", "winrm_scheme": "http", "winrm_user": "CONTOSO\\lyncadmin",
              "winrm_password": "Pw-Secret-1"}
PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))


@pytest.mark.parametrize("given, sam", [
    ("lyncadmin", "lyncadmin"),
    ("CONTOSO\\lyncadmin", "lyncadmin"),
    ("contoso.local\\lyncadmin", "lyncadmin"),
    ("lyncadmin@contoso.local", "lyncadmin"),
    (" CONTOSO\\Ken Myer ", "Ken Myer"),
    ("", ""),
    (None, ""),
    ("CONTOSO\\", ""),
])
def test_the_account_is_reduced_to_its_sam_account_name(given, sam):
    assert pool_info.sam_account_name(given) == sam


def test_admin_roles_are_read_only_when_asked_for():
    assert "Get-CsAdminRoleAssignment" not in pool_info.build_script(set(pool_info.SECTIONS))
    script = pool_info.build_script({"pools", "admin_roles"}, admin_user="lyncadmin")
    lines = script.splitlines()
    assert lines[0] == "Import-Module Lync" and lines[-1] == "$r"
    assert lines[-2] == "$r['admin_roles']=@(Get-CsAdminRoleAssignment -Identity 'lyncadmin'|ForEach-Object {[string]$_})"
    assert PARSER.parse(winrm_utils.wrap_script(script, depth=6).encode()).root_node.has_error is False


def _count(tree, node_type):
    total, stack = 0, [tree.root_node]
    while stack:
        node = stack.pop()
        total += node.type == node_type
        stack.extend(node.children)
    return total


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(SINGLE_QUOTES) + list("a;|&$(){}`\"\n#@,-<>") + ["\u00e9"]),
               min_size=1, max_size=30))
def test_a_hostile_user_name_adds_no_code(value):
    baseline = PARSER.parse(pool_info.build_script({"admin_roles"}, admin_user="x").encode())
    hostile = PARSER.parse(pool_info.build_script({"admin_roles"}, admin_user=value).encode())
    assert not hostile.root_node.has_error
    for node_type in ("command", "pipeline", "variable", "assignment_expression", "comment"):
        assert _count(hostile, node_type) == _count(baseline, node_type), (node_type, value)


@pytest.mark.parametrize("raw_roles, roles", [
    (["CsAdministrator", "CsPersistentChatAdministrator"], ["CsAdministrator", "CsPersistentChatAdministrator"]),
    ("CsPersistentChatAdministrator", ["CsPersistentChatAdministrator"]),   # one element arrives bare
    ([], []),
    (None, []),
])
def test_roles_are_a_list_of_names_with_the_user_and_a_count(raw_roles, roles):
    result = pool_info.shape_result({"admin_roles": raw_roles}, {"admin_roles"}, 10, admin_user="lyncadmin")
    assert result == {"admin_roles": roles, "admin_user": "lyncadmin", "counts": {"admin_roles": len(roles)}}


# -- module runs ---------------------------------------------------------------------------------------

def run_module(monkeypatch, capsys, args, answers):
    return run_recorded(pool_info, monkeypatch, capsys, args, answers)


def test_by_default_the_roles_are_those_of_the_logon_account(monkeypatch, capsys):
    code, output = run_module(monkeypatch, capsys, dict(CONNECTION, include=["admin_roles"], _ansible_check_mode=True),
                              [{"admin_roles": ["CsPersistentChatAdministrator"]}])
    assert code == 0 and output["changed"] is False
    assert output["admin_user"] == "lyncadmin"
    assert output["admin_roles"] == ["CsPersistentChatAdministrator"]
    (client,) = RecordingClient.runs
    assert "Get-CsAdminRoleAssignment -Identity 'lyncadmin'|" in client.scripts[0] and client.closed


def test_an_explicit_admin_user_wins_over_the_logon_account(monkeypatch, capsys):
    code, output = run_module(monkeypatch, capsys, dict(CONNECTION, include=["admin_roles", "pools"],
                                                        admin_user="readonly@contoso.local"),
                              [{"pools": [], "admin_roles": []}])
    assert code == 0
    assert (output["admin_user"], output["admin_roles"], output["counts"]) == (
        "readonly", [], {"pools": 0, "admin_roles": 0})
    assert "-Identity 'readonly'|" in RecordingClient.runs[0].scripts[0]


def test_without_any_user_name_the_section_fails_before_connecting(monkeypatch, capsys):
    args = {key: value for key, value in CONNECTION.items() if key not in ("winrm_user", "winrm_password")}
    code, output = run_module(monkeypatch, capsys, dict(args, include=["admin_roles"]), [])
    assert code == 1 and "admin_roles needs admin_user" in output["msg"]
    assert RecordingClient.runs == []


def test_an_unknown_account_fails_with_lyncs_error(monkeypatch, capsys):
    error = winrm_utils.PowerShellError('Get-CsAdminRoleAssignment failed: Management object not found for identity '
                                        '"nobody".', cmdlet="Get-CsAdminRoleAssignment")
    code, output = run_module(monkeypatch, capsys, dict(CONNECTION, include=["admin_roles"], admin_user="nobody"),
                              [error])
    assert code == 1 and output["cmdlet"] == "Get-CsAdminRoleAssignment"
    assert output["msg"].startswith("fe01.contoso.local: read the Persistent Chat pool: Get-CsAdminRoleAssignment")
