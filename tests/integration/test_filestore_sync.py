"""filestore_sync against the lab: five steps with --diff, round trips, a fault during verification then
a re-run that copies nothing more, extras left alone, bad arguments, hostile paths. (No test with an account
without rights: the lab lets any domain account in over WinRM and has no file ACLs, so nothing would
refuse it; reported as a lab gap.)"""
from __future__ import annotations

import json

from conftest import run_ansible
from steps_support import module, playbook, round_trips, scripts

SOURCE = "\\\\gc01.contoso.local\\GroupChatFiles"
DEST = "\\\\fs01.contoso.local\\LyncShare\\1-PersistentChatService-1"
ARGS = {"source": SOURCE, "destination": DEST, "retries": 1, "wait": 0}


def files_in(lab, folder):
    status, probe, _log = module(lab, "fs01", "legacy_info", {"include": ["file_repository"], "file_repository": folder})
    assert status == "SUCCESS", probe
    return probe["file_repository"]


def test_five_steps(clean_lab):
    before = clean_lab.log_length()
    playbook(clean_lab, "filestore_sync")
    sent = "\n".join(scripts(clean_lab.log(before)))
    assert "robocopy '\\\\gc01.contoso.local\\GroupChatFiles' '%s' '/E' '/COPY:DAT' '/R:2' '/W:1' '/NP'" % DEST in sent
    assert "'/L'" in sent


def test_round_trips(clean_lab):
    status, result, log = module(clean_lab, "fs01", "filestore_sync", ARGS)
    assert status == "CHANGED", result
    assert round_trips(log) == 2
    status, result, log = module(clean_lab, "fs01", "filestore_sync", dict(ARGS, verify="size"))
    assert result["changed"] is False and round_trips(log) == 1
    assert result["verification"]["method"] == "size"


def test_a_fault_after_the_copy_then_a_rerun_copies_nothing_more(clean_lab):
    # Get-FileHash fails while the copy is being verified: everything is copied, nothing verified.
    clean_lab.fault(kind="cmdlet", host="fs01", cmdlet="Get-FileHash", nth=25, message="Injected: file locked.")
    status, result, _log = module(clean_lab, "fs01", "filestore_sync", ARGS)
    assert status == "FAILED!" and "Injected: file locked." in result["msg"], result
    clean_lab.clear_faults()
    status, result, _log = module(clean_lab, "fs01", "filestore_sync", ARGS)
    assert status == "SUCCESS" and result["changed"] is False and result["would_copy"] == []
    check = result["verification"]
    assert check["missing"] == [] and check["different"] == [] and check["extra_in_destination"] == 0
    assert files_in(clean_lab, DEST)["files"] == check["files"]


def test_a_partial_copy_is_finished_by_the_next_run(clean_lab):
    # Copy one sub-folder first (as an interrupted run would leave it), then the whole repository.
    status, listing, _log = module(clean_lab, "fs01", "filestore_sync", ARGS, "--check")
    first = listing["would_copy"][0]["path"].split("\\")[0]
    status, result, _log = module(clean_lab, "fs01", "filestore_sync",
                                  dict(ARGS, source=SOURCE + "\\" + first, destination=DEST + "\\" + first))
    assert status == "CHANGED", result
    status, result, log = module(clean_lab, "fs01", "filestore_sync", dict(ARGS, restartable=True))
    assert status == "CHANGED" and "'/Z'" in scripts(log)[-1]
    done_first = [item for item in listing["would_copy"] if item["path"].startswith(first + "\\")]
    assert result["robocopy"]["summary"]["files"]["copied"] == len(listing["would_copy"]) - len(done_first)
    assert result["robocopy"]["summary"]["files"]["skipped"] == len(done_first)


def test_bad_arguments(lab):
    for args, text in [(dict(ARGS, retries=-1), "retries and wait must be 0 or more"),
                       (dict(ARGS, verify="crc"), "value of verify must be one of"),
                       ({"source": SOURCE}, "missing required arguments: destination")]:
        status, result, log = module(lab, "fs01", "filestore_sync", args)
        assert status == "FAILED!" and text in result["msg"], result
        assert round_trips(log) == 0


def test_missing_source_and_hostile_destination(clean_lab):
    status, result, _log = module(clean_lab, "fs01", "filestore_sync", dict(ARGS, source=SOURCE + "\\nope"))
    assert status == "FAILED!" and result["msg"].endswith("the source folder %s\\nope does not exist" % SOURCE)
    hostile = "\\\\fs01.contoso.local\\LyncShare\\it's $(Stop-Computer) \u2019 \u202e\u05d0 files"
    status, result, _log = module(clean_lab, "fs01", "filestore_sync", dict(ARGS, destination=hostile))
    assert status == "CHANGED", result
    assert files_in(clean_lab, hostile)["files"] == result["verification"]["files"]
    status, result, _log = module(clean_lab, "fs01", "filestore_sync", dict(ARGS, destination=hostile))
    assert result["changed"] is False


def test_progress_is_shown_at_vv_while_the_copy_runs(clean_lab):
    # Three OperationTimeout answers (they hit the first Receives: the listing) stand for a step that
    # outlasts three operation timeouts.
    clean_lab.fault(kind="operation_timeout", host="fs01", count=3)
    results = run_ansible("fs01", "-m", "lync.persistent_chat.filestore_sync", "-a", json.dumps(ARGS), "-vv")
    output = results["_process"].stdout
    assert results["fs01"][0] == "CHANGED", output[-3000:]
    lines = [line for line in output.splitlines() if line.startswith("<fs01> robocopy")]
    assert lines[0] == "<fs01> robocopy /L and inventory: started"
    assert len([line for line in lines if "still running after" in line]) == 3
    assert "<fs01> robocopy: started" in lines
    assert lines[-1].startswith("<fs01> robocopy: finished after ")
