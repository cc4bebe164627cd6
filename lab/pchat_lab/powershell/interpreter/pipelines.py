"""Pipelines: a pipeline's elements in order, each command's output feeding the next; cmdlets invoked
through the binder with an EngineContext; redirections; pipelines used as values."""
from __future__ import annotations

import re
import time
from typing import Any, Optional

from tree_sitter import Node

from ..api import CmdletSpec, PSError, ScriptBlock
from ..binding import bind, cmdlet_type
from ..created_scripts import CreatedScriptBlock, compile_block
from ..errors import Terminating, attribute
from ..members import NotImplementedMember
from ..parser import NUMBER_AS_COMMAND, RANGE_AS_COMMAND
from ..values import ErrorRecord, as_list, is_enumerable, to_number, type_name
from .cmdlet_context import EngineContext
from .functions import FunctionDef
from .literals import number_literal
from .operators import inclusive_range
from .syntax import INCREMENTS, WRAPPERS, named_children


class Pipelines:
    """Runs pipelines and the commands in them."""

    def pipeline_output(self, node: Node) -> list:
        """All output of a pipeline node (or statement used as a value), unrolled."""
        if node.type == "pipeline":
            child = named_children(node)[0]
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
        while inner.type in ("pipeline", "while_condition", "for_condition") and len(named_children(inner)) == 1:
            inner = named_children(inner)[0]
        if inner.type == "assignment_expression":
            return self.assign(inner)
        if inner.type == "pipeline_chain":
            elements = named_children(inner)
            if len(elements) == 1 and elements[0].type != "command":
                return self.eval(elements[0])
            return collapse(self.run_pipeline(inner))
        if inner.type in ("if_statement", "foreach_statement", "for_statement", "while_statement",
                          "do_statement", "try_statement", "flow_control_statement"):
            out: list = []
            self.statement(inner, out)
            return collapse(out)
        return self.eval(inner)

    def run_pipeline(self, chain: Node) -> list:
        elements = [c for c in named_children(chain) if c.type not in ("comment",)]
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
                while inner.type in WRAPPERS and len(named_children(inner)) == 1:
                    inner = named_children(inner)[0]
                if len(elements) == 1 and inner.type in INCREMENTS:
                    # `$i++` as a statement outputs nothing.
                    self.eval(inner)
                    return []
                data = unroll(self.eval(element))
        return data or []

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
            return unroll(misread)
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

    def call_operator(self, node: Node, pipeline: list) -> list:
        """``& { ... }`` / ``& $block args`` (child scope), ``. { ... }`` (current scope), and
        ``& 'Cmd-Name' args`` / ``& $name args``. Other invocation targets (paths, scripts) are refused."""
        dot = self.text(next(c for c in node.children if c.type == "command_invokation_operator")) == "."
        name_expr = node.child_by_field_name("command_name")
        inner = named_children(name_expr)[0] if name_expr is not None and named_children(name_expr) else None
        while inner is not None and inner.type == "path_command_name" and len(named_children(inner)) == 1:
            inner = named_children(inner)[0]
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

    def _take_injected_time(self, seconds: float) -> None:
        """A slow fault: wait, in slices, until the time is up or the command is terminated."""
        deadline = time.monotonic() + seconds
        sink = getattr(self, "sink", None)
        while time.monotonic() < deadline and not getattr(sink, "terminated", False):
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
        if seconds and getattr(sink, "terminated", False):
            # The command was terminated: the pipeline stops and the cmdlet does none of its work.
            raise Terminating(PSError("The pipeline has been stopped.", "PipelineStopped", "OperationStopped",
                                      exception_type="System.Management.Automation.PipelineStoppedException"),
                              script=True)

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
            self._take_injected_time(faults.slow_seconds(getattr(self.host, "name", ""), spec.name))
        try:
            result = bind(spec, raw, pipeline, extent, expecting_input=expecting_input)
        except PSError as err:
            err.command_name = err.command_name or spec.name
            if err.position is None:
                err.position = extent
            raise Terminating(err) from None
        ctx = EngineContext(self, spec, result.common, extent, self.text(node))
        ctx.node = node
        outputs: list = []
        try:
            for inv in result.invocations:
                if inv.error is not None:
                    ctx.write_error(inv.error)      # input no parameter binds: this object is skipped
                    continue
                produced = spec.func(ctx, inv.args, inv.pipeline)
                if produced is None:
                    continue
                if isinstance(produced, (list, tuple)) or hasattr(produced, "__next__"):
                    outputs.extend(produced)
                else:
                    outputs.append(produced)
        except PSError as err:
            err.command_name = err.command_name or spec.name
            attribute(err, cmdlet_type(spec), spec.name)
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
            return inclusive_range(int(m.group(1)), int(m.group(2)))
        m = re.match(r"^(-?\d+)\.\.\$(\w+)$", name)
        if m:
            return inclusive_range(int(m.group(1)), int(to_number(self.get_var(m.group(2)))))
        m = NUMBER_AS_COMMAND.match(name)
        if m:
            return number_literal(name)
        raise self.refuse(name_node, "the literal '%s' (tree-sitter-powershell reads it as a command name; "
                                     "write it with spaces, e.g. '1 .. $n')" % name)


def unroll(value: Any) -> list:
    """A value as pipeline output: a collection is enumerated, anything else is one object."""
    if is_enumerable(value):
        return list(value)
    return [value]


def collapse(items: list) -> Any:
    """Pipeline output as a value: nothing is $null, one object is itself, more are an array."""
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    return list(items)
