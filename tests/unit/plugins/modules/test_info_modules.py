"""pool_info and legacy_info: the scripts they send, how they shape what comes back, and a whole module
run (argument parsing to exit_json) with a recording stand-in for the WinRM client."""
from __future__ import annotations

import base64
import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.lync.persistent_chat.plugins.module_utils import winrm as winrm_utils
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import SINGLE_QUOTES
from ansible_collections.lync.persistent_chat.plugins.modules import legacy_info, pool_info
from recording_client import RecordingClient, run_recorded

CONNECTION = {"winrm_host": "fe01.contoso.local", "winrm_scheme": "http", "winrm_user": "CONTOSO\\lyncadmin",
              "winrm_password": "Pw-Secret-1"}


def read_single_quoted(source, start):
    index, value = start + 1, []
    while True:
        char = source[index]
        if char in SINGLE_QUOTES:
            if index + 1 < len(source) and source[index + 1] in SINGLE_QUOTES:
                value.append(source[index + 1])
                index += 2
                continue
            return "".join(value), index + 1
        value.append(char)
        index += 1


# -- pool_info --------------------------------------------------------------------------------------

def test_pool_script_reads_every_section_once_with_documented_cmdlets():
    script = pool_info.build_script(set(pool_info.SECTIONS))
    lines = script.splitlines()
    assert lines[0] == "Import-Module Lync"
    for section, cmdlet in [("pools", "Get-CsService -PersistentChatServer|"), ("state", "Get-CsPersistentChatState|"),
                            ("configuration", "Get-CsPersistentChatConfiguration|"),
                            ("policies", "Get-CsPersistentChatPolicy|"),
                            ("compliance", "Get-CsPersistentChatComplianceConfiguration|"),
                            ("endpoints", "Get-CsPersistentChatEndpoint|"),
                            ("categories", "Get-CsPersistentChatCategory|"),
                            ("rooms", "Get-CsPersistentChatRoom -ResultSize 100000|"),
                            ("addins", "Get-CsPersistentChatAddin|")]:
        matching = [line for line in lines if line.startswith("$r['%s']=@(%s" % (section, cmdlet))]
        assert len(matching) == 1, (section, script)
    assert lines[-1] == "$r"
    # Enums and identities are cast to strings once, in shared calculated properties.
    assert "$pPoolState=@{Name='PoolState';Expression={[string]$_.PoolState}}" in lines
    assert "$pMembers=@{Name='Members';Expression={[string[]]$_.Members}}" in lines
    # Plain property names are quoted: after a $variable the list is parsed as an expression.
    assert "Select-Object -Property $pIdentity,'Name','Url',$pPersistentChatPoolFqdn)" in script


def test_pool_script_restricts_to_the_pool_through_one_literal():
    script = pool_info.build_script({"pools", "state", "rooms", "addins"}, "pc'pool.contoso.local", 50)
    lines = script.splitlines()
    assert lines[2] == "$pool='pc''pool.contoso.local'"
    assert "Get-CsService -PersistentChatServer -PoolFqdn $pool|" in script
    assert "Get-CsPersistentChatRoom -PersistentChatPoolFqdn $pool -ResultSize 50|" in script
    assert "Get-CsPersistentChatAddin -PersistentChatPoolFqdn $pool|" in script
    assert "Get-CsPersistentChatState|" in script
    assert "compliance" not in script and "Get-CsPersistentChatCategory" not in script


def test_shape_normalises_json_quirks_and_counts():
    raw = {
        "pools": {"Identity": "PersistentChatServer:pc.contoso.local", "PoolFqdn": "pc.contoso.local", "Version": 6},
        "state": [{"Identity": "PersistentChatServer:pc.contoso.local", "PoolState": "Normal"},
                  {"Identity": "service:other.contoso.local", "PoolState": "FailedOver"}],
        "rooms": [
            {"Identity": "pc\\A", "Name": "A", "Category": "pc\\IT", "Type": "Normal", "Disabled": False,
             "Members": "sip:one@contoso.local", "Managers": None, "Presenters": [], "Addin": ""},
            {"Identity": "pc\\B", "Name": "B", "Category": "pc\\IT", "Type": "Auditorium", "Disabled": True,
             "Members": ["sip:a@x", "sip:b@x"], "Managers": ["sip:m@x"], "Presenters": ["sip:p@x"], "Addin": "Wiki"},
        ],
    }
    result = pool_info.shape_result(raw, {"pools", "state", "rooms"}, max_rooms=2, pool_fqdn="PC.contoso.local")
    assert result["pools"][0]["PoolFqdn"] == "pc.contoso.local" and result["pools"][0]["SiteId"] is None
    assert [state["PoolState"] for state in result["state"]] == ["Normal"]
    first, second = result["rooms"]
    assert first["Members"] == ["sip:one@contoso.local"] and first["Managers"] == [] and first["Addin"] is None
    assert second["Presenters"] == ["sip:p@x"] and second["Addin"] == "Wiki"
    assert set(first) == {name for name, _kind in pool_info.PROPERTIES["rooms"]}
    assert result["rooms_truncated"] is True
    assert result["counts"] == {"pools": 1, "state": 1, "rooms": 2, "rooms_disabled": 1,
                                "rooms_per_category": {"pc\\IT": 2}}


def run_module(module, monkeypatch, args, answers, capsys):
    return run_recorded(module, monkeypatch, capsys, args, answers)


def test_pool_info_run_uses_one_client_and_closes_it(monkeypatch, capsys):
    answer = {"pools": [{"Identity": "PersistentChatServer:pcpool.contoso.local", "PoolFqdn": "pcpool.contoso.local"}],
              "addins": []}
    code, output = run_module(pool_info, monkeypatch, dict(CONNECTION, include=["pools", "addins"],
                                                           _ansible_check_mode=True), [answer], capsys)
    assert code == 0
    assert output["changed"] is False
    assert output["pools"][0]["PoolFqdn"] == "pcpool.contoso.local"
    assert output["counts"] == {"pools": 1, "addins": 0}
    (client,) = RecordingClient.runs
    assert len(client.scripts) == 1 and client.closed
    assert client.kwargs["host"] == "fe01.contoso.local" and client.kwargs["port"] is None


def test_pool_info_failure_names_host_step_and_cmdlet(monkeypatch, capsys):
    error = winrm_utils.PowerShellError("Get-CsService failed: access denied", cmdlet="Get-CsService")
    code, output = run_module(pool_info, monkeypatch, dict(CONNECTION), [error], capsys)
    assert code == 1
    assert output["msg"] == "fe01.contoso.local: read the Persistent Chat pool: Get-CsService failed: access denied"
    assert output["cmdlet"] == "Get-CsService"
    assert "Pw-Secret-1" not in json.dumps(output)
    assert RecordingClient.runs[0].closed


def test_pool_info_unknown_pool_fails(monkeypatch, capsys):
    code, output = run_module(pool_info, monkeypatch, dict(CONNECTION, pool_fqdn="nope.contoso.local",
                                                           include=["pools"]), [{"pools": []}], capsys)
    assert code == 1 and "no Persistent Chat pool nope.contoso.local" in output["msg"]


def test_pool_info_rejects_inverted_timeouts_before_connecting(monkeypatch, capsys):
    monkeypatch.setattr(winrm_utils, "Protocol", lambda **kwargs: pytest.fail("must not connect"))
    with patch_module_args(dict(CONNECTION, winrm_read_timeout=10, winrm_operation_timeout=20)):
        with pytest.raises(SystemExit):
            pool_info.main()
    output = json.loads(capsys.readouterr().out)
    assert "must be greater than winrm_operation_timeout" in output["msg"]


# -- legacy_info ------------------------------------------------------------------------------------

def test_legacy_script_reads_products_services_and_repository():
    script = legacy_info.build_script(set(legacy_info.SERVER_SECTIONS), ["*Group Chat*", "Lync*"],
                                      "\\\\gc01\\Group Chat's \u2019files\u2019")
    assert "$pchat['computer']=@(Get-CimInstance -ClassName 'Win32_ComputerSystem'|Select-Object -Property 'Name','Domain')" in script
    assert "Get-CimInstance -ClassName 'Win32_Product'|" in script
    assert ("Get-Service -DisplayName @('*Group Chat*', 'Lync*') -ErrorAction 'SilentlyContinue'|Select-Object -Property "
            "'Name','DisplayName',@{Name='Status';Expression={[string]$_.Status}})") in script
    repo_line = [line for line in script.splitlines() if line.startswith("$repo=")][0]
    start = repo_line.index("Path=") + len("Path=")
    value, _end = read_single_quoted(repo_line, start)
    assert value == "\\\\gc01\\Group Chat's \u2019files\u2019"


def test_legacy_script_leaves_out_what_is_not_asked():
    script = legacy_info.build_script({"product"}, ["*"], "\\\\x\\y")
    assert "Win32_Product" in script and "Get-Service" not in script and "Test-Path" not in script


@pytest.mark.parametrize("pattern, text, matches", [
    ("*Group Chat*", "Lync Server Group Chat Channel", True), ("*group chat*", "GROUP CHAT", True),
    ("Lync?", "Lync1", True), ("Lync?", "Lync", False), ("[x]", "[x]", True), ("a.b", "axb", False),
])
def test_wildcards_match_like_powershell(pattern, text, matches):
    assert legacy_info.wildcard_match(pattern, text) is matches


@pytest.mark.parametrize("name, version, expected", [
    ("Microsoft Lync Server 2010, Group Chat Server", "4.0.7577.0", "lync2010"),
    ("Microsoft Office Communications Server 2007 R2, Group Chat Server", "3.5.6907.0", "ocs2007r2"),
    ("Group Chat Admin Tool", "4.0.1.0", "lync2010"),
])
def test_products_are_recognised(name, version, expected):
    assert legacy_info.recognise_product([{"name": name, "version": version}], "Group Chat") == (expected, version)


def test_lookup_user_address_and_origin():
    assert legacy_info.lookup_address("ocschat@x.com", "y.com", "z.local") == ("sip:ocschat@x.com", "option")
    assert legacy_info.lookup_address("sip:gc@x.com", None, None) == ("sip:gc@x.com", "option")
    assert legacy_info.lookup_address(None, "y.com", "z.local") == ("sip:ocschat@y.com", "sip_domain")
    assert legacy_info.lookup_address(None, None, "z.local") == ("sip:ocschat@z.local", "computer")
    assert legacy_info.lookup_address(None, None, None) == (None, None)


def test_legacy_info_run_shapes_server_answers_and_skips_the_database(monkeypatch, capsys):
    answer = {
        "computer": [{"Name": "GC01", "Domain": "contoso.local"}],
        "products": [{"Name": "Microsoft Lync Server 2010, Group Chat Server", "Version": "4.0.7577.0",
                      "Vendor": "Microsoft Corporation", "IdentifyingNumber": "{A}"},
                     {"Name": "Microsoft SQL Server 2008 R2", "Version": "10.50", "Vendor": "Microsoft", "IdentifyingNumber": "{B}"}],
        "services": {"Name": "ChannelSvc", "DisplayName": "Lync Server Group Chat Channel", "Status": "Running"},
        "file_repository": {"Path": "\\\\gc01\\GroupChatFiles", "Exists": True, "Files": 3, "Bytes": None},
    }
    code, output = run_module(legacy_info, monkeypatch, dict(
        CONNECTION, file_repository="\\\\gc01\\GroupChatFiles", service_patterns=["*Group Chat*", "*Lookup*"]),
        [answer], capsys)
    assert code == 0, output
    assert output["computer"] == {"name": "GC01", "domain": "contoso.local"}
    assert [product["name"] for product in output["products"]] == ["Microsoft Lync Server 2010, Group Chat Server"]
    assert (output["product"], output["product_version"]) == ("lync2010", "4.0.7577.0")
    assert output["services"] == [{"name": "ChannelSvc", "display_name": "Lync Server Group Chat Channel", "status": "Running"}]
    assert output["unmatched_service_patterns"] == ["*Lookup*"]
    assert output["file_repository"] == {"path": "\\\\gc01\\GroupChatFiles", "exists": True, "files": 3, "bytes": 0}
    assert output["skipped"] == {"database": "no sql_connection_string, sql_server or sql_database given"}
    assert output["lookup_user"] == {"sip_address": "sip:ocschat@contoso.local", "derived_from": "computer",
                                     "principal": None}
    assert "database" not in output


def test_legacy_info_database_only_makes_no_winrm_connection(monkeypatch, capsys, tmp_path):
    import sqlite3
    path = tmp_path / "gc.db"
    with sqlite3.connect(path) as db:
        db.executescript("""
            CREATE TABLE tblNode (nodeID INTEGER PRIMARY KEY, nodeGuid TEXT, parentID INTEGER, nodeType BIT,
              nodeName TEXT, nodeDesc TEXT, disabled BIT);
            CREATE TABLE tblChat (channelId INTEGER, chatId BIGINT, chatDate BIGINT, userId INTEGER, content TEXT);
            CREATE TABLE tblSiopWhiteList (siopID TEXT, siopName TEXT, siopUrl TEXT);
            CREATE TABLE tblPrincipal (prinID INTEGER, prinUri TEXT, prinName TEXT, prinDisabled SMALLINT);
            INSERT INTO tblNode VALUES (1, 'g1', 1, 1, 'Root', NULL, NULL), (2, 'g2', 1, 0, 'Lobby', NULL, 1);
        """)
    code, output = run_module(legacy_info, monkeypatch, dict(
        CONNECTION, include=["database"], sql_driver="SQLite3", sql_database=str(path), sip_domain="contoso.local"),
        [], capsys)
    assert code == 0, output
    assert RecordingClient.runs == []
    assert output["database"]["counts"] == {"categories": 0, "rooms": 1, "disabled_rooms": 1, "addins": 0, "messages": 0,
                                            "content_chars": 0}
    assert output["database"]["rooms"] == [{"node_id": 2, "name": "Lobby", "category_id": 1, "disabled": True,
                                            "messages": 0}]
    assert output["lookup_user"]["derived_from"] == "sip_domain"


def test_encoded_command_round_trip():
    script = "Write-Output '\uc11c\uc6b8 \u2018x\u2019'"
    assert base64.b64decode(winrm_utils.encode_command(script)).decode("utf-16-le") == script
