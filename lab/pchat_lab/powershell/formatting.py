"""Out-Default: how objects that reach the end of a top-level pipeline become text.

Scalars print one per line; hashtables as PowerShell's Name/Value table; objects with up to four
properties as a table, five or more as a list. Consecutive objects with the same properties share
one table header, as PowerShell's formatter groups them. Lines end with CRLF.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any

from .api import PSObject
from .dotnet_format import format_datetime
from .values import ErrorRecord, is_enumerable, to_string


def cell(value: Any) -> str:
    """A property value inside a table or list."""
    if value is None:
        return ""
    if isinstance(value, _dt.datetime):
        return format_datetime(value, "G")
    if is_enumerable(value):
        return "{" + ", ".join(cell(v) for v in list(value)) + "}"
    return to_string(value)


def shown(obj: PSObject) -> list:
    """The properties Out-Default shows: a cmdlet may set ``display_properties`` on its PSObject (the
    DefaultDisplayPropertySet / format view of the real type); otherwise all of them."""
    names = getattr(obj, "display_properties", None)
    return list(names) if names else obj.keys()


def _flatten(objects: list) -> list:
    """Out-Default enumerates an array that a command wrote as one object."""
    flat: list = []
    for obj in objects:
        if is_enumerable(obj):
            flat.extend(_flatten(list(obj)))
        else:
            flat.append(obj)
    return flat


def _timespan_view(span: _dt.timedelta) -> PSObject:
    """A TimeSpan as PowerShell lists it."""
    from .members import get_property
    names = ("Days", "Hours", "Minutes", "Seconds", "Milliseconds", "Ticks", "TotalDays", "TotalHours",
             "TotalMinutes", "TotalSeconds", "TotalMilliseconds")
    return PSObject({name: get_property(span, name) for name in names}, type_names=("System.TimeSpan",))


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def scalar_text(value: Any) -> str:
    if isinstance(value, _dt.datetime):
        return format_datetime(value, "dddd, MMMM d, yyyy h:mm:ss tt")
    return to_string(value)


class FormattedText:
    """What Format-Table / Format-List write: the lines of their view, which Out-Default and Out-String
    print as they are (PowerShell's format objects, which only Out-* cmdlets understand)."""

    def __init__(self, lines: list) -> None:
        self.lines = list(lines)

    def __str__(self) -> str:
        return "Microsoft.PowerShell.Commands.Internal.Format.FormatStartData"


def _column_names(names: list) -> list:
    return [n if isinstance(n, str) else n[0] for n in names]


def table_view(rows: list, names: list, right: list | None = None, hide_headers: bool = False,
               widths: list | None = None, alignments: list | None = None) -> list:
    """A table as Out-Default prints it: a blank line, header, dashes, the rows, two blank lines.
    ``rows`` are lists of already-converted cells."""
    right = right or [False] * len(names)
    if alignments:
        right = [(a or "").lower() == "right" if a else r for a, r in zip(alignments, right)]
    sizes = [max([len(n)] + [len(r[c]) for r in rows]) for c, n in enumerate(names)]
    if widths:
        sizes = [w if w else s for w, s in zip(widths, sizes)]
    lines = [""]
    if not hide_headers:
        lines.append(Formatter._row(list(names), sizes, right))
        lines.append(Formatter._row(["-" * min(len(n), sizes[c]) for c, n in enumerate(names)], sizes, right))
    lines.extend(Formatter._row(r, sizes, right) for r in rows)
    return lines + ["", ""]


def list_view(records: list) -> list:
    """A list as Out-Default prints it: each object after a blank line, ``Name : value``, then two blank
    lines. ``records`` are lists of (name, value) pairs."""
    lines = []
    for record in records:
        width = max((len(n) for n, _ in record), default=0)
        lines.append("")
        for name, value in record:
            value_lines = cell(value).split("\n")
            lines.append("%s : %s" % (name.ljust(width), value_lines[0]))
            lines.extend(" " * (width + 3) + extra for extra in value_lines[1:])
    return lines + ["", ""] if records else lines


def hashtable_view(table: dict) -> list:
    """A hashtable as Out-Default prints it (Name/Value, the Name column 30 wide)."""
    lines: list = []
    Formatter()._hashtable(table, lines)
    return lines


def numeric(value: Any) -> bool:
    return _numeric(value)


class Formatter:
    """Stateful Out-Default for one script run."""

    def __init__(self) -> None:
        self.table_keys = None      # property names of the open table, or None
        self.list_open = False      # a list-format group is open

    def _close(self, lines: list) -> None:
        if self.table_keys is not None or self.list_open:
            lines.extend(["", ""])
            self.table_keys = None
            self.list_open = False

    def format(self, objects: list) -> list:
        lines: list = []
        objects = _flatten(objects)
        i = 0
        while i < len(objects):
            obj = objects[i]
            if isinstance(obj, FormattedText):
                i += 1
                self._close(lines)
                lines.extend(obj.lines)
                continue
            if isinstance(obj, PSObject) and getattr(obj, "display_as_string", False):
                # Types with no format view and no properties worth a table (SecureString) print ToString().
                i += 1
                self._close(lines)
                lines.append(to_string(obj))
                continue
            if isinstance(obj, PSObject) and 0 < len(shown(obj)) <= 4:
                keys = [k.lower() for k in shown(obj)]
                batch = [obj]
                i += 1
                while i < len(objects) and isinstance(objects[i], PSObject) and \
                        [k.lower() for k in shown(objects[i])] == keys:
                    batch.append(objects[i])
                    i += 1
                self._table(batch, lines)
                continue
            i += 1
            if isinstance(obj, PSObject):
                if self.table_keys is not None:
                    self._close(lines)
                self._list(obj, lines)
                self.list_open = True
            elif isinstance(obj, dict):
                self._close(lines)
                self._hashtable(obj, lines)
            elif isinstance(obj, _dt.timedelta):
                if self.table_keys is not None:
                    self._close(lines)
                self._list(_timespan_view(obj), lines)
                self.list_open = True
            elif obj is None:
                continue
            else:
                self._close(lines)
                if isinstance(obj, ErrorRecord):
                    from .errors import render
                    lines.extend(render(obj.error))      # 2>&1: the record prints as PowerShell shows it
                else:
                    lines.append(scalar_text(obj))
        return lines

    def finish(self) -> list:
        lines: list = []
        self._close(lines)
        return lines

    def _table(self, batch: list, lines: list) -> None:
        names = shown(batch[0])
        keys = [k.lower() for k in names]
        rows = [[cell(o.get(k)) for k in names] for o in batch]
        right = [all(_numeric(o.get(k)) for o in batch if o.get(k) is not None) and
                 any(o.get(k) is not None for o in batch) for k in names]
        if self.table_keys != keys:
            if self.table_keys is not None or self.list_open:
                self._close(lines)
            widths = [max([len(n)] + [len(r[c]) for r in rows]) for c, n in enumerate(names)]
            self.widths = widths
            self.right = right
            lines.append("")
            lines.append(self._row(list(names), widths, right))
            lines.append(self._row(["-" * len(n) for n in names], widths, right))
            self.table_keys = keys
        for r in rows:
            lines.append(self._row(r, self.widths, self.right))

    @staticmethod
    def _row(values: list, widths: list, right: list) -> str:
        parts = []
        last = len(values) - 1
        for c, v in enumerate(values):
            w = widths[c]
            if len(v) > w:
                v = v[: max(w - 3, 0)] + "..."
            if right[c]:
                parts.append(v.rjust(w))
            else:
                parts.append(v if c == last else v.ljust(w))
        return " ".join(parts).rstrip()

    def _list(self, obj: PSObject, lines: list) -> None:
        names = shown(obj)
        width = max((len(n) for n in names), default=0)
        lines.append("")
        for name in names:
            value_lines = cell(obj.get(name)).split("\n")
            lines.append("%s : %s" % (name.ljust(width), value_lines[0]))
            lines.extend(" " * (width + 3) + extra for extra in value_lines[1:])

    def _hashtable(self, table: dict, lines: list) -> None:
        if not table:
            return
        width = max([4] + [len(to_string(k)) for k in table.keys()])
        width = max(width, 30) if width <= 30 else width
        lines.append("")
        lines.append("Name".ljust(width) + " Value")
        lines.append("----".ljust(width) + " -----")
        for key, value in table.items():
            lines.append((to_string(key).ljust(width) + " " + cell(value)).rstrip())
        lines.append("")
        lines.append("")


def out_string(objects: list) -> str:
    """Out-String: the formatted text of all objects, CRLF line ends, with a trailing newline."""
    formatter = Formatter()
    lines = formatter.format(list(objects)) + formatter.finish()
    return "".join(line + "\r\n" for line in lines)


__all__ = ["Formatter", "FormattedText", "out_string", "cell", "table_view", "list_view", "hashtable_view"]
