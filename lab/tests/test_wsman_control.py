"""The control endpoint (JSON over loopback), the pchat-lab CLI life cycle, and the files the WinRM layer
keeps in the state folder (certificate, NTLM credential store)."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import winrm
import yaml
from cryptography import x509
from winrm.exceptions import WSManFaultError
from winrm.protocol import Protocol

from conftest import LAB_PASSWORD, LAB_USER, topology_with_free_ports


def call(url, method="GET", payload=None):
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_status_names_every_endpoint(control_url, endpoints):
    status, body = call(control_url + "/status")
    assert status == 200 and body["running"] and body["pid"] == os.getpid()
    assert body["endpoints"] == endpoints
    assert set(endpoints) == {"FE01", "PC01", "GC01", "SQL01", "FS01"}


def test_faults_through_the_control_endpoint(labtest, control_url, endpoints, lab):
    status, fault = call(control_url + "/faults", "POST", {"kind": "operation_timeout", "host": "FE01", "count": 1})
    assert status == 200 and fault["kind"] == "operation_timeout"
    assert [f["kind"] for f in call(control_url + "/faults")[1]] == ["operation_timeout"]
    start = len(lab.log.dump())
    assert winrm.Session(endpoints["FE01"]["http"], auth=(LAB_USER, LAB_PASSWORD)).run_cmd("labtest echo x").std_out
    assert "TimedOut" in [e["action"] for e in call(control_url + "/log?since=%d" % start)[1]]
    assert call(control_url + "/faults", "DELETE")[0] == 200
    assert call(control_url + "/faults")[1] == []
    assert call(control_url + "/faults", "POST", {"kind": "meteor"})[0] == 400
    assert call(control_url + "/faults", "POST", {"kind": "drop", "colour": "red"})[0] == 400
    assert call(control_url + "/faults", "POST", [1, 2])[0] == 400


def test_log_since_and_clear(labtest, control_url, endpoints):
    winrm.Session(endpoints["PC01"]["http"], auth=(LAB_USER, LAB_PASSWORD)).run_cmd("labtest echo logged")
    entries = call(control_url + "/log")[1]
    assert entries[-1]["action"] == "Delete" and entries[-1]["host"] == "PC01"
    assert call(control_url + "/log?since=%d" % (len(entries) - 1))[1] == entries[-1:]
    assert "Lab-Passw0rd!" not in json.dumps(entries)
    assert call(control_url + "/log", "DELETE")[0] == 200
    assert call(control_url + "/log")[1] == []


def test_state_lists_hosts_services_shells_and_backends(labtest, control_url, endpoints, lab):
    p = Protocol(endpoints["SQL01"]["http"], username=LAB_USER, password=LAB_PASSWORD)
    shell_id = p.open_shell()
    state = call(control_url + "/state")[1]
    p.close_shell(shell_id)
    assert [h["name"] for h in state["hosts"]] == ["FE01", "PC01", "GC01", "SQL01", "FS01"]
    sql = state["hosts"][3]
    assert {"name": "MSSQL$GROUPCHAT", "status": "Running"}.items() <= next(
        s for s in sql["services"] if s["name"] == "MSSQL$GROUPCHAT").items()
    assert any(s["shell_id"] == shell_id and s["host"] == "SQL01" and s["user"] == "CONTOSO\\lyncadmin"
               for s in state["shells"])
    assert set(state["backends"]) == {n for n, b in lab.backends.items() if hasattr(b, "dump")}


def test_reset_closes_shells_and_clears_faults(labtest, control_url, endpoints, lab):
    p = Protocol(endpoints["FE01"]["http"], username=LAB_USER, password=LAB_PASSWORD)
    shell_id = p.open_shell()
    lab.faults.add(kind="delay", host="GC01", seconds=5)
    assert call(control_url + "/reset", "POST", {})[0] == 200
    assert lab.faults.list() == []
    with pytest.raises(WSManFaultError) as info:
        p.run_command(shell_id, "labtest echo x")
    assert info.value.wsman_fault_code == 2150858843


def test_unknown_control_path(control_url):
    assert call(control_url + "/nothing")[0] == 404


def test_certificate_is_made_once_and_names_every_host(lab_server, lab):
    from pchat_lab.wsman.tls import ensure_certificate
    cert = x509.load_pem_x509_certificate(lab_server.cert_path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    dns = set(san.get_values_for_type(x509.DNSName))
    assert {h["fqdn"] for h in lab.topology["hosts"]} | {"localhost"} <= dns
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    before = lab_server.cert_path.read_bytes()
    names = [h["fqdn"] for h in lab.topology["hosts"]]
    assert ensure_certificate(lab_server.cert_path.parent, names)[0].read_bytes() == before
    assert stat.S_IMODE(os.stat(lab_server.key_path).st_mode) == 0o600


def test_ntlm_credential_store_is_private_and_holds_no_password(lab_server, lab):
    # pyspnego's acceptor reads one process-wide NTLM_USER_FILE: the store of the lab started last in this
    # process (another test's lab may have been), each private and without a password.
    for path in {lab.state_dir / "ntlm_users", Path(os.environ["NTLM_USER_FILE"])}:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        text = path.read_text()
        for account in lab.topology["accounts"]:
            assert account["password"] not in text
            assert "CONTOSO\\%s:" % account["user"] in text


def test_cli_up_status_log_down(tmp_path):
    topology = topology_with_free_ports()
    topology_file = tmp_path / "topology.yaml"
    topology_file.write_text(yaml.safe_dump(topology))
    state = tmp_path / "state"

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "pchat_lab.cli", *args, "--state-dir", str(state)],
                              capture_output=True, text=True, timeout=90)

    assert cli("status").returncode == 3
    try:
        up = cli("up", "--topology", str(topology_file))
        assert up.returncode == 0, up.stderr
        assert "control      http://127.0.0.1:%d" % topology["control_port"] in up.stdout
        fe01 = next(h for h in topology["hosts"] if h["name"] == "FE01")
        assert "http://127.0.0.1:%d/wsman" % fe01["http_port"] in up.stdout
        again = cli("up", "--topology", str(topology_file))
        assert again.returncode == 0 and "already running" in again.stdout
        assert cli("status").returncode == 0
        session = winrm.Session("http://127.0.0.1:%d/wsman" % fe01["http_port"], auth=(LAB_USER, LAB_PASSWORD))
        session.protocol.close_shell(session.protocol.open_shell())
        log = cli("log")
        assert log.returncode == 0 and "Create" in log.stdout and "Delete" in log.stdout
        assert cli("fault", "add", "delay", "--host", "FE01", "--seconds", "0.01").returncode == 0
        assert '"kind": "delay"' in cli("fault", "list").stdout
        assert cli("reset").returncode == 0
        assert (state / "lab.log").exists()
    finally:
        down = cli("down")
    assert down.returncode == 0
    assert cli("status").returncode == 3
    assert cli("down").returncode == 0
    assert not (state / "lab.pid").exists()


def test_seed_rebuilds_the_lab_with_another_profile_and_refuses_unknown_ones(tmp_path):
    """`pchat-lab seed --profile P --seed N` (POST /seed): the same profile and seed give the same data."""
    from conftest import topology_with_free_ports
    from pchat_lab.chatdb import datasets
    from pchat_lab.lab import Lab
    from pchat_lab.server import LabServer

    lab = Lab(topology_with_free_ports(), tmp_path, dataset="small")
    with LabServer(lab) as server:
        def post(body):
            request = urllib.request.Request(server.control.url + "/seed", data=json.dumps(body).encode(),
                                             method="POST", headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=120) as response:
                return json.loads(response.read())
        first = post({"profile": "hostile", "seed": 1})
        assert first == {"seeded": True, "profile": "hostile", "seed": 1} and lab.dataset == "hostile"
        digest_one = datasets.digest(lab.backends["lync"].db.legacy_path)
        post({"profile": "hostile", "seed": 2})
        assert datasets.digest(lab.backends["lync"].db.legacy_path) != digest_one
        post({"profile": "hostile", "seed": 1})
        assert datasets.digest(lab.backends["lync"].db.legacy_path) == digest_one
        try:
            post({"profile": "enormous"})
        except urllib.error.HTTPError as error:
            assert error.code == 400 and b"enormous" in error.read()
        else:
            raise AssertionError("an unknown profile was accepted")
    for backend in lab.backends.values():
        getattr(backend, "stop", lambda: None)()
