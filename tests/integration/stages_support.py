"""The stage playbooks run against the test lab with a ledger of the test's own (pchat_ledger_dir), and what
they leave behind: shared by the role trials (test_roles.py) and the reliability trials."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import REPO, run_playbook

PLAYBOOKS = REPO / "playbooks"


def stage_args(lab, ledger_dir: Path, *extra: str) -> list:
    return ["-e", "pchat_lab_state_dir=%s" % lab.state_dir, "-e", "pchat_ledger_dir=%s" % ledger_dir,
            "-e", "pchat_report_dir=%s" % (ledger_dir / "report"), *extra]


def stage(lab, ledger_dir: Path, name: str, *extra: str):
    """playbooks/<name>.yml against the lab, with the test's own ledger and report folders."""
    return run_playbook(PLAYBOOKS / ("%s.yml" % name), *stage_args(lab, ledger_dir, *extra))


def after_preflight(preflight_ledger: Path, ledger_dir: Path) -> None:
    """Start ``ledger_dir`` with the ledger of the module's finished preflight (conftest.preflight_ledger)."""
    ledger_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(preflight_ledger / "lab.json", ledger_dir / "lab.json")


def ok(process):
    assert process.returncode == 0, process.stdout[-8000:] + process.stderr[-2000:]
    return process


def flat(process) -> str:
    """The play's output with Ansible's line wrapping undone."""
    return " ".join((process.stdout + process.stderr).split())


def ledger(ledger_dir: Path) -> dict:
    """The lab migration's ledger, {} before any stage wrote it."""
    path = ledger_dir / "lab.json"
    return json.loads(path.read_text()) if path.exists() else {}


def recap_changed(process, host: str = "fe01") -> int:
    line = [line for line in process.stdout.splitlines() if line.startswith(host)][-1]
    return int(line.split("changed=")[1].split()[0])
