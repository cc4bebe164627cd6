"""The WinRM password never reaches the disk, a command line or an environment (issue 12, item 4).

A lab of its own whose administrator has a password seen nowhere else, given to Ansible the way an
operator does (a vars file, standing in for the inventory or a vault). Ansible runs with pipelining off,
as an ansible.cfg may say, and with its local and remote temporary folders and TMPDIR in folders of this
test: a migration stage with its ledger and report (-vvv), then a module SIGKILLed with its whole process
tree while it waits on a slow server. Every file those runs could have written (the temporary folders,
~/.ansible, the ledger, the report) is then searched for the password, as are -vvv's output and the
command line and environment of every process of the tree while the module ran - kinit's included,
through an ansible_winrm_kinit_cmd that records how it was called. Both with the newest ansible-core (.venv)
and the oldest the collection claims (.venv-oldest, scripts/setup-oldest.sh)."""
from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import BIN, INVENTORY, REPO, _env, lab_exports
from lab_ports import claim_offset

KINIT_RECORDER = """#!/bin/sh
# Records how kinit was called (arguments and environment), then runs the real kinit.
{ echo "ARGV:"; for arg in "$@"; do echo "$arg"; done; echo "ENV:"; env; } >> "%(log)s"
exec kinit "$@"
"""


class SecretLab:
    """A lab whose lyncadmin password is ``password``, and folders to search for it afterwards."""

    def __init__(self, root: Path, ansible_bin: Path):
        assert (ansible_bin / "ansible").exists(), "no %s: run scripts/setup-oldest.sh" % (ansible_bin / "ansible")
        self.ansible_bin = ansible_bin
        self.password = "Zq7-%s-Pw!" % secrets.token_hex(8)
        inputs = root / "inputs"              # what the operator gives Ansible: not searched
        inputs.mkdir()
        source = (REPO / "lab" / "pchat_lab" / "topologies" / "lync2010.yaml").read_text(encoding="utf-8")
        assert source.count('password: "Lab-Passw0rd!"') == 1
        self.topology = inputs / "topology.yaml"
        self.topology.write_text(source.replace('password: "Lab-Passw0rd!"', 'password: "%s"' % self.password),
                                 encoding="utf-8")
        self.kinit_log = root / "kinit-calls.log"
        recorder = inputs / "kinit"
        recorder.write_text(KINIT_RECORDER % {"log": self.kinit_log}, encoding="utf-8")
        recorder.chmod(0o755)
        self.state_dir = root / "state"
        self.searched = {name: root / name for name in ("local_tmp", "remote_tmp", "tmpdir", "ledger", "reports")}
        for folder in self.searched.values():
            folder.mkdir()
        self.vars_file = inputs / "vars.json"
        self.vars_file.write_text(json.dumps({
            "ansible_password": self.password, "pchat_lab_state_dir": str(self.state_dir),
            "pchat_ledger_dir": str(self.searched["ledger"]), "pchat_report_dir": str(self.searched["reports"]),
            "ansible_winrm_kinit_cmd": str(recorder)}), encoding="utf-8")
        self.offset = claim_offset()
        self.env = dict(_env(), PCHAT_LAB_PORT_OFFSET=str(self.offset))
        self.env["PATH"] = "%s:%s" % (ansible_bin, self.env["PATH"])
        self.started = time.time()

    def up(self):
        done = subprocess.run([str(BIN / "pchat-lab"), "up", "--topology", str(self.topology), "--dataset", "small",
                               "--kerberos", "on", "--state-dir", str(self.state_dir)], env=self.env, cwd=REPO,
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        self.env.update(lab_exports(self.state_dir, self.env))
        self.env.update(ANSIBLE_PIPELINING="False",       # as an ansible.cfg may have it: still nothing written
                        ANSIBLE_LOCAL_TEMP=str(self.searched["local_tmp"]),
                        ANSIBLE_REMOTE_TMP=str(self.searched["remote_tmp"]),
                        TMPDIR=str(self.searched["tmpdir"]))

    def down(self):
        subprocess.run([str(BIN / "pchat-lab"), "down", "--state-dir", str(self.state_dir)], env=self.env, cwd=REPO,
                       capture_output=True, check=False)

    def control(self, method: str, path: str, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request("http://127.0.0.1:%d%s" % (15980 + self.offset, path), data=data,
                                         method=method, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
        return json.loads(text) if text else None

    def command(self, program: str, *args: str) -> list:
        return [str(self.ansible_bin / program), "-i", str(INVENTORY), "-e", "@%s" % self.vars_file, *args]

    def run(self, program: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(self.command(program, *args), env=dict(self.env, **(env or {})), cwd=REPO,
                              capture_output=True, text=True, timeout=1200, check=False)

    def files_holding_password(self) -> list:
        """Every file under the searched folders and ~/.ansible whose bytes hold the password."""
        needle = self.password.encode()
        folders = list(self.searched.values()) + [Path.home() / ".ansible"]
        found = []
        for folder in folders:
            for path in folder.rglob("*"):
                try:
                    if path.is_file() and not path.is_symlink() and needle in path.read_bytes():
                        found.append(str(path))
                except OSError:
                    continue
        return found


@pytest.fixture(params=["newest", "oldest"])
def secret_lab(request, tmp_path):
    lab = SecretLab(tmp_path, BIN if request.param == "newest" else REPO / ".venv-oldest" / "bin")
    lab.up()
    try:
        yield lab
    finally:
        lab.down()


def descendants(root: int) -> list:
    """``root`` and every process below it (by parent, so workers that left the process group count)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue.extend(parents.get(pid, []))
    return found


# A module with its own process (a long step): the export, in check mode (it only looks for an earlier export).
EXPORT_CHECK = ("-m", "lync.persistent_chat.data_export", "--check", "-a",
                '{"db_instance": "sql01.contoso.local\\\\GROUPCHAT", "file_name": "C:\\\\PChatMigration\\\\x.zip"}')


def process_texts(pids: list) -> dict:
    """pid -> its command line and environment, as bytes."""
    texts = {}
    for pid in pids:
        try:
            proc = Path("/proc/%d" % pid)
            texts[pid] = (proc / "cmdline").read_bytes() + b"\0" + (proc / "environ").read_bytes()
        except OSError:
            continue
    return texts


@pytest.mark.slow(minutes=1.5)
def test_a_stage_and_a_killed_module_leave_the_password_nowhere(secret_lab):
    # A migration stage with its ledger, then the report: everything -vvv shows.
    stage = secret_lab.run("ansible-playbook", str(REPO / "playbooks" / "preflight.yml"), "-vvv")
    assert "PLAY RECAP" in stage.stdout, stage.stdout[-3000:] + stage.stderr[-3000:]
    assert list(secret_lab.searched["ledger"].glob("*.json")), "the stage wrote no ledger"
    report = secret_lab.run("ansible-playbook", str(REPO / "playbooks" / "report.yml"), "-vvv")
    assert report.returncode == 0, report.stdout[-3000:] + report.stderr[-3000:]
    assert list(secret_lab.searched["reports"].rglob("report.json")), "no report written"
    for run in (stage, report):
        assert secret_lab.password not in run.stdout + run.stderr

    # A module that waits on a slow server, killed with its whole process tree while it runs: one with a long
    # step, which keeps its own process (the others run inside Ansible's worker and hand nothing to a process).
    secret_lab.control("POST", "/faults", {"kind": "delay", "host": "fe01", "seconds": 4})
    seen = secret_lab.control("GET", "/log")
    killed = subprocess.Popen(secret_lab.command("ansible", "fe01", *EXPORT_CHECK, "-vvv"),
                              env=secret_lab.env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    tree_texts = {}
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and killed.poll() is None:
            tree = descendants(killed.pid)
            tree_texts.update(process_texts(tree))
            if len(secret_lab.control("GET", "/log")) > len(seen) and len(tree) > 3:
                break    # the module has reached the server and waits for the next answer
            time.sleep(0.2)
        assert killed.poll() is None, "the module ended before it could be killed"
        tree = descendants(killed.pid)
        tree_texts.update(process_texts(tree))
    finally:
        for pid in descendants(killed.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        output = killed.communicate(timeout=60)[0].decode("utf-8", errors="replace")
        secret_lab.control("DELETE", "/faults")
    assert len(tree_texts) > 3, "the process tree was not seen: %s" % output[-2000:]
    assert "ESTABLISH LOCAL CONNECTION" in output, output[-2000:]
    holding = [pid for pid, text in tree_texts.items() if secret_lab.password.encode() in text]
    assert holding == [], "the password is on the command line or in the environment of %s" % holding
    assert secret_lab.password not in output

    # kinit ran (the recorder saw it) and got the password on stdin only.
    calls = secret_lab.kinit_log.read_text(encoding="utf-8")
    assert "ARGV:\n" in calls and "lyncadmin@CONTOSO.LOCAL" in calls
    assert secret_lab.password not in calls

    assert secret_lab.files_holding_password() == []


def test_keep_remote_files_is_ignored_with_a_warning(secret_lab):
    done = secret_lab.run("ansible", "fe01", *EXPORT_CHECK, env={"ANSIBLE_KEEP_REMOTE_FILES": "1"})
    assert "fe01 | CHANGED" in done.stdout  # would export, done.stdout[-3000:] + done.stderr[-3000:]
    assert "ANSIBLE_KEEP_REMOTE_FILES is set, but lync.persistent_chat modules are never written to disk" in (
        " ".join((done.stdout + done.stderr).split()))
    assert not list(secret_lab.searched["remote_tmp"].rglob("AnsiballZ_*"))
    assert secret_lab.files_holding_password() == []
