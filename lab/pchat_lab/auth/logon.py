"""The logon session behind a WinRM request, as Windows keeps it on the process token.

A WinRM session authenticated by NTLM or Basic, or by Kerberos without a forwarded TGT, is a *network
logon*: the remote process holds no credentials it could present to a third machine. CredSSP (the
client hands over its password) and Kerberos with a forwarded TGT are *delegated* logons that can.

``Principal`` is the caller's name ('CONTOSO\\lyncadmin') as a ``str``, so every layer that only needs
the name keeps working unchanged, carrying its ``Logon``. ``Lab.execute`` makes that logon the current
one for the thread that runs the command (``session``), as Windows makes the token the process's: a
cmd.exe, a PowerShell, a robocopy started from either all run under it. Code that acts under another
identity (the SQL Server engine writing a backup) steps out with ``service_account``."""
from __future__ import annotations

import contextlib
import contextvars
import time
from dataclasses import dataclass, field
from typing import Optional

NTLM, BASIC, KERBEROS, CREDSSP, CERTIFICATE = "NTLM", "Basic", "Kerberos", "CredSSP", "Certificate"


@dataclass(frozen=True)
class Logon:
    method: str                          # NTLM, Basic, Kerberos, CredSSP
    user: str = ""                       # the authenticated account ('CONTOSO\\lyncadmin')
    delegated: bool = False              # the session may authenticate to a third machine
    delegated_user: str = ""             # whose credentials it presents there ('CONTOSO\\lyncadmin')
    ticket_cache: str = ""               # Kerberos: FILE: ccache holding the forwarded TGT
    # Service tickets this logon session got with its forwarded TGT ('cifs/fs01.contoso.local' -> when it
    # expires, time.monotonic()): Windows keeps them per logon session and asks the KDC again only when one
    # has expired, so a copy of 4,000 files from one share costs one ticket, not one per file.
    service_tickets: dict = field(default_factory=dict, compare=False, repr=False)

    def holds_ticket(self, spn: str) -> bool:
        expires = self.service_tickets.get(spn.lower())
        return expires is not None and time.monotonic() < expires

    def keep_ticket(self, spn: str, lifetime: float) -> None:
        self.service_tickets[spn.lower()] = time.monotonic() + max(0.0, lifetime)

    def describe(self) -> str:
        if self.delegated:
            return "%s logon of %s with delegated credentials" % (self.method, self.delegated_user)
        return "%s network logon of %s without delegated credentials" % (self.method, self.user)


class Principal(str):
    """An authenticated caller's canonical name with the logon that authenticated it."""

    logon: Optional[Logon]

    def __new__(cls, name: str, logon: Optional[Logon] = None) -> "Principal":
        self = super().__new__(cls, name)
        self.logon = logon
        return self


_CURRENT: contextvars.ContextVar = contextvars.ContextVar("pchat_lab_logon", default=None)


def current() -> Optional[Logon]:
    """The logon of the command running in this thread; None outside any WinRM session (the lab's own
    services, direct test calls): those act with full rights, as a console logon would."""
    return _CURRENT.get()


@contextlib.contextmanager
def session(user):
    """Run a command under ``user``'s logon (nothing changes for a plain name)."""
    token = _CURRENT.set(getattr(user, "logon", None))
    try:
        yield
    finally:
        _CURRENT.reset(token)


@contextlib.contextmanager
def service_account():
    """Work a Windows service does under its own account (SQL Server writing a backup file)."""
    token = _CURRENT.set(None)
    try:
        yield
    finally:
        _CURRENT.reset(token)
