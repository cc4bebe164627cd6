"""cmd's ``dir`` over lab folders: the volume header, one line per entry, the totals."""
from __future__ import annotations

import datetime as _dt
import os
import zlib

from ..powershell.api import PSError
from .console import err, out
from .filesystem import ShareAccessDenied


class DirListing:
    """cmd's ``dir`` output for lab folders."""

    def __init__(self, session, sink, bare: bool, recursive: bool) -> None:
        self.session, self.sink, self.bare, self.recursive = session, sink, bare, recursive

    def run(self, targets: list) -> int:
        fs = self.session.host.filesystem
        code = 0
        for target in targets:
            try:
                trimmed = target.rstrip("\\")
                trimmed = target if not trimmed or trimmed.endswith(":") else trimmed
                resolved = fs.resolve(trimmed, self.session.cwd) \
                    if not _has_wildcard(target) else None
                if resolved is not None and resolved.is_dir():
                    folder, pattern = resolved, "*"
                else:
                    head, _, pattern = target.replace("/", "\\").rpartition("\\")
                    folder = fs.resolve(head + "\\" if head.endswith(":") else (head or "."), self.session.cwd)
            except ShareAccessDenied:     # another server's share without credentials (second hop)
                err(self.sink, "Access is denied.\r\n")
                code = 1
                continue
            except PSError:
                err(self.sink, "The system cannot find the path specified.\r\n")
                code = 1
                continue
            if not folder.is_dir():
                err(self.sink, "The system cannot find the path specified.\r\n")
                code = 1
                continue
            if not self.listing(folder, pattern):
                if not self.bare:
                    err(self.sink, "File Not Found\r\n")
                code = 1
        return code

    def listing(self, folder, pattern: str) -> bool:
        fs = self.session.host.filesystem
        entries = [c for c in folder.children() if fs.matches(c.name, pattern)]
        drive = self.session.host.drives[folder.drive]
        found = bool(entries)
        if self.bare:
            for entry in entries:
                out(self.sink, (entry.display if self.recursive else entry.name) + "\r\n")
        else:
            lines = [" Volume in drive %s %s\r\n" % (folder.drive, "is " + drive.label if drive.label
                                                    else "has no label."),
                     " Volume Serial Number is %s\r\n\r\n" % _serial(self.session.host.name, folder.drive),
                     " Directory of %s\r\n\r\n" % folder.display]
            files = dirs = size = 0
            rows = []
            if not folder.is_root:
                rows += [(folder.real, "."), (folder.real.parent, "..")]
                dirs += 2
            for entry in entries:
                rows.append((entry.real, entry.name))
            for real, name in rows:
                stat = os.stat(real)
                stamp = _dt.datetime.fromtimestamp(stat.st_mtime).strftime("%m/%d/%Y  %I:%M %p")
                if os.path.isdir(real):
                    if name not in (".", ".."):
                        dirs += 1
                    lines.append("%s    <DIR>          %s\r\n" % (stamp, name))
                else:
                    files += 1
                    size += stat.st_size
                    lines.append("%s    %14s %s\r\n" % (stamp, "{:,}".format(stat.st_size), name))
            lines.append("%16d File(s) %14s bytes\r\n" % (files, "{:,}".format(size)))
            lines.append("%16d Dir(s) %15s bytes free\r\n" % (dirs, "{:,}".format(drive.free)))
            if entries:
                out(self.sink, "".join(lines))
            else:
                out(self.sink, "".join(lines[:3]))
        if self.recursive:
            for entry in folder.children():
                if entry.is_dir():
                    found = self.listing(entry, pattern) or found
        return found


def _has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def _serial(host_name: str, letter: str) -> str:
    value = zlib.crc32(("%s:%s" % (host_name.upper(), letter)).encode())
    return "%04X-%04X" % (value >> 16, value & 0xFFFF)
