"""Assignment: =, the compound operators, several variables at once, and the places a value can be
stored (variables, casts, properties, indexes, [Console]::OutputEncoding)."""
from __future__ import annotations

from typing import Any

from tree_sitter import Node

from ..api import PSError, PSObject
from ..errors import Terminating, runtime_error
from ..members import Encoding
from ..values import as_list, to_number, type_name
from .pipelines import collapse
from .syntax import WRAPPERS, named_children


class Assignment:
    """Assigns values to variables, properties and indexes."""

    def assign(self, node: Node) -> Any:
        left = named_children(node)[0]
        op = self.text(next(c for c in node.children if c.type == "assignement_operator"))
        value_node = node.child_by_field_name("value")
        value = self.value(value_node)
        target = left
        while (target.type in WRAPPERS or target.type == "expression_with_unary_operator" and
               target.children[0].is_named) and len(named_children(target)) == 1:
            target = named_children(target)[0]
        if target.type == "array_literal_expression":
            if op != "=":
                raise self.refuse(node, "compound assignment to several variables")
            targets = [t for t in named_children(target)]
            items = as_list(value)
            for i, t in enumerate(targets):
                if i == len(targets) - 1:
                    rest = items[i:]
                    self.store(t, collapse(rest) if len(rest) != 1 else rest[0], node)
                else:
                    self.store(t, items[i] if i < len(items) else None, node)
            return value
        if op != "=":
            current = self.eval(target) if target.type != "cast_expression" else self.eval(named_children(target)[-1])
            opmap = {"+=": "+", "-=": "-", "*=": "*", "/=": "/", "%=": "%"}
            if op not in opmap:
                raise self.refuse(node, "the assignment operator %s" % op)
            value = self.arith(opmap[op], current, value, node)
        self.store(target, value, node)
        return value

    def store(self, target: Node, value: Any, node: Node) -> None:
        while (target.type in WRAPPERS or target.type == "expression_with_unary_operator" and
               target.children[0].is_named) and len(named_children(target)) == 1:
            target = named_children(target)[0]
        t = target.type
        if t in ("variable", "braced_variable"):
            self.write_variable(target, value)
        elif t == "cast_expression":
            type_ref = self.type_ref(self._first(target, "type_literal"))
            inner = named_children(target)[-1]
            self.store(inner, self.do_cast(value, type_ref, target), node)
        elif t == "member_access" and named_children(target)[0].type == "type_literal":
            type_ref = self.type_ref(named_children(target)[0])
            if type_ref.key == "console" and self.member_name(target).lower() == "outputencoding" \
                    and isinstance(value, Encoding):
                # powershell.exe writes stdout with Console.OutputEncoding from then on.
                self.codepage = {"utf-8": 65001, "utf-16-le": 1200, "ascii": 20127}.get(value.codec, 1252)
                return
            raise self.refuse(target, "assigning to static members")
        elif t == "member_access":
            obj = self.eval(named_children(target)[0])
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
            obj = self.eval(named_children(target)[0])
            index = self.eval(named_children(target)[1])
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
