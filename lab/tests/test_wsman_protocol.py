"""Conformance of the lab's WinRM listeners with UNMODIFIED pywinrm: Session.run_cmd / run_ps and the raw
Protocol flow, over Basic/HTTP, Basic/HTTPS (no validation and ca_trust_path) and NTLM/HTTP with message
encryption."""
from __future__ import annotations

import base64
import threading
import time

import pytest
import requests
import winrm
from winrm.exceptions import InvalidCredentialsError
from winrm.protocol import Protocol

from conftest import LAB_PASSWORD, LAB_USER, requires_powershell, requires_windows
from pchat_lab.wsman.service import decoded_script


def protocol(url, transport="plaintext", user=LAB_USER, password=LAB_PASSWORD, **kw):
    kw.setdefault("operation_timeout_sec", 5)
    kw.setdefault("read_timeout_sec", 10)
    return Protocol(url, transport=transport, username=user, password=password, **kw)


def run_raw(p: Protocol, command: str, args=(), **shell_kw):
    shell_id = p.open_shell(**shell_kw)
    command_id = p.run_command(shell_id, command, args)
    out, err, code = p.get_command_output(shell_id, command_id)
    p.cleanup_command(shell_id, command_id)
    p.close_shell(shell_id)
    return out, err, code


def actions_since(lab, start, host="FE01"):
    return [e["action"] for e in lab.log.dump(start) if e["host"] == host]


# --- transports and auth ------------------------------------------------------------------------

def test_run_cmd_over_basic_http(labtest, endpoints):
    session = winrm.Session(endpoints["FE01"]["http"], auth=(LAB_USER, LAB_PASSWORD))
    result = session.run_cmd("labtest", ["whoami"])
    assert result.status_code == 0
    assert result.std_out == b"CONTOSO\\lyncadmin|437|FE01"


def test_each_host_runs_its_own_commands(labtest, endpoints):
    session = winrm.Session(endpoints["SQL01"]["http"], auth=(LAB_USER, LAB_PASSWORD))
    assert session.run_cmd("labtest whoami").std_out == b"CONTOSO\\lyncadmin|437|SQL01"


def test_raw_protocol_flow_with_arguments_and_exit_code(labtest, endpoints, lab):
    start = len(lab.log.dump())
    out, err, code = run_raw(protocol(endpoints["FE01"]["http"]), "labtest", ["exit", "7"])
    assert (out, err, code) == (b"", b"failing on purpose\r\n", 7)
    assert actions_since(lab, start) == ["Create", "Command", "Receive", "Signal", "Delete"]


def test_basic_over_https_without_validation(labtest, endpoints):
    p = protocol(endpoints["PC01"]["https"], transport="ssl", server_cert_validation="ignore")
    assert run_raw(p, "labtest echo tls")[0] == b"tls\r\n"


def test_basic_over_https_validating_the_lab_certificate(labtest, endpoints, lab_server):
    p = protocol(endpoints["PC01"]["https"], transport="ssl", ca_trust_path=str(lab_server.cert_path))
    assert run_raw(p, "labtest echo verified")[0] == b"verified\r\n"


def test_https_is_refused_by_a_client_that_does_not_trust_the_certificate(labtest, endpoints):
    p = protocol(endpoints["PC01"]["https"], transport="ssl", ca_trust_path=requests.certs.where())
    with pytest.raises(requests.exceptions.SSLError):
        p.open_shell()


def test_ntlm_over_http_encrypts_every_message(labtest, endpoints):
    p = protocol(endpoints["GC01"]["http"], transport="ntlm", user="CONTOSO\\lyncadmin")
    seen = []
    session = p.transport.build_session()
    session.hooks["response"].append(lambda r, *a, **k: seen.append((r.status_code, r.headers.get("Content-Type"),
                                                                      r.request.headers.get("Content-Type"))))
    out, err, code = run_raw(p, "labtest whoami", codepage=65001)
    assert (out, code) == (b"CONTOSO\\lyncadmin|65001|GC01", 0)
    assert p.transport.encryption is not None
    soap = [s for s in seen if s[0] == 200 and s[1]]
    assert len(soap) >= 5
    for status, reply_type, request_type in soap:
        assert 'protocol="application/HTTP-SPNEGO-session-encrypted"' in reply_type
        assert request_type.startswith("multipart/encrypted")


def test_ntlm_accepts_bare_upn_and_netbios_user_names(labtest, endpoints):
    for user in ("lyncadmin", "lyncadmin@contoso.local", "contoso\\LYNCADMIN"):
        session = winrm.Session(endpoints["FS01"]["http"], auth=(user, LAB_PASSWORD), transport="ntlm")
        assert session.run_cmd("labtest whoami").std_out == b"CONTOSO\\lyncadmin|437|FS01"


def test_spnego_wrapped_ntlm_under_negotiate(labtest, endpoints):
    """A Negotiate client (SPNEGO NegTokenInit carrying NTLM, as Windows and pypsrp send it) rather than
    pywinrm's raw NTLM: the acceptor's final token comes back and sealed messages round-trip."""
    import spnego
    import xmltodict
    from pchat_lab.wsman.auth import unwrap_body, wrap_body, ENCRYPTED_CONTENT_TYPE

    url = endpoints["PC01"]["http"]
    client = spnego.client(LAB_USER, LAB_PASSWORD, hostname="pc01.contoso.local", service="http",
                           protocol="negotiate")
    http = requests.Session()
    token = client.step()
    assert not token.startswith(b"NTLMSSP")           # really SPNEGO-wrapped
    r = http.post(url, data=b"", headers={"Authorization": "Negotiate " + base64.b64encode(token).decode()})
    assert r.status_code == 401
    token = client.step(base64.b64decode(r.headers["WWW-Authenticate"].split()[1]))
    r = http.post(url, data=b"", headers={"Authorization": "Negotiate " + base64.b64encode(token).decode()})
    assert r.status_code == 200
    final = r.headers.get("WWW-Authenticate", "")
    if final:
        client.step(base64.b64decode(final.split()[1]))
    assert client.complete
    p = Protocol(url, username=LAB_USER, password=LAB_PASSWORD)
    create = p.build_wsman_header(action="http://schemas.xmlsoap.org/ws/2004/09/transfer/Create",
                                  resource_uri="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd")
    create["env:Body"] = {"rsp:Shell": {"rsp:InputStreams": "stdin", "rsp:OutputStreams": "stdout stderr"}}
    body = xmltodict.unparse({"env:Envelope": create}).encode()
    r = http.post(url, data=wrap_body(client, body), headers={"Content-Type": ENCRYPTED_CONTENT_TYPE})
    assert r.status_code == 200 and r.headers["Content-Type"] == ENCRYPTED_CONTENT_TYPE
    reply = xmltodict.parse(unwrap_body(client, r.content))
    assert reply["s:Envelope"]["s:Body"]["rsp:Shell"]["rsp:Owner"] == "CONTOSO\\lyncadmin"


def test_ntlm_over_https_with_channel_binding(labtest, endpoints):
    p = protocol(endpoints["FS01"]["https"], transport="ntlm", server_cert_validation="ignore")
    assert run_raw(p, "labtest echo cbt")[0] == b"cbt\r\n"
    assert p.transport.encryption is None   # TLS protects the messages; no SPNEGO sealing over https


@pytest.mark.parametrize("transport", ["plaintext", "ntlm"])
@pytest.mark.parametrize("user,password", [(LAB_USER, "wrong"), ("nobody", LAB_PASSWORD),
                                           ("FABRIKAM\\lyncadmin", LAB_PASSWORD)])
def test_bad_credentials_are_rejected(labtest, endpoints, transport, user, password):
    session = winrm.Session(endpoints["FE01"]["http"], auth=(user, password), transport=transport)
    with pytest.raises(InvalidCredentialsError):
        session.run_cmd("labtest echo never")


def test_unauthenticated_request_gets_401_with_challenges(lab_server, endpoints):
    response = requests.post(endpoints["FE01"]["http"], data=b"<x/>",
                             headers={"Content-Type": "application/soap+xml;charset=UTF-8"})
    assert response.status_code == 401
    challenges = response.headers["WWW-Authenticate"]
    assert "Negotiate" in challenges and "NTLM" in challenges and "Basic" in challenges
    assert response.headers["Content-Type"]


def test_wrong_password_and_unknown_user_get_identical_replies(lab_server, endpoints):
    replies = []
    for user in (LAB_USER, "nobody"):
        r = requests.post(endpoints["FE01"]["http"], data=b"<x/>", auth=(user, "wrong"),
                          headers={"Content-Type": "application/soap+xml;charset=UTF-8"})
        replies.append((r.status_code, r.headers["WWW-Authenticate"], r.content))
    assert replies[0] == replies[1]


# --- shell behaviour ------------------------------------------------------------------------------

def test_codepage_from_create_reaches_every_command(labtest, endpoints):
    p = protocol(endpoints["FE01"]["http"])
    shell_id = p.open_shell(codepage=65001, noprofile=True)
    for _ in range(2):
        command_id = p.run_command(shell_id, "labtest whoami")
        assert p.get_command_output(shell_id, command_id)[0] == b"CONTOSO\\lyncadmin|65001|FE01"
        p.cleanup_command(shell_id, command_id)
    p.close_shell(shell_id)


def test_stdin_send_then_end_closes_it(labtest, endpoints):
    p = protocol(endpoints["FE01"]["http"])
    shell_id = p.open_shell()
    command_id = p.run_command(shell_id, "labtest stdin")
    p.send_command_input(shell_id, command_id, "hello ")
    p.send_command_input(shell_id, command_id, b"world", end=True)
    out, err, code = p.get_command_output(shell_id, command_id)
    assert (out, code) == (b"HELLO WORLD", 11)
    p.cleanup_command(shell_id, command_id)
    p.close_shell(shell_id)


def test_long_command_streams_over_several_receives(labtest, endpoints):
    p = protocol(endpoints["FE01"]["http"])
    shell_id = p.open_shell()
    command_id = p.run_command(shell_id, "labtest stream 3 0.4")
    started = time.monotonic()
    out, err, code, done = p.get_command_output_raw(shell_id, command_id)
    assert time.monotonic() - started < 0.3        # returned as soon as the first line existed
    assert (out, done) == (b"line 0\r\n", False)
    rest, _, code = p.get_command_output(shell_id, command_id)
    assert out + rest == b"line 0\r\nline 1\r\nline 2\r\n" and code == 0
    p.cleanup_command(shell_id, command_id)
    p.close_shell(shell_id)


def test_receive_times_out_after_operation_timeout_and_pywinrm_retries(labtest, endpoints, lab):
    start = len(lab.log.dump())
    p = protocol(endpoints["FE01"]["http"], operation_timeout_sec=1, read_timeout_sec=2)
    began = time.monotonic()
    out, err, code = run_raw(p, "labtest sleep 2.3")
    assert (out, code) == (b"slept\r\n", 0)
    actions = actions_since(lab, start)
    assert actions.count("TimedOut") == 2
    assert 2.0 < time.monotonic() - began < 4


def test_large_output_is_split_to_fit_the_envelope(labtest, endpoints, lab):
    start = len(lab.log.dump())
    out, err, code = run_raw(protocol(endpoints["FE01"]["http"]), "labtest big 500000")
    assert len(out) == 500000 and out.startswith(b"0123456789abcdef") and code == 0
    assert actions_since(lab, start).count("Receive") >= 5   # 153600-byte envelopes hold ~112 KB of output


def test_a_crashing_command_reports_on_stderr_with_exit_1(labtest, endpoints):
    result = winrm.Session(endpoints["FE01"]["http"], auth=(LAB_USER, LAB_PASSWORD)).run_cmd("labtest raise")
    assert result.status_code == 1
    assert b"RuntimeError: simulated bug in a command" in result.std_err


def test_signal_terminate_reaches_a_running_command(labtest, endpoints, lab_server):
    p = protocol(endpoints["FE01"]["http"])
    shell_id = p.open_shell()
    command_id = p.run_command(shell_id, "labtest until_terminated")
    shell = lab_server.shells.get("FE01", "CONTOSO\\lyncadmin", shell_id)
    sink = shell.commands[command_id].sink
    p.cleanup_command(shell_id, command_id)
    assert sink.terminated
    p.close_shell(shell_id)


def test_encoded_command_script_is_logged_decoded(labtest, endpoints, lab):
    start = len(lab.log.dump())
    script = "Write-Output 'héllo'"
    encoded = base64.b64encode(script.encode("utf-16-le")).decode()
    # A labtest line, so only the logging is exercised here (the real stack runs it further down).
    run_raw(protocol(endpoints["FE01"]["http"]), "labtest echo PowerShell -NoProfile -EncodedCommand %s" % encoded)
    assert decoded_script("PowerShell -NoProfile -NonInteractive -EncodedCommand %s" % encoded) == script
    assert decoded_script("powershell.exe -ec %s" % encoded) == script
    assert decoded_script("cmd /c echo -EncodedCommand %s" % encoded) == ""
    commands = [e for e in lab.log.dump(start) if e["action"] == "Command"]
    assert commands[-1]["command"].endswith(encoded) and commands[-1]["script"] == ""   # not a powershell line


def test_concurrent_shells_are_independent(labtest, endpoints):
    results, errors = {}, []
    barrier = threading.Barrier(25)     # all connect at once: the listen backlog must absorb the burst

    def worker(index):
        try:
            p = protocol(endpoints["FE01"]["http"])
            barrier.wait(10)
            results[index] = run_raw(p, "labtest echo worker-%d" % index)[0]
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(25)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert results == {i: b"worker-%d\r\n" % i for i in range(25)}


# --- the real stack (needs the windows helper's cmd.exe emulation, and the engine for run_ps) ---------------------------------

@requires_powershell
def test_run_ps_trivial_script_on_the_real_stack(lab_server, endpoints, lab):
    start = len(lab.log.dump())
    session = winrm.Session(endpoints["FE01"]["http"], auth=(LAB_USER, LAB_PASSWORD))
    result = session.run_ps("Write-Output 'lab ok'")
    assert result.status_code == 0, result.std_err
    assert result.std_out.strip() == b"lab ok"
    commands = [e for e in lab.log.dump(start) if e["action"] == "Command"]
    assert commands[-1]["script"] == "Write-Output 'lab ok'"


@requires_windows
def test_run_cmd_hostname_on_the_real_stack(lab_server, endpoints):
    session = winrm.Session(endpoints["SQL01"]["http"], auth=(LAB_USER, LAB_PASSWORD), transport="ntlm")
    result = session.run_cmd("hostname")
    assert result.status_code == 0, result.std_err
    assert result.std_out.strip().upper() == b"SQL01"
