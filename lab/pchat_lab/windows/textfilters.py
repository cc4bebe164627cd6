"""findstr.exe and find.exe over a pipe or lab files: the switches clients use to pick lines out of
systeminfo and net user (/B /E /X /I /V /N /L /R /C:"text")."""
from __future__ import annotations

import re

from ..powershell.api import PSError
from . import console

FINDSTR_FLAGS = set("bexlrivnmsop")


def _lines(data: bytes, codepage: int) -> list:
    text = console.decode(data, codepage)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _findstr_regex(pattern: str) -> str:
    """findstr's small regular-expression language in Python's: . * ^ $ [class] [^class] \\< \\> \\x."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            out.append(r"\b" if nxt in "<>" else re.escape(nxt))
            i += 2
            continue
        if c == "[":
            end = pattern.find("]", i + 1)
            if end != -1:
                out.append("[" + pattern[i + 1:end].replace("\\", "\\\\") + "]")
                i = end + 1
                continue
        if c in ".*^$":
            out.append(c)
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def findstr(session, args: list, sink) -> int:
    flags: set = set()
    strings: list = []
    rest: list = []
    for arg in args:
        if arg[:1] == "/" and len(arg) > 1:
            key = arg[1:]
            if key[:2].lower() == "c:":
                strings.append(key[2:])
            elif key[:2].lower() in ("g:", "f:", "d:", "a:"):
                return _lab_unsupported(sink, "findstr /%s" % key[:2].upper())
            elif all(k.lower() in FINDSTR_FLAGS for k in key):
                flags.update(k.lower() for k in key)
            else:
                console.err(sink, "FINDSTR: /%s ignored\r\n" % key)
        else:
            rest.append(arg)
    if not strings:
        if not rest:
            console.err(sink, "FINDSTR: Bad command line\r\n")
            return 2
        strings = rest.pop(0).split()
        regex_mode = "l" not in flags
    else:
        regex_mode = "r" in flags
    if "s" in flags or "m" in flags or "o" in flags or "p" in flags:
        return _lab_unsupported(sink, "findstr /S /M /O /P")
    ignore = re.IGNORECASE if "i" in flags else 0
    compiled = []
    for text in strings:
        body = _findstr_regex(text) if regex_mode else re.escape(text)
        if "x" in flags or ("b" in flags and "e" in flags):
            body = "^(?:%s)$" % body
        elif "b" in flags:
            body = "^(?:%s)" % body
        elif "e" in flags:
            body = "(?:%s)$" % body
        compiled.append(re.compile(body, ignore))
    codepage = getattr(sink, "codepage", 437)
    sources = []
    if rest:
        for name in rest:
            data = _read_file(session, name)
            if data is None:
                console.err(sink, "FINDSTR: Cannot open %s\r\n" % name)
                continue
            sources.append((name if len(rest) > 1 else "", data))
    else:
        sources.append(("", sink.read_stdin()))
    found = False
    for label, data in sources:
        for number, line in enumerate(_lines(data, codepage), 1):
            hit = any(c.search(line) for c in compiled)
            if hit != ("v" in flags):
                found = True
                prefix = (label + ":" if label else "") + ("%d:" % number if "n" in flags else "")
                console.out(sink, prefix + line + "\r\n")
    return 0 if found else 1


def find(session, rest: str, sink) -> int:
    """find.exe: find [/V] [/C] [/N] [/I] "string" [files]. The string must be in double quotes."""
    flags: set = set()
    text = rest.strip()
    while text.startswith("/"):
        switch = text[1:].split(None, 1)[0] if len(text) > 1 else ""
        key = switch[:1].lower()
        if len(switch) != 1 or key not in "vcni":
            console.err(sink, "FIND: Parameter format not correct\r\n")
            return 2
        flags.add(key)
        text = text[1 + len(switch):].lstrip()
    if not text.startswith('"'):
        console.err(sink, "FIND: Parameter format not correct\r\n")
        return 2
    end = text.find('"', 1)
    if end == -1:
        console.err(sink, "FIND: Parameter format not correct\r\n")
        return 2
    needle, files = text[1:end], console.split_argv(text[end + 1:])
    codepage = getattr(sink, "codepage", 437)
    sources = []
    if files:
        for name in files:
            data = _read_file(session, name)
            if data is None:
                console.err(sink, "File not found - %s\r\n" % name.upper())
                continue
            sources.append(("\r\n---------- %s" % name.upper(), data))
    else:
        sources.append(("", sink.read_stdin()))
    found = False
    for header, data in sources:
        hits = []
        for number, line in enumerate(_lines(data, codepage), 1):
            hit = (needle.lower() in line.lower()) if "i" in flags else (needle in line)
            if hit != ("v" in flags):
                hits.append(("[%d]" % number if "n" in flags else "") + line)
        found = found or bool(hits)
        if "c" in flags:
            console.out(sink, "%s%s%d\r\n" % (header, ": " if header else "", len(hits)))
            continue
        if header:
            console.out(sink, header + "\r\n")
        console.out(sink, "".join(h + "\r\n" for h in hits))
    return 0 if found else 1


def _read_file(session, name: str):
    try:
        path = session.host.filesystem.resolve(name, session.cwd)
    except PSError:
        return None
    return path.real.read_bytes() if path.is_file() else None


def _lab_unsupported(sink, what: str) -> int:
    console.err(sink, "pchat-lab: %s is not simulated by the lab.\r\n" % what)
    return 1
