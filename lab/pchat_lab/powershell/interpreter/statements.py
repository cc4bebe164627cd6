"""Statements: the statement list of a block, control flow (if, loops, switch, try/catch/finally) and
break/continue/return/exit/throw."""
from __future__ import annotations

import re
from typing import Any, Optional

from tree_sitter import Node

from ..api import PSError, PSObject, ScriptBlock
from ..errors import BreakSignal, ContinueSignal, ExitSignal, ReturnSignal, Terminating
from ..parser import SINGLE_QUOTES
from ..values import (ConversionError, ErrorRecord, PSHashtable, as_list, dotnet_regex, is_enumerable, ps_equal,
                      to_bool, to_number, to_string, wildcard_match)
from .literals import undouble, unescape
from .pipelines import collapse
from .syntax import WRAPPERS, named_children


class Statements:
    """Runs statements, writing their output objects to ``out``."""

    def statements(self, node: Node) -> list:
        if node.type in ("program", "statement_block", "script_block_body", "sub_expression", "array_expression"):
            lists = [c for c in node.children if c.type == "statement_list"]
            return [s for lst in lists for s in named_children(lst) if s.type != "empty_statement"]
        if node.type == "statement_list":
            return [s for s in named_children(node) if s.type != "empty_statement"]
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
            child = named_children(node)[0]
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
            for clause in named_children(elifs):
                if to_bool(self.value(clause.child_by_field_name("condition"))):
                    self.run_block(self._first(clause, "statement_block"), out)
                    return
        else_clause = node.child_by_field_name("else_clause")
        if else_clause is not None:
            self.run_block(self._first(else_clause, "statement_block"), out)

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
        while inner.type in WRAPPERS and len(named_children(inner)) == 1:
            inner = named_children(inner)[0]
        if inner.type == "pipeline":
            child = named_children(inner)[0]
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
        for p in ([] if params is None else named_children(params)):
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
        return not named_children(cond) and self.text(cond).lower() == "default"

    def _switch_matches(self, cond: Node, item: Any, flags: set) -> bool:
        case = "casesensitive" in flags
        inner = named_children(cond)
        if inner:
            probe = self.eval(inner[0])
        else:
            text = self.text(cond)
            if text[:1] == "'":
                probe = undouble(text[1:-1], SINGLE_QUOTES)
            elif text[:1] == '"':
                if "$" in text:
                    raise self.refuse(cond, "a switch clause string with variables")
                probe = unescape(text[1:-1], False)
            else:
                probe = text
        if isinstance(probe, ScriptBlock):
            result = self.invoke_block(probe, item, [], set_dollar_under=True)
            return to_bool(collapse(result))
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
        for clause in named_children(catches):
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
