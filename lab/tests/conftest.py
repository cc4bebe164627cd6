"""Shared fixtures of the lab's tests: ONE lab (real ``Lab`` + ``LabServer`` on free loopback ports) per
test session, so every suite talks WinRM to the same listeners quickly.

Other helpers may add fixtures at the end of this file, in a clearly marked section."""
from __future__ import annotations

import copy
import os
import random
import socket
from pathlib import Path

import pytest

from pchat_lab.lab import Lab, load_topology

LAB_USER = "lyncadmin"
LAB_PASSWORD = "Lab-Passw0rd!"
WINDOWS_CMD = Path(__file__).resolve().parents[1] / "pchat_lab" / "windows" / "cmd.py"


# Ports for the labs these tests start. Not the kernel's pick (bind to port 0): that is an ephemeral port,
# which another process's outgoing connection may take between our probe and the lab's bind ("Address
# already in use"). Below the ephemeral range (32768 up on Linux) nobody is handed a port unasked; each
# pytest-xdist worker takes a band of its own, from a random start, and never hands out a port twice.
PORT_BAND = (22000, 32768)        # above the integration tests' windows (tests/integration/lab_ports.py)
_next_port: list = []


def _worker_band() -> range:
    low, high = PORT_BAND
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    count = max(int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1), index + 1)
    size = (high - low) // count
    return range(low + index * size, low + (index + 1) * size)


def _port_bindable(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)    # as the lab's listeners bind
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    band = _worker_band()
    if not _next_port:
        _next_port.append(random.randrange(len(band)))
    for _ in range(len(band)):
        port = band[_next_port[0] % len(band)]
        _next_port[0] += 1
        if _port_bindable(port):
            return port
    raise RuntimeError("no free port left in %s" % band)


def topology_with_free_ports(name: str = "lync2010") -> dict:
    """A copy of a ready-made topology whose listeners use free ports, so the tests never collide with a
    ``pchat-lab up`` running on the fixed ones."""
    topology = copy.deepcopy(load_topology(name))
    for host in topology["hosts"]:
        host["http_port"] = _free_port()
        host["https_port"] = _free_port()
    topology["control_port"] = _free_port()
    topology["kdc_port"] = _free_port()
    return topology


def windows_commands_available() -> bool:
    """True once the windows helper's cmd.exe emulation imports (the real stack can run commands)."""
    if not WINDOWS_CMD.exists():
        return False
    try:
        import pchat_lab.windows.cmd  # noqa: F401
    except Exception:
        return False
    return True


def powershell_available() -> bool:
    """True once cmd.exe emulation and the PowerShell engine both import (run_ps works end to end)."""
    if not windows_commands_available():
        return False
    try:
        import pchat_lab.powershell.engine  # noqa: F401
    except Exception:
        return False
    return True


requires_windows = pytest.mark.skipif(not windows_commands_available(),
                                      reason="pchat_lab.windows.cmd is not available yet")
requires_powershell = pytest.mark.skipif(not powershell_available(),
                                         reason="pchat_lab.windows.cmd or pchat_lab.powershell.engine not available yet")


@pytest.fixture(scope="session")
def lab_topology() -> dict:
    return topology_with_free_ports()


@pytest.fixture(scope="session")
def lab(lab_topology, tmp_path_factory) -> Lab:
    return Lab(lab_topology, tmp_path_factory.mktemp("lab-state"))


@pytest.fixture(scope="session")
def lab_server(lab):
    from pchat_lab.server import LabServer

    server = LabServer(lab)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def endpoints(lab_server) -> dict:
    """{host name: {"http": url, "https": url}}."""
    return lab_server.endpoints()


@pytest.fixture(scope="session")
def control_url(lab_server) -> str:
    return lab_server.control.url


def _labtest_execute(original):
    """``lab.execute`` plus a few ``labtest <verb>`` command lines whose behaviour the WinRM tests
    control exactly (streaming, sleeping, stdin, huge output, crashing). Every other line goes to the
    real cmd.exe emulation."""
    import time

    def execute(host, line, sink):
        if not line.startswith("labtest "):
            return original(host, line, sink)
        verb, _, rest = line[len("labtest "):].partition(" ")
        if verb == "echo":
            sink.stdout(rest.encode() + b"\r\n")
            return 0
        if verb == "whoami":
            sink.stdout(("%s|%s|%s" % (sink.user, sink.codepage, getattr(host, "name", host))).encode())
            return 0
        if verb == "exit":
            sink.stderr(b"failing on purpose\r\n")
            return int(rest)
        if verb == "stream":
            count, delay = rest.split()
            for index in range(int(count)):
                if index:
                    time.sleep(float(delay))
                sink.stdout(b"line %d\r\n" % index)
            return 0
        if verb == "sleep":
            time.sleep(float(rest))
            sink.stdout(b"slept\r\n")
            return 0
        if verb == "stdin":
            data = sink.read_stdin(timeout=10)
            sink.stdout(data.upper())
            return len(data)
        if verb == "big":
            size = int(rest)
            sink.stdout((b"0123456789abcdef" * (size // 16 + 1))[:size])
            return 0
        if verb == "raise":
            raise RuntimeError("simulated bug in a command")
        if verb == "until_terminated":
            deadline = time.monotonic() + 10
            while not sink.terminated and time.monotonic() < deadline:
                time.sleep(0.01)
            return 0
        raise ValueError("unknown labtest verb %r" % verb)

    return execute


@pytest.fixture
def labtest(lab, lab_server, monkeypatch):
    """Enable ``labtest ...`` command lines for one test; faults and shells left behind are cleared."""
    monkeypatch.setattr(lab, "execute", _labtest_execute(type(lab).execute.__get__(lab)))
    lab.faults.clear()
    yield lab
    lab.faults.clear()


# ---- fixtures added by other helpers go below this line (mark your section) -------------------------

# ---- lync helper: a small Lync lab per test and a direct cmdlet caller ---------------------------------


def lync_topology(name: str = "lync2010", legacy_rate: float = 0.0, pc_rate: float = 0.0,
                  rows_per_second: float = 0.0) -> dict:
    """A ready-made topology with the background traffic and migration pacing set for fast tests."""
    topology = copy.deepcopy(load_topology(name))
    topology["lync"]["traffic"] = {"legacy_messages_per_second": legacy_rate,
                                   "persistent_chat_messages_per_second": pc_rate}
    topology["lync"]["migration"] = {"rows_per_second": rows_per_second}
    return topology


@pytest.fixture
def lync_lab(tmp_path) -> Lab:
    lab = Lab(lync_topology(), tmp_path, dataset="small")
    yield lab
    lab.backends["lync"].stop()
