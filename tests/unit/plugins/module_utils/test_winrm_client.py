"""The WinRM client: one shell per run, the bootstrap on the command line and the script on stdin, CLIXML
errors, and how network and authentication failures are reported (with a stand-in for pywinrm's Protocol,
and once for real against a closed port)."""
from __future__ import annotations

import base64
import json
import socket

import pytest
import requests.exceptions
from winrm import exceptions as winrm_exceptions

from ansible_collections.lync.persistent_chat.plugins.module_utils import winrm as client_module
from ansible_collections.lync.persistent_chat.plugins.module_utils.winrm import (
    BOOTSTRAP,
    STDIN_CHUNK_BYTES,
    PowerShellError,
    WinRMAuthenticationError,
    WinRMClient,
    WinRMConnectionError,
    WinRMError,
    WinRMProtocolError,
    clixml_error_lines,
    parse_powershell_error,
    wrap_script,
)

PASSWORD = "S3cret;'Pa$$w0rd"


def clixml(*error_lines: str, progress: bool = False) -> bytes:
    """stderr as powershell.exe -EncodedCommand writes it: one <S S="Error"> per line, CR LF escaped."""
    parts = ['#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">']
    if progress:
        parts.append('<Obj S="progress" RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T>'
                     '</TN><MS><I64 N="SourceId">1</I64><PR N="Record"><AV>Preparing modules for first use.</AV>'
                     '</PR></MS></Obj>')
    for line in error_lines:
        escaped = line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("_x", "_x005F_x")
        parts.append('<S S="Error">%s_x000D__x000A_</S>' % escaped)
    parts.append("</Objs>")
    return "".join(parts).encode("utf-8")


class Fail:
    """A reply that is a network failure instead of output."""

    def __init__(self, error: Exception):
        self.error = error


class FakeProtocol:
    """Records what the client asks of pywinrm's Protocol and answers from a script of replies."""

    instances: list = []

    def __init__(self, replies=None, open_errors=None, run_errors=None, **kwargs):
        self.kwargs = kwargs
        # The queues are shared by every Protocol a client makes (it makes a new one after a lost
        # connection), as a server's behaviour would be.
        self.replies = replies
        self.open_errors = open_errors
        self.run_errors = run_errors
        self.opened, self.closed, self.commands, self.cleaned = [], [], [], []
        self.stdin = {}      # command id -> [(bytes, end), ...]
        self.receives = 0
        FakeProtocol.instances.append(self)

    def open_shell(self, codepage=437, **_kwargs):
        if self.open_errors:
            raise self.open_errors.pop(0)
        shell = "shell-%d" % (len(self.opened) + 1)
        self.opened.append((shell, codepage))
        return shell

    def run_command(self, shell_id, command, arguments=(), **kwargs):
        if self.run_errors:
            raise self.run_errors.pop(0)
        self.commands.append((shell_id, command, list(arguments), kwargs))
        return "command-%d" % len(self.commands)

    def send_command_input(self, shell_id, command_id, stdin_input, end=False):
        assert isinstance(stdin_input, bytes)   # pywinrm would encode a str as cp437
        assert not any(closed for _data, closed in self.stdin.get(command_id, [])), "stdin already closed"
        self.stdin.setdefault(command_id, []).append((stdin_input, end))

    def get_command_output_raw(self, shell_id, command_id):
        self.receives += 1
        assert self.stdin[command_id][-1][1], "Receive before stdin was closed: powershell.exe would wait forever"
        reply = self.replies.pop(0) if self.replies else (b'{"ok":true}', b"", 0)
        if isinstance(reply, Fail):
            raise reply.error
        if len(reply) == 4:     # (stdout, stderr, exit code, done): one Receive of a longer command
            return reply
        return reply + (True,)

    def cleanup_command(self, shell_id, command_id):
        self.cleaned.append(command_id)

    def close_shell(self, shell_id, close_session=True):
        self.closed.append(shell_id)


def make_client(replies=None, open_errors=None, run_errors=None, **overrides):
    FakeProtocol.instances = []
    sleeps = []
    replies, open_errors, run_errors = list(replies or []), list(open_errors or []), list(run_errors or [])
    options = dict(host="fe01.contoso.local", port=5986, scheme="https", transport="ntlm",
                   user="CONTOSO\\lyncadmin", password=PASSWORD, retries=2, retry_delay=0.5,
                   protocol_factory=lambda **kw: FakeProtocol(replies, open_errors, run_errors, **kw),
                   sleep=sleeps.append)
    options.update(overrides)
    client = WinRMClient(**options)
    client.recorded_sleeps = sleeps
    return client


def decoded_bootstrap(command) -> str:
    arguments = command[2]
    assert arguments[:-1] == ["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand"]
    return base64.b64decode(arguments[-1]).decode("utf-16-le")


def sent_script(protocol, command_id="command-1") -> str:
    """The script the command received on stdin (base64 of its UTF-8 bytes, as the bootstrap decodes it)."""
    return base64.b64decode(b"".join(data for data, _end in protocol.stdin[command_id])).decode("utf-8")


def test_one_shell_with_utf8_codepage_serves_every_script_and_is_closed_once():
    client = make_client(replies=[(b'{"a":1}', b"", 0), (b'[1,2]', b"", 0), (b'"x"', b"", 0)])
    assert client.run_json("Get-A") == {"a": 1}
    assert client.run_json("Get-B") == [1, 2]
    assert client.run_json("Get-C") == "x"
    protocol = FakeProtocol.instances[0]
    assert protocol.opened == [("shell-1", 65001)]
    assert [command[0] for command in protocol.commands] == ["shell-1"] * 3
    assert protocol.cleaned == ["command-1", "command-2", "command-3"]
    client.close()
    client.close()
    assert protocol.closed == ["shell-1"]
    assert client.shells_opened == 1 and client.scripts_run == 3


def test_the_command_line_is_a_small_constant_bootstrap_and_the_script_goes_on_stdin():
    client = make_client()
    client.run_json("Get-CsPersistentChatRoom | Select-Object Name", depth=5)
    client.run_json("Get-CsPersistentChatCategory", depth=2)
    protocol = FakeProtocol.instances[0]
    first, second = protocol.commands
    assert first[1] == second[1] == "powershell.exe"
    assert first[2] == second[2]                                  # the same command line for every script
    assert first[3] == second[3] == {"console_mode_stdin": False}  # stdin is a pipe: powershell reads $input
    assert decoded_bootstrap(first) == BOOTSTRAP
    assert len(" ".join([first[1]] + first[2])) < 1000     # far below cmd.exe's 8191 characters
    assert "Get-CsPersistentChat" not in " ".join(first[2])
    lines = sent_script(protocol).splitlines()
    assert lines[0] == "$ErrorActionPreference='Stop'"
    assert lines[1] == "$ProgressPreference='SilentlyContinue'"
    assert "Get-CsPersistentChatRoom | Select-Object Name" in lines
    assert lines[-1] == "ConvertTo-Json -InputObject $pchatOut -Compress -Depth 5"
    assert protocol.stdin["command-1"][-1][1] is True and protocol.stdin["command-2"][-1][1] is True


def test_stdin_is_plain_ascii_whatever_the_script_holds():
    script = "'\uc11c\uc6b8 \u2018room\u2019'\n'line one\nline two'"
    client = make_client()
    client.run_json(script)
    protocol = FakeProtocol.instances[0]
    data = protocol.stdin["command-1"][0][0]
    assert data.isascii() and b"\n" not in data     # no code page, BOM or line splitting can touch it
    assert script in sent_script(protocol)


def test_a_100_kb_script_is_one_command_in_envelope_sized_pieces():
    script = "\n".join("$null='%s'" % ("m%05d" % line * 20) for line in range(800))
    assert len(script) > 100000
    client = make_client()
    assert client.run_json(script) == {"ok": True}
    protocol = FakeProtocol.instances[0]
    assert len(protocol.commands) == 1 and client.scripts_run == 1
    pieces = protocol.stdin["command-1"]
    assert len(pieces) == 3          # 100 KB is about 140 KB of base64
    assert all(len(data) <= STDIN_CHUNK_BYTES for data, _end in pieces)
    assert [end for _data, end in pieces] == [False, False, True]
    assert script in sent_script(protocol)


def test_receive_is_repeated_while_the_command_runs_and_on_wait_hears_each_time():
    timeout = Fail(winrm_exceptions.WinRMOperationTimeoutError())
    client = make_client(replies=[(b'{"a"', b"", None, False), timeout, (b':1}', b"", 0, True)])
    waits = []
    assert client.run_json("Start-Long", idempotent=False, on_wait=lambda: waits.append(1)) == {"a": 1}
    assert FakeProtocol.instances[0].receives == 3
    assert waits == [1, 1]


def test_protocol_gets_the_connection_settings():
    client = make_client(cert_validation=False, ca_path="/etc/ca.pem", read_timeout=90, operation_timeout=30,
                         message_encryption="always")
    client.run_json("1")
    kwargs = FakeProtocol.instances[0].kwargs
    assert kwargs["endpoint"] == "https://fe01.contoso.local:5986/wsman"
    assert kwargs["transport"] == "ntlm"
    assert kwargs["server_cert_validation"] == "ignore"
    assert kwargs["ca_trust_path"] == "/etc/ca.pem"
    assert (kwargs["read_timeout_sec"], kwargs["operation_timeout_sec"]) == (90, 30)
    assert kwargs["message_encryption"] == "always"


@pytest.mark.parametrize("scheme, port", [("http", 5985), ("https", 5986)])
def test_default_port_follows_the_scheme(scheme, port):
    client = make_client(scheme=scheme, port=None)
    assert client.endpoint.endswith(":%d/wsman" % port)


@pytest.mark.parametrize("read, operation", [(20, 20), (10, 20), (5, 0)])
def test_read_timeout_must_outlast_the_operation_timeout(read, operation):
    with pytest.raises(WinRMError, match="must be greater than"):
        make_client(read_timeout=read, operation_timeout=operation)


def test_utf8_output_and_a_leading_bom_are_handled():
    document = json.dumps({"name": "\uc11c\uc6b8 \u2018room\u2019"}, ensure_ascii=False)
    client = make_client(replies=[(("\ufeff" + document).encode("utf-8"), b"", 0)])
    assert client.run_json("x") == {"name": "\uc11c\uc6b8 \u2018room\u2019"}


def test_a_failing_cmdlet_is_named_from_clixml():
    stderr = clixml(
        "Get-CsPersistentChatRoom : Cannot find a room with identity \"pc\\nope\".",
        "At line:5 char:12",
        "+ $r['rooms']=@(Get-CsPersistentChatRoom -Identity 'pc\\nope'|Select-Object Name)",
        "+              ~~~~~~~~~~~~~~~~~~~~~~~~",
        "    + CategoryInfo          : ObjectNotFound: (:) [Get-CsPersistentChatRoom], ItemNotFoundException",
        "    + FullyQualifiedErrorId : RoomNotFound,Microsoft.Rtc.Management.Chat.Cmdlets.GetRoomCmdlet",
        progress=True)
    client = make_client(replies=[(b"", stderr, 1)])
    with pytest.raises(PowerShellError) as caught:
        client.run_json("Get-CsPersistentChatRoom -Identity 'pc\\nope'")
    error = caught.value
    assert error.cmdlet == "Get-CsPersistentChatRoom"
    assert str(error) == 'Get-CsPersistentChatRoom failed: Cannot find a room with identity "pc\\nope".'
    assert error.category.startswith("ObjectNotFound")
    assert error.error_id.startswith("RoomNotFound,")
    assert error.exit_code == 1


def test_a_thrown_error_without_a_cmdlet_keeps_its_text():
    error = parse_powershell_error(clixml("Lync module missing", "At line:1 char:1", "+ throw 'Lync module missing'"), 1)
    assert error.cmdlet is None
    assert str(error) == "PowerShell script failed: Lync module missing"


def test_multi_line_reasons_are_joined_and_xml_escapes_decoded():
    error = parse_powershell_error(clixml("Import-Module : The specified module 'Lync' was not loaded because no",
                                          "valid module file was found in any module directory.",
                                          "At line:1 char:1"), 1)
    assert error.cmdlet == "Import-Module"
    assert error.reason == ("The specified module 'Lync' was not loaded because no valid module file was found "
                            "in any module directory.")
    lines = clixml_error_lines(clixml("a_x_b <tag> & more"))
    assert lines == ["a_x_b <tag> & more"]


def test_progress_records_alone_are_not_errors():
    stderr = clixml(progress=True)
    assert clixml_error_lines(stderr) == []
    client = make_client(replies=[(b'{"fine":1}', stderr, 0)])
    assert client.run_json("x") == {"fine": 1}


def test_exit_code_zero_with_error_records_still_fails():
    client = make_client(replies=[(b'{"x":1}', clixml("Write-Error : partial failure"), 0)])
    with pytest.raises(PowerShellError, match="Write-Error failed: partial failure"):
        client.run_json("x")


@pytest.mark.parametrize("stdout", [b"", b"   \r\n", b"not json", b'{"a":1}\r\n{"b":2}'])
def test_output_that_is_not_one_json_document_is_refused(stdout):
    client = make_client(replies=[(stdout, b"", 0)])
    with pytest.raises(WinRMProtocolError):
        client.run_json("x")


def test_rejected_credentials_name_the_endpoint_never_the_password():
    client = make_client(open_errors=[winrm_exceptions.InvalidCredentialsError("the specified credentials were rejected")])
    with pytest.raises(WinRMAuthenticationError) as caught:
        client.run_json("x")
    message = str(caught.value)
    assert "fe01.contoso.local" in message and "5986" in message and "ntlm" in message
    assert "rejected the credentials" in message
    assert PASSWORD not in message


def test_refused_connections_are_retried_with_backoff_then_reported():
    refused = [requests.exceptions.ConnectionError("[Errno 111] Connection refused") for attempt in range(3)]
    client = make_client(open_errors=refused)
    with pytest.raises(WinRMConnectionError) as caught:
        client.run_json("x")
    assert client.recorded_sleeps == [0.5, 1.0]
    assert "connection refused" in str(caught.value) and "after 3 attempts" in str(caught.value)


def test_a_transient_error_then_success_opens_a_fresh_shell():
    client = make_client(open_errors=[requests.exceptions.ConnectionError("reset by peer")])
    assert client.run_json("x") == {"ok": True}
    assert client.recorded_sleeps == [0.5]
    assert client.shells_opened == 1


def test_a_lost_connection_mid_command_is_resent_only_when_idempotent():
    lost = Fail(requests.exceptions.ConnectionError("Connection aborted"))
    client = make_client(replies=[lost, (b'{"again":1}', b"", 0)])
    assert client.run_json("read-only", idempotent=True) == {"again": 1}
    assert client.recorded_sleeps == [0.5]

    client = make_client(replies=[lost, (b'{"again":1}', b"", 0)])
    with pytest.raises(WinRMConnectionError):
        client.run_json("changes-something", idempotent=False)
    assert client.recorded_sleeps == []


def test_tls_and_read_timeouts_are_explained():
    client = make_client(open_errors=[requests.exceptions.SSLError("CERTIFICATE_VERIFY_FAILED")], retries=0)
    with pytest.raises(WinRMConnectionError, match="TLS handshake failed.*winrm_ca_path"):
        client.run_json("x")
    client = make_client(replies=[Fail(requests.exceptions.ReadTimeout("read timed out"))], retries=0, read_timeout=45)
    with pytest.raises(WinRMConnectionError, match=r"no answer within winrm_read_timeout \(45s\)"):
        client.run_json("x")


def test_a_password_echoed_by_a_library_is_scrubbed():
    echo = winrm_exceptions.WinRMTransportError("http", 400, "bad request for " + PASSWORD)
    client = make_client(open_errors=[echo], retries=0)
    with pytest.raises(WinRMConnectionError) as caught:
        client.run_json("x")
    assert PASSWORD not in str(caught.value)


def test_wrap_script_checks_depth():
    with pytest.raises(ValueError):
        wrap_script("1", depth=0)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_real_pywinrm_against_a_closed_port_reports_host_port_and_transport():
    port = _closed_port()
    sleeps = []
    client = WinRMClient(host="127.0.0.1", port=port, scheme="http", transport="ntlm", user="u", password=PASSWORD,
                         read_timeout=5, operation_timeout=3, retries=1, retry_delay=0, sleep=sleeps.append)
    with pytest.raises(WinRMConnectionError) as caught:
        client.run_json("1")
    message = str(caught.value)
    assert "http://127.0.0.1:%d/wsman" % port in message
    assert "transport ntlm" in message and "connection refused" in message
    assert PASSWORD not in message
    assert sleeps == [0]


def test_missing_pywinrm_is_reported(monkeypatch):
    # pywinrm is imported when a client first needs it (load_pywinrm): here the import failed.
    monkeypatch.setattr(client_module, "load_pywinrm", lambda: False)
    monkeypatch.setattr(client_module, "WINRM_IMPORT_ERROR", ImportError("No module named 'winrm'"))
    client = WinRMClient(host="h", protocol_factory=None)
    with pytest.raises(WinRMError, match="pywinrm is not installed: No module named 'winrm'"):
        client.run_json("1")


def test_a_parse_error_keeps_the_message_that_follows_the_position_block():
    error = parse_powershell_error(clixml(
        "At line:22 char:87",
        "+ $r['pools']=@(Get-CsService -PersistentChatServer|Select-Object $pIdentity,SiteId)",
        "+                                                                 ~~~~~~",
        "Unexpected token 'SiteId' in expression or statement.",
        "    + CategoryInfo          : ParserError: (:) [], ParentContainsErrorRecordException",
        "    + FullyQualifiedErrorId : UnexpectedToken",
        " "), 1)
    assert error.cmdlet is None
    assert str(error) == "PowerShell script failed: Unexpected token 'SiteId' in expression or statement."
    assert error.error_id == "UnexpectedToken"
