"""readiness: every documented pitfall of the hand-written legacy database is found with its objects
(and nothing else), 2013 name collisions are read from mgc, the gate fails on errors and on
unacknowledged warnings, and the message scan counts files and messages before the cut-off."""
from __future__ import annotations

import datetime
import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.lync.persistent_chat.plugins.module_utils import readiness_checks
from ansible_collections.lync.persistent_chat.plugins.module_utils.migration_model import (
    ChatTree,
    Expectation,
    TargetIndex,
)
from ansible_collections.lync.persistent_chat.plugins.module_utils.sql import SQLClient
from ansible_collections.lync.persistent_chat.plugins.modules import readiness

import parity_fixture as F


@pytest.fixture
def legacy(tmp_path):
    return F.write_legacy(tmp_path / "groupchat.db")


def check(legacy, target=None, **kwargs):
    with SQLClient(F.odbc(legacy)) as left:
        right = SQLClient(F.odbc(target)) if target else None
        try:
            result, facts = readiness_checks.check(left, right, **kwargs)
        finally:
            if right:
                right.close()
    return {f["id"]: f for f in result.as_list()}, facts


def objects(finding):
    return [o["object"] for o in finding["objects"]]


def test_every_planted_problem_and_nothing_else(legacy):
    findings, facts = check(legacy)
    assert sorted(findings) == sorted([
        "ROOM_NAME_TOO_LONG", "ADDIN_INVALID", "NESTED_CATEGORY", "INVITATION_CONFLICT", "ROOT_MANAGERS",
        "FEDERATED_USERS", "DISABLED_ROOMS", "PRESENTERS_DROPPED", "TOPICS_DROPPED", "ROOM_FLAGS_DROPPED"])
    assert findings["ROOM_NAME_TOO_LONG"]["severity"] == "error"
    assert findings["ROOM_NAME_TOO_LONG"]["objects"] == [
        {"object": "IT / Helpdesk / " + F.LONG_ROOM, "name": "IT_Helpdesk_" + F.LONG_ROOM, "length": 262}]
    assert objects(findings["ADDIN_INVALID"]) == ["N" * 51]
    assert findings["NESTED_CATEGORY"]["objects"] == [{"object": "IT / Helpdesk", "name": "IT_Helpdesk"}]
    assert findings["INVITATION_CONFLICT"]["objects"] == [{"object": "IT / Helpdesk / Tickets", "name": "IT_Helpdesk_Tickets"}]
    assert objects(findings["ROOT_MANAGERS"]) == ["sip:boss@contoso.local"]
    assert findings["ROOT_MANAGERS"]["rooms_affected"] == 5
    assert findings["FEDERATED_USERS"]["objects"] == [{"object": "sip:pat@fabrikam.com", "rooms": ["IT_Helpdesk_Tickets"]}]
    assert findings["DISABLED_ROOMS"]["objects"] == [{"object": "IT / Old", "name": "Old"}]
    assert objects(findings["PRESENTERS_DROPPED"]) == ["IT / Normal with presenter"]
    assert findings["TOPICS_DROPPED"]["objects"] == [{"object": "IT / General", "topic": "Today: outage"}]
    assert objects(findings["ROOM_FLAGS_DROPPED"]) == ["IT / General", "IT / Normal with presenter"]
    assert facts["rooms_to_migrate"] == 5 and "messages" not in facts


def test_the_message_scan_counts_file_links_and_messages_before_the_cutoff(legacy):
    findings, facts = check(legacy, cutoff=datetime.datetime(2010, 1, 1), scan_messages=True)
    assert facts["messages"] == 11 and facts["file_links"] == 1
    files = findings["FILES_TO_COPY"]
    assert (files["severity"], files["file_links"], files["rooms_with_files"], files["count"]) == ("warning", 1, 1, 1)
    old = findings["MESSAGES_BEFORE_CUTOFF"]
    assert old["severity"] == "info" and old["messages"] == 3
    assert old["objects"] == [{"object": "IT / General", "messages": 2}, {"object": "IT / Stage", "messages": 1}]


def test_the_file_repository_size_goes_into_files_to_copy(legacy):
    findings, _facts = check(legacy, file_repository={"path": "\\\\gc01\\GroupChatFiles", "files": 12, "bytes": 4096})
    files = findings["FILES_TO_COPY"]
    assert (files["files"], files["bytes"], files["count"]) == (12, 4096, 12)
    assert objects(files) == ["\\\\gc01\\GroupChatFiles"]


def test_collisions_with_existing_2013_items(legacy, tmp_path):
    mgc = F.write_mgc(tmp_path / "mgc.db")          # a pool where the same items already exist
    F.execute(mgc, "UPDATE tblNode SET nodeType = 1, parentID = 1 WHERE nodeName = 'Old'")   # a 2013 category named Old
    F.execute(mgc, "INSERT INTO tblNode (nodeID, nodeGuid, parentID, nodeType, nodeName) VALUES (70, 'x', 20, 0, 'Helpdesk room')")
    findings, facts = check(legacy, mgc)
    assert facts["target_read"]
    assert objects(findings["TARGET_CATEGORY_OVERWRITTEN"]) == ["IT", "IT / Helpdesk"]
    assert objects(findings["TARGET_ROOM_OVERWRITTEN"]) == [
        "IT / General", "IT / Helpdesk / Tickets", "IT / Stage", "IT / Normal with presenter"]
    assert objects(findings["TARGET_ADDIN_OVERWRITTEN"]) == ["Wiki"]
    assert findings["TARGET_NAME_CONFLICT"]["objects"] == [{"object": "IT / Old", "name": "Old", "existing": "category"}]
    assert findings["TARGET_NAME_CONFLICT"]["severity"] == "error"


def test_duplicate_names_after_flattening_and_rooms_named_like_categories(legacy):
    # "IT_Helpdesk" as a top-level category collides with the flattened IT / Helpdesk.
    F.execute(legacy, "INSERT INTO tblNode (nodeID, nodeGuid, parentID, nodeType, nodeName) VALUES (20, 'd', 1, 1, 'it_helpdesk')")
    F.execute(legacy, "INSERT INTO tblNode (nodeID, nodeGuid, parentID, nodeType, nodeName) VALUES (21, 'r', 20, 0, 'inside')")
    F.execute(legacy, "INSERT INTO tblNode (nodeID, nodeGuid, parentID, nodeType, nodeName) VALUES (22, 'c', 2, 0, 'IT')")
    findings, _facts = check(legacy)
    assert findings["DUPLICATE_NAME"]["objects"] == [{"object": "it_helpdesk", "name": "it_helpdesk", "other": "IT / Helpdesk"}]
    assert findings["ROOM_CATEGORY_MISSING"]["objects"] == [{"object": "it_helpdesk / inside", "name": "inside"}]
    assert findings["NAME_CONFLICT"]["objects"] == [{"object": "IT / IT", "name": "IT", "existing": "category"}]


def test_federated_presenters_count_in_auditoriums_only_and_each_room_once(legacy):
    # pat (federated) presents in the auditorium Stage (kept) and in a Normal room (dropped on import); a
    # federated presenter is fetched twice by readiness's role query (as a presenter and as federated).
    F.execute(legacy, "INSERT INTO tblPrincipalRole VALUES (8, 4, ?), (9, 4, ?)", (F.VOICED, F.VOICED))
    findings, _facts = check(legacy)
    assert findings["FEDERATED_USERS"]["objects"] == [
        {"object": "sip:pat@fabrikam.com", "rooms": ["IT_Helpdesk_Tickets", "Stage"]}]
    assert findings["PRESENTERS_DROPPED"]["objects"] == [
        {"object": "IT / Normal with presenter", "principals": ["sip:carol@contoso.local", "sip:pat@fabrikam.com"]}]


def test_a_federated_root_manager_is_in_every_migrated_room(legacy):
    F.execute(legacy, "INSERT INTO tblPrincipalRole VALUES (1, 4, ?)", (F.MANAGER,))
    findings, _facts = check(legacy)
    assert objects(findings["ROOT_MANAGERS"]) == ["sip:boss@contoso.local", "sip:pat@fabrikam.com"]
    assert findings["FEDERATED_USERS"]["objects"] == [{"object": "sip:pat@fabrikam.com", "rooms": [
        "General", "IT_Helpdesk_Tickets", "Normal with presenter", "Old", "Stage"]}]


@pytest.mark.parametrize("scope", [None, ["Helpdesk"]])
def test_the_brief_expectation_readiness_builds_agrees_with_the_full_one(legacy, tmp_path, scope):
    """Readiness reads and builds less (detail=False); what it reports must be what the full model says."""
    F.execute(legacy, "INSERT INTO tblPrincipalRole VALUES (1, 4, ?), (8, 4, ?), (3, 1, ?)", (F.MANAGER, F.VOICED, F.MANAGER))
    F.execute(legacy, "INSERT INTO tblNode (nodeID, nodeGuid, parentID, nodeType, nodeName) VALUES (22, 'c', 2, 0, 'IT')")
    mgc = F.write_mgc(tmp_path / "mgc.db")
    F.execute(mgc, "UPDATE tblNode SET nodeType = 1, parentID = 1 WHERE nodeName = 'Old'")
    models = []
    with SQLClient(F.odbc(legacy)) as left, SQLClient(F.odbc(mgc)) as right:
        for detail in (True, False):
            existing = TargetIndex(ChatTree.read(right, legacy=False, detail=detail))
            models.append(Expectation(ChatTree.read(left, legacy=True, detail=detail), scope=scope, existing=existing,
                                      detail=detail))
    full, brief = models
    unreported = {"ROOM_PREFIXED", "ROOT_MANAGERS_ADDED"}
    assert brief.skipped == full.skipped and brief.collisions == full.collisions
    assert brief.changes == [change for change in full.changes if change["kind"] not in unreported]
    assert {change["kind"] for change in full.changes} >= unreported | ({"PRESENTERS_DROPPED"} if scope is None else set())
    assert brief.rooms == [{key: room[key] for key in ("legacy_id", "label", "name", "type")} for room in full.rooms]
    assert brief.categories == [{key: category[key] for key in ("legacy_id", "path", "name")}
                                for category in full.categories]
    assert brief.root_managers == full.root_managers and brief.federated_principals() == full.federated_principals()
    assert brief.rooms and brief.skipped and brief.collisions


def test_scope_limits_the_checks(legacy):
    findings, facts = check(legacy, scope=["Helpdesk"])
    assert facts["rooms_to_migrate"] == 1
    assert "DISABLED_ROOMS" not in findings and "ROOM_NAME_TOO_LONG" in findings


def test_max_objects_truncates_the_list_not_the_count(legacy):
    with SQLClient(F.odbc(legacy)) as client:
        result, _facts = readiness_checks.check(client)
    (flags,) = [f for f in result.as_list(max_objects=1) if f["id"] == "ROOM_FLAGS_DROPPED"]
    assert flags["count"] == 2 and len(flags["objects"]) == 1 and flags["objects_truncated"]


@pytest.mark.parametrize("fail_on, acknowledged, blocking", [
    ("none", [], []),
    ("error", [], ["ADDIN_INVALID"]),
    ("warning", ["DISABLED_ROOMS"], ["ADDIN_INVALID", "ROOT_MANAGERS"]),
])
def test_gate(fail_on, acknowledged, blocking):
    findings = [{"id": "ADDIN_INVALID", "severity": "error"}, {"id": "DISABLED_ROOMS", "severity": "warning"},
                {"id": "ROOT_MANAGERS", "severity": "warning"}, {"id": "TOPICS_DROPPED", "severity": "info"}]
    assert readiness_checks.gate(findings, fail_on, acknowledged) == (blocking, sorted(acknowledged))


def run_module(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            readiness.main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


def test_module_fails_on_errors_and_on_unacknowledged_warnings(legacy, capsys):
    base = {"sql_connection_string": F.odbc(legacy)}
    code, result = run_module(base, capsys)
    assert code == 1 and result["summary"]["blocking"] == ["ADDIN_INVALID", "ROOM_NAME_TOO_LONG"]
    assert "2 blocking readiness finding(s): ADDIN_INVALID, ROOM_NAME_TOO_LONG" in result["msg"]
    F.execute(legacy, "DELETE FROM tblSiopWhiteList WHERE siopName LIKE 'NNN%'")
    F.execute(legacy, "DELETE FROM tblNode WHERE nodeID = 7")
    warnings = ["NESTED_CATEGORY", "INVITATION_CONFLICT", "ROOT_MANAGERS", "FEDERATED_USERS", "DISABLED_ROOMS",
                "PRESENTERS_DROPPED"]
    code, result = run_module(dict(base, fail_on="warning", acknowledge=warnings[:-1]), capsys)
    assert code == 1 and result["summary"]["blocking"] == ["PRESENTERS_DROPPED"]
    code, result = run_module(dict(base, fail_on="warning", acknowledge=warnings, cutoff_date="2010-01-01"), capsys)
    assert code == 0 and result["passed"] and result["summary"] == {
        "errors": 0, "warnings": 6, "info": 3, "blocking": [], "acknowledged": sorted(warnings)}


def test_module_refuses_unknown_ids_and_bad_dates(legacy, capsys):
    base = {"sql_connection_string": F.odbc(legacy), "fail_on": "none"}
    code, result = run_module(dict(base, acknowledge=["NO_SUCH_ID"]), capsys)
    assert code == 1 and "NO_SUCH_ID" in result["msg"]
    code, result = run_module(dict(base, cutoff_date="last year"), capsys)
    assert code == 1 and "cutoff_date" in result["msg"]
