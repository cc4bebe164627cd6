"""EngineContext: what a running cmdlet sees of the interpreter (the api.CmdletContext contract):
the preference variables and common parameters that decide where its warnings, verbose records,
progress and errors go, -WhatIf/-Confirm, and script blocks it is given to run."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from ..api import CONFIRM_IMPACTS, CmdletContext, CmdletSpec, PSError, ScriptBlock
from ..binding import cmdlet_type
from ..clixml import string_record
from ..errors import Terminating, attribute, runtime_error
from ..formatting import Formatter
from ..values import to_bool

if TYPE_CHECKING:
    from ..engine import Interpreter


class EngineContext(CmdletContext):
    """What a cmdlet sees while it runs (see api.CmdletContext)."""

    def __init__(self, interp: "Interpreter", spec: CmdletSpec, common: dict, extent, command_text: str):
        self.interp = interp
        self.host = interp.host
        self.lab = interp.lab
        self.name = spec.name
        self.spec = spec
        self.common = common
        self.extent = extent
        self.command_text = command_text
        self.errors: list = []
        self.warnings: list = []
        self.sink = interp.sink
        self.user = interp.user
        self.node = None          # the command's syntax node, for the lab's own refusals

    def _action(self, common_name: str, preference: str) -> str:
        if common_name in self.common:
            return str(self.common[common_name])
        return str(self.interp.get_var(preference))

    def write_warning(self, message: str) -> None:
        action = self._action("WarningAction", "WarningPreference").lower()
        self.warnings.append(message)
        if action in ("silentlycontinue", "ignore"):
            return
        if action == "stop" and "warning" not in self.interp.quiet:
            raise Terminating(runtime_error('The running command stopped because the preference variable '
                                            '"WarningPreference" or common parameter is set to Stop: %s' % message,
                                            "ActionPreferenceStop", "OperationStopped",
                                            reason="System.Management.Automation.ActionPreferenceStopException"),
                              script=True)
        if "warning" not in self.interp.quiet:
            self.interp.stderr_record(string_record("warning", message + "\r\n"))

    def write_verbose(self, message: str) -> None:
        if self.common.get("Verbose") is True or (
                "Verbose" not in self.common and str(self.interp.get_var("VerbosePreference")).lower() == "continue"):
            if "verbose" not in self.interp.quiet:
                self.interp.stderr_record(string_record("verbose", message + "\r\n"))

    def write_progress(self, activity: str, status: str = "", percent: int = -1, completed: bool = False,
                       activity_id: int = 0, current_operation: str = "") -> None:
        if str(self.interp.get_var("ProgressPreference")).lower() in ("silentlycontinue", "ignore"):
            return
        self.interp.stderr_record(self.interp.progress.record(activity, status, percent, activity_id, completed,
                                                              current_operation))

    def write_host(self, text: str) -> None:
        self.interp.write_stdout(text + "\r\n")

    def write_error(self, error: PSError) -> None:
        if not error.command_name:
            error.command_name = self.spec.name
        attribute(error, cmdlet_type(self.spec), self.spec.name)
        if error.position is None and not getattr(error, "header", None):
            error.position = self.extent
        self.errors.append(error)
        action = self._action("ErrorAction", "ErrorActionPreference").lower()
        self.interp.non_terminating(error, action)

    def should_process(self, target: str, action: str) -> bool:
        if self.whatif:
            self.interp.write_stdout('What if: Performing the operation "%s" on target "%s".\r\n' % (action, target))
            return False
        if self.confirmation_required():
            self.prompt()
        return True

    def should_continue(self, query: str, caption: str) -> bool:
        self.prompt()
        return True

    def confirmation_required(self) -> bool:
        """ShouldProcess asks when -Confirm is given, or when the cmdlet's ConfirmImpact is at or above
        $ConfirmPreference (about_Preference_Variables; None never asks). -Confirm:$false never asks."""
        confirm = self.common.get("Confirm")
        if confirm is not None:
            return bool(confirm)
        preference = str(self.interp.get_var("ConfirmPreference") or "High")
        levels = [level.lower() for level in CONFIRM_IMPACTS]
        if preference.lower() not in levels or preference.lower() == "none":
            return False
        impact = confirm_impact(self.lab, self.spec)
        return levels.index(impact.lower()) >= levels.index(preference.lower())

    def prompt(self) -> None:
        """A confirmation prompt. Under -NonInteractive Windows PowerShell 5.1's console host refuses it
        (ConsoleHostUserInterfaceStrings.ReadFailsOnNonInteractiveFlag) with a PSInvalidOperationException,
        which ends the cmdlet. Without -NonInteractive a real host would wait for an answer on the console;
        the lab has no console to ask on and says so rather than guess an answer."""
        if self.interp.noninteractive or self.node is None:
            raise PSError("Windows PowerShell is in NonInteractive mode. Read and Prompt functionality is not "
                          "available.", "InvalidOperation", "InvalidOperation",
                          exception_type="System.Management.Automation.PSInvalidOperationException")
        raise self.interp.refuse(self.node, "a confirmation prompt without -NonInteractive (a real console host "
                                            "would wait for an answer; the lab has no console)")

    @property
    def whatif(self) -> bool:
        if "WhatIf" in self.common:
            return bool(self.common["WhatIf"])
        return bool(self.spec.should_process and to_bool(self.interp.get_var("WhatIfPreference")))

    def invoke(self, block: ScriptBlock, dollar_under: Any = None, args: Iterable = ()) -> list:
        return self.interp.invoke_block(block, dollar_under, list(args), set_dollar_under=True)

    def get_variable(self, name: str, default: Any = None) -> Any:
        return self.interp.get_var(name, default)

    def set_variable(self, name: str, value: Any) -> None:
        self.interp.set_var(name, value)

    # Engine-only helpers for the core cmdlets.
    def import_module(self, name: str) -> bool:
        return self.interp.import_module(name)

    def format_lines(self, objects: list) -> list:
        formatter = Formatter()
        return formatter.format(list(objects)) + formatter.finish()


def confirm_impact(lab: Any, spec: CmdletSpec) -> str:
    """The cmdlet's declared ConfirmImpact, unless the topology overrides it: where Microsoft does not
    document a cmdlet's ConfirmImpact the lab's value is an assumption (COVERAGE.md), and an operator who
    knows better sets ``powershell: {confirm_impact: {<cmdlet>: None|Low|Medium|High}}``."""
    topology = getattr(lab, "topology", None) or {}
    overrides = (topology.get("powershell") or {}).get("confirm_impact") or {}
    for name, value in overrides.items():
        if str(name).lower() == spec.name.lower():
            if str(value) not in CONFIRM_IMPACTS:
                raise ValueError("powershell.confirm_impact.%s must be one of %s, not %r" % (
                    name, ", ".join(CONFIRM_IMPACTS), value))
            return str(value)
    return getattr(spec, "confirm_impact", "Medium")
