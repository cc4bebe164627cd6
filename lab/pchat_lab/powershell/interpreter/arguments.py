"""A command's elements as the binder wants them: -Name value pairs, positional arguments, splatted
@args, and the redirections written among them."""
from __future__ import annotations

import re
from typing import Any, Optional

from tree_sitter import Node

from ..binding import NO_VALUE, RawArg
from ..values import to_string
from .syntax import named_children

REDIRECT = re.compile(r"^([1-6*])?(>>?)(\$null|&1)$", re.I)


class CommandArguments:
    """Turns a command's elements into RawArgs and redirections."""

    def _redirection(self, text: str, node: Node) -> str:
        m = REDIRECT.match(text.replace(" ", ""))
        if not m:
            raise self.refuse(node, "redirection other than 2>$null, *>$null, >$null and 2>&1")
        stream, target = (m.group(1) or "1"), m.group(3).lower()
        if target == "&1":
            if stream != "2":
                raise self.refuse(node, "redirection %s" % text)
            return "merge"
        return {"1": "null-out", "2": "null-err", "*": "null-all", "3": "null-warn", "4": "null-verbose",
                "5": "null-debug", "6": "null-info"}[stream]

    def command_args(self, node: Node) -> tuple:
        """RawArgs and redirections of a command's elements."""
        raw: list = []
        redirects: list = []
        elements = node.child_by_field_name("command_elements")
        if elements is None:
            return raw, redirects
        children = [c for c in elements.children if c.type != "comment"]
        i = 0
        while i < len(children):
            c = children[i]
            i += 1
            if c.type == "command_argument_sep":
                continue
            if c.type == "command_parameter":
                name = self.text(c)[1:]
                value = NO_VALUE
                if i < len(children) and children[i].type == "command_argument_sep" and self.text(children[i]) == ":":
                    i += 1
                    if i < len(children):
                        value = self.argument_value(children[i])
                        i += 1
                elif name.endswith(":"):
                    name = name[:-1]
                    while i < len(children) and children[i].type == "command_argument_sep":
                        i += 1
                    if i < len(children):
                        value = self.argument_value(children[i])
                        i += 1
                raw.append(RawArg("param", name=name, value=value, extent=self.extent(c), text=self.text(c)))
                continue
            if c.type == "redirection":
                redirects.append(self._redirection(self.text(c), c))
                continue
            if c.type == "generic_token":
                text = self.text(c)
                if REDIRECT.match(text):
                    redirects.append(self._redirection(text, c))
                    continue
                words = [self.argument_value(c)]
                # `Name,Domain`: tokens joined by the MISSING separator of the grammar gap (parser.py).
                while (i + 1 < len(children) and children[i].type == "command_argument_sep"
                       and children[i].end_byte == children[i].start_byte
                       and children[i + 1].type == "generic_token"):
                    words.append(self.argument_value(children[i + 1])[1:])
                    i += 2
                if len(words) > 1:
                    raw.append(RawArg("arg", value=words, extent=self.extent(c), text=",".join(words)))
                    continue
            if c.type == "argument_list":
                # `Type('a', $b)` right after a bare word: PowerShell reads the parentheses as one more
                # argument, an array of its elements (one element alone is itself).
                values = self.method_args(c)
                raw.append(RawArg("arg", value=values[0] if len(values) == 1 else values,
                                  extent=self.extent(c), text=self.text(c)))
                continue
            splat = self._splat(c)
            if splat is not None:
                raw.extend(splat)
                continue
            raw.append(RawArg("arg", value=self.argument_value(c), extent=self.extent(c), text=self.text(c)))
        return raw, redirects

    def _splat(self, node: Node) -> Optional[list]:
        inner = node
        while len(named_children(inner)) == 1 and inner.type != "variable":
            inner = named_children(inner)[0]
        if inner.type != "variable" or not self.text(inner).startswith("@"):
            return None
        value = self.get_var(self._split_var(self.text(inner))[1])
        ext = self.extent(inner)
        if isinstance(value, dict):
            return [RawArg("param", name=to_string(k), value=v, extent=ext, text="-" + to_string(k))
                    for k, v in value.items()]
        if isinstance(value, list):
            return [RawArg("arg", value=v, extent=ext, text=to_string(v)) for v in value]
        if value is None:
            return []
        return [RawArg("arg", value=value, extent=ext, text=to_string(value))]

    def argument_value(self, node: Node) -> Any:
        if node.type == "generic_token":
            text = self.text(node)
            if "$" in text or "`" in text:
                raise self.refuse(node, "bare-word arguments containing $ or ` (quote the argument)")
            return text
        return self.eval(node)
