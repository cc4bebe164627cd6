"""Several pools in one inventory: inventories/lab-two-pools migrates the lab's lync2010-two-pools topology (two
Lync Server 2010 Group Chat pools, two Persistent Chat pools) with playbooks/migrate.yml, one migration per host
of the pchat_migrations group, in parallel. Each pool's data lands in its own Persistent Chat database, each
migration keeps its own ledger and report; a fault in one pool's cutover fails that pool only while the other
completes, and a re-run resumes the failed one alone. The test starts its own lab on a free window of ports."""
from __future__ import annotations

import collections
import json
import re
import sqlite3
import subprocess
import urllib.request

import pytest

from conftest import BIN, REPO, _env, lab_exports
from lab_ports import claim_offset

INVENTORY = REPO / "inventories" / "lab-two-pools"
MIGRATIONS = ("lab-pool1", "lab-pool2")
INJECTED = "Injected: the Group Chat service on GC02 did not stop."
STAGES = ["preflight", "readiness", "backup", "pool_configuration", "cutover", "verify", "enable_users", "decommission"]
DATABASES = {"lab-pool1": ("sql01.groupchat/groupchat.db", "sql01.rtc/mgc.db"),
             "lab-pool2": ("sql01.groupchat2/groupchat.db", "sql01.rtc2/mgc.db")}


class TwoPoolLab:
    def __init__(self, offset, state_dir, reports, env):
        self.control = "http://127.0.0.1:%d" % (15980 + offset)
        self.state_dir, self.reports, self.env = state_dir, reports, env

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.control + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
        return json.loads(text) if text else None

    def migrate(self, *args):
        return subprocess.run([str(BIN / "ansible-playbook"), "-i", str(INVENTORY),
                               str(REPO / "playbooks" / "migrate.yml"), *args], env=self.env, cwd=REPO,
                              capture_output=True, text=True, timeout=3600, check=False)

    def ledger(self, migration) -> dict:
        pid = json.loads((self.state_dir / "lab.json").read_text())["pid"]
        return json.loads((self.state_dir / "ledger" / str(pid) / ("%s.json" % migration)).read_text())

    def report(self, migration) -> dict:
        return json.loads((self.reports / migration / "report.json").read_text())

    def database(self, name):
        return self.state_dir / "sql" / name


@pytest.fixture(scope="module")
def two_pool_lab(tmp_path_factory):
    offset = claim_offset()
    base = tmp_path_factory.mktemp("two-pools")
    state_dir, reports = base / "state", base / "reports"
    env = dict(_env(), PCHAT_LAB_PORT_OFFSET=str(offset), PCHAT_LAB_STATE_DIR=str(state_dir),
               PCHAT_REPORT_DIR=str(reports))
    up = subprocess.run([str(BIN / "pchat-lab"), "up", "--topology", "lync2010-two-pools", "--dataset", "small",
                         "--kerberos", "on", "--state-dir", str(state_dir)], env=env, cwd=REPO,
                        capture_output=True, text=True, check=False)
    assert up.returncode == 0, up.stdout + up.stderr
    try:
        env.update(lab_exports(state_dir, env))      # this lab's own KDC
        yield TwoPoolLab(offset, state_dir, reports, env)
    finally:
        subprocess.run([str(BIN / "pchat-lab"), "down", "--state-dir", str(state_dir)], env=env, cwd=REPO,
                       capture_output=True, check=False)


def recap(process) -> dict:
    """host -> {ok, changed, failed, ...} from the PLAY RECAP."""
    rows = re.findall(r"^(\S+)\s+: (ok=.*)$", process.stdout, re.MULTILINE)
    return {host: {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", counts)} for host, counts in rows}


def messages(path, rooms_left_behind=()) -> collections.Counter:
    """The messages of a chat database, without the lab's background traffic (posted on both sides while a
    Channel service runs) and without the rooms the import left behind."""
    conn = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        rows = conn.execute("SELECT n.nodeName, c.content FROM tblChat c JOIN tblNode n ON n.nodeID = c.channelId"
                            " WHERE c.content NOT LIKE 'Background message %'").fetchall()
    finally:
        conn.close()
    return collections.Counter(content for room, content in rows if room not in rooms_left_behind)


def left_behind(report) -> set:
    return {item["object"].split(" / ")[-1] for item in report["left_behind"]["objects"]
            if item["object_type"] == "room"}


def stage_status(ledger) -> dict:
    return {name: ledger["stages"].get(name, {}).get("status") for name in STAGES}


def assert_in_its_own_pool(lab, migration):
    """The pool's legacy messages (but those of the rooms left behind) are exactly its 2013 database's."""
    legacy, mgc = (lab.database(name) for name in DATABASES[migration])
    moved = messages(legacy, left_behind(lab.report(migration)))
    assert moved and moved == messages(mgc), migration


def test_two_pools_migrate_side_by_side_and_a_fault_in_one_fails_that_pool_only(two_pool_lab):
    lab = two_pool_lab
    # Each legacy pool holds its own data, so that finding it in the right database proves something.
    assert messages(lab.database(DATABASES["lab-pool1"][0])) != messages(lab.database(DATABASES["lab-pool2"][0]))
    lab.call("POST", "/faults", {"kind": "cmdlet", "host": "gc02", "cmdlet": "Stop-Service", "nth": 1,
                                 "message": INJECTED})
    first = lab.migrate()
    output = first.stdout + first.stderr
    assert first.returncode != 0 and INJECTED in first.stdout, output[-6000:]
    hosts = recap(first)
    assert hosts["pool1"]["failed"] == 0 and hosts["pool2"]["failed"] == 1, hosts

    # Ansible went on with pool1 to the end; pool2 stopped in its cutover, after the stages before it.
    ledger1, ledger2 = (lab.ledger(m) for m in MIGRATIONS)
    assert ledger1["migration"] == "lab-pool1" and ledger2["migration"] == "lab-pool2"
    assert set(stage_status(ledger1).values()) == {"done"}, stage_status(ledger1)
    assert stage_status(ledger2) == {"preflight": "done", "readiness": "done", "backup": "done",
                                     "pool_configuration": "done", "cutover": "failed", "verify": None,
                                     "enable_users": None, "decommission": None}
    assert ledger2["stages"]["cutover"]["error"].startswith("1. Stop the legacy Group Chat services")
    assert ledger1["stages"]["cutover"]["error"] is None
    # Each migration has its own report, written even for the one that failed.
    report1, report2 = (lab.report(m) for m in MIGRATIONS)
    assert report1["status"] == "passed" and report1["parity"]["passed"] is True
    assert report2["status"] != "passed" and "cutover" in json.dumps(report2["stages"])
    assert_in_its_own_pool(lab, "lab-pool1")
    assert messages(lab.database(DATABASES["lab-pool2"][1])) == collections.Counter()
    pool1_cutover = ledger1["stages"]["cutover"]

    lab.call("DELETE", "/faults")
    second = lab.migrate()
    assert second.returncode == 0, (second.stdout + second.stderr)[-6000:]
    hosts = recap(second)
    assert hosts["pool1"]["failed"] == 0 and hosts["pool2"]["failed"] == 0, hosts
    ledger1, ledger2 = (lab.ledger(m) for m in MIGRATIONS)
    # Only the failed migration was resumed: pool1's cutover is the one of the first run.
    assert ledger1["stages"]["cutover"] == pool1_cutover
    assert set(stage_status(ledger2).values()) == {"done"}, stage_status(ledger2)
    assert ledger2["stages"]["cutover"]["attempts"] == 2
    for migration in MIGRATIONS:
        report = lab.report(migration)
        assert report["status"] == "passed" and report["parity"]["passed"] is True, migration
        assert_in_its_own_pool(lab, migration)
