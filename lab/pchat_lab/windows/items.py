"""FileInfo and DirectoryInfo objects for lab paths, as the FileSystem provider returns them
(Get-Item, Get-ChildItem, New-Item): .NET properties plus the PS* note properties the provider adds."""
from __future__ import annotations

import datetime as _dt
import os

from ..powershell.api import PSEnum, PSObject

PROVIDER = "Microsoft.PowerShell.Core\\FileSystem"
FILE_TYPES = ("System.IO.FileInfo", "System.IO.FileSystemInfo", "System.MarshalByRefObject", "System.Object")
DIR_TYPES = ("System.IO.DirectoryInfo", "System.IO.FileSystemInfo", "System.MarshalByRefObject", "System.Object")
# System.IO.FileAttributes flags, in .NET's order (ToString lists set flags lowest first).
ATTRIBUTE_FLAGS = (("ReadOnly", 1), ("Hidden", 2), ("System", 4), ("Directory", 16), ("Archive", 32),
                   ("ReparsePoint", 1024))


def attributes(path) -> PSEnum:
    value = 0
    is_link = os.path.islink(path.real)
    if path.is_dir():
        value |= 16
    else:
        value |= 32
    if not os.access(path.real, os.W_OK):
        value |= 1
    if is_link:
        value |= 1024
    names = [name for name, bit in ATTRIBUTE_FLAGS if value & bit]
    return PSEnum("System.IO.FileAttributes", ", ".join(names), value)


def mode(path) -> str:
    """Windows PowerShell 5.1's Mode column: d a r h s l."""
    flags = attributes(path).value
    return "".join([
        "d" if flags & 16 else "-", "a" if flags & 32 else "-", "r" if flags & 1 else "-",
        "h" if flags & 2 else "-", "s" if flags & 4 else "-", "l" if flags & 1024 else "-"])


def _times(stat) -> dict:
    def local(ts: float) -> _dt.datetime:
        return _dt.datetime.fromtimestamp(ts)

    def utc(ts: float) -> _dt.datetime:
        return _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).replace(tzinfo=None)
    return {
        "CreationTime": local(stat.st_ctime), "CreationTimeUtc": utc(stat.st_ctime),
        "LastAccessTime": local(stat.st_atime), "LastAccessTimeUtc": utc(stat.st_atime),
        "LastWriteTime": local(stat.st_mtime), "LastWriteTimeUtc": utc(stat.st_mtime),
    }


def ps_path(display: str) -> str:
    return PROVIDER + "::" + display


def item_object(path) -> PSObject:
    """The FileInfo / DirectoryInfo PSObject for an existing lab path."""
    stat = os.stat(path.real)
    parent = path.parent()
    is_dir = path.is_dir()
    name = path.name
    base = {
        "PSPath": ps_path(path.display),
        "PSParentPath": ps_path(parent.display) if parent is not None else "",
        "PSChildName": name,
        "PSDrive": path.drive if path.prefix.endswith(":") else None,
        "PSProvider": PROVIDER,
        "PSIsContainer": is_dir,
        "Mode": mode(path),
        "BaseName": name if is_dir or "." not in name else name.rsplit(".", 1)[0],
        "Name": name,
        "FullName": path.display,
        "Extension": "" if "." not in name else "." + name.rsplit(".", 1)[1],
        "Exists": True,
        "Attributes": attributes(path),
        "LinkType": "SymbolicLink" if os.path.islink(path.real) else None,
        "Target": [os.readlink(path.real)] if os.path.islink(path.real) else [],
    }
    base.update(_times(stat))
    if is_dir:
        root = path.display.split("\\")[0] + "\\" if path.prefix.endswith(":") else path.prefix
        base.update({"Parent": parent.display if parent is not None else None, "Root": root})
        return PSObject(base, type_names=DIR_TYPES)
    base.update({
        "Length": stat.st_size,
        "DirectoryName": parent.display if parent is not None else "",
        "Directory": parent.display if parent is not None else "",
        "IsReadOnly": bool(attributes(path).value & 1),
        "VersionInfo": None,
    })
    return PSObject(base, type_names=FILE_TYPES)
