"""Text a console program writes, turned into the bytes WinRS sends: in the shell's code page (437 by
default, 65001 when the client asked for UTF-8), with '?' for what the code page cannot hold, as the
Windows console does. Also the C runtime's rules for splitting a command line into argv."""
from __future__ import annotations


def codec(codepage: int) -> str:
    return {65001: "utf-8", 437: "cp437", 850: "cp850", 1252: "cp1252"}.get(int(codepage), "cp437")


def encode(text: str, codepage: int = 437) -> bytes:
    return text.encode(codec(codepage), errors="replace")


def decode(data: bytes, codepage: int = 437) -> str:
    return data.decode(codec(codepage), errors="replace")


def out(sink, text: str) -> None:
    sink.stdout(encode(text, getattr(sink, "codepage", 437)))


def err(sink, text: str) -> None:
    sink.stderr(encode(text, getattr(sink, "codepage", 437)))


def split_argv(line: str) -> list:
    """argv as the Microsoft C runtime (and CommandLineToArgvW) builds it from a command line:
    whitespace separates arguments outside double quotes; 2n backslashes before a quote become n
    and the quote toggles quoting; 2n+1 backslashes before a quote become n and a literal quote;
    other backslashes are literal; "" inside quotes is a literal quote."""
    args: list = []
    current: list = []
    in_quotes = False
    have_arg = False
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c == "\\":
            j = i
            while j < n and line[j] == "\\":
                j += 1
            count = j - i
            if j < n and line[j] == '"':
                current.append("\\" * (count // 2))
                if count % 2:
                    current.append('"')
                    i = j + 1
                else:
                    i = j
                have_arg = True
                continue
            current.append("\\" * count)
            have_arg = True
            i = j
            continue
        if c == '"':
            if in_quotes and i + 1 < n and line[i + 1] == '"':
                current.append('"')
                i += 2
                have_arg = True
                continue
            in_quotes = not in_quotes
            have_arg = True
            i += 1
            continue
        if c in " \t" and not in_quotes:
            if have_arg:
                args.append("".join(current))
                current, have_arg = [], False
            i += 1
            continue
        current.append(c)
        have_arg = True
        i += 1
    if have_arg:
        args.append("".join(current))
    return args
