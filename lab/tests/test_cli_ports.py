"""`pchat-lab up` on a taken port: one line naming the port, who holds it (another lab's pid and state
folder, or another program) and PCHAT_LAB_PORT_OFFSET; nothing is started and the other lab is left alone.
And the ports a ready-made topology opens: all inside one window of 20 above its control port, all
shifted by PCHAT_LAB_PORT_OFFSET (tests/integration picks offsets 20 apart)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
import yaml

from conftest import topology_with_free_ports
from pchat_lab.lab import listening_ports, load_topology


def cli(state, *args, offset=None):
    env = {k: v for k, v in os.environ.items() if k != "PCHAT_LAB_PORT_OFFSET"}
    if offset is not None:
        env["PCHAT_LAB_PORT_OFFSET"] = str(offset)
    return subprocess.run([sys.executable, "-m", "pchat_lab.cli", *args, "--state-dir", str(state)],
                          capture_output=True, text=True, timeout=90, env=env)


@pytest.fixture
def topology_file(tmp_path):
    path = tmp_path / "topology.yaml"
    topology = topology_with_free_ports()
    path.write_text(yaml.safe_dump(topology))
    return path, topology


def test_a_port_held_by_another_program_is_named_with_that_program(tmp_path, topology_file):
    path, topology = topology_file
    gc01 = next(host for host in topology["hosts"] if host["name"] == "GC01")
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", gc01["https_port"]))
        squatter.listen()
        up = cli(tmp_path / "state", "up", "--topology", str(path))
    assert up.returncode == 4 and up.stdout == ""
    assert up.stderr.count("\n") == 1, up.stderr
    assert up.stderr.startswith("pchat-lab: port %d (GC01 WinRM https) is taken by another program (pid %d, "
                                % (gc01["https_port"], os.getpid()))
    assert "PCHAT_LAB_PORT_OFFSET (now 0)" in up.stderr
    assert not (tmp_path / "state" / "lab.pid").exists()


def test_a_port_held_by_another_lab_names_its_pid_and_state_folder_and_leaves_it_running(tmp_path, topology_file):
    path, topology = topology_file
    first, second = tmp_path / "first", tmp_path / "second"
    try:
        assert cli(first, "up", "--topology", str(path), "--dataset", "small").returncode == 0
        pid = int((first / "lab.pid").read_text())
        up = cli(second, "up", "--topology", str(path), "--dataset", "small")
        assert up.returncode == 4 and up.stderr.count("\n") == 1, up.stderr
        lowest = min(listening_ports(topology))
        assert up.stderr.startswith("pchat-lab: port %d (%s) is taken by another pchat-lab (pid %d, state dir %s)"
                                    % (lowest, listening_ports(topology)[lowest], pid, first))
        assert "PCHAT_LAB_PORT_OFFSET (now 0)" in up.stderr
        assert cli(first, "status").returncode == 0 and int((first / "lab.pid").read_text()) == pid
        assert not (second / "lab.pid").exists()
    finally:
        assert cli(first, "down").returncode == 0


@pytest.mark.parametrize("name", ["lync2010", "ocs2007r2"])
def test_ready_made_topologies_open_ports_in_one_window_that_the_offset_shifts(name, monkeypatch):
    monkeypatch.delenv("PCHAT_LAB_PORT_OFFSET", raising=False)
    base = listening_ports(load_topology(name))
    control = load_topology(name)["control_port"]
    assert len(base) >= 11 and all(control <= port < control + 20 for port in base)
    monkeypatch.setenv("PCHAT_LAB_PORT_OFFSET", "1100")
    shifted = listening_ports(load_topology(name))
    assert shifted == {port + 1100: what for port, what in base.items()}


def test_a_foreground_lab_in_its_default_state_folder_is_named_too(tmp_path, topology_file):
    path, topology = topology_file
    env = {k: v for k, v in os.environ.items() if k != "PCHAT_LAB_PORT_OFFSET"}
    script = os.path.join(os.path.dirname(sys.executable), "pchat-lab")
    lab = subprocess.Popen([script, "up", "--foreground", "--topology", str(path), "--dataset", "small"],
                           cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        pidfile = tmp_path / ".lab-state" / "lab.pid"
        for _ in range(300):
            if pidfile.exists() or lab.poll() is not None:
                break
            time.sleep(0.1)
        assert pidfile.exists(), "the foreground lab did not start"
        up = cli(tmp_path / "other", "up", "--topology", str(path))
        assert up.returncode == 4
        assert "is taken by another pchat-lab (pid %d, state dir %s)" % (lab.pid, tmp_path / ".lab-state") in up.stderr
    finally:
        lab.terminate()
        lab.wait(timeout=30)
