"""parity: a correct migration passes in every message mode, each way a migration can go wrong is
named, and the documented transformations (flattening, root managers, invitations, federated users,
dropped presenters/topics/flags, -StartDate, -Scope) are expected rather than reported. Real SQLite
files through pyodbc and the SQLite3 ODBC driver; the 2013 side is hand-written (parity_fixture)."""
from __future__ import annotations

import json
import sqlite3

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.lync.persistent_chat.plugins.module_utils import chat_queries, parity_compare
from ansible_collections.lync.persistent_chat.plugins.module_utils.sql import SQLClient, check_read_only, streaming
from ansible_collections.lync.persistent_chat.plugins.modules import parity

import parity_fixture as F

MODES = ("count", "fingerprint", "digest")


@pytest.fixture
def dbs(tmp_path):
    legacy = F.write_legacy(tmp_path / "groupchat.db")
    mgc = F.write_mgc(tmp_path / "mgc.db")
    return legacy, mgc


def compare(legacy, mgc, **kwargs):
    with SQLClient(F.odbc(legacy)) as left, SQLClient(F.odbc(mgc)) as right:
        return parity_compare.compare(left, right, **kwargs)


@pytest.mark.parametrize("mode", MODES)
def test_a_correct_migration_passes_with_the_transformations_explained(dbs, mode):
    result = compare(*dbs, messages=mode)
    assert result["differences"] == [] and result["passed"], result["differences"]
    assert result["explained"] == {
        "CATEGORY_FLATTENED": 1, "ROOM_PREFIXED": 1, "INVITATION_CONFLICT": 1, "TOPIC_DROPPED": 1,
        "ROOM_FLAGS_DROPPED": 2, "DISABLED_ROOM": 1, "PRESENTERS_DROPPED": 1, "ROOT_MANAGERS_ADDED": 5,
        "FEDERATED_DISABLED": 1}
    assert result["not_migrated"] == [
        {"kind": "ADDIN_INVALID", "object": "N" * 51, "object_type": "addin"},
        {"kind": "ROOM_NAME_TOO_LONG", "object": "IT / Helpdesk / " + F.LONG_ROOM, "object_type": "room", "messages": 1}]
    assert result["counts"]["messages_legacy"] == result["counts"]["messages_target"] == 10
    by_name = {c["name"]: c for c in result["categories"]}
    assert by_name["IT"]["messages_legacy"] == 7 and by_name["IT_Helpdesk"]["messages_target"] == 3
    assert all(room["status"] == "ok" for room in result["rooms"])


def test_the_expectations_resting_on_assumed_transformations_are_counted_and_listed_per_object(dbs):
    assumed = compare(*dbs, messages="count")["assumed"]
    assert assumed["by_transformation"] == {
        "CATEGORY_FLATTENED": 1, "ROOM_PREFIXED": 1, "CATEGORY_SETTINGS_INHERITED": 2, "ROOM_NAME_TOO_LONG": 1,
        "PRESENTERS_DROPPED": 1, "DISABLED_ROOM": 1, "ADDIN_INVALID": 1}
    assert (assumed["expectations"], assumed["rooms"]) == (8, 4)
    rooms = {o["object"]: o["transformations"] for o in assumed["objects"] if o["object_type"] == "room"}
    assert rooms == {"IT / Helpdesk / Tickets": ["ROOM_PREFIXED"], "IT / Old": ["DISABLED_ROOM"],
                     "IT / Normal with presenter": ["PRESENTERS_DROPPED"],
                     "IT / Helpdesk / " + F.LONG_ROOM: ["ROOM_NAME_TOO_LONG"]}
    # Documented ones (root managers, invitation conflicts, topics, flags, federated users) are not listed.
    assert not {"ROOT_MANAGERS_ADDED", "INVITATION_CONFLICT", "TOPIC_DROPPED", "FEDERATED_DISABLED"} & set(
        assumed["by_transformation"])
    assert "separator" in assumed["sources"]["ROOM_PREFIXED"]


def test_every_transformation_the_model_makes_is_tagged_doc_or_assumed_with_its_source():
    import inspect
    import re
    from ansible_collections.lync.persistent_chat.plugins.module_utils import migration_model
    made = set(re.findall(r'_issue\("([A-Z_]+)"', inspect.getsource(migration_model)))
    made |= {"FEDERATED_DISABLED", "CATEGORY_SETTINGS_INHERITED"}
    assert made <= set(migration_model.TRANSFORMATIONS), made - set(migration_model.TRANSFORMATIONS)
    for kind, (basis, source) in migration_model.TRANSFORMATIONS.items():
        assert basis in ("DOC", "ASSUMED") and source, kind
        if basis == "DOC":
            assert re.search(r"reference [0-9.]+.*\[[A-Z]+", source), kind   # a section and a source tag


def only(result, kind):
    found = [d for d in result["differences"] if d["kind"] == kind]
    assert found and result["differences_total"] == len(found), result["differences"]
    return found


@pytest.mark.parametrize("mode", MODES)
def test_a_missing_message_is_named_by_room_and_chat_id(dbs, mode):
    legacy, mgc = dbs
    F.execute(mgc, "DELETE FROM tblChat WHERE channelId = 40 AND chatId = 3")
    (difference,) = only(compare(legacy, mgc, messages=mode), "MESSAGES_MISSING")
    assert difference["object"] == "General"
    assert (difference["legacy_messages"], difference["target_messages"]) == (5, 4)
    assert difference["messages"] == [{"chat_id": 3, "change": "missing", "author": "sip:alice@contoso.local",
                                       "date": F.T2011}]


@pytest.mark.parametrize("mode, content", [("fingerprint", "Xutage! 🚨"), ("digest", "Outage! 🚨"[:-1] + "!"),
                                           ("digest", "Outage? 🚨")])
def test_a_changed_message_is_named(dbs, mode, content):
    legacy, mgc = dbs
    F.execute(mgc, "UPDATE tblChat SET content = ? WHERE channelId = 40 AND chatId = 3", (content,))
    (difference,) = only(compare(legacy, mgc, messages=mode), "MESSAGES_CHANGED")
    assert difference["object"] == "General"
    assert difference["messages"] == [{"chat_id": 3, "change": "changed", "fields": ["content"],
                                       "author": "sip:alice@contoso.local", "date": F.T2011}]


def test_a_changed_author_or_date_is_named_by_the_digest(dbs):
    legacy, mgc = dbs
    F.execute(mgc, "UPDATE tblChat SET userId = 103 WHERE channelId = 50 AND chatId = 2")
    F.execute(mgc, "UPDATE tblChat SET chatDate = chatDate + 1 WHERE channelId = 80 AND chatId = 1")
    found = only(compare(legacy, mgc, messages="digest"), "MESSAGES_CHANGED")
    assert {(d["object"], d["messages"][0]["chat_id"], tuple(d["messages"][0]["fields"])) for d in found} == {
        ("IT_Helpdesk_Tickets", 2, ("author",)), ("Stage", 1, ("date",))}


def test_a_lost_alert_flag_is_named_by_the_digest(dbs):
    legacy, mgc = dbs
    F.execute(mgc, "UPDATE tblChat SET isAlert = 0 WHERE channelId = 40 AND chatId = 3")
    (difference,) = only(compare(legacy, mgc, messages="digest"), "MESSAGES_CHANGED")
    assert (difference["object"], difference["messages"][0]["fields"]) == ("General", ["alert"])


@pytest.mark.parametrize("content", ["Outagé! 🚨", "Outage! ?"])
def test_the_fingerprint_sees_an_edit_that_keeps_the_length_but_not_the_size(dbs, content):
    # Same length in characters, first character kept: an accent added and a character lost to '?' change
    # the stored size (UTF-8 bytes here on SQLite).
    legacy, mgc = dbs
    F.execute(mgc, "UPDATE tblChat SET content = ? WHERE channelId = 40 AND chatId = 3", (content,))
    (difference,) = only(compare(legacy, mgc, messages="fingerprint"), "MESSAGES_CHANGED")
    assert difference["messages"][0]["fields"] == ["content"]


def test_the_fingerprint_does_not_see_an_edit_that_keeps_length_and_first_character(dbs):
    # Documented limit of messages=fingerprint (one character replaced by another of the same encoded
    # size, past the first); the digest sees it (test above).
    legacy, mgc = dbs
    F.execute(mgc, "UPDATE tblChat SET content = 'Outage? 🚨' WHERE channelId = 40 AND chatId = 3")
    assert compare(legacy, mgc, messages="fingerprint")["passed"]
    assert not compare(legacy, mgc, messages="digest")["passed"]


def test_a_dropped_member_is_named(dbs):
    legacy, mgc = dbs
    F.execute(mgc, "DELETE FROM tblPrincipalRole WHERE prinRoleNodeID = 50 AND prinRolePrinID = 104")
    (difference,) = only(compare(legacy, mgc), "ROLE_MISSING")
    assert (difference["object"], difference["role"], difference["principal"]) == (
        "IT_Helpdesk_Tickets", "member", "sip:pat@fabrikam.com")


def test_a_lost_root_manager_is_a_difference(dbs):
    legacy, mgc = dbs
    F.execute(mgc, "DELETE FROM tblPrincipalRole WHERE prinRoleNodeID = 60 AND prinRolePrinID = 106")
    (difference,) = only(compare(legacy, mgc), "ROLE_MISSING")
    assert (difference["object"], difference["role"], difference["principal"]) == ("Old", "manager", "sip:boss@contoso.local")


def test_a_renamed_room_is_recognised_by_its_guid(dbs):
    legacy, mgc = dbs
    F.execute(mgc, "UPDATE tblNode SET nodeName = 'Generalissimo' WHERE nodeID = 40")
    (difference,) = only(compare(legacy, mgc), "ROOM_RENAMED")
    assert (difference["object"], difference["actual"], difference["legacy"]) == ("General", "Generalissimo", "IT / General")


def test_a_room_missing_altogether(dbs):
    legacy, mgc = dbs
    F.execute(mgc, "DELETE FROM tblNode WHERE nodeID = 60")
    (difference,) = only(compare(legacy, mgc), "ROOM_MISSING")
    assert difference["object"] == "Old"


def test_an_extra_room_is_named_unless_ignored(dbs):
    legacy, mgc = dbs
    F.execute(mgc, "INSERT INTO tblNode (nodeID, nodeGuid, parentID, nodeType, nodeName, behavior, visibility)"
                   " VALUES (99, 'g-x', 20, 0, 'Pilot Room', 4, 3)")
    (difference,) = only(compare(legacy, mgc), "ROOM_EXTRA")
    assert difference["object"] == "Pilot Room"
    assert compare(legacy, mgc, ignore=["pilot room"])["passed"]


def test_a_lost_addin_is_named_with_the_rooms_that_used_it(dbs):
    legacy, mgc = dbs
    F.execute(mgc, "DELETE FROM tblSiopWhiteList WHERE siopName = 'Wiki'")
    result = compare(legacy, mgc)
    assert result["differences_by_kind"] == {"ADDIN_MISSING": 1, "ROOM_SETTING": 1}
    kinds = {(d["kind"], d["object"], d.get("setting")) for d in result["differences"]}
    assert kinds == {("ADDIN_MISSING", "Wiki", None), ("ROOM_SETTING", "General", "addin")}


def test_settings_scopes_and_federated_users(dbs):
    legacy, mgc = dbs
    F.execute(mgc, "UPDATE tblNode SET invite = 1 WHERE nodeID = 50")          # the invitation fix-up undone
    F.execute(mgc, "UPDATE tblNode SET logged = 0 WHERE nodeID = 30")
    F.execute(mgc, "DELETE FROM tblScopePrincipal WHERE scopeNodeID = 30 AND scopePrinID = 103")
    F.execute(mgc, "UPDATE tblPrincipal SET prinDisabled = 0 WHERE prinID = 104")
    result = compare(legacy, mgc)
    found = {(d["kind"], d["object"], d.get("setting") or d.get("principal")) for d in result["differences"]}
    assert found == {("ROOM_SETTING", "IT_Helpdesk_Tickets", "invitations"),
                     ("CATEGORY_SETTING", "IT_Helpdesk", "chat_history"),
                     ("SCOPE_MISSING", "IT_Helpdesk", "sip:carol@contoso.local"),
                     ("FEDERATED_NOT_DISABLED", "sip:pat@fabrikam.com", None)}


def test_start_date_leaves_older_legacy_messages_out(tmp_path):
    legacy = F.write_legacy(tmp_path / "groupchat.db")
    mgc = F.write_mgc(tmp_path / "mgc.db", start_ticks=F.T2011)
    assert not compare(legacy, mgc)["passed"]
    result = compare(legacy, mgc, start_ticks=F.T2011, messages="digest")
    assert result["passed"], result["differences"]
    assert result["counts"]["messages_legacy"] == 7


def test_scope_limits_what_is_expected_and_what_counts_as_extra(dbs):
    legacy, mgc = dbs
    result = compare(legacy, mgc, scope=["helpdesk"])
    assert result["passed"], result["differences"]
    assert result["counts"]["rooms_expected"] == 1
    assert result["out_of_scope"] == ["General", "IT", "Normal with presenter", "Old", "Stage"]
    with pytest.raises(ValueError, match="nosuch"):
        compare(legacy, mgc, scope=["NoSuch"])


def test_differences_are_capped_but_counted(dbs):
    legacy, mgc = dbs
    F.execute(mgc, "DELETE FROM tblPrincipalRole")
    result = compare(legacy, mgc, max_differences=3)
    assert len(result["differences"]) == 3 and result["differences_total"] == 19


def test_every_query_is_read_only_and_written_once_for_both_engines():
    class Sqlite(object):
        is_sqlite = True

    class SqlServer(object):
        is_sqlite = False

    statement, params = chat_queries.fingerprint_query(123)
    assert params == [123] and "WHERE chatDate >= ?" in statement
    assert "DATALENGTH(content)" in chat_queries.for_client(statement, SqlServer())
    assert "LENGTH(CAST(content AS BLOB))" in chat_queries.for_client(statement, Sqlite())
    assert chat_queries.for_client("SELECT LEN(a), DATALENGTH(b) FROM t", SqlServer()) == "SELECT LEN(a), DATALENGTH(b) FROM t"
    assert chat_queries.for_client("SELECT LEN(a), DATALENGTH(b) FROM t", Sqlite()) == (
        "SELECT LENGTH(a), LENGTH(CAST(b AS BLOB)) FROM t")
    assert "DATALENGTH" not in chat_queries.for_client("SELECT DATALENGTH(x) FROM t", Sqlite()).replace("DATALENGTH(x)", "")
    for name in dir(chat_queries):
        value = getattr(chat_queries, name)
        if name.isupper() and isinstance(value, str):
            check_read_only(value.replace("%s", ""))


def run_module(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            parity.main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


def test_module_passes_and_fails_on_differences(dbs, capsys):
    legacy, mgc = dbs
    args = {"sql_connection_string": F.odbc(legacy), "target_sql_connection_string": F.odbc(mgc), "messages": "digest",
            "return_rooms": False}
    code, result = run_module(args, capsys)
    assert code == 0 and result["passed"] and "rooms" not in result and result["changed"] is False
    F.execute(mgc, "DELETE FROM tblChat WHERE channelId = 80")
    code, result = run_module(args, capsys)
    assert code == 1 and result["failed"]
    assert "2 difference(s)" not in result["msg"] and "MESSAGES_MISSING 1" in result["msg"]
    code, result = run_module(dict(args, fail_on_differences=False), capsys)
    assert code == 0 and not result["passed"] and result["differences_total"] == 1


def test_module_builds_the_target_connection_from_the_legacy_settings(dbs, capsys):
    legacy, mgc = dbs
    code, result = run_module({"sql_driver": "SQLite3", "sql_database": str(legacy), "target_sql_database": str(mgc)}, capsys)
    assert code == 0 and result["passed"]
    code, result = run_module({"sql_driver": "SQLite3", "sql_database": str(legacy)}, capsys)
    assert code == 1 and "2013 database is not configured" in result["msg"]


def test_sqlite_connections_stream_rows_instead_of_loading_the_result():
    assert streaming("Driver=SQLite3;Database=/x.db;BigInt=1") == "Driver=SQLite3;Database=/x.db;BigInt=1;StepAPI=1"
    assert streaming("Driver=SQLite3;Database=/x.db;StepAPI=0") == "Driver=SQLite3;Database=/x.db;StepAPI=0"
    sql_server = "Driver={ODBC Driver 18 for SQL Server};Server={sql01};Database={mgc}"
    assert streaming(sql_server) == sql_server


def test_a_database_without_the_tables_fails_the_module_with_the_database_named(dbs, tmp_path, capsys):
    legacy, _mgc = dbs
    empty = tmp_path / "empty.db"
    sqlite3_conn = sqlite3.connect(str(empty))
    sqlite3_conn.execute("CREATE TABLE unrelated (x INTEGER)")
    sqlite3_conn.close()
    code, result = run_module({"sql_connection_string": F.odbc(legacy), "target_sql_connection_string": F.odbc(empty)}, capsys)
    assert code == 1 and "compare the legacy and 2013 databases" in result["msg"]
    assert "no such table" in result["msg"] and "empty.db" in result["msg"]


def test_the_message_queries_run_on_connections_of_their_own_closed_afterwards(dbs):
    import pyodbc
    opened = []

    def connect(*args, **kwargs):
        connection = pyodbc.connect(*args, **kwargs)
        opened.append(connection)
        return connection

    legacy, mgc = dbs
    with SQLClient(F.odbc(legacy), connect=connect) as left, SQLClient(F.odbc(mgc), connect=connect) as right:
        assert parity_compare.compare(left, right, messages="digest")["passed"]
        # The two trees' connections stay with their clients; the two message readers' are closed.
        assert len(opened) == 4
        still_open = [connection for connection in opened if not connection.closed]
        assert len(still_open) == 2 and {id(left._connection), id(right._connection)} == set(map(id, still_open))


def test_the_cycle_collector_is_paused_while_reading_and_left_as_found(dbs):
    import gc
    seen = []
    original = parity_compare._room_messages

    def spy(*args):
        seen.append(gc.isenabled())
        return original(*args)

    parity_compare._room_messages = spy
    try:
        assert gc.isenabled() and compare(*dbs)["passed"] and gc.isenabled()
        gc.disable()
        assert compare(*dbs)["passed"] and not gc.isenabled()
    finally:
        gc.enable()
        parity_compare._room_messages = original
    assert seen == [False] * 4
