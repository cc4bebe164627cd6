"""PowerShell's value model in Python: conversions, truthiness, comparison and type names.

Python types stand for .NET ones: None=$null, bool, int (Int32/Int64), float (Double), str,
list (Object[]), PSHashtable (Hashtable / [ordered]), PSObject, PSEnum, datetime (naive = Local
kind, aware = Utc kind), timedelta (TimeSpan), bytes (Byte[]), ScriptBlock, ErrorRecord.
Conversion follows PowerShell's rule that the left operand's type decides.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Any

from .api import PSEnum, PSError, PSObject, ScriptBlock

INT32_MIN, INT32_MAX = -2**31, 2**31 - 1
INT64_MIN, INT64_MAX = -2**63, 2**63 - 1


class PSHashtable(dict):
    """A case-insensitive hashtable that keeps insertion order (PowerShell's @{} does not promise
    an order, [ordered]@{} does; keeping it makes output deterministic)."""

    def __init__(self, items=None, ordered: bool = False):
        super().__init__()
        self._keys: dict = {}
        self.ordered = ordered
        for key, value in (items or {}).items() if isinstance(items, dict) else (items or []):
            self[key] = value

    @staticmethod
    def _fold(key):
        return key.lower() if isinstance(key, str) else key

    def __setitem__(self, key, value):
        folded = self._fold(key)
        if folded in self._keys:
            key = self._keys[folded]
        else:
            self._keys[folded] = key
        super().__setitem__(key, value)

    def __getitem__(self, key):
        return super().__getitem__(self._keys[self._fold(key)])

    def __contains__(self, key):
        return self._fold(key) in self._keys

    def __delitem__(self, key):
        real = self._keys.pop(self._fold(key))
        super().__delitem__(real)

    def get(self, key, default=None):
        folded = self._fold(key)
        return super().__getitem__(self._keys[folded]) if folded in self._keys else default

    def add(self, key, value):
        if key in self:
            raise PSError('Exception calling "Add" with "2" argument(s): "Item has already been added. '
                          "Key in dictionary: '%s'  Key being added: '%s'\"" % (key, key),
                          "ArgumentException", "NotSpecified",
                          exception_type="System.Management.Automation.MethodInvocationException")
        self[key] = value

    def remove(self, key):
        if key in self:
            del self[key]


class PSDateTime(_dt.datetime):
    """A DateTime as Get-Date writes it: with the DisplayHint note property 5.1's ConvertTo-Json shows."""
    display_hint = 2

    @classmethod
    def of(cls, d: _dt.datetime) -> "PSDateTime":
        return cls(d.year, d.month, d.day, d.hour, d.minute, d.second, d.microsecond, d.tzinfo)


class PSArrayList(list):
    """System.Collections.ArrayList: a list that grows in place (.Add returns the new index)."""


class ErrorRecord:
    """What ``$_`` is inside ``catch``: wraps a PSError with PowerShell's member names."""

    def __init__(self, error: PSError):
        self.error = error

    @property
    def message(self) -> str:
        return self.error.message

    def __str__(self) -> str:
        return self.error.message


def type_name(value: Any, full: bool = True) -> str:
    """The .NET type name PowerShell reports for a value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        name = "System.Boolean"
    elif isinstance(value, int):
        name = "System.Int32" if INT32_MIN <= value <= INT32_MAX else (
            "System.Int64" if INT64_MIN <= value <= INT64_MAX else "System.Double")
    elif isinstance(value, float):
        name = "System.Double"
    elif isinstance(value, str):
        name = "System.String"
    elif isinstance(value, (bytes, bytearray)):
        name = "System.Byte[]"
    elif isinstance(value, PSArrayList):
        name = "System.Collections.ArrayList"
    elif isinstance(value, list):
        name = "System.Object[]"
    elif isinstance(value, PSHashtable):
        name = "System.Collections.Specialized.OrderedDictionary" if value.ordered else "System.Collections.Hashtable"
    elif isinstance(value, dict):
        name = "System.Collections.Hashtable"
    elif isinstance(value, PSObject):
        name = value.type_names[0] if value.type_names else "System.Management.Automation.PSCustomObject"
    elif isinstance(value, PSEnum):
        name = value.type_name
    elif isinstance(value, _dt.datetime):
        name = "System.DateTime"
    elif isinstance(value, _dt.timedelta):
        name = "System.TimeSpan"
    elif isinstance(value, ScriptBlock):
        name = "System.Management.Automation.ScriptBlock"
    elif isinstance(value, ErrorRecord):
        name = "System.Management.Automation.ErrorRecord"
    else:
        name = "System.Object"
    return name if full else name.rsplit(".", 1)[-1]


def is_enumerable(value: Any) -> bool:
    """Whether the pipeline unrolls this value (arrays and lists do; strings and hashtables do not)."""
    return isinstance(value, (list, tuple, bytes, bytearray))


def as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, (bytes, bytearray)):
        return list(value)
    return [value]


def format_double(value: float) -> str:
    """Double.ToString() of .NET Framework: 15 significant digits, 'E+XX' exponents."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = "%.15G" % value
    if "E" in text:
        mant, exp = text.split("E")
        if "." in mant:
            mant = mant.rstrip("0").rstrip(".")
        sign = exp[0]
        digits = exp[1:].lstrip("0").rjust(2, "0")
        return "%sE%s%s" % (mant, sign, digits)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_timespan(value: _dt.timedelta) -> str:
    total = value.total_seconds()
    sign = "-" if total < 0 else ""
    total = abs(value)
    days = total.days
    secs = total.seconds
    text = "%02d:%02d:%02d" % (secs // 3600, secs % 3600 // 60, secs % 60)
    if days:
        text = "%d.%s" % (days, text)
    if total.microseconds:
        text += ".%07d" % (total.microseconds * 10)
    return sign + text


def to_string(value: Any, ofs: str = " ") -> str:
    """PowerShell's string conversion (casts, interpolation, string-left operators)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_double(value)
    if isinstance(value, (list, tuple, bytes, bytearray)):
        return ofs.join(to_string(v, ofs) for v in as_list(value))
    if isinstance(value, PSEnum):
        return value.name
    if isinstance(value, _dt.datetime):
        # Invariant culture, as casts and interpolation use.
        return value.strftime("%m/%d/%Y %H:%M:%S")
    if isinstance(value, _dt.timedelta):
        return format_timespan(value)
    if isinstance(value, PSObject):
        custom = getattr(value, "string_value", None)
        if custom is not None:
            return str(custom)
        if value.type_names and value.type_names[0] != "System.Management.Automation.PSCustomObject":
            return value.type_names[0]
        return "@{" + "; ".join("%s=%s" % (k, to_string(v)) for k, v in value.items()) + "}"
    if isinstance(value, PSHashtable):
        return type_name(value)
    if isinstance(value, dict):
        return "System.Collections.Hashtable"
    if isinstance(value, ScriptBlock):
        return value.text
    if isinstance(value, ErrorRecord):
        return value.message
    return str(value)


def to_bool(value: Any) -> bool:
    """PowerShell truthiness."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        return value != ""
    if isinstance(value, (list, tuple)):
        if len(value) == 0:
            return False
        if len(value) == 1:
            return to_bool(value[0])
        return True
    if isinstance(value, PSEnum):
        return value.value != 0
    return True


class ConversionError(Exception):
    """A value could not be converted; ``inner`` is the .NET error text PowerShell quotes."""

    def __init__(self, value: Any, target: str, inner: str = ""):
        self.value = value
        self.target = target
        self.inner = inner
        text = 'Cannot convert value "%s" to type "%s".' % (to_string(value), target)
        if inner:
            text += ' Error: "%s"' % inner
        super().__init__(text)


_INT_RE = re.compile(r"^\s*([+-]?)(0x[0-9a-f]+|\d+)\s*$", re.I)
_NUM_RE = re.compile(r"^\s*[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)\s*$")


def parse_number(text: str) -> Any:
    """A string as PowerShell's arithmetic reads it (int if integral, else double); None if not a number."""
    m = _INT_RE.match(text)
    if m:
        digits = m.group(2)
        n = int(digits, 16) if digits.lower().startswith("0x") else int(digits)
        return -n if m.group(1) == "-" else n
    if _NUM_RE.match(text):
        return float(text)
    if text.strip() == "":
        return 0
    return None


def to_number(value: Any) -> Any:
    """Convert for arithmetic; raises ConversionError."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, PSEnum):
        return value.value
    if isinstance(value, str):
        n = parse_number(value)
        if n is None:
            raise ConversionError(value, "System.Int32", "Input string was not in a correct format.")
        return n
    if isinstance(value, list) and len(value) == 1:
        return to_number(value[0])
    raise ConversionError(value, "System.Int32")


# The .NET integer types a parameter may declare: (minimum, maximum, article in .NET's overflow message).
INTEGER_RANGES = {
    "System.Int16": (-32768, 32767, "an"), "System.UInt16": (0, 65535, "a"),
    "System.Int32": (INT32_MIN, INT32_MAX, "an"), "System.UInt32": (0, 4294967295, "a"),
    "System.Int64": (INT64_MIN, INT64_MAX, "an"), "System.UInt64": (0, 18446744073709551615, "a"),
}


def to_int(value: Any, target: str = "System.Int32") -> int:
    """``value`` as the .NET integer type ``target``, with .NET's errors (OverflowException's wording
    "Value was either too large or too small for a UInt32.")."""
    lo, hi, article = INTEGER_RANGES[target]
    overflow = "Value was either too large or too small for %s %s." % (article, target.split(".")[-1])
    if isinstance(value, str):
        n = parse_number(value)
        if n is None:
            raise ConversionError(value, target, "Input string was not in a correct format.")
    elif isinstance(value, (list, tuple)) and len(value) != 1:
        raise ConversionError(value, target)
    else:
        try:
            n = to_number(value[0] if isinstance(value, (list, tuple)) else value)
        except ConversionError:
            raise ConversionError(value, target) from None
    if isinstance(n, float):
        if math.isnan(n) or math.isinf(n):
            raise ConversionError(value, target, overflow)
        n = _round_half_even(n)
    if not lo <= n <= hi:
        raise ConversionError(value, target, overflow)
    return int(n)


def _round_half_even(x: float) -> int:
    return int(round(x))  # Python rounds half to even, like .NET's Convert.ToInt32


def to_double(value: Any) -> float:
    if isinstance(value, str):
        n = parse_number(value)
        if n is None:
            raise ConversionError(value, "System.Double", "Input string was not in a correct format.")
        return float(n)
    try:
        return float(to_number(value))
    except ConversionError:
        raise ConversionError(value, "System.Double") from None


_DATE_FORMATS = ("%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M",
                 "%Y-%m-%d %H:%M", "%Y-%m-%d", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p",
                 "%m/%d/%Y %H:%M", "%m/%d/%Y", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d")


def to_datetime(value: Any) -> _dt.datetime:
    if isinstance(value, _dt.datetime):
        return value
    if isinstance(value, str):
        text = value.strip()
        utc = False
        if text.endswith("Z"):
            text, utc = text[:-1], True
        m = re.match(r"^(.*T\d\d:\d\d:\d\d)(\.\d+)?([+-]\d\d:\d\d)$", text)
        offset = None
        if m:
            text = m.group(1) + (m.group(2) or "")
            offset = m.group(3)
        frac = re.match(r"^(.*\.)(\d+)$", text)
        if frac and len(frac.group(2)) > 6:
            text = frac.group(1) + frac.group(2)[:6]
        for fmt in _DATE_FORMATS:
            try:
                parsed = _dt.datetime.strptime(text, fmt)
            except ValueError:
                continue
            if utc:
                return parsed.replace(tzinfo=_dt.timezone.utc)
            if offset:
                sign = 1 if offset[0] == "+" else -1
                delta = _dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])) * sign
                # .NET converts an offset timestamp to local time; the lab's local time is UTC-less naive.
                return (parsed - delta).replace(tzinfo=_dt.timezone.utc).astimezone().replace(tzinfo=None)
            return parsed
        raise ConversionError(value, "System.DateTime",
                              "String was not recognized as a valid DateTime.")
    raise ConversionError(value, "System.DateTime")


def to_timespan(value: Any) -> _dt.timedelta:
    if isinstance(value, _dt.timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return _dt.timedelta(microseconds=value / 10)
    if isinstance(value, str):
        m = re.match(r"^\s*(-)?(?:(\d+)\.)?(\d+):(\d+)(?::(\d+)(?:\.(\d+))?)?\s*$", value)
        if m:
            days, h, mi, s = int(m.group(2) or 0), int(m.group(3)), int(m.group(4)), int(m.group(5) or 0)
            frac = float("0." + m.group(6)) if m.group(6) else 0.0
            td = _dt.timedelta(days=days, hours=h, minutes=mi, seconds=s + frac)
            return -td if m.group(1) else td
    raise ConversionError(value, "System.TimeSpan", "String was not recognized as a valid TimeSpan." if isinstance(value, str) else "")


def to_bytes(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    items = as_list(value)
    try:
        return bytes(to_int(v) for v in items)
    except (ConversionError, ValueError):
        raise ConversionError(value, "System.Byte[]") from None


def ps_equal(left: Any, right: Any, case_sensitive: bool = False) -> bool:
    """-eq for a scalar left operand: the right operand is converted to the left one's type."""
    if left is None:
        return right is None
    if right is None:
        return False
    if isinstance(left, PSEnum):
        if isinstance(right, PSEnum):
            return left == right
        if isinstance(right, str):
            return left.name.lower() == right.lower() if not case_sensitive else left.name == right
        try:
            return left.value == to_number(right)
        except ConversionError:
            return False
    if isinstance(left, str):
        r = to_string(right)
        return left == r if case_sensitive else left.lower() == r.lower()
    if isinstance(left, bool):
        return left == to_bool(right)
    if isinstance(left, (int, float)):
        if isinstance(right, str):
            n = parse_number(right)
            return n is not None and right.strip() != "" and left == n
        try:
            return left == to_number(right)
        except ConversionError:
            return False
    if isinstance(left, _dt.datetime):
        try:
            return _naive(left) == _naive(to_datetime(right))
        except ConversionError:
            return False
    if isinstance(left, _dt.timedelta):
        return isinstance(right, _dt.timedelta) and left == right
    return left is right or left == right


def _naive(d: _dt.datetime) -> _dt.datetime:
    return d.replace(tzinfo=None)


def ps_compare(left: Any, right: Any, case_sensitive: bool = False) -> int:
    """Ordering for -lt/-gt and Sort-Object; raises ConversionError when PowerShell could not compare."""
    if left is None and right is None:
        return 0
    if left is None:
        return -1
    if right is None:
        return 1
    if isinstance(left, PSEnum):
        left = left.value
        if isinstance(right, PSEnum):
            right = right.value
    if isinstance(left, str):
        r = to_string(right)
        a, b = (left, r) if case_sensitive else (left.lower(), r.lower())
        return (a > b) - (a < b)
    if isinstance(left, bool):
        a, b = int(left), int(to_bool(right))
        return (a > b) - (a < b)
    if isinstance(left, (int, float)):
        b = to_number(right)
        return (left > b) - (left < b)
    if isinstance(left, _dt.datetime):
        a, b = _naive(left), _naive(to_datetime(right))
        return (a > b) - (a < b)
    if isinstance(left, _dt.timedelta):
        b = to_timespan(right)
        return (left > b) - (left < b)
    a, b = to_string(left), to_string(right)
    a, b = (a, b) if case_sensitive else (a.lower(), b.lower())
    return (a > b) - (a < b)


def wildcard_to_regex(pattern: str) -> str:
    """PowerShell's WildcardPattern as a regular expression: ``*``, ``?``, ``[a-z]``, backtick escapes."""
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "`" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j == -1:
                out.append(re.escape(c))
            else:
                out.append("[" + pattern[i + 1:j].replace("\\", "\\\\") + "]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return "^" + "".join(out) + "$"


def wildcard_match(pattern: str, text: str, case_sensitive: bool = False) -> bool:
    return re.match(wildcard_to_regex(pattern), text, 0 if case_sensitive else re.I | re.S) is not None


def dotnet_regex(pattern: str) -> str:
    """Translate the .NET regex syntax Python spells differently (named groups)."""
    pattern = re.sub(r"\(\?<([A-Za-z_]\w*)>", r"(?P<\1>", pattern)
    pattern = re.sub(r"\\k<([A-Za-z_]\w*)>", r"(?P=\1)", pattern)
    return pattern


def dotnet_replacement(repl: str) -> str:
    """A .NET replacement string ($1, ${name}, $$, $0) as a Python re.sub template."""
    out = []
    i = 0
    while i < len(repl):
        c = repl[i]
        if c == "\\":
            out.append("\\\\")
        elif c == "$" and i + 1 < len(repl):
            n = repl[i + 1]
            if n == "$":
                out.append("$")
                i += 1
            elif n.isdigit():
                j = i + 1
                while j < len(repl) and repl[j].isdigit():
                    j += 1
                out.append("\\g<%s>" % repl[i + 1:j])
                i = j - 1
            elif n == "{":
                j = repl.find("}", i)
                if j == -1:
                    out.append("$")
                else:
                    out.append("\\g<%s>" % repl[i + 2:j])
                    i = j
            else:
                out.append("$")
        else:
            out.append(c)
        i += 1
    return "".join(out)
