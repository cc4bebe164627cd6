"""Remote shells (WinRS) and the commands running in them.

A command runs ``lab.execute(host, command_line, sink)`` in a worker thread; Receive drains its
OutputSink. Output not yet sent is kept on the command, so a reply never exceeds the envelope size
the client allows and a large output streams over several Receives."""
from __future__ import annotations

import base64
import logging
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from typing import Optional

from ..sink import OutputSink
from . import faults

log = logging.getLogger("pchat_lab.wsman")

DEFAULT_CODEPAGE = 437


class Command:
    def __init__(self, shell: "Shell", command_line: str) -> None:
        self.id = str(uuid.uuid4()).upper()
        self.shell = shell
        self.command_line = command_line
        self.sink = OutputSink()
        self.sink.codepage = shell.codepage
        self.sink.user = shell.user
        self.pending = {"stdout": bytearray(), "stderr": bytearray()}
        self.streams_ended = False
        self.receiving = threading.Lock()   # one Receive at a time per command
        self.thread: Optional[threading.Thread] = None

    def start(self, execute, host, on_finish=None) -> None:
        """Run the command line in a worker thread; ``on_finish(seconds, paced_seconds)`` is told how long
        it ran once it ends (the request log keeps it)."""
        def run() -> None:
            started = time.monotonic()
            try:
                code = execute(host, self.command_line, self.sink)
                exit_code = int(code) if code is not None else 0
            except Exception as exc:  # a bug in the simulation must not take the listener down
                log.error("command failed on %s: %r\n%s", self.shell.host_name, self.command_line[:200],
                          traceback.format_exc())
                self.sink.stderr(("%s: %s\r\n" % (type(exc).__name__, exc)).encode("utf-8", "replace"))
                exit_code = 1
            if on_finish is not None:
                on_finish(time.monotonic() - started, self.sink.paced_seconds)
            if not self.sink.done:
                self.sink.finish(exit_code)

        self.thread = threading.Thread(target=run, name="winrs-%s" % self.id[:8], daemon=True)
        self.thread.start()

    def receive(self, timeout: float, budget: int) -> Optional[tuple[list, list, Optional[int]]]:
        """Wait up to ``timeout`` for output or completion. Returns (chunks, ended streams, exit code or
        None) or None when nothing happened in time. ``budget`` caps the raw bytes in one reply."""
        with self.receiving:
            # Leftovers from a capped reply go out at once, plus whatever arrived since. The exit code
            # comes from the same take() as the output, so no output written before finish() is lost.
            out, err, exit_code = self.sink.take(0 if any(self.pending.values()) else timeout)
            self.pending["stdout"] += out
            self.pending["stderr"] += err
            if not any(self.pending.values()) and exit_code is None:
                return None
            chunks = []
            for name in ("stdout", "stderr"):
                data = self.pending[name]
                if data and budget > 0:
                    piece = bytes(data[:budget])
                    del data[:len(piece)]
                    budget -= len(piece)
                    chunks.append((name, base64.b64encode(piece).decode("ascii")))
            if exit_code is not None and not any(self.pending.values()):
                ended = [] if self.streams_ended else ["stdout", "stderr"]
                self.streams_ended = True
                return chunks, ended, exit_code
            return chunks, [], None

    def terminate(self) -> None:
        self.sink.terminate()


@dataclass
class Shell:
    id: str
    host_name: str
    user: str
    codepage: int = DEFAULT_CODEPAGE
    noprofile: bool = False
    working_directory: str = ""
    environment: dict = field(default_factory=dict)
    client_ip: str = ""
    commands: dict = field(default_factory=dict)

    def command(self, command_id: str) -> Command:
        command = self.commands.get((command_id or "").upper())
        if command is None:
            raise faults.command_not_found()
        return command

    def close(self) -> None:
        for command in list(self.commands.values()):
            command.terminate()
        self.commands.clear()


class ShellManager:
    """Every open shell of every host; the per-user quota is per host, as MaxShellsPerUser is."""

    def __init__(self, max_shells_per_user: int = 30) -> None:
        self.max_shells_per_user = max_shells_per_user
        self._lock = threading.Lock()
        self._shells: dict[tuple[str, str], Shell] = {}

    def create(self, host_name: str, user: str, **settings) -> Shell:
        with self._lock:
            owned = sum(1 for s in self._shells.values()
                        if s.host_name == host_name and s.user.lower() == user.lower())
            if owned >= self.max_shells_per_user:
                raise faults.quota_max_shells(self.max_shells_per_user)
            shell = Shell(id=str(uuid.uuid4()).upper(), host_name=host_name, user=user, **settings)
            self._shells[(host_name, shell.id)] = shell
            return shell

    def get(self, host_name: str, user: str, shell_id: Optional[str]) -> Shell:
        """The caller's shell; another user's shell is reported as not found, as it is not theirs to use."""
        with self._lock:
            shell = self._shells.get((host_name, (shell_id or "").upper()))
        if shell is None or shell.user.lower() != user.lower():
            raise faults.shell_not_found(shell_id or "")
        return shell

    def delete(self, host_name: str, user: str, shell_id: Optional[str]) -> Shell:
        shell = self.get(host_name, user, shell_id)
        with self._lock:
            self._shells.pop((host_name, shell.id), None)
        shell.close()
        return shell

    def close_all(self) -> None:
        with self._lock:
            shells, self._shells = list(self._shells.values()), {}
        for shell in shells:
            shell.close()

    def dump(self) -> list[dict]:
        with self._lock:
            shells = list(self._shells.values())
        return [{"host": s.host_name, "shell_id": s.id, "user": s.user, "codepage": s.codepage,
                 "commands": [{"command_id": c.id, "command": c.command_line[:200], "done": c.sink.done,
                               "exit_code": c.sink.exit_code} for c in list(s.commands.values())]}
                for s in shells]
