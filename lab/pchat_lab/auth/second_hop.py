"""The second hop: may the command running now authenticate from its host to another host?

Windows answers from the logon (see logon.py): a network logon (NTLM, Basic, Kerberos without a
forwarded TGT) holds no credentials for a third machine, so SQL Server sees ``NT AUTHORITY\\ANONYMOUS
LOGON`` and a share answers ``Access is denied``; CredSSP and Kerberos with delegation present the
user's own credentials. [DOC: Enable-WSManCredSSP help; Ansible Windows guide "WinRM limitations";
migration-reference §8]

The lab makes it a setting, the topology key ``second_hop`` (or ``pchat-lab up --second-hop``):
``enforce`` (the default) refuses as Windows does; ``allow`` lets every logon through, as the lab did
before it modelled logons. Each crossing with delegated credentials (status 200) and each
refusal (status 401) is written to the request log as action ``SecondHop``, with the user the far side
saw: the delegated user, or NT AUTHORITY\\ANONYMOUS LOGON."""
from __future__ import annotations

import logging

from . import logon as logons

log = logging.getLogger("pchat_lab.second_hop")

ENFORCE, ALLOW = "enforce", "allow"
MODES = (ENFORCE, ALLOW)
ANONYMOUS = "NT AUTHORITY\\ANONYMOUS LOGON"


def sql_login_failed() -> str:
    """SQL Server's error 18456 text for a connection without credentials."""
    return "Login failed for user '%s'." % ANONYMOUS


def mode(lab) -> str:
    value = str((getattr(lab, "topology", None) or {}).get("second_hop", ENFORCE)).lower()
    if value not in MODES:
        raise ValueError("second_hop must be one of %s (got %r)" % (", ".join(MODES), value))
    return value


def _same(a, b) -> bool:
    return a is b or (a is not None and b is not None and str(a.name).lower() == str(b.name).lower())


def may_reach(lab, from_host, to_host, what: str, service: str = "cifs") -> bool:
    """True when the current command may use integrated authentication from ``from_host`` to
    ``to_host`` for ``what`` ('SQL Server sql01.contoso.local\\GROUPCHAT', 'share \\\\fs01\\Backups');
    ``service`` is the SPN's service class there (cifs, MSSQLSvc). Same host, no WinRM logon (the lab's
    own services) or no known target: always True. A forwarded TGT must still get a service ticket
    from the lab's KDC (it may have expired since); the session keeps that ticket until it expires, as a
    Windows logon session does, so only the first crossing to a server asks the KDC and is logged."""
    current = logons.current()
    if current is None or to_host is None or from_host is None or _same(from_host, to_host):
        return True
    delegated = current.delegated
    failure = ""
    spn = "%s/%s" % (service, to_host.fqdn)
    if delegated and current.holds_ticket(spn):
        return True                  # the session reached that server before: no KDC request, no log entry
    lifetime = float("inf")          # CredSSP: the session holds the password itself
    if delegated and current.ticket_cache:
        from .kerberos import service_ticket
        failure, lifetime = service_ticket(current.ticket_cache, service, str(to_host.fqdn))
        delegated = not failure
    if delegated:
        current.keep_ticket(spn, lifetime)
    allowed = delegated or mode(lab) == ALLOW
    seen_as = current.delegated_user if delegated else ANONYMOUS
    logon = "%s%s" % (current.describe(), "; no service ticket: %s" % failure if failure else "")
    if not allowed:
        # In lab.log too: the request log is cleared by every reset, and a refusal is what one looks for.
        log.info("%s -> %s: %s refused (%s)", from_host.name, to_host.name, what, logon)
    requests = getattr(lab, "log", None)
    # A network logon let through by ``allow`` is not logged: the log stays as it was before logons.
    if requests is not None and (delegated or not allowed):
        requests.add(host=from_host.name, user=seen_as, action="SecondHop",
                     command="%s -> %s: %s (%s)" % (from_host.name, to_host.name, what, logon),
                     status=200 if allowed else 401)
    return allowed
