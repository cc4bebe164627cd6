"""Running a script on a Lync lab host as WinRS runs it: through cmd.exe and powershell.exe
(-NoProfile -NonInteractive, as the collection and Ansible send it, unless a test asks otherwise), and
reading back the error records powershell.exe writes as CLIXML on stderr."""
from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

from pchat_lab.powershell.clixml import unescape
from pchat_lab.sink import OutputSink


@dataclass
class Shell:
    code: int
    out: str
    errors: list = field(default_factory=list)      # each error record's text, lines joined by "\n"

    @property
    def error_text(self) -> str:
        return "\n".join(self.errors)

    def ids(self) -> list:
        """The FullyQualifiedErrorId of each error record."""
        return [m.group(1).strip() for e in self.errors for m in re.finditer(r"FullyQualifiedErrorId : (.*)", e)]

    def lines(self) -> list:
        return [line for line in self.out.split("\r\n") if line]


def shell(lab, script: str, host: str = "FE01", noninteractive: bool = True) -> Shell:
    sink = OutputSink()
    sink.user, sink.codepage = "CONTOSO\\lyncadmin", 65001
    encoded = base64.b64encode(script.encode("utf-16-le")).decode()
    switches = "-NoProfile -NonInteractive" if noninteractive else "-NoProfile"
    code = lab.execute(lab.host(host), "powershell %s -EncodedCommand %s" % (switches, encoded), sink)
    out, err, _ = sink.take(0)
    records = re.findall(r'<S S="Error">(.*?)</S>', err.decode("utf-8"), re.S)
    # One record spans several <S> elements, one per line; a record ends with its " " line.
    errors, current = [], []
    for piece in records:
        text = unescape(piece).rstrip("\r\n")
        if text.strip() == "" and current:
            errors.append("\n".join(current))
            current = []
        elif text.strip():
            current.append(text)
    if current:
        errors.append("\n".join(current))
    return Shell(code, out.decode("utf-8"), errors)
