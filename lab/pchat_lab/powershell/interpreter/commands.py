"""Which command a name means: a function of the script, an alias, a cmdlet of a visible (or
autoloaded) module, or a native executable run by the Windows simulation's command line."""
from __future__ import annotations

import importlib
from typing import Optional

from tree_sitter import Node

from .. import api
from ..binding import NO_VALUE
from ..clixml import string_record
from ..values import to_string

ALIASES = {
    "%": "ForEach-Object", "foreach": "ForEach-Object", "?": "Where-Object", "where": "Where-Object",
    "select": "Select-Object", "sort": "Sort-Object", "measure": "Measure-Object", "group": "Group-Object",
    "echo": "Write-Output", "write": "Write-Output", "sleep": "Start-Sleep", "ipmo": "Import-Module",
    "gcm": "Get-Command", "gmo": "Get-Module", "gci": "Get-ChildItem", "ls": "Get-ChildItem",
    "dir": "Get-ChildItem", "gc": "Get-Content", "cat": "Get-Content", "type": "Get-Content",
    "gsv": "Get-Service", "gi": "Get-Item", "ni": "New-Item", "ri": "Remove-Item", "rm": "Remove-Item",
    "del": "Remove-Item", "cp": "Copy-Item", "copy": "Copy-Item", "mv": "Move-Item", "move": "Move-Item",
    "cd": "Set-Location", "sl": "Set-Location", "pwd": "Get-Location", "gl": "Get-Location",
    "gwmi": "Get-WmiObject", "gps": "Get-Process", "ps": "Get-Process", "sasv": "Start-Service",
    "spsv": "Stop-Service", "gp": "Get-ItemProperty", "sp": "Set-ItemProperty", "ft": "Format-Table",
    "fl": "Format-List", "iex": "Invoke-Expression", "icm": "Invoke-Command", "tee": "Tee-Object",
}

# Real cmdlets the lab deliberately does not implement: refused as such, never "not recognized".
KNOWN_UNIMPLEMENTED = {
    "format-wide", "invoke-expression", "invoke-command", "test-connection",
    "tee-object", "out-file", "out-gridview", "read-host", "get-member", "start-job",
    "enter-pssession", "new-pssession", "add-type", "invoke-webrequest", "invoke-restmethod", "get-credential",
    "start-process", "set-variable", "get-variable", "new-variable", "remove-variable", "clear-variable",
    "export-clixml", "import-clixml",
    "convertto-xml", "select-string", "compare-object", "get-random", "get-host", "write-debug",
    "write-information", "out-host", "out-default", "trace-command", "set-psdebug", "invoke-item",
    "convertfrom-securestring",
}


def documented_unsimulated(name: str) -> Optional[str]:
    """The module of a cmdlet Microsoft documents but the lab does not register, else None."""
    if api.REGISTRY.find(name) is not None:
        return None
    try:
        documented = importlib.import_module("pchat_lab.lync.documented")
    except ModuleNotFoundError:
        return None
    return documented.documented_module(name)


class CommandLookup:
    """Resolves command names; runs native executables."""

    def resolve_command(self, name: str, node: Node):
        low = name.lower()
        func = self.functions.get(low)
        if func is not None:
            return func
        target = ALIASES.get(low)
        if target is not None and (api.REGISTRY.find(target) is not None or target.lower() in KNOWN_UNIMPLEMENTED):
            low, name = target.lower(), target
        spec = api.REGISTRY.find(name)
        if spec is not None and self.module_visible(spec.module):
            return spec
        if low in KNOWN_UNIMPLEMENTED:
            raise self.refuse(node, "the cmdlet %s" % name)
        module = documented_unsimulated(name)
        if module is not None and self.module_visible(module):
            # Windows knows it (the module is installed): the lab's refusal, never "not recognized".
            raise self.refuse(node, "the cmdlet %s (documented in module %s, not simulated)" % (name, module))
        return None

    def module_visible(self, module: str) -> bool:
        if module in api.Registry.CORE_MODULES or module == "":
            return True
        if module.lower() in (m.lower() for m in self.imported):
            return True
        # Windows PowerShell 3+ autoloads modules found in PSModulePath: a module the host has installed.
        if module.lower() in (m.lower() for m in (getattr(self.host, "modules", None) or ())):
            self.imported.add(module)
            self.preparing_modules()
            return True
        return False

    def preparing_modules(self) -> None:
        """The progress record powershell.exe writes the first time it loads a module (pywinrm#245)."""
        if self.modules_prepared:
            return
        self.modules_prepared = True
        if str(self.get_var("ProgressPreference")).lower() not in ("silentlycontinue", "ignore"):
            self.stderr_record(self.progress.record("Preparing modules for first use.", " ", -1, completed=True))

    def import_module(self, name: str) -> bool:
        low = name.lower()
        if low in (m.lower() for m in api.Registry.CORE_MODULES):
            return True
        known = {m.lower(): m for m in api.REGISTRY.modules()}
        installed = {m.lower() for m in (getattr(self.host, "modules", None) or ())}
        if low in known and low in installed:
            self.imported.add(known[low])
            self.preparing_modules()
            return True
        return False

    def native_command(self, name: str, raw: list, pipeline: list, node: Node) -> Optional[list]:
        """Executables go to the Windows simulation's command line, when it has one."""
        low = name.lower()
        natives = {"cmd", "cmd.exe", "robocopy", "robocopy.exe", "hostname", "hostname.exe", "whoami",
                   "whoami.exe", "sc.exe", "net", "net.exe", "ipconfig", "ipconfig.exe"}
        if low not in natives and not low.endswith(".exe"):
            return None
        try:
            cmd_module = importlib.import_module("pchat_lab.windows.cmd")
        except ModuleNotFoundError:
            return None
        run_line = getattr(cmd_module, "run_command_line", None)
        if run_line is None:
            return None
        parts = [name]
        for r in raw:
            text = ("-" + r.name) if r.kind == "param" else to_string(r.value)
            if r.kind == "param" and r.value is not NO_VALUE:
                text += ":" + to_string(r.value)
            parts.append('"%s"' % text if (" " in text and not text.startswith('"')) else text)
        capture = CaptureSink(self.codepage)
        capture.user = self.user
        code = run_line(self.lab, self.host, " ".join(parts), capture)
        if capture.err:
            self.write_stdout_bytes_err(capture.err)
        self.scopes[0]["lastexitcode"] = code
        if code:
            self.last_ok = False
        text = capture.out.decode("utf-8" if self.codepage == 65001 else "cp%d" % self.codepage, errors="replace")
        lines = text.replace("\r\n", "\n").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return lines

    def write_stdout_bytes_err(self, data: bytes) -> None:
        # A native command's stderr becomes PowerShell error records (NativeCommandError) in 5.1.
        text = data.decode("utf-8" if self.codepage == 65001 else "cp%d" % self.codepage, errors="replace")
        for line in text.replace("\r\n", "\n").rstrip("\n").split("\n"):
            self.stderr_record(string_record("Error", line + "\r\n"))


class CaptureSink:
    """Collects a native command's output so PowerShell can treat it as pipeline strings."""

    def __init__(self, codepage: int):
        self.codepage = codepage
        self.out = bytearray()
        self.err = bytearray()
        self.stdin = bytearray()
        self.stdin_closed = True
        self.exit_code = None

    def stdout(self, data: bytes) -> None:
        self.out += data

    def stderr(self, data: bytes) -> None:
        self.err += data

    def finish(self, code: int) -> None:
        self.exit_code = code

    def read_stdin(self, timeout=None) -> bytes:
        return b""
