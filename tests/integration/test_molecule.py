"""The molecule scenarios (molecule/*), run from pytest so the test suite runs them: each is
`molecule test -s <scenario>` with its own lab on its own free ports (lab_ports.py, clear of the session lab of
conftest.py and of any lab already running), all started at once so the five fit CI's budget on two cores. Each run gets its own ANSIBLE_HOME, where
molecule keeps every scenario's state: shared, concurrent runs read each other's half-written state files.
PCHAT_MOLECULE_SCENARIOS=default,rollback runs a subset."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lab_ports import claim_offset

# Each test takes about this long on CI's two cores (conftest.py: slowest modules first; -m "not slow" skips them).
pytestmark = pytest.mark.slow(minutes=2)

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SCENARIOS = ["default", "ocs2007r2", "staged", "rollback", "interrupted"]
SELECTED = [name for name in (os.environ.get("PCHAT_MOLECULE_SCENARIOS") or ",".join(SCENARIOS)).split(",") if name]


@pytest.fixture(scope="module")
def molecule_runs(tmp_path_factory):
    logs = tmp_path_factory.mktemp("molecule")
    processes = {}
    for name in SELECTED:
        env = dict(os.environ)
        env["PATH"] = "%s:%s" % (BIN, env.get("PATH", ""))
        env["PCHAT_LAB_PORT_OFFSET"] = str(claim_offset())
        env["ANSIBLE_CONFIG"] = str(REPO / "ansible.cfg")
        env["ANSIBLE_HOME"] = str(logs / ("%s.ansible-home" % name))
        env["ANSIBLE_NOCOLOR"] = env["NO_COLOR"] = "1"
        log = open(logs / ("%s.log" % name), "w")
        processes[name] = (subprocess.Popen([str(BIN / "molecule"), "test", "-s", name], cwd=REPO, env=env,
                                            stdout=log, stderr=subprocess.STDOUT), log)
    results = {}
    for name, (process, log) in processes.items():
        try:
            results[name] = process.wait(timeout=1500)
        except subprocess.TimeoutExpired:
            process.kill()
            results[name] = "timeout"
        log.close()
    return results, logs


@pytest.mark.parametrize("scenario", SELECTED)
def test_scenario_passes(molecule_runs, scenario):
    results, logs = molecule_runs
    output = (logs / ("%s.log" % scenario)).read_text(errors="replace")
    assert results[scenario] == 0, output[-8000:]
    assert "Molecule executed 1 scenario (1 successful)" in output
