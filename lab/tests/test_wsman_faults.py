"""WS-Management faults as pywinrm sees them (WSManFaultError.wsman_fault_code), injected failures, and
hostile input: after every one of them the listener must still answer."""
from __future__ import annotations

import base64
import socket
import time
import types
import uuid

import pytest
import requests
import winrm
import xmltodict
from winrm.exceptions import WSManFaultError
from winrm.protocol import Protocol

from conftest import LAB_PASSWORD, LAB_USER

CMD_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
SHELL_NS = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"


def protocol(url, transport="plaintext", user=LAB_USER, password=LAB_PASSWORD, **kw):
    kw.setdefault("operation_timeout_sec", 5)
    kw.setdefault("read_timeout_sec", 10)
    return Protocol(url, transport=transport, username=user, password=password, **kw)


def message(p: Protocol, action: str, body: dict, shell_id=None, max_envelope=None, resource_uri=CMD_URI) -> str:
    header = p.build_wsman_header(action=action, resource_uri=resource_uri, shell_id=shell_id)
    if max_envelope is not None:
        header["env:Header"]["w:MaxEnvelopeSize"]["#text"] = str(max_envelope)
    header["env:Body"] = body
    return xmltodict.unparse({"env:Envelope": header})


def assert_still_serving(url):
    result = winrm.Session(url, auth=(LAB_USER, LAB_PASSWORD)).run_cmd("labtest echo alive")
    assert result.std_out == b"alive\r\n"


def fault_of(call) -> WSManFaultError:
    with pytest.raises(WSManFaultError) as info:
        call()
    assert info.value.code == 500
    return info.value


# --- shell and command lookup ---------------------------------------------------------------------

def test_unknown_shell(labtest, endpoints):
    p = protocol(endpoints["FE01"]["http"])
    bogus = str(uuid.uuid4()).upper()
    fault = fault_of(lambda: p.run_command(bogus, "labtest echo x"))
    assert fault.wsman_fault_code == 2150858843
    assert fault.fault_subcode == "w:InvalidSelectors"
    assert "ShellId %s failed because the shell was not found on the server" % bogus in fault.response
    fault = fault_of(lambda: p.close_shell(bogus))
    assert fault.wsman_fault_code == 2150858843
    assert_still_serving(endpoints["FE01"]["http"])


def test_deleted_shell_is_gone_and_other_users_cannot_see_a_shell(labtest, endpoints):
    p = protocol(endpoints["FE01"]["http"])
    shell_id = p.open_shell()
    other = protocol(endpoints["FE01"]["http"], user="readonly", password="Read-0nly!")
    assert fault_of(lambda: other.run_command(shell_id, "labtest echo x")).wsman_fault_code == 2150858843
    p.close_shell(shell_id)
    assert fault_of(lambda: p.run_command(shell_id, "labtest echo x")).wsman_fault_code == 2150858843


def test_unknown_command_id(labtest, endpoints):
    p = protocol(endpoints["FE01"]["http"])
    shell_id = p.open_shell()
    fault = fault_of(lambda: p.get_command_output_raw(shell_id, str(uuid.uuid4())))
    assert fault.wsman_fault_code == 2150858843
    assert "command identifier that does not exist" in fault.response
    p.close_shell(shell_id)


# --- quota ----------------------------------------------------------------------------------------

def test_too_many_shells_per_user(labtest, endpoints, lab_server, monkeypatch):
    monkeypatch.setattr(lab_server.shells, "max_shells_per_user", 3)
    # readonly may use WinRM on FE01 only (Remote Management Users there).
    p = protocol(endpoints["FE01"]["http"], user="readonly", password="Read-0nly!")
    shells = [p.open_shell() for _ in range(3)]
    fault = fault_of(p.open_shell)
    assert fault.wsman_fault_code == 2150859173
    assert "maximum number of 3 concurrent shells" in fault.reason
    # The quota is per user: lyncadmin still gets a shell; closing one frees a slot.
    assert_still_serving(endpoints["FE01"]["http"])
    p.close_shell(shells.pop())
    shells.append(p.open_shell())
    for shell_id in shells:
        p.close_shell(shell_id)


def test_shell_quota_comes_from_the_topology(lab):
    from pchat_lab.server import LabServer
    fake = types.SimpleNamespace(topology={**lab.topology, "max_shells_per_user": 7})
    assert LabServer(fake, control=False).shells.max_shells_per_user == 7
    fake.topology.pop("max_shells_per_user")
    assert LabServer(fake, control=False).shells.max_shells_per_user == 30


# --- requests the service refuses -----------------------------------------------------------------

def test_unknown_action(labtest, endpoints):
    p = protocol(endpoints["FE01"]["http"])
    fault = fault_of(lambda: p.send_message(message(p, "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get", {})))
    assert fault.wsman_fault_code == 2150858771
    assert fault.fault_subcode == "a:ActionNotSupported"
    assert_still_serving(endpoints["FE01"]["http"])


def test_powershell_remoting_resource_is_refused(labtest, endpoints):
    p = protocol(endpoints["FE01"]["http"])
    create = message(p, "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create", {"rsp:Shell": {}},
                     resource_uri="http://schemas.microsoft.com/powershell/Microsoft.PowerShell")
    assert fault_of(lambda: p.send_message(create)).wsman_fault_code == 2150858752


@pytest.mark.parametrize("payload", [
    "<not xml",
    "<a>plain xml, not SOAP</a>",
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>',
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header/><s:Body/></s:Envelope>',
    '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
    '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
    '<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]><l>&h;</l>',
])
def test_malformed_envelopes(labtest, endpoints, payload):
    p = protocol(endpoints["FE01"]["http"])
    started = time.monotonic()
    fault = fault_of(lambda: p.send_message(payload))
    assert fault.wsman_fault_code == 2150858817
    assert fault.fault_subcode == "w:SchemaValidationError"
    assert time.monotonic() - started < 2
    assert_still_serving(endpoints["FE01"]["http"])


def test_create_without_shell_body_and_command_without_command_line(labtest, endpoints):
    p = protocol(endpoints["FE01"]["http"])
    create = message(p, "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create", {})
    assert fault_of(lambda: p.send_message(create)).wsman_fault_code == 2150858817
    shell_id = p.open_shell()
    command = message(p, SHELL_NS + "/Command", {"rsp:CommandLine": {}}, shell_id=shell_id)
    assert fault_of(lambda: p.send_message(command)).wsman_fault_code == 2150858817
    p.close_shell(shell_id)


def test_envelope_over_the_server_maximum(labtest, endpoints):
    p = protocol(endpoints["FE01"]["http"])
    body = {"rsp:Shell": {"rsp:InputStreams": "stdin", "rsp:OutputStreams": "stdout stderr",
                          "rsp:Environment": {"rsp:Variable": {"@Name": "PAD", "#text": "x" * 160000}}}}
    create = message(p, "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create", body, max_envelope=512000)
    fault = fault_of(lambda: p.send_message(create))
    assert fault.wsman_fault_code == 2150858805
    assert fault.fault_subcode == "w:EncodingLimit"
    assert_still_serving(endpoints["FE01"]["http"])


def test_envelope_over_the_request_max_envelope_size(labtest, endpoints):
    p = protocol(endpoints["FE01"]["http"])
    body = {"rsp:Shell": {"rsp:InputStreams": "stdin", "rsp:OutputStreams": "stdout stderr",
                          "rsp:Environment": {"rsp:Variable": {"@Name": "PAD", "#text": "x" * 20000}}}}
    action = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
    fault = fault_of(lambda: p.send_message(message(p, action, body, max_envelope=10000)))
    assert fault.wsman_fault_code == 2150858805
    reply = p.send_message(message(p, action, body))      # the default 153600 allows it
    shell_id = xmltodict.parse(reply)["s:Envelope"]["s:Body"]["x:ResourceCreated"]["a:ReferenceParameters"][
        "w:SelectorSet"]["w:Selector"]["#text"]
    p.close_shell(shell_id)


def test_bad_base64_in_send(labtest, endpoints):
    p = protocol(endpoints["FE01"]["http"])
    shell_id = p.open_shell()
    command_id = p.run_command(shell_id, "labtest stdin")
    send = message(p, SHELL_NS + "/Send", {"rsp:Send": {"rsp:Stream": {
        "@Name": "stdin", "@CommandId": command_id, "@End": "true", "#text": "!!not base64!!"}}}, shell_id=shell_id)
    fault = fault_of(lambda: p.send_message(send))
    assert fault.wsman_fault_code == 2150858817
    p.send_command_input(shell_id, command_id, b"ok", end=True)     # the command still takes good input
    assert p.get_command_output(shell_id, command_id)[0] == b"OK"
    p.cleanup_command(shell_id, command_id)
    p.close_shell(shell_id)


def test_faults_are_sealed_on_an_encrypted_ntlm_connection(labtest, endpoints):
    p = protocol(endpoints["FE01"]["http"], transport="ntlm")
    fault = fault_of(lambda: p.run_command(str(uuid.uuid4()), "labtest echo x"))
    assert fault.wsman_fault_code == 2150858843
    assert p.transport.encryption is not None


# --- injected faults ------------------------------------------------------------------------------

def test_injected_operation_timeouts_are_retried_by_pywinrm(labtest, endpoints, lab):
    lab.faults.add(kind="operation_timeout", host="PC01", count=3)
    start = len(lab.log.dump())
    result = winrm.Session(endpoints["PC01"]["http"], auth=(LAB_USER, LAB_PASSWORD)).run_cmd("labtest echo late")
    assert result.std_out == b"late\r\n"
    actions = [e["action"] for e in lab.log.dump(start) if e["host"] == "PC01"]
    assert actions == ["Create", "Command", "TimedOut", "TimedOut", "TimedOut", "Receive", "Signal", "Delete"]


def test_injected_drop_closes_the_connection(labtest, endpoints, lab):
    lab.faults.add(kind="drop", host="FE01", nth=1)
    session = winrm.Session(endpoints["FE01"]["http"], auth=(LAB_USER, LAB_PASSWORD))
    with pytest.raises(requests.exceptions.ConnectionError):
        session.run_cmd("labtest echo lost")
    assert_still_serving(endpoints["FE01"]["http"])


def test_injected_delay_slows_every_request(labtest, endpoints, lab):
    lab.faults.add(kind="delay", host="FS01", seconds=0.1)
    started = time.monotonic()
    winrm.Session(endpoints["FS01"]["http"], auth=(LAB_USER, LAB_PASSWORD)).run_cmd("labtest echo slow")
    assert time.monotonic() - started >= 0.5       # five requests
    lab.faults.clear()


def test_faults_are_scoped_to_their_host(labtest, endpoints, lab):
    lab.faults.add(kind="drop", host="FE01", nth=0)
    assert_still_serving(endpoints["PC01"]["http"])


# --- hostile HTTP ---------------------------------------------------------------------------------

def _raw(url: str, data: bytes, read: bool = True) -> bytes:
    port = int(url.split(":")[2].split("/")[0])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        if not read:
            return b""
        chunks = []
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:      # the listener may already have closed it, which is an answer too
            return b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except socket.timeout:
            pass
        return b"".join(chunks)


def test_garbage_never_crashes_the_listener(labtest, endpoints):
    url = endpoints["FE01"]["http"]
    auth = "Basic " + base64.b64encode(("%s:%s" % (LAB_USER, LAB_PASSWORD)).encode()).decode()
    _raw(url, b"\x00\xff\xfe garbage \r\n\r\n")
    _raw(url, b"POST /wsman HTTP/1.1\r\nContent-Length: 99999999999\r\nAuthorization: " + auth.encode() + b"\r\n\r\n")
    _raw(url, b"POST /wsman HTTP/1.1\r\nContent-Length: 100\r\n\r\n<s:Env", read=False)   # truncated, then gone
    _raw(url, b"POST /wsman HTTP/1.1\r\nContent-Length: abc\r\n\r\n")
    _raw(url, b"POST /wsman HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
    reply = _raw(url, b"POST /wsman HTTP/1.1\r\nAuthorization: NTLM !!!\r\nContent-Length: 0\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 401")
    https = endpoints["FE01"]["https"]
    _raw(https, b"this is not a TLS hello\r\n\r\n")
    assert_still_serving(url)
    tls = protocol(https, transport="ssl", server_cert_validation="ignore")
    shell_id = tls.open_shell()
    tls.close_shell(shell_id)


def test_huge_random_body_is_refused_with_a_fault(labtest, endpoints):
    import os
    response = requests.post(endpoints["FE01"]["http"], data=os.urandom(1024 * 1024), auth=(LAB_USER, LAB_PASSWORD),
                             headers={"Content-Type": "application/soap+xml;charset=UTF-8"})
    assert response.status_code == 500
    assert b'Code="2150858805"' in response.content
    assert_still_serving(endpoints["FE01"]["http"])


@pytest.mark.parametrize("method,path,content_type,status", [
    ("GET", "/wsman", None, 405), ("POST", "/other", "application/soap+xml", 404),
    ("POST", "/wsman", "text/plain", 415)])
def test_http_level_refusals(labtest, endpoints, method, path, content_type, status):
    base = endpoints["FE01"]["http"].rsplit("/", 1)[0]
    headers = {"Content-Type": content_type} if content_type else {}
    response = requests.request(method, base + path, data=b"<x/>" if method == "POST" else None,
                                auth=(LAB_USER, LAB_PASSWORD), headers=headers)
    assert response.status_code == status
    assert response.headers["Content-Type"]


def test_signal_ctrl_c_and_unknown_signal(labtest, endpoints, lab_server):
    p = protocol(endpoints["FE01"]["http"])
    shell_id = p.open_shell()
    command_id = p.run_command(shell_id, "labtest until_terminated")
    sink = lab_server.shells.get("FE01", "CONTOSO\\lyncadmin", shell_id).commands[command_id].sink

    def signal(code):
        return message(p, SHELL_NS + "/Signal", {"rsp:Signal": {"@CommandId": command_id, "rsp:Code": code}},
                       shell_id=shell_id)

    fault = fault_of(lambda: p.send_message(signal(SHELL_NS + "/signal/ps_crtl_c")))
    assert fault.wsman_fault_code == 2150858817 and not sink.terminated
    reply = xmltodict.parse(p.send_message(signal(SHELL_NS + "/signal/ctrl_c")))
    assert "rsp:SignalResponse" in reply["s:Envelope"]["s:Body"]
    assert sink.terminated
    # The command is gone once signalled.
    assert fault_of(lambda: p.get_command_output_raw(shell_id, command_id)).wsman_fault_code == 2150858843
    p.close_shell(shell_id)
