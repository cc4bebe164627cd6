"""After each stage playbook ran on its own, in order, twice."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared"))

import lab_checks as lab  # noqa: E402

STAGES = ["preflight", "readiness", "backup", "pool_configuration", "cutover", "verify", "enable_users", "decommission"]


def test_each_stage_started_once_and_finished_once_in_order():
    events = [e for e in lab.ledger()["events"] if "step" not in e]
    assert [(e["stage"], e["status"]) for e in events] == [(s, status) for s in STAGES for status in ("running", "done")]


def test_the_report_passed():
    assert lab.report()["status"] == "passed"
