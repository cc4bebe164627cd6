# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""robocopy's command line, its exit bit mask and its console output (run with /NJH /NP /BYTES: no job
header, no percentages, sizes in bytes), read back into Python."""

from __future__ import annotations

from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import ps_literal

# robocopy's documented exit code bits.
EXIT_BITS = (
    (1, "files copied"),
    (2, "extra files or folders in the destination"),
    (4, "mismatched files or folders"),
    (8, "some files or folders could not be copied"),
    (16, "fatal error: nothing was copied"),
)
COPY_LABELS = ("new file", "newer", "older", "changed")


def explain_exit_code(code):
    """(list of meanings, failed?) for a robocopy exit code: 8 and above means failure."""
    meanings = [text for bit, text in EXIT_BITS if code & bit]
    if code == 0:
        meanings = ["nothing to copy: source and destination are in sync"]
    return meanings, code >= 8


def argument_path(path):
    """A folder argument robocopy reads as written: a trailing backslash would escape the closing quote
    that PowerShell adds around a path with spaces, so it is removed (a drive root becomes X:\\.)."""
    text = path.rstrip("\\")
    if len(text) == 2 and text[1] == ":":
        return text + "\\."
    return text


def command_line(source, destination, retries, wait, list_only, restartable=False):
    """The robocopy invocation as PowerShell code, every argument a literal; output goes to $o."""
    arguments = [argument_path(source), argument_path(destination), "/E", "/COPY:DAT", "/R:%d" % retries,
                 "/W:%d" % wait, "/NP", "/NJH", "/BYTES"]
    if restartable:
        arguments.append("/Z")
    if list_only:
        arguments.append("/L")
    return "$o=@(robocopy %s)" % " ".join(ps_literal(argument) for argument in arguments)


def _number(text):
    try:
        return int(text.strip())
    except (TypeError, ValueError):
        return None


def parse_output(lines, source_root):
    """{'files': [{'path', 'size', 'label'}], 'summary': {'dirs'|'files'|'bytes': {total, copied, ...}}}.

    File paths are relative to the source folder, rebuilt from the directory line that precedes each
    file line (robocopy prints names only)."""
    root = source_root.rstrip("\\").lower()
    current = ""
    files = []
    summary = {}
    columns = ("total", "copied", "skipped", "mismatch", "failed", "extras")
    for line in lines or []:
        line = str(line)
        stripped = line.strip()
        head = stripped.split(":", 1)[0].strip().lower()
        if head in ("dirs", "files", "bytes") and ":" in stripped and "\t" not in line:
            values = [_number(part) for part in stripped.split(":", 1)[1].split()]
            if len(values) == len(columns) and all(value is not None for value in values):
                summary[head] = dict(zip(columns, values))
            continue
        parts = [part.strip() for part in line.split("\t") if part.strip()]
        if not parts:
            continue
        # A folder line: "[New Dir] <count>" then the full path (label and count share one tab field).
        if parts[-1].endswith("\\") and len(parts) >= 2 and _number(parts[-2].split()[-1]) is not None:
            folder = parts[-1].rstrip("\\")
            current = folder[len(root):].lstrip("\\") if folder.lower().startswith(root) else folder
            continue
        if len(parts) == 3 and _number(parts[1]) is not None:
            label, size, name = parts
            files.append({"path": "%s\\%s" % (current, name) if current else name, "size": _number(size),
                          "label": label})
    return {"files": files, "summary": summary}


def to_copy(listing):
    return [item for item in listing["files"] if item["label"].lower() in COPY_LABELS]
