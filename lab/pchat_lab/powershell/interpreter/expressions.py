"""Expressions: the dispatch from a syntax node to its value, literals, strings with $variables and
$(...) expanded, hash literals, script block literals, type literals and casts."""
from __future__ import annotations

import re
from typing import Any

from tree_sitter import Node

from ..api import PSError, PSObject, ScriptBlock
from ..dotnet_format import composite_format
from ..errors import Terminating, runtime_error
from ..members import NotImplementedMember, TypeRef, cast
from ..parser import SINGLE_QUOTES
from ..values import ConversionError, PSHashtable, as_list, to_number, to_string
from .literals import MULTIPLIERS, here_string_body, number_literal, undouble, unescape
from .operators import inclusive_range
from .pipelines import collapse
from .syntax import WRAPPERS, named_children


class Expressions:
    """Evaluates expression nodes: ``eval`` dispatches to ``eval_<node type>``."""

    def eval(self, node: Node) -> Any:
        t = node.type
        named = named_children(node)
        if t in WRAPPERS and len(named) == 1 and t != "array_literal_expression":
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
                    return inclusive_range(int(to_number(lo)), int(to_number(hi)))
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

    def eval_decimal_integer_literal(self, node: Node) -> Any:
        return number_literal(self.text(node))

    def eval_hexadecimal_integer_literal(self, node: Node) -> Any:
        text = self.text(node).lower()
        m = re.match(r"^0x([0-9a-f]+)(l)?(kb|mb|gb|tb|pb)?$", text)
        if not m:
            raise self.refuse(node, "the number literal %s" % text)
        n = int(m.group(1), 16)
        if not m.group(2) and 2**31 <= n < 2**32 and not m.group(3):
            n -= 2**32           # 0xFFFFFFFF is Int32 -1 in PowerShell
        return n * MULTIPLIERS.get(m.group(3) or "", 1)

    def eval_real_literal(self, node: Node) -> Any:
        return number_literal(self.text(node))

    def eval_verbatim_string_characters(self, node: Node) -> str:
        return undouble(self.text(node)[1:-1], SINGLE_QUOTES)

    def eval_verbatim_here_string_characters(self, node: Node) -> str:
        return here_string_body(self.text(node))

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
            parts.append(unescape(data[pos:child.start_byte].decode("utf-8"), here))
            if child.type == "sub_expression":
                out: list = []
                self.run_block(child, out)
                parts.append(to_string(collapse(out)))
            else:
                parts.append(to_string(self.read_variable(child)))
            pos = child.end_byte
        parts.append(unescape(data[pos:body_end].decode("utf-8"), here))
        return "".join(parts)

    def eval_variable(self, node: Node) -> Any:
        if self.text(node).startswith("@"):
            raise self.refuse(node, "splatting outside a command's arguments")
        return self.read_variable(node)

    eval_braced_variable = eval_variable

    def eval_parenthesized_expression(self, node: Node) -> Any:
        inner = named_children(node)
        return self.value(inner[0]) if inner else None

    def eval_sub_expression(self, node: Node) -> Any:
        out: list = []
        self.run_block(node, out)
        return collapse(out)

    def eval_array_expression(self, node: Node) -> list:
        out: list = []
        self.run_block(node, out)
        return list(out)

    def eval_script_block_expression(self, node: Node) -> ScriptBlock:
        text = self.text(node)[1:-1]
        # The node is the script_block_expression: its param block can sit outside the script_block.
        return ScriptBlock(text=text, node=node)

    def eval_hash_literal_expression(self, node: Node, ordered: bool = False) -> PSHashtable:
        table = PSHashtable(ordered=ordered)
        body = self._first(node, "hash_literal_body")
        for entry in ([] if body is None else [c for c in body.children if c.type == "hash_entry"]):
            key_node = self._first(entry, "key_expression")
            key_inner = named_children(key_node)[0]
            key = self.text(key_inner) if key_inner.type == "simple_name" else self.eval(key_inner)
            value_node = [c for c in named_children(entry) if c is not key_node][0]
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
        operand = named_children(node)[-1]
        inner = operand
        while inner.type in WRAPPERS and len(named_children(inner)) == 1:
            inner = named_children(inner)[0]
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
