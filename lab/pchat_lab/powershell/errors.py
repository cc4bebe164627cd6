"""Error records: the exceptions the interpreter uses and how PowerShell 5.1 renders a record.

PowerShell distinguishes non-terminating errors (written, execution continues), statement-
terminating errors (a cmdlet's ThrowTerminatingError, binding errors, command not found, runtime
exceptions in expressions: the statement stops, the script continues) and script-terminating
errors (``throw``, and anything under ErrorAction Stop): the script stops with exit code 1 unless
a try/catch handles it.
"""
from __future__ import annotations

from typing import Any

from .api import PSError
from .values import to_string, type_name


class Terminating(Exception):
    """A terminating error travelling up the interpreter; ``script`` says it ends the script."""

    def __init__(self, error: PSError, script: bool = False):
        super().__init__(error.message)
        self.error = error
        self.script = script


class LabRefusal(Exception):
    """A construct the lab does not implement, found while running (bypasses try/catch)."""

    def __init__(self, syntax_error):
        super().__init__(syntax_error.message)
        self.syntax_error = syntax_error


class BreakSignal(Exception):
    pass


class ContinueSignal(Exception):
    pass


class ReturnSignal(Exception):
    def __init__(self, values: list):
        super().__init__("return")
        self.values = values


class ExitSignal(Exception):
    def __init__(self, code: int):
        super().__init__("exit %d" % code)
        self.code = code


def runtime_error(message: str, error_id: str, category: str = "InvalidOperation", target: Any = None,
                  reason: str = "System.Management.Automation.RuntimeException") -> PSError:
    return PSError(message, error_id, category, target=target, exception_type=reason)


# Errors the engine raises about a command rather than from it: PowerShell gives them no command suffix.
UNATTRIBUTED_IDS = {"CommandNotFoundException"}
# Write-Error writes its caller's error (the script's, or a function's), not one of its own.
CALLERS_ERRORS = {"write-error"}


def attribute(error: PSError, command_type: str, command_name: str = "") -> PSError:
    """The record as PowerShell completes it for a cmdlet that wrote or threw it: its
    FullyQualifiedErrorId is the error id, a comma and the cmdlet's implementing type
    (ErrorRecord.SetInvocationInfo), one scheme for binding and runtime errors alike. An id a cmdlet
    wrote with some other suffix keeps its first part and gets the cmdlet's type."""
    head = error.error_id.split(",", 1)[0]
    if head in UNATTRIBUTED_IDS or not command_type or command_name.lower() in CALLERS_ERRORS:
        return error
    error.error_id = "%s,%s" % (head, command_type)
    return error


def _target_text(target: Any) -> str:
    if target is None:
        return "(:)"
    name = to_string(target)
    if len(name) > 40:
        name = name[:15] + "..." + name[-15:]
    return "(%s:%s)" % (name, type_name(target, full=False))


def render(error: PSError) -> list:
    """The lines PowerShell 5.1 prints for an error record (without line ends)."""
    header = getattr(error, "header", None)
    if header:
        head = "%s : %s" % (header, error.message)
    elif error.command_name:
        head = "%s : %s" % (error.command_name, error.message)
    else:
        head = error.message
    lines = head.replace("\r\n", "\n").split("\n")
    if error.position and not header:
        line, column, text, length = error.position
        lines += ["At line:%d char:%d" % (line, column), "+ " + text,
                  "+ " + " " * (column - 1) + "~" * max(1, length)]
    reason = (error.exception_type or "System.Exception").rsplit(".", 1)[-1]
    lines.append("    + CategoryInfo          : %s: %s [%s], %s" % (
        error.category, _target_text(error.target), (error.activity if hasattr(error, "activity") else error.command_name) or "",
        reason))
    lines.append("    + FullyQualifiedErrorId : %s" % error.error_id)
    lines.append(" ")
    return lines
