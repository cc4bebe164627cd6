"""second_hop: which server a SQL instance or UNC path names, the one script it sends (each probe a literal
command in its own try/catch), how the server's answer becomes ok / refused / failed per hop, and whole module
runs with a recording stand-in for the WinRM client."""
from __future__ import annotations

import json

import pytest
import tree_sitter
import tree_sitter_powershell
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import SINGLE_QUOTES
from ansible_collections.lync.persistent_chat.plugins.module_utils.winrm import wrap_script
from ansible_collections.lync.persistent_chat.plugins.modules import second_hop
from recording_client import RecordingClient, run_recorded

CONNECTION = {"winrm_host": "fe01.contoso.local", "winrm_scheme": "http", "winrm_user": "CONTOSO\\lyncadmin",
              "winrm_password": "Pw-Secret-1", "winrm_transport": "ntlm"}
PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
ANONYMOUS = "Login failed for user 'NT AUTHORITY\\ANONYMOUS LOGON'."
FE01 = [{"Name": "FE01", "DNSHostName": "fe01", "Domain": "contoso.local", "PartOfDomain": True}]


def parse(script):
    tree = PARSER.parse(script.encode("utf-8"))
    assert not tree.root_node.has_error, script
    return tree


def count(tree, node_type):
    total, stack = 0, [tree.root_node]
    while stack:
        node = stack.pop()
        total += node.type == node_type
        stack.extend(node.children)
    return total


# -- which server a probe reaches ----------------------------------------------------------------------

@pytest.mark.parametrize("instance, host", [
    ("sql01.contoso.local\\GROUPCHAT", "sql01.contoso.local"),
    ("sql01", "sql01"),
    ("sql01.contoso.local,1433", "sql01.contoso.local"),
    ("tcp:sql01.contoso.local\\RTC", "sql01.contoso.local"),
    (".\\RTC", "."),
    ("(local)", "(local)"),
])
def test_the_server_of_an_instance(instance, host):
    assert second_hop.sql_host(instance) == host


@pytest.mark.parametrize("path, host", [
    ("\\\\gc01.contoso.local\\GroupChatFiles", "gc01.contoso.local"),
    ("\\\\fs01\\Backups\\sub\\", "fs01"),
    ("//fs01/Backups", "fs01"),
])
def test_the_server_of_a_unc_path(path, host):
    assert second_hop.unc_host(path) == host


@pytest.mark.parametrize("path", ["D:\\Migration", "\\\\fs01", "\\\\fs01\\", "\\\\?\\C:\\x", "share"])
def test_anything_but_a_unc_path_is_refused(path):
    with pytest.raises(ValueError):
        second_hop.unc_host(path)


def test_the_plan_names_every_bad_entry_at_once():
    with pytest.raises(ValueError) as error:
        second_hop.plan_probes([{"instance": " "}], [{"path": "D:\\Migration"}, {"path": "\\\\fs01\\ok"}])
    assert str(error.value) == ("sql: ' ' names no server; shares: D:\\Migration: not a UNC path (\\\\server\\share)")


def test_the_plan_keeps_sql_first_then_shares_in_order():
    probes = second_hop.plan_probes(
        [{"instance": "sql01\\GROUPCHAT", "database": "GroupChat", "purpose": "export"}],
        [{"path": "//gc01/GroupChatFiles", "purpose": None}, {"path": "\\\\fs01\\Backups"}])
    assert [(p["kind"], p["target"], p["to_host"], p["database"]) for p in probes] == [
        ("sql", "sql01\\GROUPCHAT", "sql01", "GroupChat"),
        ("share", "\\\\gc01\\GroupChatFiles", "gc01", None),
        ("share", "\\\\fs01\\Backups", "fs01", None)]


# -- the script ----------------------------------------------------------------------------------------

def test_one_script_reads_the_computer_and_tries_each_probe_on_its_own():
    probes = second_hop.plan_probes([{"instance": "sql01\\GROUPCHAT", "database": "GroupChat"},
                                     {"instance": "sql01\\RTC"}], [{"path": "\\\\gc01\\GroupChatFiles"}])
    script = second_hop.build_script(probes, 15)
    parse(wrap_script(script, depth=4))
    assert "Get-WmiObject -Class 'Win32_ComputerSystem'" in script
    assert ("Invoke-Sqlcmd -ServerInstance 'sql01\\GROUPCHAT' -Database 'GroupChat' -Query 'SELECT 1 AS ok' "
            "-QueryTimeout 15 -ConnectionTimeout 15|Out-Null") in script
    # Without a database the login's default database is used: no -Database at all.
    assert "Invoke-Sqlcmd -ServerInstance 'sql01\\RTC' -Query" in script
    assert "Get-ChildItem -LiteralPath '\\\\gc01\\GroupChatFiles'|Select-Object -First 1|Out-Null" in script
    assert script.count("try{") == 3 and script.count("catch{") == 3
    assert [("$r['probes']['%d']" % index) in script for index in range(3)] == [True] * 3


def test_the_script_only_reads():
    probes = second_hop.plan_probes([{"instance": "sql01\\GROUPCHAT"}], [{"path": "\\\\gc01\\GroupChatFiles"}])
    script = second_hop.build_script(probes, 15)
    commands = {node.text.decode().split()[0].split("|")[0] for node in _commands(parse(script))}
    assert commands <= {"Get-WmiObject", "Select-Object", "Invoke-Sqlcmd", "Out-Null", "Get-ChildItem"}, commands


def _commands(tree):
    stack, found = [tree.root_node], []
    while stack:
        node = stack.pop()
        if node.type == "command":
            found.append(node)
        stack.extend(node.children)
    return found


HOSTILE = st.text(alphabet=st.sampled_from(list(SINGLE_QUOTES) + list("a;|&$(){}`\"\n#@,-<>\\") + ["\u00e9"]),
                  min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(HOSTILE, HOSTILE, HOSTILE)
def test_hostile_instances_databases_and_paths_add_no_code(instance, database, rest):
    def script(inst, db, path):
        return second_hop.build_script(second_hop.plan_probes(
            [{"instance": "sql01\\" + inst, "database": db}], [{"path": "\\\\fs01\\share" + path}]), 15)
    baseline = parse(script("x", "y", "z"))
    hostile = parse(script(instance, database, rest))
    for node_type in ("command", "pipeline", "variable", "assignment_expression", "comment"):
        assert count(hostile, node_type) == count(baseline, node_type), (node_type, instance, database, rest)


# -- the answer ----------------------------------------------------------------------------------------

PROBES = second_hop.plan_probes(
    [{"instance": "sql01.contoso.local\\GROUPCHAT", "database": "GroupChat", "purpose": "export"},
     {"instance": "fe01\\RTCLOCAL"},
     {"instance": "sql01.contoso.local\\NOPE"}],
    [{"path": "\\\\gc01.contoso.local\\GroupChatFiles"},
     {"path": "\\\\FE01.contoso.local.\\D$"},
     {"path": "\\\\fs01.contoso.local\\Missing"},
     {"path": "\\\\fs01.contoso.local\\Backups"}])


def answer(**probes):
    return {"computer": FE01, "probes": probes}


def denied(message="Access is denied",
           error_id="ItemExistsUnauthorizedAccessError,Microsoft.PowerShell.Commands.GetChildItemCommand"):
    return {"ok": False, "error": message, "error_id": error_id}


def test_each_hop_is_ok_refused_or_failed_and_says_whether_it_crosses():
    result = second_hop.shape_result(answer(**{
        "0": {"ok": False, "error": ANONYMOUS,
              "error_id": "SqlExectionError,Microsoft.SqlServer.Management.PowerShell.GetScriptCommand"},
        "1": {"ok": True},
        "2": {"ok": False, "error": "Failed to connect to server sql01.contoso.local\\NOPE.",
              "error_id": "ConnectionFailure,Microsoft.SqlServer.Management.PowerShell.GetScriptCommand"},
        "3": denied(),
        "4": denied(),                       # the task's own host: a permission, not a hop
        "5": {"ok": False, "error": "Cannot find path '\\\\fs01.contoso.local\\Missing' because it does not exist.",
              "error_id": "PathNotFound,Microsoft.PowerShell.Commands.GetChildItemCommand"},
        "6": {"ok": True},
    }), PROBES, "ntlm")
    assert result["computer"] == {"name": "FE01", "fqdn": "fe01.contoso.local"}
    assert result["transport"] == "ntlm"
    assert [(h["to_host"], h["kind"], h["second_hop"], h["status"]) for h in result["hops"]] == [
        ("sql01.contoso.local", "sql", True, "refused"),
        ("fe01", "sql", False, "ok"),
        ("sql01.contoso.local", "sql", True, "failed"),
        ("gc01.contoso.local", "share", True, "refused"),
        ("FE01.contoso.local.", "share", False, "failed"),
        ("fs01.contoso.local", "share", True, "failed"),
        ("fs01.contoso.local", "share", True, "ok")]
    first = result["hops"][0]
    assert first == {"from_host": "fe01.contoso.local", "to_host": "sql01.contoso.local", "kind": "sql",
                     "target": "sql01.contoso.local\\GROUPCHAT", "database": "GroupChat", "purpose": "export",
                     "second_hop": True, "ok": False, "status": "refused", "error": ANONYMOUS,
                     "error_id": "SqlExectionError,Microsoft.SqlServer.Management.PowerShell.GetScriptCommand"}
    assert [h["target"] for h in result["refused"]] == [
        "sql01.contoso.local\\GROUPCHAT", "\\\\gc01.contoso.local\\GroupChatFiles"]
    assert [h["target"] for h in result["errors"]] == [
        "sql01.contoso.local\\NOPE", "\\\\FE01.contoso.local.\\D$", "\\\\fs01.contoso.local\\Missing"]
    assert result["hops"][1]["error"] is None and result["hops"][1]["error_id"] is None


def test_access_denied_from_sql_is_no_share_refusal_and_anonymous_on_a_share_is_none_either():
    """Each kind has its own refusal: a SQL error that mentions access is a failure of that instance."""
    probes = second_hop.plan_probes([{"instance": "sql01\\GROUPCHAT"}], [{"path": "\\\\gc01\\x"}])
    result = second_hop.shape_result(answer(**{
        "0": {"ok": False, "error": "Access is denied to database x.", "error_id": "SqlError,x"},
        "1": {"ok": False, "error": "The network path was not found", "error_id": "x"}}), probes, "credssp")
    assert [h["status"] for h in result["hops"]] == ["failed", "failed"]


def test_a_missing_answer_is_a_failure_not_a_pass():
    result = second_hop.shape_result(answer(), second_hop.plan_probes([], [{"path": "\\\\gc01\\x"}]), "ntlm")
    assert result["hops"][0]["status"] == "failed"
    assert result["hops"][0]["error"] == "the probe returned no answer"


def test_names_the_server_knows_itself_by_are_no_hop():
    probes = second_hop.plan_probes([{"instance": ".\\RTCLOCAL"}, {"instance": "(local)"},
                                     {"instance": "localhost\\X"}, {"instance": "FE01"}],
                                    [{"path": "\\\\fe01\\D$"}, {"path": "\\\\fe01-alias\\D$"}])
    result = second_hop.shape_result(answer(**{str(i): {"ok": True} for i in range(6)}), probes, "ntlm")
    assert [h["second_hop"] for h in result["hops"]] == [False, False, False, False, False, True]


# -- module runs ---------------------------------------------------------------------------------------

def run_module(monkeypatch, capsys, args, answers):
    return run_recorded(second_hop, monkeypatch, capsys, args, answers)


def test_check_mode_runs_the_same_one_round_trip_and_changes_nothing(monkeypatch, capsys):
    args = dict(CONNECTION, sql=[{"instance": "sql01\\GROUPCHAT", "database": "GroupChat"}],
                shares=[{"path": "\\\\gc01\\GroupChatFiles"}], _ansible_check_mode=True)
    code, output = run_module(monkeypatch, capsys, args, [answer(**{"0": {"ok": True}, "1": denied()})])
    assert code == 0 and output["changed"] is False
    assert output["transport"] == "ntlm"
    assert [h["status"] for h in output["hops"]] == ["ok", "refused"]
    (client,) = RecordingClient.runs
    assert len(client.scripts) == 1 and client.closed
    assert "Pw-Secret-1" not in json.dumps(output) and "Pw-Secret-1" not in client.scripts[0]


def test_a_refused_hop_does_not_fail_the_module(monkeypatch, capsys):
    """The caller decides (the preflight role fails with its own message); Ansible reads a 'failed' key as the
    task's outcome, so the failures are returned as 'errors'."""
    args = dict(CONNECTION, shares=[{"path": "\\\\gc01\\GroupChatFiles"}])
    code, output = run_module(monkeypatch, capsys, args, [answer(**{"0": denied()})])
    assert code == 0 and "failed" not in output
    assert len(output["refused"]) == 1 and output["errors"] == []


def test_bad_entries_fail_before_connecting(monkeypatch, capsys):
    code, output = run_module(monkeypatch, capsys, dict(CONNECTION, shares=[{"path": "D:\\Migration"}]), [])
    assert code == 1
    assert output["msg"] == ("fe01.contoso.local: check the options: shares: D:\\Migration: not a UNC path "
                             "(\\\\server\\share)")
    assert RecordingClient.runs == []


def test_nothing_to_probe_fails_before_connecting(monkeypatch, capsys):
    code, output = run_module(monkeypatch, capsys, dict(CONNECTION), [])
    assert code == 1 and "nothing to probe" in output["msg"] and RecordingClient.runs == []


def test_a_timeout_out_of_range_is_refused(monkeypatch, capsys):
    code, output = run_module(monkeypatch, capsys, dict(CONNECTION, sql=[{"instance": "sql01"}], sql_timeout=0), [])
    assert code == 1 and "sql_timeout must be between 1 and 65534" in output["msg"]
