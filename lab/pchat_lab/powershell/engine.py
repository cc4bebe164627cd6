"""The PowerShell interpreter: runs a script as powershell.exe -EncodedCommand would over WinRM.

Entry point: :func:`run_script`. Output objects of each top-level statement are formatted and
written to stdout as soon as the statement ends (so a script that writes, sleeps and writes again
streams); error, warning, verbose and progress records go to stderr as CLIXML. The exit code is
the one powershell.exe reports: ``exit N``, 1 after a script-terminating error or a parse error,
otherwise 1 when the last statement failed ($? false) and 0 when it did not.
"""
from __future__ import annotations

import datetime as _dt
import importlib
import re
import traceback
from typing import Any, Iterable, Optional

from tree_sitter import Node

from . import api
from .api import CmdletContext, CmdletSpec, Param, PSError, PSObject, ScriptBlock
from .binding import NO_VALUE, RawArg, bind, cmdlet_type
from .clixml import HEADER, OBJS_CLOSE, OBJS_OPEN, ProgressSerializer, error_lines, string_record
from .created_scripts import CreatedScriptBlock, compile_block
from .dotnet_format import composite_format
from .errors import (BreakSignal, ContinueSignal, ExitSignal, LabRefusal, ReturnSignal, Terminating, render,
                     runtime_error)
from .formatting import Formatter
from .members import (Encoding, NotImplementedMember, TypeRef, call_method, cast, encoding_method, get_property,
                      is_instance, static_method, static_property)
from .parser import (DOUBLE_QUOTES, NUMBER_AS_COMMAND, RANGE_AS_COMMAND, SINGLE_QUOTES, ScriptSyntaxError, Source,
                     parse, unsupported)
from .values import (ConversionError, ErrorRecord, PSHashtable, as_list, dotnet_regex, dotnet_replacement,
                     is_enumerable, ps_compare, ps_equal, to_bool, to_number, to_string, type_name, wildcard_match)

# Cmdlet families register themselves on import; the engine loads every family that exists.
CMDLET_MODULES = ("pchat_lab.powershell.cmdlets.core", "pchat_lab.powershell.cmdlets.windows",
                  "pchat_lab.powershell.credentials",
                  "pchat_lab.lync.cmdlets")

ALIASES = {
    "%": "ForEach-Object", "foreach": "ForEach-Object", "?": "Where-Object", "where": "Where-Object",
    "select": "Select-Object", "sort": "Sort-Object", "measure": "Measure-Object", "group": "Group-Object",
    "echo": "Write-Output", "write": "Write-Output", "sleep": "Start-Sleep", "ipmo": "Import-Module",
    "gcm": "Get-Command", "gmo": "Get-Module", "gci": "Get-ChildItem", "ls": "Get-ChildItem",
    "dir": "Get-ChildItem", "gc": "Get-Content", "cat": "Get-Content", "type": "Get-Content",
    "gsv": "Get-Service", "gi": "Get-Item", "ni": "New-Item", "ri": "Remove-Item", "rm": "Remove-Item",
    "del": "Remove-Item", "cp": "Copy-Item", "copy": "Copy-Item", "mv": "Move-Item", "move": "Move-Item",
    "cd": "Set-Location", "sl": "Set-Location", "pwd": "Get-Location", "gl": "Get-Location",
    "gwmi": "Get-WmiObject", "gps": "Get-Process", "ps": "Get-Process", "sasv": "Start-Service",
    "spsv": "Stop-Service", "gp": "Get-ItemProperty", "sp": "Set-ItemProperty", "ft": "Format-Table",
    "fl": "Format-List", "iex": "Invoke-Expression", "icm": "Invoke-Command", "tee": "Tee-Object",
}

# Real cmdlets the lab deliberately does not implement: refused as such, never "not recognized".
KNOWN_UNIMPLEMENTED = {
    "format-table", "format-list", "format-wide", "invoke-expression", "invoke-command", "test-connection",
    "tee-object", "out-file", "out-gridview", "read-host", "get-member", "start-job",
    "enter-pssession", "new-pssession", "add-type", "invoke-webrequest", "invoke-restmethod", "get-credential",
    "start-process", "set-variable", "get-variable", "new-variable", "remove-variable", "clear-variable",
    "export-clixml", "import-clixml", "export-csv", "import-csv", "convertto-csv", "convertfrom-csv",
    "convertto-xml", "select-string", "compare-object", "get-random", "get-host", "write-debug",
    "write-information", "out-host", "out-default", "trace-command", "set-psdebug", "invoke-item",
    "convertfrom-securestring",
}

# Automatic variables PowerShell always defines but the lab does not model: refused, never $null.
UNIMPLEMENTED_AUTOMATIC = {"myinvocation", "pscmdlet", "host", "executioncontext", "input", "psscriptroot",
                           "pscommandpath", "stacktrace", "sender", "eventargs", "event", "profile",
                           "shellid", "nestedpromptlevel", "psculture", "psuiculture", "psdebugcontext"}

PREFERENCE_DEFAULTS = {
    "erroractionpreference": "Continue", "warningpreference": "Continue", "verbosepreference": "SilentlyContinue",
    "debugpreference": "SilentlyContinue", "progresspreference": "Continue", "confirmpreference": "High",
    "whatifpreference": False, "informationpreference": "SilentlyContinue",
}

_COMPARISON = re.compile(r"^-(c|i)?(eq|ne|gt|ge|lt|le|like|notlike|match|notmatch|contains|notcontains|in|notin|"
                         r"replace|split|join|is|isnot|as)$", re.I)
_WRAPPERS = {"logical_expression", "bitwise_expression", "comparison_expression", "additive_expression",
             "multiplicative_expression", "format_expression", "range_expression", "array_literal_expression",
             "unary_expression", "argument_expression", "logical_argument_expression", "bitwise_argument_expression",
             "comparison_argument_expression", "additive_argument_expression", "multiplicative_argument_expression",
             "format_argument_expression", "range_argument_expression", "string_literal", "integer_literal",
             "key_expression", "left_assignment_expression", "while_condition", "for_condition",
             "for_initializer", "for_iterator"}
_INCREMENTS = {"post_increment_expression", "post_decrement_expression", "pre_increment_expression",
               "pre_decrement_expression"}
_REDIRECT = re.compile(r"^([1-6*])?(>>?)(\$null|&1)$", re.I)

_loaded = False
_NOTHING = object()


def load_cmdlets() -> None:
    global _loaded
    if _loaded:
        return
    for name in CMDLET_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:      # a module that exists but fails to import is a real error
                raise
    _loaded = True


def encode(text: str, codepage: int) -> bytes:
    if codepage == 65001:
        return text.encode("utf-8", errors="replace")
    try:
        return text.encode("cp%d" % codepage, errors="replace")
    except LookupError:
        return text.encode("cp437", errors="replace")


def _named(node: Node) -> list:
    return [c for c in node.children if c.is_named and c.type != "comment"]


class FunctionDef:
    def __init__(self, name: str, body: Node, params: list, defaults: dict, spec: CmdletSpec):
        self.name = name
        self.body = body          # script_block node
        self.params = params      # Param list
        self.defaults = defaults  # param name -> default expression node
        self.spec = spec
        self.has_param_block = False


class EngineContext(CmdletContext):
    """What a cmdlet sees while it runs (see api.CmdletContext)."""

    def __init__(self, interp: "Interpreter", spec: CmdletSpec, common: dict, extent, command_text: str):
        self.interp = interp
        self.host = interp.host
        self.lab = interp.lab
        self.name = spec.name
        self.spec = spec
        self.common = common
        self.extent = extent
        self.command_text = command_text
        self.errors: list = []
        self.warnings: list = []
        self.sink = interp.sink
        self.user = interp.user

    def _action(self, common_name: str, preference: str) -> str:
        if common_name in self.common:
            return str(self.common[common_name])
        return str(self.interp.get_var(preference))

    def write_warning(self, message: str) -> None:
        action = self._action("WarningAction", "WarningPreference").lower()
        self.warnings.append(message)
        if action in ("silentlycontinue", "ignore"):
            return
        if action == "stop" and "warning" not in self.interp.quiet:
            raise Terminating(runtime_error('The running command stopped because the preference variable '
                                            '"WarningPreference" or common parameter is set to Stop: %s' % message,
                                            "ActionPreferenceStop", "OperationStopped",
                                            reason="System.Management.Automation.ActionPreferenceStopException"),
                              script=True)
        if "warning" not in self.interp.quiet:
            self.interp.stderr_record(string_record("warning", message + "\r\n"))

    def write_verbose(self, message: str) -> None:
        if self.common.get("Verbose") is True or (
                "Verbose" not in self.common and str(self.interp.get_var("VerbosePreference")).lower() == "continue"):
            if "verbose" not in self.interp.quiet:
                self.interp.stderr_record(string_record("verbose", message + "\r\n"))

    def write_progress(self, activity: str, status: str = "", percent: int = -1, completed: bool = False,
                       activity_id: int = 0, current_operation: str = "") -> None:
        if str(self.interp.get_var("ProgressPreference")).lower() in ("silentlycontinue", "ignore"):
            return
        self.interp.stderr_record(self.interp.progress.record(activity, status, percent, activity_id, completed,
                                                              current_operation))

    def write_host(self, text: str) -> None:
        self.interp.write_stdout(text + "\r\n")

    def write_error(self, error: PSError) -> None:
        if not error.command_name:
            error.command_name = self.spec.name
        if error.position is None and not getattr(error, "header", None):
            error.position = self.extent
        self.errors.append(error)
        action = self._action("ErrorAction", "ErrorActionPreference").lower()
        self.interp.non_terminating(error, action)

    def should_process(self, target: str, action: str) -> bool:
        if self.whatif:
            self.interp.write_stdout('What if: Performing the operation "%s" on target "%s".\r\n' % (action, target))
            return False
        if self.common.get("Confirm") is True:
            # powershell.exe runs -NonInteractive over WinRM: a confirmation prompt cannot be shown.
            err = PSError("PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.",
                          "System.Management.Automation.PSInvalidOperationException,%s" % cmdlet_type(self.spec),
                          "InvalidOperation", exception_type="System.Management.Automation.PSInvalidOperationException")
            raise err
        return True

    @property
    def whatif(self) -> bool:
        if "WhatIf" in self.common:
            return bool(self.common["WhatIf"])
        return bool(self.spec.should_process and to_bool(self.interp.get_var("WhatIfPreference")))

    def invoke(self, block: ScriptBlock, dollar_under: Any = None, args: Iterable = ()) -> list:
        return self.interp.invoke_block(block, dollar_under, list(args), set_dollar_under=True)

    def get_variable(self, name: str, default: Any = None) -> Any:
        return self.interp.get_var(name, default)

    def set_variable(self, name: str, value: Any) -> None:
        self.interp.set_var(name, value)

    # Engine-only helpers for the core cmdlets.
    def import_module(self, name: str) -> bool:
        return self.interp.import_module(name)

    def format_lines(self, objects: list) -> list:
        formatter = Formatter()
        return formatter.format(list(objects)) + formatter.finish()


class StreamOut(list):
    """The output list of a top-level statement: formatted and written as objects arrive."""

    def __init__(self, interp: "Interpreter"):
        super().__init__()
        self.interp = interp

    def append(self, obj: Any) -> None:
        self.interp.write_objects([obj])

    def extend(self, objs: Iterable) -> None:
        self.interp.write_objects(list(objs))


class Interpreter:
    def __init__(self, lab: Any, host: Any, script: str, sink: Any):
        load_cmdlets()
        self.lab = lab
        self.host = host
        self.sink = sink
        self.codepage = getattr(sink, "codepage", 437) or 437
        self.source = Source(script)
        self.scopes: list = [{}]
        self.functions: dict = {}
        self.imported: set = set()
        self.user = str(getattr(sink, "user", "") or "")
        env = getattr(host, "env", None)
        if callable(env):
            env = env(self.user)    # SimHost.env(user): the process environment of the WinRM user
        self.env = {str(k).lower(): (str(k), str(v)) for k, v in (env or {}).items()}
        self.stderr_open = False
        self.progress = ProgressSerializer()
        self.formatter = Formatter()
        self.last_ok = True
        self.try_depth = 0
        self.call_stack: list = []
        self.error_list: list = []
        self.strict = 0            # Set-StrictMode version in force (0 = off)
        self.quiet: set = set()    # streams redirected to $null (3>$null, 4>$null, *>$null)
        self.modules_prepared = False
        g = self.scopes[0]
        for name, value in PREFERENCE_DEFAULTS.items():
            g[name] = value
        g["error"] = self.error_list
        g["lastexitcode"] = None
        version = PSObject({"Major": 5, "Minor": 1, "Build": 14393, "Revision": 0}, type_names=("System.Version",))
        version.string_value = "5.1.14393.0"
        g["psversiontable"] = PSHashtable({"PSVersion": version, "PSEdition": "Desktop",
                                           "CLRVersion": "4.0.30319.42000", "BuildVersion": "10.0.14393.0",
                                           "WSManStackVersion": "3.0", "PSRemotingProtocolVersion": "2.3",
                                           "SerializationVersion": "1.1.0.1"})
        g["pid"] = 4242
        home = getattr(host, "home", None)
        g["home"] = home(self.user) if callable(home) else (
            self.env.get("userprofile", ("", "C:\\Users\\%s" % self.env.get("username", ("", "Administrator"))[1]))[1])
        g["pwd"] = g["home"]     # a WinRS shell starts in the user's profile folder
        g["pshome"] = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0"

    # --- output -------------------------------------------------------------------------------
    def write_stdout(self, text: str) -> None:
        if text:
            self.sink.stdout(encode(text, self.codepage))

    def write_objects(self, objs: list) -> None:
        lines = self.formatter.format(objs)
        if lines:
            self.write_stdout("".join(line + "\r\n" for line in lines))

    def stderr_record(self, fragment: str) -> None:
        if not self.stderr_open:
            self.stderr_open = True
            fragment = HEADER + OBJS_OPEN + fragment
        self.sink.stderr(encode(fragment, self.codepage))

    def write_error_record(self, error: PSError) -> None:
        self.stderr_record(error_lines(render(error)))

    def non_terminating(self, error: PSError, action: str) -> None:
        """A non-terminating error under the given ErrorAction."""
        action = action.lower()
        if action == "ignore":
            return
        self.error_list.insert(0, ErrorRecord(error))
        self.last_ok = False
        if action == "stop":
            raise Terminating(error, script=True)
        if action in ("silentlycontinue",):
            return
        sink = getattr(self, "_error_redirect", None)
        if sink is not None:
            sink(error)
            return
        self.write_error_record(error)

    def finish(self) -> None:
        lines = self.formatter.finish()
        if lines:
            self.write_stdout("".join(line + "\r\n" for line in lines))
        if self.stderr_open:
            self.sink.stderr(encode(OBJS_CLOSE, self.codepage))

    def console_encoding(self) -> Encoding:
        if self.codepage == 65001:
            return Encoding("UTF8", "utf-8")
        return Encoding("OEM", "cp%d" % self.codepage)

    # --- variables ----------------------------------------------------------------------------
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

    # --- helpers ------------------------------------------------------------------------------
    def text(self, node: Node) -> str:
        return self.source.node_text(node)

    def extent(self, node: Node, end: Optional[Node] = None):
        return self.source.extent(node, end).as_tuple()

    def refuse(self, node: Node, what: str = "") -> LabRefusal:
        return LabRefusal(unsupported(self.source, node, what))

    def expression_error(self, error: PSError, node: Node) -> Terminating:
        if error.position is None:
            error.position = self.extent(node)
        return Terminating(error)

    # --- statements ---------------------------------------------------------------------------
    def script_parameters(self, root: Node) -> None:
        """A script's own param() block: -EncodedCommand passes no arguments, so defaults apply and a
        mandatory parameter cannot be prompted for (powershell.exe runs -NonInteractive)."""
        block = self._first(root, "param_block")
        if block is None:
            return
        params, defaults = self.script_params(block)
        missing = [p.name for p in params if p.mandatory]
        if missing:
            err = PSError("Cannot process command because of one or more missing mandatory parameters: %s."
                          % " ".join(missing), "MissingMandatoryParameter", "InvalidArgument",
                          exception_type="System.Management.Automation.ParameterBindingException")
            err.position = self.extent(block)
            raise Terminating(err, script=True)
        for p in params:
            default = defaults.get(p.name.lower())
            self.scopes[0][p.name.lower()] = self.eval(default) if default is not None else (
                False if p.type == "switch" else None)

    def run(self, root: Node) -> int:
        try:
            self.script_parameters(root)
            for stmt in self.statements(root):
                out = StreamOut(self)
                self.guarded(stmt, out)
        except ExitSignal as sig:
            return sig.code
        except ReturnSignal as sig:
            self.write_objects(sig.values)
        except (BreakSignal, ContinueSignal):
            pass
        except Terminating as t:
            self.error_list.insert(0, ErrorRecord(t.error))
            self.write_error_record(t.error)
            return 1
        return 0 if self.last_ok else 1

    def statements(self, node: Node) -> list:
        if node.type in ("program", "statement_block", "script_block_body", "sub_expression", "array_expression"):
            lists = [c for c in node.children if c.type == "statement_list"]
            return [s for lst in lists for s in _named(lst) if s.type != "empty_statement"]
        if node.type == "statement_list":
            return [s for s in _named(node) if s.type != "empty_statement"]
        return []

    def run_block(self, node: Optional[Node], out: list) -> None:
        if node is None:
            return
        for stmt in self.statements(node):
            self.guarded(stmt, out)

    def guarded(self, stmt: Node, out: list) -> None:
        try:
            self.statement(stmt, out)
        except Terminating as t:
            if t.script or self.try_depth > 0 or str(self.get_var("ErrorActionPreference")).lower() == "stop":
                if not t.script and self.try_depth == 0:
                    t.script = True
                raise
            self.error_list.insert(0, ErrorRecord(t.error))
            self.write_error_record(t.error)
            self.last_ok = False

    def statement(self, node: Node, out: list) -> None:
        t = node.type
        if t == "pipeline":
            self.last_ok = True
            child = _named(node)[0]
            if child.type == "assignment_expression":
                self.assign(child)
            else:
                out.extend(self.run_pipeline(child))
        elif t == "if_statement":
            self.if_statement(node, out)
        elif t == "foreach_statement":
            self.foreach_statement(node, out)
        elif t == "for_statement":
            self.for_statement(node, out)
        elif t == "while_statement":
            self.while_statement(node, out)
        elif t == "do_statement":
            self.do_statement(node, out)
        elif t == "try_statement":
            self.try_statement(node, out)
        elif t == "switch_statement":
            self.switch_statement(node, out)
        elif t == "function_statement":
            self.define_function(node)
        elif t == "flow_control_statement":
            self.flow_control(node, out)
        elif t in ("comment", "empty_statement"):
            pass
        else:
            raise self.refuse(node)

    def if_statement(self, node: Node, out: list) -> None:
        if to_bool(self.value(node.child_by_field_name("condition"))):
            self.run_block(self._first(node, "statement_block"), out)
            return
        elifs = node.child_by_field_name("elseif_clauses")
        if elifs is not None:
            for clause in _named(elifs):
                if to_bool(self.value(clause.child_by_field_name("condition"))):
                    self.run_block(self._first(clause, "statement_block"), out)
                    return
        else_clause = node.child_by_field_name("else_clause")
        if else_clause is not None:
            self.run_block(self._first(else_clause, "statement_block"), out)

    @staticmethod
    def _first(node: Node, type_: str) -> Optional[Node]:
        return next((c for c in node.children if c.type == type_), None)

    def _loop_body(self, body: Node, out: list) -> bool:
        """Run one iteration; False when the loop must stop (break)."""
        try:
            self.run_block(body, out)
        except BreakSignal:
            return False
        except ContinueSignal:
            pass
        return True

    def foreach_statement(self, node: Node, out: list) -> None:
        var = self._first(node, "variable")
        source = self._first(node, "pipeline")
        body = self._first(node, "statement_block")
        if any(c.type == "foreach_parameter" for c in node.children):
            raise self.refuse(node, "foreach -parallel")
        items = self.value(source)
        for item in ([] if items is None else as_list(items) if is_enumerable(items) else [items]):
            self.write_variable(var, item)
            if not self._loop_body(body, out):
                break

    def for_statement(self, node: Node, out: list) -> None:
        init = node.child_by_field_name("for_initializer")
        cond = node.child_by_field_name("for_condition")
        step = node.child_by_field_name("for_iterator")
        body = self._first(node, "statement_block")
        if init is not None:
            self.discard(init)
        while cond is None or to_bool(self.value(cond)):
            if not self._loop_body(body, out):
                break
            if step is not None:
                self.discard(step)

    def discard(self, node: Node) -> None:
        """Run a for-initializer / iterator (its output goes nowhere)."""
        inner = node
        while inner.type in _WRAPPERS and len(_named(inner)) == 1:
            inner = _named(inner)[0]
        if inner.type == "pipeline":
            child = _named(inner)[0]
            if child.type == "assignment_expression":
                self.assign(child)
                return
            self.run_pipeline(child)
            return
        self.eval(inner)

    def while_statement(self, node: Node, out: list) -> None:
        cond = node.child_by_field_name("condition")
        body = self._first(node, "statement_block")
        while to_bool(self.value(cond)):
            if not self._loop_body(body, out):
                break

    def do_statement(self, node: Node, out: list) -> None:
        cond = node.child_by_field_name("condition")
        body = self._first(node, "statement_block")
        until = any(c.type == "until" for c in node.children)
        while True:
            if not self._loop_body(body, out):
                break
            result = to_bool(self.value(cond))
            if result == until:
                break

    def switch_statement(self, node: Node, out: list) -> None:
        flags = set()
        params = self._first(node, "switch_parameters")
        for p in ([] if params is None else _named(params)):
            flag = self.text(p).lower().lstrip("-")
            full = next((f for f in ("regex", "wildcard", "exact", "casesensitive") if f.startswith(flag)), None)
            if full is None:
                raise self.refuse(p, "switch -%s" % flag)
            flags.add(full)
        condition = self._first(node, "switch_condition")
        value = self.value(self._first(condition, "pipeline"))
        items = as_list(value) if is_enumerable(value) else [value]
        body = self._first(node, "switch_body")
        clauses_node = self._first(body, "switch_clauses") if body is not None else None
        clauses = [] if clauses_node is None else [c for c in clauses_node.children if c.type == "switch_clause"]
        scope = self.scopes[-1]
        had, saved = "_" in scope, scope.get("_")
        try:
            for item in items:
                scope["_"] = item
                matched = False
                try:
                    for clause in clauses:
                        cond = self._first(clause, "switch_clause_condition")
                        if self._switch_default(cond):
                            continue
                        if self._switch_matches(cond, item, flags):
                            matched = True
                            self.run_block(self._first(clause, "statement_block"), out)
                    if not matched:
                        for clause in clauses:
                            if self._switch_default(self._first(clause, "switch_clause_condition")):
                                self.run_block(self._first(clause, "statement_block"), out)
                except ContinueSignal:
                    continue
        except BreakSignal:
            pass
        finally:
            if had:
                scope["_"] = saved
            else:
                scope.pop("_", None)

    def _switch_default(self, cond: Node) -> bool:
        return not _named(cond) and self.text(cond).lower() == "default"

    def _switch_matches(self, cond: Node, item: Any, flags: set) -> bool:
        case = "casesensitive" in flags
        inner = _named(cond)
        if inner:
            probe = self.eval(inner[0])
        else:
            text = self.text(cond)
            if text[:1] == "'":
                probe = _undouble(text[1:-1], SINGLE_QUOTES)
            elif text[:1] == '"':
                if "$" in text:
                    raise self.refuse(cond, "a switch clause string with variables")
                probe = _unescape(text[1:-1], False)
            else:
                probe = text
        if isinstance(probe, ScriptBlock):
            result = self.invoke_block(probe, item, [], set_dollar_under=True)
            return to_bool(_collapse(result))
        if "regex" in flags:
            m = re.search(dotnet_regex(to_string(probe)), to_string(item), 0 if case else re.I)
            if m:
                matches = PSHashtable()
                matches[0] = m.group(0)
                for i, g in enumerate(m.groups(), 1):
                    if g is not None:
                        matches[i] = g
                self.set_var("Matches", matches)
            return m is not None
        if "wildcard" in flags:
            return wildcard_match(to_string(probe), to_string(item), case)
        if isinstance(item, str) or isinstance(probe, str):
            a, b = to_string(item), to_string(probe)
            return a == b if case else a.lower() == b.lower()
        return ps_equal(item, probe, case)

    def try_statement(self, node: Node, out: list) -> None:
        body = self._first(node, "statement_block")
        catches = self._first(node, "catch_clauses")
        finally_clause = self._first(node, "finally_clause")
        try:
            self.try_depth += 1
            try:
                self.run_block(body, out)
            finally:
                self.try_depth -= 1
        except Terminating as t:
            clause = self._matching_catch(catches, t.error) if catches is not None else None
            if clause is None:
                if finally_clause is not None:
                    self.run_block(self._first(finally_clause, "statement_block"), out)
                raise
            self.error_list.insert(0, ErrorRecord(t.error))
            saved = self.get_var("_")
            self.scopes[-1]["_"] = ErrorRecord(t.error)
            try:
                self.run_block(self._first(clause, "statement_block"), out)
            finally:
                self.scopes[-1]["_"] = saved
                if finally_clause is not None:
                    self.run_block(self._first(finally_clause, "statement_block"), out)
            return
        except (BreakSignal, ContinueSignal, ReturnSignal, ExitSignal):
            if finally_clause is not None:
                self.run_block(self._first(finally_clause, "statement_block"), out)
            raise
        if finally_clause is not None:
            self.run_block(self._first(finally_clause, "statement_block"), out)

    def _matching_catch(self, catches: Node, error: PSError) -> Optional[Node]:
        for clause in _named(catches):
            types = self._first(clause, "catch_type_list")
            if types is None:
                return clause
            for lit in [c for c in types.children if c.type == "type_literal"]:
                if self._exception_matches(self._type_name(lit), error):
                    return clause
        return None

    @staticmethod
    def _exception_matches(name: str, error: PSError) -> bool:
        want = name.lower()
        if want.startswith("system."):
            want = want[7:]
        full = (error.exception_type or "System.Exception").lower()
        full_short = full[7:] if full.startswith("system.") else full
        if want in ("exception", "systemexception") or want == full_short or want == full_short.rsplit(".", 1)[-1]:
            return True
        if want in ("management.automation.runtimeexception", "runtimeexception"):
            return full.startswith("system.management.automation.")
        return False

    def flow_control(self, node: Node, out: list) -> None:
        keyword = node.children[0].type
        arg = self._first(node, "pipeline")
        if keyword == "break":
            if arg is not None or self._first(node, "label_expression") is not None:
                raise self.refuse(node, "break with a label")
            raise BreakSignal()
        if keyword == "continue":
            raise ContinueSignal()
        if keyword == "return":
            values = []
            if arg is not None:
                values = self.pipeline_output(arg)
            raise ReturnSignal(values)
        if keyword == "exit":
            code = 0
            if arg is not None:
                value = self.value(arg)
                try:
                    code = int(to_number(value)) if value is not None else 0
                except ConversionError:
                    code = 0
            raise ExitSignal(code & 0xFFFFFFFF if code < 0 else code)
        if keyword == "throw":
            raise Terminating(self.throw_error(arg, node), script=True)
        raise self.refuse(node)

    def throw_error(self, arg: Optional[Node], node: Node) -> PSError:
        if arg is None:
            current = self.get_var("_")
            if isinstance(current, ErrorRecord):
                return current.error
            message = "ScriptHalted"
            err = PSError(message, "ScriptHalted", "OperationStopped",
                          exception_type="System.Management.Automation.RuntimeException")
            err.position = self.extent(node)
            return err
        value = self.value(arg)
        if isinstance(value, ErrorRecord):
            return value.error
        if isinstance(value, PSObject) and "Message" in value and any("Exception" in t for t in value.type_names):
            err = PSError(to_string(value.get("Message")), to_string(value.get("Message")), "OperationStopped",
                          exception_type=value.type_names[0])
        else:
            message = to_string(value)
            err = PSError(message, message, "OperationStopped", target=value,
                          exception_type="System.Management.Automation.RuntimeException")
        err.position = self.extent(node)
        return err

    # --- functions ----------------------------------------------------------------------------
    def define_function(self, node: Node) -> None:
        name = self.text(self._first(node, "function_name"))
        block = self._first(node, "script_block")
        if any(c.type == "function_parameter_declaration" for c in node.children):
            raise self.refuse(node, "function parameters declared after the name (use param())")
        params, defaults = [], {}
        param_block = self._first(block, "param_block") if block is not None else None
        if param_block is not None:
            params, defaults = self.script_params(param_block)
        spec = CmdletSpec(name=name, module="", params=params, func=None)
        spec.is_function = True
        spec.common_parameters = self.advanced(param_block)
        func = FunctionDef(name, block, params, defaults, spec)
        func.has_param_block = param_block is not None
        self.functions[name.lower()] = func

    def advanced(self, param_block: Optional[Node]) -> bool:
        """An advanced function ([CmdletBinding()] or any [Parameter()]) gets the common parameters."""
        if param_block is None:
            return False
        for attr in param_block.children:
            if attr.type == "attribute_list":
                return True
        stack = [param_block]
        while stack:
            n = stack.pop()
            if n.type == "attribute_name" and self.text(n).lower() == "parameter":
                return True
            stack.extend(n.children)
        return False

    def script_params(self, param_block: Node) -> tuple:
        params, defaults = [], {}
        plist = self._first(param_block, "parameter_list")
        position = 0
        for sp in ([] if plist is None else [c for c in plist.children if c.type == "script_parameter"]):
            var = self._first(sp, "variable")
            name = self._split_var(self.text(var))[1]
            ptype, mandatory, values, from_pipeline, pos = "object", False, None, False, None
            attrs = self._first(sp, "attribute_list")
            for attr in ([] if attrs is None else [c for c in attrs.children if c.type == "attribute"]):
                lit = self._first(attr, "type_literal")
                if lit is not None:
                    ptype = self._param_type(self._type_name(lit), attr)
                    continue
                attr_name = self.text(self._first(attr, "attribute_name")).lower()
                args = self._first(attr, "attribute_arguments")
                arg_nodes = [] if args is None else [c for c in args.children if c.type == "attribute_argument"]
                if attr_name == "parameter":
                    for arg in arg_nodes:
                        key_node = self._first(arg, "simple_name")
                        key = self.text(key_node).lower() if key_node is not None else self.text(arg).lower()
                        value_nodes = [c for c in _named(arg) if c.type != "simple_name"]
                        value = to_bool(self.eval(value_nodes[0])) if value_nodes else True
                        if key == "mandatory":
                            mandatory = value
                        elif key == "valuefrompipeline":
                            from_pipeline = value
                        elif key == "position":
                            pos = int(to_number(self.eval(value_nodes[0])))
                        elif key in ("helpmessage", "parametersetname", "valuefrompipelinebypropertyname"):
                            if key != "helpmessage":
                                raise self.refuse(arg, "the Parameter attribute argument '%s'" % key)
                        else:
                            raise self.refuse(arg, "the Parameter attribute argument '%s'" % key)
                elif attr_name == "validateset":
                    values = tuple(to_string(self.eval(a)) for a in arg_nodes)
                elif attr_name in ("validatenotnullorempty", "validatenotnull", "cmdletbinding", "alias"):
                    continue
                else:
                    raise self.refuse(attr, "the attribute [%s]" % attr_name)
            param = Param(name, ptype, mandatory=mandatory, values=values, from_pipeline=from_pipeline,
                          position=pos if pos is not None else (position if ptype != "switch" else None))
            if ptype != "switch":
                position += 1
            default = self._first(sp, "script_parameter_default")
            if default is not None:
                defaults[name.lower()] = _named(default)[0]
            params.append(param)
        return params, defaults

    def _param_type(self, name: str, node: Node) -> str:
        key = name.lower().replace("system.", "")
        mapping = {"string": "string", "string[]": "string[]", "int": "int", "int32": "int", "int[]": "int[]",
                   "long": "long", "int64": "long", "double": "double", "bool": "bool", "boolean": "bool",
                   "switch": "switch", "management.automation.switchparameter": "switch", "datetime": "datetime",
                   "timespan": "timespan", "object": "object", "object[]": "object[]", "psobject": "object",
                   "hashtable": "hashtable", "scriptblock": "scriptblock", "byte[]": "byte[]", "array": "object[]"}
        if key not in mapping:
            raise self.refuse(node, "parameters of type [%s]" % name)
        return mapping[key]

    def call_function(self, func: FunctionDef, raw: list, pipeline: list, extent, command_node: Node,
                      dot: bool = False, named_frame: bool = True) -> list:
        if pipeline and not any(p.from_pipeline for p in func.params):
            raise self.refuse(command_node, "piping into a function without a ValueFromPipeline parameter")
        declared = func.params or func.has_param_block
        outputs: list = []
        common: dict = {}
        if not declared:
            invocations = [({}, [r.value for r in raw if r.kind == "arg"], [])]
        else:
            try:
                result = bind(func.spec, raw, pipeline, extent)
            except PSError as err:
                err.command_name = err.command_name or func.name
                if err.position is None:
                    err.position = extent
                raise Terminating(err) from None
            invocations = [(inv.args, [], inv.pipeline) for inv in result.invocations]
            common = result.common
        for bound, extra_args, _pipe in invocations:
            # Dot-sourcing runs in the caller's scope; everything else gets a child scope.
            scope: dict = self.scopes[-1] if dot else {}
            saved_args = scope.get("args", _NOTHING)
            scope["args"] = extra_args
            if not dot:
                self.scopes.append(scope)
            if named_frame:
                self.call_stack.append((func.name, extent))
            try:
                scope["psboundparameters"] = PSHashtable(dict(bound))
                # An advanced function's common parameters set the preferences inside it.
                for key, preference in (("ErrorAction", "erroractionpreference"),
                                        ("WarningAction", "warningpreference")):
                    if key in common:
                        scope[preference] = str(common[key])
                if "Verbose" in common:
                    scope["verbosepreference"] = "Continue" if common["Verbose"] else "SilentlyContinue"
                for p in func.params:
                    if p.name in bound:
                        scope[p.name.lower()] = bound[p.name]
                    elif p.name.lower() in func.defaults:
                        scope[p.name.lower()] = self.eval(func.defaults[p.name.lower()])
                    else:
                        scope[p.name.lower()] = False if p.type == "switch" else None
                body = func.body.child_by_field_name("script_block_body") if func.body is not None else None
                try:
                    self.run_block(body, outputs)
                except ReturnSignal as sig:
                    outputs.extend(sig.values)
            finally:
                if dot:
                    if saved_args is _NOTHING:
                        scope.pop("args", None)
                    else:
                        scope["args"] = saved_args
                else:
                    self.scopes.pop()
                if named_frame:
                    self.call_stack.pop()
        return outputs

    # --- script blocks ------------------------------------------------------------------------
    def _param_block(self, node: Node) -> Optional[Node]:
        """param() of a script block, a function body or a script_block_expression."""
        found = self._first(node, "param_block")
        if found is None:
            sb = self._first(node, "script_block")
            found = self._first(sb, "param_block") if sb is not None else None
        return found

    def invoke_block(self, block: ScriptBlock, dollar_under: Any, args: list, set_dollar_under: bool = True) -> list:
        node = block.node
        if node is None:
            raise PSError("The lab can only run script blocks written in the script.", "LabScriptBlock")
        sb = node if node.type == "script_block" else self._first(node, "script_block")
        out: list = []
        param_block = self._param_block(node)
        if sb is None and param_block is None:
            return out
        scope = self.scopes[-1]
        saved = scope.get("_", None)
        had = "_" in scope
        if set_dollar_under:
            scope["_"] = dollar_under
        pushed = False
        try:
            if param_block is not None:
                params, defaults = self.script_params(param_block)
                local = {"args": args[len(params):]}
                for i, p in enumerate(params):
                    if i < len(args):
                        local[p.name.lower()] = args[i]
                    elif p.name.lower() in defaults:
                        local[p.name.lower()] = self.eval(defaults[p.name.lower()])
                    else:
                        local[p.name.lower()] = None
                self.scopes.append(local)
                pushed = True
            elif args:
                scope_args = {"args": args}
                self.scopes.append(scope_args)
                pushed = True
            body = None if sb is None else (sb.child_by_field_name("script_block_body") or
                                            self._first(sb, "script_block_body"))
            try:
                self.run_block(body, out)
            except ReturnSignal as sig:
                out.extend(sig.values)
        finally:
            if pushed:
                self.scopes.pop()
            if had:
                scope["_"] = saved
            else:
                scope.pop("_", None)
        return out

    # --- pipelines and commands ---------------------------------------------------------------
    def pipeline_output(self, node: Node) -> list:
        """All output of a pipeline node (or statement used as a value), unrolled."""
        if node.type == "pipeline":
            child = _named(node)[0]
            if child.type == "assignment_expression":
                self.assign(child)
                return []
            return self.run_pipeline(child)
        out: list = []
        self.statement(node, out)
        return out

    def value(self, node: Node) -> Any:
        """A pipeline used as a value: an expression's own value, or the collected command output."""
        if node is None:
            return None
        inner = node
        while inner.type in ("pipeline", "while_condition", "for_condition") and len(_named(inner)) == 1:
            inner = _named(inner)[0]
        if inner.type == "assignment_expression":
            return self.assign(inner)
        if inner.type == "pipeline_chain":
            elements = _named(inner)
            if len(elements) == 1 and elements[0].type != "command":
                return self.eval(elements[0])
            return _collapse(self.run_pipeline(inner))
        if inner.type in ("if_statement", "foreach_statement", "for_statement", "while_statement",
                          "do_statement", "try_statement", "flow_control_statement"):
            out: list = []
            self.statement(inner, out)
            return _collapse(out)
        return self.eval(inner)

    def run_pipeline(self, chain: Node) -> list:
        elements = [c for c in _named(chain) if c.type not in ("comment",)]
        data: Optional[list] = None
        for index, element in enumerate(elements):
            if element.type == "command":
                data = self.run_command(element, data if data is not None else [], index == 0)
            elif element.type == "pipeline_chain_tail":
                raise self.refuse(element)
            else:
                if index > 0:
                    raise self.refuse(element, "an expression after | (expressions are only allowed first)")
                inner = element
                while inner.type in _WRAPPERS and len(_named(inner)) == 1:
                    inner = _named(inner)[0]
                if len(elements) == 1 and inner.type in _INCREMENTS:
                    # `$i++` as a statement outputs nothing.
                    self.eval(inner)
                    return []
                data = _unroll(self.eval(element))
        return data or []

    def _redirection(self, text: str, node: Node) -> str:
        m = _REDIRECT.match(text.replace(" ", ""))
        if not m:
            raise self.refuse(node, "redirection other than 2>$null, *>$null, >$null and 2>&1")
        stream, target = (m.group(1) or "1"), m.group(3).lower()
        if target == "&1":
            if stream != "2":
                raise self.refuse(node, "redirection %s" % text)
            return "merge"
        return {"1": "null-out", "2": "null-err", "*": "null-all", "3": "null-warn", "4": "null-verbose",
                "5": "null-debug", "6": "null-info"}[stream]

    def command_args(self, node: Node) -> tuple:
        """RawArgs and redirections of a command's elements."""
        raw: list = []
        redirects: list = []
        elements = node.child_by_field_name("command_elements")
        if elements is None:
            return raw, redirects
        children = [c for c in elements.children if c.type != "comment"]
        i = 0
        while i < len(children):
            c = children[i]
            i += 1
            if c.type == "command_argument_sep":
                continue
            if c.type == "command_parameter":
                name = self.text(c)[1:]
                value = NO_VALUE
                if i < len(children) and children[i].type == "command_argument_sep" and self.text(children[i]) == ":":
                    i += 1
                    if i < len(children):
                        value = self.argument_value(children[i])
                        i += 1
                elif name.endswith(":"):
                    name = name[:-1]
                    while i < len(children) and children[i].type == "command_argument_sep":
                        i += 1
                    if i < len(children):
                        value = self.argument_value(children[i])
                        i += 1
                raw.append(RawArg("param", name=name, value=value, extent=self.extent(c), text=self.text(c)))
                continue
            if c.type == "redirection":
                redirects.append(self._redirection(self.text(c), c))
                continue
            if c.type == "generic_token":
                text = self.text(c)
                if _REDIRECT.match(text):
                    redirects.append(self._redirection(text, c))
                    continue
                words = [self.argument_value(c)]
                # `Name,Domain`: tokens joined by the MISSING separator of the grammar gap (parser.py).
                while (i + 1 < len(children) and children[i].type == "command_argument_sep"
                       and children[i].end_byte == children[i].start_byte
                       and children[i + 1].type == "generic_token"):
                    words.append(self.argument_value(children[i + 1])[1:])
                    i += 2
                if len(words) > 1:
                    raw.append(RawArg("arg", value=words, extent=self.extent(c), text=",".join(words)))
                    continue
            if c.type == "argument_list":
                # `Type('a', $b)` right after a bare word: PowerShell reads the parentheses as one more
                # argument, an array of its elements (one element alone is itself).
                values = self.method_args(c)
                raw.append(RawArg("arg", value=values[0] if len(values) == 1 else values,
                                  extent=self.extent(c), text=self.text(c)))
                continue
            splat = self._splat(c)
            if splat is not None:
                raw.extend(splat)
                continue
            raw.append(RawArg("arg", value=self.argument_value(c), extent=self.extent(c), text=self.text(c)))
        return raw, redirects

    def _splat(self, node: Node) -> Optional[list]:
        inner = node
        while len(_named(inner)) == 1 and inner.type != "variable":
            inner = _named(inner)[0]
        if inner.type != "variable" or not self.text(inner).startswith("@"):
            return None
        value = self.get_var(self._split_var(self.text(inner))[1])
        ext = self.extent(inner)
        if isinstance(value, dict):
            return [RawArg("param", name=to_string(k), value=v, extent=ext, text="-" + to_string(k))
                    for k, v in value.items()]
        if isinstance(value, list):
            return [RawArg("arg", value=v, extent=ext, text=to_string(v)) for v in value]
        if value is None:
            return []
        return [RawArg("arg", value=value, extent=ext, text=to_string(value))]

    def argument_value(self, node: Node) -> Any:
        if node.type == "generic_token":
            text = self.text(node)
            if "$" in text or "`" in text:
                raise self.refuse(node, "bare-word arguments containing $ or ` (quote the argument)")
            return text
        return self.eval(node)

    def resolve_command(self, name: str, node: Node):
        low = name.lower()
        func = self.functions.get(low)
        if func is not None:
            return func
        target = ALIASES.get(low)
        if target is not None and (api.REGISTRY.find(target) is not None or target.lower() in KNOWN_UNIMPLEMENTED):
            low, name = target.lower(), target
        spec = api.REGISTRY.find(name)
        if spec is not None and self.module_visible(spec.module):
            return spec
        if low in KNOWN_UNIMPLEMENTED:
            raise self.refuse(node, "the cmdlet %s" % name)
        return None

    def module_visible(self, module: str) -> bool:
        if module in api.Registry.CORE_MODULES or module == "":
            return True
        if module.lower() in (m.lower() for m in self.imported):
            return True
        # Windows PowerShell 3+ autoloads modules found in PSModulePath: a module the host has installed.
        if module.lower() in (m.lower() for m in (getattr(self.host, "modules", None) or ())):
            self.imported.add(module)
            self.preparing_modules()
            return True
        return False

    def preparing_modules(self) -> None:
        """The progress record powershell.exe writes the first time it loads a module (pywinrm#245)."""
        if self.modules_prepared:
            return
        self.modules_prepared = True
        if str(self.get_var("ProgressPreference")).lower() not in ("silentlycontinue", "ignore"):
            self.stderr_record(self.progress.record("Preparing modules for first use.", " ", -1, completed=True))

    def import_module(self, name: str) -> bool:
        low = name.lower()
        if low in (m.lower() for m in api.Registry.CORE_MODULES):
            return True
        known = {m.lower(): m for m in api.REGISTRY.modules()}
        installed = {m.lower() for m in (getattr(self.host, "modules", None) or ())}
        if low in known and low in installed:
            self.imported.add(known[low])
            self.preparing_modules()
            return True
        return False

    def call_operator(self, node: Node, pipeline: list) -> list:
        """``& { ... }`` / ``& $block args`` (child scope), ``. { ... }`` (current scope), and
        ``& 'Cmd-Name' args`` / ``& $name args``. Other invocation targets (paths, scripts) are refused."""
        dot = self.text(next(c for c in node.children if c.type == "command_invokation_operator")) == "."
        name_expr = node.child_by_field_name("command_name")
        inner = _named(name_expr)[0] if name_expr is not None and _named(name_expr) else None
        while inner is not None and inner.type == "path_command_name" and len(_named(inner)) == 1:
            inner = _named(inner)[0]
        if inner is None or inner.type not in ("script_block_expression", "variable", "braced_variable",
                                               "string_literal", "parenthesized_expression"):
            raise self.refuse(node)
        target = self.eval(inner)
        raw, redirects = self.command_args(node)
        extent = self.extent(node)
        if isinstance(target, CreatedScriptBlock):
            target = compile_block(self, target)
        if isinstance(target, ScriptBlock) and target.node is not None:
            sb = target.node if target.node.type == "script_block" else self._first(target.node, "script_block")
            param_block = self._param_block(target.node)
            params, defaults = self.script_params(param_block) if param_block is not None else ([], {})
            spec = CmdletSpec(name="<ScriptBlock>", module="", params=params, func=None)
            spec.is_function = True
            spec.common_parameters = self.advanced(param_block)
            func = FunctionDef("<ScriptBlock>", sb, params, defaults, spec)
            func.has_param_block = param_block is not None
            return self._with_redirects(redirects, lambda: self.call_function(
                func, raw, pipeline, extent, node, dot=dot, named_frame=False))
        if isinstance(target, str) and not dot:
            resolved = self.resolve_command(target, inner)
            if resolved is not None:
                return self._with_redirects(redirects, lambda: self._invoke(resolved, raw, pipeline, extent, node))
            native = self.native_command(target, raw, pipeline, node)
            if native is not None:
                return native
            err = PSError("The term '%s' is not recognized as the name of a cmdlet, function, script file, or operable "
                          "program. Check the spelling of the name, or if a path was included, verify that the path "
                          "is correct and try again." % target, "CommandNotFoundException", "ObjectNotFound",
                          target=target, exception_type="System.Management.Automation.CommandNotFoundException")
            err.command_name = target
            err.activity = ""
            err.position = self.extent(inner)
            raise Terminating(err)
        raise self.refuse(node, "invoking a %s with the call operator" % type_name(target))

    def run_command(self, node: Node, pipeline: list, first: bool) -> list:
        if any(c.type == "command_invokation_operator" for c in node.children):
            return self.call_operator(node, pipeline)
        name_node = node.child_by_field_name("command_name")
        name = self.text(name_node)
        raw, redirects = self.command_args(node)
        misread = self._misparsed_literal(name, name_node, raw, redirects)
        if misread is not None:
            if not first:
                raise self.refuse(node, "an expression after | (expressions are only allowed first)")
            return _unroll(misread)
        extent = self.extent(node)
        name_extent = self.extent(name_node)
        target = self.resolve_command(name, name_node)
        if target is None:
            native = self.native_command(name, raw, pipeline, node)
            if native is not None:
                return native
            err = PSError("The term '%s' is not recognized as the name of a cmdlet, function, script file, or operable "
                          "program. Check the spelling of the name, or if a path was included, verify that the path "
                          "is correct and try again." % name, "CommandNotFoundException", "ObjectNotFound",
                          target=name, exception_type="System.Management.Automation.CommandNotFoundException")
            err.command_name = name
            err.activity = ""
            err.position = name_extent
            raise Terminating(err)
        return self._with_redirects(redirects, lambda: self._invoke(target, raw, pipeline, extent, node,
                                                                    expecting_input=not first))

    def _with_redirects(self, redirects: list, action) -> list:
        saved = getattr(self, "_error_redirect", None)
        saved_quiet = self.quiet
        merged: list = []
        self.quiet = set(saved_quiet)
        if "null-all" in redirects or "null-warn" in redirects:
            self.quiet.add("warning")
        if "null-all" in redirects or "null-verbose" in redirects:
            self.quiet.add("verbose")
        try:
            if "null-err" in redirects or "null-all" in redirects:
                self._error_redirect = lambda err: None
            elif "merge" in redirects:
                self._error_redirect = lambda err: merged.append(ErrorRecord(err))
            result = action()
        finally:
            self._error_redirect = saved
            self.quiet = saved_quiet
        if "null-out" in redirects or "null-all" in redirects:
            return []
        return merged + result if merged else result

    def _invoke(self, target, raw: list, pipeline: list, extent, node: Node, expecting_input: bool = False) -> list:
        if isinstance(target, FunctionDef):
            return self.call_function(target, raw, pipeline, extent, node)
        spec: CmdletSpec = target
        faults = getattr(self.lab, "faults", None)
        if faults is not None:
            message = faults.on_cmdlet(getattr(self.host, "name", ""), spec.name)
            if message:
                err = PSError(message, "LabInjectedFault,%s" % cmdlet_type(spec), "NotSpecified",
                              exception_type="System.Management.Automation.RuntimeException")
                err.command_name = spec.name
                err.position = extent
                raise Terminating(err)
        try:
            result = bind(spec, raw, pipeline, extent, expecting_input=expecting_input)
        except PSError as err:
            err.command_name = err.command_name or spec.name
            if err.position is None:
                err.position = extent
            raise Terminating(err) from None
        ctx = EngineContext(self, spec, result.common, extent, self.text(node))
        outputs: list = []
        try:
            for inv in result.invocations:
                produced = spec.func(ctx, inv.args, inv.pipeline)
                if produced is None:
                    continue
                if isinstance(produced, (list, tuple)) or hasattr(produced, "__next__"):
                    outputs.extend(produced)
                else:
                    outputs.append(produced)
        except PSError as err:
            err.command_name = err.command_name or spec.name
            if err.position is None and not getattr(err, "header", None):
                err.position = extent
            action = str(result.common.get("ErrorAction", "")).lower()
            raise Terminating(err, script=action == "stop") from None
        except NotImplementedMember as exc:
            # A cmdlet reading a member the lab does not model (Where-Object * on a number) is refused as
            # anything else the lab does not understand, not reported as a bug of the lab.
            raise self.refuse(node, str(exc)) from None
        finally:
            self._cmdlet_variables(ctx, result.common, outputs)
        return outputs

    def _cmdlet_variables(self, ctx: EngineContext, common: dict, outputs: list) -> None:
        for key, values in (("ErrorVariable", [ErrorRecord(e) for e in ctx.errors]),
                            ("WarningVariable", list(ctx.warnings)), ("OutVariable", list(outputs))):
            name = common.get(key)
            if name:
                if name.startswith("+"):
                    existing = self.get_var(name[1:])
                    self.set_var(name[1:], as_list(existing) + values)
                else:
                    self.set_var(name, values)

    def _misparsed_literal(self, name: str, name_node: Node, raw: list, redirects: list) -> Any:
        """tree-sitter-powershell reads `1..3`, `1KB` and `10L` as command names: evaluate them as literals."""
        looks_numeric = bool(re.match(r"^-?\d", name))
        if not looks_numeric:
            return None
        if raw or redirects:
            raise self.refuse(name_node, "a numeric literal followed by arguments (tree-sitter-powershell reads "
                                         "'%s' as a command name)" % name)
        m = RANGE_AS_COMMAND.match(name)
        if m:
            return _range(int(m.group(1)), int(m.group(2)))
        m = re.match(r"^(-?\d+)\.\.\$(\w+)$", name)
        if m:
            return _range(int(m.group(1)), int(to_number(self.get_var(m.group(2)))))
        m = NUMBER_AS_COMMAND.match(name)
        if m:
            return _number_literal(name)
        raise self.refuse(name_node, "the literal '%s' (tree-sitter-powershell reads it as a command name; "
                                     "write it with spaces, e.g. '1 .. $n')" % name)

    def native_command(self, name: str, raw: list, pipeline: list, node: Node) -> Optional[list]:
        """Executables go to the Windows simulation's command line, when it has one."""
        low = name.lower()
        natives = {"cmd", "cmd.exe", "robocopy", "robocopy.exe", "hostname", "hostname.exe", "whoami",
                   "whoami.exe", "sc.exe", "net", "net.exe", "ipconfig", "ipconfig.exe"}
        if low not in natives and not low.endswith(".exe"):
            return None
        try:
            cmd_module = importlib.import_module("pchat_lab.windows.cmd")
        except ModuleNotFoundError:
            return None
        run_line = getattr(cmd_module, "run_command_line", None)
        if run_line is None:
            return None
        parts = [name]
        for r in raw:
            text = ("-" + r.name) if r.kind == "param" else to_string(r.value)
            if r.kind == "param" and r.value is not NO_VALUE:
                text += ":" + to_string(r.value)
            parts.append('"%s"' % text if (" " in text and not text.startswith('"')) else text)
        capture = _CaptureSink(self.codepage)
        capture.user = self.user
        code = run_line(self.lab, self.host, " ".join(parts), capture)
        if capture.err:
            self.write_stdout_bytes_err(capture.err)
        self.scopes[0]["lastexitcode"] = code
        if code:
            self.last_ok = False
        text = capture.out.decode("utf-8" if self.codepage == 65001 else "cp%d" % self.codepage, errors="replace")
        lines = text.replace("\r\n", "\n").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return lines

    def write_stdout_bytes_err(self, data: bytes) -> None:
        # A native command's stderr becomes PowerShell error records (NativeCommandError) in 5.1.
        text = data.decode("utf-8" if self.codepage == 65001 else "cp%d" % self.codepage, errors="replace")
        for line in text.replace("\r\n", "\n").rstrip("\n").split("\n"):
            self.stderr_record(string_record("Error", line + "\r\n"))

    # --- assignment ---------------------------------------------------------------------------
    def assign(self, node: Node) -> Any:
        left = _named(node)[0]
        op = self.text(next(c for c in node.children if c.type == "assignement_operator"))
        value_node = node.child_by_field_name("value")
        value = self.value(value_node)
        target = left
        while (target.type in _WRAPPERS or target.type == "expression_with_unary_operator" and
               target.children[0].is_named) and len(_named(target)) == 1:
            target = _named(target)[0]
        if target.type == "array_literal_expression":
            if op != "=":
                raise self.refuse(node, "compound assignment to several variables")
            targets = [t for t in _named(target)]
            items = as_list(value)
            for i, t in enumerate(targets):
                if i == len(targets) - 1:
                    rest = items[i:]
                    self.store(t, _collapse(rest) if len(rest) != 1 else rest[0], node)
                else:
                    self.store(t, items[i] if i < len(items) else None, node)
            return value
        if op != "=":
            current = self.eval(target) if target.type != "cast_expression" else self.eval(_named(target)[-1])
            opmap = {"+=": "+", "-=": "-", "*=": "*", "/=": "/", "%=": "%"}
            if op not in opmap:
                raise self.refuse(node, "the assignment operator %s" % op)
            value = self.arith(opmap[op], current, value, node)
        self.store(target, value, node)
        return value

    def store(self, target: Node, value: Any, node: Node) -> None:
        while (target.type in _WRAPPERS or target.type == "expression_with_unary_operator" and
               target.children[0].is_named) and len(_named(target)) == 1:
            target = _named(target)[0]
        t = target.type
        if t in ("variable", "braced_variable"):
            self.write_variable(target, value)
        elif t == "cast_expression":
            type_ref = self.type_ref(self._first(target, "type_literal"))
            inner = _named(target)[-1]
            self.store(inner, self.do_cast(value, type_ref, target), node)
        elif t == "member_access" and _named(target)[0].type == "type_literal":
            type_ref = self.type_ref(_named(target)[0])
            if type_ref.key == "console" and self.member_name(target).lower() == "outputencoding" \
                    and isinstance(value, Encoding):
                # powershell.exe writes stdout with Console.OutputEncoding from then on.
                self.codepage = {"utf-8": 65001, "utf-16-le": 1200, "ascii": 20127}.get(value.codec, 1252)
                return
            raise self.refuse(target, "assigning to static members")
        elif t == "member_access":
            obj = self.eval(_named(target)[0])
            name = self.member_name(target)
            if isinstance(obj, PSObject):
                if name not in obj:
                    raise Terminating(self._error_at(runtime_error(
                        "The property '%s' cannot be found on this object. Verify that the property exists and can "
                        "be set." % name, "PropertyNotFound"), node))
                obj[name] = value
            elif isinstance(obj, dict):
                obj[name] = value
            elif obj is None:
                raise Terminating(self._error_at(runtime_error(
                    "The property '%s' cannot be found on this object. Verify that the property exists and can be "
                    "set." % name, "PropertyNotFound"), node))
            else:
                raise self.refuse(target, "setting properties of %s" % type_name(obj))
        elif t == "element_access":
            obj = self.eval(_named(target)[0])
            index = self.eval(_named(target)[1])
            if isinstance(obj, dict):
                obj[index] = value
            elif isinstance(obj, list):
                i = int(to_number(index))
                if not -len(obj) <= i < len(obj):
                    raise Terminating(self._error_at(runtime_error(
                        "Index was outside the bounds of the array.", "IndexOutOfRange", "OperationStopped",
                        reason="System.IndexOutOfRangeException"), node))
                obj[i] = value
            elif obj is None:
                raise Terminating(self._error_at(runtime_error("Cannot index into a null array.", "NullArray"), node))
            else:
                raise self.refuse(target, "assigning by index into %s" % type_name(obj))
        else:
            raise Terminating(self._error_at(PSError(
                "The assignment expression is not valid. The input to an assignment operator must be an object that "
                "is able to accept assignments, such as a variable or a property.", "InvalidLeftHandSide",
                "ParserError", exception_type="System.Management.Automation.ParentContainsErrorRecordException"),
                node))

    def _error_at(self, error: PSError, node: Node) -> PSError:
        if error.position is None:
            error.position = self.extent(node)
        return error

    # --- expressions --------------------------------------------------------------------------
    def eval(self, node: Node) -> Any:
        t = node.type
        named = _named(node)
        if t in _WRAPPERS and len(named) == 1 and t != "array_literal_expression":
            return self.eval(named[0])
        if t == "array_literal_expression":
            if len(named) == 1:
                return self.eval(named[0])
            return [self.eval(n) for n in named]
        method = getattr(self, "eval_" + t, None)
        if method is None:
            if t in ("logical_expression", "logical_argument_expression"):
                return self.eval_logical(node)
            if t in ("bitwise_expression", "bitwise_argument_expression"):
                return self.eval_bitwise(node)
            if t in ("comparison_expression", "comparison_argument_expression"):
                return self.eval_comparison(node)
            if t in ("additive_expression", "multiplicative_expression", "additive_argument_expression",
                     "multiplicative_argument_expression"):
                left, op, right = node.children[0], node.children[1], node.children[2]
                return self.arith(self.text(op), self.eval(left), self.eval(right), node)
            if t in ("format_expression", "format_argument_expression"):
                fmt = to_string(self.eval(named[0]))
                args = self.eval(named[-1])
                try:
                    return composite_format(fmt, as_list(args) if isinstance(args, list) else [args])
                except PSError as err:
                    raise self.expression_error(err, node) from None
            if t in ("range_expression", "range_argument_expression"):
                lo, hi = self.eval(named[0]), self.eval(named[-1])
                try:
                    return _range(int(to_number(lo)), int(to_number(hi)))
                except ConversionError as exc:
                    raise self.expression_error(runtime_error(str(exc), "RuntimeException", "InvalidArgument"),
                                                node) from None
            raise self.refuse(node)
        try:
            return method(node)
        except ConversionError as exc:
            # A conversion inside an expression fails as PowerShell's PSInvalidCastException does.
            error_id = "InvalidCastFromStringToInteger" if isinstance(exc.value, str) else "RuntimeException"
            raise self.expression_error(runtime_error(str(exc), error_id, "InvalidArgument"), node) from None

    # literals
    def eval_decimal_integer_literal(self, node: Node) -> Any:
        return _number_literal(self.text(node))

    def eval_hexadecimal_integer_literal(self, node: Node) -> Any:
        text = self.text(node).lower()
        m = re.match(r"^0x([0-9a-f]+)(l)?(kb|mb|gb|tb|pb)?$", text)
        if not m:
            raise self.refuse(node, "the number literal %s" % text)
        n = int(m.group(1), 16)
        if not m.group(2) and 2**31 <= n < 2**32 and not m.group(3):
            n -= 2**32           # 0xFFFFFFFF is Int32 -1 in PowerShell
        return n * _MULTIPLIERS.get(m.group(3) or "", 1)

    def eval_real_literal(self, node: Node) -> Any:
        return _number_literal(self.text(node))

    def eval_verbatim_string_characters(self, node: Node) -> str:
        return _undouble(self.text(node)[1:-1], SINGLE_QUOTES)

    def eval_verbatim_here_string_characters(self, node: Node) -> str:
        return _here_body(self.text(node))

    def eval_expandable_string_literal(self, node: Node) -> str:
        return self._expand(node, here=False)

    def eval_expandable_here_string_literal(self, node: Node) -> str:
        return self._expand(node, here=True)

    def _expand(self, node: Node, here: bool) -> str:
        data = self.source.data
        start, end = node.start_byte, node.end_byte
        if here:
            raw = data[start:end].decode("utf-8")
            first_nl = raw.index("\n") + 1
            body_start = start + len(raw[:first_nl].encode("utf-8"))
            tail = raw.rstrip()
            body_end = start + len(raw[:raw.rfind("\n", 0, len(tail) - 1)].encode("utf-8"))
            if data[body_end - 1:body_end] == b"\r":
                body_end -= 1
        else:
            body_start, body_end = start + 1, end - 1
        parts: list = []
        pos = body_start
        for child in node.children:
            if child.type not in ("variable", "braced_variable", "sub_expression"):
                continue
            if child.start_byte < body_start or child.end_byte > body_end:
                continue
            parts.append(_unescape(data[pos:child.start_byte].decode("utf-8"), here))
            if child.type == "sub_expression":
                out: list = []
                self.run_block(child, out)
                parts.append(to_string(_collapse(out)))
            else:
                parts.append(to_string(self.read_variable(child)))
            pos = child.end_byte
        parts.append(_unescape(data[pos:body_end].decode("utf-8"), here))
        return "".join(parts)

    # variables and simple values
    def eval_variable(self, node: Node) -> Any:
        if self.text(node).startswith("@"):
            raise self.refuse(node, "splatting outside a command's arguments")
        return self.read_variable(node)

    eval_braced_variable = eval_variable

    def eval_parenthesized_expression(self, node: Node) -> Any:
        inner = _named(node)
        return self.value(inner[0]) if inner else None

    def eval_sub_expression(self, node: Node) -> Any:
        out: list = []
        self.run_block(node, out)
        return _collapse(out)

    def eval_array_expression(self, node: Node) -> list:
        out: list = []
        self.run_block(node, out)
        return list(out)

    def eval_script_block_expression(self, node: Node) -> ScriptBlock:
        sb = self._first(node, "script_block")
        text = self.text(node)[1:-1]
        # The node is the script_block_expression: its param block can sit outside the script_block.
        return ScriptBlock(text=text, node=node)

    def eval_hash_literal_expression(self, node: Node, ordered: bool = False) -> PSHashtable:
        table = PSHashtable(ordered=ordered)
        body = self._first(node, "hash_literal_body")
        for entry in ([] if body is None else [c for c in body.children if c.type == "hash_entry"]):
            key_node = self._first(entry, "key_expression")
            key_inner = _named(key_node)[0]
            key = self.text(key_inner) if key_inner.type == "simple_name" else self.eval(key_inner)
            value_node = [c for c in _named(entry) if c is not key_node][0]
            if key in table:
                raise Terminating(self._error_at(PSError(
                    "Duplicate keys '%s' are not allowed in hash literals." % to_string(key), "DuplicateKeyInHashLiteral",
                    "ParserError", exception_type="System.Management.Automation.ParentContainsErrorRecordException"),
                    key_node), script=True)
            table[key] = self.value(value_node)
        return table

    def eval_type_literal(self, node: Node) -> TypeRef:
        return self.type_ref(node)

    def type_ref(self, node: Node) -> TypeRef:
        return TypeRef(self._type_name(node))

    def _type_name(self, node: Node) -> str:
        spec = self._first(node, "type_spec")
        return self.text(spec if spec is not None else node).strip("[]") if spec is None else self.text(spec)

    def eval_cast_expression(self, node: Node) -> Any:
        lit = self._first(node, "type_literal")
        type_ref = self.type_ref(lit)
        operand = _named(node)[-1]
        inner = operand
        while inner.type in _WRAPPERS and len(_named(inner)) == 1:
            inner = _named(inner)[0]
        if type_ref.key in ("ordered", "pscustomobject") and inner.type == "hash_literal_expression":
            table = self.eval_hash_literal_expression(inner, ordered=True)
            if type_ref.key == "ordered":
                return table
            return PSObject({to_string(k): v for k, v in table.items()})
        if type_ref.key == "ordered":
            raise Terminating(self._error_at(PSError(
                "The ordered attribute can be specified only on a hash literal node.", "OrderedAttributeOnlyOnHashLiteralNode",
                "ParserError", exception_type="System.Management.Automation.ParentContainsErrorRecordException"),
                node), script=True)
        return self.do_cast(self.eval(operand), type_ref, node)

    def do_cast(self, value: Any, type_ref: TypeRef, node: Node) -> Any:
        try:
            return cast(value, type_ref)
        except NotImplementedMember as exc:
            raise self.refuse(node, str(exc)) from None
        except PSError as err:
            raise self.expression_error(err, node) from None

    # unary
    def eval_expression_with_unary_operator(self, node: Node) -> Any:
        if node.children[0].is_named:
            return self.eval(node.children[0])
        op = self.text(node.children[0]).lower()
        operand = _named(node)[-1]
        if op == ",":
            return [self.eval(operand)]
        value = self.eval(operand)
        if op in ("-not", "!"):
            return not to_bool(value)
        if op == "-":
            try:
                n = to_number(value)
            except ConversionError as exc:
                raise self.expression_error(runtime_error(str(exc), "InvalidCastFromStringToInteger", "InvalidArgument"),
                                            node) from None
            return -n
        if op == "+":
            return to_number(value)
        if op == "-split":
            return [p for p in to_string(value).split()]
        if op == "-join":
            return "".join(to_string(v) for v in as_list(value))
        if op == "-bnot":
            return ~int(to_number(value))
        raise self.refuse(node, "the unary operator %s" % op)

    def eval_pre_increment_expression(self, node: Node) -> Any:
        return self._increment(node, 1, pre=True)

    def eval_pre_decrement_expression(self, node: Node) -> Any:
        return self._increment(node, -1, pre=True)

    def eval_post_increment_expression(self, node: Node) -> Any:
        return self._increment(node, 1, pre=False)

    def eval_post_decrement_expression(self, node: Node) -> Any:
        return self._increment(node, -1, pre=False)

    def _increment(self, node: Node, delta: int, pre: bool) -> Any:
        target = _named(node)[0]
        old = self.eval(target)
        new = to_number(old) + delta
        self.store(target, new, node)
        # As a statement ($i++) PowerShell outputs nothing; as a value the interpreter returns it.
        return new if pre else old

    # binary operators
    def eval_logical(self, node: Node) -> bool:
        left, op, right = node.children[0], self.text(node.children[1]).lower(), node.children[2]
        lv = to_bool(self.eval(left))
        if op == "-and":
            return lv and to_bool(self.eval(right))
        if op == "-or":
            return lv or to_bool(self.eval(right))
        if op == "-xor":
            return lv != to_bool(self.eval(right))
        raise self.refuse(node, "the operator %s" % op)

    def eval_bitwise(self, node: Node) -> Any:
        left, op, right = self.eval(node.children[0]), self.text(node.children[1]).lower(), self.eval(node.children[2])
        a, b = int(to_number(left)), int(to_number(right))
        if op == "-band":
            return a & b
        if op == "-bor":
            return a | b
        if op == "-bxor":
            return a ^ b
        raise self.refuse(node, "the operator %s" % op)

    def eval_comparison(self, node: Node) -> Any:
        left_node, op_node, right_node = node.children[0], node.children[1], node.children[2]
        op = self.text(op_node).lower()
        m = _COMPARISON.match(op)
        if not m:
            raise self.refuse(op_node, "the operator %s" % op)
        case = m.group(1) == "c"
        name = m.group(2)
        left = self.eval(left_node)
        right = self.eval(right_node)
        try:
            return self.compare(name, left, right, case, node)
        except ConversionError as exc:
            raise self.expression_error(runtime_error(str(exc), "RuntimeException", "InvalidArgument"), node) from None

    def compare(self, name: str, left: Any, right: Any, case: bool, node: Node) -> Any:
        if name in ("is", "isnot"):
            if not isinstance(right, TypeRef):
                right = TypeRef(to_string(right))
            try:
                result = is_instance(left, right)
            except NotImplementedMember as exc:
                raise self.refuse(node, str(exc)) from None
            return result if name == "is" else not result
        if name == "as":
            if not isinstance(right, TypeRef):
                right = TypeRef(to_string(right))
            try:
                return cast(left, right)
            except NotImplementedMember as exc:
                raise self.refuse(node, str(exc)) from None
            except PSError:
                return None
        if name == "join":
            return to_string(right).join(to_string(v) for v in as_list(left))
        if name == "split":
            pattern, limit = (right[0], int(to_number(right[1]))) if isinstance(right, list) else (right, 0)
            flags = 0 if case else re.I
            results = []
            for item in as_list(left) if isinstance(left, list) else [left]:
                results.extend(re.split(dotnet_regex(to_string(pattern)), to_string(item),
                                        maxsplit=max(limit - 1, 0), flags=flags))
            return results
        if name == "replace":
            if isinstance(right, list):
                pattern, repl = to_string(right[0]), to_string(right[1]) if len(right) > 1 else ""
            else:
                pattern, repl = to_string(right), ""
            flags = 0 if case else re.I
            try:
                regex = re.compile(dotnet_regex(pattern), flags)
            except re.error as exc:
                raise self.expression_error(runtime_error(
                    "The regular expression pattern %s is not valid." % pattern, "InvalidRegularExpression",
                    "InvalidOperation"), node) from exc
            template = dotnet_replacement(repl)
            if isinstance(left, list):
                return [regex.sub(template, to_string(v)) for v in left]
            return regex.sub(template, to_string(left))
        if name in ("contains", "notcontains", "in", "notin"):
            collection, item = (left, right) if name in ("contains", "notcontains") else (right, left)
            found = any(ps_equal(c, item, case) for c in as_list(collection))
            return found if name in ("contains", "in") else not found
        if isinstance(left, list):
            return [v for v in left if self._scalar_compare(name, v, right, case, node, set_matches=False)]
        return self._scalar_compare(name, left, right, case, node, set_matches=True)

    def _scalar_compare(self, name: str, left: Any, right: Any, case: bool, node: Node, set_matches: bool) -> bool:
        if name == "eq":
            return ps_equal(left, right, case)
        if name == "ne":
            return not ps_equal(left, right, case)
        if name in ("gt", "ge", "lt", "le"):
            if left is None and right is None:
                c = 0
            else:
                try:
                    c = ps_compare(left, right, case)
                except ConversionError as exc:
                    raise self.expression_error(runtime_error(
                        'Could not compare "%s" to "%s". Error: "%s"' % (to_string(left), to_string(right), exc),
                        "ComparisonFailure", "InvalidOperation"), node) from None
            return {"gt": c > 0, "ge": c >= 0, "lt": c < 0, "le": c <= 0}[name]
        if name in ("like", "notlike"):
            result = wildcard_match(to_string(right), to_string(left), case)
            return result if name == "like" else not result
        if name in ("match", "notmatch"):
            try:
                m = re.search(dotnet_regex(to_string(right)), to_string(left), 0 if case else re.I)
            except re.error as exc:
                raise self.expression_error(runtime_error(
                    "The regular expression pattern %s is not valid." % to_string(right), "InvalidRegularExpression",
                    "InvalidOperation"), node) from exc
            if m and set_matches:
                matches = PSHashtable()
                matches[0] = m.group(0)
                for i, g in enumerate(m.groups(), 1):
                    if g is not None:
                        matches[i] = g
                for key, g in m.groupdict().items():
                    if g is not None:
                        matches[key] = g
                self.set_var("Matches", matches)
            return bool(m) if name == "match" else not m
        raise self.refuse(node, "the operator -%s" % name)

    def arith(self, op: str, left: Any, right: Any, node: Node) -> Any:
        try:
            return _arith(op, left, right)
        except ConversionError as exc:
            error_id = "InvalidCastFromStringToInteger" if isinstance(exc.value, str) else "RuntimeException"
            raise self.expression_error(runtime_error(str(exc), error_id, "InvalidArgument"), node) from None
        except ZeroDivisionError:
            raise self.expression_error(runtime_error("Attempted to divide by zero.", "RuntimeException",
                                                      "NotSpecified"), node) from None
        except PSError as err:
            raise self.expression_error(err, node) from None
        except _OpNotDefined as exc:
            raise self.expression_error(runtime_error(
                "Method invocation failed because [%s] does not contain a method named 'op_%s'."
                % (type_name(left), exc.op_name), "MethodNotFound", "InvalidOperation"), node) from None

    # members
    def member_name(self, node: Node) -> str:
        member = self._first(node, "member_name")
        if member is None:
            raise self.refuse(node)
        inner = _named(member)
        if inner and inner[0].type != "simple_name":
            return to_string(self.eval(inner[0]))
        return self.text(member)

    def eval_member_access(self, node: Node) -> Any:
        obj_node = _named(node)[0]
        name = self.member_name(node)
        static = any(c.type == "::" for c in node.children)
        if static:
            if obj_node.type != "type_literal":
                raise self.refuse(node, "static member access on a non-type expression")
            type_ref = self.type_ref(obj_node)
            if type_ref.key == "console" and name.lower() == "outputencoding":
                return self.console_encoding()
            try:
                return static_property(type_ref, name, self.host, api.now)
            except NotImplementedMember as exc:
                raise self.refuse(node, str(exc)) from None
        obj = self.eval(obj_node)
        if name.lower() == "psobject":
            raise self.refuse(node, "the .PSObject member")
        try:
            value = get_property(obj, name)
        except NotImplementedMember as exc:
            raise self.refuse(node, str(exc)) from None
        if obj is None and name.lower() in ("count", "length") and self.strict < 2:
            return 0        # PowerShell 3+: $null has Count and Length 0, outside strict mode 2+
        if value is None and self.strict >= 2 and not _has_member(obj, name):
            raise self.expression_error(runtime_error(
                "The property '%s' cannot be found on this object. Verify that the property exists." % name,
                "PropertyNotFoundStrict", "NotSpecified", reason="System.Management.Automation.PropertyNotFoundException"),
                node)
        return value

    def eval_element_access(self, node: Node) -> Any:
        parts = _named(node)
        obj = self.eval(parts[0])
        index = self.eval(parts[1])
        if obj is None:
            raise self.expression_error(runtime_error("Cannot index into a null array.", "NullArray"), node)
        if isinstance(index, list):
            return [_index(obj, i) for i in index]
        return _index(obj, index)

    def eval_invokation_expression(self, node: Node) -> Any:
        parts = _named(node)
        obj_node = parts[0]
        name = self.member_name(node)
        arg_list = self._first(node, "argument_list")
        args = self.method_args(arg_list)
        static = any(c.type == "::" for c in node.children)
        try:
            if static:
                if obj_node.type != "type_literal":
                    raise self.refuse(node, "static method calls on a non-type expression")
                return static_method(self.type_ref(obj_node), name, args, self.host, api.now)
            obj = self.eval(obj_node)
            if isinstance(obj, Encoding):
                return encoding_method(obj, name, args)
            return call_method(obj, name, args, lambda b, u, a: _collapse(self.invoke_block(b, u, a, False)))
        except NotImplementedMember as exc:
            raise self.refuse(node, str(exc)) from None
        except ConversionError as exc:
            raise self.expression_error(runtime_error(str(exc), "RuntimeException", "InvalidArgument"), node) from None
        except PSError as err:
            raise self.expression_error(err, node) from None

    def method_args(self, arg_list: Optional[Node]) -> list:
        if arg_list is None:
            return []
        exprs = arg_list.child_by_field_name("argument_expression_list")
        if exprs is None:
            return []
        return [self.eval(c) for c in _named(exprs)]


# --- module-level helpers ---------------------------------------------------------------------

_MULTIPLIERS = {"": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4, "pb": 1024**5}


def _number_literal(text: str) -> Any:
    m = re.match(r"^(\d*\.?\d*(?:e[+-]?\d+)?)(l|d)?(kb|mb|gb|tb|pb)?$", text.lower())
    if not m or not m.group(1):
        raise ValueError(text)
    body, suffix, mult = m.group(1), m.group(2), _MULTIPLIERS[m.group(3) or ""]
    if re.match(r"^\d+$", body):
        n = int(body) * mult
        if n > 2**63 - 1:
            return float(n)
        return n
    value = float(body) * mult
    return int(value) if m.group(3) and value == int(value) else value


def _has_member(obj: Any, name: str) -> bool:
    if isinstance(obj, (PSObject, dict)):
        return name in obj
    if isinstance(obj, list):
        return name.lower() in ("count", "length") or any(_has_member(v, name) for v in obj)
    return obj is not None and name.lower() in ("count", "length")


def _range(lo: int, hi: int) -> list:
    step = 1 if hi >= lo else -1
    return list(range(lo, hi + step, step))


def _unroll(value: Any) -> list:
    if is_enumerable(value):
        return list(value)
    return [value]


def _collapse(items: list) -> Any:
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    return list(items)


def _here_body(text: str) -> str:
    body = text[2:-2]
    nl = body.find("\n")
    body = body[nl + 1:] if nl >= 0 else body
    end = body.rfind("\n")
    body = body[:end] if end >= 0 else ""
    return body[:-1] if body.endswith("\r") else body


_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "e": "\x1b"}


def _unescape(text: str, here: bool) -> str:
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "`" and i + 1 < len(text):
            n = text[i + 1]
            out.append(_ESCAPES.get(n, n))
            i += 2
            continue
        if c in DOUBLE_QUOTES and not here and text[i + 1:i + 2] and text[i + 1] in DOUBLE_QUOTES:
            out.append(text[i + 1])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _undouble(text: str, quotes: str) -> str:
    """A doubled quote (any of PowerShell's quote characters, in any pairing) stands for the second one."""
    out = []
    i = 0
    while i < len(text):
        if text[i] in quotes and i + 1 < len(text) and text[i + 1] in quotes:
            out.append(text[i + 1])
            i += 2
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def _index(obj: Any, index: Any) -> Any:
    if isinstance(obj, dict):
        return obj.get(index)
    if isinstance(obj, (list, tuple, bytes, bytearray, str)):
        try:
            i = int(to_number(index))
        except ConversionError:
            return None
        if -len(obj) <= i < len(obj):
            return obj[i]
        return None
    if isinstance(obj, PSObject):
        return obj.get(to_string(index)) if isinstance(index, str) else (obj if to_number(index) in (0, -1) else None)
    try:
        i = int(to_number(index))
    except ConversionError:
        return None
    return obj if i in (0, -1) else None


class _OpNotDefined(Exception):
    def __init__(self, op_name: str):
        super().__init__(op_name)
        self.op_name = op_name


def _arith(op: str, left: Any, right: Any) -> Any:
    names = {"+": "Addition", "-": "Subtraction", "*": "Multiply", "/": "Division", "%": "Modulus"}
    if left is None:
        if op == "+":
            return right
        left = 0
    if isinstance(left, list):
        if op == "+":
            return left + (as_list(right) if isinstance(right, list) else [right])
        if op == "*":
            return left * int(to_number(right))
        raise _OpNotDefined(names[op])
    if isinstance(left, dict):
        if op == "+" and isinstance(right, dict):
            merged = PSHashtable(dict(left.items()), ordered=getattr(left, "ordered", False))
            for k, v in right.items():
                if k in merged:
                    raise PSError("Item has already been added. Key in dictionary: '%s'  Key being added: '%s'"
                                  % (k, k), "System.ArgumentException", "NotSpecified",
                                  exception_type="System.ArgumentException")
                merged[k] = v
            return merged
        raise _OpNotDefined(names[op])
    if isinstance(left, str):
        if op == "+":
            return left + to_string(right)
        if op == "*":
            return left * int(to_number(right))
        left = to_number(left)
    if isinstance(left, _dt.datetime):
        if op == "+" and isinstance(right, _dt.timedelta):
            return left + right
        if op == "-" and isinstance(right, _dt.timedelta):
            return left - right
        if op == "-" and isinstance(right, _dt.datetime):
            return left.replace(tzinfo=None) - right.replace(tzinfo=None) if (left.tzinfo is None) != (
                right.tzinfo is None) else left - right
        raise _OpNotDefined(names[op])
    if isinstance(left, _dt.timedelta):
        if op in "+-" and isinstance(right, _dt.timedelta):
            return left + right if op == "+" else left - right
        raise _OpNotDefined(names[op])
    if isinstance(left, PSObject) or isinstance(left, (ScriptBlock, ErrorRecord)):
        raise _OpNotDefined(names[op])
    a = to_number(left)
    b = to_number(right)
    if op == "+":
        result = a + b
    elif op == "-":
        result = a - b
    elif op == "*":
        result = a * b
    elif op == "/":
        if b == 0:
            raise ZeroDivisionError()
        result = a / b
        if isinstance(a, int) and isinstance(b, int) and result == int(result):
            result = int(result)
    elif op == "%":
        if b == 0:
            raise ZeroDivisionError()
        result = abs(a) % abs(b) * (1 if a >= 0 else -1)
    else:
        raise _OpNotDefined(op)
    if isinstance(result, int) and not -2**63 <= result <= 2**63 - 1:
        return float(result)
    return result


class _CaptureSink:
    """Collects a native command's output so PowerShell can treat it as pipeline strings."""

    def __init__(self, codepage: int):
        self.codepage = codepage
        self.out = bytearray()
        self.err = bytearray()
        self.stdin = bytearray()
        self.stdin_closed = True
        self.exit_code = None

    def stdout(self, data: bytes) -> None:
        self.out += data

    def stderr(self, data: bytes) -> None:
        self.err += data

    def finish(self, code: int) -> None:
        self.exit_code = code

    def read_stdin(self, timeout=None) -> bytes:
        return b""


def run_script(lab: Any, host: Any, script: str, sink: Any, automatic: Optional[dict] = None) -> int:
    """Run ``script`` on ``host`` as powershell.exe would; write to ``sink``; return the exit code.
    ``automatic``: automatic variables the host defines (e.g. $input), by lower-case name."""
    interp = Interpreter(lab, host, script, sink)
    interp.scopes[0].update(automatic or {})
    try:
        try:
            root = parse(script, interp.source)
        except ScriptSyntaxError as exc:
            interp.stderr_record(error_lines(exc.render()))
            return 1
        try:
            return interp.run(root)
        except LabRefusal as refusal:
            interp.stderr_record(error_lines(refusal.syntax_error.render()))
            return 1
        except RecursionError:
            err = runtime_error("The script failed due to call depth overflow.", "CallDepthOverflow",
                                "InvalidOperation", reason="System.Management.Automation.ScriptCallDepthException")
            interp.write_error_record(err)
            return 1
        except Exception as exc:          # a bug of the lab: say so on stderr rather than drop the shell
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            err = PSError("The PowerShell lab failed internally (%s: %s at %s:%d). This is a bug of the lab, not "
                          "of the script." % (type(exc).__name__, exc, frame.filename.rsplit("/", 1)[-1],
                                              frame.lineno), "PchatLabInternalError", "NotSpecified",
                          exception_type="System.InvalidOperationException")
            interp.write_error_record(err)
            return 1
    finally:
        interp.finish()


__all__ = ["run_script", "Interpreter", "EngineContext", "load_cmdlets"]
