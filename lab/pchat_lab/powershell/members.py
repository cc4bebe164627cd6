"""Members of values: properties, instance methods, static members of types, and casts.

Only what is listed here exists; anything else raises ``NotImplementedMember`` and the interpreter
refuses it with its position, rather than guessing what .NET would do.
"""
from __future__ import annotations

import base64
import binascii
import datetime as _dt
import math
import uuid
from typing import Any, Callable

from .api import PSEnum, PSError, PSObject, ScriptBlock
from .created_scripts import create as create_script_block
from .dotnet_format import composite_format, format_datetime, format_item
from .errors import runtime_error
from .values import (ConversionError, ErrorRecord, PSArrayList, PSHashtable, as_list, to_bool, to_bytes, to_datetime,
                     to_double, to_int, to_number, to_string, to_timespan, type_name)


class NotImplementedMember(Exception):
    """The lab does not implement this member (the interpreter turns it into a refusal)."""


class TypeRef:
    """A type literal as a value: ``[string]``, ``[datetime]``."""

    def __init__(self, name: str):
        self.name = name
        self.key = normalize_type(name)

    def __str__(self) -> str:
        return FULL_NAMES.get(self.key, self.name)


def normalize_type(name: str) -> str:
    key = name.strip().lower().replace(" ", "")
    if key.startswith("system."):
        key = key[7:]
    return TYPE_ALIASES.get(key, key)


TYPE_ALIASES = {
    "int32": "int", "int64": "long", "boolean": "bool", "single": "double", "float": "double",
    "collections.hashtable": "hashtable", "management.automation.pscustomobject": "pscustomobject",
    "management.automation.psobject": "psobject", "object[]": "array", "timespan": "timespan",
    "collections.specialized.ordereddictionary": "ordered", "management.automation.scriptblock": "scriptblock",
    "management.automation.switchparameter": "switch", "encoding": "text.encoding",
    "dns": "net.dns", "path": "io.path", "collections.arraylist": "arraylist", "uint32": "long", "int16": "int", "byte": "int",
}

FULL_NAMES = {
    "string": "System.String", "int": "System.Int32", "long": "System.Int64", "bool": "System.Boolean",
    "double": "System.Double", "datetime": "System.DateTime", "array": "System.Object[]",
    "hashtable": "System.Collections.Hashtable", "timespan": "System.TimeSpan", "guid": "System.Guid",
    "string[]": "System.String[]", "int[]": "System.Int32[]", "byte[]": "System.Byte[]",
    "scriptblock": "System.Management.Automation.ScriptBlock", "object": "System.Object",
    "psobject": "System.Management.Automation.PSObject", "decimal": "System.Decimal",
    "pscustomobject": "System.Management.Automation.PSCustomObject", "char": "System.Char",
}


def cast_error(value: Any, target: str, inner: str = "") -> PSError:
    text = 'Cannot convert value "%s" to type "%s".' % (to_string(value), target)
    if inner:
        text += ' Error: "%s"' % inner
    error_id = ("InvalidCastFromStringToInteger" if isinstance(value, str) and target in
                ("System.Int32", "System.Int64") else
                "InvalidCastParseTargetInvocation" if isinstance(value, str) else "ConvertToFinalInvalidCastException")
    return runtime_error(text, error_id, "InvalidArgument")


def cast(value: Any, type_ref: TypeRef) -> Any:
    key = type_ref.key
    target = FULL_NAMES.get(key, type_ref.name)
    try:
        if key == "string":
            return to_string(value)
        if key in ("int", "long"):
            return to_int(value, "System.Int32" if key == "int" else "System.Int64")
        if key in ("double", "decimal"):
            return to_double(value)
        if key in ("bool", "switch"):
            return to_bool(value)
        if key == "datetime":
            return to_datetime(value[0] if isinstance(value, list) and len(value) == 1 else value)
        if key == "timespan":
            return to_timespan(value)
        if key in ("array", "object[]"):
            return None if value is None else as_list(value)
        if key == "string[]":
            return None if value is None else [to_string(v) for v in as_list(value)]
        if key == "int[]":
            return None if value is None else [to_int(v) for v in as_list(value)]
        if key == "byte[]":
            return to_bytes(value)
        if key in ("object", "psobject"):
            return value
        if key == "arraylist":
            return PSArrayList([] if value is None else as_list(value))
        if key == "pscustomobject":
            if isinstance(value, dict):
                return PSObject({to_string(k): v for k, v in value.items()})
            return value
        if key == "hashtable":
            if isinstance(value, dict):
                return value if isinstance(value, PSHashtable) else PSHashtable(value)
            if value is None:
                return None
            raise PSError('Cannot convert the "%s" value of type "%s" to type "System.Collections.Hashtable".'
                          % (to_string(value), type_name(value)), "ConvertToFinalInvalidCastException",
                          "InvalidArgument", exception_type="System.Management.Automation.RuntimeException")
        if key == "guid":
            try:
                return str(uuid.UUID(to_string(value)))
            except ValueError:
                raise ConversionError(value, "System.Guid", "Guid should contain 32 digits with 4 dashes "
                                                            "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).") from None
        if key == "char":
            text = to_string(value)
            if isinstance(value, int) and not isinstance(value, bool):
                return chr(value)
            if len(text) != 1:
                raise ConversionError(value, "System.Char", "String must be exactly one character long.")
            return text
        if key == "void":
            return None
        if key == "scriptblock":
            if isinstance(value, ScriptBlock):
                return value
            raise ConversionError(value, target)
    except ConversionError as exc:
        raise cast_error(value, exc.target if exc.target else target, exc.inner) from None
    raise NotImplementedMember("the type [%s]" % type_ref.name)


def is_instance(value: Any, type_ref: TypeRef) -> bool:
    key = type_ref.key
    checks: dict = {
        "string": lambda v: isinstance(v, str), "int": lambda v: isinstance(v, int) and not isinstance(v, bool)
        and type_name(v) == "System.Int32", "long": lambda v: isinstance(v, int) and not isinstance(v, bool)
        and type_name(v) == "System.Int64", "double": lambda v: isinstance(v, float),
        "bool": lambda v: isinstance(v, bool), "datetime": lambda v: isinstance(v, _dt.datetime),
        "timespan": lambda v: isinstance(v, _dt.timedelta), "array": lambda v: isinstance(v, list),
        "object[]": lambda v: isinstance(v, list), "hashtable": lambda v: isinstance(v, PSHashtable) and not v.ordered,
        "ordered": lambda v: isinstance(v, PSHashtable) and v.ordered,
        "pscustomobject": lambda v: isinstance(v, PSObject), "psobject": lambda v: v is not None,
        "object": lambda v: v is not None, "scriptblock": lambda v: isinstance(v, ScriptBlock),
        "management.automation.errorrecord": lambda v: isinstance(v, ErrorRecord),
        "arraylist": lambda v: isinstance(v, PSArrayList),
        "byte[]": lambda v: isinstance(v, (bytes, bytearray)), "valuetype": lambda v: isinstance(
            v, (int, float, bool, _dt.datetime, _dt.timedelta, PSEnum)),
        "collections.ienumerable": lambda v: isinstance(v, (list, dict, str)),
    }
    if key in checks:
        return bool(checks[key](value))
    if isinstance(value, PSObject):
        return any(normalize_type(t) == key for t in value.type_names)
    if isinstance(value, PSEnum):
        return normalize_type(value.type_name) == key
    raise NotImplementedMember("the type [%s] in -is/-as" % type_ref.name)


# --- properties ---------------------------------------------------------------------------------

def _exception_object(error: PSError) -> PSObject:
    exc = PSObject({"Message": error.message}, type_names=(error.exception_type, "System.Exception"))
    exc.string_value = error.message
    inner = getattr(error, "inner", None)
    exc["InnerException"] = _exception_object(inner) if isinstance(inner, PSError) else None
    return exc


def _error_record_property(rec: ErrorRecord, name: str) -> Any:
    err = rec.error
    low = name.lower()
    if low == "exception":
        return _exception_object(err)
    if low == "fullyqualifiederrorid":
        return err.error_id
    if low == "categoryinfo":
        info = PSObject({"Category": err.category, "Activity": err.command_name or "",
                         "Reason": (err.exception_type or "").rsplit(".", 1)[-1],
                         "TargetName": "" if err.target is None else to_string(err.target),
                         "TargetType": "" if err.target is None else type_name(err.target, full=False)},
                        type_names=("System.Management.Automation.ErrorCategoryInfo",))
        info.string_value = "%s: (%s:%s) [%s], %s" % (info["Category"], info["TargetName"], info["TargetType"],
                                                     info["Activity"], info["Reason"])
        return info
    if low == "targetobject":
        return err.target
    if low == "invocationinfo":
        pos = err.position
        return PSObject({"MyCommand": err.command_name or None,
                         "ScriptLineNumber": pos[0] if pos else 0, "OffsetInLine": pos[1] if pos else 0,
                         "Line": pos[2] if pos else ""},
                        type_names=("System.Management.Automation.InvocationInfo",))
    if low == "errordetails":
        return None
    if low == "scriptstacktrace":
        return "at <ScriptBlock>, <No file>: line %d" % (err.position[0] if err.position else 1)
    raise NotImplementedMember("the ErrorRecord property '%s'" % name)


_DATE_PROPS: dict = {
    "year": lambda d: d.year, "month": lambda d: d.month, "day": lambda d: d.day, "hour": lambda d: d.hour,
    "minute": lambda d: d.minute, "second": lambda d: d.second, "millisecond": lambda d: d.microsecond // 1000,
    "dayofweek": lambda d: PSEnum("System.DayOfWeek", d.strftime("%A"), (d.weekday() + 1) % 7),
    "dayofyear": lambda d: d.timetuple().tm_yday, "date": lambda d: d.replace(hour=0, minute=0, second=0, microsecond=0),
    "ticks": lambda d: int(((d.replace(tzinfo=None) - _dt.datetime(1, 1, 1)).total_seconds()) * 10**7),
    "kind": lambda d: PSEnum("System.DateTimeKind", "Utc" if d.tzinfo else "Local", 1 if d.tzinfo else 2),
    "timeofday": lambda d: _dt.timedelta(hours=d.hour, minutes=d.minute, seconds=d.second, microseconds=d.microsecond),
}

_SPAN_PROPS: dict = {
    "days": lambda t: int(t.total_seconds() / 86400), "hours": lambda t: int(t.total_seconds() / 3600) % 24,
    "minutes": lambda t: int(t.total_seconds() / 60) % 60, "seconds": lambda t: int(t.total_seconds()) % 60,
    "milliseconds": lambda t: int(t.total_seconds() * 1000) % 1000, "totaldays": lambda t: t.total_seconds() / 86400,
    "totalhours": lambda t: t.total_seconds() / 3600, "totalminutes": lambda t: t.total_seconds() / 60,
    "totalseconds": lambda t: t.total_seconds(), "totalmilliseconds": lambda t: t.total_seconds() * 1000,
    "ticks": lambda t: int(t.total_seconds() * 10**7),
}


def get_property(value: Any, name: str) -> Any:
    """``$value.Name``. Missing properties are $null, as PowerShell without strict mode."""
    low = name.lower()
    if value is None:
        return None
    if isinstance(value, PSObject):
        if name in value:
            return value.get(name)
        if low in ("count", "length"):
            return 1
        return None
    if isinstance(value, dict):
        if name in value:
            return value[name]
        if low == "count":
            return len(value)
        if low == "keys":
            return list(value.keys())
        if low == "values":
            return list(value.values())
        return None
    if isinstance(value, (list, tuple, bytes, bytearray)):
        if low in ("count", "length"):
            return len(value)
        if low == "rank":
            return 1
        # Member enumeration: the property of every element that has it.
        found = []
        for item in list(value):
            got = get_property(item, name)
            if got is not None:
                found.extend(got if isinstance(got, list) else [got])
        return found[0] if len(found) == 1 else (found or None)
    if isinstance(value, str):
        if low == "length":
            return len(value)
        if low == "count":
            return 1
        return None
    if isinstance(value, _dt.datetime):
        if low in _DATE_PROPS:
            return _DATE_PROPS[low](value)
    if isinstance(value, _dt.timedelta):
        if low in _SPAN_PROPS:
            return _SPAN_PROPS[low](value)
    if isinstance(value, ErrorRecord):
        return _error_record_property(value, name)
    if isinstance(value, PSEnum):
        if low == "value__":
            return value.value
    if isinstance(value, TypeRef):
        if low == "name":
            return str(value).rsplit(".", 1)[-1]
        if low == "fullname":
            return str(value)
    if low == "count":
        return 1
    if isinstance(value, (int, float, bool, PSEnum, _dt.datetime, _dt.timedelta, ScriptBlock)):
        raise NotImplementedMember("the property '%s' of %s" % (name, type_name(value)))
    return None


# --- methods ------------------------------------------------------------------------------------

def method_error(name: str, args: list, message: str, error_id: str) -> PSError:
    return PSError('Exception calling "%s" with "%d" argument(s): "%s"' % (name, len(args), message), error_id,
                   "NotSpecified", exception_type="System.Management.Automation.MethodInvocationException")


def _split_chars(text: str, seps: str) -> list:
    if not seps:
        return text.split()
    out, cur = [], []
    for ch in text:
        if ch in seps:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def _string_method(s: str, low: str, name: str, args: list) -> Any:
    a = args
    if low == "tostring":
        return s
    if low in ("tolower", "tolowerinvariant"):
        return s.lower()
    if low in ("toupper", "toupperinvariant"):
        return s.upper()
    if low == "trim":
        return s.strip(_chars(a)) if a else s.strip()
    if low == "trimstart":
        return s.lstrip(_chars(a)) if a else s.lstrip()
    if low == "trimend":
        return s.rstrip(_chars(a)) if a else s.rstrip()
    if low == "split":
        seps = "".join(to_string(x) for x in as_list(a[0])) if a else ""
        parts = _split_chars(s, seps)
        if len(a) > 1 and to_string(a[1]).lower() == "removeemptyentries":
            parts = [p for p in parts if p]
        return parts
    if low == "replace":
        if len(a) != 2:
            raise NotImplementedMember("String.Replace with %d arguments" % len(a))
        old = to_string(a[0])
        if old == "":
            raise method_error(name, a, "String cannot be of zero length.\r\nParameter name: oldValue",
                               "ArgumentException")
        return s.replace(old, to_string(a[1]))
    if low == "contains":
        return to_string(a[0]) in s
    if low == "startswith":
        return s.startswith(to_string(a[0]))
    if low == "endswith":
        return s.endswith(to_string(a[0]))
    if low == "indexof":
        return s.find(to_string(a[0]))
    if low == "lastindexof":
        return s.rfind(to_string(a[0]))
    if low == "substring":
        start = to_int(a[0])
        if start < 0 or start > len(s):
            raise method_error(name, a, "startIndex cannot be larger than length of string.\r\nParameter name: "
                                        "startIndex", "ArgumentOutOfRangeException")
        if len(a) > 1:
            length = to_int(a[1])
            if length < 0 or start + length > len(s):
                raise method_error(name, a, "Index and length must refer to a location within the string.\r\n"
                                            "Parameter name: length", "ArgumentOutOfRangeException")
            return s[start:start + length]
        return s[start:]
    if low == "padleft":
        return s.rjust(to_int(a[0]), to_string(a[1]) if len(a) > 1 else " ")
    if low == "padright":
        return s.ljust(to_int(a[0]), to_string(a[1]) if len(a) > 1 else " ")
    if low == "equals":
        return s == to_string(a[0])
    if low == "insert":
        i = to_int(a[0])
        return s[:i] + to_string(a[1]) + s[i:]
    if low == "remove":
        i = to_int(a[0])
        return s[:i] + (s[i + to_int(a[1]):] if len(a) > 1 else "")
    if low == "tochararray":
        return list(s)
    raise NotImplementedMember("the method String.%s()" % name)


def _chars(args: list) -> str:
    return "".join(to_string(x) for x in args for x in as_list(x))


def call_method(value: Any, name: str, args: list, invoke_block: Callable) -> Any:
    low = name.lower()
    if value is None:
        raise runtime_error("You cannot call a method on a null-valued expression.", "InvokeMethodOnNull")
    if low == "gettype" and not args:
        return TypeRef(type_name(value))
    if isinstance(value, str):
        return _string_method(value, low, name, args)
    if isinstance(value, ScriptBlock):
        if low in ("invoke", "invokereturnasis"):
            return invoke_block(value, None, args)
    if isinstance(value, PSObject):
        methods = getattr(value, "methods", None) or {}
        for key, func in methods.items():
            if key.lower() == low:
                return func(*args)
        if low == "tostring" and not args:
            return to_string(value)
        raise NotImplementedMember("the method %s() on %s" % (name, type_name(value)))
    if isinstance(value, dict):
        if low == "add" and len(args) == 2:
            if isinstance(value, PSHashtable):
                value.add(args[0], args[1])
            else:
                value[args[0]] = args[1]
            return None
        if low == "remove" and len(args) == 1:
            if args[0] in value:
                del value[args[0]]
            return None
        if low == "containskey" and len(args) == 1:
            return args[0] in value
        if low == "contains" and len(args) == 1:
            return args[0] in value
        if low == "containsvalue" and len(args) == 1:
            return any(v == args[0] for v in value.values())
        if low == "clear" and not args:
            value.clear()
            if isinstance(value, PSHashtable):
                value._keys.clear()
            return None
        if low == "getenumerator" and not args:
            return [PSObject({"Name": k, "Key": k, "Value": v},
                             type_names=("System.Collections.DictionaryEntry",)) for k, v in value.items()]
        if low == "clone" and not args:
            return PSHashtable(dict(value.items()), ordered=getattr(value, "ordered", False))
        raise NotImplementedMember("the method Hashtable.%s()" % name)
    if isinstance(value, PSArrayList):
        if low == "add" and len(args) == 1:
            value.append(args[0])
            return len(value) - 1
        if low == "addrange" and len(args) == 1:
            value.extend(as_list(args[0]))
            return None
        if low == "remove" and len(args) == 1:
            for i, v in enumerate(value):
                if v == args[0]:
                    del value[i]
                    break
            return None
        if low == "removeat" and len(args) == 1:
            del value[to_int(args[0])]
            return None
        if low == "insert" and len(args) == 2:
            value.insert(to_int(args[0]), args[1])
            return None
        if low == "clear" and not args:
            value.clear()
            return None
    if isinstance(value, list):
        if low == "add":
            raise method_error(name, args, "Collection was of a fixed size.", "NotSupportedException")
        if low == "contains" and len(args) == 1:
            return any(v == args[0] for v in value)
        if low == "indexof" and len(args) == 1:
            return next((i for i, v in enumerate(value) if v == args[0]), -1)
        if low == "tostring":
            return "System.Object[]"
        raise NotImplementedMember("the method Object[].%s()" % name)
    if isinstance(value, _dt.datetime):
        if low == "tostring":
            return format_datetime(value, to_string(args[0]) if args else "G")
        adders = {"adddays": "days", "addhours": "hours", "addminutes": "minutes", "addseconds": "seconds",
                  "addmilliseconds": "milliseconds"}
        if low in adders and len(args) == 1:
            return value + _dt.timedelta(**{adders[low]: to_double(args[0])})
        if low == "addyears" and len(args) == 1:
            return value.replace(year=value.year + to_int(args[0]))
        if low == "addmonths" and len(args) == 1:
            m = value.month - 1 + to_int(args[0])
            return value.replace(year=value.year + m // 12, month=m % 12 + 1)
        if low == "touniversaltime" and not args:
            if value.tzinfo:
                return value
            return value.astimezone(_dt.timezone.utc)
        if low == "tolocaltime" and not args:
            return value.astimezone().replace(tzinfo=None) if value.tzinfo else value
        if low == "subtract" and len(args) == 1:
            other = args[0]
            if isinstance(other, _dt.datetime):
                return value.replace(tzinfo=None) - other.replace(tzinfo=None)
            return value - to_timespan(other)
        raise NotImplementedMember("the method DateTime.%s()" % name)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if low == "tostring":
            return format_item(value, to_string(args[0])) if args else to_string(value)
        if low == "equals" and len(args) == 1:
            return value == to_number(args[0])
        raise NotImplementedMember("the method %s.%s()" % (type_name(value), name))
    if low == "tostring" and not args:
        return to_string(value)
    if isinstance(value, TypeRef) and low == "tostring":
        return str(value)
    if isinstance(value, Encoding):
        return encoding_method(value, name, args)
    raise NotImplementedMember("the method %s() on %s" % (name, type_name(value)))


# --- static members -----------------------------------------------------------------------------

_ENUMS = {
    "io.fileattributes": {"ReadOnly": 1, "Hidden": 2, "System": 4, "Directory": 16, "Archive": 32, "Device": 64,
                          "Normal": 128, "Temporary": 256, "SparseFile": 512, "ReparsePoint": 1024,
                          "Compressed": 2048, "Offline": 4096, "NotContentIndexed": 8192, "Encrypted": 16384},
    "serviceprocess.servicecontrollerstatus": {"Stopped": 1, "StartPending": 2, "StopPending": 3, "Running": 4,
                                               "ContinuePending": 5, "PausePending": 6, "Paused": 7},
    "management.automation.actionpreference": {"SilentlyContinue": 0, "Stop": 1, "Continue": 2, "Inquire": 3,
                                               "Ignore": 4, "Suspend": 5},
    "dayofweek": {"Sunday": 0, "Monday": 1, "Tuesday": 2, "Wednesday": 3, "Thursday": 4, "Friday": 5,
                  "Saturday": 6},
}
FULL_ENUM_NAMES = {"io.fileattributes": "System.IO.FileAttributes",
                   "serviceprocess.servicecontrollerstatus": "System.ServiceProcess.ServiceControllerStatus",
                   "management.automation.actionpreference": "System.Management.Automation.ActionPreference",
                   "dayofweek": "System.DayOfWeek"}


class Encoding:
    def __init__(self, name: str, codec: str):
        self.name = name
        self.codec = codec


_ENCODINGS = {"utf8": "utf-8", "unicode": "utf-16-le", "ascii": "ascii", "bigendianunicode": "utf-16-be",
              "utf32": "utf-32-le", "default": "cp1252"}


def static_property(type_ref: TypeRef, name: str, host: Any, now: Callable) -> Any:
    key, low = type_ref.key, name.lower()
    if key == "datetime":
        if low == "utcnow":
            return _utcnow(now)
        if low == "now":
            return now()
        if low == "today":
            return now().replace(hour=0, minute=0, second=0, microsecond=0)
        if low == "minvalue":
            return _dt.datetime(1, 1, 1)
        if low == "maxvalue":
            return _dt.datetime(9999, 12, 31, 23, 59, 59, 999999)
    if key == "text.encoding" and low in _ENCODINGS:
        return Encoding(name, _ENCODINGS[low])
    if key == "int" and low in ("maxvalue", "minvalue"):
        return 2**31 - 1 if low == "maxvalue" else -2**31
    if key == "long" and low in ("maxvalue", "minvalue"):
        return 2**63 - 1 if low == "maxvalue" else -2**63
    if key == "string" and low == "empty":
        return ""
    if key in _ENUMS:
        members = _ENUMS[key]
        for member, number in members.items():
            if member.lower() == low:
                return PSEnum(FULL_ENUM_NAMES[key], member, number)
    if key == "double":
        values = {"nan": math.nan, "positiveinfinity": math.inf, "negativeinfinity": -math.inf,
                  "maxvalue": 1.7976931348623157e308, "minvalue": -1.7976931348623157e308, "epsilon": 5e-324}
        if low in values:
            return values[low]
    if key == "environment":
        if low == "machinename":
            return getattr(host, "name", "")
        if low == "newline":
            return "\r\n"
    if key == "math" and low == "pi":
        return math.pi
    if key == "guid" and low == "empty":
        return "00000000-0000-0000-0000-000000000000"
    raise NotImplementedMember("the static member [%s]::%s" % (type_ref.name, name))


def _utcnow(now: Callable) -> _dt.datetime:
    local = now()
    if local.tzinfo is not None:
        return local.astimezone(_dt.timezone.utc)
    return local.astimezone().astimezone(_dt.timezone.utc)


def static_method(type_ref: TypeRef, name: str, args: list, host: Any, now: Callable) -> Any:
    key, low = type_ref.key, name.lower()
    a = args
    if key == "datetime":
        if low == "parse" and len(a) >= 1:
            try:
                return to_datetime(to_string(a[0]))
            except ConversionError as exc:
                raise method_error(name, a, exc.inner, "FormatException") from None
        if low == "utcnow":
            return _utcnow(now)
    if key == "math":
        if low == "round" and 1 <= len(a) <= 2:
            x = to_number(a[0])
            digits = to_int(a[1]) if len(a) > 1 else 0
            if isinstance(x, int):
                return x
            return round(float(x), digits)     # half to even, as .NET's Math.Round
        funcs = {"floor": math.floor, "ceiling": math.ceil, "truncate": math.trunc}
        if low in funcs and len(a) == 1:
            x = to_number(a[0])
            return float(funcs[low](x)) if isinstance(x, float) else x
        if low == "abs" and len(a) == 1:
            return abs(to_number(a[0]))
        if low == "max" and len(a) == 2:
            return max(to_number(a[0]), to_number(a[1]))
        if low == "min" and len(a) == 2:
            return min(to_number(a[0]), to_number(a[1]))
        if low == "pow" and len(a) == 2:
            return float(to_double(a[0]) ** to_double(a[1]))
        if low == "sqrt" and len(a) == 1:
            return math.sqrt(to_double(a[0]))
    if key == "convert":
        if low == "tobase64string" and len(a) == 1:
            return base64.b64encode(to_bytes(a[0])).decode("ascii")
        if low == "frombase64string" and len(a) == 1:
            try:
                return base64.b64decode(to_string(a[0]), validate=True)
            except (binascii.Error, ValueError):
                raise method_error(name, a, "The input is not a valid Base-64 string as it contains a non-base 64 "
                                            "character, more than two padding characters, or an illegal character "
                                            "among the padding characters. ", "FormatException") from None
        if low == "toint32" and len(a) in (1, 2):
            if len(a) == 2:
                return int(to_string(a[0]), to_int(a[1]))
            return to_int(a[0])
        if low == "tostring" and len(a) == 1:
            return to_string(a[0])
    if key == "string":
        if low == "isnullorempty" and len(a) == 1:
            return a[0] is None or to_string(a[0]) == ""
        if low == "isnullorwhitespace" and len(a) == 1:
            return a[0] is None or to_string(a[0]).strip() == ""
        if low == "join" and len(a) >= 2:
            items = as_list(a[1]) if len(a) == 2 else a[1:]
            return to_string(a[0]).join(to_string(x) for x in items)
        if low == "format" and len(a) >= 1:
            rest = as_list(a[1]) if len(a) == 2 and isinstance(a[1], list) else a[1:]
            return composite_format(to_string(a[0]), rest)
    if key == "guid" and low == "newguid" and not a:
        return str(uuid.uuid4())
    if key == "io.path":
        if low == "combine" and len(a) >= 1:
            parts = [to_string(x) for x in a]
            out = parts[0]
            for p in parts[1:]:
                if p[1:3] == ":\\" or p.startswith("\\"):
                    out = p
                else:
                    out = out.rstrip("\\") + "\\" + p if out else p
            return out
        if low == "getfilename" and len(a) == 1:
            return to_string(a[0]).replace("/", "\\").rsplit("\\", 1)[-1]
    if key == "scriptblock" and low == "create" and len(a) == 1:
        return create_script_block(to_string(a[0]))
    if key == "net.dns" and low == "gethostname" and not a:
        return getattr(host, "name", "")
    if key == "int" and low == "parse" and len(a) == 1:
        try:
            return to_int(to_string(a[0]))
        except ConversionError as exc:
            raise method_error(name, a, exc.inner or "Input string was not in a correct format.",
                               "FormatException") from None
    raise NotImplementedMember("the static method [%s]::%s()" % (type_ref.name, name))


def encoding_method(enc: Encoding, name: str, args: list) -> Any:
    low = name.lower()
    if low == "getbytes" and len(args) == 1:
        return to_string(args[0]).encode(enc.codec, errors="replace" if enc.codec == "ascii" else "surrogatepass")
    if low == "getstring" and len(args) == 1:
        return to_bytes(args[0]).decode(enc.codec, errors="replace")
    raise NotImplementedMember("the method Encoding.%s()" % name)


__all__ = ["TypeRef", "cast", "is_instance", "get_property", "call_method", "static_property",
           "static_method", "encoding_method", "Encoding", "NotImplementedMember", "composite_format",
           "format_item"]
