"""data_import against the lab: -WhatIf and the five steps with --diff, refusals (errors not accepted,
a different file), a fault in the real import then a re-run that imports once, bad arguments, hostile
values, no rights."""
from __future__ import annotations

from steps_support import READONLY, module, playbook, round_trips, scripts, state

EXPORT = {"db_instance": "sql01.contoso.local\\GROUPCHAT", "db_name": "GroupChat", "file_name": "D:\\Migration\\gc.zip"}
IMPORT = {"db_instance": "sql01.contoso.local\\RTC", "file_name": "D:\\Migration\\gc.zip"}


def imports(lab, whatif=False) -> int:
    return sum(1 for entry in state(lab)["backends"]["lync"]["migration_log"]
               if entry["action"] == "import" and bool(entry["whatif"]) == whatif)


def exported(lab) -> dict:
    module(lab, "gc01", "service", {"display_name": ["*Group Chat*"], "state": "stopped"})
    status, result, _log = module(lab, "fe01", "data_export", EXPORT)
    assert status == "CHANGED", result
    return result["export"]


def readiness_findings(lab) -> list:
    status, result, _log = module(lab, "sql01", "readiness", {
        "sql_connection_string": "{{ pchat_legacy_sql_connection_string }}", "fail_on": "none", "max_objects": 0})
    assert status == "SUCCESS", result
    return result["findings"]


def accepted(lab) -> dict:
    """Import arguments that accept every error readiness found (by the collection's own finding ids)."""
    findings = readiness_findings(lab)
    return {"readiness_findings": findings,
            "accept_findings": sorted({f["id"] for f in findings if f["severity"] == "error"})}


def test_whatif_then_five_steps(clean_lab):
    before = clean_lab.log_length()
    playbook(clean_lab, "data_import")
    sent = "\n".join(scripts(clean_lab.log(before)))
    assert "Import-CsPersistentChatData -DBInstance 'sql01.contoso.local\\RTC' -FileName 'D:\\Migration\\groupchat.zip' " \
           "-Report 'D:\\Migration\\import-whatif.html' -WhatIf" in sent
    assert "-Report 'D:\\Migration\\import.html' -Confirm:$false" in sent


def test_errors_not_accepted_refuse_the_import(clean_lab):
    exported(clean_lab)
    status, result, _log = module(clean_lab, "fe01", "data_import", IMPORT)
    assert status == "FAILED!" and "-WhatIf reported" in result["msg"] and "no readiness finding" in result["msg"]
    assert result["whatif_errors"] and imports(clean_lab) == 0
    assert result["refused_errors"] == result["whatif_errors"]


def test_errors_are_accepted_by_finding_or_by_message_and_an_unaccepted_one_blocks(clean_lab):
    exported(clean_lab)
    findings = readiness_findings(clean_lab)
    errors = [f for f in findings if f["severity"] == "error"]
    assert errors, "the dataset has errors readiness finds"
    status, result, _log = module(clean_lab, "fe01", "data_import", dict(IMPORT, whatif=True, readiness_findings=findings))
    assert status == "SUCCESS", result
    records = result["whatif_errors"]
    # Each record Import wrote is tied to the readiness finding naming its object, whatever its error id.
    assert sorted({f for record in records for f in record["findings"]}) == sorted(f["id"] for f in errors)
    # A warning finding accepts no error; accepting by the finding or by the message lets the import go.
    status, result, _log = module(clean_lab, "fe01", "data_import", dict(
        IMPORT, readiness_findings=findings, accept_findings=["DISABLED_ROOMS"]), "--check")
    assert status == "FAILED!" and result["refused_errors"], result
    status, result, _log = module(clean_lab, "fe01", "data_import", dict(
        IMPORT, accept_messages=[".*"]), "--check")
    assert status == "CHANGED" and not result["refused_errors"], result
    assert {record["accepted_by"] for record in result["whatif_errors"]} == {"message .*"}
    assert imports(clean_lab) == 0


def test_a_file_other_than_the_exported_one_is_refused(clean_lab):
    exported(clean_lab)
    status, result, log = module(clean_lab, "fe01", "data_import", dict(IMPORT, expected_sha256="0" * 64))
    assert status == "FAILED!" and "refusing to import a file other than the one exported" in result["msg"]
    assert round_trips(log) == 1 and imports(clean_lab, whatif=True) == 0 and imports(clean_lab) == 0


def test_a_fault_in_the_import_then_a_rerun_imports_once(clean_lab):
    export = exported(clean_lab)
    args = dict(IMPORT, expected_sha256=export["sha256"], **accepted(clean_lab))
    # Calls counted from now: 1 the -WhatIf of the next run, 2 its real import.
    clean_lab.fault(kind="cmdlet", host="fe01", cmdlet="Import-CsPersistentChatData", nth=2,
                    message="Injected: the SQL connection dropped.")
    status, result, _log = module(clean_lab, "fe01", "data_import", args)
    assert status == "FAILED!" and "Injected: the SQL connection dropped." in result["msg"]
    assert imports(clean_lab) == 0
    clean_lab.clear_faults()
    status, result, log = module(clean_lab, "fe01", "data_import", args)
    assert status == "CHANGED" and result["imported"], result
    assert round_trips(log) == 3
    status, result, log = module(clean_lab, "fe01", "data_import", args)
    assert status == "SUCCESS" and not result["imported"] and round_trips(log) == 1
    assert imports(clean_lab) == 1


def test_bad_arguments(lab):
    for args, text in [({"file_name": "x"}, "missing required arguments: db_instance"),
                       (dict(IMPORT, whatif="maybe"), "whatif"),
                       (dict(IMPORT, accept_messages=["(unclosed"]), "is not a regular expression"),
                       (dict(IMPORT, accept_errors="ROOM"), None)]:
        status, result, log = module(lab, "fe01", "data_import", args)
        if text is None:
            continue  # a string is a valid one-element list for Ansible
        assert status == "FAILED!" and text in result["msg"], result
        assert round_trips(log) == 0


def test_missing_file_and_hostile_path(clean_lab):
    path = "D:\\Migration\\it's $(Stop-Computer) \u202e\u05d0.zip"
    status, result, log = module(clean_lab, "fe01", "data_import", dict(IMPORT, file_name=path))
    assert status == "FAILED!" and result["msg"].endswith("the export file %s does not exist" % path)
    assert round_trips(log) == 1


def test_an_account_without_rights_imports_nothing(clean_lab):
    exported(clean_lab)
    status, result, _log = module(clean_lab, "fe01", "data_import", dict(IMPORT, whatif=True), *READONLY)
    assert status == "FAILED!" and "readonly" in result["msg"]
    assert imports(clean_lab, whatif=True) == 0


def test_a_dropped_connection_mid_import_then_a_rerun_does_not_import_again(clean_lab):
    export = exported(clean_lab)
    args = dict(IMPORT, expected_sha256=export["sha256"], **accepted(clean_lab))
    # Receives of the next run: 1 read, 2 -WhatIf, 3 the import, which goes on on the server.
    clean_lab.fault(kind="drop", host="fe01", nth=3)
    status, result, log = module(clean_lab, "fe01", "data_import", args)
    assert status == "FAILED!" and "cannot connect" in result["msg"], result
    assert any(entry["action"] == "DroppedConnection" for entry in log)
    clean_lab.clear_faults()
    status, result, _log = module(clean_lab, "fe01", "data_import", args)
    assert status == "SUCCESS" and "already imported" in result["reason"], result
    assert imports(clean_lab) == 1
