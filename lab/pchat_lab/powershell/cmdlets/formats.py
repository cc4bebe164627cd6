"""Format-Table, Format-List, ConvertTo-Csv and Export-Csv as Windows PowerShell 5.1 renders them.

Format-* write format objects (formatting.FormattedText) that Out-Default and Out-String print as they
are; their views are the ones Out-Default uses (formatting.table_view / list_view), with the columns or
rows named by -Property: plain names, wildcards, or calculated properties (@{Name|Label|n|l=...;
Expression|e=...; Width=...; Alignment=...; FormatString=...}) [DOC: about_Calculated_Properties].

ConvertTo-Csv / Export-Csv in 5.1 [DOC: their 5.1 help]: a `#TYPE <type name>` line first unless
-NoTypeInformation (the default changed only in PowerShell 6), the header from the FIRST object's
properties, every value quoted (`"` doubled), $null an empty unquoted field, collections as their
ToString() (`System.Object[]`), a string's only property Length, a hashtable's .NET properties. Export-Csv
writes ASCII unless -Encoding, with CRLF line ends; -Append adds rows under the existing header.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any

from ..api import PSEnum, PSError, PSObject, Param, ScriptBlock, cmdlet
from ..dotnet_format import format_datetime, format_item
from ..formatting import FormattedText, cell, hashtable_view, list_view, numeric, shown, table_view
from ..members import get_property
from ..values import is_enumerable, to_string, type_name, wildcard_match
from .core import UTILITY, _calculated, _error, _evaluate

# --- Format-Table / Format-List ---------------------------------------------------------------------


def _columns(ctx, args, first: Any) -> list:
    """[(label, expression, width, alignment, format string)] for -Property, else the object's own."""
    wanted = args.get("Property")
    if not wanted:
        return [(n, n, None, None, None) for n in _own_names(first)]
    columns = []
    for prop in wanted:
        if isinstance(prop, dict):
            extra = {}
            table = {}
            for key, value in prop.items():
                k = to_string(key).lower()
                if k and "width".startswith(k):
                    extra["width"] = int(value)
                elif k and "alignment".startswith(k) and len(k) > 1:
                    extra["alignment"] = to_string(value)
                elif k and "formatstring".startswith(k):
                    extra["format"] = to_string(value)
                else:
                    table[key] = value
            name, expr, _ = _calculated(ctx, table, ("name", "expression"))
            columns.append((name, expr, extra.get("width"), extra.get("alignment"), extra.get("format")))
        elif isinstance(prop, ScriptBlock):
            columns.append((prop.text.strip(), prop, None, None, None))
        else:
            pattern = to_string(prop)
            if any(c in pattern for c in "*?["):
                columns.extend((n, n, None, None, None) for n in _own_names(first, all_properties=True)
                               if wildcard_match(pattern, n))
            else:
                columns.append((pattern, pattern, None, None, None))
    return columns


def _own_names(obj: Any, all_properties: bool = False) -> list:
    if isinstance(obj, PSObject):
        return obj.keys() if all_properties else shown(obj)
    if isinstance(obj, dict):
        return ["Name", "Value"]
    return []


def _value(ctx, obj: Any, expr: Any, fmt: str | None) -> Any:
    value = _evaluate(ctx, obj, expr) if not isinstance(expr, str) else get_property(obj, expr)
    if fmt and value is not None:
        return format_item(value, fmt)
    return value


def _scalar(obj: Any) -> bool:
    return not isinstance(obj, (PSObject, dict))


def _records(obj: Any) -> list:
    """A hashtable is formatted as its entries (Name, Value), as PowerShell's hashtable view does."""
    if isinstance(obj, dict):
        return [PSObject({"Name": k, "Value": v}) for k, v in obj.items()]
    return [obj]


def _input(args, pipeline) -> list:
    return list(pipeline) if not args.given("InputObject") else [args["InputObject"]]


_FORMAT_COMMON = [
    # InputObject is ValueFromPipeline [DOC: 5.1 help]; these whole-pipeline cmdlets collect every input
    # at once (one view, one CSV header), as Measure-Object/Sort-Object here.
    Param("Property", "object[]", position=0), Param("InputObject", "object", from_pipeline=True),
    Param("GroupBy", "object"), Param("View", "string"), Param("ShowError", "switch"),
    Param("DisplayError", "switch"), Param("Force", "switch"), Param("Expand", "string"),
]


def _refuse_unmodelled(ctx, args) -> None:
    for name in ("GroupBy", "View", "Expand"):
        if args.given(name):
            raise PSError("The lab does not model %s -%s." % (ctx.name, name),
                          "PchatLabUnsupportedParameter,Microsoft.PowerShell.Commands.%sCommand"
                          % ctx.name.replace("-", ""), "NotImplemented")


@cmdlet("Format-Table", module=UTILITY, collects_input=True, params=_FORMAT_COMMON + [
    Param("AutoSize", "switch"), Param("HideTableHeaders", "switch"), Param("Wrap", "switch")])
def format_table(ctx, args, pipeline):
    _refuse_unmodelled(ctx, args)
    inputs = [obj for obj in _input(args, pipeline) if obj is not None]
    if inputs and all(isinstance(obj, dict) for obj in inputs) and not args.get("Property"):
        # Hashtables keep their own Name/Value view (Name column 30 wide), as Out-Default prints them.
        lines = [line for table in inputs for line in hashtable_view(table)]
        return [FormattedText(lines)] if lines else []
    items = [r for obj in inputs for r in _records(obj)]
    objects = [o for o in items if not _scalar(o)]
    lines = [to_string(o) for o in items if _scalar(o)]
    if objects:
        columns = _columns(ctx, args, objects[0])
        rows, raw = [], []
        for obj in objects:
            values = [_value(ctx, obj, expr, fmt) for _, expr, _, _, fmt in columns]
            raw.append(values)
            rows.append([cell(v) for v in values])
        right = [all(numeric(r[c]) for r in raw if r[c] is not None) and any(r[c] is not None for r in raw)
                 for c in range(len(columns))]
        lines += table_view(rows, [c[0] for c in columns], right, bool(args.get("HideTableHeaders")),
                            [c[2] for c in columns], [c[3] for c in columns])
    return [FormattedText(lines)] if lines else []


@cmdlet("Format-List", module=UTILITY, collects_input=True, params=_FORMAT_COMMON)
def format_list(ctx, args, pipeline):
    _refuse_unmodelled(ctx, args)
    lines, records = [], []
    for obj in _input(args, pipeline):
        if obj is None:
            continue
        if _scalar(obj):
            lines.append(to_string(obj))
            continue
        for item in _records(obj):
            columns = _columns(ctx, args, item)
            records.append([(label, _value(ctx, item, expr, fmt)) for label, expr, _, _, fmt in columns])
    lines += list_view(records)
    return [FormattedText(lines)] if lines else []


# --- ConvertTo-Csv / Export-Csv ---------------------------------------------------------------------

_HASHTABLE_PROPERTIES = ("IsReadOnly", "IsFixedSize", "IsSynchronized", "Keys", "Values", "SyncRoot", "Count")


def _csv_properties(obj: Any) -> list:
    if isinstance(obj, PSObject):
        return obj.keys()
    if isinstance(obj, dict):
        return list(_HASHTABLE_PROPERTIES)
    if isinstance(obj, str):
        return ["Length"]
    return []


def _csv_get(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        return {"IsReadOnly": False, "IsFixedSize": False, "IsSynchronized": False,
                "Keys": "System.Collections.Hashtable+KeyCollection",
                "Values": "System.Collections.Hashtable+ValueCollection", "SyncRoot": "System.Object",
                "Count": len(obj)}[name]
    if isinstance(obj, PSObject):
        return obj.get(name) if name in obj else None
    return get_property(obj, name)


def _csv_text(value: Any) -> str:
    """The value's ToString() as Export-Csv writes it."""
    if isinstance(value, _dt.datetime):
        return format_datetime(value, "G")
    if isinstance(value, PSEnum):
        return value.name
    if isinstance(value, bool):
        return "True" if value else "False"
    if is_enumerable(value) and not isinstance(value, str):
        return type_name(value)
    return to_string(value)


def _csv_field(value: Any) -> str:
    return "" if value is None else '"%s"' % _csv_text(value).replace('"', '""')


def csv_lines(objects: list, delimiter: str = ",", type_information: bool = True, header: bool = True) -> list:
    objects = [o for o in objects if o is not None]
    if not objects:
        return []
    first = objects[0]
    names = _csv_properties(first)
    lines = []
    if type_information:
        lines.append("#TYPE %s" % type_name(first))
    if header:
        lines.append(delimiter.join('"%s"' % n.replace('"', '""') for n in names))
    for obj in objects:
        lines.append(delimiter.join(_csv_field(_csv_get(obj, n)) for n in names))
    return lines


_CSV_COMMON = [
    Param("InputObject", "object", from_pipeline=True),
    Param("Delimiter", "string", position=1, sets=("Delimiter",)),
    Param("UseCulture", "switch", sets=("UseCulture",)),
    Param("NoTypeInformation", "switch", aliases=("NTI",)),
]


def _delimiter(args) -> str:
    if args.given("Delimiter"):
        text = str(args["Delimiter"])
        if len(text) != 1:
            raise PSError('Cannot bind parameter \'Delimiter\'. Cannot convert value "%s" to type "System.Char". '
                          "Error: \"String must be exactly one character long.\"" % text,
                          "CannotConvertArgumentNoMessage,Microsoft.PowerShell.Commands.ExportCsvCommand",
                          "InvalidArgument", text)
        return text
    return ","          # -UseCulture: the en-US list separator is ","


@cmdlet("ConvertTo-Csv", module=UTILITY, collects_input=True, default_set="Delimiter", params=[
    dict_param for dict_param in _CSV_COMMON if dict_param.name != "Delimiter"] + [
    Param("Delimiter", "string", position=0, sets=("Delimiter",))])
def convert_to_csv(ctx, args, pipeline):
    return csv_lines(_input(args, pipeline), _delimiter(args), not args.get("NoTypeInformation"))


_EXPORT_ENCODINGS = ("Unicode", "UTF7", "UTF8", "ASCII", "UTF32", "BigEndianUnicode", "Default", "OEM")


@cmdlet("Export-Csv", module=UTILITY, collects_input=True, default_set="Delimiter", should_process=True, params=_CSV_COMMON + [
    Param("Path", "string", position=0), Param("LiteralPath", "string", aliases=("PSPath",)),
    Param("Force", "switch"), Param("NoClobber", "switch", aliases=("NoOverwrite",)),
    Param("Encoding", "string", values=_EXPORT_ENCODINGS), Param("Append", "switch")])
def export_csv(ctx, args, pipeline):
    from .windows import _encode, part_not_found, resolve
    if not args.given("Path") and not args.given("LiteralPath"):
        raise _error(ctx, "Cannot perform operation because the path resolved to more than one file or no "
                     "file. Specify a path.", "CannotSpecifyPathAndLiteralPath")
    target = resolve(ctx, args.get("LiteralPath") or args["Path"])
    parent = target.parent()
    if parent is None or not parent.is_dir():
        raise part_not_found(target.display, "FileOpenFailure", ctx, category="OpenError")
    exists = target.exists() and target.real.stat().st_size > 0
    if args.get("NoClobber") and target.exists() and not args.get("Append"):
        raise PSError("The file '%s' already exists." % target.display,
                      "NoClobber,Microsoft.PowerShell.Commands.ExportCsvCommand", "ResourceExists", target.display,
                      exception_type="System.IO.IOException")
    append = bool(args.get("Append")) and exists
    lines = csv_lines(_input(args, pipeline), _delimiter(args),
                      type_information=not args.get("NoTypeInformation") and not append, header=not append)
    if not ctx.should_process(target.display, "Export-Csv"):
        return []
    encoding = args.get("Encoding") or "ASCII"          # [DOC] 5.1 Export-Csv default encoding ASCII
    data = _encode("".join(line + "\r\n" for line in lines), encoding, with_bom=not append)
    with ctx.host.lock:
        with open(target.real, "ab" if append else "wb") as handle:
            handle.write(data)
    return []


# --- ConvertFrom-Csv / Import-Csv -------------------------------------------------------------------
# 5.1 [DOC: their 5.1 help]: a first `#TYPE X` line names the objects' type as `CSV:X`; the first other
# line is the header unless -Header; every value is a string, a missing one $null; blank lines are
# skipped [ASSUMED]; fields are split on the delimiter outside double quotes, `""` inside quotes is `"`.


def _split_csv(line: str, delimiter: str) -> list:
    fields, current, quoted, i = [], [], False, 0
    was_quoted = False
    while i < len(line):
        ch = line[i]
        if quoted:
            if ch == '"' and i + 1 < len(line) and line[i + 1] == '"':
                current.append('"')
                i += 1
            elif ch == '"':
                quoted = False
            else:
                current.append(ch)
        elif ch == '"':
            quoted = was_quoted = True
        elif ch == delimiter:
            fields.append("".join(current))
            current, was_quoted = [], False
        else:
            current.append(ch)
        i += 1
    fields.append("".join(current))
    return fields


def csv_objects(lines: list, delimiter: str = ",", header: list | None = None) -> list:
    lines = [line for line in lines if line.strip() != ""]
    type_names = ["System.Management.Automation.PSCustomObject", "System.Object"]
    if lines and lines[0].startswith("#TYPE "):
        type_names = ["CSV:" + lines[0][6:].strip()] + type_names
        lines = lines[1:]
    if header is None:
        if not lines:
            return []
        header, lines = _split_csv(lines[0], delimiter), lines[1:]
    objects = []
    for line in lines:
        values = _split_csv(line, delimiter)
        objects.append(PSObject({name: values[i] if i < len(values) else None for i, name in enumerate(header)},
                                type_names=type_names))
    return objects


@cmdlet("ConvertFrom-Csv", module=UTILITY, collects_input=True, default_set="Delimiter", params=[
    Param("InputObject", "object", position=0, from_pipeline=True),
    Param("Delimiter", "string", position=1, sets=("Delimiter",)),
    Param("UseCulture", "switch", sets=("UseCulture",)),
    Param("Header", "string[]")])
def convert_from_csv(ctx, args, pipeline):
    text = [to_string(v) for item in _input(args, pipeline) for v in (item if is_enumerable(item) and
                                                                        not isinstance(item, str) else [item])]
    lines = [line for chunk in text for line in chunk.replace("\r\n", "\n").split("\n")]
    return csv_objects(lines, _delimiter(args), args.get("Header"))


@cmdlet("Import-Csv", module=UTILITY, default_set="Delimiter", params=[
    Param("Path", "string[]", position=0, from_pipeline=True), Param("LiteralPath", "string[]", aliases=("PSPath",)),
    Param("Delimiter", "string", position=1, sets=("Delimiter",)),
    Param("UseCulture", "switch", sets=("UseCulture",)),
    Param("Header", "string[]"),
    Param("Encoding", "string", values=_EXPORT_ENCODINGS)])
def import_csv(ctx, args, pipeline):
    from .windows import _decode, existing
    literal = args.given("LiteralPath")
    paths = list(args.get("LiteralPath") or args.get("Path") or [])
    if not paths:
        raise _error(ctx, "Cannot bind argument to parameter 'Path' because it is null.", "ParameterArgumentValidationErrorNullNotAllowed")
    objects = []
    for item in existing(ctx, paths, literal):
        text = _decode(item.real.read_bytes(), args.get("Encoding"))
        objects += csv_objects(text.replace("\r\n", "\n").split("\n"), _delimiter(args), args.get("Header"))
    return objects
