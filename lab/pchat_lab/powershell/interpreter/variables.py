"""Variables: scopes, the automatic and preference variables, $env:, and Set-StrictMode's undefined-variable rule."""
from __future__ import annotations

from typing import Any

from tree_sitter import Node

from ..errors import LabRefusal, runtime_error
from ..parser import unsupported
from ..values import to_string

# Automatic variables PowerShell always defines but the lab does not model: refused, never $null.
UNIMPLEMENTED_AUTOMATIC = {"myinvocation", "pscmdlet", "host", "executioncontext", "input", "psscriptroot",
                           "pscommandpath", "stacktrace", "sender", "eventargs", "event", "profile",
                           "shellid", "nestedpromptlevel", "psculture", "psuiculture", "psdebugcontext"}

PREFERENCE_DEFAULTS = {
    "erroractionpreference": "Continue", "warningpreference": "Continue", "verbosepreference": "SilentlyContinue",
    "debugpreference": "SilentlyContinue", "progresspreference": "Continue", "confirmpreference": "High",
    "whatifpreference": False, "informationpreference": "SilentlyContinue",
}


class Variables:
    """Reading and writing $name, $scope:name and $env:name in the Interpreter's scopes."""

    def _split_var(self, text: str) -> tuple:
        name = text
        if name.startswith("${") and name.endswith("}"):
            name = name[2:-1]
        elif name[:1] in "$@":
            name = name[1:]
        scope = ""
        if ":" in name:
            scope, _, rest = name.partition(":")
            scope = scope.lower()
            if scope in ("script", "global", "local", "private"):
                return "", rest
            if scope == "env":
                return "env", rest
            return scope, rest
        return scope, name

    def get_var(self, name: str, default: Any = None) -> Any:
        low = name.lower()
        if low.startswith("env:"):
            entry = self.env.get(low[4:])
            return entry[1] if entry else default
        if low in ("null",):
            return None
        if low == "true":
            return True
        if low == "false":
            return False
        if low == "?":
            return self.last_ok
        if low == "psitem":
            low = "_"
        for scope in reversed(self.scopes):
            if low in scope:
                return scope[low]
        return default

    def set_var(self, name: str, value: Any) -> None:
        low = name.lower()
        if low == "psitem":
            low = "_"
        if low in ("null",):
            return
        if low in ("true", "false", "?", "error", "psversiontable", "pid", "home", "pshome"):
            raise runtime_error("Cannot overwrite variable %s because it is read-only or constant." % name,
                                "VariableNotWritable", "WriteError", name,
                                "System.Management.Automation.SessionStateUnauthorizedAccessException")
        if low in ("erroractionpreference", "warningpreference", "verbosepreference", "progresspreference",
                   "debugpreference", "informationpreference") and value is not None:
            text = to_string(value)
            valid = ("SilentlyContinue", "Stop", "Continue", "Inquire", "Ignore", "Suspend")
            match = [v for v in valid if v.lower() == text.lower()]
            if not match:
                raise runtime_error('Cannot convert value "%s" to type "System.Management.Automation.ActionPreference".'
                                    ' Error: "Unable to match the identifier name %s to a valid enumerator name. '
                                    'Specify one of the following enumerator names and try again: %s"'
                                    % (text, text, ", ".join(valid)), "RuntimeException", "InvalidArgument")
            value = match[0]
        self.scopes[-1][low] = value

    def read_variable(self, node: Node) -> Any:
        text = self.text(node)
        scope, name = self._split_var(text)
        if scope == "env":
            entry = self.env.get(name.lower())
            return entry[1] if entry else None
        if scope:
            raise LabRefusal(unsupported(self.source, node, "the variable drive or scope '%s:'" % scope))
        if name.lower() in UNIMPLEMENTED_AUTOMATIC and not self.is_defined(name):
            raise self.refuse(node, "the automatic variable $%s" % name)
        if self.strict >= 1 and not self.is_defined(name):
            raise self.expression_error(runtime_error(
                "The variable '$%s' cannot be retrieved because it has not been set." % name, "VariableIsUndefined",
                "InvalidOperation", name), node)
        return self.get_var(name)

    def is_defined(self, name: str) -> bool:
        low = name.lower()
        if low in ("null", "true", "false", "?"):
            return True
        low = "_" if low == "psitem" else low
        return any(low in scope for scope in self.scopes)

    def write_variable(self, node: Node, value: Any) -> None:
        text = self.text(node)
        scope, name = self._split_var(text)
        if scope == "env":
            self.env[name.lower()] = (name, to_string(value))
            return
        if scope:
            raise LabRefusal(unsupported(self.source, node, "the variable drive or scope '%s:'" % scope))
        self.set_var(name, value)
