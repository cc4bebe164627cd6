"""Operators: unary, ++/--, -and/-or/-xor, -band/-bor/-bxor, the comparison family (-eq … -as, with
their c/i case prefixes) and arithmetic, each with PowerShell's conversions and error records."""
from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from tree_sitter import Node

from ..api import PSError, PSObject, ScriptBlock
from ..errors import runtime_error
from ..members import NotImplementedMember, TypeRef, cast, is_instance
from ..values import (ConversionError, ErrorRecord, PSHashtable, as_list, dotnet_regex, dotnet_replacement,
                      ps_compare, ps_equal, to_bool, to_number, to_string, type_name, wildcard_match)
from .syntax import named_children

COMPARISON = re.compile(r"^-(c|i)?(eq|ne|gt|ge|lt|le|like|notlike|match|notmatch|contains|notcontains|in|notin|"
                        r"replace|split|join|is|isnot|as)$", re.I)


class Operators:
    """Evaluates operator expressions."""

    def eval_expression_with_unary_operator(self, node: Node) -> Any:
        if node.children[0].is_named:
            return self.eval(node.children[0])
        op = self.text(node.children[0]).lower()
        operand = named_children(node)[-1]
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
        target = named_children(node)[0]
        old = self.eval(target)
        new = to_number(old) + delta
        self.store(target, new, node)
        # As a statement ($i++) PowerShell outputs nothing; as a value the interpreter returns it.
        return new if pre else old

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
        m = COMPARISON.match(op)
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
            return arithmetic(op, left, right)
        except ConversionError as exc:
            error_id = "InvalidCastFromStringToInteger" if isinstance(exc.value, str) else "RuntimeException"
            raise self.expression_error(runtime_error(str(exc), error_id, "InvalidArgument"), node) from None
        except ZeroDivisionError:
            raise self.expression_error(runtime_error("Attempted to divide by zero.", "RuntimeException",
                                                      "NotSpecified"), node) from None
        except PSError as err:
            raise self.expression_error(err, node) from None
        except OperatorNotDefined as exc:
            raise self.expression_error(runtime_error(
                "Method invocation failed because [%s] does not contain a method named 'op_%s'."
                % (type_name(left), exc.op_name), "MethodNotFound", "InvalidOperation"), node) from None


def inclusive_range(lo: int, hi: int) -> list:
    step = 1 if hi >= lo else -1
    return list(range(lo, hi + step, step))


class OperatorNotDefined(Exception):
    def __init__(self, op_name: str):
        super().__init__(op_name)
        self.op_name = op_name


def arithmetic(op: str, left: Any, right: Any) -> Any:
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
        raise OperatorNotDefined(names[op])
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
        raise OperatorNotDefined(names[op])
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
        raise OperatorNotDefined(names[op])
    if isinstance(left, _dt.timedelta):
        if op in "+-" and isinstance(right, _dt.timedelta):
            return left + right if op == "+" else left - right
        raise OperatorNotDefined(names[op])
    if isinstance(left, PSObject) or isinstance(left, (ScriptBlock, ErrorRecord)):
        raise OperatorNotDefined(names[op])
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
        raise OperatorNotDefined(op)
    if isinstance(result, int) and not -2**63 <= result <= 2**63 - 1:
        return float(result)
    return result
