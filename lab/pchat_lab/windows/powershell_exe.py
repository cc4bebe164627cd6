"""powershell.exe's own command line (Windows PowerShell 5.1's CommandLineParameterParser): switches
matched by prefix with a shortest accepted form, -EncodedCommand (UTF-16LE base64), -Command with the
rest of the arguments joined by one space, -Command - reading stdin, -File; then the script goes to the
lab's PowerShell engine.

stdin, as powershell.exe reads it when WinRS gives it a pipe: a script run with -EncodedCommand,
-Command <text> or -File sees it as $input, one string per line, decoded in the shell's code page;
with -Command - stdin is the commands themselves, read as an interactive console reads typed lines:
a line that is a complete statement runs at once, a line that leaves a statement open starts a block
that only a blank line ends (a block still open when stdin ends never runs), and one statement's
error does not stop the next."""
from __future__ import annotations

import base64
import binascii
from typing import Optional

from ..powershell.api import PSError
from . import console
from .console import err

# powershell.exe (Windows PowerShell 5.1) command-line switches: (full name, shortest accepted
# prefix), matched as CommandLineParameterParser.MatchSwitch does. Order matters, as there.
PS_SWITCHES = [
    ("help", "h"), ("?", "?"), ("noexit", "noe"), ("importsystemmodules", "imp"), ("noprofile", "nop"),
    ("nologo", "nol"), ("noninteractive", "noni"), ("socketservermode", "so"), ("servermode", "s"),
    ("namedpipeservermode", "nam"), ("configurationname", "config"), ("command", "c"),
    ("windowstyle", "w"), ("file", "f"), ("outputformat", "o"), ("of", "o"), ("inputformat", "i"),
    ("if", "i"), ("executionpolicy", "ex"), ("ep", "ep"), ("encodedcommand", "e"), ("ec", "e"),
    ("encodedarguments", "encodeda"), ("ea", "ea"), ("sta", "s"), ("mta", "mta"), ("version", "v"),
    ("psconsolefile", "psc"),
]
# powershell.exe reports a bad command line with this exit code (ConsoleHost
# ExitCodeBadCommandLineParameter = 0xFFFD0000); WinRS reports exit codes unsigned.
PS_BAD_COMMAND_LINE = 0xFFFD0000
PS_BAD_ENCODED = ("Cannot process the command because the value specified with -EncodedCommand is not "
                  "properly encoded. The value must be Base64 encoded.")
PS_MISSING_COMMAND = "Cannot process the command because of a missing parameter. A command must follow -Command."
PS_COMMAND_TWICE = ("Cannot process the command because -Command or -EncodedCommand was specified more than "
                    "once.")
PS_DASH_EXTRA = "'-' was specified with the -Command parameter; no other arguments to -Command are permitted."
PS_BAD_FORMAT = ("Cannot process the command because the value specified with -OutputFormat is not valid. "
                 "Valid values are: Text, XML.")


def run_powershell_exe(session, args: list, sink) -> int:
    """powershell.exe's command line (Windows PowerShell 5.1), then the script through the engine."""
    script: Optional[str] = None
    from_stdin = False
    noninteractive = False
    i = 0
    while i < len(args):
        raw = args[i].strip().lower()
        if not raw:
            i += 1
            continue
        if raw[0] not in "-/":
            script = " ".join(args[i:])
            break
        key = raw[1:]
        if key.startswith("-"):
            key = key[1:]
        switch = next((full for full, shortest in PS_SWITCHES
                       if full.startswith(key) and len(key) >= len(shortest)), None) if key else None
        if switch is None:
            script = " ".join(args[i:])     # the first unknown switch starts the command
            break
        if switch in ("help", "?"):
            return lab_unsupported(sink, "powershell.exe -Help")
        if switch in ("noexit", "noprofile", "nologo", "noninteractive", "sta", "mta", "importsystemmodules"):
            noninteractive = noninteractive or switch == "noninteractive"
            i += 1
            continue
        if switch in ("executionpolicy", "ep", "windowstyle", "configurationname", "version", "psconsolefile",
                      "outputformat", "of", "inputformat", "if"):
            if i + 1 >= len(args):
                err(sink, "Cannot process the command because of a missing parameter for -%s.\r\n" % switch)
                return PS_BAD_COMMAND_LINE
            value = args[i + 1]
            if switch in ("outputformat", "of", "inputformat", "if") and value.lower() not in ("text", "xml"):
                err(sink, PS_BAD_FORMAT.replace("-OutputFormat", "-" + ("InputFormat" if "i" in switch[:1]
                                                                        else "OutputFormat")) + "\r\n")
                return PS_BAD_COMMAND_LINE
            if switch in ("outputformat", "of", "inputformat", "if") and value.lower() == "xml":
                return lab_unsupported(sink, "powershell.exe -%s XML" % switch)
            if switch in ("version", "psconsolefile", "configurationname"):
                return lab_unsupported(sink, "powershell.exe -%s" % switch)
            i += 2
            continue
        if switch in ("servermode", "socketservermode", "namedpipeservermode", "encodedarguments", "ea"):
            return lab_unsupported(sink, "powershell.exe -%s" % switch)
        if switch in ("encodedcommand", "ec"):
            if script is not None or from_stdin:
                err(sink, PS_COMMAND_TWICE + "\r\n")
                return PS_BAD_COMMAND_LINE
            if i + 1 >= len(args):
                err(sink, PS_MISSING_COMMAND + "\r\n")
                return PS_BAD_COMMAND_LINE
            decoded = decode_encoded_command(args[i + 1])
            if decoded is None:
                err(sink, PS_BAD_ENCODED + "\r\n")
                return PS_BAD_COMMAND_LINE
            script = decoded
            i += 2
            continue
        if switch == "command":
            if script is not None or from_stdin:
                err(sink, PS_COMMAND_TWICE + "\r\n")
                return PS_BAD_COMMAND_LINE
            if i + 1 >= len(args):
                err(sink, PS_MISSING_COMMAND + "\r\n")
                return PS_BAD_COMMAND_LINE
            if args[i + 1] == "-":
                if i + 2 != len(args):
                    err(sink, PS_DASH_EXTRA + "\r\n")
                    return PS_BAD_COMMAND_LINE
                from_stdin = True
                break
            script = " ".join(args[i + 1:])
            break
        if switch == "file":
            if i + 1 >= len(args):
                err(sink, "Cannot process the command because of a missing parameter. A file path must "
                          "follow -File.\r\n")
                return PS_BAD_COMMAND_LINE
            if len(args) > i + 2:
                return lab_unsupported(sink, "powershell.exe -File with script arguments")
            script = read_script_file(session, args[i + 1], sink)
            if script is None:
                return PS_BAD_COMMAND_LINE
            break
        i += 1
    codepage = getattr(sink, "codepage", 437)
    if from_stdin:
        return run_typed_lines(session, console.decode(sink.read_stdin(), codepage), sink, noninteractive)
    if script is None:
        # Interactive PowerShell with no console: WinRS gives it no input, so it ends at once.
        return lab_unsupported(sink, "an interactive powershell.exe (no -Command, -EncodedCommand or -File)")
    from ..powershell.created_scripts import StdinLines
    from ..powershell.engine import run_script   # written alongside; imported when first needed
    stdin = StdinLines(lambda: console.decode(sink.read_stdin(), codepage))
    return run_script(session.lab, session.host, script, sink, automatic={"input": stdin},
                      noninteractive=noninteractive)


# A statement that stops at one of these is not finished: the console reads another line for it.
_INCOMPLETE = {"MissingEndCurlyBrace", "MissingEndParenthesisInExpression", "TerminatorExpectedAtEndOfString",
               "EndSquareBracketExpectedAtEndOfAttribute", "EmptyPipeElement", "MissingExpressionAfterOperator",
               "ExpectedExpression", "MissingStatementBlock", "MissingExpression"}


def typed_statements(text: str) -> list:
    """The pieces -Command - runs, in order: each complete line alone, and each block that a line left
    open together with the lines after it up to a blank line. A block open when stdin ends is dropped."""
    from ..powershell.parser import ScriptSyntaxError, parse
    pieces, block = [], None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()         # the text after the last line break is not a line
    for line in lines:
        if block is not None:
            if line.strip():
                block.append(line)
            else:
                pieces.append("\n".join(block))
                block = None
            continue
        if not line.strip():
            continue
        try:
            parse(line)
        except ScriptSyntaxError as exc:
            if exc.error_id in _INCOMPLETE:
                block = [line]
                continue
        pieces.append(line)
    return pieces


def run_typed_lines(session, text: str, sink, noninteractive: bool = True) -> int:
    """-Command -: every piece in one session (variables carry over), each reporting its own errors; ``exit``
    ends powershell.exe with its code; otherwise the exit code says whether the last piece succeeded."""
    from ..powershell.clixml import error_lines
    from ..powershell.engine import Interpreter, StreamOut
    from ..powershell.errors import BreakSignal, ContinueSignal, ExitSignal, LabRefusal, ReturnSignal, Terminating
    from ..powershell.parser import ScriptSyntaxError, Source, parse
    from ..powershell.values import ErrorRecord
    interp = Interpreter(session.lab, session.host, "", sink, noninteractive=noninteractive)
    interp.scopes[0]["input"] = []          # stdin was the commands: nothing is left for $input
    ok = True
    try:
        for piece in typed_statements(text):
            interp.source = Source(piece)
            interp.last_ok = True
            try:
                for statement in interp.statements(parse(piece, interp.source)):
                    interp.guarded(statement, StreamOut(interp))
                ok = interp.last_ok
            except ExitSignal as signal:
                return signal.code
            except ReturnSignal as signal:
                interp.write_objects(signal.values)
            except (BreakSignal, ContinueSignal):
                pass
            except Terminating as stop:
                interp.error_list.insert(0, ErrorRecord(stop.error))
                interp.write_error_record(stop.error)
                ok = False
            except ScriptSyntaxError as exc:
                interp.stderr_record(error_lines(exc.render()))
                ok = False
            except LabRefusal as refusal:
                interp.stderr_record(error_lines(refusal.syntax_error.render()))
                ok = False
    finally:
        interp.finish()
    return 0 if ok else 1


def decode_encoded_command(value: str) -> Optional[str]:
    """-EncodedCommand's value: base64 of the script in UTF-16LE, or None when it is not that."""
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(data) % 2:
        return None
    try:
        return data.decode("utf-16-le")
    except UnicodeDecodeError:
        return None


def read_script_file(session, name: str, sink) -> Optional[str]:
    if not name.lower().endswith(".ps1"):
        err(sink, "Processing -File '%s' failed because the file does not have a '.ps1' extension. Specify a "
                  "valid Windows PowerShell script file name, and then try again.\r\n" % name)
        return None
    try:
        path = session.host.filesystem.resolve(name, session.cwd)
    except PSError:
        path = None
    if path is None or not path.is_file():
        err(sink, "The argument '%s' to the -File parameter does not exist. Provide the path to an existing "
                  "'.ps1' file as an argument to the -File parameter.\r\n" % name)
        return None
    data = path.real.read_bytes()
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(codec, errors="replace")
    return data.decode("cp1252", errors="replace")


def lab_unsupported(sink, what: str) -> int:
    err(sink, "pchat-lab: %s is not simulated by the lab.\r\n" % what)
    return 1
