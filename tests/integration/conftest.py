"""One lab for the whole integration session, started through its CLI exactly as a user starts it, on
free ports (lab_ports.py: PCHAT_LAB_PORT_OFFSET when the user exported one, else a free window), which
this process exports so that every ansible, ansible-playbook and molecule run (inventories/lab) follows
them. Only labs the tests started are ever stopped. Tests drive the collection only through ansible / ansible-playbook
and look at the lab only through its control endpoint (never its internals)."""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from lab_ports import STRETCH, WINDOW, explicit_offset, remember_given_offset, search_from, session_offset

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
INVENTORY = REPO / "inventories" / "lab"
remember_given_offset()
PORT_OFFSET = session_offset()
os.environ["PCHAT_LAB_PORT_OFFSET"] = str(PORT_OFFSET)
CONTROL = "http://127.0.0.1:%d" % (15980 + PORT_OFFSET)
# `pchat-lab env`'s exports (KRB5_CONFIG, KRB5CCNAME) once the lab runs: inventories/lab logs on with
# Kerberos from the lab's own KDC, so every ansible/molecule run needs them.
LAB_ENV: dict = {}


def _env() -> dict:
    env = dict(os.environ)
    env["PATH"] = "%s:%s" % (BIN, env.get("PATH", ""))
    env["ANSIBLE_CONFIG"] = str(REPO / "ansible.cfg")
    env["ANSIBLE_FORCE_COLOR"] = "0"
    env["ANSIBLE_NOCOLOR"] = "1"
    env["PCHAT_LAB_PORT_OFFSET"] = str(PORT_OFFSET)
    env.update(LAB_ENV)
    return env


def lab_env_exports(text: str) -> dict:
    """The ``export NAME=value`` lines of `pchat-lab env` as a dict (comments skipped)."""
    exports = {}
    for line in text.splitlines():
        if line.startswith("export ") and "=" in line:
            name, value = line[len("export "):].split("=", 1)
            exports[name] = shlex.split(value)[0] if value else ""
    return exports


def lab_exports(state_dir: Path, env: dict) -> dict:
    """`pchat-lab env`'s exports of the lab in ``state_dir``: a test's own lab has a KDC of its own."""
    done = subprocess.run([str(BIN / "pchat-lab"), "env", "--state-dir", str(state_dir)], env=env, cwd=REPO,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return lab_env_exports(done.stdout)


def pytest_report_header(config):
    if getattr(config.option, "numprocesses", None):
        # The process that starts xdist workers runs no test: each worker starts a lab of its own.
        explicit = explicit_offset()
        start = explicit if explicit is not None else search_from()
        return "lab: one per pytest-xdist worker, gwN's on the first free window from offset %d + N*%d%s" % (
            start, STRETCH * WINDOW, " (gw0's: exactly %d)" % explicit if explicit is not None else "")
    return "lab: PCHAT_LAB_PORT_OFFSET=%d (control endpoint %s)" % (PORT_OFFSET, CONTROL)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow(minutes): a test that takes about that many minutes on CI's two "
                                       "cores (a module's pytestmark: each of its tests, its share of the module's "
                                       "fixtures included); `-m 'not slow'` leaves them out of a quick run, and "
                                       "the modules with the most minutes start first")


def slow_minutes(item) -> float:
    return sum(float(mark.kwargs.get("minutes", 1)) for mark in item.iter_markers("slow"))


def pytest_collection_modifyitems(session, config, items):
    """Modules that take longest first, each module's tests kept in their order: pytest-xdist's --dist
    loadfile (with --no-loadscope-reorder) hands out whole files in this order, so the long ones start at
    once on every worker and the short ones fill in at the end, instead of one long module starting last."""
    weight: dict = {}
    for item in items:
        module = item.nodeid.split("::")[0]
        weight[module] = weight.get(module, 0.0) + slow_minutes(item)
    items.sort(key=lambda item: -weight[item.nodeid.split("::")[0]])


class LabControl:
    """The lab's control endpoint: reset, faults and the request log."""

    def __init__(self, state_dir: Path):
        self.state_dir = state_dir

    def call(self, method: str, path: str, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(CONTROL + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
        return json.loads(text) if text else None

    def log(self, since: int = 0) -> list:
        return self.call("GET", "/log?since=%d" % since)

    def log_length(self) -> int:
        return len(self.log())

    def reset(self) -> None:
        self.call("POST", "/reset")

    def fault(self, **spec) -> None:
        self.call("POST", "/faults", spec)

    def clear_faults(self) -> None:
        self.call("DELETE", "/faults")


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("lab-state")
    env = _env()
    up = subprocess.run([str(BIN / "pchat-lab"), "up", "--topology", "lync2010", "--dataset", "small",
                         "--kerberos", "on", "--state-dir", str(state_dir)], env=env, cwd=REPO,
                        capture_output=True, text=True, check=False)
    assert up.returncode == 0, up.stdout + up.stderr
    LAB_ENV.update(lab_exports(state_dir, env))
    assert "KRB5_CONFIG" in LAB_ENV, LAB_ENV
    # A run that names no report folder writes to this session's, never to reports/lab of the checkout,
    # which parallel sessions (pytest-xdist workers) would share.
    LAB_ENV["PCHAT_REPORT_DIR"] = str(tmp_path_factory.mktemp("reports"))
    control = LabControl(state_dir)
    try:
        yield control
    finally:
        subprocess.run([str(BIN / "pchat-lab"), "down", "--state-dir", str(state_dir)], env=env, cwd=REPO,
                       capture_output=True, check=False)


@pytest.fixture(scope="session")
def preflight_ledger(lab, tmp_path_factory):
    """A ledger folder holding one finished preflight of a freshly reset lab, for the tests that need the
    preflight done before what they try (stages_support.after_preflight copies it into theirs). The preflight
    only reads, the later stages only ask whether it is done, and a reset lab is the same lab again: one run
    serves the session instead of one per test. It resets the lab when first asked for, so a module whose
    tests share a state of the lab asks for it before making that state."""
    from stages_support import ok, stage  # stages_support imports this module
    ledger_dir = tmp_path_factory.mktemp("preflight-ledger")
    lab.reset()
    ok(stage(lab, ledger_dir, "preflight"))
    return ledger_dir


@pytest.fixture
def clean_lab(lab):
    """The lab reset to its seeded state, with no faults, for a test that changes things."""
    lab.reset()
    yield lab
    lab.clear_faults()


def run_ansible(*args: str, extra_env: dict | None = None) -> dict:
    """`ansible -o` ad hoc with the lab inventory. Returns host -> (status, result dict), status being
    SUCCESS, CHANGED, FAILED! or UNREACHABLE!, and keeps the raw process as ``_process``."""
    env = _env()
    env.update(extra_env or {})
    completed = subprocess.run([str(BIN / "ansible"), "-i", str(INVENTORY), "-o", *args], env=env,
                               cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    results: dict = {"_process": completed}
    for line in completed.stdout.splitlines():
        if " | " not in line or "=>" not in line:
            continue
        host, rest = line.split(" | ", 1)
        status, payload = rest.split(" => ", 1)
        results[host.strip()] = (status.strip(), json.loads(payload))
    return results


def run_playbook(playbook: Path, *args: str, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    """ansible-playbook with the lab inventory; playbooks under test assert their own outcomes."""
    env = _env()
    env.update(extra_env or {})
    return subprocess.run([str(BIN / "ansible-playbook"), "-i", str(INVENTORY), str(playbook), *args],
                          env=env, cwd=REPO, capture_output=True, text=True, timeout=1800, check=False)
