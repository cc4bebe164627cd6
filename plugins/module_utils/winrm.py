# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A WinRM client for controller-side modules, on pywinrm's Protocol.

One shell per module run: opened on the first script, reused for every script of the run, closed by
close(). As Ansible's own winrm connection does, the command line carries only a small fixed
bootstrap (``powershell.exe ... -EncodedCommand <BOOTSTRAP>``) and the script itself goes to the
command's stdin, so a script of any size is one command: cmd.exe's 8191-character command-line
limit never applies to it. The shell is opened with codepage 65001, so output comes back as UTF-8.
Scripts print exactly one JSON document. Failures become WinRMError subclasses whose message names
the endpoint and transport, never the password.
"""

from __future__ import annotations

import base64
import json
import re
import time
import xml.etree.ElementTree as ET

from ansible_collections.lync.persistent_chat.plugins.module_utils.kerberos_kinit import (
    KinitCache,
    KinitError,
    kinit_managed,
)

# pywinrm (with requests, pyspnego, gssapi, cryptography) is imported when a client first needs it, not when
# this file is: that import is most of a module's start-up (about 0.4 s of CPU; seconds on a loaded controller),
# and the modules that only read databases (parity, readiness), or that find nothing to do, never open a shell.
requests_exceptions = winrm_exceptions = Protocol = None
WINRM_IMPORT_ERROR = None


def load_pywinrm():
    """Import pywinrm once; whether it is installed (WINRM_IMPORT_ERROR says why not)."""
    global requests_exceptions, winrm_exceptions, Protocol, WINRM_IMPORT_ERROR  # pylint: disable=global-statement
    if Protocol is None and WINRM_IMPORT_ERROR is None:
        try:
            import requests.exceptions as requests_exceptions  # pylint: disable=redefined-outer-name
            from winrm import exceptions as winrm_exceptions  # pylint: disable=redefined-outer-name
            from winrm.protocol import Protocol  # pylint: disable=redefined-outer-name
        except ImportError as import_error:  # the sanity import test installs nothing; report at run time
            WINRM_IMPORT_ERROR = import_error
    return Protocol is not None


UTF8_CODEPAGE = 65001
# Runs the script that arrives on stdin. As in Ansible's bootstrap_wrapper.ps1, powershell.exe hands
# redirected stdin to the command as $input, one line at a time, and the text becomes a script block run
# in a child scope: a terminating error inside still ends powershell.exe with exit code 1 and CLIXML on
# stderr. The script travels as base64 of its UTF-8 bytes, so neither the console code page, a byte
# order mark nor the line splitting of $input can change a character of it (a line break inside a
# string literal would otherwise come back as CR LF).
BOOTSTRAP = ("$ErrorActionPreference='Stop'\n"
             "$s=[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String((@($input) -join '')))\n"
             "&([ScriptBlock]::Create($s))")
POWERSHELL = ["powershell.exe", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand"]
# stdin goes in Send messages of at most this many bytes: base64 and the envelope keep each one under the
# smallest MaxEnvelopeSize a Windows server ships with (150 KB on Windows Server 2008 R2).
STDIN_CHUNK_BYTES = 64 * 1024
TRANSPORTS = ("basic", "ntlm", "kerberos", "credssp", "certificate")


class _NeverRaised(Exception):
    """Stands for pywinrm's exceptions when pywinrm is not installed (a test's own protocol)."""


class WinRMError(Exception):
    """Base of every error this client raises; str() is a message fit for fail_json."""


class WinRMConnectionError(WinRMError):
    """The endpoint could not be reached, refused us, or timed out."""


class WinRMAuthenticationError(WinRMConnectionError):
    """The server rejected the credentials."""


class WinRMProtocolError(WinRMError):
    """The script ran but its output is not the one JSON document we asked for."""


class CommandAbandoned(WinRMError):
    """Raised by an ``on_wait`` callback to stop waiting: the command is signalled to terminate (WinRS
    Signal terminate, as for every command that ends) and the error goes up, never retried."""


class PowerShellError(WinRMError):
    """The script failed inside PowerShell. ``cmdlet`` names the failing command when PowerShell said."""

    def __init__(self, message, cmdlet=None, reason=None, category=None, error_id=None, exit_code=None,
                 stderr=None):
        super(PowerShellError, self).__init__(message)
        self.cmdlet = cmdlet
        self.reason = reason
        self.category = category
        self.error_id = error_id
        self.exit_code = exit_code
        self.stderr = stderr


_XML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_CMDLET_PREFIX = re.compile(r"\A(?P<cmdlet>[A-Za-z][A-Za-z0-9]*-[A-Za-z][A-Za-z0-9]*) : (?P<message>.*)\Z", re.S)


def _decode_clixml_string(text):
    # CLIXML writes characters XML cannot carry (CR, LF, and '_x' itself as _x005F_) as _xHHHH_.
    return _XML_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)


def clixml_error_lines(stderr):
    """The text of every error record in PowerShell's CLIXML stderr, in order, decoded.

    stderr may hold several ``#< CLIXML`` documents and progress/verbose/warning records; only
    ``<S S="Error">`` strings are error text. Non-CLIXML stderr is returned as plain lines.
    """
    if isinstance(stderr, bytes):
        stderr = stderr.decode("utf-8", errors="replace")
    if not stderr.strip():
        return []
    if "#< CLIXML" not in stderr:
        return [line for line in stderr.splitlines() if line.strip()]
    chunks = []
    for document in stderr.split("#< CLIXML"):
        document = document.strip()
        if not document:
            continue
        try:
            root = ET.fromstring(document)
        except ET.ParseError:
            chunks.append(document)
            continue
        for element in root.iter():
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "S" and element.get("S") == "Error":
                chunks.append(_decode_clixml_string(element.text or ""))
    text = "".join(chunks)
    return [line for line in text.splitlines() if line.strip()]


def parse_powershell_error(stderr, exit_code=None):
    """A PowerShellError from the stderr of a failed script, naming the cmdlet when PowerShell does.

    PowerShell formats an uncaught error as::

        Get-CsPersistentChatRoom : Cannot find room "x".
        At line:3 char:1
        + Get-CsPersistentChatRoom ...
            + CategoryInfo          : ObjectNotFound: (:) [Get-CsPersistentChatRoom], ...
            + FullyQualifiedErrorId : ...
    """
    lines = clixml_error_lines(stderr)
    reason_lines, category, error_id = [], None, None
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("+ CategoryInfo"):
            category = stripped.split(":", 1)[1].strip()
        elif stripped.startswith("+ FullyQualifiedErrorId"):
            error_id = stripped.split(":", 1)[1].strip()
        elif re.match(r"\AAt (line:\d+|.+:\d+) char:\d+", stripped) or stripped.startswith("+"):
            # The position block: "At line:N char:M", the offending line and the ~~~ marker. A runtime
            # error puts its message before it, a parse error after it; either way it is not the message.
            continue
        else:
            reason_lines.append(stripped)
    reason = " ".join(reason_lines).strip()
    cmdlet = None
    match = _CMDLET_PREFIX.match(reason)
    if match:
        cmdlet, reason = match.group("cmdlet"), match.group("message").strip()
    if not reason:
        reason = "PowerShell exited with code %s and no error text" % exit_code
    message = "%s failed: %s" % (cmdlet, reason) if cmdlet else "PowerShell script failed: %s" % reason
    return PowerShellError(message, cmdlet=cmdlet, reason=reason, category=category, error_id=error_id,
                           exit_code=exit_code, stderr="\n".join(lines))


def wrap_script(script, depth=8):
    """The script as sent: stop on the first error, no progress records on stderr, and the value the
    script outputs converted to exactly one compressed JSON document."""
    if not isinstance(depth, int) or not 1 <= depth <= 100:
        raise ValueError("depth must be an int between 1 and 100")
    return "\n".join([
        "$ErrorActionPreference='Stop'",
        "$ProgressPreference='SilentlyContinue'",
        "$pchatOut=&{",
        script,
        "}",
        "ConvertTo-Json -InputObject $pchatOut -Compress -Depth %d" % depth,
    ])


def encode_command(script):
    """base64 of the script as UTF-16LE, the form -EncodedCommand takes."""
    return base64.b64encode(script.encode("utf-16-le")).decode("ascii")


def command_arguments():
    """powershell.exe's arguments: the same for every script, whatever its size."""
    return POWERSHELL[1:] + [encode_command(BOOTSTRAP)]


def stdin_chunks(script):
    """What is sent on stdin: base64 of the script's UTF-8 bytes, which BOOTSTRAP decodes, in Send-sized
    pieces (never none, so stdin is always closed)."""
    data = base64.b64encode(script.encode("utf-8"))
    return [data[start:start + STDIN_CHUNK_BYTES] for start in range(0, len(data), STDIN_CHUNK_BYTES)] or [b""]


def _scrub(text, secret):
    if secret and text:
        return text.replace(secret, "********")
    return text


class WinRMClient(object):
    """One WinRM endpoint, one shell, many scripts."""

    def __init__(self, host, port=None, scheme="https", path="wsman", transport="ntlm", user=None,
                 password=None, cert_validation=True, ca_path=None, cert_pem=None, cert_key_pem=None,
                 message_encryption="auto", read_timeout=60, operation_timeout=20, retries=2,
                 retry_delay=1.0, protocol_factory=None, sleep=time.sleep, kerberos_delegation=False,
                 kerberos_hostname_override=None, proxy=None, no_proxy=False, credssp_disable_tlsv1_2=False,
                 credssp_auth_mechanism="auto", credssp_minimum_version=2, kinit_mode=None, kinit_cmd="kinit",
                 kinit_args=None, kinit_factory=KinitCache):
        if not host:
            raise WinRMError("no WinRM host given")
        if scheme not in ("http", "https"):
            raise WinRMError("WinRM scheme must be http or https, not %r" % (scheme,))
        if transport not in TRANSPORTS:
            raise WinRMError("WinRM transport must be one of %s, not %r" % (", ".join(TRANSPORTS), transport))
        read_timeout, operation_timeout = int(read_timeout), int(operation_timeout)
        if operation_timeout < 1 or read_timeout <= operation_timeout:
            # pywinrm's rule: each Receive may block for operation_timeout on the server, so the HTTP
            # read must wait longer than that or every long command would fail as a read timeout.
            raise WinRMError(
                "winrm_read_timeout (%d) must be greater than winrm_operation_timeout (%d), and the "
                "operation timeout at least 1: the server holds each Receive for up to the operation "
                "timeout, so the HTTP read timeout has to outlast it" % (read_timeout, operation_timeout))
        if int(retries) < 0:
            raise WinRMError("winrm_retries must be 0 or more")
        self.host = host
        self.scheme = scheme
        self.port = int(port) if port else (5986 if scheme == "https" else 5985)
        self.path = (path or "wsman").strip("/")
        self.transport = transport
        self.user = user
        self._password = password
        self.cert_validation = cert_validation
        self.ca_path = ca_path
        self.cert_pem = cert_pem
        self.cert_key_pem = cert_key_pem
        self.message_encryption = message_encryption
        self.read_timeout = read_timeout
        self.operation_timeout = operation_timeout
        self.retries = int(retries)
        self.retry_delay = retry_delay
        self.kerberos_delegation = bool(kerberos_delegation)
        self.kerberos_hostname_override = kerberos_hostname_override
        self.proxy = proxy
        self.no_proxy = bool(no_proxy)
        self.credssp_disable_tlsv1_2 = bool(credssp_disable_tlsv1_2)
        self.credssp_auth_mechanism = credssp_auth_mechanism or "auto"
        self.credssp_minimum_version = int(credssp_minimum_version or 2)
        try:
            # Ansible runs kinit only for the kerberos transport; CredSSP sends the password itself.
            self._kinit_wanted = transport == "kerberos" and kinit_managed(kinit_mode, password)
        except KinitError as error:
            raise WinRMError(str(error))
        self.kinit_cmd = kinit_cmd or "kinit"
        self.kinit_args = kinit_args
        self._kinit_factory = kinit_factory
        self._kinit = None
        self._protocol_factory = protocol_factory
        self._sleep = sleep
        self._protocol = None
        self._shell_id = None
        self.shells_opened = 0
        self.scripts_run = 0

    # -- identity used in every message -------------------------------------------------------------
    @property
    def endpoint(self):
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "%s://%s:%d/%s" % (self.scheme, host, self.port, self.path)

    def describe(self):
        extra = ""
        if self.transport == "kerberos":
            extra = ", %s delegation" % ("with" if self.kerberos_delegation else "without")
            if self.kerberos_hostname_override:
                extra += ", SPN HTTP/%s" % self.kerberos_hostname_override
        return "WinRM %s (transport %s%s, user %s)" % (self.endpoint, self.transport, extra, self.user or "-")

    # -- shell lifecycle ----------------------------------------------------------------------------
    def _make_protocol(self):
        if self._protocol_factory is None:
            if not load_pywinrm():
                raise WinRMError("pywinrm is not installed: %s" % WINRM_IMPORT_ERROR)
            self._protocol_factory = Protocol
        kwargs = dict(
            endpoint=self.endpoint,
            transport=self.transport,
            username=self.user,
            password=self._password,
            server_cert_validation="validate" if self.cert_validation else "ignore",
            read_timeout_sec=self.read_timeout,
            operation_timeout_sec=self.operation_timeout,
            message_encryption=self.message_encryption,
        )
        if self.ca_path:
            kwargs["ca_trust_path"] = self.ca_path
        if self.cert_pem:
            kwargs["cert_pem"] = self.cert_pem
        if self.cert_key_pem:
            kwargs["cert_key_pem"] = self.cert_key_pem
        if self.transport == "kerberos":
            kwargs["kerberos_delegation"] = self.kerberos_delegation
            if self.kerberos_hostname_override:
                kwargs["kerberos_hostname_override"] = self.kerberos_hostname_override
        if self.transport == "credssp":
            kwargs["credssp_disable_tlsv1_2"] = self.credssp_disable_tlsv1_2
        if self.no_proxy:
            kwargs["proxy"] = None  # pywinrm: ignore the environment's proxy settings too
        elif self.proxy:
            kwargs["proxy"] = self.proxy
        if self._kinit_wanted and self._kinit is None:
            self._get_ticket()
        try:
            protocol = self._protocol_factory(**kwargs)
        except Exception as error:  # pywinrm validates its arguments here (e.g. encryption over basic)
            raise WinRMError("%s: cannot set up the client: %s" % (self.describe(), _scrub(str(error), self._password)))
        if self.transport == "credssp":
            # pywinrm's Protocol does not take these; its Transport reads them when it builds the session.
            transport = getattr(protocol, "transport", None)
            if transport is not None:
                transport.credssp_auth_mechanism = self.credssp_auth_mechanism
                transport.credssp_minimum_version = self.credssp_minimum_version
        return protocol

    def _get_ticket(self):
        """kinit into a private credential cache for this client (kinit mode managed)."""
        try:
            kinit = self._kinit_factory(self.user, self._password, kinit_cmd=self.kinit_cmd,
                                        kinit_args=self.kinit_args, forwardable=self.kerberos_delegation)
            kinit.acquire()
        except KinitError as error:
            raise WinRMAuthenticationError("%s: %s" % (self.describe(), _scrub(str(error), self._password)))
        self._kinit = kinit

    def _drop_ticket(self):
        kinit, self._kinit = self._kinit, None
        if kinit is not None:
            kinit.release()

    def _ensure_shell(self):
        if self._shell_id is not None:
            return self._shell_id
        if self._protocol is None:
            self._protocol = self._make_protocol()
        self._shell_id = self._protocol.open_shell(codepage=UTF8_CODEPAGE)
        self.shells_opened += 1
        return self._shell_id

    def close(self):
        """Close the shell (best effort: the run's result matters more than a failed goodbye)."""
        shell_id, self._shell_id = self._shell_id, None
        try:
            if shell_id is not None and self._protocol is not None:
                try:
                    self._protocol.close_shell(shell_id)
                except Exception:  # pylint: disable=broad-except
                    pass
        finally:
            self._drop_ticket()
            self._protocol = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # -- error mapping ------------------------------------------------------------------------------
    def _is_transient(self, error):
        if not load_pywinrm():
            return False
        if isinstance(error, (requests_exceptions.ConnectionError, requests_exceptions.Timeout)):
            return True
        if isinstance(error, winrm_exceptions.WinRMTransportError):
            return getattr(error, "code", None) in (502, 503, 504)
        return False

    def _translate(self, error):
        """A WinRMError naming the endpoint and transport for any failure below us."""
        if isinstance(error, WinRMError):
            return error
        where = self.describe()
        text = _scrub(str(error), self._password)
        if load_pywinrm():
            if isinstance(error, winrm_exceptions.InvalidCredentialsError):
                return WinRMAuthenticationError("%s: the server rejected the credentials" % where)
            if isinstance(error, requests_exceptions.SSLError):
                return WinRMConnectionError(
                    "%s: TLS handshake failed (%s); check winrm_ca_path or winrm_cert_validation" % (where, text))
            if isinstance(error, requests_exceptions.ConnectTimeout):
                return WinRMConnectionError("%s: timed out connecting" % where)
            if isinstance(error, requests_exceptions.ReadTimeout):
                return WinRMConnectionError(
                    "%s: no answer within winrm_read_timeout (%ds)" % (where, self.read_timeout))
            if isinstance(error, requests_exceptions.ConnectionError):
                reason = "connection refused" if "refused" in text.lower() else "cannot connect (%s)" % text
                return WinRMConnectionError("%s: %s" % (where, reason))
            if isinstance(error, winrm_exceptions.WinRMTransportError):
                return WinRMConnectionError("%s: %s" % (where, text))
            if isinstance(error, winrm_exceptions.WinRMError):
                return WinRMConnectionError("%s: %s" % (where, text))
        return WinRMError("%s: %s: %s" % (where, type(error).__name__, text))

    # -- running scripts ----------------------------------------------------------------------------
    def _attempt(self, script, on_wait):
        shell_id = self._ensure_shell()
        # WINRS_CONSOLEMODE_STDIN=FALSE makes stdin a pipe, so powershell.exe reads it as $input.
        command_id = self._protocol.run_command(shell_id, POWERSHELL[0], command_arguments(), console_mode_stdin=False)
        try:
            chunks = stdin_chunks(script)
            for index, chunk in enumerate(chunks):
                self._protocol.send_command_input(shell_id, command_id, chunk, end=index == len(chunks) - 1)
            stdout, stderr, exit_code, done = [], [], None, False
            still_running = winrm_exceptions.WinRMOperationTimeoutError if load_pywinrm() else _NeverRaised
            while not done:
                try:
                    out, err, exit_code, done = self._protocol.get_command_output_raw(shell_id, command_id)
                    stdout.append(out)
                    stderr.append(err)
                except still_running:
                    pass  # the server's OperationTimeout: the command is still running; ask again
                if not done and on_wait is not None:
                    on_wait()
            return b"".join(stdout), b"".join(stderr), exit_code
        finally:
            try:
                self._protocol.cleanup_command(shell_id, command_id)
            except Exception:  # pylint: disable=broad-except
                pass

    def run_powershell(self, script, idempotent=True, on_wait=None):
        """Run a script as sent (no JSON wrapping) and return (stdout text, stderr text, exit code).

        Transient network errors are retried with backoff when opening the shell; a command is
        re-sent only when ``idempotent`` is true, since the server may have run it already.
        ``on_wait`` is called after every Receive that finds the command still running (once per
        operation timeout), e.g. to show progress.
        """
        attempt = 0
        while True:
            shell_was_open = self._shell_id is not None
            try:
                stdout, stderr, exit_code = self._attempt(script, on_wait)
                break
            except Exception as error:  # pylint: disable=broad-except
                translated = self._translate(error)
                retryable = (self._is_transient(error) and (idempotent or self._shell_id is None)
                             and not isinstance(error, CommandAbandoned))
                if not retryable or attempt >= self.retries:
                    if attempt:
                        translated = type(translated)("%s (after %d attempts)" % (translated, attempt + 1))
                    raise translated
                attempt += 1
                # A broken connection may have lost the shell; start over with a fresh one.
                if shell_was_open or self._shell_id is not None:
                    self.close()
                    self._protocol = None
                self._sleep(self.retry_delay * (2 ** (attempt - 1)))
        self.scripts_run += 1
        out = stdout.decode("utf-8", errors="replace") if isinstance(stdout, bytes) else stdout
        err = stderr.decode("utf-8", errors="replace") if isinstance(stderr, bytes) else stderr
        return out.lstrip(u"\ufeff"), err, exit_code

    def run_json(self, script, depth=8, idempotent=True, on_wait=None):
        """Run a script whose output is one value and return that value decoded from JSON."""
        wrapped = wrap_script(script, depth=depth)
        stdout, stderr, exit_code = self.run_powershell(wrapped, idempotent=idempotent, on_wait=on_wait)
        errors = clixml_error_lines(stderr)
        if exit_code != 0 or errors:
            raise parse_powershell_error(stderr, exit_code=exit_code)
        text = stdout.strip()
        if not text:
            raise WinRMProtocolError("%s: the script printed nothing (expected one JSON document)" % self.describe())
        try:
            return json.loads(text)
        except ValueError:
            raise WinRMProtocolError("%s: the script printed something that is not one JSON document: %r"
                                     % (self.describe(), text[:200]))
