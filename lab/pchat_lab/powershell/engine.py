"""The PowerShell interpreter: runs a script as powershell.exe -EncodedCommand would over WinRM.

Entry point: :func:`run_script`. Output objects of each top-level statement are formatted and
written to stdout as soon as the statement ends (so a script that writes, sleeps and writes again
streams); error, warning, verbose and progress records go to stderr as CLIXML. The exit code is
the one powershell.exe reports: ``exit N``, 1 after a script-terminating error or a parse error,
otherwise 1 when the last statement failed ($? false) and 0 when it did not.

The :class:`Interpreter` holds one script's state (scopes, functions, imported modules, $?, the
output streams) and is assembled from parts in ``interpreter/``, one concern per file. The parts
hold no state of their own and define disjoint methods, so any part may call any other through
``self``:

    statements     control flow: if, loops, switch, try/catch/finally, break/return/exit/throw
    functions      function definitions and calls, param() blocks, script blocks
    pipelines      pipelines, command invocation through the binder, redirections
    arguments      a command's elements as RawArgs for the binder (parameters, splats)
    commands       name resolution: functions, aliases, module cmdlets, native executables
    assignment     =, +=, … into variables, casts, properties and indexes
    expressions    eval(): literals, strings, hash literals, casts, sub-expressions
    operators      unary, logical, bitwise, comparison and arithmetic operators
    member_access  properties, methods, static .NET members, indexing
    variables      scopes, $env:, automatic and preference variables

Cmdlets see the interpreter through ``interpreter/cmdlet_context.py`` (EngineContext).
"""
from __future__ import annotations

import importlib
import traceback
from typing import Any, Iterable, Optional

from tree_sitter import Node

from .api import PSError, PSObject
from .clixml import HEADER, OBJS_CLOSE, OBJS_OPEN, ProgressSerializer, error_lines
from .errors import (BreakSignal, ContinueSignal, ExitSignal, LabRefusal, ReturnSignal, Terminating, render,
                     runtime_error)
from .formatting import Formatter
from .interpreter.arguments import CommandArguments
from .interpreter.assignment import Assignment
from .interpreter.cmdlet_context import EngineContext
from .interpreter.commands import CommandLookup
from .interpreter.expressions import Expressions
from .interpreter.functions import Functions
from .interpreter.member_access import MemberAccess
from .interpreter.operators import Operators
from .interpreter.pipelines import Pipelines
from .interpreter.statements import Statements
from .interpreter.variables import PREFERENCE_DEFAULTS, Variables
from .members import Encoding
from .parser import ScriptSyntaxError, Source, parse, unsupported
from .values import ErrorRecord, PSHashtable

# Cmdlet families register themselves on import; the engine loads every family that exists.
CMDLET_MODULES = ("pchat_lab.powershell.cmdlets.core", "pchat_lab.powershell.cmdlets.windows",
                  "pchat_lab.powershell.credentials",
                  "pchat_lab.lync.cmdlets")

_loaded = False


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


class StreamOut(list):
    """The output list of a top-level statement: formatted and written as objects arrive."""

    def __init__(self, interp: "Interpreter"):
        super().__init__()
        self.interp = interp

    def append(self, obj: Any) -> None:
        self.interp.write_objects([obj])

    def extend(self, objs: Iterable) -> None:
        self.interp.write_objects(list(objs))


class Interpreter(Statements, Functions, Pipelines, CommandArguments, CommandLookup, Assignment, Expressions,
                  Operators, MemberAccess, Variables):
    """One script's run: its state, its output streams, and the node helpers every part uses."""

    def __init__(self, lab: Any, host: Any, script: str, sink: Any, noninteractive: bool = True):
        load_cmdlets()
        # powershell.exe -NonInteractive: the host refuses to read or prompt (confirmation included).
        self.noninteractive = noninteractive
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

    # --- nodes ------------------------------------------------------------------------------
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

    def _error_at(self, error: PSError, node: Node) -> PSError:
        if error.position is None:
            error.position = self.extent(node)
        return error

    @staticmethod
    def _first(node: Node, type_: str) -> Optional[Node]:
        return next((c for c in node.children if c.type == type_), None)

    # --- the script as a whole ----------------------------------------------------------------
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


def run_script(lab: Any, host: Any, script: str, sink: Any, automatic: Optional[dict] = None,
               noninteractive: bool = True) -> int:
    """Run ``script`` on ``host`` as powershell.exe would; write to ``sink``; return the exit code.
    ``automatic``: automatic variables the host defines (e.g. $input), by lower-case name;
    ``noninteractive``: powershell.exe was started with -NonInteractive."""
    interp = Interpreter(lab, host, script, sink, noninteractive=noninteractive)
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
