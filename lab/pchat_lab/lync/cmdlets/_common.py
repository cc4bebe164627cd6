"""Helpers shared by the Lync, ActiveDirectory and SqlServer cmdlets."""
from __future__ import annotations

import fnmatch
from typing import Any

from ...powershell.api import PSError, PSObject
from .. import permissions

LYNC = "Lync"
AD = "ActiveDirectory"
SQL = "SqlServer"


def backend(ctx):
    found = ctx.lab.backends.get("lync") if ctx.lab is not None else None
    if found is None:
        raise PSError("The Lync Server backend of this lab is not initialised.", "LyncBackendMissing",
                      "NotInstalled")
    return found


def authorised(ctx, groups):
    """The backend, after checking that the caller may run this cmdlet."""
    lync = backend(ctx)
    permissions.require(ctx, lync, groups, ctx.name)
    return lync


def not_found(message: str, cmdlet_type: str, target: Any = None) -> PSError:
    return PSError(message, error_id="%s,Microsoft.Rtc.Management.%s" % ("ObjectNotFound", cmdlet_type),
                   category="ObjectNotFound", target=target,
                   exception_type="System.Management.Automation.ItemNotFoundException")


def invalid(message: str, error_id: str, target: Any = None) -> PSError:
    return PSError(message, error_id=error_id, category="InvalidArgument", target=target,
                   exception_type="System.ArgumentException")


def obj(type_name: str, props: dict) -> PSObject:
    return PSObject(props, type_names=(type_name, "System.Object"))


def wildcard(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase((value or "").lower(), (pattern or "").lower())


def fqdn_matches(given: str, expected: str) -> bool:
    return given.strip().rstrip(".").lower() == expected.lower()
