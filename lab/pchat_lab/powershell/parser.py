"""Parsing with tree-sitter-powershell, and refusing what the grammar or the lab cannot handle.

tree-sitter recovers from syntax errors instead of failing, so every ERROR / MISSING node becomes
PowerShell's ParseException here. Node types outside the interpreted subset are refused before
anything runs, so a script never half-runs because of a construct the lab does not know.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import tree_sitter_powershell
from tree_sitter import Language, Node, Parser

LANGUAGE = Language(tree_sitter_powershell.language())

# Node types the interpreter implements (everything else is refused with its line and column).
SUPPORTED = {
    "program", "statement_list", "comment", "empty_statement", "pipeline", "pipeline_chain", "command",
    "command_name", "command_elements", "command_argument_sep", "command_parameter", "generic_token",
    "redirection", "merging_redirection_operator", "file_redirection_operator", "redirected_file_name",
    "assignment_expression", "left_assignment_expression", "assignement_operator", "logical_expression",
    "bitwise_expression", "comparison_expression", "comparison_operator", "additive_expression",
    "multiplicative_expression", "format_expression", "format_operator", "range_expression",
    "array_literal_expression", "unary_expression", "expression_with_unary_operator",
    "pre_increment_expression", "pre_decrement_expression", "post_increment_expression",
    "post_decrement_expression", "cast_expression", "type_literal", "type_spec", "type_name",
    "type_identifier", "array_type_name", "parenthesized_expression", "sub_expression", "array_expression",
    "script_block_expression", "script_block", "script_block_body", "hash_literal_expression",
    "hash_literal_body", "hash_entry", "key_expression", "simple_name", "member_access", "member_name",
    "element_access", "invokation_expression", "argument_list", "argument_expression_list",
    "argument_expression", "logical_argument_expression", "bitwise_argument_expression",
    "comparison_argument_expression", "additive_argument_expression", "multiplicative_argument_expression",
    "format_argument_expression", "range_argument_expression", "integer_literal", "decimal_integer_literal",
    "hexadecimal_integer_literal", "real_literal", "string_literal", "expandable_string_literal",
    "expandable_here_string_literal", "verbatim_string_characters", "verbatim_here_string_characters",
    "variable", "braced_variable", "if_statement", "elseif_clauses", "elseif_clause", "else_clause",
    "statement_block", "foreach_statement", "for_statement", "for_initializer", "for_condition",
    "for_iterator", "while_statement", "while_condition", "do_statement", "flow_control_statement",
    "try_statement", "catch_clauses", "catch_clause", "catch_type_list", "finally_clause",
    "function_statement", "function_name", "param_block", "parameter_list", "script_parameter",
    "script_parameter_default", "attribute_list", "attribute", "attribute_name", "attribute_arguments",
    "attribute_argument", "command_invokation_operator", "command_name_expr", "path_command_name",
    "switch_statement", "switch_parameters", "switch_parameter", "switch_condition", "switch_body",
    "switch_clauses", "switch_clause", "switch_clause_condition",
}

# What each refused node type is, for the message.
DESCRIPTIONS = {
    "switch_filename": "switch -File", "trap_statement": "the trap statement",
    "class_statement": "class definitions", "enum_statement": "enum definitions",
    "data_statement": "data sections", "named_block_list": "begin/process/end blocks",
    "named_block": "begin/process/end blocks", "stop_parsing": "the stop-parsing token --%",
    "label": "loop labels", "function_parameter_declaration": "function parameters declared after the name",
    "invokation_foreach_expression": "the .ForEach() magic method", "generic_type_name": "generic types",
    "verbatim_command_argument": "verbatim command arguments",
}


@dataclass
class Extent:
    line: int          # 1-based
    column: int        # 1-based
    line_text: str
    length: int

    def as_tuple(self):
        return (self.line, self.column, self.line_text, self.length)


class ScriptSyntaxError(Exception):
    """PowerShell's ParseException (or the lab's refusal of an unsupported construct)."""

    def __init__(self, message: str, error_id: str, extent: Extent,
                 category: str = "ParserError", reason: str = "ParentContainsErrorRecordException"):
        super().__init__(message)
        self.message = message
        self.error_id = error_id
        self.extent = extent
        self.category = category
        self.reason = reason

    def render(self) -> list:
        e = self.extent
        return ["At line:%d char:%d" % (e.line, e.column), "+ " + e.line_text,
                "+ " + " " * (e.column - 1) + "~" * max(1, e.length), self.message,
                "    + CategoryInfo          : %s: (:) [], %s" % (self.category, self.reason),
                "    + FullyQualifiedErrorId : %s" % self.error_id, " "]


class Source:
    """The script text, with line lookup for error positions (tree-sitter columns are UTF-8 bytes)."""

    def __init__(self, text: str):
        self.text = text
        self.data = text.encode("utf-8")
        self.lines = self.data.split(b"\n")

    def extent(self, node: Node, end: Optional[Node] = None) -> Extent:
        row, col_bytes = node.start_point
        line_bytes = self.lines[row] if row < len(self.lines) else b""
        column = len(line_bytes[:col_bytes].decode("utf-8", "replace")) + 1
        end_node = end or node
        erow, ecol = end_node.end_point
        if erow == row:
            length = len(line_bytes[col_bytes:ecol].decode("utf-8", "replace"))
        else:
            length = len(line_bytes[col_bytes:].decode("utf-8", "replace").rstrip("\r"))
        line_text = line_bytes.decode("utf-8", "replace").rstrip("\r")
        return Extent(row + 1, column, line_text, length)

    def node_text(self, node: Node) -> str:
        return self.data[node.start_byte:node.end_byte].decode("utf-8")


_MISSING_MESSAGES = {
    "}": ("Missing closing '}' in statement block or type definition.", "MissingEndCurlyBrace"),
    ")": ("Missing closing ')' in expression.", "MissingEndParenthesisInExpression"),
    "]": ("Missing ']' at end of attribute or type literal.", "EndSquareBracketExpectedAtEndOfAttribute"),
    '"': ("The string is missing the terminator: \".", "TerminatorExpectedAtEndOfString"),
    "'": ("The string is missing the terminator: '.", "TerminatorExpectedAtEndOfString"),
}

# Literals tree-sitter-powershell misreads as command names: `1..3` (no spaces), `1KB`, `10L`.
RANGE_AS_COMMAND = re.compile(r"^(-?\d+)\.\.(-?\d+)$")
NUMBER_AS_COMMAND = re.compile(r"^(\d+(?:\.\d+)?)([lL])?(kb|mb|gb|tb|pb)?$", re.I)


def _first_problem(node: Node) -> Optional[Node]:
    if node.type == "ERROR" or node.is_missing:
        inner = [c for c in node.children if c.type == "ERROR" or c.is_missing or c.has_error]
        if node.type == "ERROR" and inner:
            return _first_problem(inner[0]) or node
        return node
    for child in node.children:
        if child.has_error or child.is_missing or child.type == "ERROR":
            found = _first_problem(child)
            if found is not None:
                return found
    return None


_CLOSERS = {"(": ")", "@(": ")", "$(": ")", "{": "}", "@{": "}", "[": "]"}


def _unclosed(node: Node):
    """The opening bracket an ERROR node leaves open, if any (PowerShell reports it as missing)."""
    if node.type != "ERROR":
        return None
    stack = []
    for child in node.children:
        if child.is_named:
            continue
        if child.type in _CLOSERS:
            stack.append(child.type)
        elif stack and child.type == _CLOSERS[stack[-1]]:
            stack.pop()
    return stack[-1] if stack else None


def _grammar_gap(problem: Node) -> Optional[str]:
    """Known tree-sitter-powershell gaps (engineering notes §5) that real PowerShell accepts: say so
    instead of a PowerShell parse error PowerShell would never give."""
    node = problem
    if node.type == "ERROR" and any(c.type == "param_block" for c in node.children):
        return "param(...) followed by a statement on the same line; put a newline or ';' after param(...)"
    while node is not None:
        if node.type == "switch_statement" and node.start_point[0] == node.end_point[0]:
            return "a switch statement written on one line; put each clause on its own line"
        if node.type == "param_block" or (node.type == "ERROR" and node.parent is not None
                                          and node.parent.type == "param_block"):
            return "a param(...) block on one line with attributes; split it across lines"
        node = node.parent
    return None


def _problems(node: Node) -> list:
    found = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "ERROR" or n.is_missing:
            found.append(n)
        elif n.has_error:
            stack.extend(n.children)
    return found


def _is_bareword_list_gap(node: Node) -> bool:
    """tree-sitter-powershell splits a bare-word list argument (``-Property Name,Domain``) into tokens
    joined by a MISSING separator; PowerShell reads it as an array of strings, and so does the engine."""
    sep = node.parent if node.is_missing else None
    if sep is None or sep.type != "command_argument_sep":
        return False
    before, after = sep.prev_sibling, sep.next_sibling
    return (before is not None and after is not None and before.type == "generic_token"
            and after.type == "generic_token" and after.text.startswith(b",") and len(after.text) > 1)


# A comma after a bare word, followed by blanks and another bare word, outside strings and comments:
# `Select-Object Name, Status` (PowerShell reads an array of strings; the grammar cannot).
_LIST_COMMA = re.compile(r"(?<=[A-Za-z0-9_*?\-]),[ \t]+(?=[A-Za-z_*])")


def _close_bareword_lists(text: str) -> str:
    """``text`` with the blanks after such commas removed, strings, here-strings and comments untouched."""
    out, i, n = [], 0, len(text)
    while i < n:
        start = i
        if text.startswith("<#", i):
            end = text.find("#>", i + 2)
            i = n if end < 0 else end + 2
        elif text[i] == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith(("@'", '@"'), i):
            closer = "\n" + text[i + 1] + "@"
            end = text.find(closer, i + 2)
            i = n if end < 0 else end + len(closer)
        elif text[i] in SINGLE_QUOTES or text[i] in DOUBLE_QUOTES:
            double = text[i] in DOUBLE_QUOTES
            quotes = DOUBLE_QUOTES if double else SINGLE_QUOTES
            i += 1
            while i < n:
                if text[i] == "`" and double:
                    i += 2
                    continue
                if text[i] in quotes:
                    if i + 1 < n and text[i + 1] in quotes:   # doubled quote: still inside
                        i += 2
                        continue
                    i += 1
                    break
                i += 1
        else:
            end = i
            while end < n and text[end] not in "#'\"@<" + SINGLE_QUOTES + DOUBLE_QUOTES:
                end += 1
            i = max(end, i + 1)
            out.append(_LIST_COMMA.sub(",", text[start:i]))
            continue
        out.append(text[start:i])
    return "".join(out)


def _code_mask(text: str) -> list:
    """For each character of ``text``: True when it is code, False inside strings, here-strings, comments."""
    mask = [True] * len(text)
    i, n = 0, len(text)
    while i < n:
        start = i
        if text.startswith("<#", i):
            end = text.find("#>", i + 2)
            i = n if end < 0 else end + 2
        elif text[i] == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith(("@'", '@"'), i):
            closer = "\n" + text[i + 1] + "@"
            end = text.find(closer, i + 2)
            i = n if end < 0 else end + len(closer)
        elif text[i] in SINGLE_QUOTES or text[i] in DOUBLE_QUOTES:
            double = text[i] in DOUBLE_QUOTES
            quotes = DOUBLE_QUOTES if double else SINGLE_QUOTES
            i += 1
            while i < n:
                if text[i] == "`" and double:
                    i += 2
                    continue
                if text[i] in quotes:
                    if i + 1 < n and text[i + 1] in quotes:
                        i += 2
                        continue
                    i += 1
                    break
                i += 1
        else:
            i += 1
            continue
        for k in range(start, min(i, n)):
            mask[k] = False
    return mask


# A bare word in a list argument beside an element that is not a bare word: `Select-Object Name,
# @{n='Up';e={...}}`, `@{...}, Status`, `Get-Foo a, $x`, `$x, a`, `a, 1`. PowerShell reads the word as a
# string [DOC: about_Parsing, argument mode]; tree-sitter-powershell cannot read the list, but reads the
# same list with the word quoted (and then the words beside that quoted one, in turn).
_WORD_BEFORE_ELEMENT = re.compile(r"(?<![\w$'\"`.:\\/@-])([A-Za-z_][\w*?]*)(\s*,\s*)(?=[@$('\"{0-9-])")
_WORD_AFTER_ELEMENT = re.compile(r"(?<=[\w)}'\"\]])(\s*,\s*)([A-Za-z_][\w*?]*)(?![\w$(.:\\/-])")


def _quote_words_beside_elements(text: str) -> tuple:
    """(text with such words quoted, character offsets of the quoted words in that text)."""
    starts: list = []
    for _ in range(50):
        mask = _code_mask(text)
        match = next((m for pattern in (_WORD_BEFORE_ELEMENT, _WORD_AFTER_ELEMENT)
                      for m in pattern.finditer(text) if all(mask[m.start():m.end()])), None)
        if match is None:
            break
        group = 1 if match.re is _WORD_BEFORE_ELEMENT else 2
        begin, end = match.start(group), match.end(group)
        starts = [x + (2 if x >= end else 1 if x >= begin else 0) for x in starts] + [begin]
        text = text[:begin] + "'" + match.group(group) + "'" + text[end:]
    return text, starts


_ARGUMENT_BOUNDARIES = {"command_elements", "assignment_expression", "parenthesized_expression",
                        "hash_literal_body", "script_block", "sub_expression", "array_expression",
                        "command_name", "if_statement", "foreach_statement", "while_statement"}


def _all_command_arguments(root: Node, text: str, starts: list) -> bool:
    """Is every quoted word an element of a command's argument list (argument mode), not an expression?"""
    for start in starts:
        offset = len(text[:start].encode("utf-8"))
        node = root.descendant_for_byte_range(offset, offset + 1)
        while node is not None and node.type not in _ARGUMENT_BOUNDARIES:
            node = node.parent
        if node is None or node.type != "command_elements":
            return False
    return True


# A number with a multiplier suffix after an operator (`$_.Length/1KB`): tree-sitter-powershell stops at
# the suffix; the same value written out reads (1KB = 1024 [DOC: about_Numeric_Literals]).
_MULTIPLIED_NUMBER = re.compile(r"(?<![\w$.\\:])(?<!\w-)(\d+(?:\.\d+)?)(kb|mb|gb|tb|pb)(?![\w.\\/:-])", re.I)
_MULTIPLIERS = {"kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30, "tb": 1 << 40, "pb": 1 << 50}


def _write_out_multiplied_numbers(text: str) -> str:
    mask = _code_mask(text)

    def value(match):
        if not all(mask[match.start():match.end()]):
            return match.group(0)
        number, unit = match.group(1), match.group(2).lower()
        if "." in number:
            return repr(float(number) * _MULTIPLIERS[unit])
        return str(int(number) * _MULTIPLIERS[unit])
    return _MULTIPLIED_NUMBER.sub(value, text)


def _retry_with_closed_lists(root: Node, source: Source) -> Node:
    """tree-sitter-powershell cannot read ``Name, Status`` (a blank after the comma of a bare-word list).
    When closing those lists is all a script needs to parse, run the closed text; the source then holds
    it, so error positions on such a line count without those blanks. Otherwise keep the first tree and
    its error."""
    repaired, quoted = _quote_words_beside_elements(_close_bareword_lists(_write_out_multiplied_numbers(source.text)))
    if repaired == source.text:
        return root
    retry = Parser(LANGUAGE).parse(repaired.encode("utf-8")).root_node
    if retry.has_error and not all(_is_bareword_list_gap(n) for n in _problems(retry)):
        return root
    if not _all_command_arguments(retry, repaired, quoted):
        return root               # a word in expression mode: PowerShell would refuse it as well
    source.__init__(repaired)
    return retry


def _last_leaf(node: Node) -> Node:
    while node.children:
        node = node.children[-1]
    return node


def parse(text: str, source: Optional[Source] = None) -> Node:
    """Parse, and raise ScriptSyntaxError for syntax errors and refused constructs."""
    source = source or Source(text)
    tree = Parser(LANGUAGE).parse(source.data)
    root = tree.root_node
    if root.has_error and not all(_is_bareword_list_gap(n) for n in _problems(root)):
        root = _retry_with_closed_lists(root, source)
    if root.has_error and not all(_is_bareword_list_gap(n) for n in _problems(root)):
        problem = _first_problem(root) or root
        gap = _grammar_gap(problem)
        if gap is not None:
            raise ScriptSyntaxError(
                "The lab's parser (tree-sitter-powershell) cannot read this valid PowerShell: %s." % gap,
                "PchatLabGrammarGap", source.extent(problem))
        if problem.is_missing:
            token = problem.type
            if token not in _MISSING_MESSAGES:
                # A token only the grammar needs (an argument separator, ...): PowerShell has no "Missing"
                # error for it, so saying one would invent a parse error. The lab's own marker instead.
                raise ScriptSyntaxError(
                    "The lab's parser (tree-sitter-powershell) cannot read this line (its grammar expected a "
                    "%r token here, which PowerShell's parser has no error for); PowerShell may well accept "
                    "it: rewrite the line, e.g. quote bare words in lists." % token,
                    "PchatLabGrammarGap", source.extent(problem))
            message, error_id = _MISSING_MESSAGES[token]
            raise ScriptSyntaxError(message, error_id, source.extent(problem))
        opener = _unclosed(problem)
        if opener is not None:
            message, error_id = _MISSING_MESSAGES[_CLOSERS[opener]]
            end = source.extent(problem)
            at_end = Extent(end.line, end.column + end.length if end.length else end.column, end.line_text, 1)
            if problem.end_point[0] != problem.start_point[0]:
                last = source.lines[problem.end_point[0]].decode("utf-8", "replace").rstrip("\r")
                at_end = Extent(problem.end_point[0] + 1, len(last) + 1, last, 1)
            raise ScriptSyntaxError(message, error_id, at_end)
        leaf = problem
        if problem.type == "ERROR" and problem.children:
            leaf = _last_leaf(problem) if not any(c.type == "ERROR" for c in problem.children) else problem
            if leaf.type == "ERROR" and leaf.children:
                leaf = next((c for c in leaf.children if c.type not in ("ERROR",)), leaf)
        token = source.node_text(leaf).strip() or source.node_text(problem).strip()
        if token.startswith('"') and token.count('"') == 1 or token.startswith("'") and token.count("'") == 1:
            message, error_id = _MISSING_MESSAGES[token[0]]
        else:
            message, error_id = "Unexpected token '%s' in expression or statement." % token, "UnexpectedToken"
        raise ScriptSyntaxError(message, error_id, source.extent(leaf))
    check_supported(root, source)
    return root


# PowerShell's tokenizer treats these as quote characters too (CharExtensions.IsSingleQuote/IsDoubleQuote);
# tree-sitter-powershell only knows the ASCII ones.
SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
DOUBLE_QUOTES = '"\u201c\u201d\u201e'


def _check_quotes(n: Node, source: Source) -> None:
    """A quote character inside a string that is not doubled ends the string in PowerShell: what
    follows is then a syntax error there, whatever tree-sitter made of it."""
    if n.type == "verbatim_string_characters":
        quotes, skip = SINGLE_QUOTES, []
    elif n.type == "expandable_string_literal":
        quotes = DOUBLE_QUOTES
        skip = [(c.start_byte, c.end_byte) for c in n.children if c.type == "sub_expression"]
    else:
        return
    data = source.data[n.start_byte:n.end_byte].decode("utf-8")
    if len(data) < 2:
        return
    body = data[1:-1]
    offset = n.start_byte + len(data[0].encode("utf-8"))
    i = 0
    while i < len(body):
        pos = offset + len(body[:i].encode("utf-8"))
        if any(start <= pos < end for start, end in skip):
            i += 1
            continue
        ch = body[i]
        if ch == "`" and n.type == "expandable_string_literal":
            i += 2
            continue
        if ch in quotes:
            if i + 1 < len(body) and body[i + 1] in quotes:
                i += 2
                continue
            row, col = n.start_point
            line_bytes = source.lines[row]
            prefix = source.data[source.data.rfind(b"\n", 0, pos) + 1:pos].decode("utf-8", "replace")
            line = source.data[:pos].count(b"\n") + 1
            text = source.lines[line - 1].decode("utf-8", "replace").rstrip("\r")
            token = body[i + 1:] + data[-1]
            raise ScriptSyntaxError("Unexpected token '%s' in expression or statement." % token, "UnexpectedToken",
                                    Extent(line, len(prefix) + 2, text, len(token)))
        i += 1


def check_supported(node: Node, source: Source) -> None:
    stack = [node]
    while stack:
        n = stack.pop()
        _check_quotes(n, source)
        if n.is_named and n.type not in SUPPORTED:
            if n.type == "pipeline_chain_tail":
                raise ScriptSyntaxError("The token '%s' is not a valid statement separator in this version."
                                        % source.node_text(n.children[0]), "InvalidEndOfLine",
                                        source.extent(n.children[0]))
            raise unsupported(source, n)
        stack.extend(reversed(n.children))


def unsupported(source: Source, node: Node, what: str = "") -> ScriptSyntaxError:
    text = source.node_text(node)
    short = text if len(text) <= 60 else text[:57] + "..."
    description = what or DESCRIPTIONS.get(node.type, node.type.replace("_", " "))
    extent = source.extent(node)
    message = ("The PowerShell lab does not support %s (%s '%s' at line %d, column %d)."
               % (description, node.type, short.replace("\n", " "), extent.line, extent.column))
    return ScriptSyntaxError(message, "PchatLabUnsupportedConstruct", extent, "NotImplemented",
                             "NotSupportedException")
