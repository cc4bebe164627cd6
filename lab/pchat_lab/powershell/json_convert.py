"""ConvertTo-Json / ConvertFrom-Json as Windows PowerShell 5.1 does them.

5.1 uses JavaScriptSerializer: dates become "\\/Date(ms)\\/", enums their numbers, and < > ' &
are escaped as \\u003c \\u003e \\u0027 \\u0026; non-ASCII text is kept as is. Objects nested deeper
than -Depth become their ToString(). Pretty printing uses 5.1's own layout: four-space steps,
``"key":  value`` with two spaces, nested containers indented under the column their value starts.
"""
from __future__ import annotations

import datetime as _dt
import json
import math
import re
from typing import Any

from .api import PSEnum, PSError, PSObject, ScriptBlock
from .values import ErrorRecord, PSDateTime, format_double, to_string, type_name

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


def _dotnet_tostring(value: Any) -> str:
    """Object.ToString() of what got too deep (not PowerShell's string conversion)."""
    if isinstance(value, (list, tuple)):
        return "System.Object[]"
    if isinstance(value, (bytes, bytearray)):
        return "System.Byte[]"
    if isinstance(value, dict):
        return type_name(value)
    if isinstance(value, _dt.datetime):
        from .dotnet_format import format_datetime
        return format_datetime(value, "G")
    return to_string(value)


def _date_ms(value: _dt.datetime) -> int:
    aware = value if value.tzinfo is not None else value.astimezone()
    return int((aware - _EPOCH).total_seconds() * 1000)


def _scalar_tree(value: Any) -> Any:
    """A value that never nests: its JSON form (dates tagged for the \\/Date()\\/ form)."""
    if isinstance(value, PSEnum):
        return value.value
    if isinstance(value, _dt.datetime):
        return _DateMarker(_date_ms(value))
    if isinstance(value, (ScriptBlock, ErrorRecord, _dt.timedelta)):
        return to_string(value)
    return value


class _DateMarker:
    def __init__(self, ms: int):
        self.ms = ms


def _escape(text: str) -> str:
    out = ['"']
    for ch in text:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\f":
            out.append("\\f")
        elif o < 0x20 or ch in "<>'&":
            out.append("\\u%04x" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, _DateMarker):
        return '"\\/Date(%d)\\/"' % value.ms
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return '"%s"' % format_double(value)
        if value == int(value) and abs(value) < 1e15:
            return str(int(value))
        text = repr(value)
        if "e" in text:
            mant, exp = text.split("e")
            text = "%sE%s%s" % (mant, exp[0] if exp[0] in "+-" else "+", exp.lstrip("+-"))
        return text
    return _escape(value)


class _Obj(list):
    """Ordered members of a JSON object (a list of (key, value) pairs)."""


def _compact(node: Any) -> str:
    if isinstance(node, _Obj):
        return "{" + ",".join("%s:%s" % (_escape(k), _compact(v)) for k, v in node) + "}"
    if isinstance(node, list):
        return "[" + ",".join(_compact(v) for v in node) + "]"
    return _scalar(node)


def _pretty(node: Any, col: int) -> str:
    if isinstance(node, _Obj):
        if not node:
            return "{\r\n\r\n" + " " * col + "}"
        parts = []
        for key, value in node:
            prefix = " " * (col + 4) + _escape(key) + ":  "
            parts.append(prefix + _pretty(value, len(prefix)))
        return "{\r\n" + ",\r\n".join(parts) + "\r\n" + " " * col + "}"
    if isinstance(node, list):
        if not node:
            return "[\r\n\r\n" + " " * col + "]"
        parts = [" " * (col + 4) + _pretty(v, col + 4) for v in node]
        return "[\r\n" + ",\r\n".join(parts) + "\r\n" + " " * col + "]"
    return _scalar(node)


def _build(value: Any, depth: int, max_depth: int) -> Any:
    if isinstance(value, PSDateTime):
        from .dotnet_format import format_datetime
        return _Obj([("value", _DateMarker(_date_ms(value))), ("DisplayHint", value.display_hint),
                     ("DateTime", format_datetime(value, "dddd, MMMM d, yyyy h:mm:ss tt"))])
    if value is None or isinstance(value, (bool, str, int, float, PSEnum, _dt.datetime, ScriptBlock,
                                           ErrorRecord, _dt.timedelta)):
        return _scalar_tree(value)
    if depth > max_depth:
        return _dotnet_tostring(value)
    if isinstance(value, (list, tuple, bytes, bytearray)):
        return [_build(v, depth + 1, max_depth) for v in list(value)]
    if isinstance(value, dict):
        return _Obj((to_string(k), _build(v, depth + 1, max_depth)) for k, v in value.items())
    if isinstance(value, PSObject):
        return _Obj((k, _build(v, depth + 1, max_depth)) for k, v in value.items())
    return to_string(value)


def convert_to_json(value: Any, depth: int = 2, compress: bool = False) -> str:
    tree = _build(value, 0, depth)
    return _compact(tree) if compress else _pretty(tree, 0)


# --- ConvertFrom-Json --------------------------------------------------------------------------

_DATE_RE = re.compile(r"^/Date\((-?\d+)\)/$")


def _from_tree(node: Any) -> Any:
    if isinstance(node, dict):
        obj = PSObject()
        for key, value in node.items():
            obj[key] = _from_tree(value)
        return obj
    if isinstance(node, list):
        return [_from_tree(v) for v in node]
    if isinstance(node, str):
        m = _DATE_RE.match(node)
        if m:
            return (_EPOCH + _dt.timedelta(milliseconds=int(m.group(1)))).replace(tzinfo=_dt.timezone.utc)
        return node
    return node


def convert_from_json(text: str) -> Any:
    try:
        tree = json.loads(text, object_pairs_hook=dict)
    except json.JSONDecodeError as exc:
        token = text[exc.pos:exc.pos + 20].split()[0] if text[exc.pos:].strip() else ""
        message = "Invalid JSON primitive: %s." % token if token else "Invalid object passed in, ':' or '}' expected."
        raise PSError(message, "System.ArgumentException,Microsoft.PowerShell.Commands.ConvertFromJsonCommand",
                      "NotSpecified", exception_type="System.ArgumentException") from None
    return _from_tree(tree)
