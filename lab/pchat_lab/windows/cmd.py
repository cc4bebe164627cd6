"""How a WinRS command line runs: cmd.exe semantics over the simulated host.

WinRS hands the command line to cmd.exe, so that is what this module interprets: %VAR% expansion,
``^`` escapes, ``&``, ``&&``, ``||`` and ``|`` outside double quotes, redirections, the built-in
commands (echo, set, ver, type, dir, cd, exit, rem) and the few programs clients send (powershell,
cmd, hostname, whoami, systeminfo, findstr, find, net, robocopy). Anything else is not recognized,
with cmd's own message and exit code 1, as real WinRS reports it.
"""
from __future__ import annotations

import datetime as _dt
import re
from typing import Optional

from ..powershell.api import PSError
from . import netcmd, robocopy, systeminfo, textfilters
from .dirlisting import DirListing
from .powershell_exe import PS_BAD_COMMAND_LINE, run_powershell_exe  # noqa: F401  (re-exported)
from .console import err, out, split_argv

NOT_RECOGNIZED = ("'%s' is not recognized as an internal or external command,\r\n"
                  "operable program or batch file.\r\n")
BUILTINS = ("echo", "set", "ver", "type", "dir", "exit", "cd", "chdir", "rem", "cls")
# cmd.exe internal commands and System32 tools that exist on every server but that the lab does not
# simulate: refused as "not simulated", never as "not recognized" (which would be a lie).
UNSIMULATED_BUILTINS = {"assoc", "break", "call", "color", "copy", "date", "del", "dpath", "endlocal", "erase",
                        "for", "ftype", "goto", "if", "keys", "md", "mkdir", "mklink", "move", "path", "pause",
                        "popd", "prompt", "pushd", "rd", "ren", "rename", "rmdir", "setlocal", "shift", "start",
                        "time", "title", "verify", "vol"}
UNSIMULATED_TOOLS = {"xcopy", "ipconfig", "sc", "reg", "icacls", "tasklist", "taskkill", "netstat", "where", "more",
                     "sort", "timeout", "certutil", "schtasks", "wmic", "net1", "ping", "nslookup", "attrib",
                     "fsutil", "netsh", "bcdedit", "dism", "wevtutil", "winrm", "sqlcmd", "osql", "choice", "clip",
                     "expand", "fc", "comp", "cscript", "wscript", "msiexec", "shutdown", "runas", "setx",
                     "takeown", "tree", "tzutil", "w32tm", "wbadmin", "diskpart", "chkdsk", "label", "mountvol"}
BUILTIN_RE = re.compile(r"^(%s)(?=$|[\s./\\(,;=+:])" % "|".join(BUILTINS), re.IGNORECASE)

# "The maximum length of the string that you can use at the command prompt is 8191 characters" (Microsoft,
# "Command prompt (Cmd.exe) command-line string limitation"); WinRS runs every command line through cmd.exe.
MAX_COMMAND_LINE = 8191


def run_command_line(lab, host, command_line: str, sink) -> int:
    """Run one WinRS command line on ``host``; output goes to ``sink``; returns the exit code.
    The caller (the WinRM layer) finishes the sink."""
    if len(command_line) > MAX_COMMAND_LINE:
        err(sink, "The command line is too long.\r\n")
        return 1
    return CmdSession(lab, host, sink).run_line(command_line)


def lab_unsupported(sink, what: str) -> int:
    """Something valid on Windows that the lab does not simulate: say so plainly, never pretend."""
    err(sink, "pchat-lab: %s is not simulated by the lab.\r\n" % what)
    return 1


class Capture:
    """A sink for one stage of a cmd pipeline: output is kept for the next stage; stdin is what the
    previous stage wrote (or, for the first stage, the WinRS stdin)."""

    def __init__(self, parent, stdin: Optional[bytes] = None) -> None:
        self._parent = parent
        self._stdin = stdin
        self.out = bytearray()
        self.errors = bytearray()
        self.errors_to_parent = True

    def stdout(self, data: bytes) -> None:
        self.out += data

    def stderr(self, data: bytes) -> None:
        if self.errors_to_parent:
            self._parent.stderr(data)
        else:
            self.errors += data

    def read_stdin(self, timeout=None) -> bytes:
        if self._stdin is None:
            return self._parent.read_stdin(timeout)
        return self._stdin

    def finish(self, exit_code: int) -> None:      # the WinRM layer finishes the real sink
        pass

    def __getattr__(self, name):
        return getattr(self._parent, name)


class CmdSession:
    """One cmd.exe process: its environment, current folder and ERRORLEVEL."""

    def __init__(self, lab, host, sink, env: Optional[dict] = None, cwd: Optional[str] = None) -> None:
        self.lab = lab
        self.host = host
        self.sink = sink
        self.user = getattr(sink, "user", "") or ""
        self.env = dict(env) if env is not None else host.env(self.user)
        self.cwd = cwd or getattr(sink, "cwd", None) or host.home(self.user)
        self.errorlevel = 0
        self.exited: Optional[int] = None

    # --- environment -------------------------------------------------------------------------
    def getenv(self, name: str) -> Optional[str]:
        lowered = name.lower()
        for key, value in self.env.items():
            if key.lower() == lowered:
                return value
        dynamic = {"cd": self.cwd, "errorlevel": str(self.errorlevel),
                   "date": _dt.date.today().strftime("%a %m/%d/%Y"),
                   "time": _dt.datetime.now().strftime("%H:%M:%S.%f")[:11]}
        return dynamic.get(lowered)

    def setenv(self, name: str, value: Optional[str]) -> None:
        for key in list(self.env):
            if key.lower() == name.lower():
                del self.env[key]
        if value:
            self.env[name] = value

    def expand(self, line: str) -> str:
        """%VAR% expansion as cmd does it on a command line: an undefined variable stays as written."""
        result, i = [], 0
        while i < len(line):
            c = line[i]
            if c != "%":
                result.append(c)
                i += 1
                continue
            end = line.find("%", i + 1)
            if end == -1:
                result.append(line[i:])
                break
            value = self.getenv(line[i + 1:end]) if end > i + 1 else None
            if value is None:
                result.append(line[i:end])      # keep "%NAME"; the closing % may open the next one
                i = end
            else:
                result.append(value)
                i = end + 1
        return "".join(result)

    # --- the command line --------------------------------------------------------------------
    def run_line(self, line: str) -> int:
        line = self.expand(line.strip("\r\n"))
        chain = split_operators(line)
        previous_ok = True
        op = "&"
        pipeline: list = []
        for text, next_op in chain:
            pipeline.append(text)
            if next_op == "|":
                continue
            if op == "&" or (op == "&&" and previous_ok) or (op == "||" and not previous_ok):
                self.errorlevel = self.run_pipeline(pipeline)
                previous_ok = self.errorlevel == 0
            pipeline = []
            op = next_op or "&"
            if self.exited is not None:
                return self.exited
        return self.errorlevel

    def run_pipeline(self, stages: list) -> int:
        if len(stages) == 1:
            return self.run_with_redirects(stages[0], self.sink, None)
        data: Optional[bytes] = None
        code = 0
        for index, stage in enumerate(stages):
            # Each stage of a pipe runs in its own cmd.exe: only the first reads the WinRS stdin,
            # and an "exit" inside a stage ends that stage only.
            capture = Capture(self.sink, data if index else None)
            code = self.run_with_redirects(stage, capture, data)
            self.exited = None
            data = bytes(capture.out)
        self.sink.stdout(data or b"")
        return code

    def run_with_redirects(self, text: str, sink, stdin: Optional[bytes]) -> int:
        command, redirects = split_redirects(text)
        if not redirects:
            return self.run_simple(command, sink)
        capture = Capture(sink, stdin)
        capture.errors_to_parent = False
        for kind, target in redirects:
            if kind == "<":
                data = self._read_for_redirect(target)
                if data is None:
                    err(sink, "The system cannot find the file specified.\r\n")
                    return 1
                capture._stdin = data
        code = self.run_simple(command, capture)
        streams = {"1": bytes(capture.out), "2": bytes(capture.errors)}
        merged = {"1": "1", "2": "2"}
        for kind, target in redirects:
            if kind in ("2>&1",):
                merged["2"] = "1"
            elif kind == "1>&2":
                merged["1"] = "2"
        for stream in ("1", "2"):
            destination = None
            for kind, target in redirects:
                if kind in (stream + ">", stream + ">>"):
                    destination = (kind, target)
            data = streams[stream]
            if destination is None:
                if merged[stream] != stream:
                    owner = [d for d in redirects if d[0] in (merged[stream] + ">", merged[stream] + ">>")]
                    if owner:
                        self._write_redirect(owner[-1][0], owner[-1][1], data, sink)
                        continue
                    (sink.stdout if merged[stream] == "1" else sink.stderr)(data)
                else:
                    (sink.stdout if stream == "1" else sink.stderr)(data)
                continue
            self._write_redirect(destination[0], destination[1], data, sink)
        return code

    def _read_for_redirect(self, target: str) -> Optional[bytes]:
        try:
            path = self.host.filesystem.resolve(target, self.cwd)
        except PSError:
            return None
        return path.real.read_bytes() if path.is_file() else None

    def _write_redirect(self, kind: str, target: str, data: bytes, sink) -> None:
        if target.lower() == "nul":
            return
        try:
            path = self.host.filesystem.resolve(target, self.cwd)
        except PSError:
            err(sink, "The system cannot find the path specified.\r\n")
            return
        if path.is_dir() or not (path.parent() and path.parent().is_dir()):
            err(sink, "The system cannot find the path specified.\r\n" if not path.is_dir()
                else "Access is denied.\r\n")
            return
        with open(path.real, "ab" if kind.endswith(">>") else "wb") as handle:
            handle.write(data)

    # --- one command ---------------------------------------------------------------------------
    def run_simple(self, text: str, sink) -> int:
        text = text.lstrip()      # trailing blanks are kept: "echo a | ..." writes "a "
        while text.startswith("@"):
            text = text[1:].lstrip()
        if not text:
            return self.errorlevel
        builtin = BUILTIN_RE.match(text)
        if builtin:
            name = builtin.group(1).lower()
            rest = text[builtin.end():]
            return getattr(self, "builtin_" + ("cd" if name == "chdir" else name))(rest, sink)
        program, rest = split_program(text)
        base = program.replace("/", "\\").rsplit("\\", 1)[-1].lower()
        if base.endswith(".exe") or base.endswith(".com"):
            base = base[:-4]
        if base in UNSIMULATED_BUILTINS or base in UNSIMULATED_TOOLS:
            return lab_unsupported(sink, "'%s'" % base)
        handler = {
            "powershell": self.run_powershell, "cmd": self.run_cmd, "hostname": self.run_hostname,
            "whoami": self.run_whoami, "systeminfo": self.run_systeminfo, "findstr": self.run_findstr,
            "find": self.run_find, "net": self.run_net, "robocopy": self.run_robocopy,
        }.get(base)
        if handler is None:
            err(sink, NOT_RECOGNIZED % program)
            return 1
        return handler(rest, sink)

    # --- built-ins -----------------------------------------------------------------------------
    def builtin_echo(self, rest: str, sink) -> int:
        if not rest:
            out(sink, "ECHO is on.\r\n")
            return 0
        first, body = rest[0], rest[1:]
        if first in " \t" and not body.strip():
            out(sink, "ECHO is on.\r\n")
            return 0
        if first in " \t" and body.strip().lower() in ("on", "off"):
            return 0
        out(sink, body + "\r\n")
        return 0

    def builtin_set(self, rest: str, sink) -> int:
        arg = rest.strip()
        if arg[:2].lower() in ("/a", "/p"):
            return lab_unsupported(sink, "cmd.exe 'set %s'" % arg[:2])
        if arg.startswith('"') and arg.endswith('"') and len(arg) > 1:
            arg = arg[1:-1]
        if "=" in arg:
            name, value = arg.split("=", 1)
            if not name:
                err(sink, "The syntax of the command is incorrect.\r\n")
                return 1
            self.setenv(name, value)
            return 0
        items = sorted(self.env.items(), key=lambda kv: kv[0].lower())
        if arg:
            items = [kv for kv in items if kv[0].lower().startswith(arg.lower())]
            if not items:
                err(sink, "Environment variable %s not defined\r\n" % arg)
                return 1
        out(sink, "".join("%s=%s\r\n" % kv for kv in items))
        return 0

    def builtin_ver(self, rest: str, sink) -> int:
        out(sink, "\r\nMicrosoft Windows [Version %s]\r\n" % self.host.os_version)
        return 0

    def builtin_rem(self, rest: str, sink) -> int:
        return 0

    def builtin_cls(self, rest: str, sink) -> int:
        return 0

    def builtin_exit(self, rest: str, sink) -> int:
        words = rest.split()
        if words and words[0].lower() == "/b":
            words = words[1:]
        code = self.errorlevel
        if words:
            try:
                code = int(words[0], 0)
            except ValueError:
                code = 0
        self.exited = code
        return code

    def builtin_cd(self, rest: str, sink) -> int:
        arg = rest.strip()
        if arg[:2].lower() == "/d":
            arg = arg[2:].strip()
        arg = arg.strip('"')
        if not arg:
            out(sink, self.cwd + "\r\n")
            return 0
        try:
            target = self.host.filesystem.resolve(arg, self.cwd)
        except PSError:
            target = None
        if target is None or not target.is_dir():
            err(sink, "The system cannot find the path specified.\r\n")
            return 1
        self.cwd = target.display
        return 0

    def builtin_type(self, rest: str, sink) -> int:
        names = cmd_words(rest)
        if not names:
            err(sink, "The syntax of the command is incorrect.\r\n")
            return 1
        code = 0
        fs = self.host.filesystem
        for name in names:
            try:
                matches = fs.expand(name, self.cwd)
                single = fs.resolve(name, self.cwd) if not matches else None
            except PSError:
                err(sink, "The system cannot find the path specified.\r\n")
                code = 1
                continue
            if single is not None:
                parent = single.parent()
                if single.is_dir():
                    err(sink, "Access is denied.\r\n")
                elif parent is not None and not parent.is_dir():
                    err(sink, "The system cannot find the path specified.\r\n")
                else:
                    err(sink, "The system cannot find the file specified.\r\n")
                code = 1
                continue
            for path in matches:
                if path.is_dir():
                    err(sink, "Access is denied.\r\n")
                    code = 1
                    continue
                if len(matches) > 1 or len(names) > 1:
                    err(sink, "\r\n%s\r\n\r\n\r\n" % path.name)
                sink.stdout(path.real.read_bytes())
        return code

    def builtin_dir(self, rest: str, sink) -> int:
        bare = recursive = False
        targets = []
        for word in cmd_words(rest.replace("/", " /")):
            if word.startswith("/"):
                switch = word[1:].lower()
                if switch == "b":
                    bare = True
                elif switch == "s":
                    recursive = True
                elif switch[:1] in ("a", "o") :
                    continue            # attributes / order: entries are listed by name anyway
                else:
                    err(sink, 'Invalid switch - "%s".\r\n' % word[1:])
                    return 1
            else:
                targets.append(word)
        return DirListing(self, sink, bare, recursive).run(targets or ["."])

    # --- programs --------------------------------------------------------------------------------
    def run_hostname(self, rest: str, sink) -> int:
        if rest.strip():
            err(sink, "sethostname: Use the Network Control Panel Applet to set hostname.\r\n")
            return 1
        out(sink, self.host.name + "\r\n")
        return 0

    def run_whoami(self, rest: str, sink) -> int:
        user = self.host.user_name(self.user)
        args = [a.lower() for a in split_argv(rest)]
        if not args:
            out(sink, ("%s\\%s\r\n" % (self.host.netbios_domain, user)).lower())
            return 0
        if args == ["/upn"]:
            out(sink, "%s@%s\r\n" % (user, self.host.domain))
            return 0
        if args[0] in ("/user", "/groups", "/priv", "/all", "/fqdn", "/logonid", "/fo", "/nh"):
            return lab_unsupported(sink, "whoami %s" % args[0])
        err(sink, "ERROR: Invalid argument/option - '%s'.\r\nType \"WHOAMI /?\" for usage.\r\n" % args[0])
        return 1

    def run_systeminfo(self, rest: str, sink) -> int:
        if rest.strip():
            return lab_unsupported(sink, "systeminfo with arguments")
        out(sink, systeminfo.render(self.host))
        return 0

    def run_findstr(self, rest: str, sink) -> int:
        return textfilters.findstr(self, split_argv(rest), sink)

    def run_find(self, rest: str, sink) -> int:
        return textfilters.find(self, rest, sink)

    def run_net(self, rest: str, sink) -> int:
        return netcmd.run(self, split_argv(rest), sink)

    def run_robocopy(self, rest: str, sink) -> int:
        return robocopy.run(self, split_argv(rest), sink)

    def run_cmd(self, rest: str, sink) -> int:
        text = rest.lstrip()
        while True:
            match = re.match(r"^/([a-zA-Z])(:\S*)?\s*", text)
            if not match:
                break
            switch = match.group(1).lower()
            text = text[match.end():]
            if switch in ("c", "k"):
                if text.startswith('"') and text.rstrip().endswith('"') and len(text.strip()) > 1:
                    stripped = text.strip()
                    text = stripped[1:-1]
                child = CmdSession(self.lab, self.host, sink, env=self.env, cwd=self.cwd)
                return child.run_line(text)
        if not text.strip():
            return 0                    # an interactive cmd with no input: ends at once under WinRS
        child = CmdSession(self.lab, self.host, sink, env=self.env, cwd=self.cwd)
        return child.run_line(text)

    def run_powershell(self, rest: str, sink) -> int:
        return run_powershell_exe(self, split_argv(rest), sink)


# --- cmd.exe lexing -------------------------------------------------------------------------------
def split_operators(line: str) -> list:
    """[(command text, operator after it or '')] splitting on & && || | outside double quotes;
    a caret outside quotes escapes the next character (and is removed)."""
    parts, current, in_quotes, i = [], [], False, 0
    while i < len(line):
        c = line[i]
        if c == '"':
            in_quotes = not in_quotes
            current.append(c)
        elif c == "^" and not in_quotes and i + 1 < len(line):
            current.append("\x00" + line[i + 1])     # marked as escaped for split_redirects
            i += 1
        elif c in "&|" and not in_quotes:
            op = c
            if i + 1 < len(line) and line[i + 1] == c:
                op = c * 2
                i += 1
            if c == "&" and current and current[-1] in (">", "<"):
                current.append(c)                   # 2>&1: a redirection, not an operator
            else:
                parts.append(["".join(current), op])
                current = []
        else:
            current.append(c)
        i += 1
    parts.append(["".join(current), ""])
    return [(text, op) for text, op in parts]


def split_redirects(text: str) -> tuple:
    """(command without redirections, [(kind, target)]) for kinds >, >>, 1>, 2>, 2>>, 2>&1, 1>&2, <."""
    redirects, result, in_quotes, i = [], [], False, 0
    while i < len(text):
        c = text[i]
        if c == "\x00":
            result.append(text[i + 1])
            i += 2
            continue
        if c == '"':
            in_quotes = not in_quotes
            result.append(c)
            i += 1
            continue
        if not in_quotes and c in "<>":
            stream = "1"
            if result and result[-1] in "12" and (len(result) == 1 or result[-2] in " \t"):
                stream = result.pop()
            if c == "<":
                kind = "<"
                i += 1
            else:
                kind = stream + ">"
                i += 1
                if i < len(text) and text[i] == ">":
                    kind += ">"
                    i += 1
                if text[i:i + 2] in ("&1", "&2"):
                    redirects.append(("%s>&%s" % (stream, text[i + 1]), ""))
                    i += 2
                    continue
            while i < len(text) and text[i] in " \t":
                i += 1
            start = i
            if i < len(text) and text[i] == '"':
                end = text.find('"', i + 1)
                end = len(text) if end == -1 else end + 1
            else:
                end = i
                while end < len(text) and text[end] not in " \t<>":
                    end += 1
            redirects.append((kind, text[start:end].strip('"')))
            i = end
            continue
        result.append(c)
        i += 1
    return "".join(result), redirects


def split_program(text: str) -> tuple:
    """(program as written, the rest of the line): the program ends at whitespace outside quotes."""
    i, in_quotes = 0, False
    while i < len(text):
        if text[i] == '"':
            in_quotes = not in_quotes
        elif text[i] in " \t" and not in_quotes:
            break
        i += 1
    return text[:i].replace('"', ""), text[i:].lstrip(" \t")


def cmd_words(text: str) -> list:
    """Arguments as cmd's built-ins read them: whitespace-separated, double quotes group and are removed."""
    words, current, in_quotes, have = [], [], False, False
    for c in text:
        if c == '"':
            in_quotes = not in_quotes
            have = True
        elif c in " \t," and not in_quotes:
            if have:
                words.append("".join(current))
                current, have = [], False
        else:
            current.append(c)
            have = True
    if have:
        words.append("".join(current))
    return words


__all__ = ["run_command_line", "CmdSession", "Capture", "PS_BAD_COMMAND_LINE", "split_operators", "split_redirects",
           "split_program", "cmd_words"]
