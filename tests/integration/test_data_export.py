"""data_export against the lab: five steps with --diff, round trips, a changed source detected by the
fingerprint, a fault after the export then a re-run, bad arguments, hostile paths, no rights."""
from __future__ import annotations

import time

from steps_support import READONLY, module, playbook, round_trips, scripts, state

ARGS = {"db_instance": "sql01.contoso.local\\GROUPCHAT", "db_name": "GroupChat",
        "file_name": "D:\\Migration\\gc.zip", "sql_connection_string": "{{ pchat_legacy_sql_connection_string }}"}


def exports(lab) -> int:
    return sum(1 for entry in state(lab)["backends"]["lync"]["migration_log"] if entry["action"] == "export")


def stop_legacy_services(lab):
    status, result, _log = module(lab, "gc01", "service", {"display_name": ["*Group Chat*"], "state": "stopped"})
    assert status in ("CHANGED", "SUCCESS"), result


def test_five_steps(clean_lab):
    before = clean_lab.log_length()
    playbook(clean_lab, "data_export")
    sent = "\n".join(scripts(clean_lab.log(before)))
    assert ("Export-CsPersistentChatData -DBInstance 'sql01.contoso.local\\GROUPCHAT' -DBName 'GroupChat' "
            "-FileName 'D:\\Migration\\groupchat.zip' -Report 'D:\\Migration\\export.html'") in sent
    assert exports(clean_lab) == 1


def test_round_trips_and_a_changed_source(clean_lab):
    stop_legacy_services(clean_lab)
    status, result, log = module(clean_lab, "fe01", "data_export", ARGS)
    assert status == "CHANGED", result
    assert round_trips(log) == 2
    status, result, log = module(clean_lab, "fe01", "data_export", ARGS)
    assert result["changed"] is False and round_trips(log) == 1
    # Messages posted to the legacy rooms (the lab's traffic runs while the Channel service runs)
    # change the fingerprint, so the next run exports again.
    module(clean_lab, "gc01", "service", {"name": ["GroupChatChannel"], "state": "started"})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and state(clean_lab)["backends"]["lync"]["traffic"]["posted"]["legacy"] < 2:
        time.sleep(0.5)
    stop_legacy_services(clean_lab)
    status, result, _log = module(clean_lab, "fe01", "data_export", ARGS)
    assert status == "CHANGED" and result["reason"] == "the source database changed since the export"
    assert exports(clean_lab) == 2


def test_a_fault_after_the_export_then_a_rerun_exports_once_more_and_records(clean_lab):
    stop_legacy_services(clean_lab)
    clean_lab.fault(kind="cmdlet", host="fe01", cmdlet="Get-FileHash", nth=1, message="Injected: disk hiccup.")
    status, result, _log = module(clean_lab, "fe01", "data_export", ARGS)
    assert status == "FAILED!" and "Injected: disk hiccup." in result["msg"]
    clean_lab.clear_faults()
    status, result, _log = module(clean_lab, "fe01", "data_export", ARGS)
    assert status == "CHANGED" and result["reason"] == "no record of an earlier export"
    status, result, _log = module(clean_lab, "fe01", "data_export", ARGS)
    assert result["changed"] is False
    status, probe, _log = module(clean_lab, "fe01", "legacy_info",
                                 {"include": ["file_repository"], "file_repository": "D:\\Migration"})
    assert probe["file_repository"]["files"] == 2   # the ZIP, overwritten in place, and its record
    assert exports(clean_lab) == 2


def test_without_sql_options_the_parameters_and_the_file_decide(clean_lab):
    args = {key: value for key, value in ARGS.items() if key != "sql_connection_string"}
    status, result, _log = module(clean_lab, "fe01", "data_export", args)
    assert status == "CHANGED" and result["export"]["fingerprint"] is None and "source_counts" not in result
    status, result, _log = module(clean_lab, "fe01", "data_export", args)
    assert result["changed"] is False
    status, result, _log = module(clean_lab, "fe01", "data_export", dict(args, level="RoomDirectory"))
    assert status == "CHANGED" and result["reason"] == "the export parameters changed"


def test_bad_arguments(lab):
    for args, text in [(dict(ARGS, start_date="yesterday"), "start_date must be YYYY-MM-DD"),
                       (dict(ARGS, level="Everything"), "value of level must be one of"),
                       ({"db_instance": "x"}, "missing required arguments: file_name")]:
        status, result, log = module(lab, "fe01", "data_export", args)
        assert status == "FAILED!" and text in result["msg"], result
        assert round_trips(log) == 0


def test_hostile_path_and_scope_arrive_intact(clean_lab):
    stop_legacy_services(clean_lab)
    # Windows refuses " and : in file names (as the lab does), so the hostile characters are the legal ones.
    path = "D:\\Migration\\it's $(Stop-Computer -Force) \u2019 \u202e\u05d0\u05d1\\gc.zip"
    args = dict(ARGS, file_name=path, scope=["Engineering"], start_date="2010-01-01")
    status, result, _log = module(clean_lab, "fe01", "data_export", args)
    assert status == "CHANGED", result
    assert result["export"]["path"] == path and result["record_path"] == path + ".pchat.json"
    assert result["export"]["parameters"]["scope"] == ["Engineering"]
    status, result, _log = module(clean_lab, "fe01", "data_export", args)
    assert result["changed"] is False, result
    hostile_scope = "x'; exit 1; '\n$(whoami)"
    status, result, _log = module(clean_lab, "fe01", "data_export", dict(args, scope=[hostile_scope], force=True))
    # PowerShell's error text is one line per record line; the module joins them with spaces.
    assert status == "FAILED!" and hostile_scope.replace("\n", " ") in result["msg"], result["msg"]


def test_an_account_without_rights_changes_nothing(clean_lab):
    status, result, _log = module(clean_lab, "fe01", "data_export", ARGS, *READONLY)
    assert status == "FAILED!" and "readonly" in result["msg"]
    assert exports(clean_lab) == 0


def test_a_dropped_connection_mid_export_then_a_rerun_does_not_export_again(clean_lab):
    stop_legacy_services(clean_lab)
    # The second Receive is the export's: the connection closes while the export runs on the server.
    clean_lab.fault(kind="drop", host="fe01", nth=2)
    status, result, log = module(clean_lab, "fe01", "data_export", ARGS)
    assert status == "FAILED!" and "cannot connect" in result["msg"], result
    assert any(entry["action"] == "DroppedConnection" for entry in log)
    clean_lab.clear_faults()
    # The server finished the export and wrote its record, so the re-run finds it current.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and exports(clean_lab) < 1:
        time.sleep(0.2)
    status, result, _log = module(clean_lab, "fe01", "data_export", ARGS)
    assert status == "SUCCESS" and result["reason"] == "the recorded export is current", result
    assert exports(clean_lab) == 1
