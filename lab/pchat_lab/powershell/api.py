"""The contract between the PowerShell engine and the cmdlets it runs.

Cmdlet implementations (core utility cmdlets, Windows cmdlets, Lync cmdlets) import only this module
and the host model; the interpreter (``pchat_lab.powershell.engine``) fulfils it. Keeping the contract
in one small file lets each family of cmdlets live in its own module without knowing the interpreter.

A cmdlet is a Python function registered with :func:`cmdlet`::

    @cmdlet("Get-Service", module="Microsoft.PowerShell.Management",
            params=[Param("Name", "string[]", position=0, aliases=("ServiceName",), from_pipeline=True),
                    Param("DisplayName", "string[]", sets=("DisplayName",))],
            default_set="Default")
    def get_service(ctx, args, pipeline):
        for svc in ctx.host.services.values():
            yield svc.to_psobject()

``args`` is a :class:`BoundArguments`: canonical parameter name -> converted value, for the
parameters the caller gave (or bound from the pipeline). ``pipeline`` is the list of objects the
previous pipeline element produced (empty for the first element). The function returns (or yields)
the objects it writes to the output stream. With ``collects_input=True`` the function is called once
with every piped object in ``pipeline``; otherwise once per piped object that a ValueFromPipeline(ByPropertyName)
parameter binds (an object none binds is PowerShell's InputObjectNotBound error, and the function is not
called for it).

Parameter binding (unique prefixes, aliases, positional arguments, switch values such as
``-Force:$false``, mandatory checks, ValidateSet / enum checks, type conversion, parameter-set
resolution) and the common parameters (-ErrorAction, -WarningAction, -Verbose, -WhatIf, -Confirm,
-ErrorVariable, -OutVariable) are done by the engine from the declaration, with PowerShell's own
error messages. A cmdlet never sees a common parameter except through ``ctx``. ``ctx.should_process``
asks for confirmation as the declared ``confirm_impact`` and $ConfirmPreference say; every error the
cmdlet raises or writes gets its declared ``type_name`` as the FullyQualifiedErrorId suffix.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional

ALL_SETS = "__AllParameterSets"

# Parameter types the engine knows how to convert to. "enum" uses Param.values as the allowed names.
PARAM_TYPES = {
    "string", "string[]", "int", "int[]", "long", "double", "bool", "switch", "datetime", "timespan",
    "object", "object[]", "hashtable", "scriptblock", "enum", "enum[]", "byte[]", "pslistmodifier", "pscredential",
    "int16", "uint32", "unlimited_uint32",
}

# ConfirmImpact values, lowest first: ShouldProcess prompts when the cmdlet's impact is at or above
# $ConfirmPreference (about_Preference_Variables), or when -Confirm is given.
CONFIRM_IMPACTS = ("None", "Low", "Medium", "High")


class PSObject:
    """An object with ordered, case-insensitive properties, like a PSCustomObject or a .NET object
    seen through PowerShell's adapter. ``type_names`` is what ``.PSObject.TypeNames`` would list,
    most derived first; ConvertTo-Json and the formatter use the properties only."""

    def __init__(self, props: Optional[dict] = None,
                 type_names: Iterable[str] = ("System.Management.Automation.PSCustomObject",)):
        self._props: dict[str, Any] = {}
        self._names: dict[str, str] = {}
        self.type_names = list(type_names)
        for key, value in (props or {}).items():
            self[key] = value

    def __getitem__(self, name: str) -> Any:
        return self._props[self._names[name.lower()]]

    def __setitem__(self, name: str, value: Any) -> None:
        canonical = self._names.setdefault(name.lower(), name)
        self._props[canonical] = value

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._names

    def get(self, name: str, default: Any = None) -> Any:
        key = self._names.get(name.lower())
        return self._props[key] if key is not None else default

    def keys(self) -> list[str]:
        return list(self._props.keys())

    def items(self) -> list[tuple[str, Any]]:
        return list(self._props.items())

    def __repr__(self) -> str:
        return "PSObject(%r)" % (self._props,)


class PSEnum:
    """A .NET enum value: prints as its name, compares equal to its name (case-insensitively) or its
    number, and is written by Windows PowerShell 5.1's ConvertTo-Json as its number."""

    def __init__(self, type_name: str, name: str, value: int):
        self.type_name = type_name
        self.name = name
        self.value = value

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return "PSEnum(%s.%s=%d)" % (self.type_name, self.name, self.value)

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, PSEnum):
            return self.type_name == other.type_name and self.value == other.value
        if isinstance(other, str):
            return other.lower() == self.name.lower()
        if isinstance(other, int) and not isinstance(other, bool):
            return other == self.value
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.type_name, self.value))


@dataclass
class ScriptBlock:
    """A script block value. ``text`` is its source without the braces; ``node`` is engine-private."""
    text: str
    node: Any = None
    closure: Any = None

    def __str__(self) -> str:
        return self.text


@dataclass
class PSListModifier:
    """The value of a PSListModifier parameter: ``@{Add=...; Remove=...; Replace=...}`` or a plain list
    (which means Replace)."""
    add: list = field(default_factory=list)
    remove: list = field(default_factory=list)
    replace: Optional[list] = None

    def apply(self, current: list) -> list:
        result = list(self.replace) if self.replace is not None else list(current)
        lowered = {str(x).lower() for x in self.remove}
        result = [x for x in result if str(x).lower() not in lowered]
        for item in self.add:
            if str(item).lower() not in {str(x).lower() for x in result}:
                result.append(item)
        return result


@dataclass
class Param:
    """One parameter of a cmdlet, as its [Parameter()] attributes would declare it."""
    name: str
    type: str = "string"
    mandatory: bool = False
    position: Optional[int] = None
    aliases: tuple = ()
    values: Optional[tuple] = None          # ValidateSet / enum member names, declared spelling
    sets: tuple = (ALL_SETS,)
    from_pipeline: bool = False             # ValueFromPipeline
    from_pipeline_by_name: bool = False     # ValueFromPipelineByPropertyName
    value_range: Optional[tuple] = None     # ValidateRange(min, max)
    enum_type: str = ""                     # .NET type name shown in enum errors
    # For "object" parameters declared with a specific .NET type (ChatRoom, NTService...): the type names
    # (PSObject.type_names) a value must carry; the first is the name PowerShell's messages show.
    object_types: tuple = ()

    def __post_init__(self) -> None:
        if self.type not in PARAM_TYPES:
            raise ValueError("unknown parameter type %r for %s" % (self.type, self.name))


@dataclass
class CmdletSpec:
    name: str
    module: str
    params: list
    func: Callable
    default_set: Optional[str] = None
    should_process: bool = False            # SupportsShouldProcess: adds -WhatIf and -Confirm
    output_type: str = ""
    # The implementing .NET class: the suffix of every FullyQualifiedErrorId the cmdlet's errors carry
    # (binding and runtime alike). Empty: derived from the module and name (binding.cmdlet_type).
    type_name: str = ""
    # CmdletBinding(ConfirmImpact=...): with SupportsShouldProcess, ShouldProcess asks for confirmation
    # when this is at or above $ConfirmPreference (default High). PowerShell's default is Medium.
    confirm_impact: str = "Medium"
    # The lab's implementation reads its ValueFromPipeline input all at once (in one call, the objects in
    # ``pipeline``) instead of once per object, as cmdlets that sort, group or measure do in EndProcessing.
    collects_input: bool = False


class Registry:
    """Every cmdlet the lab knows, by module. Import-Module makes a non-core module's cmdlets visible."""

    # Modules Windows loads (or autoloads from System32) without an Import-Module.
    CORE_MODULES = ("Microsoft.PowerShell.Core", "Microsoft.PowerShell.Utility",
                    "Microsoft.PowerShell.Management", "Microsoft.PowerShell.Security", "CimCmdlets", "Storage")

    def __init__(self) -> None:
        self.by_name: dict[str, CmdletSpec] = {}

    def add(self, spec: CmdletSpec) -> None:
        self.by_name[spec.name.lower()] = spec

    def find(self, name: str) -> Optional[CmdletSpec]:
        return self.by_name.get(name.lower())

    def modules(self) -> set:
        return {spec.module for spec in self.by_name.values()}


REGISTRY = Registry()


def cmdlet(name: str, params: Iterable[Param] = (), module: str = "Microsoft.PowerShell.Utility",
           default_set: Optional[str] = None, should_process: bool = False, output_type: str = "",
           type_name: str = "", confirm_impact: str = "Medium", collects_input: bool = False):
    """Register the decorated function as the cmdlet ``name``."""
    if confirm_impact not in CONFIRM_IMPACTS:
        raise ValueError("unknown ConfirmImpact %r for %s" % (confirm_impact, name))

    def register(func: Callable) -> Callable:
        REGISTRY.add(CmdletSpec(name=name, module=module, params=list(params), func=func,
                                default_set=default_set, should_process=should_process,
                                output_type=output_type, type_name=type_name, confirm_impact=confirm_impact,
                                collects_input=collects_input))
        return func
    return register


class BoundArguments(dict):
    """Canonical parameter name -> value. ``parameter_set`` is the resolved set's name."""
    parameter_set: str = ALL_SETS

    def given(self, name: str) -> bool:
        return name in self


class PSError(Exception):
    """An error record. Raised, it is a terminating error of the cmdlet (or script, for ``throw``);
    passed to ``ctx.write_error`` it is non-terminating and honours -ErrorAction.

    ``error_id`` and ``category`` make up ``FullyQualifiedErrorId`` and ``CategoryInfo`` as
    PowerShell prints them, e.g. category "ObjectNotFound", error_id
    "NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand"."""

    def __init__(self, message: str, error_id: str = "RuntimeException",
                 category: str = "NotSpecified", target: Any = None,
                 exception_type: str = "System.Management.Automation.RuntimeException"):
        super().__init__(message)
        self.message = message
        self.error_id = error_id
        self.category = category
        self.target = target
        self.exception_type = exception_type
        self.command_name = ""        # filled by the engine: the cmdlet that raised it
        self.position = None          # filled by the engine: (line, column, line text, length)


class CmdletContext:
    """What a running cmdlet may use. The engine subclasses this; cmdlets only call these members.

    Attributes:
        host: the simulated Windows host the script runs on (``pchat_lab.windows.host.SimHost``).
        lab: the whole lab (``pchat_lab.lab.Lab``), for what lives on other hosts (UNC paths,
            SQL instances, the Lync topology).
        name: the cmdlet's name as declared.
    """

    host: Any = None
    lab: Any = None
    name: str = ""

    def write_warning(self, message: str) -> None:
        raise NotImplementedError

    def write_verbose(self, message: str) -> None:
        raise NotImplementedError

    def write_progress(self, activity: str, status: str = "", percent: int = -1) -> None:
        raise NotImplementedError

    def write_host(self, text: str) -> None:
        raise NotImplementedError

    def write_error(self, error: PSError) -> None:
        raise NotImplementedError

    def should_process(self, target: str, action: str) -> bool:
        """False under -WhatIf (after printing PowerShell's "What if:" line); asks for confirmation when
        -Confirm or the cmdlet's ConfirmImpact against $ConfirmPreference says so (a non-interactive
        powershell.exe refuses the prompt with PowerShell's error); True otherwise."""
        raise NotImplementedError

    def should_continue(self, query: str, caption: str) -> bool:
        """Cmdlet.ShouldContinue: always asks (-Confirm:$false does not answer it; cmdlets skip it
        under their -Force)."""
        raise NotImplementedError

    @property
    def whatif(self) -> bool:
        raise NotImplementedError

    def invoke(self, block: ScriptBlock, dollar_under: Any = None, args: Iterable = ()) -> list:
        """Run a script block with ``$_`` (and ``$PSItem``) set; return its output objects."""
        raise NotImplementedError

    def get_variable(self, name: str, default: Any = None) -> Any:
        raise NotImplementedError

    def set_variable(self, name: str, value: Any) -> None:
        raise NotImplementedError


def now() -> _dt.datetime:
    """The lab's clock (local time of the simulated hosts)."""
    return _dt.datetime.now()
