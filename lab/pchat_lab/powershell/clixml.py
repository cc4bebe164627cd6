"""What powershell.exe writes to a redirected stderr: CLIXML.

Windows PowerShell 5.1 started with -EncodedCommand and a non-console stderr serializes its error,
warning, verbose, debug and progress streams as ``#< CLIXML`` followed by one ``<Objs>`` document.
Error records arrive as their rendered text, one ``<S S="Error">`` per line ending ``_x000D__x000A_``
(what pywinrm's clean-up joins back together); progress records are ``<Obj S="progress">`` with a
``PR`` record (shape from diyan/pywinrm#166/#245); warnings and verbose text are ``<S S="warning">``
and ``<S S="verbose">`` strings.
"""
from __future__ import annotations

import re

HEADER = "#< CLIXML\r\n"
OBJS_OPEN = '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
OBJS_CLOSE = "</Objs>"

_NEEDS_ESCAPE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")


def escape(text: str) -> str:
    """PowerShell's serializer: XML-escape, then _xHHHH_-encode control characters and any
    literal '_xHHHH_' look-alike (its underscore becomes _x005F_)."""
    def encode(m: re.Match) -> str:
        return "_x%04X_" % ord(m.group(0))
    text = _NEEDS_ESCAPE.sub(encode, text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def string_record(stream: str, text: str) -> str:
    return '<S S="%s">%s</S>' % (stream, escape(text))


def error_lines(lines: list) -> str:
    """An error record rendered as lines, each its own <S S="Error"> ending CRLF."""
    return "".join(string_record("Error", line + "\r\n") for line in lines)


class ProgressSerializer:
    """Progress records: the first carries the type names (TN RefId=0), later ones refer to them."""

    def __init__(self) -> None:
        self.ref = 0

    def record(self, activity: str, status: str, percent: int, activity_id: int = 0,
               completed: bool = False, current_operation: str = "", seconds_remaining: int = -1,
               source_id: int = 1) -> str:
        ref = self.ref
        self.ref += 1
        types = ('<TN RefId="0"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN>'
                 if ref == 0 else '<TNRef RefId="0" />')
        current = "<S>%s</S>" % escape(current_operation) if current_operation else "<Nil />"
        return ('<Obj S="progress" RefId="%d">%s<MS><I64 N="SourceId">%d</I64><PR N="Record"><AV>%s</AV>'
                '<AI>%d</AI>%s<PI>-1</PI><PC>%d</PC><T>%s</T><SR>%d</SR><SD>%s</SD></PR></MS></Obj>'
                % (ref, types, source_id, escape(activity), activity_id, current, percent,
                   "Completed" if completed else "Processing", seconds_remaining, escape(status or " ")))
