"""Where a running command writes: stdout and stderr bytes, its exit code, and a condition the WinRM
layer waits on so that Receive can return output as it appears (a long command streams over several
Receives) or block until OperationTimeout."""
from __future__ import annotations

import threading
from typing import Optional


class OutputSink:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._stdout = bytearray()
        self._stderr = bytearray()
        self.exit_code: Optional[int] = None
        self.stdin = bytearray()
        self.stdin_closed = False
        self.terminated = False
        # Seconds the command slept to imitate a transfer rate (the request log reports them).
        self.paced_seconds = 0.0

    # --- the command's side -------------------------------------------------------------------
    def stdout(self, data: bytes) -> None:
        with self._cond:
            self._stdout += data
            self._cond.notify_all()

    def stderr(self, data: bytes) -> None:
        with self._cond:
            self._stderr += data
            self._cond.notify_all()

    def finish(self, exit_code: int) -> None:
        with self._cond:
            self.exit_code = exit_code
            self._cond.notify_all()

    def read_stdin(self, timeout: Optional[float] = None) -> bytes:
        """All stdin sent so far once the client closed it (End="true")."""
        with self._cond:
            self._cond.wait_for(lambda: self.stdin_closed or self.terminated, timeout)
            return bytes(self.stdin)

    # --- the WinRM side -----------------------------------------------------------------------
    def send_stdin(self, data: bytes, end: bool) -> None:
        with self._cond:
            self.stdin += data
            self.stdin_closed = self.stdin_closed or end
            self._cond.notify_all()

    def terminate(self) -> None:
        with self._cond:
            self.terminated = True
            self._cond.notify_all()

    @property
    def done(self) -> bool:
        return self.exit_code is not None

    def take(self, timeout: float) -> tuple[bytes, bytes, Optional[int]]:
        """Wait up to ``timeout`` seconds for output or completion; return and clear what is there.
        Returns (stdout, stderr, exit_code or None while running). Output before completion is
        returned as soon as any exists, so a long command streams over several Receives."""
        with self._cond:
            # A terminated command wakes its Receive at once instead of after OperationTimeout.
            self._cond.wait_for(lambda: self._stdout or self._stderr or self.exit_code is not None
                                or self.terminated, timeout)
            out, err = bytes(self._stdout), bytes(self._stderr)
            self._stdout.clear()
            self._stderr.clear()
            return out, err, self.exit_code
