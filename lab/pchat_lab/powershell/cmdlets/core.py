"""Core utility cmdlets (Microsoft.PowerShell.Utility / Core) the lab's scripts use.

They receive an ``EngineContext`` (pchat_lab.powershell.engine) and may use its engine-only
helpers (import_module, format_lines); other cmdlet families only use api.CmdletContext.
"""
from __future__ import annotations

import functools
import re
import time
from typing import Any

from ..api import PSError, PSObject, Param, ScriptBlock, cmdlet, now
from ..credentials import new_pscredential
from ..dotnet_format import format_datetime
from ..errors import Terminating
from ..formatting import out_string
from ..json_convert import convert_from_json, convert_to_json
from ..members import get_property
from ..values import (ErrorRecord, PSArrayList, PSDateTime, PSHashtable, as_list, dotnet_regex, is_enumerable, ps_compare,
                      ps_equal, to_number, to_string, type_name, wildcard_match)

UTILITY = "Microsoft.PowerShell.Utility"
CORE = "Microsoft.PowerShell.Core"


class RemainingParam(Param):
    """A parameter with ValueFromRemainingArguments (Write-Output a b c)."""
    remaining = True


def _error(ctx, message: str, error_id: str, category: str = "InvalidArgument", target: Any = None,
           exception: str = "System.Management.Automation.PSArgumentException") -> PSError:
    verb, _, noun = ctx.name.partition("-")
    module_ns = "Microsoft.PowerShell.Commands"
    return PSError(message, "%s,%s.%s%sCommand" % (error_id, module_ns, verb, noun), category, target=target,
                   exception_type=exception)


# --- modules --------------------------------------------------------------------------------

@cmdlet("Import-Module", module=CORE, params=[
    Param("Name", "string[]", mandatory=True, position=0, from_pipeline=True),
    Param("Force", "switch"), Param("DisableNameChecking", "switch"), Param("Global", "switch"),
    Param("PassThru", "switch"), Param("Prefix", "string")])
def import_module(ctx, args, pipeline):
    if args.get("Prefix"):
        raise PSError("The lab does not support Import-Module -Prefix.", "LabUnsupported", "NotImplemented")
    for name in args["Name"]:
        if not ctx.import_module(name):
            ctx.write_error(_error(ctx, "The specified module '%s' was not loaded because no valid module file was "
                                        "found in any module directory." % name, "Modules_ModuleNotFound",
                                   "ResourceUnavailable", name, "System.IO.FileNotFoundException"))
        elif args.get("PassThru"):
            yield _module_info(ctx, name)


def _module_info(ctx, name: str) -> PSObject:
    from ..api import REGISTRY
    commands = sorted(s.name for s in REGISTRY.by_name.values() if s.module.lower() == name.lower())
    module = next((s.module for s in REGISTRY.by_name.values() if s.module.lower() == name.lower()), name)
    return PSObject({"ModuleType": "Manifest", "Version": "1.0", "Name": module,
                     "ExportedCommands": "{%s}" % ", ".join(commands)},
                    type_names=("System.Management.Automation.PSModuleInfo",))


@cmdlet("Get-Module", module=CORE, params=[
    Param("Name", "string[]", position=0, from_pipeline=True), Param("ListAvailable", "switch"),
    Param("All", "switch")])
def get_module(ctx, args, pipeline):
    from ..api import REGISTRY, Registry
    installed = list(getattr(ctx.host, "modules", None) or [])
    known = {m.lower() for m in REGISTRY.modules()}
    if args.get("ListAvailable"):
        names = [m for m in installed if m.lower() in known]
    else:
        names = sorted(ctx.interp.imported)
    patterns = args.get("Name")
    for name in names:
        if name in Registry.CORE_MODULES:
            continue
        if patterns and not any(wildcard_match(p, name) for p in patterns):
            continue
        yield _module_info(ctx, name)


@cmdlet("Get-Command", module=CORE, params=[
    Param("Name", "string[]", position=0, from_pipeline=True, from_pipeline_by_name=True),
    Param("Module", "string[]", from_pipeline_by_name=True),
    Param("CommandType", "string", from_pipeline_by_name=True)])
def get_command(ctx, args, pipeline):
    from ..api import REGISTRY
    names = args.get("Name") or ["*"]
    modules = [m.lower() for m in (args.get("Module") or [])]
    kind = (args.get("CommandType") or "Cmdlet").lower()
    if kind not in ("cmdlet", "all"):
        # The lab's commands are cmdlets; functions and applications are not listed by Get-Command here.
        raise PSError("The lab implements Get-Command -CommandType Cmdlet or All only.", "LabUnsupported",
                      "NotImplemented", exception_type="System.NotSupportedException")
    for pattern in names:
        found = False
        for spec in sorted(REGISTRY.by_name.values(), key=lambda s: s.name.lower()):
            if not wildcard_match(pattern, spec.name) or not ctx.interp.module_visible(spec.module):
                continue
            if modules and spec.module.lower() not in modules:
                continue
            found = True
            yield PSObject({"CommandType": "Cmdlet", "Name": spec.name, "Version": "1.0", "Source": spec.module},
                           type_names=("System.Management.Automation.CmdletInfo",))
        if not found and not any(c in pattern for c in "*?["):
            from ..interpreter.commands import documented_unsimulated
            module = documented_unsimulated(pattern)
            if module is not None and ctx.interp.module_visible(module):
                # Windows would list it; the lab says it does not simulate it (never "not recognized").
                ctx.write_error(PSError("The PowerShell lab does not simulate the cmdlet %s of module %s."
                                        % (pattern, module), "PchatLabUnsupportedConstruct", "NotImplemented",
                                        target=pattern, exception_type="System.NotSupportedException"))
                continue
            err = PSError("The term '%s' is not recognized as the name of a cmdlet, function, script file, or "
                          "operable program. Check the spelling of the name, or if a path was included, verify that "
                          "the path is correct and try again." % pattern,
                          "CommandNotFoundException,Microsoft.PowerShell.Commands.GetCommandCommand",
                          "ObjectNotFound", target=pattern,
                          exception_type="System.Management.Automation.CommandNotFoundException")
            ctx.write_error(err)


# --- JSON -----------------------------------------------------------------------------------

@cmdlet("ConvertTo-Json", collects_input=True, params=[
    Param("InputObject", "object", position=0, from_pipeline=True), Param("Depth", "int", value_range=(1, 100)),
    Param("Compress", "switch")])
def convertto_json(ctx, args, pipeline):
    if args.given("InputObject"):
        value = args["InputObject"]
    elif not pipeline:
        return
    else:
        value = pipeline[0] if len(pipeline) == 1 else list(pipeline)
    yield convert_to_json(value, depth=args.get("Depth", 2), compress=bool(args.get("Compress")))


@cmdlet("ConvertFrom-Json", collects_input=True,
        params=[Param("InputObject", "string", position=0, from_pipeline=True)])
def convertfrom_json(ctx, args, pipeline):
    if args.given("InputObject"):
        texts = [args["InputObject"]]
    else:
        texts = [to_string(x) for x in pipeline]
    text = "\n".join(texts)
    if not text.strip():
        return
    # Windows PowerShell 5.1 writes a JSON array as one object (it does not enumerate it).
    yield convert_from_json(text)


# --- object cmdlets -------------------------------------------------------------------------

def _calculated(ctx, table: dict, allowed: tuple) -> tuple:
    """Name and expression of a calculated property @{Name=...; Expression=...}."""
    name, expr, descending = None, None, None
    for key, value in table.items():
        k = to_string(key).lower()
        if any(a.startswith(k) for a in ("name", "label")) and k:
            name = to_string(value)
        elif "expression".startswith(k) and k:
            expr = value
        elif "descending".startswith(k) and k and "descending" in allowed:
            descending = bool(value)
        elif "ascending".startswith(k) and k and "ascending" in allowed:
            descending = not bool(value)
        else:
            raise _error(ctx, "The %s key is not valid." % to_string(key), "DictionaryKeyUnknownType")
    if expr is None and "expression" in allowed:
        raise _error(ctx, "The Expression key is missing.", "DictionaryKeyMissing")
    if name is None:
        name = to_string(expr) if expr is not None else ""
    return name, expr, descending


def _evaluate(ctx, item: Any, expr: Any) -> Any:
    if isinstance(expr, ScriptBlock):
        out = ctx.invoke(expr, item)
        return None if not out else out[0] if len(out) == 1 else out
    return get_property(item, to_string(expr))


def _property_names(item: Any) -> list:
    if isinstance(item, PSObject):
        return item.keys()
    if isinstance(item, dict):
        return [to_string(k) for k in item.keys()]
    return []


@cmdlet("Select-Object", default_set="DefaultParameter", collects_input=True, params=[
    Param("Property", "object[]", position=0, sets=("DefaultParameter", "SkipLastParameter")),
    Param("ExcludeProperty", "string[]", sets=("DefaultParameter",)),
    Param("ExpandProperty", "string", sets=("DefaultParameter", "SkipLastParameter")),
    Param("Unique", "switch"), Param("First", "int", sets=("DefaultParameter",), value_range=(0, None)),
    Param("Last", "int", sets=("DefaultParameter",), value_range=(0, None)),
    Param("Skip", "int", sets=("DefaultParameter",), value_range=(0, None)),
    Param("SkipLast", "int", sets=("SkipLastParameter",), value_range=(0, None)),
    Param("Index", "int[]", sets=("IndexParameter",)),
    Param("InputObject", "object", from_pipeline=True)])
def select_object(ctx, args, pipeline):
    items = list(pipeline) if not args.given("InputObject") else [args["InputObject"]]
    props = args.get("Property")
    expand = args.get("ExpandProperty")
    results = []
    for item in items:
        if props:
            obj = PSObject(type_names=("Selected." + type_name(item), "System.Management.Automation.PSCustomObject"))
            for prop in props:
                if isinstance(prop, dict):
                    name, expr, _ = _calculated(ctx, prop, ("name", "expression"))
                    obj[name] = _evaluate(ctx, item, expr)
                    continue
                pattern = to_string(prop)
                if any(c in pattern for c in "*?["):
                    for name in _property_names(item):
                        if wildcard_match(pattern, name) and not any(
                                wildcard_match(x, name) for x in (args.get("ExcludeProperty") or [])):
                            obj[name] = get_property(item, name)
                else:
                    obj[pattern] = get_property(item, pattern)
            if expand:
                if expand not in obj:
                    obj_value = get_property(item, expand)
                else:
                    obj_value = obj.get(expand)
                results.extend(as_list(obj_value) if is_enumerable(obj_value) else [obj_value])
                continue
            results.append(obj)
        elif expand:
            if not _has_property(item, expand):
                ctx.write_error(_error(ctx, 'Property "%s" cannot be found.' % expand, "ExpandPropertyNotFound",
                                       target=item))
                continue
            value = get_property(item, expand)
            results.extend(as_list(value) if is_enumerable(value) else [value])
        else:
            results.append(item)
    if args.get("Unique"):
        unique = []
        for r in results:
            if not any(_same(r, u) for u in unique):
                unique.append(r)
        results = unique
    if args.given("Index"):
        results = [results[i] for i in args["Index"] if -len(results) <= i < len(results)]
    skip = args.get("Skip", 0)
    results = results[skip:]
    if args.given("SkipLast"):
        results = results[:max(len(results) - args["SkipLast"], 0)]
    if args.given("First") or args.given("Last"):
        first = results[:args["First"]] if args.given("First") else []
        last = results[len(results) - args["Last"]:] if args.given("Last") and args["Last"] else []
        results = first + last if args.given("First") else last
    return results


def _has_property(item: Any, name: str) -> bool:
    if isinstance(item, PSObject):
        return name in item
    if isinstance(item, dict):
        return name in item
    return get_property(item, name) is not None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, PSObject) and isinstance(b, PSObject):
        return [k.lower() for k in a.keys()] == [k.lower() for k in b.keys()] and all(
            ps_equal(a.get(k), b.get(k), True) for k in a.keys())
    try:
        return ps_equal(a, b, True) and type(a) is type(b)
    except Exception:
        return False


_OPERATORS = ["EQ", "NE", "GT", "GE", "LT", "LE", "Like", "NotLike", "Match", "NotMatch", "Contains",
              "NotContains", "In", "NotIn", "Is", "IsNot"]
_CASE_OPERATORS = ["CEQ", "CNE", "CGT", "CGE", "CLT", "CLE", "CLike", "CNotLike", "CMatch", "CNotMatch",
                   "CContains", "CNotContains", "CIn", "CNotIn"]
_OP_SETS = {op: op + "Set" for op in _OPERATORS + _CASE_OPERATORS}
_OP_SETS["EQ"] = "EqualSet"


def where_compare(op: str, left: Any, right: Any) -> bool:
    """Where-Object's comparison (same rules as the operators, scalar left side)."""
    case = op.startswith("c") and op not in ("contains",)
    name = op[1:] if case else op
    if name in ("eq", "ne"):
        result = ps_equal(left, right, case) if not isinstance(left, list) else any(
            ps_equal(v, right, case) for v in left)
        return result if name == "eq" else not result
    if name in ("gt", "ge", "lt", "le"):
        try:
            c = ps_compare(left, right, case)
        except Exception:
            return False
        return {"gt": c > 0, "ge": c >= 0, "lt": c < 0, "le": c <= 0}[name]
    if name in ("like", "notlike"):
        result = wildcard_match(to_string(right), to_string(left), case)
        return result if name == "like" else not result
    if name in ("match", "notmatch"):
        result = re.search(dotnet_regex(to_string(right)), to_string(left), 0 if case else re.I) is not None
        return result if name == "match" else not result
    if name in ("contains", "notcontains"):
        result = any(ps_equal(v, right, case) for v in as_list(left))
        return result if name == "contains" else not result
    if name in ("in", "notin"):
        result = any(ps_equal(v, left, case) for v in as_list(right))
        return result if name == "in" else not result
    raise PSError("The lab does not implement Where-Object -%s." % op, "LabUnsupported", "NotImplemented")


@cmdlet("Where-Object", module=CORE, default_set="EqualSet", collects_input=True, params=[
    Param("FilterScript", "scriptblock", mandatory=True, position=0, sets=("ScriptBlockSet",)),
    Param("Property", "string", mandatory=True, position=0, sets=tuple(_OP_SETS.values())),
    Param("Value", "object", position=1, sets=tuple(_OP_SETS.values())),
    Param("InputObject", "object", from_pipeline=True),
] + [Param(op, "switch", mandatory=op != "EQ", sets=(_OP_SETS[op],)) for op in _OPERATORS + _CASE_OPERATORS])
def where_object(ctx, args, pipeline):
    items = list(pipeline) if not args.given("InputObject") else [args["InputObject"]]
    if args.parameter_set == "ScriptBlockSet":
        block = args["FilterScript"]
        for item in items:
            out = ctx.invoke(block, item)
            from ..values import to_bool
            if to_bool(out[0] if len(out) == 1 else out):
                yield item
        return
    op = next((o for o in _OPERATORS + _CASE_OPERATORS if args.get(o)), None)
    prop = args["Property"]
    for item in items:
        left = get_property(item, prop)
        if op is None:
            from ..values import to_bool
            if not args.given("Value"):
                if to_bool(left):
                    yield item
                continue
            op_name = "eq"
        else:
            op_name = op.lower()
        if where_compare(op_name, left, args.get("Value")):
            yield item


@cmdlet("ForEach-Object", module=CORE, default_set="ScriptBlockSet", collects_input=True, params=[
    Param("Process", "scriptblock", mandatory=True, position=0, sets=("ScriptBlockSet",)),
    Param("Begin", "scriptblock", sets=("ScriptBlockSet",)),
    Param("End", "scriptblock", sets=("ScriptBlockSet",)),
    Param("MemberName", "string", mandatory=True, position=0, sets=("PropertyAndMethodSet",)),
    Param("ArgumentList", "object[]", sets=("PropertyAndMethodSet",)),
    Param("InputObject", "object", from_pipeline=True)])
def foreach_object(ctx, args, pipeline):
    items = list(pipeline) if not args.given("InputObject") else [args["InputObject"]]
    results = []
    if args.parameter_set == "PropertyAndMethodSet":
        if args.given("ArgumentList"):
            raise PSError("The lab does not implement ForEach-Object -MemberName with -ArgumentList.",
                          "LabUnsupported", "NotImplemented")
        for item in items:
            value = get_property(item, args["MemberName"])
            results.extend(as_list(value) if is_enumerable(value) else ([] if value is None else [value]))
        return results
    if args.given("Begin"):
        results.extend(ctx.invoke(args["Begin"], None))
    for item in items:
        results.extend(ctx.invoke(args["Process"], item))
    if args.given("End"):
        results.extend(ctx.invoke(args["End"], None))
    return results


@cmdlet("Measure-Object", default_set="GenericMeasure", collects_input=True, params=[
    Param("Property", "string[]", position=0), Param("Sum", "switch", sets=("GenericMeasure",)),
    Param("Average", "switch", sets=("GenericMeasure",)), Param("Maximum", "switch", sets=("GenericMeasure",)),
    Param("Minimum", "switch", sets=("GenericMeasure",)),
    Param("InputObject", "object", from_pipeline=True),
    Param("Line", "switch", sets=("TextMeasure",)), Param("Word", "switch", sets=("TextMeasure",)),
    Param("Character", "switch", sets=("TextMeasure",))])
def measure_object(ctx, args, pipeline):
    items = list(pipeline) if not args.given("InputObject") else [args["InputObject"]]
    if args.parameter_set == "TextMeasure":
        raise PSError("The lab does not implement Measure-Object -Line/-Word/-Character.", "LabUnsupported",
                      "NotImplemented")
    props = args.get("Property") or [None]
    for prop in props:
        if prop is None:
            values = items
        else:
            # Objects without the property are skipped (folders among Get-ChildItem -Recurse's files have
            # no Length); only when no object has it is that an error [DOC: Measure-Object, Example
            # "Get-ChildItem | Measure-Object -Property Length -Minimum -Maximum -Sum -Average"].
            values = [get_property(item, prop) for item in items if _has_property(item, prop)]
            if items and not values:
                ctx.write_error(_error(ctx, 'The property "%s" cannot be found in the input for any objects.'
                                       % prop, "GenericMeasurePropertyNotFound", target=prop))
                continue
        numbers = []
        if any(args.get(k) for k in ("Sum", "Average")):
            for v in values:
                try:
                    numbers.append(to_number(v))
                except Exception:
                    ctx.write_error(_error(ctx, 'Input object "%s" is not numeric.' % to_string(v),
                                           "NonNumericInputObject", target=v))
        result = PSObject(type_names=("Microsoft.PowerShell.Commands.GenericMeasureInfo",))
        result["Count"] = len(values)
        result["Average"] = (sum(numbers) / len(numbers) if numbers else None) if args.get("Average") else None
        result["Sum"] = sum(numbers) if args.get("Sum") else None
        if args.get("Maximum"):
            result["Maximum"] = _extreme(values, 1)
        else:
            result["Maximum"] = None
        result["Minimum"] = _extreme(values, -1) if args.get("Minimum") else None
        result["Property"] = prop
        yield result


def _extreme(values: list, sign: int) -> Any:
    best = None
    for v in values:
        if v is None:
            continue
        try:
            n = to_number(v)
        except Exception:
            n = v
        if best is None or ps_compare(n, best) * sign > 0:
            best = n
    return float(best) if isinstance(best, int) else best


def _sort_keys(ctx, args) -> list:
    keys = []
    for prop in args.get("Property") or []:
        if isinstance(prop, dict):
            name, expr, descending = _calculated(ctx, prop, ("expression", "descending", "ascending"))
            keys.append((expr, descending))
        elif isinstance(prop, ScriptBlock):
            keys.append((prop, None))
        else:
            keys.append((to_string(prop), None))
    return keys


@cmdlet("Sort-Object", collects_input=True, params=[
    Param("Property", "object[]", position=0), Param("Descending", "switch"), Param("Unique", "switch"),
    Param("CaseSensitive", "switch"), Param("InputObject", "object", from_pipeline=True)])
def sort_object(ctx, args, pipeline):
    items = list(pipeline) if not args.given("InputObject") else [args["InputObject"]]
    keys = _sort_keys(ctx, args) or [(None, None)]
    default_desc = bool(args.get("Descending"))
    case = bool(args.get("CaseSensitive"))
    rows = [([item if expr is None else _evaluate(ctx, item, expr) for expr, _ in keys], item) for item in items]

    def compare(a, b):
        for index, (expr, desc) in enumerate(keys):
            try:
                c = ps_compare(a[0][index], b[0][index], case)
            except Exception:
                c = ps_compare(to_string(a[0][index]), to_string(b[0][index]), case)
            if c:
                descending = default_desc if desc is None else desc
                return -c if descending else c
        return 0

    rows.sort(key=functools.cmp_to_key(compare))
    result = [item for _, item in rows]
    if args.get("Unique"):
        unique = []
        for (k, item) in rows:
            if not unique or compare((k, item), unique[-1]) != 0:
                unique.append((k, item))
        result = [item for _, item in unique]
    return result


@cmdlet("Group-Object", collects_input=True, params=[
    Param("Property", "object[]", position=0), Param("NoElement", "switch"), Param("CaseSensitive", "switch"),
    Param("InputObject", "object", from_pipeline=True)])
def group_object(ctx, args, pipeline):
    items = list(pipeline) if not args.given("InputObject") else [args["InputObject"]]
    keys = _sort_keys(ctx, args)
    groups: list = []
    for item in items:
        values = [item if not keys else _evaluate(ctx, item, expr) for expr, _ in (keys or [(None, None)])]
        name = ", ".join(to_string(v) for v in values)
        for group in groups:
            if (group["Name"] == name) if args.get("CaseSensitive") else group["Name"].lower() == name.lower():
                group["Group"].append(item)
                group["Count"] += 1
                break
        else:
            groups.append({"Name": name, "Group": [item], "Count": 1, "Values": values})
    for g in groups:
        obj = PSObject({"Count": g["Count"], "Name": g["Name"]},
                       type_names=("Microsoft.PowerShell.Commands.GroupInfo",))
        if not args.get("NoElement"):
            obj["Group"] = g["Group"]
        yield obj


# --- output and streams ---------------------------------------------------------------------

@cmdlet("Out-Null", module=CORE, collects_input=True, params=[Param("InputObject", "object", from_pipeline=True)])
def out_null(ctx, args, pipeline):
    return []


@cmdlet("Out-String", collects_input=True, params=[Param("InputObject", "object", from_pipeline=True),
                                                  Param("Stream", "switch"), Param("Width", "int")])
def out_string_cmdlet(ctx, args, pipeline):
    items = list(pipeline) if not args.given("InputObject") else [args["InputObject"]]
    text = out_string(items)
    if args.get("Stream"):
        return text.split("\r\n")[:-1]
    return [text]


@cmdlet("Write-Output", collects_input=True, params=[RemainingParam("InputObject", "object", position=0,
                                                                    from_pipeline=True),
                                Param("NoEnumerate", "switch")])
def write_output(ctx, args, pipeline):
    if not args.given("InputObject"):
        return list(pipeline)
    value = args["InputObject"]
    if args.get("NoEnumerate"):
        return [value]
    if isinstance(value, list) and len(value) == 1 and is_enumerable(value[0]):
        return list(value[0])
    return as_list(value) if isinstance(value, list) else [value]


_COLORS = ("Black", "DarkBlue", "DarkGreen", "DarkCyan", "DarkRed", "DarkMagenta", "DarkYellow", "Gray",
           "DarkGray", "Blue", "Green", "Cyan", "Red", "Magenta", "Yellow", "White")


@cmdlet("Write-Host", collects_input=True, params=[
    RemainingParam("Object", "object", position=0, from_pipeline=True), Param("NoNewline", "switch"),
    Param("Separator", "object"),
    Param("ForegroundColor", "enum", values=_COLORS, enum_type="System.ConsoleColor"),
    Param("BackgroundColor", "enum", values=_COLORS, enum_type="System.ConsoleColor")])
def write_host(ctx, args, pipeline):
    objects = args["Object"] if args.given("Object") else list(pipeline)
    if not isinstance(objects, list):
        objects = [objects]
    sep = to_string(args.get("Separator", " "))
    text = sep.join(to_string(o) if not isinstance(o, list) else " ".join(to_string(x) for x in o) for o in objects)
    if args.get("NoNewline"):
        ctx.interp.write_stdout(text)
    else:
        ctx.write_host(text)
    return []


_CATEGORIES = ("NotSpecified", "OpenError", "CloseError", "DeviceError", "DeadlockDetected", "InvalidArgument",
               "InvalidData", "InvalidOperation", "InvalidResult", "InvalidType", "MetadataError", "NotImplemented",
               "NotInstalled", "ObjectNotFound", "OperationStopped", "OperationTimeout", "SyntaxError", "ParserError",
               "PermissionDenied", "ResourceBusy", "ResourceExists", "ResourceUnavailable", "ReadError",
               "WriteError", "FromStdErr", "SecurityError", "ProtocolError", "ConnectionError",
               "AuthenticationError", "LimitsExceeded", "QuotaExceeded", "NotEnabled")


@cmdlet("Write-Error", params=[
    Param("Message", "object", position=0, mandatory=True, from_pipeline=True),
    Param("Category", "enum", values=_CATEGORIES, enum_type="System.Management.Automation.ErrorCategory"),
    Param("ErrorId", "string"), Param("TargetObject", "object"), Param("RecommendedAction", "string"),
    Param("CategoryActivity", "string"), Param("CategoryReason", "string"), Param("CategoryTargetName", "string"),
    Param("CategoryTargetType", "string")])
def write_error(ctx, args, pipeline):
    message = args["Message"]
    if isinstance(message, ErrorRecord):
        original = message.error
        err = PSError(original.message, original.error_id, original.category, target=original.target,
                      exception_type=original.exception_type)
        err.command_name = original.command_name
        err.position = original.position
    else:
        err = PSError(to_string(message), args.get("ErrorId") or "Microsoft.PowerShell.Commands.WriteErrorException",
                      str(args.get("Category", "NotSpecified")), target=args.get("TargetObject"),
                      exception_type="Microsoft.PowerShell.Commands.WriteErrorException")
        if args.get("CategoryReason"):
            err.exception_type = args["CategoryReason"]
        err.command_name = args.get("CategoryActivity") or "Write-Error"
        _place_write_error(ctx, err)
    ctx.write_error(err)
    return []


def _place_write_error(ctx, err: PSError) -> None:
    """PowerShell 5.1 names the invocation the error came from: the script's own command line at top
    level (without a position), or the calling function and its call site."""
    err.activity = "Write-Error"
    stack = ctx.interp.call_stack
    if stack:
        name, extent = stack[-1]
        err.command_name = name
        err.position = extent
    else:
        err.header = ctx.command_text


@cmdlet("Write-Warning", params=[Param("Message", "string", mandatory=True, position=0, from_pipeline=True)])
def write_warning(ctx, args, pipeline):
    ctx.write_warning(args["Message"])
    return []


@cmdlet("Write-Verbose", params=[Param("Message", "string", mandatory=True, position=0, from_pipeline=True)])
def write_verbose(ctx, args, pipeline):
    ctx.write_verbose(args["Message"])
    return []


@cmdlet("Write-Progress", params=[
    Param("Activity", "string", mandatory=True, position=0), Param("Status", "string", position=1),
    Param("Id", "int", position=2), Param("PercentComplete", "int"), Param("SecondsRemaining", "int"),
    Param("CurrentOperation", "string"), Param("ParentId", "int"), Param("Completed", "switch"),
    Param("SourceId", "int")])
def write_progress(ctx, args, pipeline):
    if args.given("ParentId") or args.given("SourceId"):
        raise PSError("The lab does not implement Write-Progress -ParentId / -SourceId.", "LabUnsupported",
                      "NotImplemented", exception_type="System.NotSupportedException")
    if str(ctx.get_variable("ProgressPreference")).lower() in ("silentlycontinue", "ignore"):
        return []
    record = ctx.interp.progress.record(args["Activity"], args.get("Status", "Processing"),
                                        args.get("PercentComplete", -1), args.get("Id", 0),
                                        bool(args.get("Completed")), args.get("CurrentOperation", ""),
                                        args.get("SecondsRemaining", -1))
    ctx.interp.stderr_record(record)
    return []


# --- dates and time -------------------------------------------------------------------------

_UFORMAT = {"Y": "%Y", "y": "%y", "m": "%m", "d": "%d", "H": "%H", "M": "%M", "S": "%S", "j": "%j",
            "A": "%A", "a": "%a", "B": "%B", "b": "%b", "p": "%p", "I": "%I", "%": "%%", "Z": None,
            "s": None, "F": "%Y-%m-%d", "T": "%H:%M:%S", "D": "%m/%d/%y", "R": "%H:%M", "e": None, "u": None}


def _uformat(d, fmt: str) -> str:
    out = []
    i = 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            code = fmt[i + 1]
            if code == "s":
                out.append(str(int(d.timestamp())))
            elif code == "Z":
                off = d.astimezone().utcoffset() if d.tzinfo is None else d.utcoffset()
                hours = int(off.total_seconds() // 3600)
                out.append("%+03d" % hours)
            elif code == "e":
                out.append("%2d" % d.day)
            elif code == "u":
                out.append(str(d.isoweekday()))
            elif code in _UFORMAT:
                out.append(d.strftime(_UFORMAT[code]))
            else:
                raise PSError("The lab does not implement Get-Date -UFormat %%%s." % code, "LabUnsupported",
                              "NotImplemented")
            i += 2
        else:
            out.append(fmt[i])
            i += 1
    return "".join(out)


@cmdlet("Get-Date", default_set="net", params=[
    Param("Date", "datetime", position=0, from_pipeline=True, from_pipeline_by_name=True),
    Param("Year", "int"), Param("Month", "int"), Param("Day", "int"), Param("Hour", "int"),
    Param("Minute", "int"), Param("Second", "int"), Param("Millisecond", "int"),
    Param("Format", "string", sets=("net",)), Param("UFormat", "string", sets=("UFormat",)),
    Param("DisplayHint", "enum", values=("Date", "Time", "DateTime"),
          enum_type="Microsoft.PowerShell.Commands.DisplayHintType")])
def get_date(ctx, args, pipeline):
    d = args.get("Date") or now()
    changes = {k.lower(): args[k] for k in ("Year", "Month", "Day", "Hour", "Minute", "Second") if args.given(k)}
    if changes:
        d = d.replace(**changes)
    if args.given("Millisecond"):
        d = d.replace(microsecond=args["Millisecond"] * 1000)
    if args.given("Format"):
        return [format_datetime(d, args["Format"])]
    if args.given("UFormat"):
        return [_uformat(d, args["UFormat"])]
    return [PSDateTime.of(d)]


@cmdlet("Start-Sleep", default_set="Seconds", params=[
    Param("Seconds", "int", mandatory=True, position=0, sets=("Seconds",), value_range=(0, 2147483),
          from_pipeline=True, from_pipeline_by_name=True),
    Param("Milliseconds", "int", mandatory=True, sets=("Milliseconds",), value_range=(0, 2147483647),
          from_pipeline_by_name=True)])
def start_sleep(ctx, args, pipeline):
    seconds = args["Seconds"] if args.parameter_set == "Seconds" else args["Milliseconds"] / 1000.0
    deadline = time.monotonic() + seconds
    sink = ctx.interp.sink
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        if getattr(sink, "terminated", False):
            raise Terminating(PSError("The pipeline has been stopped.", "PipelineStopped", "OperationStopped",
                                      exception_type="System.Management.Automation.PipelineStoppedException"),
                              script=True)
        time.sleep(min(left, 0.05))
    return []


@cmdlet("Set-StrictMode", module=CORE, params=[
    Param("Version", "string", mandatory=True, sets=("Version",)), Param("Off", "switch", mandatory=True, sets=("Off",))])
def set_strict_mode(ctx, args, pipeline):
    if args.parameter_set == "Off":
        ctx.interp.strict = 0
        return []
    text = args["Version"].strip().lower()
    versions = {"latest": 3, "1": 1, "1.0": 1, "2": 2, "2.0": 2, "3": 3, "3.0": 3}
    if text not in versions:
        raise _error(ctx, "Cannot validate argument on parameter 'Version'. The lab knows strict mode versions 1.0, "
                          "2.0, 3.0 and Latest.", "ParameterArgumentValidationError", "InvalidData")
    # Version 3 also checks out-of-bounds indexes and method-style calls; the lab enforces 1 and 2.
    ctx.interp.strict = versions[text]
    return []


# --- objects --------------------------------------------------------------------------------

_MEMBER_TYPES = ("AliasProperty", "CodeProperty", "Property", "NoteProperty", "ScriptProperty", "Properties",
                 "PropertySet", "Method", "CodeMethod", "ScriptMethod", "Methods", "ParameterizedProperty",
                 "MemberSet", "Event", "Dynamic", "All")


@cmdlet("Add-Member", default_set="TypeNameSet", params=[
    Param("InputObject", "object", mandatory=True, from_pipeline=True),
    Param("MemberType", "enum", mandatory=True, position=0, sets=("MemberSet",), values=_MEMBER_TYPES,
          enum_type="System.Management.Automation.PSMemberTypes", aliases=("Type",)),
    Param("Name", "string", mandatory=True, position=1, sets=("MemberSet",)),
    Param("Value", "object", position=2, sets=("MemberSet",)),
    Param("NotePropertyName", "string", mandatory=True, position=0, sets=("NotePropertySingleMemberSet",)),
    Param("NotePropertyValue", "object", mandatory=True, position=1, sets=("NotePropertySingleMemberSet",)),
    Param("NotePropertyMembers", "hashtable", mandatory=True, position=0, sets=("NotePropertyMultiMemberSet",)),
    Param("TypeName", "string"), Param("Force", "switch"), Param("PassThru", "switch")])
def add_member(ctx, args, pipeline):
    target = args["InputObject"]
    if not isinstance(target, PSObject):
        raise PSError("The lab implements Add-Member only on PSObjects, not on %s." % type_name(target),
                      "LabUnsupported", "NotImplemented", exception_type="System.NotSupportedException")
    if args.parameter_set == "MemberSet":
        if str(args["MemberType"]) != "NoteProperty":
            raise PSError("The lab implements Add-Member only for NoteProperty members.", "LabUnsupported",
                          "NotImplemented", exception_type="System.NotSupportedException")
        members = [(args["Name"], args.get("Value"))]
    elif args.parameter_set == "NotePropertySingleMemberSet":
        members = [(args["NotePropertyName"], args["NotePropertyValue"])]
    elif args.parameter_set == "NotePropertyMultiMemberSet":
        members = [(to_string(k), v) for k, v in args["NotePropertyMembers"].items()]
    else:
        members = []
    for name, value in members:
        if name in target and not args.get("Force"):
            raise _error(ctx, 'Cannot add a member with the name "%s" because a member with that name already '
                              'exists. To overwrite the member anyway, add the Force parameter to your command.'
                         % name, "MemberAlreadyExists", "InvalidOperation", target,
                         "System.InvalidOperationException")
        target[name] = value
    if args.get("TypeName"):
        target.type_names.insert(0, args["TypeName"])
    return [target] if args.get("PassThru") else []


@cmdlet("New-Object", params=[
    Param("TypeName", "string", mandatory=True, position=0), Param("ArgumentList", "object[]", position=1),
    Param("Property", "hashtable")])
def new_object(ctx, args, pipeline):
    type_key = args["TypeName"].lower().replace("system.", "", 1)
    if type_key in ("psobject", "management.automation.psobject", "pscustomobject",
                    "management.automation.pscustomobject", "object"):
        obj = PSObject()
        for key, value in (args.get("Property") or {}).items():
            obj[to_string(key)] = value
        return [obj]
    if type_key == "collections.arraylist" and not args.given("Property"):
        return [PSArrayList(as_list(args.get("ArgumentList")) if args.given("ArgumentList") else [])]
    if type_key == "collections.hashtable":
        return [PSHashtable()]
    if type_key in ("management.automation.pscredential", "pscredential") and not args.given("Property"):
        return [new_pscredential(as_list(args.get("ArgumentList")))]
    raise PSError("The lab does not implement New-Object for the type '%s'." % args["TypeName"], "LabUnsupported",
                  "NotImplemented", exception_type="System.NotSupportedException")


__all__ = ["where_compare", "RemainingParam"]
