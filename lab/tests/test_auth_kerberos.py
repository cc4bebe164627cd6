"""Kerberos against the lab's own MIT KDC with UNMODIFIED pywinrm (transport='kerberos', pykerberos):
message encryption over HTTP, HTTPS, the forwarded TGT that lets a session cross the second hop (and its
absence that does not), and the errors pywinrm users see for a wrong password, no ticket, an expired
ticket and a wrong SPN. Each test module gets its own lab and realm on free ports."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import winrm
import yaml
from winrm.exceptions import InvalidCredentialsError

from conftest import _free_port, requires_powershell, topology_with_free_ports
from pchat_lab.auth import kerberos

import gssapi          # noqa: E402  (pyspnego[kerberos], requirements-dev.txt)
import gssapi.raw      # noqa: E402

pytestmark = requires_powershell

PASSWORD = "Lab-Passw0rd!"
PRINCIPAL = "lyncadmin@CONTOSO.LOCAL"
LEGACY_SQL = "sql01.contoso.local\\GROUPCHAT"


@pytest.fixture(scope="module")
def krb_lab(tmp_path_factory):
    from pchat_lab.lab import Lab
    from pchat_lab.server import LabServer

    topology = topology_with_free_ports()
    topology["kdc_port"] = _free_port()
    topology["second_hop"] = "enforce"
    state = tmp_path_factory.mktemp("krb-lab")
    with pytest.MonkeyPatch.context() as env:
        for name in ("KRB5_CONFIG", "KRB5_KTNAME", "KRB5RCACHEDIR", "KRB5CCNAME"):
            env.setenv(name, os.environ.get(name, ""))      # restored after the module
        lab = Lab(topology, state, dataset="small")
        lab.realm = kerberos.Realm(topology, state)
        lab.realm.start()
        server = LabServer(lab)
        server.start()
        try:
            yield lab, server.endpoints()
        finally:
            server.stop()
            lab.realm.stop()


def ticket(krb_lab, tmp_path) -> str:
    """A TGT for lyncadmin in a ccache of its own, now KRB5CCNAME, from MIT's kinit in a process of its own as
    a real client's is (acquired with gssapi in this process, beside the lab's acceptors, pykerberos now and
    then found no such principal in the ccache just written: a CI failure)."""
    result = kinit(tmp_path)
    assert result.returncode == 0, result.stderr
    return os.environ["KRB5CCNAME"]


def kinit(tmp_path, *options, password=PASSWORD):
    """MIT's kinit (Debian krb5-user) against the lab's KDC, into a ccache of its own, now KRB5CCNAME."""
    ccache = "FILE:%s" % (tmp_path / ("%s.ccache" % uuid.uuid4().hex))
    os.environ["KRB5CCNAME"] = ccache
    return subprocess.run(["kinit", *options, PRINCIPAL], input=password + "\n", capture_output=True, text=True,
                          timeout=30)


def session(endpoints, host="FE01", delegation=True, override=None, scheme="http", **kw):
    return winrm.Session(endpoints[host][scheme], auth=(PRINCIPAL, None), transport="kerberos",
                         kerberos_delegation=delegation,
                         kerberos_hostname_override=override or "%s.contoso.local" % host.lower(), **kw)


def export(s):
    path = "C:\\Users\\%s.zip" % uuid.uuid4().hex
    result = s.run_ps("Export-CsPersistentChatData -DBInstance '%s' -DBName GroupChat -FileName '%s' "
                      "-ErrorAction Stop; Test-Path '%s'; Remove-Item '%s'" % (LEGACY_SQL, path, path, path))
    return result.status_code, result.std_out.decode(), result.std_err.decode()


def hops(lab, start):
    return [(e["user"], e["status"]) for e in lab.log.dump(start) if e["action"] == "SecondHop"]


def test_kerberos_with_delegation_exports_from_a_remote_instance_as_the_named_user(krb_lab, tmp_path):
    lab, endpoints = krb_lab
    ticket(krb_lab, tmp_path)
    start = len(lab.log.dump())
    code, out, err = export(session(endpoints, delegation=True))
    assert (code, out.strip()) == (0, "True"), err
    assert hops(lab, start) == [("CONTOSO\\lyncadmin", 200)]


@pytest.mark.parametrize("delegation", [True, False])
def test_the_request_log_says_kerberos_and_whether_the_tgt_was_forwarded(krb_lab, tmp_path, delegation):
    lab, endpoints = krb_lab
    ticket(krb_lab, tmp_path)
    start = len(lab.log.dump())
    assert session(endpoints, delegation=delegation).run_cmd("whoami").status_code == 0
    entries = [e for e in lab.log.dump(start) if e["action"] in ("Create", "Command", "Receive", "Delete")]
    assert [e["action"] for e in entries] == ["Create", "Command", "Receive", "Delete"]
    assert {(e["logon"], e["delegated"]) for e in entries} == {("Kerberos", delegation)}


def test_the_forwarded_tgt_is_kept_for_the_session(krb_lab, tmp_path):
    lab, endpoints = krb_lab
    ticket(krb_lab, tmp_path)
    kept = lab.realm.delegated_dir / "contoso_lyncadmin.ccache"
    kept.unlink(missing_ok=True)
    assert session(endpoints, delegation=False).run_cmd("whoami").std_out == b"contoso\\lyncadmin\r\n"
    assert not kept.exists()
    assert session(endpoints, delegation=True).run_cmd("whoami").std_out == b"contoso\\lyncadmin\r\n"
    assert list(lab.realm.delegated_dir.iterdir()) == [kept]
    creds = gssapi.Credentials(usage="initiate", store=kerberos.cred_store("FILE:%s" % kept))
    assert str(creds.name) == PRINCIPAL


def test_kerberos_without_delegation_is_anonymous_logon_on_the_second_hop(krb_lab, tmp_path, caplog):
    lab, endpoints = krb_lab
    ticket(krb_lab, tmp_path)
    start = len(lab.log.dump())
    with caplog.at_level("INFO", logger="pchat_lab.second_hop"):
        code, out, err = export(session(endpoints, delegation=False))
    assert code == 1
    assert "Login failed for user 'NT AUTHORITY\\ANONYMOUS LOGON'." in err
    assert hops(lab, start) == [("NT AUTHORITY\\ANONYMOUS LOGON", 401)]
    # lab.log keeps why, after a reset has cleared the request log
    assert "refused (Kerberos network logon of CONTOSO\\lyncadmin without delegated credentials)" in caplog.text


def test_same_host_work_needs_no_delegation(krb_lab, tmp_path):
    lab, endpoints = krb_lab
    ticket(krb_lab, tmp_path)
    result = session(endpoints, host="SQL01", delegation=False).run_ps(
        "(Invoke-Sqlcmd -ServerInstance '%s' -Database GroupChat -Query 'SELECT 3 AS x').x" % LEGACY_SQL)
    assert result.std_out.strip() == b"3", result.std_err


def test_kerberos_over_https(krb_lab, tmp_path):
    lab, endpoints = krb_lab
    ticket(krb_lab, tmp_path)
    result = session(endpoints, scheme="https", server_cert_validation="ignore").run_cmd("whoami")
    assert result.std_out == b"contoso\\lyncadmin\r\n"


def test_a_ticket_for_another_hosts_spn_is_rejected(krb_lab, tmp_path):
    """FE01's listener holds a ticket for HTTP/gc01 to be no ticket of its own (KRB_AP_ERR_MODIFIED): 401."""
    lab, endpoints = krb_lab
    ticket(krb_lab, tmp_path)
    with pytest.raises(InvalidCredentialsError):
        session(endpoints, override="gc01.contoso.local").run_cmd("whoami")


def test_an_unknown_spn_is_not_found_in_the_kerberos_database(krb_lab, tmp_path):
    lab, endpoints = krb_lab
    ticket(krb_lab, tmp_path)
    with pytest.raises(Exception) as caught:
        session(endpoints, override="web01.contoso.local").run_cmd("whoami")
    assert type(caught.value).__name__ == "KerberosExchangeError"
    assert "Server HTTP/web01.contoso.local@CONTOSO.LOCAL not found in Kerberos database" in str(caught.value)


def test_no_ticket_at_all(krb_lab, tmp_path):
    lab, endpoints = krb_lab
    os.environ["KRB5CCNAME"] = "FILE:%s" % (tmp_path / "empty.ccache")
    with pytest.raises(Exception) as caught:
        session(endpoints).run_cmd("whoami")
    assert type(caught.value).__name__ == "KerberosExchangeError"
    assert "Can't find client principal lyncadmin@CONTOSO.LOCAL in cache collection" in str(caught.value)


def test_an_expired_ticket(krb_lab, tmp_path):
    lab, endpoints = krb_lab
    assert kinit(tmp_path, "-l", "2s").returncode == 0
    time.sleep(3)
    with pytest.raises(Exception) as caught:
        session(endpoints).run_cmd("whoami")
    assert type(caught.value).__name__ == "KerberosExchangeError"
    assert "Ticket expired" in str(caught.value)


def test_a_wrong_password_is_refused_by_the_kdc(krb_lab, tmp_path):
    """Pre-authentication is required, as in Active Directory: KDC_ERR_PREAUTH_FAILED."""
    result = kinit(tmp_path, password="wrong")
    assert result.returncode == 1
    assert "kinit: Password incorrect while getting initial credentials" in result.stderr
    name = gssapi.Name(PRINCIPAL, gssapi.NameType.user)
    with pytest.raises(gssapi.exceptions.GSSError) as caught:
        gssapi.raw.acquire_cred_with_password(name, b"wrong", usage="initiate")
    assert "Preauthentication failed" in str(caught.value)


def test_the_challenge_offers_kerberos(krb_lab):
    import requests
    lab, endpoints = krb_lab
    response = requests.post(endpoints["FE01"]["http"], data=b"<x/>",
                             headers={"Content-Type": "application/soap+xml;charset=UTF-8"})
    assert "Kerberos" in response.headers["WWW-Authenticate"]


def test_cli_up_starts_the_kdc_and_env_prints_the_client_exports(tmp_path):
    topology = topology_with_free_ports()
    topology["kdc_port"] = _free_port()
    topology_file = tmp_path / "topology.yaml"
    topology_file.write_text(yaml.safe_dump(topology))
    state = tmp_path / "state"

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "pchat_lab.cli", *args, "--state-dir", str(state)],
                              capture_output=True, text=True, timeout=90)

    try:
        up = cli("up", "--topology", str(topology_file), "--kerberos", "on", "--second-hop", "enforce")
        assert up.returncode == 0, up.stderr
        assert "kerberos     realm CONTOSO.LOCAL, KDC 127.0.0.1:%d" % topology["kdc_port"] in up.stdout
        info = yaml.safe_load((state / "lab.json").read_text())
        assert info["second_hop"] == "enforce"
        env = cli("env")
        assert env.returncode == 0
        assert "export KRB5_CONFIG=%s" % (state.resolve() / "kerberos" / "krb5.conf") in env.stdout
        assert "export KRB5CCNAME=FILE:%s" % (state.resolve() / "kerberos" / "client.ccache") in env.stdout
        assert "fe01.contoso.local" in env.stdout
        pid = int((state / "kerberos" / "kdc.pid").read_text())
        assert "krb5kdc" in open("/proc/%d/cmdline" % pid).read()
    finally:
        down = cli("down")
    assert down.returncode == 0
    assert not (state / "kerberos" / "kdc.pid").exists()
    assert not os.path.exists("/proc/%d" % pid)          # the lab reaped its KDC


def test_without_the_kdc_packages_up_goes_on_without_kerberos_unless_asked(monkeypatch, tmp_path, caplog):
    from pchat_lab import cli
    from pchat_lab.lab import Lab
    monkeypatch.setattr(kerberos, "missing", lambda: ["krb5kdc (Debian package krb5-kdc)"])
    lab = Lab(topology_with_free_ports(), tmp_path, dataset="small")
    with caplog.at_level("WARNING", logger="pchat_lab"):
        info = cli._start_realm(lab, "auto")
    assert info == {"disabled": "this machine lacks krb5kdc (Debian package krb5-kdc) (./scripts/setup.sh installs them)"}
    assert [r.getMessage() for r in caplog.records] == ["Kerberos disabled: " + info["disabled"]]
    assert lab.realm is None
    assert cli._start_realm(lab, "on") is None


def test_a_forwarded_tgt_that_expired_no_longer_crosses(krb_lab, tmp_path):
    """The second hop asks the KDC for a cifs/ ticket with the forwarded TGT: once that TGT has expired the
    share is out of reach again, although the WinRM session itself stays authenticated."""
    lab, endpoints = krb_lab
    assert kinit(tmp_path, "-f", "-l", "4s").returncode == 0
    p = session(endpoints, delegation=True).protocol
    shell_id = p.open_shell()

    def test_path():
        command_id = p.run_command(shell_id, "powershell", ["-NoProfile", "-Command", "Test-Path \\\\fs01\\Backups"])
        out, err, code = p.get_command_output(shell_id, command_id)
        return out.strip()

    assert test_path() == b"True"
    time.sleep(7)         # past the 4 s TGT by more than the KDC's whole-second rounding
    start = len(lab.log.dump())
    assert test_path() == b"False"
    p.close_shell(shell_id)
    [entry] = [e for e in lab.log.dump(start) if e["action"] == "SecondHop"]
    assert entry["status"] == 401 and "no service ticket" in entry["command"] and "expired" in entry["command"]


def test_the_kdc_port_counts_as_free_while_old_connections_sit_in_time_wait_but_not_while_one_listens():
    port = _free_port()
    realm = kerberos.Realm({"kdc_port": port, "hosts": []}, Path("/nonexistent"))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1)
    assert not realm._port_free()                        # another KDC listening: busy
    client = socket.create_connection(("127.0.0.1", port))
    served, _ = listener.accept()
    served.close()                                       # the server closes first: its side waits in TIME_WAIT
    client.close()
    listener.close()
    time.sleep(0.2)
    assert realm._port_free()


def test_a_session_asks_the_kdc_once_per_server_however_many_files_it_reaches(krb_lab, tmp_path):
    """Windows keeps the service tickets of a logon session: reading a whole share from another server is one
    cifs/ ticket and one crossing in the log, not one per file (the cutover's file copy reads thousands)."""
    lab, endpoints = krb_lab
    ticket(krb_lab, tmp_path)
    kdc_log = lab.realm.dir / "kdc.log"
    asked = "for cifs/gc01.contoso.local@CONTOSO.LOCAL"
    before = kdc_log.read_text().count(asked)
    start = len(lab.log.dump())
    share = "\\\\gc01.contoso.local\\GroupChatFiles"
    result = session(endpoints, host="FS01").run_ps(
        "1..3 | ForEach-Object { Test-Path -LiteralPath '%s' }; "
        "(Get-ChildItem -LiteralPath '%s' -Recurse -File | Measure-Object).Count" % (share, share))
    assert result.status_code == 0, result.std_err
    lines = result.std_out.decode().split()
    assert lines[:3] == ["True"] * 3 and int(lines[3]) > 1
    assert hops(lab, start) == [("CONTOSO\\lyncadmin", 200)]
    time.sleep(0.5)                       # krb5kdc writes its log line after it answers
    assert kdc_log.read_text().count(asked) == before + 1


def test_forwarded_tgts_stored_and_used_by_sessions_on_many_threads_all_cross(krb_lab, tmp_path):
    """Each WinRM connection is a thread of the lab. python-gssapi frees the str it encodes for a credential
    store before MIT reads it, so with other threads running the ccache name was garbled now and then and
    a delegated session crossed as ANONYMOUS LOGON: kerberos.cred_store hands it bytes that stay alive."""
    from concurrent.futures import ThreadPoolExecutor
    lab, _ = krb_lab
    ticket(krb_lab, tmp_path)
    client = gssapi.Credentials(usage="initiate")
    spn = gssapi.Name("HTTP@fe01.contoso.local", gssapi.NameType.hostbased_service)
    flags = gssapi.RequirementFlag.delegate_to_peer | gssapi.RequirementFlag.mutual_authentication
    tokens = [gssapi.SecurityContext(name=spn, creds=client, usage="initiate", flags=flags).step() for _ in range(600)]

    def logon_then_second_hop(number):
        acceptor = gssapi.SecurityContext(usage="accept")
        acceptor.step(tokens[number])
        # One ccache per session here, so that a store to a garbled name is not hidden by an earlier one.
        ccache = "FILE:%s" % (tmp_path / ("session-%d.ccache" % number))
        gssapi.raw.store_cred_into(kerberos.cred_store(ccache), acceptor.delegated_creds, usage="initiate",
                                   overwrite=True)
        return kerberos.service_ticket(ccache, "cifs", "fs01.contoso.local")[0]

    with ThreadPoolExecutor(max_workers=4) as pool:
        failures = [failure for failure in pool.map(logon_then_second_hop, range(len(tokens))) if failure]
    assert failures == []
