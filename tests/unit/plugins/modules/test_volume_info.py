"""volume_info: how paths are read, the script it sends, how the server's answer becomes one volume entry
per path, and whole module runs with a recording stand-in for the WinRM client."""
from __future__ import annotations

import json
import re

import pytest
import tree_sitter
import tree_sitter_powershell
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.lync.persistent_chat.plugins.module_utils import winrm as winrm_utils
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import SINGLE_QUOTES
from ansible_collections.lync.persistent_chat.plugins.modules import volume_info
from recording_client import RecordingClient, run_recorded

CONNECTION = {"winrm_host": "fs01.contoso.local", "winrm_scheme": "http", "winrm_user": "CONTOSO\\lyncadmin",
              "winrm_password": "Pw-Secret-1"}
GB = 1024 ** 3
PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))


def fs01_answer(**overrides):
    """What FS01 answers: D: holds the shares LyncShare and Backups; Z: is a mapped network drive."""
    answer = {
        "computer": [{"Name": "FS01", "DNSHostName": "fs01", "Domain": "contoso.local", "PartOfDomain": True}],
        "disks": [{"DeviceID": "C:", "DriveType": 3, "Size": 120 * GB, "FreeSpace": 80 * GB},
                  {"DeviceID": "D:", "DriveType": 3, "Size": 1000 * GB, "FreeSpace": 900 * GB},
                  {"DeviceID": "E:", "DriveType": 5, "Size": None, "FreeSpace": None},
                  {"DeviceID": "Z:", "DriveType": 4, "Size": 10 * GB, "FreeSpace": 5 * GB}],
        "exists": [],
        "shares": [{"Name": "LyncShare", "Path": "D:\\LyncShare", "Type": 0},
                   {"Name": "D$", "Path": "D:\\", "Type": 2147483648},
                   {"Name": "IPC$", "Path": "", "Type": 2147483651}],
        "share_exists": [],
    }
    answer.update(overrides)
    return answer


def shape(paths, **overrides):
    return volume_info.shape_result(fs01_answer(**overrides), volume_info.parse_paths(paths))


# -- paths ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("given, drive, path", [
    ("D:\\Migration", "D:", "D:\\Migration"),
    ("d:\\Migration\\", "D:", "D:\\Migration"),
    ("D:", "D:", "D:\\"),
    ("D:\\", "D:", "D:\\"),
    ("D:/Migration/2024", "D:", "D:\\Migration\\2024"),
])
def test_local_paths_name_their_drive(given, drive, path):
    parsed = volume_info.parse_path(given)
    assert isinstance(parsed, volume_info.LocalPath)
    assert (parsed.given, parsed.drive, parsed.path) == (given, drive, path)


@pytest.mark.parametrize("given, server, share, rest", [
    ("\\\\fs01.contoso.local\\LyncShare\\sub", "fs01.contoso.local", "LyncShare", "sub"),
    ("\\\\fs01\\LyncShare", "fs01", "LyncShare", ""),
    ("\\\\fs01\\LyncShare\\", "fs01", "LyncShare", ""),
    ("\\\\fs01\\D$\\Migration\\x\\", "fs01", "D$", "Migration\\x"),
    ("//fs01/Backups/2024", "fs01", "Backups", "2024"),
])
def test_unc_paths_are_split_into_server_share_and_rest(given, server, share, rest):
    parsed = volume_info.parse_path(given)
    assert isinstance(parsed, volume_info.UncPath)
    assert (parsed.server, parsed.share, parsed.rest) == (server, share, rest)


@pytest.mark.parametrize("given, says", [
    ("Migration", "not an absolute local path"),
    ("D:Migration", "not an absolute local path"),
    ("\\Migration", "not an absolute local path"),
    ("\\\\fs01", "needs a server and a share"),
    ("\\\\fs01\\", "needs a server and a share"),
    ("\\\\?\\D:\\Migration", "without the"),
    ("\\\\.\\PhysicalDrive0", "without the"),
    ("  ", "an empty path"),
    ("D:\\Migration\\a|b", "cannot hold '|'"),
    ("D:\\Migration:stream", "cannot hold ':'"),
    ("\\\\fs01\\Lync*\\x", "cannot hold '*'"),
    ("\\\\fs01\\LyncShare\\line\nbreak", "cannot hold '\\n'"),
])
def test_malformed_paths_are_refused(given, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        volume_info.parse_path(given)


def test_every_malformed_path_is_named_at_once():
    with pytest.raises(ValueError) as error:
        volume_info.parse_paths(["D:\\ok", "rel", "\\\\fs01"])
    assert "rel:" in str(error.value) and "\\\\fs01:" in str(error.value) and "D:\\ok" not in str(error.value)


# -- script --------------------------------------------------------------------------------------------

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


def test_script_reads_computer_drives_and_tests_local_paths_only_when_no_unc_path():
    script = volume_info.build_script(volume_info.parse_paths(["D:\\Migration", "C:"]))
    lines = script.splitlines()
    assert lines[0] == "$r=[ordered]@{}" and lines[-1] == "$r"
    assert "$r['computer']=@(Get-WmiObject -Class 'Win32_ComputerSystem'|Select-Object -Property " \
           "'Name','DNSHostName','Domain','PartOfDomain')" in lines
    assert "$r['disks']=@(Get-WmiObject -Class 'Win32_LogicalDisk'|Select-Object -Property " \
           "'DeviceID','DriveType','Size','FreeSpace')" in lines
    assert "$r['exists']=@(foreach($p in @('D:\\Migration', 'C:\\')){Test-Path -LiteralPath $p})" in lines
    # Without a UNC path the server's shares are not read at all.
    assert "Win32_Share" not in script
    parse(winrm_utils.wrap_script(script, depth=4))


def test_script_reads_only_the_named_shares_through_literals():
    script = volume_info.build_script(volume_info.parse_paths(
        ["\\\\fs01\\LyncShare\\sub", "\\\\fs01\\lyncshare", "\\\\gc01\\GroupChatFiles", "D:\\x"]))
    lines = script.splitlines()
    assert "$names=@('LyncShare', 'GroupChatFiles')" in lines
    assert "$shares=@(Get-WmiObject -Class 'Win32_Share'|Where-Object {$names -contains $_.Name})" in lines
    assert ("@([ordered]@{'share' = 'LyncShare'; 'rest' = 'sub'}, [ordered]@{'share' = 'lyncshare'; 'rest' = ''}, "
            "[ordered]@{'share' = 'GroupChatFiles'; 'rest' = ''})") in script
    assert "$r['exists']=@(foreach($p in @('D:\\x')){Test-Path -LiteralPath $p})" in lines
    parse(winrm_utils.wrap_script(script, depth=4))


HOSTILE = st.text(alphabet=st.sampled_from(list(SINGLE_QUOTES) + list("a;|&$(){}`\"\n#@,-<>") + ["\u00e9"]),
                  min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(HOSTILE, HOSTILE, HOSTILE)
def test_hostile_path_parts_add_no_code(folder, share, rest):
    # Built directly: parse_path would refuse most of these characters before any script is written.
    def script(folder, share, rest):
        return volume_info.build_script([volume_info.LocalPath(folder, "D:", "D:\\" + folder),
                                         volume_info.UncPath(share, "fs01", share, rest)])
    baseline = parse(script("x", "s", "r"))
    hostile = parse(script(folder, share, rest))
    for node_type in ("command", "pipeline", "variable", "assignment_expression", "comment"):
        assert count(hostile, node_type) == count(baseline, node_type), (node_type, folder, share, rest)


# -- shaping -------------------------------------------------------------------------------------------

def test_local_paths_get_their_drive_whether_or_not_they_exist():
    result = shape(["D:\\Migration", "c:\\"], exists=[False, True])
    assert result["computer"] == {"name": "FS01", "fqdn": "fs01.contoso.local"}
    assert result["volumes"] == [
        {"path": "D:\\Migration", "exists": False, "resolved": True, "local_path": "D:\\Migration", "drive": "D:",
         "size_bytes": 1000 * GB, "free_bytes": 900 * GB, "reason": None},
        {"path": "c:\\", "exists": True, "resolved": True, "local_path": "C:\\", "drive": "C:",
         "size_bytes": 120 * GB, "free_bytes": 80 * GB, "reason": None},
    ]


def test_drives_that_hold_no_local_space_are_not_resolved():
    missing, network, empty = shape(["Q:\\x", "Z:\\x", "E:\\"], exists=[False, True, False])["volumes"]
    assert (missing["resolved"], missing["drive"], missing["size_bytes"]) == (False, "Q:", None)
    assert missing["reason"] == "no drive Q: on FS01"
    assert network["resolved"] is False and "network drive" in network["reason"] and network["free_bytes"] is None
    assert empty["resolved"] is False and "reports no size" in empty["reason"]


@pytest.mark.parametrize("server", ["fs01", "FS01", "fs01.contoso.local", "FS01.CONTOSO.LOCAL.", "localhost"])
def test_unc_paths_of_this_computer_go_through_the_share_folder(server):
    (volume,) = shape(["\\\\%s\\LyncShare\\1-PersistentChatService-1" % server], share_exists=[True])["volumes"]
    assert volume == {"path": "\\\\%s\\LyncShare\\1-PersistentChatService-1" % server, "exists": True,
                      "resolved": True, "local_path": "D:\\LyncShare\\1-PersistentChatService-1", "drive": "D:",
                      "size_bytes": 1000 * GB, "free_bytes": 900 * GB, "reason": None}


def test_share_roots_and_administrative_shares_map_to_their_folder():
    root, admin, admin_root = shape(["\\\\fs01\\lyncshare", "\\\\fs01\\D$\\Migration", "\\\\fs01\\D$"],
                                    share_exists=[True, False, True])["volumes"]
    assert (root["local_path"], root["exists"]) == ("D:\\LyncShare", True)
    assert (admin["local_path"], admin["exists"], admin["resolved"]) == ("D:\\Migration", False, True)
    assert admin_root["local_path"] == "D:\\"


def test_unc_paths_that_cannot_be_mapped_say_why():
    other, unknown, ipc = shape(["\\\\gc01.contoso.local\\GroupChatFiles", "\\\\fs01\\NoSuchShare\\x",
                                 "\\\\fs01\\IPC$"], share_exists=[False, False, False])["volumes"]
    for volume in (other, unknown, ipc):
        assert volume["resolved"] is False
        assert volume["exists"] is None and volume["local_path"] is None and volume["drive"] is None
        assert volume["size_bytes"] is None and volume["free_bytes"] is None
    assert other["reason"] == ("\\\\gc01.contoso.local is another computer than FS01 (fs01.contoso.local); "
                               "read it on that server")
    assert unknown["reason"] == "no share NoSuchShare on FS01"
    assert "not a folder on a drive" in ipc["reason"]


def test_mixed_paths_keep_their_order_and_their_own_test_path_answers():
    result = shape(["\\\\fs01\\LyncShare\\a", "D:\\b", "\\\\gc01\\x", "C:\\c", "\\\\fs01\\LyncShare\\d"],
                   exists=[True, False], share_exists=[False, False, True])
    assert [(v["path"], v["exists"]) for v in result["volumes"]] == [
        ("\\\\fs01\\LyncShare\\a", False), ("D:\\b", True), ("\\\\gc01\\x", None), ("C:\\c", False),
        ("\\\\fs01\\LyncShare\\d", True)]


def test_one_element_arrays_arriving_as_objects_are_read_as_lists():
    answer = fs01_answer(computer={"Name": "GC01", "DNSHostName": "gc01", "Domain": "WORKGROUP",
                                   "PartOfDomain": False},
                         disks={"DeviceID": "E:", "DriveType": 3, "Size": 100 * GB, "FreeSpace": 75 * GB},
                         exists=True, shares={"Name": "GroupChatFiles", "Path": "E:\\GroupChat\\FileRepository"},
                         share_exists=True)
    result = volume_info.shape_result(answer, volume_info.parse_paths(["E:\\x", "\\\\GC01\\GroupChatFiles\\f"]))
    assert result["computer"] == {"name": "GC01", "fqdn": "gc01"}    # a workgroup is no DNS domain
    local, unc = result["volumes"]
    assert local["exists"] is True and local["free_bytes"] == 75 * GB
    assert unc["local_path"] == "E:\\GroupChat\\FileRepository\\f" and unc["resolved"] is True


# -- module runs ---------------------------------------------------------------------------------------

def run_module(monkeypatch, capsys, args, answers):
    return run_recorded(volume_info, monkeypatch, capsys, args, answers)


def test_check_mode_run_reads_once_and_closes(monkeypatch, capsys):
    code, output = run_module(monkeypatch, capsys, dict(CONNECTION, paths=["D:\\Migration", "\\\\fs01\\LyncShare"],
                                                        _ansible_check_mode=True),
                              [fs01_answer(exists=[False], share_exists=[True])])
    assert code == 0 and output["changed"] is False
    assert [v["resolved"] for v in output["volumes"]] == [True, True]
    (client,) = RecordingClient.runs
    assert len(client.scripts) == 1 and client.closed


def test_malformed_paths_fail_before_connecting(monkeypatch, capsys):
    code, output = run_module(monkeypatch, capsys, dict(CONNECTION, paths=["D:\\ok", "relative\\path"]), [])
    assert code == 1
    assert output["msg"] == ("fs01.contoso.local: check the options: paths: relative\\path: not an absolute local "
                             "path (D:\\folder) or a UNC path (\\\\server\\share)")
    assert RecordingClient.runs == []


def test_no_paths_fails_before_connecting(monkeypatch, capsys):
    code, output = run_module(monkeypatch, capsys, dict(CONNECTION, paths=[]), [])
    assert code == 1 and "paths is empty" in output["msg"] and RecordingClient.runs == []


def test_a_powershell_failure_names_host_and_step_not_the_password(monkeypatch, capsys):
    error = winrm_utils.PowerShellError("Get-WmiObject failed: Invalid class \"Win32_Share\"", cmdlet="Get-WmiObject")
    code, output = run_module(monkeypatch, capsys, dict(CONNECTION, paths=["\\\\fs01\\LyncShare"]), [error])
    assert code == 1
    assert output["msg"].startswith("fs01.contoso.local: read the volumes: Get-WmiObject failed")
    assert output["cmdlet"] == "Get-WmiObject" and "Pw-Secret-1" not in json.dumps(output)
    assert RecordingClient.runs[0].closed
