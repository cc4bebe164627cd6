"""The WinRS operations of the shell/cmd resource: Create, Command, Send, Receive, Signal, Delete.

``WSManService.handle`` takes a parsed request of an authenticated user on one host and returns the
reply envelope, or raises WSManFault (or DropConnection, when a fault injection says so)."""
from __future__ import annotations

import base64
import binascii
from typing import Optional

from ..windows import console
from . import envelope as env
from . import faults
from .shells import Command, ShellManager

DEFAULT_OPERATION_TIMEOUT = 60.0      # WinRM's default when the header is absent
MAX_OPERATION_TIMEOUT = 600.0
RECEIVE_OVERHEAD = 4096               # room for the envelope around the base64 streams

_POWERSHELL = {"powershell", "powershell.exe", "pwsh", "pwsh.exe"}

ACTION_NAMES = {
    env.ACTION_CREATE: "Create", env.ACTION_DELETE: "Delete", env.ACTION_COMMAND: "Command",
    env.ACTION_SEND: "Send", env.ACTION_RECEIVE: "Receive", env.ACTION_SIGNAL: "Signal",
}


class DropConnection(Exception):
    """Close the TCP connection without answering (an injected network failure)."""


def is_powershell(command_line: str) -> bool:
    tokens = command_line.split()
    return bool(tokens) and tokens[0].strip('"').replace("/", "\\").rsplit("\\", 1)[-1].lower() in _POWERSHELL


def decoded_script(command_line: str) -> str:
    """The script of ``powershell ... -EncodedCommand <b64>`` (UTF-16LE), or ''. PowerShell accepts
    ``-e``, ``-ec`` and any prefix of ``-EncodedCommand`` from ``-en`` on."""
    tokens = command_line.split()
    if not is_powershell(command_line):
        return ""
    for flag, value in zip(tokens[1:], tokens[2:]):
        name = flag.lower().lstrip("-/")
        if flag[:1] in "-/" and (name in ("e", "ec") or (len(name) >= 2 and "encodedcommand".startswith(name))):
            try:
                return base64.b64decode(value, validate=True).decode("utf-16-le")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                return ""
    return ""

class WSManService:
    def __init__(self, lab, shells: ShellManager, server_max_envelope: int = 153600) -> None:
        self.lab = lab
        self.shells = shells
        self.server_max_envelope = server_max_envelope

    def envelope_limit(self, request: Optional[env.Request]) -> int:
        """The request's MaxEnvelopeSize, up to the server's own maximum."""
        if request is None or request.max_envelope_size is None:
            return self.server_max_envelope
        return min(request.max_envelope_size, self.server_max_envelope)

    # --- dispatch ---------------------------------------------------------------------------------
    def handle(self, host_name: str, user: str, request: env.Request, endpoint: str, client_ip: str) -> bytes:
        name = ACTION_NAMES.get(request.action)
        if name is None:
            raise faults.action_not_supported(request.action)
        if request.resource_uri != env.CMD_RESOURCE_URI:
            raise faults.resource_not_found(request.resource_uri)
        return getattr(self, "_" + name.lower())(host_name, user, request, endpoint, client_ip)

    def _log(self, host_name, user, action, request, shell_id="", command="", script="", status=200):
        return self.lab.log.add(host=host_name, user=user, action=action, shell_id=shell_id, command=command,
                         script=script, status=status)

    # --- operations -------------------------------------------------------------------------------
    def _create(self, host_name, user, request, endpoint, client_ip) -> bytes:
        shell_el = env.child(request.body, env.NS_SHELL, "Shell")
        if shell_el is None:
            raise faults.schema_validation("Create for the cmd resource needs an rsp:Shell body.")
        inputs = _text(env.child(shell_el, env.NS_SHELL, "InputStreams")) or "stdin"
        outputs = _text(env.child(shell_el, env.NS_SHELL, "OutputStreams")) or "stdout stderr"
        if inputs.split() != ["stdin"] or sorted(outputs.split()) != ["stderr", "stdout"]:
            raise faults.schema_validation("The cmd shell has the input stream stdin and the output streams "
                                           "stdout stderr (got %r / %r)." % (inputs, outputs))
        codepage = request.options.get("WINRS_CODEPAGE", "437")
        if not codepage.isdigit():
            raise faults.schema_validation("WINRS_CODEPAGE must be a number (got %r)." % codepage)
        noprofile = request.options.get("WINRS_NOPROFILE", "FALSE").upper()
        if noprofile not in ("TRUE", "FALSE"):
            raise faults.schema_validation("WINRS_NOPROFILE must be TRUE or FALSE (got %r)." % noprofile)
        environment = {}
        env_el = env.child(shell_el, env.NS_SHELL, "Environment")
        if env_el is not None:
            for var in env.children(env_el, env.NS_SHELL, "Variable"):
                environment[var.get("Name", "")] = var.text or ""
        idle = _text(env.child(shell_el, env.NS_SHELL, "IdleTimeOut")) or "PT7200.000S"
        shell = self.shells.create(host_name, user, codepage=int(codepage), noprofile=noprofile == "TRUE",
                                   working_directory=_text(env.child(shell_el, env.NS_SHELL, "WorkingDirectory")),
                                   environment=environment, client_ip=client_ip)
        self._log(host_name, user, "Create", request, shell_id=shell.id)
        body = env.create_response_body(endpoint, shell.id, user, client_ip, idle, "stdin", "stdout stderr")
        return env.envelope(env.NS_TRANSFER + "/CreateResponse", request.message_id, body)

    def _command(self, host_name, user, request, endpoint, client_ip) -> bytes:
        shell = self.shells.get(host_name, user, request.shell_id)
        line_el = env.child(request.body, env.NS_SHELL, "CommandLine")
        command_el = env.child(line_el, env.NS_SHELL, "Command") if line_el is not None else None
        if command_el is None or not (command_el.text or "").strip():
            raise faults.schema_validation("Command needs rsp:CommandLine/rsp:Command with a command.")
        parts = [command_el.text.strip()]
        parts += [a.text for a in env.children(line_el, env.NS_SHELL, "Arguments") if a.text]
        command_line = " ".join(parts)
        host = self.lab.host(host_name)
        command = Command(shell, command_line)
        shell.commands[command.id] = command
        script = decoded_script(command_line)
        entry = self._log(host_name, user, "Command", request, shell_id=shell.id, command=command_line, script=script)

        def finished(seconds: float, paced_seconds: float) -> None:
            entry.seconds, entry.paced_seconds = round(seconds, 6), round(paced_seconds, 6)
        command.start(self.lab.execute, host, on_finish=finished)
        return env.envelope(env.NS_SHELL + "/CommandResponse", request.message_id,
                            env.command_response_body(command.id))

    def _send(self, host_name, user, request, endpoint, client_ip) -> bytes:
        shell = self.shells.get(host_name, user, request.shell_id)
        closed = None
        send_el = env.child(request.body, env.NS_SHELL, "Send")
        streams = env.children(send_el, env.NS_SHELL, "Stream") if send_el is not None else []
        if not streams:
            raise faults.schema_validation("Send needs rsp:Send/rsp:Stream.")
        for stream in streams:
            if stream.get("Name") != "stdin":
                raise faults.schema_validation("The cmd shell's only input stream is stdin (got %r)."
                                               % stream.get("Name"))
            command = shell.command(stream.get("CommandId", ""))
            try:
                data = base64.b64decode((stream.text or "").strip(), validate=True)
            except (binascii.Error, ValueError):
                raise faults.schema_validation("The rsp:Stream content is not valid base64 (xs:base64Binary).")
            end = (stream.get("End") or "false").lower() in ("true", "1")
            if command.sink.stdin_closed:
                raise faults.schema_validation("The stdin stream of command %s was closed with End=\"true\"."
                                               % command.id)
            command.sink.send_stdin(data, end)
            if end:
                closed = command
        # The Send that closes a PowerShell command's stdin logs all of it, as text in the shell's code page:
        # a script sent on stdin (or the base64 of one) is what that command runs.
        text = ""
        if closed is not None and is_powershell(closed.command_line):
            text = console.decode(bytes(closed.sink.stdin), shell.codepage)
        self._log(host_name, user, "Send", request, shell_id=shell.id,
                  command=closed.command_line if closed is not None else "", script=text)
        return env.envelope(env.NS_SHELL + "/SendResponse", request.message_id, "<rsp:SendResponse/>")

    def _receive(self, host_name, user, request, endpoint, client_ip) -> bytes:
        shell = self.shells.get(host_name, user, request.shell_id)
        receive_el = env.child(request.body, env.NS_SHELL, "Receive")
        desired = env.child(receive_el, env.NS_SHELL, "DesiredStream") if receive_el is not None else None
        if desired is None or not desired.get("CommandId"):
            raise faults.schema_validation("Receive needs rsp:Receive/rsp:DesiredStream with a CommandId.")
        command = shell.command(desired.get("CommandId"))
        if self.lab.faults.should_drop_receive(host_name):
            self._log(host_name, user, "DroppedConnection", request, shell_id=shell.id, status=0)
            raise DropConnection()
        if self.lab.faults.take_operation_timeout(host_name):
            raise faults.timed_out()
        timeout = request.operation_timeout if request.operation_timeout is not None else DEFAULT_OPERATION_TIMEOUT
        budget = max(1024, (self.envelope_limit(request) - RECEIVE_OVERHEAD) * 3 // 4)
        result = command.receive(min(timeout, MAX_OPERATION_TIMEOUT), budget)
        if result is None:
            raise faults.timed_out()
        chunks, ended, exit_code = result
        self._log(host_name, user, "Receive", request, shell_id=shell.id)
        return env.envelope(env.NS_SHELL + "/ReceiveResponse", request.message_id,
                            env.receive_response_body(command.id, chunks, ended, exit_code))

    def _signal(self, host_name, user, request, endpoint, client_ip) -> bytes:
        shell = self.shells.get(host_name, user, request.shell_id)
        signal_el = env.child(request.body, env.NS_SHELL, "Signal")
        code = _text(env.child(signal_el, env.NS_SHELL, "Code")) if signal_el is not None else ""
        if code not in (env.SIGNAL_TERMINATE, env.SIGNAL_CTRL_C):
            raise faults.schema_validation("The cmd shell accepts the signals terminate and ctrl_c (got %r)." % code)
        command = shell.command(signal_el.get("CommandId", ""))
        command.terminate()
        shell.commands.pop(command.id, None)
        self._log(host_name, user, "Signal", request, shell_id=shell.id, command=command.command_line)
        return env.envelope(env.NS_SHELL + "/SignalResponse", request.message_id, "<rsp:SignalResponse/>")

    def _delete(self, host_name, user, request, endpoint, client_ip) -> bytes:
        shell = self.shells.delete(host_name, user, request.shell_id)
        self._log(host_name, user, "Delete", request, shell_id=shell.id)
        return env.envelope(env.NS_TRANSFER + "/DeleteResponse", request.message_id, "")


def _text(node) -> str:
    return (node.text or "").strip() if node is not None else ""
