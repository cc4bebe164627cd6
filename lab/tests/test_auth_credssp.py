"""CredSSP on the lab's WinRM listeners with UNMODIFIED pywinrm (transport='credssp', requests-credssp):
HTTP with CredSSP message encryption (bodies over 16 KB both ways), HTTPS, the delegated credentials
recorded on the session's logon, and the wrong password as Windows reports it."""
from __future__ import annotations

import pytest
import winrm
from requests_credssp.exceptions import NTStatusException

from conftest import LAB_PASSWORD, requires_powershell
from pchat_lab.auth import logon


def session(url, user="CONTOSO\\lyncadmin", password=LAB_PASSWORD, **kw):
    return winrm.Session(url, auth=(user, password), transport="credssp", **kw)


@pytest.fixture
def logons_seen(lab_server, monkeypatch):
    """The logon each command line runs under, as cmd.exe sees it (lab.execute sets it)."""
    from pchat_lab.windows import cmd
    seen = []
    original = cmd.run_command_line

    def run_command_line(lab, host, line, sink):
        seen.append(logon.current())
        return original(lab, host, line, sink)

    monkeypatch.setattr(cmd, "run_command_line", run_command_line)
    return seen


@pytest.mark.parametrize("user", ["CONTOSO\\lyncadmin", "lyncadmin@contoso.local"])
def test_credssp_over_http_encrypts_and_delegates(endpoints, logons_seen, user):
    result = session(endpoints["FE01"]["http"], user=user).run_cmd("whoami")
    assert (result.status_code, result.std_out) == (0, b"contoso\\lyncadmin\r\n")
    assert logons_seen[-1].method == "CredSSP"
    assert logons_seen[-1].delegated and logons_seen[-1].delegated_user == "CONTOSO\\lyncadmin"


def test_credssp_over_https(endpoints, logons_seen):
    result = session(endpoints["FE01"]["https"], server_cert_validation="ignore").run_cmd("whoami")
    assert result.std_out == b"contoso\\lyncadmin\r\n"
    assert logons_seen[-1].delegated


@requires_powershell
def test_sealed_bodies_over_16_kb_travel_both_ways(endpoints):
    """pywinrm splits a request over 16 KB into multipart/x-multi-encrypted parts; replies come back the same way."""
    p = session(endpoints["FE01"]["http"]).protocol
    shell_id = p.open_shell()
    command_id = p.run_command(shell_id, "powershell", ["-NoProfile", "-Command", "-"])
    p.send_command_input(shell_id, command_id, ("$a = '%s'; $a.Length; 'x' * 40000" % ("y" * 30000)).encode(),
                         end=True)
    out, err, code = p.get_command_output(shell_id, command_id)
    p.close_shell(shell_id)
    assert code == 0, err
    assert out == b"30000\r\n" + b"x" * 40000 + b"\r\n"


def test_wrong_password_is_status_logon_failure(endpoints):
    """What pywinrm users see against Windows (pywinrm issue 235): the TSRequest's NTSTATUS."""
    with pytest.raises(NTStatusException) as caught:
        session(endpoints["FE01"]["http"], password="wrong").run_cmd("whoami")
    assert caught.value.status == 0xC000006D
    assert "STATUS_LOGON_FAILURE" in str(caught.value)


def test_the_challenge_offers_credssp(endpoints):
    import requests
    response = requests.post(endpoints["FE01"]["http"], data=b"<x/>",
                             headers={"Content-Type": "application/soap+xml;charset=UTF-8"})
    assert response.status_code == 401 and "CredSSP" in response.headers["WWW-Authenticate"]
