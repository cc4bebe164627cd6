"""Members: .Property, [Type]::Static, .Method(...), [Type]::Method(...) and $x[index], read through
the .NET model in ``powershell/members.py``."""
from __future__ import annotations

from typing import Any, Optional

from tree_sitter import Node

from .. import api
from ..api import PSError, PSObject
from ..errors import runtime_error
from ..members import (Encoding, NotImplementedMember, call_method, encoding_method, get_property, static_method,
                       static_property)
from ..values import ConversionError, to_number, to_string
from .pipelines import collapse
from .syntax import named_children


class MemberAccess:
    """Evaluates member access, method calls and indexing."""

    def member_name(self, node: Node) -> str:
        member = self._first(node, "member_name")
        if member is None:
            raise self.refuse(node)
        inner = named_children(member)
        if inner and inner[0].type != "simple_name":
            return to_string(self.eval(inner[0]))
        return self.text(member)

    def eval_member_access(self, node: Node) -> Any:
        obj_node = named_children(node)[0]
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
        if value is None and self.strict >= 2 and not has_member(obj, name):
            raise self.expression_error(runtime_error(
                "The property '%s' cannot be found on this object. Verify that the property exists." % name,
                "PropertyNotFoundStrict", "NotSpecified", reason="System.Management.Automation.PropertyNotFoundException"),
                node)
        return value

    def eval_element_access(self, node: Node) -> Any:
        parts = named_children(node)
        obj = self.eval(parts[0])
        index = self.eval(parts[1])
        if obj is None:
            raise self.expression_error(runtime_error("Cannot index into a null array.", "NullArray"), node)
        if isinstance(index, list):
            return [index_into(obj, i) for i in index]
        return index_into(obj, index)

    def eval_invokation_expression(self, node: Node) -> Any:
        parts = named_children(node)
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
            return call_method(obj, name, args, lambda b, u, a: collapse(self.invoke_block(b, u, a, False)))
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
        return [self.eval(c) for c in named_children(exprs)]


def has_member(obj: Any, name: str) -> bool:
    if isinstance(obj, (PSObject, dict)):
        return name in obj
    if isinstance(obj, list):
        return name.lower() in ("count", "length") or any(has_member(v, name) for v in obj)
    return obj is not None and name.lower() in ("count", "length")


def index_into(obj: Any, index: Any) -> Any:
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
