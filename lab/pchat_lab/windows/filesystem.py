"""Windows paths of the lab mapped onto real folders, without letting any path out of them.

A path is resolved lexically first (drive or UNC share, then components, ``.`` and ``..``), then each
component is matched case-insensitively against what exists (NTFS preserves case but ignores it), and
finally the real path is resolved through symlinks and must still lie inside the drive or share it
started from. A path that cannot be placed inside a lab drive or share does not exist, and the caller
gets PowerShell's own error for that.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..auth import second_hop
from ..powershell.api import PSError
from ..powershell.values import wildcard_to_regex

PROVIDER_PREFIXES = ("microsoft.powershell.core\\filesystem::", "filesystem::")
INVALID_CHARS = set('<>"|') | {chr(c) for c in range(32)}
WILDCARD_CHARS = set("*?[")


class PathNotFound(PSError):
    """PowerShell's ItemNotFoundException for a path."""

    def __init__(self, path: str, command: str = ""):
        super().__init__(
            "Cannot find path '%s' because it does not exist." % path,
            error_id=_fqid("PathNotFound", command), category="ObjectNotFound", target=path,
            exception_type="System.Management.Automation.ItemNotFoundException")
        self.path = path


class ShareAccessDenied(PathNotFound):
    """A share of another server reached from a session without delegated credentials (the second
    hop, pchat_lab.auth.second_hop): the provider's ItemExists check fails with UnauthorizedAccess.
    A PathNotFound, so that every caller treats the path as unreachable (Test-Path answers False)."""

    def __init__(self, path: str, command: str = ""):
        PSError.__init__(
            self, "Access is denied", error_id=_fqid("ItemExistsUnauthorizedAccessError", command),
            category="PermissionDenied", target=path, exception_type="System.UnauthorizedAccessException")
        self.path = path


class DriveNotFound(PSError):
    def __init__(self, drive: str, command: str = ""):
        super().__init__(
            "Cannot find drive. A drive with the name '%s' does not exist." % drive,
            error_id=_fqid("DriveNotFound", command), category="ObjectNotFound", target=drive,
            exception_type="System.Management.Automation.DriveNotFoundException")
        self.drive = drive


class InvalidPath(PSError):
    def __init__(self, message: str, path: str, command: str = ""):
        super().__init__(message, error_id=_fqid("ItemExistsArgumentError", command),
                         category="InvalidArgument", target=path,
                         exception_type="System.ArgumentException")
        self.path = path


def _fqid(error_id: str, command: str) -> str:
    """PowerShell's FullyQualifiedErrorId: '<id>,Microsoft.PowerShell.Commands.<Verb><Noun>Command'."""
    if not command:
        return error_id
    return "%s,Microsoft.PowerShell.Commands.%sCommand" % (error_id, command.replace("-", ""))


def has_wildcards(path: str) -> bool:
    return any(c in WILDCARD_CHARS for c in path)


def wildcard_regex(pattern: str) -> re.Pattern:
    """PowerShell's WildcardPattern (``*``, ``?``, ``[a-z]``, backtick escapes), case-insensitive."""
    return re.compile(wildcard_to_regex(pattern), re.IGNORECASE | re.DOTALL)


def unescape_wildcards(text: str) -> str:
    return re.sub(r"`(.)", r"\1", text)


@dataclass(frozen=True)
class WinPath:
    """A resolved lab path. ``parts`` are the components below the drive root (actual case where the
    item exists); ``prefix`` is how the path starts when shown (``C:`` or ``\\\\server\\share``) and
    ``shown_from`` how many of ``parts`` the prefix already covers (a share's own folder)."""
    host: object
    drive: str
    parts: tuple
    prefix: str
    shown_from: int
    real: Path
    limit: Path               # the real folder the path may not leave (drive or share root)

    @property
    def display(self) -> str:
        rest = "\\".join(self.parts[self.shown_from:])
        if self.prefix.startswith("\\\\"):
            return self.prefix + ("\\" + rest if rest else "")
        return self.prefix + "\\" + rest

    @property
    def name(self) -> str:
        if len(self.parts) > self.shown_from:
            return self.parts[-1]
        return self.display

    @property
    def is_root(self) -> bool:
        return len(self.parts) == self.shown_from

    def exists(self) -> bool:
        return os.path.lexists(self.real) and self._contained()

    def is_dir(self) -> bool:
        return self.real.is_dir() and self._contained()

    def is_file(self) -> bool:
        return self.real.is_file() and self._contained()

    def _contained(self) -> bool:
        try:
            real = Path(os.path.realpath(self.real))
            limit = Path(os.path.realpath(self.limit))
        except OSError:
            return False
        return real == limit or limit in real.parents

    def _contained_parent(self) -> bool:
        """For a path that does not exist yet: its nearest existing ancestor must be inside the
        limit, so that creating it cannot write through a symlink that leaves the lab."""
        probe = self.real
        while not os.path.lexists(probe):
            if probe == probe.parent:
                return False
            probe = probe.parent
        try:
            real = Path(os.path.realpath(probe))
            limit = Path(os.path.realpath(self.limit))
        except OSError:
            return False
        # Above the limit is fine only for an ancestor of the limit itself (a share folder not made
        # yet), never for a symlink inside the lab that points up and out of it.
        return real == limit or limit in real.parents or (real in limit.parents and probe in self.limit.parents)

    def parent(self) -> Optional["WinPath"]:
        if self.is_root:
            return None
        return WinPath(self.host, self.drive, self.parts[:-1], self.prefix, self.shown_from,
                       self.real.parent, self.limit)

    def child(self, name: str) -> "WinPath":
        """A child by name, matched case-insensitively against what exists."""
        actual = _match_existing(self.real, name) or name
        return WinPath(self.host, self.drive, self.parts + (actual,), self.prefix, self.shown_from,
                       self.real / actual, self.limit)

    def children(self) -> list:
        if not self.is_dir():
            return []
        return [self.child(n) for n in sorted(os.listdir(self.real), key=str.lower)]

    def __str__(self) -> str:
        return self.display


def _match_existing(folder: Path, name: str) -> Optional[str]:
    """The actual spelling of ``name`` in ``folder``, or None (NTFS lookups ignore case)."""
    try:
        entries = os.listdir(folder)
    except OSError:
        return None
    if name in entries:
        return name
    lowered = name.lower()
    for entry in entries:
        if entry.lower() == lowered:
            return entry
    return None


class FileSystem:
    """Path resolution for one host. UNC paths reach any host of the lab."""

    def __init__(self, host) -> None:
        self.host = host

    # --- resolution ----------------------------------------------------------------------------
    def resolve(self, path: str, cwd: Optional[str] = None, command: str = "") -> WinPath:
        """The lab path for a Windows path written as PowerShell or cmd would accept it.
        Raises PathNotFound / DriveNotFound / InvalidPath (PSError) with PowerShell's wording."""
        original = path
        if path is None or path == "":
            raise PathNotFound("", command)
        text = str(path)
        if "\x00" in text:
            raise InvalidPath("Illegal characters in path.", original, command)
        lowered = text.lower()
        for prefix in PROVIDER_PREFIXES:
            if lowered.startswith(prefix):
                text = text[len(prefix):]
                break
        text = text.replace("/", "\\")
        if any(c in INVALID_CHARS for c in text):
            raise InvalidPath("Illegal characters in path.", original, command)

        if text.startswith("\\\\"):
            return self._resolve_unc(text, original, command)
        if len(text) >= 2 and text[1] == ":":
            letter = text[0].upper()
            if not letter.isalpha():
                raise InvalidPath("The given path's format is not supported.", original, command)
            rest = text[2:]
            if not rest.startswith("\\"):
                # Drive-relative (C:foo): relative to the current folder when it is on that drive.
                base = cwd if cwd and cwd[:2].upper() == letter + ":" else letter + ":\\"
                return self.resolve(base.rstrip("\\") + "\\" + rest, None, command) if rest else \
                    self.resolve(base, None, command)
            return self._resolve_drive(letter, rest, original, command)
        if text.startswith("\\"):
            base = self._cwd_root(cwd)
            return self.resolve(base + text.lstrip("\\"), None, command)
        base = cwd or self.default_cwd()
        return self.resolve(base.rstrip("\\") + "\\" + text, None, command)

    def _cwd_root(self, cwd: Optional[str]) -> str:
        cwd = (cwd or self.default_cwd()).replace("/", "\\")
        if cwd.startswith("\\\\"):
            pieces = [p for p in cwd.split("\\") if p]
            return "\\\\%s\\%s\\" % (pieces[0], pieces[1]) if len(pieces) >= 2 else cwd
        return cwd[:2] + "\\"

    def default_cwd(self, user: str = "") -> str:
        return self.host.home(user) if user else "C:\\Users\\Public"

    def _resolve_drive(self, letter: str, rest: str, original: str, command: str) -> WinPath:
        drive = self.host.drives.get(letter)
        if drive is None:
            raise DriveNotFound(letter, command)
        parts = self._normalise(rest, original, command)
        return self._place(self.host, letter, (), parts, letter + ":", 0, original, command)

    def _resolve_unc(self, text: str, original: str, command: str) -> WinPath:
        pieces = [p for p in text[2:].split("\\")]
        if len(pieces) < 2 or not pieces[0] or not pieces[1] or pieces[0] in (".", "?"):
            raise PathNotFound(original.replace("/", "\\"), command)
        server, share_name = pieces[0], pieces[1]
        host = self.host if server.lower() in ("localhost", "127.0.0.1") else self.host.lab.host(server)
        if host is None:
            raise PathNotFound(original.replace("/", "\\"), command)
        if not second_hop.may_reach(self.host.lab, self.host, host, "share \\\\%s\\%s" % (server, share_name)):
            raise ShareAccessDenied(original.replace("/", "\\"), command)
        rest = "\\".join(pieces[2:])
        parts = self._normalise(rest, original, command)
        prefix = "\\\\%s\\%s" % (server, share_name)
        if len(share_name) == 2 and share_name[1] == "$" and share_name[0].isalpha():
            letter = share_name[0].upper()          # administrative share C$, D$, ...
            if letter not in host.drives:
                raise PathNotFound(original.replace("/", "\\"), command)
            return self._place(host, letter, (), parts, prefix, 0, original, command)
        share = host.shares.get(share_name.lower())
        if share is None:
            raise PathNotFound(original.replace("/", "\\"), command)
        return self._place(host, share.drive, share.parts, parts, prefix, len(share.parts), original, command)

    @staticmethod
    def _normalise(rest: str, original: str, command: str) -> list:
        parts: list = []
        for piece in rest.split("\\"):
            if piece in ("", "."):
                continue
            if piece == "..":
                if not parts:
                    # Climbing above the drive or share root: nothing of the lab lies there.
                    raise PathNotFound(original.replace("/", "\\"), command)
                parts.pop()
                continue
            if ":" in piece:
                raise InvalidPath("The given path's format is not supported.", original, command)
            parts.append(piece)
        return parts

    @staticmethod
    def _place(host, letter: str, base: tuple, parts: list, prefix: str, shown_from: int,
               original: str, command: str) -> WinPath:
        drive = host.drives[letter]
        limit = drive.root.joinpath(*base)
        real = drive.root
        actual: list = []
        for piece in list(base) + parts:
            name = _match_existing(real, piece) or piece
            actual.append(name)
            real = real / name
        result = WinPath(host, letter, tuple(actual), prefix, shown_from, real, limit)
        if os.path.lexists(real) and not result._contained():
            # A symlink pointing out of the lab's folders: treat as absent, never follow it.
            raise PathNotFound(result.display, command)
        if not result._contained_parent():
            raise PathNotFound(result.display, command)
        return result

    # --- wildcards ---------------------------------------------------------------------------
    def expand(self, pattern: str, cwd: Optional[str] = None, command: str = "") -> list:
        """Every existing path matching a PowerShell wildcard path (empty list when none)."""
        if not has_wildcards(pattern):
            resolved = self.resolve(unescape_wildcards(pattern), cwd, command)
            return [resolved] if resolved.exists() else []
        text = pattern.replace("/", "\\")
        # Split off the leading part without wildcards; resolve it, then walk the rest.
        pieces = text.split("\\")
        fixed: list = []
        for index, piece in enumerate(pieces):
            if has_wildcards(piece):
                break
            fixed.append(piece)
        else:
            index = len(pieces)
        head = "\\".join(fixed)
        if text.startswith("\\\\") and len(fixed) < 4:
            raise InvalidPath("Wildcards are not supported in a server or share name.", pattern, command)
        if fixed == [""]:
            head = "\\"                      # \\* : the root of the current drive
        elif head.endswith(":"):
            head += "\\"                     # C:\* : the root, not C:'s current folder
        start = self.resolve(head or ".", cwd, command)
        current = [start]
        for piece in pieces[index:]:
            if piece in ("", "."):
                continue
            nxt = []
            if has_wildcards(piece):
                regex = wildcard_regex(piece)
                for folder in current:
                    nxt.extend(c for c in folder.children() if regex.match(c.parts[-1]))
            else:
                for folder in current:
                    child = folder.parent() if piece == ".." else folder.child(unescape_wildcards(piece))
                    if child is not None and child.exists():
                        nxt.append(child)
            current = nxt
        return [p for p in current if p.exists()]

    def matches(self, name: str, pattern: str) -> bool:
        return bool(wildcard_regex(pattern).match(name))
