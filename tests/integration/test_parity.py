"""readiness and parity against real migrations in the lab, driven as an operator would.

For the ``standard`` and ``hostile`` datasets a lab of its own is started (on free ports of its own,
lab_ports.py, beside the session's lab): the Group Chat and Persistent Chat services are stopped and
Export-CsPersistentChatData / Import-CsPersistentChatData run over WinRM with plain pywinrm. Then:
- readiness (run through ansible, before the import) lists exactly what Import then reported as errors and
  warnings, object by object (Import's own -Report page is the oracle), and the files to copy;
- parity (run through ansible) passes on both datasets;
- copies of mgc are corrupted with plain SQL, one way at a time, as a migration can go wrong, and parity
  names each one.
"""
from __future__ import annotations

import base64
import html
import json
import os
import re
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import winrm
from lab_ports import claim_offset

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
USER, PASSWORD = "CONTOSO\\lyncadmin", "Lab-Passw0rd!"       # lab-only account (topologies/lync2010.yaml)


class MigratedLab(object):
    def __init__(self, dataset, state_dir):
        self.dataset = dataset
        self.state_dir = state_dir
        self.offset = claim_offset()
        self.env = dict(os.environ, PCHAT_LAB_PORT_OFFSET=str(self.offset), PATH="%s:%s" % (BIN, os.environ["PATH"]),
                        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
        self.control = "http://127.0.0.1:%d" % (15980 + self.offset)

    def cli(self, *args):
        done = subprocess.run([str(BIN / "pchat-lab"), *args, "--state-dir", str(self.state_dir)], env=self.env,
                              cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def get(self, path):
        with urllib.request.urlopen(self.control + path, timeout=60) as response:
            return json.loads(response.read().decode())

    def powershell(self, host, script):
        """(exit code, stdout, stderr) of a script on a lab host, UTF-8 both ways (code page 65001)."""
        url = self.get("/endpoints")[host]["http"]
        # CredSSP: the export and import on FE01 reach sql01, a second hop the lab refuses to NTLM.
        protocol = winrm.Protocol(url, transport="credssp", username=USER, password=PASSWORD,
                                  read_timeout_sec=300, operation_timeout_sec=20)
        shell = protocol.open_shell(codepage=65001)
        try:
            encoded = base64.b64encode(script.encode("utf-16-le")).decode()
            command = protocol.run_command(shell, "powershell.exe", ["-NoProfile", "-NonInteractive", "-EncodedCommand", encoded])
            out, err, code = protocol.get_command_output(shell, command)
            protocol.cleanup_command(shell, command)
        finally:
            protocol.close_shell(shell)
        return code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")

    def odbc(self):
        strings = dict(line.split("\t", 1) for line in self.cli("odbc").splitlines() if "\t" in line)
        return strings["sql01.contoso.local\\GROUPCHAT/GroupChat"], strings["sql01.contoso.local\\RTC/mgc"]


def database_file(connection_string):
    return re.search(r"Database=([^;]+)", connection_string).group(1)


def ansible_module(lab, module, args):
    """Run a module of the collection ad hoc on localhost; returns (status, result)."""
    done = subprocess.run([str(BIN / "ansible"), "localhost", "-o", "-m", "lync.persistent_chat.%s" % module,
                           "-a", json.dumps(args)], env=lab.env, cwd=REPO, capture_output=True, text=True, timeout=600,
                          check=False)
    line = next(line for line in done.stdout.splitlines() if line.startswith("localhost | "))
    status, payload = line[len("localhost | "):].split(" => ", 1)
    return status.strip(), json.loads(payload)


def import_report_rows(page):
    """(id, severity, object) of every error and warning of Import's -Report page."""
    rows = re.findall(r'<tr class="(Error|Warning)"><td>(.*?)</td><td>.*?</td><td>(.*?)</td>', page, re.S)
    return [(html.unescape(ident), severity, html.unescape(obj)) for severity, ident, obj in rows]


@pytest.fixture(scope="module", params=["standard", "hostile"])
def migrated(request, tmp_path_factory):
    lab = MigratedLab(request.param, tmp_path_factory.mktemp("lab-%s" % request.param))
    lab.cli("up", "--topology", "lync2010", "--dataset", request.param)
    try:
        legacy, mgc = lab.odbc()
        # Readiness first, as the runbook does, while nothing is migrated yet.
        status, readiness = ansible_module(lab, "readiness", {
            "sql_connection_string": legacy, "target_sql_connection_string": mgc, "fail_on": "none",
            "scan_messages": True, "max_objects": 0})
        assert status == "SUCCESS", readiness
        # The documented procedure: services stopped on both sides, export, import.
        for host, services in (("GC01", "GroupChatChannel,GroupChatLookup,GroupChatCompliance,GroupChatWeb"),
                               ("PC01", "RTCCHAT,RTCCHATCOMPLIANCE")):
            code, out, err = lab.powershell(host, "Stop-Service -Name %s -Force" % services)
            assert code == 0, err
        code, out, err = lab.powershell("FE01", "\n".join([
            "Import-Module Lync",
            "New-Item -ItemType Directory -Path C:\\Migration -Force | Out-Null",
            "Export-CsPersistentChatData -DBInstance 'sql01.contoso.local\\GROUPCHAT' -DBName GroupChat "
            "-FileName C:\\Migration\\gc.zip -Level All",
            "Import-CsPersistentChatData -DBInstance 'sql01.contoso.local\\RTC' -FileName C:\\Migration\\gc.zip "
            "-Report C:\\Migration\\import.html -Confirm:$false -ErrorAction Continue",
            "exit 0"]))
        assert code == 0, err
        code, page, err = lab.powershell("FE01", "Get-Content -LiteralPath C:\\Migration\\import.html -Encoding UTF8")
        assert code == 0 and "Import-CsPersistentChatData" in page, err
        lab.legacy, lab.mgc, lab.readiness, lab.import_rows = legacy, mgc, readiness, import_report_rows(page)
        lab.notable = lab.get("/state")["backends"]["lync"]["databases"]["seed_summary"]["legacy"]
        yield lab
    finally:
        lab.cli("down")


# The corruptions and the verify play run on the standard dataset's migration (the module-scoped lab is reused).
ON_STANDARD = pytest.mark.parametrize("migrated", ["standard"], indirect=True)


# Import's ids -> readiness finding ids (Import reports per object; readiness groups by id).
IMPORT_TO_FINDING = {"ROOM_NAME_TOO_LONG": "ROOM_NAME_TOO_LONG", "CATEGORY_FLATTENED": "NESTED_CATEGORY",
                     "INVITATION_CONFLICT": "INVITATION_CONFLICT", "DISABLED_ROOM": "DISABLED_ROOMS",
                     "FEDERATED_PRINCIPAL": "FEDERATED_USERS", "ADDIN_INVALID": "ADDIN_INVALID",
                     "PRESENTERS_DROPPED": "PRESENTERS_DROPPED", "DUPLICATE_NAME": "DUPLICATE_NAME",
                     "NAME_CONFLICT": "NAME_CONFLICT", "CATEGORY_NAME_TOO_LONG": "CATEGORY_NAME_TOO_LONG",
                     "CATEGORY_MANAGERS_DROPPED": "CATEGORY_MANAGERS_DROPPED"}


def test_readiness_lists_what_import_then_reported_and_nothing_else(migrated):
    findings = {f["id"]: f for f in migrated.readiness["findings"]}
    expected = {}
    for ident, _severity, obj in migrated.import_rows:
        if ident in IMPORT_TO_FINDING:
            expected.setdefault(IMPORT_TO_FINDING[ident], []).append(obj)
    for finding_id, objects in expected.items():
        assert sorted(o["object"] for o in findings[finding_id]["objects"]) == sorted(objects), finding_id
    # Import reports these as one summary line each; readiness names the objects.
    summary = {ident for ident, _severity, _obj in migrated.import_rows}
    assert ("ROOT_MANAGERS" in summary) == ("ROOT_MANAGERS" in findings)
    assert ("TOPIC_DROPPED" in summary) == ("TOPICS_DROPPED" in findings)
    assert ("ROOM_FLAGS_DROPPED" in summary) == ("ROOM_FLAGS_DROPPED" in findings)
    assert set(findings) == set(expected) | {"ROOT_MANAGERS", "TOPICS_DROPPED", "ROOM_FLAGS_DROPPED", "FILES_TO_COPY"}
    # The dataset's planted problems, by name.
    notable = migrated.notable["notable"]
    assert sorted(o["object"] for o in findings["ROOT_MANAGERS"]["objects"]) == sorted(notable["root_managers"])
    assert sorted(o["object"] for o in findings["FEDERATED_USERS"]["objects"]) == sorted(notable["federated_users"])
    assert sorted(o["object"].split(" / ")[-1] for o in findings["NESTED_CATEGORY"]["objects"]) == sorted(
        path[-1] for path in notable["nested_categories"])
    assert [o["object"].rsplit(" / ", 1)[-1] for o in findings["ROOM_NAME_TOO_LONG"]["objects"]] == notable["long_name_rooms"]
    conflicts = [o["object"].rsplit(" / ", 1)[-1] for o in findings["INVITATION_CONFLICT"]["objects"]]
    assert set(notable["invitation_conflicts"]) <= set(conflicts)
    assert sorted(o["object"].rsplit(" / ", 1)[-1] for o in findings["DISABLED_ROOMS"]["objects"]) == sorted(notable["disabled_rooms"])
    assert findings["FILES_TO_COPY"]["file_links"] == migrated.notable["files"]
    # Rooms that are not migrated at all (too long) are reported for that, not for their topic.
    assert findings["TOPICS_DROPPED"]["count"] == len(set(notable["rooms_with_topic"]) - set(notable["long_name_rooms"]))


def parity(lab, target=None, **extra):
    args = {"sql_connection_string": lab.legacy, "target_sql_connection_string": target or lab.mgc,
            "fail_on_differences": False, "return_rooms": False}
    args.update(extra)
    status, result = ansible_module(lab, "parity", args)
    assert status == "SUCCESS", result
    return result


@pytest.mark.parametrize("mode", ["digest", "fingerprint"])
def test_a_correct_migration_passes(migrated, mode):
    result = parity(migrated, messages=mode)
    assert result["passed"] and result["differences_total"] == 0, result["differences"][:10]
    assert result["counts"]["messages_legacy"] == result["counts"]["messages_target"] > 0
    assert result["explained"]["ROOT_MANAGERS_ADDED"] == result["counts"]["rooms_expected"]
    assert result["explained"]["FEDERATED_DISABLED"] == len(migrated.notable["notable"]["federated_users"])
    # The expectations resting on ASSUMED transformations name the dataset's planted cases; documented ones
    # (root managers, federated users) are not among them.
    notable, assumed = migrated.notable["notable"], result["assumed"]
    rooms = {}
    for entry in assumed["objects"]:
        if entry["object_type"] == "room":
            for kind in entry["transformations"]:
                rooms.setdefault(kind, []).append(entry["object"].rsplit(" / ", 1)[-1])
    assert sorted(rooms["ROOM_NAME_TOO_LONG"]) == sorted(notable["long_name_rooms"])
    assert sorted(rooms.get("DISABLED_ROOM", [])) == sorted(notable["disabled_rooms"])
    assert assumed["by_transformation"]["ROOM_PREFIXED"] == result["explained"]["ROOM_PREFIXED"]
    assert assumed["rooms"] == len({(e["object"]) for e in assumed["objects"] if e["object_type"] == "room"}) > 0
    assert not {"ROOT_MANAGERS_ADDED", "FEDERATED_DISABLED"} & set(assumed["by_transformation"])


@ON_STANDARD
def test_a_verify_play_writes_the_report_and_prints_the_summary(migrated, tmp_path):
    done = subprocess.run([str(BIN / "ansible-playbook"), str(REPO / "tests/integration/playbooks/parity_report.yml"),
                           "-e", json.dumps({"legacy_odbc": migrated.legacy, "mgc_odbc": migrated.mgc,
                                             "report_dir": str(tmp_path)})],
                          env=migrated.env, cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "Migration lab-standard" in done.stdout and "parity: PASSED, 0 difference(s)" in done.stdout
    document = json.loads((tmp_path / "lab-standard.json").read_text(encoding="utf-8"))
    assert document["parity"]["passed"] and document["readiness"]["summary"]["errors"] == 1
    page = (tmp_path / "lab-standard.html").read_text(encoding="utf-8")
    assert page.count('<g class="category"') == min(40, len(document["parity"]["categories"]))


def corrupted_copy(lab, tmp_path, *statements):
    """A copy of mgc changed with plain SQL (sqlite3 on the file, as a DBA would)."""
    copy = tmp_path / "mgc-corrupted.db"
    source = sqlite3.connect("file:%s?mode=ro" % database_file(lab.mgc), uri=True)
    target = sqlite3.connect(str(copy))
    source.backup(target)
    source.close()
    for statement, params in statements:
        target.execute(statement, params)
    target.commit()
    target.close()
    return "Driver=SQLite3;Database=%s;BigInt=1" % copy


def busiest_room(lab):
    conn = sqlite3.connect("file:%s?mode=ro" % database_file(lab.mgc), uri=True)
    try:
        return conn.execute("SELECT n.nodeID, n.nodeName FROM tblNode n JOIN tblChat m ON m.channelId = n.nodeID "
                            "WHERE n.nodeType = 0 GROUP BY n.nodeID, n.nodeName ORDER BY COUNT(*) DESC, n.nodeID LIMIT 1").fetchone()
    finally:
        conn.close()


def kinds(result):
    return {(d["kind"], d["object"]) for d in result["differences"]}


@ON_STANDARD
def test_a_missing_message(migrated, tmp_path):
    standard = migrated
    room, name = busiest_room(standard)
    target = corrupted_copy(standard, tmp_path, ("DELETE FROM tblChat WHERE channelId = ? AND chatId = 7", (room,)))
    result = parity(standard, target)
    assert kinds(result) == {("MESSAGES_MISSING", name)}
    assert [(m["chat_id"], m["change"]) for m in result["differences"][0]["messages"]] == [(7, "missing")]


@ON_STANDARD
def test_a_changed_message(migrated, tmp_path):
    standard = migrated
    room, name = busiest_room(standard)
    target = corrupted_copy(standard, tmp_path, (
        "UPDATE tblChat SET content = substr(content, 1, length(content) - 1) || '#' WHERE channelId = ? AND chatId = 11", (room,)))
    result = parity(standard, target)
    assert kinds(result) == {("MESSAGES_CHANGED", name)}
    assert result["differences"][0]["messages"][0]["chat_id"] == 11
    assert result["differences"][0]["messages"][0]["fields"] == ["content"]


@ON_STANDARD
def test_a_dropped_member(migrated, tmp_path):
    standard = migrated
    conn = sqlite3.connect("file:%s?mode=ro" % database_file(standard.mgc), uri=True)
    node, principal, name, uri = conn.execute(
        "SELECT r.prinRoleNodeID, r.prinRolePrinID, n.nodeName, p.prinUri FROM tblPrincipalRole r"
        " JOIN tblNode n ON n.nodeID = r.prinRoleNodeID JOIN tblPrincipal p ON p.prinID = r.prinRolePrinID"
        " JOIN tblRoleType t ON t.rtypeID = r.prinRoleTypeID WHERE n.nodeType = 0 AND t.rtypeDesc = 'Member'"
        " ORDER BY r.prinRoleNodeID LIMIT 1").fetchone()
    conn.close()
    target = corrupted_copy(standard, tmp_path, (
        "DELETE FROM tblPrincipalRole WHERE prinRoleNodeID = ? AND prinRolePrinID = ? AND prinRoleTypeID ="
        " (SELECT rtypeID FROM tblRoleType WHERE rtypeDesc = 'Member')", (node, principal)))
    result = parity(standard, target)
    assert [(d["kind"], d["object"], d["role"], d["principal"]) for d in result["differences"]] == [
        ("ROLE_MISSING", name, "member", uri)]


@ON_STANDARD
def test_a_renamed_room(migrated, tmp_path):
    standard = migrated
    target = corrupted_copy(standard, tmp_path, ("UPDATE tblNode SET nodeName = 'Partners lounge (old)'"
                                                 " WHERE nodeName = 'Partners lounge'", ()))
    result = parity(standard, target)
    assert kinds(result) == {("ROOM_RENAMED", "Partners lounge")}
    assert result["differences"][0]["actual"] == "Partners lounge (old)"


@ON_STANDARD
def test_an_extra_room(migrated, tmp_path):
    standard = migrated
    target = corrupted_copy(standard, tmp_path, (
        "INSERT INTO tblNode (nodeGuid, parentID, nodeType, nodeName, behavior, visibility, disabled)"
        " SELECT '11111111-2222-3333-4444-555555555555', nodeID, 0, 'Leftover test room', 4, 3, 0 FROM tblNode"
        " WHERE nodeType = 1 AND nodeID <> 1 ORDER BY nodeID LIMIT 1", ()))
    result = parity(standard, target)
    assert kinds(result) == {("ROOM_EXTRA", "Leftover test room")}
    assert parity(standard, target, ignore_target_items=["Leftover test room"])["passed"]


@ON_STANDARD
def test_a_lost_addin(migrated, tmp_path):
    standard = migrated
    target = corrupted_copy(standard, tmp_path, ("DELETE FROM tblSiopWhiteList WHERE siopName = 'Tickets'", ()))
    result = parity(standard, target)
    assert ("ADDIN_MISSING", "Tickets") in kinds(result)
    others = {d["kind"] for d in result["differences"]} - {"ADDIN_MISSING"}
    assert others <= {"ROOM_SETTING"}
    assert all(d["setting"] == "addin" and d["expected"] == "tickets" for d in result["differences"] if d["kind"] == "ROOM_SETTING")
