"""Parameter binding from a cmdlet's Param declarations, with PowerShell's own error records.

Order, as PowerShell does it: named arguments (exact name or alias, else a unique prefix of a name
or alias), then positional arguments against the parameter sets still possible, then pipeline
input for ValueFromPipeline / ValueFromPipelineByPropertyName parameters, then parameter-set
resolution (default set, or the one set whose mandatory parameters are all present), then the
mandatory check. Values are converted to the declared type on binding.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any, Optional

from .api import ALL_SETS, BoundArguments, CmdletSpec, Param, PSEnum, PSError, PSListModifier, ScriptBlock
from .credentials import PSCredential
from .values import (ConversionError, as_list, to_bytes, to_datetime, to_double, to_int,
                     to_string, to_timespan, type_name, PSObject)

NO_VALUE = object()

# Common parameters: name, type, aliases. Every cmdlet has them; WhatIf/Confirm only with should_process.
ACTION_VALUES = ("SilentlyContinue", "Stop", "Continue", "Inquire", "Ignore", "Suspend")
COMMON_PARAMS = [
    Param("Verbose", "switch", aliases=("vb",)),
    Param("Debug", "switch", aliases=("db",)),
    Param("ErrorAction", "enum", aliases=("ea",), values=ACTION_VALUES,
          enum_type="System.Management.Automation.ActionPreference"),
    Param("WarningAction", "enum", aliases=("wa",), values=ACTION_VALUES,
          enum_type="System.Management.Automation.ActionPreference"),
    Param("InformationAction", "enum", aliases=("infa",), values=ACTION_VALUES,
          enum_type="System.Management.Automation.ActionPreference"),
    Param("ErrorVariable", "string", aliases=("ev",)),
    Param("WarningVariable", "string", aliases=("wv",)),
    Param("InformationVariable", "string", aliases=("iv",)),
    Param("OutVariable", "string", aliases=("ov",)),
    Param("OutBuffer", "int", aliases=("ob",)),
    Param("PipelineVariable", "string", aliases=("pv",)),
]
SHOULD_PROCESS_PARAMS = [Param("WhatIf", "switch", aliases=("wi",)), Param("Confirm", "switch", aliases=("cf",))]
COMMON_NAMES = {p.name.lower() for p in COMMON_PARAMS + SHOULD_PROCESS_PARAMS}

DOTNET_TYPES = {
    "string": "System.String", "string[]": "System.String[]", "int": "System.Int32", "int[]": "System.Int32[]",
    "long": "System.Int64", "double": "System.Double", "bool": "System.Boolean",
    "switch": "System.Management.Automation.SwitchParameter", "datetime": "System.DateTime",
    "timespan": "System.TimeSpan", "object": "System.Object", "object[]": "System.Object[]",
    "hashtable": "System.Collections.Hashtable", "scriptblock": "System.Management.Automation.ScriptBlock",
    "byte[]": "System.Byte[]", "pslistmodifier": "System.Management.Automation.PSListModifier",
    "pscredential": "System.Management.Automation.PSCredential",
    "int16": "System.Int16", "uint32": "System.UInt32",
    # Lync's ResultSize type: a UInt32 or the word Unlimited (reference §3.4, Get-CsPersistentChatEndpoint).
    "unlimited_uint32": "Microsoft.Rtc.Management.ADConnect.Core.Unlimited`1[System.UInt32]",
}
INTEGER_TYPES = {"int": "System.Int32", "long": "System.Int64", "int16": "System.Int16", "uint32": "System.UInt32"}


@dataclass
class RawArg:
    """One command element: a parameter name (``-Name``, maybe with a ``:value``) or an argument."""
    kind: str                    # "param" or "arg"
    name: str = ""               # parameter name as typed, without the dash
    value: Any = NO_VALUE        # the argument, or the colon-bound value of a parameter
    extent: Any = None           # (line, col, line_text, length) for error positions
    text: str = ""               # source text of the argument, for messages


def cmdlet_type(spec: CmdletSpec) -> str:
    """The .NET class PowerShell names in FullyQualifiedErrorId (best effort for lab cmdlets)."""
    explicit = getattr(spec, "type_name", "")
    if explicit:
        return explicit
    if getattr(spec, "is_function", False):
        return spec.name
    verb, _, noun = spec.name.partition("-")
    if spec.module.startswith("Microsoft.PowerShell"):
        return "Microsoft.PowerShell.Commands.%s%sCommand" % (verb, noun)
    return "%s.%s%sCommand" % (spec.module, verb, noun)


def param_type_name(param: Param) -> str:
    if param.type in ("enum", "enum[]"):
        return param.enum_type or "System.Enum"
    if param.object_types:
        return param.object_types[0] + ("[]" if param.type == "object[]" else "")
    return DOTNET_TYPES.get(param.type, "System.Object")


class BindingError(PSError):
    pass


def _error(spec: CmdletSpec, message: str, error_id: str, extent=None, category: str = "InvalidArgument",
           exception: str = "System.Management.Automation.ParameterBindingException", target=None) -> BindingError:
    err = BindingError(message, "%s,%s" % (error_id, cmdlet_type(spec)), category, target=target,
                       exception_type=exception)
    err.command_name = spec.name
    err.position = extent
    return err


def _sets_of(param: Param) -> set:
    return set(param.sets)


def all_sets(spec: CmdletSpec) -> set:
    sets = set()
    for p in spec.params:
        sets.update(s for s in p.sets if s != ALL_SETS)
    return sets


def _in_sets(param: Param, candidates: Optional[set]) -> bool:
    return candidates is None or ALL_SETS in param.sets or bool(candidates & set(param.sets))


def resolve_name(spec: CmdletSpec, typed: str, extent=None) -> Param:
    """A parameter by exact name/alias, else by unique prefix; PowerShell's errors otherwise."""
    # Simple functions (no [CmdletBinding()] / [Parameter()]) have no common parameters.
    common = COMMON_PARAMS if getattr(spec, "common_parameters", True) else []
    params = list(spec.params) + common + (SHOULD_PROCESS_PARAMS if spec.should_process else [])
    low = typed.lower()
    for p in params:
        if p.name.lower() == low or low in (a.lower() for a in p.aliases):
            return p
    matches = [p for p in params if p.name.lower().startswith(low) or
               any(a.lower().startswith(low) for a in p.aliases)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise _error(spec, "A parameter cannot be found that matches parameter name '%s'." % typed,
                     "NamedParameterNotFound", extent)
    raise _error(spec, "Parameter cannot be processed because the parameter name '%s' is ambiguous. "
                       "Possible matches include: %s." % (typed, " ".join("-" + p.name for p in matches)),
                 "AmbiguousParameter", extent)


def convert(spec: CmdletSpec, param: Param, value: Any, extent=None) -> Any:
    """Convert ``value`` to the parameter's declared type, with PowerShell's binding errors."""
    t = param.type
    target = param_type_name(param)

    def cannot(inner: str = "") -> BindingError:
        conversion = 'Cannot convert value "%s" to type "%s".' % (to_string(value), target)
        if inner:
            conversion += ' Error: "%s"' % inner
        if getattr(spec, "is_function", False):
            # A script parameter's type is an ArgumentTypeConverterAttribute, a transformation attribute:
            # PowerShell reports its failure as an argument transformation, not as a binding.
            return _error(spec, "Cannot process argument transformation on parameter '%s'. %s" % (
                param.name, conversion), "ParameterArgumentTransformationError", extent, "InvalidData",
                "System.Management.Automation.ParameterBindingArgumentTransformationException")
        return _error(spec, "Cannot bind parameter '%s'. %s" % (param.name, conversion),
                      "CannotConvertArgumentNoMessage", extent)

    if value is None:
        if param.mandatory and t not in ("switch", "bool"):
            raise _error(spec, "Cannot bind argument to parameter '%s' because it is null." % param.name,
                         "ParameterArgumentValidationErrorNullNotAllowed", extent, "InvalidData",
                         "System.Management.Automation.ParameterBindingValidationException")
        return None
    try:
        if t == "switch":
            if isinstance(value, (bool, int)) or value is None:
                return bool(value)
            raise cannot()
        if t == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, (int, float)):
                return value != 0
            raise _error(spec, "Cannot convert value \"%s\" to type \"System.Boolean\". Boolean parameters accept "
                               "only Boolean values and numbers, such as $True, $False, 1 or 0." % type_name(value),
                         "CannotConvertArgumentNoMessage", extent)
        if t in ("string", "string[]"):
            if t == "string":
                if isinstance(value, list):
                    if len(value) == 1:
                        value = value[0]
                    else:
                        raise _error(spec, "Cannot convert '%s' to the type 'System.String' required by parameter "
                                           "'%s'. Specified method is not supported." % (type_name(value), param.name),
                                     "CannotConvertArgument", extent)
                result = to_string(value)
                _check_string(spec, param, result, extent)
                return result
            result = [to_string(v) for v in as_list(value)]
            for item in result:
                _check_string(spec, param, item, extent)
            return result
        if t in INTEGER_TYPES:
            n = to_int(value[0] if isinstance(value, list) and len(value) == 1 else value, INTEGER_TYPES[t])
            _check_range(spec, param, n, extent)
            return n
        if t == "unlimited_uint32":
            return _to_unlimited(spec, param, value, extent, cannot)
        if t == "int[]":
            items = [to_int(v) for v in as_list(value)]
            for n in items:
                _check_range(spec, param, n, extent)
            return items
        if t == "double":
            return to_double(value)
        if t == "datetime":
            return to_datetime(value[0] if isinstance(value, list) and len(value) == 1 else value)
        if t == "timespan":
            return to_timespan(value)
        if t == "object":
            if param.object_types and not _has_type(param, value):
                raise _not_of_type(spec, param, value, extent)
            return value
        if t == "object[]":
            items = as_list(value)
            for item in items if param.object_types else ():
                if not _has_type(param, item):
                    raise _not_of_type(spec, param, value, extent)
            return items
        if t == "hashtable":
            if isinstance(value, dict):
                return value
            raise cannot()
        if t == "scriptblock":
            if isinstance(value, ScriptBlock):
                return value
            raise _error(spec, 'Cannot bind parameter \'%s\'. Cannot convert the "%s" value of type "%s" to type '
                               '"System.Management.Automation.ScriptBlock".' % (param.name, to_string(value),
                                                                                type_name(value)),
                         "CannotConvertArgumentNoMessage", extent)
        if t == "byte[]":
            return to_bytes(value)
        if t == "pscredential":
            # No [Credential()] attribute: a user name string is not turned into a logon prompt [lab choice].
            single = value[0] if isinstance(value, list) and len(value) == 1 else value
            if isinstance(single, PSCredential):
                return single
            raise _error(spec, 'Cannot bind parameter \'%s\'. Cannot convert the "%s" value of type "%s" to type '
                               '"%s".' % (param.name, to_string(value), type_name(value), target),
                         "CannotConvertArgumentNoMessage", extent)
        if t in ("enum", "enum[]"):
            items = [_to_enum(spec, param, v, extent) for v in as_list(value)]
            if t == "enum":
                if len(items) != 1:
                    raise cannot()
                return items[0]
            return items
        if t == "pslistmodifier":
            return _to_list_modifier(value, cannot)
    except ConversionError as exc:
        raise cannot(exc.inner) from None
    raise cannot()


def _has_type(param: Param, value: Any) -> bool:
    """Whether ``value`` is an instance of the parameter's declared .NET type (object_types)."""
    return isinstance(value, PSObject) and bool({t.lower() for t in value.type_names} &
                                                {t.lower() for t in param.object_types})


def _not_of_type(spec: CmdletSpec, param: Param, value: Any, extent) -> BindingError:
    # PowerShell's wording when no conversion to the parameter's type exists (LanguagePrimitives); a single
    # value for an array parameter fails as an element, so the element type is named.
    target = param_type_name(param)
    if not isinstance(value, list) and target.endswith("[]"):
        target = target[:-2]
    return _error(spec, 'Cannot bind parameter \'%s\'. Cannot convert the "%s" value of type "%s" to type "%s".' % (
        param.name, to_string(value), type_name(value), target), "CannotConvertArgumentNoMessage", extent)


def _to_unlimited(spec: CmdletSpec, param: Param, value: Any, extent, cannot) -> Optional[int]:
    """Unlimited<UInt32>: the word Unlimited (None: no limit) or a UInt32; anything else, -1 included, is
    refused. [ASSUMED] the inner error text: .NET's UInt32 overflow / format messages."""
    single = value[0] if isinstance(value, list) and len(value) == 1 else value
    if isinstance(single, str) and single.strip().lower() == "unlimited":
        return None
    try:
        n = to_int(single, "System.UInt32")
    except ConversionError as exc:
        raise cannot(exc.inner) from None
    _check_range(spec, param, n, extent)
    return n


def _check_string(spec: CmdletSpec, param: Param, text: str, extent) -> None:
    if param.mandatory and text == "" and param.type in ("string", "string[]"):
        raise _error(spec, "Cannot bind argument to parameter '%s' because it is an empty string." % param.name,
                     "ParameterArgumentValidationErrorEmptyStringNotAllowed", extent, "InvalidData",
                     "System.Management.Automation.ParameterBindingValidationException")
    if param.values is not None and text.lower() not in (v.lower() for v in param.values):
        raise _error(spec, "Cannot validate argument on parameter '%s'. The argument \"%s\" does not belong to the "
                           "set \"%s\" specified by the ValidateSet attribute. Supply an argument that is in the set "
                           "and then try the command again." % (param.name, text, ",".join(param.values)),
                     "ParameterArgumentValidationError", extent, "InvalidData",
                     "System.Management.Automation.ParameterBindingValidationException")


def _check_range(spec: CmdletSpec, param: Param, n: int, extent) -> None:
    if not param.value_range:
        return
    lo, hi = param.value_range
    if lo is not None and n < lo:
        text = ("The %s argument is less than the minimum allowed range of %s. Supply an argument that is greater "
                "than or equal to %s and then try the command again." % (n, lo, lo))
    elif hi is not None and n > hi:
        text = ("The %s argument is greater than the maximum allowed range of %s. Supply an argument that is less "
                "than or equal to %s and then try the command again." % (n, hi, hi))
    else:
        return
    raise _error(spec, "Cannot validate argument on parameter '%s'. %s" % (param.name, text),
                 "ParameterArgumentValidationError", extent, "InvalidData",
                 "System.Management.Automation.ParameterBindingValidationException")


def _to_enum(spec: CmdletSpec, param: Param, value: Any, extent) -> PSEnum:
    names = list(param.values or ())
    target = param.enum_type or "System.Enum"
    if isinstance(value, PSEnum) and value.name.lower() in (n.lower() for n in names):
        return PSEnum(target, names[[n.lower() for n in names].index(value.name.lower())],
                      names.index(names[[n.lower() for n in names].index(value.name.lower())]))
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names):
        return PSEnum(target, names[value], value)
    text = to_string(value).strip()
    for index, name in enumerate(names):
        if name.lower() == text.lower():
            return PSEnum(target, name, index)
    raise _error(spec, 'Cannot bind parameter \'%s\'. Cannot convert value "%s" to type "%s". Error: "Unable to '
                       'match the identifier name %s to a valid enumerator name. Specify one of the following '
                       'enumerator names and try again: %s"' % (param.name, text, target, text, ", ".join(names)),
                 "CannotConvertArgumentNoMessage", extent)


def _to_list_modifier(value: Any, cannot) -> PSListModifier:
    if isinstance(value, dict):
        mod = PSListModifier()
        for key, item in value.items():
            k = to_string(key).lower()
            if k == "add":
                mod.add = as_list(item)
            elif k == "remove":
                mod.remove = as_list(item)
            elif k == "replace":
                mod.replace = as_list(item)
            else:
                raise cannot("The hash table must contain only the keys Add, Remove and Replace.")
        return mod
    if isinstance(value, PSListModifier):
        return value
    return PSListModifier(replace=as_list(value))


@dataclass
class Invocation:
    args: Optional[BoundArguments]
    pipeline: list
    # A pipeline object no parameter binds: PowerShell writes this non-terminating error (InputObjectNotBound)
    # and does not run the cmdlet's ProcessRecord for that object. ``args`` is None then.
    error: Optional[PSError] = None


@dataclass
class BindResult:
    invocations: list            # one Invocation, or one per pipeline object
    common: dict                 # common parameter name -> value


def bind(spec: CmdletSpec, raw: list, pipeline: list, command_extent=None,
         expecting_input: bool = False) -> BindResult:
    """``expecting_input``: the command stands after a ``|``, so parameters that take pipeline input
    wait for it (an upstream command that writes nothing leaves the cmdlet's process step unrun)."""
    bound: dict = {}
    common: dict = {}
    positional: list = []
    i = 0
    while i < len(raw):
        item = raw[i]
        i += 1
        if item.kind == "arg":
            positional.append(item)
            continue
        param = resolve_name(spec, item.name, item.extent)
        value = item.value
        if value is NO_VALUE:
            if param.type == "switch":
                value = True
            elif i < len(raw) and raw[i].kind == "arg":
                value = raw[i].value
                i += 1
            else:
                raise _error(spec, "Missing an argument for parameter '%s'. Specify a parameter of type '%s' and "
                                   "try again." % (param.name, param_type_name(param)), "MissingArgument", item.extent)
        if param.name.lower() in COMMON_NAMES:
            common[param.name] = convert(spec, param, value, item.extent)
            continue
        if param.name in bound:
            raise _error(spec, "Cannot bind parameter because parameter '%s' is specified more than once. To provide "
                               "multiple values to parameters that can accept multiple values, use the array syntax. "
                               "For example, \"-parameter value1,value2,value3\"." % param.name,
                         "ParameterAlreadyBound", item.extent)
        bound[param.name] = (param, convert(spec, param, value, item.extent))

    named_sets = all_sets(spec)
    candidates = set(named_sets) if named_sets else None
    for param, _ in bound.values():
        if candidates is not None and ALL_SETS not in param.sets:
            candidates &= set(param.sets)
    if candidates is not None and not candidates:
        raise _error(spec, "Parameter set cannot be resolved using the specified named parameters.",
                     "AmbiguousParameterSet", command_extent)

    # Positional arguments, lowest position first, among parameters of the sets still possible.
    index = 0
    while index < len(positional):
        item = positional[index]
        index += 1
        slots = sorted({p.position for p in spec.params if p.position is not None and p.name not in bound
                        and _in_sets(p, candidates)})
        chosen = None
        for position in slots:
            options = [p for p in spec.params if p.position == position and p.name not in bound
                       and _in_sets(p, candidates)]
            if len(options) > 1:
                typed = [p for p in options if (p.type == "scriptblock") == isinstance(item.value, ScriptBlock)]
                options = typed or options
                # PowerShell tries each parameter at this position: one whose type cannot take the argument
                # (a string for -InputObject <ServiceController[]>) leaves it to the others.
                convertible = [p for p in options if _converts(spec, p, item.value)]
                options = convertible or options
                if len(options) > 1 and spec.default_set:
                    options = [p for p in options if spec.default_set in p.sets or ALL_SETS in p.sets] or options
            chosen = options[0]
            break
        if chosen is None:
            raise _error(spec, "A positional parameter cannot be found that accepts argument '%s'." % (
                item.text or to_string(item.value)), "PositionalParameterNotFound", item.extent or command_extent)
        value = item.value
        if getattr(chosen, "remaining", False):
            # ValueFromRemainingArguments: this parameter takes every positional argument left.
            value = [item.value] + [rest.value for rest in positional[index:]]
            index = len(positional)
        bound[chosen.name] = (chosen, convert(spec, chosen, value, item.extent))
        if candidates is not None and ALL_SETS not in chosen.sets:
            candidates &= set(chosen.sets)

    if expecting_input and not pipeline:
        try:
            return BindResult([Invocation(_finish(spec, bound, candidates, command_extent), [])], common)
        except BindingError as err:
            waiting = [p for p in spec.params if p.name in getattr(err, "missing", ())]
            if waiting and all(p.from_pipeline or p.from_pipeline_by_name for p in waiting):
                # PowerShell does not ask for mandatory parameters the pipeline may still bind; with no
                # input arriving, ProcessRecord never runs: no output and no error.
                return BindResult([], common)
            raise
    invocations = _bind_pipeline(spec, bound, candidates, pipeline, command_extent)
    return BindResult(invocations, common)


def _finish(spec: CmdletSpec, bound: dict, candidates: Optional[set], command_extent) -> BoundArguments:
    chosen = ALL_SETS
    if candidates is not None:
        if len(candidates) == 1:
            chosen = next(iter(candidates))
        elif spec.default_set in candidates:
            chosen = spec.default_set
        else:
            complete = [s for s in sorted(candidates) if not _missing(spec, bound, s)]
            if len(complete) == 1:
                chosen = complete[0]
            else:
                raise _error(spec, "Parameter set cannot be resolved using the specified named parameters.",
                             "AmbiguousParameterSet", command_extent)
    missing = _missing(spec, bound, chosen)
    if missing:
        err = _error(spec, "Cannot process command because of one or more missing mandatory parameters: %s."
                     % " ".join(missing), "MissingMandatoryParameter", command_extent)
        err.missing = missing
        raise err
    args = BoundArguments((name, value) for name, (param, value) in bound.items())
    args.parameter_set = chosen
    return args


def _missing(spec: CmdletSpec, bound: dict, chosen: str) -> list:
    return [p.name for p in spec.params if p.mandatory and p.name not in bound
            and (ALL_SETS in p.sets or chosen in p.sets or chosen == ALL_SETS)]


def _bind_pipeline(spec: CmdletSpec, bound: dict, candidates, pipeline: list, command_extent) -> list:
    if not pipeline:
        return [Invocation(_finish(spec, bound, candidates, command_extent), [])]
    by_value = [p for p in spec.params if p.from_pipeline and p.name not in bound and _in_sets(p, candidates)]
    by_name = [p for p in spec.params if p.from_pipeline_by_name and p.name not in bound and _in_sets(p, candidates)]
    array_param = next((p for p in by_value if p.type.endswith("[]")), None)
    if array_param is not None and not by_name and not spec.collects_input and \
            all(_converts(spec, array_param, obj) for obj in pipeline):
        local = dict(bound)
        local[array_param.name] = (array_param, convert(spec, array_param, list(pipeline), command_extent))
        sets = _narrow(candidates, array_param)
        return [Invocation(_finish(spec, local, sets, command_extent), list(pipeline))]
    invocations = []
    for obj in pipeline:
        # Each object starts again from the arguments and sets the command line left, as PowerShell
        # restores its pre-pipeline state between objects.
        local = dict(bound)
        sets = candidates
        done = False
        for by_property, coerce in PIPELINE_STATES:
            sets, bound_any = _bind_state(spec, local, sets, obj, by_property, coerce, command_extent)
            done = done or bound_any
        if not done:
            invocations.append(Invocation(None, [obj], input_not_bound(spec, obj, command_extent)))
            continue
        invocations.append(Invocation(_finish(spec, local, sets, command_extent), [obj]))
    if spec.collects_input:
        # One call with every object that bound, the arguments being the command line's only.
        taken = [inv.pipeline[0] for inv in invocations if inv.error is None]
        errors = [inv for inv in invocations if inv.error is not None]
        return errors + ([Invocation(_finish(spec, bound, candidates, command_extent), taken)] if taken else [])
    return invocations


def input_not_bound(spec: CmdletSpec, obj: Any, command_extent) -> BindingError:
    """PowerShell's error for a pipeline object that no ValueFromPipeline(ByPropertyName) parameter takes
    (ParameterBinderStrings.InputObjectNotBound), written as a non-terminating error for that object."""
    return _error(spec, "The input object cannot be bound to any parameters for the command either because "
                        "the command does not take pipeline input or the input and its properties do not "
                        "match any of the parameters that take pipeline input.", "InputObjectNotBound",
                  command_extent, target=obj)


def _converts(spec: CmdletSpec, param: Param, obj: Any) -> bool:
    try:
        convert(spec, param, obj)
    except PSError:
        return False
    return True


# PowerShell's order of pipeline binding (CmdletParameterBinderController.BindPipelineParameters):
# by value without type coercion, by property name without, then by value and by property name with it.
PIPELINE_STATES = ((False, False), (True, False), (False, True), (True, True))


def _bind_state(spec: CmdletSpec, local: dict, sets, obj, by_property: bool, coerce: bool, command_extent):
    """One binding state; the default set, while still possible, is tried alone first, then the other sets
    still possible. Returns the narrowed sets and whether anything bound."""
    default = spec.default_set
    if sets is not None and default and default in sets:
        narrowed, bound_any = _bind_in_sets(spec, local, sets, {default}, obj, by_property, coerce, command_extent)
        if bound_any:
            return narrowed, True
        others = sets - {default}
        if not others:
            return sets, False
        return _bind_in_sets(spec, local, sets, others, obj, by_property, coerce, command_extent)
    return _bind_in_sets(spec, local, sets, sets, obj, by_property, coerce, command_extent)


def _bind_in_sets(spec: CmdletSpec, local: dict, sets, allowed, obj, by_property: bool, coerce: bool,
                  command_extent):
    bound_any = False
    for param in spec.params:
        if param.name in local or not _in_sets(param, allowed) or not _in_sets(param, sets):
            continue
        if by_property:
            if not param.from_pipeline_by_name or not isinstance(obj, PSObject):
                continue
            name = next((n for n in (param.name,) + tuple(param.aliases) if n in obj), None)
            if name is None:
                continue
            value = obj.get(name)
            if not coerce and not _fits_without_coercion(param, value):
                continue
            # A property that does not convert is PowerShell's binding error, not a reason to skip.
            local[param.name] = (param, convert(spec, param, value, command_extent))
        else:
            if not param.from_pipeline:
                continue
            if not coerce and not _fits_without_coercion(param, obj):
                continue
            try:
                local[param.name] = (param, convert(spec, param, obj, command_extent))
            except PSError as err:
                if coerce and "ValidationError" not in err.error_id:
                    continue        # the object does not convert: try the next parameter
                raise
        sets = _narrow(sets, param)
        allowed = _narrow(allowed, param)
        bound_any = True
        if not by_property:
            break           # one parameter takes the object itself
    return sets, bound_any


def _fits_without_coercion(param: Param, value: Any) -> bool:
    """Whether ``value`` already is of the parameter's type (or an array of it, for array parameters)."""
    t = param.type
    if param.object_types and t in ("object", "object[]"):
        return all(_has_type(param, v) for v in as_list(value)) if value is not None else False
    if t in ("object", "object[]") or value is None:
        return True
    if t == "byte[]":
        return isinstance(value, (bytes, bytearray))
    if t.endswith("[]") and isinstance(value, list):
        element = Param(param.name, t[:-2], enum_type=param.enum_type)
        return bool(value) and all(_fits_without_coercion(element, v) for v in value)
    base = t[:-2] if t.endswith("[]") else t
    if base == "string":
        return isinstance(value, str)
    if base in INTEGER_TYPES or base == "unlimited_uint32":
        return isinstance(value, int) and not isinstance(value, bool)
    if base == "double":
        return isinstance(value, float)
    if base in ("bool", "switch"):
        return isinstance(value, bool)
    if base == "datetime":
        return isinstance(value, _dt.datetime)
    if base == "timespan":
        return isinstance(value, _dt.timedelta)
    if base == "hashtable":
        return isinstance(value, dict) and not isinstance(value, PSObject)
    if base == "scriptblock":
        return isinstance(value, ScriptBlock)
    if base == "enum":
        return isinstance(value, PSEnum) and (not param.enum_type or value.type_name == param.enum_type)
    if base == "pslistmodifier":
        return isinstance(value, PSListModifier)
    if base == "pscredential":
        return isinstance(value, PSCredential)
    return False


def _narrow(candidates, param: Param):
    if candidates is None or ALL_SETS in param.sets:
        return candidates
    return candidates & set(param.sets)


__all__ = ["bind", "RawArg", "NO_VALUE", "BindResult", "Invocation", "convert", "cmdlet_type",
           "resolve_name", "COMMON_PARAMS", "BindingError", "input_not_bound"]
