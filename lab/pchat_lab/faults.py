"""Faults a test can inject through the control endpoint, and the log of every request the lab served.

Fault kinds (all scoped to a host, or to every host when host is "*"):
- ``cmdlet``: the Nth call (1-based; 0 = every call) of a cmdlet fails with ``message``
  as a terminating error;
- ``drop``: the Nth Receive closes the TCP connection without answering;
- ``delay``: every WinRM request waits ``seconds`` before it is handled;
- ``operation_timeout``: the next ``count`` Receives answer with the OperationTimeout fault;
- ``slow``: the Nth call (0 = every call) of a cmdlet first waits ``seconds`` - a long export, copy or backup - and
  stops waiting when its command is terminated (WinRS Signal terminate), as a stopped pipeline does.
"""
from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Optional


@dataclass
class Fault:
    kind: str
    host: str = "*"
    cmdlet: str = ""
    nth: int = 1
    count: int = 1
    seconds: float = 0.0
    message: str = "Injected fault."
    seen: int = 0
    fired: int = 0

    def matches_host(self, host: str) -> bool:
        return self.host == "*" or self.host.lower() == host.lower()


class FaultInjector:
    KINDS = ("cmdlet", "drop", "delay", "operation_timeout", "slow")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.faults: list[Fault] = []

    def add(self, **spec) -> Fault:
        if spec.get("kind") not in self.KINDS:
            raise ValueError("fault kind must be one of %s" % ", ".join(self.KINDS))
        fault = Fault(**spec)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.faults = []

    def list(self) -> list[dict]:
        with self._lock:
            return [asdict(f) for f in self.faults]

    def _count(self, kind: str, host: str, match=lambda f: True) -> Optional[Fault]:
        """Count one event of ``kind`` against each matching fault; return the first that fires."""
        fired = None
        with self._lock:
            for fault in self.faults:
                if fault.kind != kind or not fault.matches_host(host) or not match(fault):
                    continue
                fault.seen += 1
                if fired is None and (fault.nth == 0 or fault.seen == fault.nth):
                    fault.fired += 1
                    fired = fault
        return fired

    def on_cmdlet(self, host: str, cmdlet: str) -> Optional[str]:
        """The error message to raise for this cmdlet call, or None."""
        fault = self._count("cmdlet", host, lambda f: f.cmdlet.lower() == cmdlet.lower())
        return fault.message if fault else None

    def slow_seconds(self, host: str, cmdlet: str) -> float:
        """How long this cmdlet call takes before it does its work (0 when no slow fault fires)."""
        fault = self._count("slow", host, lambda f: f.cmdlet.lower() == cmdlet.lower())
        return fault.seconds if fault else 0.0

    def should_drop_receive(self, host: str) -> bool:
        return self._count("drop", host) is not None

    def delay(self, host: str) -> None:
        with self._lock:
            seconds = sum(f.seconds for f in self.faults if f.kind == "delay" and f.matches_host(host))
        if seconds:
            time.sleep(seconds)

    def take_operation_timeout(self, host: str) -> bool:
        with self._lock:
            for fault in self.faults:
                if fault.kind == "operation_timeout" and fault.matches_host(host) and fault.fired < fault.count:
                    fault.fired += 1
                    return True
        return False


@dataclass
class LogEntry:
    time: float
    host: str
    user: str
    action: str               # Create, Command, Send, Receive, Signal, Delete, or a fault name
    shell_id: str = ""
    command: str = ""
    script: str = ""           # the decoded PowerShell script, when the command ran one
    status: int = 200
    # A Command's own work, filled in when it finishes (None while it runs): the seconds the lab spent
    # running it, and of those the seconds it slept to imitate the transfer rate (lync.migration.rows_per_second).
    # Benchmarks tell the lab's work from the client's time between commands with them.
    seconds: Optional[float] = None
    paced_seconds: Optional[float] = None
    # How the session behind the request authenticated (auth/logon.py), as Windows records a logon's
    # authentication package and delegation (Security event 4624): NTLM, Basic, Kerberos, CredSSP.
    logon: str = ""
    delegated: bool = False


class RequestLog:
    """Every WinRM operation, in order. Tests count round trips and shells from it."""

    def __init__(self, limit: int = 100000) -> None:
        self._lock = threading.Lock()
        self.entries: list[LogEntry] = []
        self.limit = limit

    def add(self, **fields) -> LogEntry:
        logon = getattr(fields.get("user"), "logon", None)   # a Principal carries its session's logon
        if logon is not None:
            fields.setdefault("logon", logon.method)
            fields.setdefault("delegated", logon.delegated)
        entry = LogEntry(time=time.time(), **fields)
        with self._lock:
            self.entries.append(entry)
            if len(self.entries) > self.limit:
                del self.entries[: len(self.entries) - self.limit]
        return entry

    def clear(self) -> None:
        with self._lock:
            self.entries = []

    def dump(self, since: int = 0) -> list[dict]:
        with self._lock:
            return [asdict(e) for e in self.entries[since:]]
