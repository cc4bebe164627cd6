""".NET formatting (en-US culture) for -f, .ToString(fmt), Get-Date -Format and the default
display of dates: standard and custom DateTime format strings and numeric format specifiers."""
from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from .values import PSError, format_double, to_string

_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]

_STANDARD_DATE = {
    "d": "M/d/yyyy", "D": "dddd, MMMM d, yyyy", "f": "dddd, MMMM d, yyyy h:mm tt",
    "F": "dddd, MMMM d, yyyy h:mm:ss tt", "g": "M/d/yyyy h:mm tt", "G": "M/d/yyyy h:mm:ss tt",
    "m": "MMMM d", "M": "MMMM d", "s": "yyyy'-'MM'-'dd'T'HH':'mm':'ss", "t": "h:mm tt",
    "T": "h:mm:ss tt", "y": "MMMM yyyy", "Y": "MMMM yyyy",
    "u": "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
}


def _is_utc(d: _dt.datetime) -> bool:
    return d.tzinfo is not None


def _offset(d: _dt.datetime) -> _dt.timedelta:
    if d.tzinfo is not None:
        return d.utcoffset() or _dt.timedelta(0)
    return _dt.datetime.now().astimezone().utcoffset() or _dt.timedelta(0)


def _fmt_offset(delta: _dt.timedelta, width: str) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    if width == "z":
        return "%s%d" % (sign, minutes // 60)
    if width == "zz":
        return "%s%02d" % (sign, minutes // 60)
    return "%s%02d:%02d" % (sign, minutes // 60, minutes % 60)


def format_datetime(d: _dt.datetime, fmt: str | None = None) -> str:
    if not fmt:
        fmt = "G"
    if fmt in ("o", "O"):
        base = d.strftime("%Y-%m-%dT%H:%M:%S") + ".%07d" % (d.microsecond * 10)
        if _is_utc(d):
            return base + "Z"
        return base + _fmt_offset(_offset(d), "zzz")
    if fmt in ("r", "R"):
        return d.strftime("%a, %d %b %Y %H:%M:%S GMT")
    if len(fmt) == 1:
        if fmt not in _STANDARD_DATE:
            raise PSError("Input string was not in a correct format.", "FormatException",
                          exception_type="System.FormatException")
        fmt = _STANDARD_DATE[fmt]
    return _custom_datetime(d, fmt)


_TOKEN = re.compile(r"d{1,4}|M{1,4}|y{1,5}|h{1,2}|H{1,2}|m{1,2}|s{1,2}|f{1,7}|F{1,7}|t{1,2}|z{1,3}|K|g{1,2}|"
                    r"'[^']*'|\"[^\"]*\"|\\.|%.|.", re.S)


def _custom_datetime(d: _dt.datetime, fmt: str) -> str:
    out = []
    for tok in _TOKEN.findall(fmt):
        c = tok[0]
        n = len(tok)
        if tok.startswith(("'", '"')):
            out.append(tok[1:-1])
        elif c == "\\":
            out.append(tok[1:])
        elif c == "%":
            out.append(_custom_datetime(d, tok[1]) if len(tok) > 1 else "")
        elif c == "d":
            out.append([str(d.day), "%02d" % d.day, _DAYS[d.weekday()][:3], _DAYS[d.weekday()]][n - 1])
        elif c == "M":
            out.append([str(d.month), "%02d" % d.month, _MONTHS[d.month - 1][:3], _MONTHS[d.month - 1]][n - 1])
        elif c == "y":
            out.append(str(d.year % 100) if n == 1 else "%02d" % (d.year % 100) if n == 2 else str(d.year).rjust(n, "0"))
        elif c == "h":
            h = d.hour % 12 or 12
            out.append(str(h) if n == 1 else "%02d" % h)
        elif c == "H":
            out.append(str(d.hour) if n == 1 else "%02d" % d.hour)
        elif c == "m":
            out.append(str(d.minute) if n == 1 else "%02d" % d.minute)
        elif c == "s":
            out.append(str(d.second) if n == 1 else "%02d" % d.second)
        elif c in "fF":
            digits = ("%07d" % (d.microsecond * 10))[:n]
            out.append(digits if c == "f" else digits.rstrip("0"))
        elif c == "t":
            ampm = "AM" if d.hour < 12 else "PM"
            out.append(ampm[0] if n == 1 else ampm)
        elif c == "z":
            out.append(_fmt_offset(_offset(d), tok))
        elif c == "K":
            out.append("Z" if _is_utc(d) else _fmt_offset(_offset(d), "zzz"))
        elif c == "g":
            out.append("A.D.")
        else:
            out.append(tok)
    return "".join(out)


def _group(intpart: str) -> str:
    return "{:,}".format(int(intpart)) if intpart else "0"


def format_number(value: Any, spec: str) -> str:
    """Standard numeric format strings N, F, D, X, P, C, E, G, R and simple custom '0.00' / '#,##0'."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return to_string(value)
    m = re.match(r"^([NnFfDdXxPpCcEeGgRr])(\d*)$", spec)
    if m:
        kind, digits = m.group(1), m.group(2)
        prec = int(digits) if digits else None
        k = kind.upper()
        if k == "N":
            return "{:,.{p}f}".format(value, p=2 if prec is None else prec)
        if k == "F":
            return "{:.{p}f}".format(value, p=2 if prec is None else prec)
        if k == "D":
            if isinstance(value, float):
                raise PSError("Format specifier was invalid.", "FormatException", exception_type="System.FormatException")
            text = str(abs(value)).rjust(prec or 0, "0")
            return ("-" if value < 0 else "") + text
        if k == "X":
            if isinstance(value, float):
                raise PSError("Format specifier was invalid.", "FormatException", exception_type="System.FormatException")
            text = "%x" % (value & 0xFFFFFFFF if value < 0 else value)
            text = text.rjust(prec or 0, "0")
            return text.upper() if kind == "X" else text
        if k == "P":
            return "{:,.{p}f} %".format(value * 100, p=2 if prec is None else prec)
        if k == "C":
            text = "{:,.{p}f}".format(abs(value), p=2 if prec is None else prec)
            return ("($%s)" % text) if value < 0 else "$" + text
        if k == "E":
            text = "{:.{p}e}".format(value, p=6 if prec is None else prec)
            mant, exp = text.split("e")
            return "%s%s%s%s" % (mant, "E" if kind == "E" else "e", exp[0], exp[1:].rjust(3, "0"))
        return format_double(float(value)) if isinstance(value, float) else str(value)
    if re.match(r"^[#0,]*(\.[0#]+)?$", spec) and spec:
        decimals = spec.split(".")[1] if "." in spec else ""
        fixed = decimals.count("0")
        optional = decimals.count("#")
        text = "{:.{p}f}".format(float(value), p=fixed + optional)
        if optional:
            ip, _, fp = text.partition(".")
            fp = fp[:fixed] + fp[fixed:].rstrip("0")
            text = ip + ("." + fp if fp else "")
        intpart = spec.split(".")[0]
        if "," in intpart:
            ip, dot, fp = text.partition(".")
            neg = ip.startswith("-")
            ip = "{:,}".format(int(ip.lstrip("-") or "0"))
            text = ("-" if neg else "") + ip + dot + fp
        min_int = intpart.count("0")
        ip, dot, fp = text.partition(".")
        neg = ip.startswith("-")
        ip = ip.lstrip("-").rjust(min_int, "0")
        if ip.lstrip("0,") == "" and min_int == 0:
            ip = ""
        return ("-" if neg else "") + ip + dot + fp
    raise PSError("Format specifier was invalid.", "FormatException", exception_type="System.FormatException")


def format_item(value: Any, spec: str) -> str:
    if not spec:
        if isinstance(value, _dt.datetime):
            return format_datetime(value, "G")
        return to_string(value)
    if isinstance(value, _dt.datetime):
        return format_datetime(value, spec)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(value, spec)
    return to_string(value)


_ITEM = re.compile(r"\{\{|\}\}|\{(\d+)(?:\s*,\s*(-?\d+))?(?::([^}]*))?\}|[{}]")


def composite_format(fmt: str, args: list) -> str:
    """String.Format as -f uses it."""
    out = []
    pos = 0
    for m in _ITEM.finditer(fmt):
        out.append(fmt[pos:m.start()])
        pos = m.end()
        tok = m.group(0)
        if tok == "{{":
            out.append("{")
        elif tok == "}}":
            out.append("}")
        elif m.group(1) is None:
            raise PSError('Error formatting a string: Input string was not in a correct format..',
                          "FormatError", "InvalidOperation", exception_type="System.FormatException")
        else:
            index = int(m.group(1))
            if index >= len(args):
                raise PSError("Error formatting a string: Index (zero based) must be greater than or equal to "
                              "zero and less than the size of the argument list..", "FormatError",
                              "InvalidOperation", exception_type="System.FormatException")
            text = format_item(args[index], m.group(3) or "")
            if m.group(2):
                width = int(m.group(2))
                text = text.ljust(-width) if width < 0 else text.rjust(width)
            out.append(text)
    out.append(fmt[pos:])
    return "".join(out)
