"""volume_info against the lab, ad hoc as an operator runs it: the drives the topology gives each host
(lab/pchat_lab/topologies/lync2010.yaml), read through real WinRM and the lab's WMI classes."""
from __future__ import annotations

import json

from conftest import run_ansible

GB = 1024 ** 3


def volumes(host_pattern, *paths, extra=()):
    results = run_ansible(host_pattern, "-m", "lync.persistent_chat.volume_info",
                          "-a", json.dumps({"paths": list(paths)}), *extra)
    host = host_pattern if host_pattern in results else next(h for h in results if h != "_process")
    status, result = results[host]
    assert status == "SUCCESS", results["_process"].stdout + results["_process"].stderr
    assert result["changed"] is False
    return result


def _shells_opened(entries: list) -> int:
    return sum(1 for entry in entries if entry["action"] == "Create")


def test_local_paths_read_the_size_and_free_space_of_their_drive_in_one_shell(lab):
    before = lab.log_length()
    result = volumes("fs01", "D:\\LyncShare", "D:\\Migration\\not-yet", "C:")
    assert _shells_opened(lab.log(before)) == 1
    assert result["computer"] == {"name": "FS01", "fqdn": "fs01.contoso.local"}
    share, later, system = result["volumes"]
    assert share["resolved"] and share["exists"] is True and share["drive"] == "D:"
    assert share["size_bytes"] == 1000 * GB and 0 < share["free_bytes"] <= 900 * GB
    # A folder that does not exist yet is on its drive all the same.
    assert later["resolved"] and later["exists"] is False and later["local_path"] == "D:\\Migration\\not-yet"
    assert later["size_bytes"] == share["size_bytes"] and later["free_bytes"] == share["free_bytes"]
    assert system["local_path"] == "C:\\" and system["size_bytes"] == 120 * GB and system["exists"] is True


def test_a_drive_the_server_lacks_is_an_unresolved_entry_not_a_failure(lab):
    (volume,) = volumes("pc01", "D:\\Export")["volumes"]
    assert volume["resolved"] is False and volume["exists"] is False
    assert volume["reason"] == "no drive D: on PC01" and volume["size_bytes"] is None


def test_the_legacy_server_2008_r2_answers_the_same_classes(lab):
    result = volumes("gc01", "E:\\GroupChat\\FileRepository")
    (volume,) = result["volumes"]
    assert result["computer"] == {"name": "GC01", "fqdn": "gc01.contoso.local"}
    assert volume["resolved"] and volume["exists"] is True and volume["size_bytes"] == 100 * GB


def test_unc_paths_of_this_server_resolve_through_its_shares(lab):
    result = volumes("fs01", "\\\\fs01.contoso.local\\LyncShare\\not-yet", "\\\\FS01\\Backups", "D:\\")
    below_share, backups, drive = result["volumes"]
    assert below_share["resolved"] and below_share["exists"] is False
    assert below_share["local_path"] == "D:\\LyncShare\\not-yet" and below_share["drive"] == "D:"
    assert backups["resolved"] and backups["exists"] is True and backups["local_path"] == "D:\\Backups"
    # The same volume, read once, whichever way the path names it.
    for volume in (below_share, backups):
        assert (volume["size_bytes"], volume["free_bytes"]) == (drive["size_bytes"], drive["free_bytes"])
    assert drive["size_bytes"] == 1000 * GB


def test_the_legacy_file_repository_share_is_on_e(lab):
    (volume,) = volumes("gc01", "\\\\gc01.contoso.local\\GroupChatFiles")["volumes"]
    assert volume["resolved"] and volume["exists"] is True
    assert volume["local_path"] == "E:\\GroupChat\\FileRepository" and volume["size_bytes"] == 100 * GB


def test_unc_paths_that_this_server_cannot_answer_say_why(lab):
    other, missing, ipc = volumes("fs01", "\\\\gc01.contoso.local\\GroupChatFiles", "\\\\fs01\\NoSuchShare\\x",
                                  "\\\\fs01\\IPC$")["volumes"]
    assert other["resolved"] is False and other["exists"] is None and other["local_path"] is None
    assert other["reason"].startswith("\\\\gc01.contoso.local is another computer than FS01 (fs01.contoso.local)")
    assert missing["resolved"] is False and missing["reason"] == "no share NoSuchShare on FS01"
    assert ipc["resolved"] is False and "not a folder on a drive" in ipc["reason"]


def test_administrative_drive_shares_resolve_to_the_drive(lab):
    (volume,) = volumes("fs01", "\\\\fs01\\D$\\Migration")["volumes"]
    assert volume["resolved"] and volume["local_path"] == "D:\\Migration" and volume["size_bytes"] == 1000 * GB


def test_check_mode_reads_the_same(lab):
    plain = volumes("fs01", "D:\\Backups")
    checked = volumes("fs01", "D:\\Backups", extra=("--check",))
    assert checked["volumes"][0]["resolved"] is True
    assert checked["volumes"][0]["size_bytes"] == plain["volumes"][0]["size_bytes"]


def test_a_malformed_path_fails_before_connecting(lab):
    before = lab.log_length()
    results = run_ansible("fs01", "-m", "lync.persistent_chat.volume_info", "-a",
                          json.dumps({"paths": ["Migration"]}))
    status, result = results["fs01"]
    assert status == "FAILED!"
    assert "Migration: not an absolute local path" in result["msg"]
    assert _shells_opened(lab.log(before)) == 0
