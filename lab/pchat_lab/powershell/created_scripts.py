"""Script text that a running script turns into code, and the stdin a script reads.

``[ScriptBlock]::Create(<string>)`` checks the text at once (a syntax error is the method's exception, as in
PowerShell) and returns a script block without a tree; the first time it is invoked with ``&`` it is
compiled into the running interpreter: the text is appended to the interpreter's Source and parsed with
tree-sitter's included ranges, so every node of it has its offsets in that one Source and the engine
reads it like any block written in the script.

``$input`` of a script that powershell.exe runs with stdin redirected (WinRS with
WINRS_CONSOLEMODE_STDIN=FALSE) enumerates stdin one line at a time. It is read lazily: only a script that
enumerates ``$input`` waits for the client to close stdin (Send with End="true").
"""
from __future__ import annotations

import re
from typing import Any, Callable, Optional

from tree_sitter import Parser, Range

from .api import PSError, ScriptBlock
from .parser import LANGUAGE, ScriptSyntaxError, parse


class CreatedScriptBlock(ScriptBlock):
    """A script block made from a string at run time; ``node`` is set when it is compiled."""


def create(text: str) -> CreatedScriptBlock:
    """[ScriptBlock]::Create(text): the text must parse; PowerShell reports a ParseException otherwise."""
    try:
        parse(text)
    except ScriptSyntaxError as exc:
        e = exc.extent
        raise PSError('Exception calling "Create" with "1" argument(s): "At line:%d char:%d\r\n+ %s\r\n%s"'
                      % (e.line, e.column, e.line_text, exc.message), "ParseException", "NotSpecified",
                      exception_type="System.Management.Automation.MethodInvocationException") from None
    return CreatedScriptBlock(text=text)


def compile_block(interp: Any, block: ScriptBlock) -> ScriptBlock:
    """The block with a tree in ``interp``'s Source (written as ``{<text>}`` after what is there)."""
    if block.node is not None:
        return block
    source = interp.source
    start = len(source.data) + 1
    added = b"\n{" + block.text.encode("utf-8") + b"\n}"
    source.data += added
    source.text += added.decode("utf-8")
    source.lines = source.data.split(b"\n")
    first_row = source.data[:start].count(b"\n")
    end_point = (len(source.lines) - 1, len(source.lines[-1]))
    parser = Parser(LANGUAGE, included_ranges=[Range((first_row, 0), end_point, start, len(source.data))])
    root = parser.parse(source.data).root_node
    node = _first_script_block_expression(root)
    if node is None or root.has_error:      # create() parsed the same text alone: this should not happen
        raise PSError("The lab could not compile the created script block.", "LabScriptBlock")
    block.node = node
    return block


def _first_script_block_expression(node):
    if node.type == "script_block_expression":
        return node
    for child in node.children:
        found = _first_script_block_expression(child)
        if found is not None:
            return found
    return None


class StdinLines(list):
    """$input: the lines of stdin, read (and waited for) the first time the script enumerates it."""

    def __init__(self, read: Callable[[], str]):
        super().__init__()
        self._read: Optional[Callable[[], str]] = read

    def _load(self) -> None:
        if self._read is not None:
            read, self._read = self._read, None
            # StreamReader.ReadLine: CR, LF or CR LF ends a line; a last line without one still counts.
            lines = re.split(r"\r\n|\r|\n", read())
            if lines[-1] == "":
                lines.pop()
            super().extend(lines)

    def __iter__(self):
        self._load()
        return super().__iter__()

    def __len__(self) -> int:
        self._load()
        return super().__len__()

    def __getitem__(self, index):
        self._load()
        return super().__getitem__(index)

    def __bool__(self) -> bool:
        return len(self) > 0
