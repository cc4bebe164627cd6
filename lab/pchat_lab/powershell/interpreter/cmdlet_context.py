"""EngineContext: what a running cmdlet sees of the interpreter (the api.CmdletContext contract):
the preference variables and common parameters that decide where its warnings, verbose records,
progress and errors go, -WhatIf/-Confirm, and script blocks it is given to run."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from ..api import CmdletContext, CmdletSpec, PSError, ScriptBlock
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
        if self.common.get("Confirm") is True:
            # powershell.exe runs -NonInteractive over WinRM: a confirmation prompt cannot be shown.
            err = PSError("PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.",
                          "System.Management.Automation.PSInvalidOperationException,%s" % cmdlet_type(self.spec),
                          "InvalidOperation", exception_type="System.Management.Automation.PSInvalidOperationException")
            raise err
        return True

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
