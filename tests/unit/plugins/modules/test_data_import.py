"""data_import: findings, refusals and whole runs (whatif only, check mode, import, already imported)."""
from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule
from steps_harness import run

from ansible_collections.lync.persistent_chat.plugins.modules import data_import

ARGS = {"db_instance": "sql01\\RTC", "file_name": "D:\\M\\gc.zip"}
READ = {"file": {"Exists": True, "Size": 9, "Sha256": "AA" * 32}, "record": None}
LONG = "IT / Helpdesk / " + "x" * 250
WHATIF = {"errors": [{"Id": "ROOM_NAME_TOO_LONG,Microsoft.Rtc.X", "Category": "InvalidData", "Reason": "",
                      "Message": "too long", "Target": LONG}],
          "warnings": ["federated user"], "durations": {"whatif": 0.5}}
# The readiness module's findings (its own ids), with the objects they concern.
FINDINGS = [{"id": "ROOM_NAME_TOO_LONG", "severity": "error",
             "objects": [{"object": LONG, "name": "IT_Helpdesk_" + "x" * 250, "length": 262}]},
            {"id": "DISABLED_ROOMS", "severity": "warning", "objects": [{"object": "IT / Old"}]}]
DONE = {"errors": [], "warnings": ["federated user"], "durations": {"import": 2.0}}


def test_findings_are_shaped():
    assert data_import.shape_errors(WHATIF["errors"][0]) == [{
        "error_id": "ROOM_NAME_TOO_LONG,Microsoft.Rtc.X", "id": "ROOM_NAME_TOO_LONG", "category": "InvalidData",
        "reason": None, "message": "too long", "target": LONG}]
    assert data_import.shape_warnings("one") == ["one"]


def params(**given):
    out = dict(readiness_findings=[], accept_findings=[], accept_messages=[], accept_errors=[])
    out.update(given)
    return out


def test_errors_are_accepted_by_readiness_findings_or_message_patterns_only():
    from ansible_collections.lync.persistent_chat.plugins.module_utils.import_acceptance import compile_patterns
    records = [{"id": "X1", "message": "Whatever wording: %s is too long" % ("IT_Helpdesk_" + "x" * 250), "target": None},
               {"id": "X2", "message": "Add-in \"Big\" exceeds the limits", "target": "Big"},
               {"id": "X3", "message": "Chat room \"Old\" cannot be imported", "target": None},
               {"id": "X4", "message": "something nobody foresaw", "target": "IT / Helpdesk"}]
    refused = data_import.refused_errors(records, params(readiness_findings=FINDINGS,
                                                         accept_findings=["room_name_too_long"]),
                                         compile_patterns(["(?i)add-in .* exceeds"]))
    # The 2013 name in the message ties X1 to the finding, whatever its id; X3 names a room of a *warning*
    # finding, which accepts no error; X4 names nothing readiness found.
    assert [r["id"] for r in refused] == ["X3", "X4"]
    assert records[0]["findings"] == ["ROOM_NAME_TOO_LONG"] and records[0]["accepted_by"] == "finding ROOM_NAME_TOO_LONG"
    assert records[1]["accepted_by"] == "message (?i)add-in .* exceeds" and records[1]["findings"] == []
    # An accepted id does not accept an error about another object.
    assert data_import.refused_errors([{"id": "ROOM_NAME_TOO_LONG", "message": "m", "target": "IT / Other"}],
                                      params(readiness_findings=FINDINGS, accept_findings=["ROOM_NAME_TOO_LONG"]),
                                      []) != []


def test_import_command_collects_findings():
    params = dict(ARGS, report="D:\\M\\i.html", whatif_report=None)
    assert data_import.import_command(params, False).render() == (
        "Import-CsPersistentChatData -DBInstance 'sql01\\RTC' -FileName 'D:\\M\\gc.zip' -Report 'D:\\M\\i.html' "
        "-Confirm:$false -ErrorAction 'SilentlyContinue' -ErrorVariable 'pe' -WarningAction 'SilentlyContinue' "
        "-WarningVariable 'pw'")
    assert "-WhatIf" in data_import.import_command(params, True).render()


def test_whatif_only_changes_nothing(monkeypatch, capsys):
    code, out, client = run(data_import, monkeypatch, capsys, dict(ARGS, whatif=True), [READ, WHATIF])
    assert code == 0 and out["changed"] is False and len(client.scripts) == 2
    assert out["whatif_errors"][0]["id"] == "ROOM_NAME_TOO_LONG" and out["whatif_warnings"] == ["federated user"]


def test_unaccepted_errors_refuse(monkeypatch, capsys):
    code, out, client = run(data_import, monkeypatch, capsys, ARGS, [READ, WHATIF])
    assert code == 1 and len(client.scripts) == 2
    assert "1 error(s) no readiness finding in accept_findings" in out["msg"] and LONG + " [ROOM_NAME_TOO_LONG,Microsoft.Rtc.X]: too long" in out["msg"]
    assert out["step"] == "check the -WhatIf findings"
    assert out["refused_errors"][0]["findings"] == [] and out["refused_errors"][0]["accepted_by"] is None


def test_whatif_only_reports_what_would_be_refused(monkeypatch, capsys):
    code, out, _client = run(data_import, monkeypatch, capsys,
                             dict(ARGS, whatif=True, readiness_findings=FINDINGS), [READ, WHATIF])
    assert code == 0 and [r["findings"] for r in out["refused_errors"]] == [["ROOM_NAME_TOO_LONG"]]


def test_a_bad_pattern_is_refused_before_connecting(monkeypatch, capsys):
    code, out, client = run(data_import, monkeypatch, capsys, dict(ARGS, accept_messages=["(unclosed"]), [])
    assert code == 1 and "accept_messages: '(unclosed' is not a regular expression" in out["msg"]
    assert client.scripts == []


def test_wrong_hash_refuses_after_one_round_trip(monkeypatch, capsys):
    code, out, client = run(data_import, monkeypatch, capsys, dict(ARGS, expected_sha256="BB" * 32), [READ])
    assert code == 1 and "refusing to import" in out["msg"] and len(client.scripts) == 1


def test_check_mode_runs_whatif_only_and_the_old_ids_still_work_deprecated(monkeypatch, capsys):
    # Recorded at the call: whether the deprecation is printed in the result depends on process-wide state
    # that other tests (the role tests load Ansible's configuration) change.
    said = []
    deprecate = AnsibleModule.deprecate

    def recording(self, msg, *args, **kwargs):
        said.append(msg)
        return deprecate(self, msg, *args, **kwargs)
    monkeypatch.setattr(AnsibleModule, "deprecate", recording)
    code, out, client = run(data_import, monkeypatch, capsys, dict(ARGS, accept_errors=["room_name_too_long"]),
                            [READ, WHATIF], check_mode=True)
    assert code == 0 and out["changed"] is True and out["imported"] is True and len(client.scripts) == 2
    assert len(said) == 1 and "Microsoft does not document" in said[0]
    assert out["whatif_errors"][0]["accepted_by"] == "error id ROOM_NAME_TOO_LONG (deprecated accept_errors)"
    assert all("-Confirm:$false" not in script for script in client.scripts)


def test_import_then_record(monkeypatch, capsys):
    code, out, client = run(data_import, monkeypatch, capsys, dict(ARGS, accept_findings=["ROOM_NAME_TOO_LONG"],
                                                                   readiness_findings=FINDINGS,
                                                                   expected_sha256="aa" * 32), [READ, WHATIF, DONE])
    assert code == 0 and out["changed"] is True and client.idempotent == [True, True, False]
    assert "-Confirm:$false" in client.scripts[2]
    assert "'errors' = $errors; 'warnings' = $warnings" in client.scripts[2]
    assert out["import_warnings"] == ["federated user"] and out["diff"]["after"]["sha256"] == "AA" * 32
    assert out["record"]["accepted_findings"] == ["ROOM_NAME_TOO_LONG"]


def test_recorded_import_is_not_repeated(monkeypatch, capsys):
    record = ('{"format": "lync.persistent_chat/step-record/1", "kind": "data_import", "sha256": "%s", '
              '"db_instance": "SQL01\\\\rtc", "imported_at": "2026-01-01T00:00:00Z"}' % ("aa" * 32))
    code, out, client = run(data_import, monkeypatch, capsys, ARGS, [dict(READ, record=record)])
    assert code == 0 and out["changed"] is False and len(client.scripts) == 1
    assert "already imported" in out["reason"]


def test_a_started_import_is_not_started_again(monkeypatch, capsys):
    record = ('{"format": "lync.persistent_chat/step-record/1", "kind": "data_import", "sha256": "%s", '
              '"db_instance": "sql01\\\\RTC", "imported_at": "2026-01-01T00:00:00Z", "status": "started"}' % ("aa" * 32))
    code, out, client = run(data_import, monkeypatch, capsys, ARGS, [dict(READ, record=record)])
    assert code == 1 and "may still be running" in out["msg"] and len(client.scripts) == 1


def test_the_import_script_marks_start_and_end():
    from ansible_collections.lync.persistent_chat.plugins.module_utils.long_step import make_record
    script = data_import.import_script(dict(ARGS, report=None, whatif_report=None), make_record("data_import", sha256="A"))
    started, imported, done = (script.index("'status' = 'started'"), script.index("Import-CsPersistentChatData"),
                               script.index("'status' = 'done'"))
    assert started < imported < done


def test_a_truncated_finding_is_named_in_the_refusal(monkeypatch, capsys):
    truncated = [dict(FINDINGS[0], objects=[], objects_truncated=True)]
    code, out, _client = run(data_import, monkeypatch, capsys, dict(
        ARGS, readiness_findings=truncated, accept_findings=["ROOM_NAME_TOO_LONG"]), [READ, WHATIF])
    assert code == 1 and "findings ROOM_NAME_TOO_LONG list only their first objects" in out["msg"]


def test_a_name_inside_a_longer_one_is_not_the_object():
    from ansible_collections.lync.persistent_chat.plugins.module_utils.import_acceptance import names_object
    category = {"object": "IT / Helpdesk", "name": "IT_Helpdesk"}
    assert names_object({"message": "Category \"IT_Helpdesk\" is too long", "target": None}, category)
    assert names_object({"message": "IT / Helpdesk: too long", "target": None}, category)
    assert not names_object({"message": "Room IT_Helpdesk_Tickets is too long", "target": None}, category)
    assert not names_object({"message": "IT / Helpdesk / Tickets: too long", "target": None}, category)
    assert names_object({"message": "anything", "target": "it_helpdesk"}, category)
    # The own (last) name counts only as the target or quoted: 'Helpdesk' alone is too common.
    assert not names_object({"message": "the Helpdesk room", "target": None}, category)
    assert names_object({"message": "the 'Helpdesk' room", "target": None}, category)
