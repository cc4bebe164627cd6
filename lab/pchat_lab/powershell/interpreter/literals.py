"""Literal text as PowerShell reads it: number suffixes (L, D, KB … PB), here-string bodies, backtick
escapes and doubled quotes."""
from __future__ import annotations

import re
from typing import Any

from ..parser import DOUBLE_QUOTES

MULTIPLIERS = {"": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4, "pb": 1024**5}
ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "e": "\x1b"}


def number_literal(text: str) -> Any:
    m = re.match(r"^(\d*\.?\d*(?:e[+-]?\d+)?)(l|d)?(kb|mb|gb|tb|pb)?$", text.lower())
    if not m or not m.group(1):
        raise ValueError(text)
    body, mult = m.group(1), MULTIPLIERS[m.group(3) or ""]
    if re.match(r"^\d+$", body):
        n = int(body) * mult
        if n > 2**63 - 1:
            return float(n)
        return n
    value = float(body) * mult
    return int(value) if m.group(3) and value == int(value) else value


def here_string_body(text: str) -> str:
    body = text[2:-2]
    nl = body.find("\n")
    body = body[nl + 1:] if nl >= 0 else body
    end = body.rfind("\n")
    body = body[:end] if end >= 0 else ""
    return body[:-1] if body.endswith("\r") else body


def unescape(text: str, here: bool) -> str:
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "`" and i + 1 < len(text):
            n = text[i + 1]
            out.append(ESCAPES.get(n, n))
            i += 2
            continue
        if c in DOUBLE_QUOTES and not here and text[i + 1:i + 2] and text[i + 1] in DOUBLE_QUOTES:
            out.append(text[i + 1])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def undouble(text: str, quotes: str) -> str:
    """A doubled quote (any of PowerShell's quote characters, in any pairing) stands for the second one."""
    out = []
    i = 0
    while i < len(text):
        if text[i] in quotes and i + 1 < len(text) and text[i + 1] in quotes:
            out.append(text[i + 1])
            i += 2
            continue
        out.append(text[i])
        i += 1
    return "".join(out)
