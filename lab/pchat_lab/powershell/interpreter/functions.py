"""Functions and script blocks: param() blocks, function definitions, calls with their own scope, and
script blocks run by cmdlets (Where-Object, ForEach-Object) or by the call operator."""
from __future__ import annotations

from typing import Any, Optional

from tree_sitter import Node

from ..api import CmdletSpec, Param, PSError, ScriptBlock
from ..binding import bind
from ..errors import ReturnSignal, Terminating
from ..values import PSHashtable, to_bool, to_number, to_string
from .syntax import named_children

_NOTHING = object()     # an $args the caller's scope did not have (restored after dot-sourcing)


class FunctionDef:
    """A function of the script, or a script block called with & or ., ready to bind and run."""

    def __init__(self, name: str, body: Node, params: list, defaults: dict, spec: CmdletSpec):
        self.name = name
        self.body = body          # script_block node
        self.params = params      # Param list
        self.defaults = defaults  # param name -> default expression node
        self.spec = spec
        self.has_param_block = False


class Functions:
    """Defines and calls functions; runs script blocks."""

    def script_parameters(self, root: Node) -> None:
        """A script's own param() block: -EncodedCommand passes no arguments, so defaults apply and a
        mandatory parameter cannot be prompted for (powershell.exe runs -NonInteractive)."""
        block = self._first(root, "param_block")
        if block is None:
            return
        params, defaults = self.script_params(block)
        missing = [p.name for p in params if p.mandatory]
        if missing:
            err = PSError("Cannot process command because of one or more missing mandatory parameters: %s."
                          % " ".join(missing), "MissingMandatoryParameter", "InvalidArgument",
                          exception_type="System.Management.Automation.ParameterBindingException")
            err.position = self.extent(block)
            raise Terminating(err, script=True)
        for p in params:
            default = defaults.get(p.name.lower())
            self.scopes[0][p.name.lower()] = self.eval(default) if default is not None else (
                False if p.type == "switch" else None)

    def define_function(self, node: Node) -> None:
        name = self.text(self._first(node, "function_name"))
        block = self._first(node, "script_block")
        if any(c.type == "function_parameter_declaration" for c in node.children):
            raise self.refuse(node, "function parameters declared after the name (use param())")
        params, defaults = [], {}
        param_block = self._first(block, "param_block") if block is not None else None
        if param_block is not None:
            params, defaults = self.script_params(param_block)
        spec = CmdletSpec(name=name, module="", params=params, func=None)
        spec.is_function = True
        spec.common_parameters = self.advanced(param_block)
        func = FunctionDef(name, block, params, defaults, spec)
        func.has_param_block = param_block is not None
        self.functions[name.lower()] = func

    def advanced(self, param_block: Optional[Node]) -> bool:
        """An advanced function ([CmdletBinding()] or any [Parameter()]) gets the common parameters."""
        if param_block is None:
            return False
        for attr in param_block.children:
            if attr.type == "attribute_list":
                return True
        stack = [param_block]
        while stack:
            n = stack.pop()
            if n.type == "attribute_name" and self.text(n).lower() == "parameter":
                return True
            stack.extend(n.children)
        return False

    def script_params(self, param_block: Node) -> tuple:
        params, defaults = [], {}
        plist = self._first(param_block, "parameter_list")
        position = 0
        for sp in ([] if plist is None else [c for c in plist.children if c.type == "script_parameter"]):
            var = self._first(sp, "variable")
            name = self._split_var(self.text(var))[1]
            ptype, mandatory, values, from_pipeline, pos = "object", False, None, False, None
            attrs = self._first(sp, "attribute_list")
            for attr in ([] if attrs is None else [c for c in attrs.children if c.type == "attribute"]):
                lit = self._first(attr, "type_literal")
                if lit is not None:
                    ptype = self._param_type(self._type_name(lit), attr)
                    continue
                attr_name = self.text(self._first(attr, "attribute_name")).lower()
                args = self._first(attr, "attribute_arguments")
                arg_nodes = [] if args is None else [c for c in args.children if c.type == "attribute_argument"]
                if attr_name == "parameter":
                    for arg in arg_nodes:
                        key_node = self._first(arg, "simple_name")
                        key = self.text(key_node).lower() if key_node is not None else self.text(arg).lower()
                        value_nodes = [c for c in named_children(arg) if c.type != "simple_name"]
                        value = to_bool(self.eval(value_nodes[0])) if value_nodes else True
                        if key == "mandatory":
                            mandatory = value
                        elif key == "valuefrompipeline":
                            from_pipeline = value
                        elif key == "position":
                            pos = int(to_number(self.eval(value_nodes[0])))
                        elif key in ("helpmessage", "parametersetname", "valuefrompipelinebypropertyname"):
                            if key != "helpmessage":
                                raise self.refuse(arg, "the Parameter attribute argument '%s'" % key)
                        else:
                            raise self.refuse(arg, "the Parameter attribute argument '%s'" % key)
                elif attr_name == "validateset":
                    values = tuple(to_string(self.eval(a)) for a in arg_nodes)
                elif attr_name in ("validatenotnullorempty", "validatenotnull", "cmdletbinding", "alias"):
                    continue
                else:
                    raise self.refuse(attr, "the attribute [%s]" % attr_name)
            param = Param(name, ptype, mandatory=mandatory, values=values, from_pipeline=from_pipeline,
                          position=pos if pos is not None else (position if ptype != "switch" else None))
            if ptype != "switch":
                position += 1
            default = self._first(sp, "script_parameter_default")
            if default is not None:
                defaults[name.lower()] = named_children(default)[0]
            params.append(param)
        return params, defaults

    def _param_type(self, name: str, node: Node) -> str:
        key = name.lower().replace("system.", "")
        mapping = {"string": "string", "string[]": "string[]", "int": "int", "int32": "int", "int[]": "int[]",
                   "long": "long", "int64": "long", "double": "double", "bool": "bool", "boolean": "bool",
                   "switch": "switch", "management.automation.switchparameter": "switch", "datetime": "datetime",
                   "timespan": "timespan", "object": "object", "object[]": "object[]", "psobject": "object",
                   "hashtable": "hashtable", "scriptblock": "scriptblock", "byte[]": "byte[]", "array": "object[]"}
        if key not in mapping:
            raise self.refuse(node, "parameters of type [%s]" % name)
        return mapping[key]

    def call_function(self, func: FunctionDef, raw: list, pipeline: list, extent, command_node: Node,
                      dot: bool = False, named_frame: bool = True) -> list:
        if pipeline and not any(p.from_pipeline for p in func.params):
            raise self.refuse(command_node, "piping into a function without a ValueFromPipeline parameter")
        declared = func.params or func.has_param_block
        outputs: list = []
        common: dict = {}
        if not declared:
            invocations = [({}, [r.value for r in raw if r.kind == "arg"], [])]
        else:
            try:
                result = bind(func.spec, raw, pipeline, extent)
            except PSError as err:
                err.command_name = err.command_name or func.name
                if err.position is None:
                    err.position = extent
                raise Terminating(err) from None
            common = result.common
            for inv in result.invocations:
                if inv.error is not None:
                    inv.error.command_name = inv.error.command_name or func.name
                    self.non_terminating(inv.error, str(common.get("ErrorAction", self.get_var(
                        "ErrorActionPreference"))))
            invocations = [(inv.args, [], inv.pipeline) for inv in result.invocations if inv.error is None]
        for bound, extra_args, _pipe in invocations:
            # Dot-sourcing runs in the caller's scope; everything else gets a child scope.
            scope: dict = self.scopes[-1] if dot else {}
            saved_args = scope.get("args", _NOTHING)
            scope["args"] = extra_args
            if not dot:
                self.scopes.append(scope)
            if named_frame:
                self.call_stack.append((func.name, extent))
            try:
                scope["psboundparameters"] = PSHashtable(dict(bound))
                # An advanced function's common parameters set the preferences inside it.
                for key, preference in (("ErrorAction", "erroractionpreference"),
                                        ("WarningAction", "warningpreference")):
                    if key in common:
                        scope[preference] = str(common[key])
                if "Verbose" in common:
                    scope["verbosepreference"] = "Continue" if common["Verbose"] else "SilentlyContinue"
                for p in func.params:
                    if p.name in bound:
                        scope[p.name.lower()] = bound[p.name]
                    elif p.name.lower() in func.defaults:
                        scope[p.name.lower()] = self.eval(func.defaults[p.name.lower()])
                    else:
                        scope[p.name.lower()] = False if p.type == "switch" else None
                body = func.body.child_by_field_name("script_block_body") if func.body is not None else None
                try:
                    self.run_block(body, outputs)
                except ReturnSignal as sig:
                    outputs.extend(sig.values)
            finally:
                if dot:
                    if saved_args is _NOTHING:
                        scope.pop("args", None)
                    else:
                        scope["args"] = saved_args
                else:
                    self.scopes.pop()
                if named_frame:
                    self.call_stack.pop()
        return outputs

    def _param_block(self, node: Node) -> Optional[Node]:
        """param() of a script block, a function body or a script_block_expression."""
        found = self._first(node, "param_block")
        if found is None:
            sb = self._first(node, "script_block")
            found = self._first(sb, "param_block") if sb is not None else None
        return found

    def invoke_block(self, block: ScriptBlock, dollar_under: Any, args: list, set_dollar_under: bool = True) -> list:
        node = block.node
        if node is None:
            raise PSError("The lab can only run script blocks written in the script.", "LabScriptBlock")
        sb = node if node.type == "script_block" else self._first(node, "script_block")
        out: list = []
        param_block = self._param_block(node)
        if sb is None and param_block is None:
            return out
        scope = self.scopes[-1]
        saved = scope.get("_", None)
        had = "_" in scope
        if set_dollar_under:
            scope["_"] = dollar_under
        pushed = False
        try:
            if param_block is not None:
                params, defaults = self.script_params(param_block)
                local = {"args": args[len(params):]}
                for i, p in enumerate(params):
                    if i < len(args):
                        local[p.name.lower()] = args[i]
                    elif p.name.lower() in defaults:
                        local[p.name.lower()] = self.eval(defaults[p.name.lower()])
                    else:
                        local[p.name.lower()] = None
                self.scopes.append(local)
                pushed = True
            elif args:
                scope_args = {"args": args}
                self.scopes.append(scope_args)
                pushed = True
            body = None if sb is None else (sb.child_by_field_name("script_block_body") or
                                            self._first(sb, "script_block_body"))
            try:
                self.run_block(body, out)
            except ReturnSignal as sig:
                out.extend(sig.values)
        finally:
            if pushed:
                self.scopes.pop()
            if had:
                scope["_"] = saved
            else:
                scope.pop("_", None)
        return out
