"""Issue 12, items 6 (rename map) and 8 (verify re-checks), as trials on the session's lab (small dataset).

- A room that Import would leave behind only because of its name (the dataset's room whose prefixed name is over
  256 characters) is kept through ``pchat_room_renames``: readiness shows the new name and no longer flags it, the
  cutover renames it in the legacy database after the verified backup and before the export (recorded in the
  ledger), and the room is in mgc under its new name with all its messages. A bad map fails at readiness, changing
  nothing; a cutover rolled back puts the old name back.
- After a finished migration (the rename trial's: one whole migration serves both), a posted file deleted and
  another damaged in the 2013 file store (the lab keeps each host's drives under ``<state>/hosts/<HOST>/<letter>``)
  and a message row removed from mgc (over the lab's ODBC) make ``playbooks/verify.yml`` run alone fail, naming
  the file server, the files and the room; untouched, it passes and changes nothing.

The lab is reached only through its control endpoint, its ODBC connection strings and its documented state folder.
"""
from __future__ import annotations

import json
from pathlib import Path

import pyodbc
import pytest

from conftest import run_playbook
from stages_support import PLAYBOOKS, after_preflight, ledger, ok, recap_changed, stage
from steps_support import module

NEW_NAME = "Kept through the rename map"


def odbc(lab) -> tuple:
    """(legacy, mgc) ODBC connection strings the lab serves."""
    strings = lab.call("GET", "/odbc")["lync"]
    legacy = next(value for key, value in strings.items() if key.upper().endswith("GROUPCHAT"))
    mgc = next(value for key, value in strings.items() if key.upper().endswith("RTC"))
    return legacy, mgc


def sql(connection_string: str, statement: str, *params):
    connection = pyodbc.connect(connection_string, autocommit=True)
    try:
        cursor = connection.execute(statement, params)
        return cursor.fetchall() if cursor.description else cursor.rowcount
    finally:
        connection.close()


def readiness_findings(lab, renames=None) -> dict:
    legacy, mgc = odbc(lab)
    args = {"sql_connection_string": legacy, "target_sql_connection_string": mgc, "fail_on": "none"}
    if renames:
        args["room_renames"] = renames
    status, result, _log = module(lab, "fe01", "readiness", args)
    assert status == "SUCCESS", result
    return result


def over_long_room(lab) -> dict:
    """The dataset's room Import leaves behind for its name: its label, legacy id and message count."""
    found = readiness_findings(lab)
    finding = next(f for f in found["findings"] if f["id"] == "ROOM_NAME_TOO_LONG")
    assert finding["count"] == 1, finding
    label = finding["objects"][0]["object"]
    legacy, _mgc = odbc(lab)
    (node_id,), = sql(legacy, "SELECT nodeID FROM tblNode WHERE nodeType = 0 AND nodeName = ?", label.rsplit(" / ", 1)[1])
    (messages,), = sql(legacy, "SELECT COUNT(*) FROM tblChat WHERE channelId = ?", node_id)
    assert messages > 0
    return {"label": label, "name": finding["objects"][0]["name"], "node_id": node_id, "messages": messages}


def legacy_name(lab, node_id: int) -> str:
    legacy, _mgc = odbc(lab)
    return sql(legacy, "SELECT nodeName FROM tblNode WHERE nodeID = ?", node_id)[0][0]


def renamed(label: str) -> str:
    return label.rsplit(" / ", 1)[0] + " / " + NEW_NAME


@pytest.fixture(scope="module")
def renamed_migration(lab, preflight_ledger, tmp_path_factory):
    """One whole migration of a freshly reset lab in which the rename map keeps the over-long room (nothing
    accepts its error any more), after the session's preflight and a readiness run alone whose result is
    kept. The two tests that read a finished migration share it, and run before any other test of this
    module resets the lab; the file-store test, which damages it, runs last of the two."""
    ledger_dir = tmp_path_factory.mktemp("renamed-migration")
    lab.reset()
    room = over_long_room(lab)
    extra = ("-e", json.dumps({"pchat_room_renames": {room["label"]: NEW_NAME},
                               "readiness_accept_errors": [], "cutover_accept_errors": []}))
    after_preflight(preflight_ledger, ledger_dir)
    ok(stage(lab, ledger_dir, "readiness", *extra))
    readiness = ledger(ledger_dir)["stages"]["readiness"]["data"]["result"]
    # Readiness only read: the legacy room keeps its name until the cutover.
    name_after_readiness = legacy_name(lab, room["node_id"])
    migrated = run_playbook(PLAYBOOKS / "migrate.yml", "-e", "pchat_lab_state_dir=%s" % lab.state_dir,
                            "-e", "pchat_ledger_dir=%s" % ledger_dir, "-e", "pchat_report_dir=%s" % (ledger_dir / "report"),
                            *extra)
    return dict(room=room, extra=extra, ledger_dir=ledger_dir, readiness=readiness,
                name_after_readiness=name_after_readiness, migrated=migrated)


@pytest.mark.slow(minutes=1.5)
def test_a_room_left_behind_for_its_name_is_kept_through_the_rename_map(lab, renamed_migration):
    room, result = renamed_migration["room"], renamed_migration["readiness"]
    assert "ROOM_NAME_TOO_LONG" not in [finding["id"] for finding in result["findings"]]
    (rename,) = result["renames"]
    assert rename["object"] == room["label"] and rename["new_object"] == renamed(room["label"])
    new_2013_name = rename["name"]
    assert new_2013_name.endswith(NEW_NAME) and len(new_2013_name) <= 256
    assert renamed_migration["name_after_readiness"] == room["label"].rsplit(" / ", 1)[1]

    ok(renamed_migration["migrated"])
    book = ledger(renamed_migration["ledger_dir"])
    assert book["stages"]["verify"]["status"] == "done"
    step = book["stages"]["cutover"]["steps"]["renames"]
    assert step["status"] == "done"
    assert step["data"]["renamed"] == [{"legacy_id": room["node_id"], "old": room["label"].rsplit(" / ", 1)[1],
                                        "new": NEW_NAME}]
    # Renamed after the backup was checked and before the export.
    order = [event.get("step") for event in book["events"] if event["stage"] == "cutover" and event.get("step")]
    assert order.index("renames") < order.index("export")
    assert legacy_name(lab, room["node_id"]) == NEW_NAME
    _legacy, mgc = odbc(lab)
    (node_id,), = sql(mgc, "SELECT nodeID FROM tblNode WHERE nodeType = 0 AND nodeName = ?", new_2013_name)
    (messages,), = sql(mgc, "SELECT COUNT(*) FROM tblChat WHERE channelId = ?", node_id)
    assert messages >= room["messages"]


def file_store(lab) -> Path:
    """The 2013 file store's service folder (\\\\fs01\\LyncShare\\1-PersistentChatService-1) in the lab's state."""
    hosts = Path(lab.state_dir) / "hosts"
    found = [path for path in hosts.glob("*/*/**/1-PersistentChatService-1")
             if path.relative_to(hosts).parts[0].lower() == "fs01"]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.slow(minutes=1)
def test_verify_run_alone_after_the_migration_rechecks_the_file_store_and_the_databases(lab, renamed_migration):
    ok(renamed_migration["migrated"])
    ledger_dir, extra = renamed_migration["ledger_dir"], renamed_migration["extra"]
    assert ledger(ledger_dir)["stages"]["verify"]["status"] == "done"
    again = ok(stage(lab, ledger_dir, "verify", *extra))
    assert recap_changed(again) == 0
    assert "Compare every category, room, add-in, role, member and message" in again.stdout

    files = sorted(path for path in file_store(lab).rglob("*") if path.is_file())
    assert len(files) >= 2
    deleted, damaged = files[0], files[-1]
    deleted.unlink()
    size = damaged.stat().st_size
    damaged.write_bytes(b"\0" * size)          # same size, other content: only the hash tells
    _legacy, mgc = odbc(lab)
    (channel, chat_id, room), = sql(mgc, "SELECT c.channelId, c.chatId, n.nodeName FROM tblChat c JOIN tblNode n "
                                         "ON n.nodeID = c.channelId ORDER BY c.chatId LIMIT 1")
    assert sql(mgc, "DELETE FROM tblChat WHERE channelId = ? AND chatId = ?", channel, chat_id) == 1

    failed = stage(lab, ledger_dir, "verify", *extra)
    assert failed.returncode != 0
    text = " ".join(failed.stdout.split())
    assert "fs01" in text and deleted.name in text and damaged.name in text, text[-6000:]
    assert "1 missing" in text and "1 damaged" in text
    assert room in text, text[-6000:]
    # The ledger still holds the verification that passed: a re-check records nothing.
    assert ledger(ledger_dir)["stages"]["verify"]["status"] == "done"


def test_a_bad_rename_map_fails_at_readiness_and_changes_nothing(clean_lab, preflight_ledger, tmp_path):
    room = over_long_room(clean_lab)
    legacy, _mgc = odbc(clean_lab)
    # Another room of the same top-level category: renaming the over-long room after it makes a duplicate.
    siblings = sql(legacy, "SELECT nodeName FROM tblNode WHERE nodeType = 0 AND parentID = "
                           "(SELECT parentID FROM tblNode WHERE nodeID = ?) AND nodeID <> ?", room["node_id"], room["node_id"])
    bad = {room["label"]: "x" * 300}
    if siblings:
        bad = {room["label"]: siblings[0][0]}
    after_preflight(preflight_ledger, tmp_path)
    refused = stage(clean_lab, tmp_path, "readiness", "-e", json.dumps({"pchat_room_renames": bad}))
    assert refused.returncode != 0
    text = " ".join(refused.stdout.split())
    assert "pchat_room_renames cannot be used, nothing was changed" in text, text[-4000:]
    assert " ".join(room["label"].split()) in text
    unknown = stage(clean_lab, tmp_path, "readiness", "-e", json.dumps({"pchat_room_renames": {"No such / room": "x"}}))
    assert unknown.returncode != 0
    assert "no legacy room is called 'No such / room'" in " ".join(unknown.stdout.split())
    assert legacy_name(clean_lab, room["node_id"]) == room["label"].rsplit(" / ", 1)[1]


@pytest.mark.slow(minutes=1)
def test_a_rolled_back_cutover_puts_the_old_room_name_back(clean_lab, preflight_ledger, tmp_path):
    room = over_long_room(clean_lab)
    extra = ("-e", json.dumps({"pchat_room_renames": {room["label"]: NEW_NAME}}))
    after_preflight(preflight_ledger, tmp_path)
    for name in ("readiness", "backup"):
        ok(stage(clean_lab, tmp_path, name, *extra))
    # The first Import-CsPersistentChatData is the -WhatIf run, after the rename and the export.
    clean_lab.fault(kind="cmdlet", host="FE01", cmdlet="Import-CsPersistentChatData", nth=1,
                    message="Injected: the SQL Server is not reachable.")
    failed = stage(clean_lab, tmp_path, "cutover", "-e", "cutover_rollback_on_failure=true", *extra)
    assert failed.returncode != 0
    book = ledger(tmp_path)
    assert book["stages"]["cutover"]["status"] == "rolled_back", failed.stdout[-6000:]
    assert book["stages"]["rollback"]["status"] == "done"
    assert legacy_name(clean_lab, room["node_id"]) == room["label"].rsplit(" / ", 1)[1]
