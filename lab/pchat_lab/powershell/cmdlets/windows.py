"""Windows cmdlets over the simulated hosts: the FileSystem provider's item and content cmdlets,
services, volumes and drives, and CIM/WMI queries of the classes the lab models.

Paths go through the host's FileSystem (``pchat_lab.windows.filesystem``), so no cmdlet can reach
outside the lab's folders; errors carry PowerShell's messages and FullyQualifiedErrorIds.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from typing import Any, Iterable

from ..api import PSEnum, PSError, PSObject, Param, cmdlet
from ...windows import wmi
from ...windows.filesystem import DriveNotFound, InvalidPath, PathNotFound, has_wildcards, wildcard_regex
from ...windows.host import START_MODE
from ...windows.items import PROVIDER, item_object

MANAGEMENT = "Microsoft.PowerShell.Management"
UTILITY = "Microsoft.PowerShell.Utility"
ENCODINGS = ("Unknown", "String", "Unicode", "Byte", "BigEndianUnicode", "UTF8", "UTF7", "UTF32", "Ascii",
             "Default", "Oem", "BigEndianUTF32")
ENCODING_TYPE = "Microsoft.PowerShell.Commands.FileSystemCmdletProviderEncoding"
# Encoding name -> (Python codec, byte order mark written). Windows PowerShell 5.1 writes a BOM for
# the Unicode family and for UTF8; "Default" is the ANSI code page (1252 on en-US), "Oem" 437.
CODECS = {
    "unknown": ("utf-16-le", b"\xff\xfe"), "string": ("utf-16-le", b"\xff\xfe"),
    "unicode": ("utf-16-le", b"\xff\xfe"), "bigendianunicode": ("utf-16-be", b"\xfe\xff"),
    "utf8": ("utf-8", b"\xef\xbb\xbf"), "utf7": ("utf-7", b""), "utf32": ("utf-32-le", b"\xff\xfe\x00\x00"),
    "bigendianutf32": ("utf-32-be", b"\x00\x00\xfe\xff"), "ascii": ("ascii", b""), "default": ("cp1252", b""),
    "oem": ("cp437", b""),
}
BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
HASHES = {"SHA1": "sha1", "SHA256": "sha256", "SHA384": "sha384", "SHA512": "sha512", "MD5": "md5"}


# [DOC Get-/Start-/Stop-/Restart-/Set-Service help] -InputObject <ServiceController[]>, ByValue: only
# ServiceController objects bind to it; a string piped in binds -Name.
SERVICE_CONTROLLER = "System.ServiceProcess.ServiceController"


# --- helpers ---------------------------------------------------------------------------------------
def fqid(error_id: str, ctx) -> str:
    return "%s,Microsoft.PowerShell.Commands.%sCommand" % (error_id, ctx.name.replace("-", ""))


def current_location(ctx) -> str:
    """The session's current folder: the engine's ``ctx.cwd`` or $PWD, else the user's profile
    folder, where a WinRS shell starts."""
    cwd = getattr(ctx, "cwd", None)
    if cwd:
        return str(cwd)
    try:
        pwd = ctx.get_variable("PWD")
    except Exception:   # an engine without $PWD
        pwd = None
    if isinstance(pwd, PSObject):
        pwd = pwd.get("ProviderPath") or pwd.get("Path")
    if pwd:
        text = str(pwd)
        return text.split("::", 1)[1] if "::" in text else text
    return ctx.host.home(getattr(ctx, "user", "") or "")


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (str, int, float, PSEnum)):
        return str(value)
    try:
        from ..values import to_string     # the engine's conversions, for arbitrary objects
    except ImportError:
        return str(value)
    return to_string(value)


def unauthorized(path: str, error_id: str, ctx) -> PSError:
    return PSError("Access to the path '%s' is denied." % path, error_id=fqid(error_id, ctx),
                   category="PermissionDenied", target=path, exception_type="System.UnauthorizedAccessException")


def part_not_found(path: str, error_id: str, ctx, category: str = "WriteError") -> PSError:
    return PSError("Could not find a part of the path '%s'." % path, error_id=fqid(error_id, ctx),
                   category=category, target=path, exception_type="System.IO.DirectoryNotFoundException")


def lab_unsupported(ctx, what: str) -> PSError:
    return PSError("pchat-lab: %s is not simulated by the lab." % what, error_id=fqid("NotSimulated", ctx),
                   category="NotImplemented", exception_type="System.NotSupportedException")


def resolve(ctx, path: str):
    return ctx.host.filesystem.resolve(path, current_location(ctx), ctx.name)


def existing(ctx, paths: Iterable[str], literal: bool) -> list:
    """Existing items for -Path (wildcards) or -LiteralPath; each missing path is a non-terminating
    PathNotFound error, as the provider reports it. A wildcard that matches nothing is no error."""
    found = []
    for text in paths:
        try:
            if not literal and has_wildcards(text):
                found.extend(ctx.host.filesystem.expand(text, current_location(ctx), ctx.name))
                continue
            item = resolve(ctx, text)
            if not item.exists():
                raise PathNotFound(item.display, ctx.name)
            found.append(item)
        except (PathNotFound, DriveNotFound, InvalidPath) as error:
            ctx.write_error(error)
    return found


def path_args(args, ctx, default=None) -> tuple:
    if args.given("LiteralPath"):
        return list(args["LiteralPath"]), True
    if args.given("Path"):
        return list(args["Path"]), False
    return ([default] if default is not None else [current_location(ctx)]), False


def _decode(data: bytes, encoding) -> str:
    if encoding is not None:
        key = str(encoding).lower()
        codec, bom = CODECS[key]
        if bom and data.startswith(bom):
            data = data[len(bom):]
        elif key == "utf8" and data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        return data.decode(codec, errors="replace")
    for bom, codec in BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(codec, errors="replace")
    return data.decode("cp1252", errors="replace")


def _encode(text: str, encoding, with_bom: bool) -> bytes:
    codec, bom = CODECS[str(encoding or "Default").lower()]
    return (bom if with_bom else b"") + text.encode(codec, errors="replace")


def _split_lines(text: str) -> list:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


# --- Test-Path, Get-Item, Get-ChildItem ------------------------------------------------------------
@cmdlet("Test-Path", module=MANAGEMENT, default_set="Path", output_type="System.Boolean", params=[
    Param("Path", "string[]", mandatory=True, position=0, sets=("Path",), from_pipeline=True,
          from_pipeline_by_name=True),
    Param("LiteralPath", "string[]", mandatory=True, sets=("LiteralPath",), aliases=("PSPath",),
          from_pipeline_by_name=True),
    Param("PathType", "enum", values=("Any", "Container", "Leaf"),
          enum_type="Microsoft.PowerShell.Commands.TestPathType"),
    Param("IsValid", "switch"),
])
def test_path(ctx, args, pipeline):
    paths, literal = path_args(args, ctx)
    kind = str(args.get("PathType", "Any")).lower()
    for text in paths:
        try:
            if args.get("IsValid"):
                try:
                    resolve(ctx, text)
                except PathNotFound:
                    pass
                yield True
                continue
            items = (ctx.host.filesystem.expand(text, current_location(ctx), ctx.name)
                     if not literal and has_wildcards(text) else [resolve(ctx, text)])
        except (PathNotFound, DriveNotFound, InvalidPath):
            yield False
            continue
        items = [i for i in items if i.exists()]
        if kind == "container":
            items = [i for i in items if i.is_dir()]
        elif kind == "leaf":
            items = [i for i in items if not i.is_dir()]
        yield bool(items)


@cmdlet("Get-Item", module=MANAGEMENT, default_set="Path", output_type="System.IO.FileInfo", params=[
    Param("Path", "string[]", mandatory=True, position=0, sets=("Path",), from_pipeline=True,
          from_pipeline_by_name=True),
    Param("LiteralPath", "string[]", mandatory=True, sets=("LiteralPath",), aliases=("PSPath",),
          from_pipeline_by_name=True),
    Param("Force", "switch"),
])
def get_item(ctx, args, pipeline):
    paths, literal = path_args(args, ctx)
    for item in existing(ctx, paths, literal):
        yield item_object(item)


@cmdlet("Get-ChildItem", module=MANAGEMENT, default_set="Items", params=[
    Param("Path", "string[]", position=0, sets=("Items",), from_pipeline=True, from_pipeline_by_name=True),
    Param("LiteralPath", "string[]", mandatory=True, sets=("LiteralItems",), aliases=("PSPath",),
          from_pipeline_by_name=True),
    Param("Filter", "string", position=1),
    Param("Include", "string[]"),
    Param("Exclude", "string[]"),
    Param("Recurse", "switch", aliases=("s",)),
    Param("Depth", "int", value_range=(0, None)),
    Param("Force", "switch"),
    Param("Name", "switch"),
    Param("File", "switch"),
    Param("Directory", "switch", aliases=("ad", "d")),
])
def get_child_item(ctx, args, pipeline):
    paths, literal = path_args(args, ctx)
    recurse = bool(args.get("Recurse")) or args.given("Depth")
    depth_limit = args.get("Depth")
    name_filter = wildcard_regex(args["Filter"]) if args.get("Filter") else None
    includes = [wildcard_regex(p) for p in args.get("Include") or []]
    excludes = [wildcard_regex(p) for p in args.get("Exclude") or []]

    def wanted(item) -> bool:
        if args.get("File") and item.is_dir():
            return False
        if args.get("Directory") and not item.is_dir():
            return False
        if name_filter is not None and not name_filter.match(item.name):
            return False
        if includes and not any(p.match(item.name) for p in includes):
            return False
        return not any(p.match(item.name) for p in excludes)

    def emit(item, base):
        if args.get("Name"):
            return "\\".join(item.parts[len(base.parts):])
        return item_object(item)

    def walk(folder, base, depth):
        children = folder.children()
        ordered = [c for c in children if c.is_dir()] + [c for c in children if not c.is_dir()]
        for child in ordered:
            if wanted(child):
                yield emit(child, base)
        if recurse and (depth_limit is None or depth < depth_limit):
            for child in ordered:
                if child.is_dir() and not os.path.islink(child.real):
                    yield from walk(child, base, depth + 1)

    for text in paths:
        wild = not literal and has_wildcards(text)
        if wild and recurse:
            # Documented 5.1 behaviour: with -Recurse, a wildcard leaf (C:\Test\*.txt) is a name filter
            # applied from its folder down.
            head, _, leaf = text.replace("/", "\\").rpartition("\\")
            leaf_pattern = wildcard_regex(leaf)
            start = "." if not head else (head + "\\" if head.endswith(":") else head)
            for folder in existing(ctx, [start], False):
                for obj in walk(folder, folder, 0):
                    name = obj if isinstance(obj, str) else obj["Name"]
                    if leaf_pattern.match(name.rsplit("\\", 1)[-1]):
                        yield obj
            continue
        for item in existing(ctx, [text], literal):
            if item.is_dir() and not wild:
                if includes and not recurse:
                    continue        # -Include without a wildcard path or -Recurse returns nothing, as documented
                yield from walk(item, item, 0)
            elif wanted(item):
                # A wildcard path lists the items it matches themselves, folders included.
                parent = item.parent()
                yield emit(item, parent) if parent is not None else item_object(item)


# --- New-Item, Remove-Item, Copy-Item --------------------------------------------------------------
@cmdlet("New-Item", module=MANAGEMENT, default_set="pathSet", should_process=True, params=[
    Param("Path", "string[]", mandatory=True, position=0, sets=("pathSet",), from_pipeline_by_name=True),
    Param("Path", "string[]", position=0, sets=("nameSet",), from_pipeline_by_name=True),
    Param("Name", "string", mandatory=True, sets=("nameSet",), from_pipeline_by_name=True),
    Param("ItemType", "string", aliases=("Type",), from_pipeline_by_name=True),
    Param("Value", "object", aliases=("Target",), from_pipeline=True, from_pipeline_by_name=True),
    Param("Force", "switch"),
])
def new_item(ctx, args, pipeline):
    kind = str(args.get("ItemType") or "File").lower()
    if kind in ("symboliclink", "junction", "hardlink"):
        raise lab_unsupported(ctx, "New-Item -ItemType %s" % args["ItemType"])
    if kind not in ("file", "directory", "container"):
        raise PSError('The type is not a known type for the file system. Only "file","directory","symboliclink",'
                      '"junction","hardlink" can be specified.', error_id=fqid("Argument", ctx),
                      category="InvalidArgument", target=args.get("ItemType"),
                      exception_type="System.ArgumentException")
    force = bool(args.get("Force"))
    bases = list(args.get("Path") or [current_location(ctx)])
    for base in bases:
        text = base.rstrip("\\/") + "\\" + args["Name"] if args.get("Name") else base
        try:
            target = resolve(ctx, text)
        except (PathNotFound, DriveNotFound, InvalidPath) as error:
            ctx.write_error(error)
            continue
        if kind == "file":
            result = _new_file(ctx, target, args.get("Value"), force)
        else:
            result = _new_directory(ctx, target, force)
        if result is not None:
            yield result


def _new_file(ctx, target, value, force: bool):
    if target.is_dir():
        ctx.write_error(PSError("Access to the path '%s' is denied." % target.display,
                                error_id=fqid("NewItemUnauthorizedAccessError", ctx), category="PermissionDenied",
                                target=target.display, exception_type="System.UnauthorizedAccessException"))
        return None
    if target.exists() and not force:
        ctx.write_error(PSError("The file '%s' already exists." % target.display, error_id=fqid("NewItemIOError", ctx),
                                category="WriteError", target=target.display, exception_type="System.IO.IOException"))
        return None
    parent = target.parent()
    if parent is None or not parent.is_dir():
        if not force or parent is None:
            ctx.write_error(part_not_found(target.display, "NewItemIOError", ctx))
            return None
    if not ctx.should_process("Destination: %s" % target.display, "Create File"):
        return None
    with ctx.host.lock:
        os.makedirs(target.real.parent, exist_ok=True)
        data = text_of(value).encode("utf-8") if value is not None else b""
        target.real.write_bytes(data)
    return item_object(target)


def _new_directory(ctx, target, force: bool):
    if target.exists():
        if target.is_dir() and force:
            return item_object(target)
        ctx.write_error(PSError("An item with the specified name %s already exists." % target.display,
                                error_id=fqid("DirectoryExist", ctx), category="ResourceExists",
                                target=target.display, exception_type="System.IO.IOException"))
        return None
    if not ctx.should_process("Destination: %s" % target.display, "Create Directory"):
        return None
    with ctx.host.lock:
        os.makedirs(target.real, exist_ok=True)
    return item_object(target)


@cmdlet("Remove-Item", module=MANAGEMENT, default_set="Path", should_process=True, params=[
    Param("Path", "string[]", mandatory=True, position=0, sets=("Path",), from_pipeline=True,
          from_pipeline_by_name=True),
    Param("LiteralPath", "string[]", mandatory=True, sets=("LiteralPath",), aliases=("PSPath",),
          from_pipeline_by_name=True),
    Param("Recurse", "switch"),
    Param("Force", "switch"),
])
def remove_item(ctx, args, pipeline):
    paths, literal = path_args(args, ctx)
    for item in existing(ctx, paths, literal):
        is_dir = item.is_dir() and not os.path.islink(item.real)
        if is_dir and os.listdir(item.real) and not args.get("Recurse"):
            # Windows PowerShell asks for confirmation here; a WinRS shell has no console to ask on.
            ctx.write_error(PSError(
                "Windows PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.",
                error_id="HostFunctionNotImplemented",
                category="ResourceUnavailable", target=item.display,
                exception_type="System.Management.Automation.Host.HostException"))
            continue
        if not ctx.should_process(item.display, "Remove Directory" if is_dir else "Remove File"):
            continue
        with ctx.host.lock:
            if is_dir:
                shutil.rmtree(item.real)
            else:
                os.remove(item.real)


@cmdlet("Copy-Item", module=MANAGEMENT, default_set="Path", should_process=True, params=[
    Param("Path", "string[]", mandatory=True, position=0, sets=("Path",), from_pipeline=True,
          from_pipeline_by_name=True),
    Param("LiteralPath", "string[]", mandatory=True, sets=("LiteralPath",), aliases=("PSPath",),
          from_pipeline_by_name=True),
    Param("Destination", "string", position=1, from_pipeline_by_name=True),
    Param("Recurse", "switch"),
    Param("Force", "switch"),
    Param("PassThru", "switch"),
])
def copy_item(ctx, args, pipeline):
    paths, literal = path_args(args, ctx)
    destination_text = args.get("Destination") or current_location(ctx)
    try:
        destination = resolve(ctx, destination_text)
    except (PathNotFound, DriveNotFound, InvalidPath) as error:
        ctx.write_error(error)
        return
    for item in existing(ctx, paths, literal):
        target = destination.child(item.name) if destination.is_dir() else destination
        if item.is_dir():
            if not ctx.should_process("Item: %s Destination: %s" % (item.display, target.display), "Copy Directory"):
                continue
            if target.real == item.real or item.real in target.real.parents:
                ctx.write_error(PSError("Cannot copy item %s onto itself." % item.display,
                                        error_id=fqid("CopyError", ctx), category="WriteError",
                                        target=item.display, exception_type="System.IO.IOException"))
                continue
            parent = target.parent()
            if parent is None or not parent.is_dir():
                ctx.write_error(part_not_found(target.display, "CopyDirectoryInfoItemIOError", ctx))
                continue
            with ctx.host.lock:
                if args.get("Recurse"):
                    shutil.copytree(item.real, target.real, dirs_exist_ok=True, symlinks=True)
                else:
                    os.makedirs(target.real, exist_ok=True)
        else:
            if not ctx.should_process("Item: %s Destination: %s" % (item.display, target.display), "Copy File"):
                continue
            parent = target.parent()
            if parent is None or not parent.is_dir():
                ctx.write_error(part_not_found(target.display, "CopyFileInfoItemIOError", ctx))
                continue
            if target.exists() and not os.access(target.real, os.W_OK) and not args.get("Force"):
                ctx.write_error(unauthorized(target.display, "CopyFileInfoItemUnauthorizedAccessError", ctx))
                continue
            with ctx.host.lock:
                shutil.copy2(item.real, target.real)
        if args.get("PassThru"):
            yield item_object(target)


# --- content ---------------------------------------------------------------------------------------
@cmdlet("Get-Content", module=MANAGEMENT, default_set="Path", params=[
    Param("Path", "string[]", mandatory=True, position=0, sets=("Path",), from_pipeline_by_name=True),
    Param("LiteralPath", "string[]", mandatory=True, sets=("LiteralPath",), aliases=("PSPath",),
          from_pipeline_by_name=True),
    Param("Raw", "switch"),
    Param("Encoding", "enum", values=ENCODINGS, enum_type=ENCODING_TYPE),
    Param("TotalCount", "long", aliases=("First", "Head")),
    Param("Tail", "int", aliases=("Last",)),
])
def get_content(ctx, args, pipeline):
    paths, literal = path_args(args, ctx)
    encoding = args.get("Encoding")
    for item in existing(ctx, paths, literal):
        if item.is_dir():
            ctx.write_error(unauthorized(item.display, "GetContentReaderUnauthorizedAccessError", ctx))
            continue
        data = item.real.read_bytes()
        if encoding is not None and str(encoding).lower() == "byte":
            values = list(data)
            if args.get("Raw"):
                yield values
            else:
                yield from _limit(values, args)
            continue
        text = _decode(data, encoding)
        if args.get("Raw"):
            yield text
            continue
        yield from _limit(_split_lines(text), args)


def _limit(values: list, args) -> list:
    if args.given("TotalCount") and args["TotalCount"] >= 0:
        values = values[:args["TotalCount"]]
    if args.given("Tail"):
        values = values[-args["Tail"]:] if args["Tail"] > 0 else []
    return values


def _write_content(ctx, args, pipeline, append: bool):
    paths, literal = path_args(args, ctx)
    values = list(args.get("Value") or []) if args.given("Value") else list(pipeline)
    encoding = args.get("Encoding") or "Default"
    no_newline = bool(args.get("NoNewline"))
    text = "".join(text_of(v) for v in values) if no_newline else "".join(text_of(v) + "\r\n" for v in values)
    targets = []
    for path_text in paths:
        try:
            if not literal and has_wildcards(path_text):
                matches = ctx.host.filesystem.expand(path_text, current_location(ctx), ctx.name)
                if not matches:
                    raise PathNotFound(path_text, ctx.name)
                targets.extend(matches)
            else:
                targets.append(resolve(ctx, path_text))
        except (PathNotFound, DriveNotFound, InvalidPath) as error:
            ctx.write_error(error)
    for target in targets:
        if target.is_dir():
            ctx.write_error(unauthorized(target.display, "GetContentWriterUnauthorizedAccessError", ctx))
            continue
        parent = target.parent()
        if parent is None or not parent.is_dir():
            ctx.write_error(part_not_found(target.display, "GetContentWriterDirectoryNotFoundError", ctx,
                                           category="ObjectNotFound"))
            continue
        if not ctx.should_process("Path: %s" % target.display, "Add Content" if append else "Set Content"):
            continue
        with ctx.host.lock:
            fresh = not target.exists() or not append or target.real.stat().st_size == 0
            data = _encode(text, encoding, with_bom=fresh)
            with open(target.real, "ab" if append else "wb") as handle:
                handle.write(data)
        if args.get("PassThru"):
            yield from values


CONTENT_WRITER_PARAMS = [
    Param("Path", "string[]", mandatory=True, position=0, sets=("Path",), from_pipeline_by_name=True),
    Param("LiteralPath", "string[]", mandatory=True, sets=("LiteralPath",), aliases=("PSPath",),
          from_pipeline_by_name=True),
    Param("Value", "object[]", mandatory=True, position=1, from_pipeline=True, from_pipeline_by_name=True),
    Param("Encoding", "enum", values=ENCODINGS, enum_type=ENCODING_TYPE),
    Param("NoNewline", "switch"),
    Param("Force", "switch"),
    Param("PassThru", "switch"),
]


@cmdlet("Set-Content", module=MANAGEMENT, default_set="Path", should_process=True, params=CONTENT_WRITER_PARAMS)
def set_content(ctx, args, pipeline):
    yield from _write_content(ctx, args, pipeline, append=False)


@cmdlet("Add-Content", module=MANAGEMENT, default_set="Path", should_process=True, params=CONTENT_WRITER_PARAMS)
def add_content(ctx, args, pipeline):
    yield from _write_content(ctx, args, pipeline, append=True)


@cmdlet("Get-FileHash", module=UTILITY, default_set="Path", params=[
    Param("Path", "string[]", mandatory=True, position=0, sets=("Path",), from_pipeline=True,
          from_pipeline_by_name=True),
    Param("LiteralPath", "string[]", mandatory=True, sets=("LiteralPath",), aliases=("PSPath",),
          from_pipeline_by_name=True),
    Param("Algorithm", "string", values=("SHA1", "SHA256", "SHA384", "SHA512", "MACTripleDES", "MD5", "RIPEMD160")),
])
def get_file_hash(ctx, args, pipeline):
    algorithm = str(args.get("Algorithm") or "SHA256").upper()
    if algorithm not in HASHES:
        raise lab_unsupported(ctx, "Get-FileHash -Algorithm %s" % algorithm)
    paths, literal = path_args(args, ctx)
    for item in existing(ctx, paths, literal):
        if item.is_dir():
            continue    # Get-FileHash skips containers
        digest = hashlib.new(HASHES[algorithm], item.real.read_bytes()).hexdigest().upper()
        yield PSObject({"Algorithm": algorithm, "Hash": digest, "Path": item.display},
                       type_names=("Microsoft.Powershell.Utility.FileHash", "System.Object"))


# --- services --------------------------------------------------------------------------------------
def _service_not_found(ctx, name: str, display: bool = False) -> PSError:
    if display:
        return PSError("Cannot find any service with display name '%s'." % name,
                       error_id=fqid("NoServiceFoundForGivenDisplayName", ctx), category="ObjectNotFound",
                       target=name, exception_type="Microsoft.PowerShell.Commands.ServiceCommandException")
    return PSError("Cannot find any service with service name '%s'." % name,
                   error_id=fqid("NoServiceFoundForGivenName", ctx), category="ObjectNotFound", target=name,
                   exception_type="Microsoft.PowerShell.Commands.ServiceCommandException")


def _select_services(ctx, args, pipeline) -> list:
    """Services named by -Name / -DisplayName / -InputObject (or the pipeline), wildcards allowed;
    a plain name that matches nothing is a non-terminating error."""
    services = sorted(ctx.host.services.values(), key=lambda s: s.name.lower())
    chosen, seen = [], set()

    def add(service):
        if service.name.lower() not in seen:
            seen.add(service.name.lower())
            chosen.append(service)

    names = list(args.get("Name") or [])
    displays = list(args.get("DisplayName") or [])
    for obj in list(args.get("InputObject") or []) + ([] if (names or displays or args.given("InputObject"))
                                                       else list(pipeline)):
        if isinstance(obj, PSObject):
            name = obj.get("ServiceName") or obj.get("Name")
        else:
            name = text_of(obj)
        names.append(str(name))
    if not names and not displays and not args.given("Name"):
        selection = list(services)
    else:
        selection = []
    for name in names:
        if has_wildcards(name):
            pattern = wildcard_regex(name)
            selection += [s for s in services if pattern.match(s.name)]
            continue
        service = ctx.host.services.get(name)
        if service is None:
            # The SCM also finds a service by its display name when -Name does not match.
            service = next((s for s in services if s.display_name.lower() == name.lower()), None)
        if service is None:
            ctx.write_error(_service_not_found(ctx, name))
            continue
        selection.append(service)
    for display in displays:
        pattern = wildcard_regex(display)
        matches = [s for s in services if pattern.match(s.display_name)]
        if not matches and not has_wildcards(display):
            ctx.write_error(_service_not_found(ctx, display, display=True))
        selection += matches
    includes = [wildcard_regex(p) for p in args.get("Include") or []]
    excludes = [wildcard_regex(p) for p in args.get("Exclude") or []]
    for service in selection:
        if includes and not any(p.match(service.name) for p in includes):
            continue
        if any(p.match(service.name) for p in excludes):
            continue
        add(service)
    return chosen


# A piped ServiceController binds to InputObject by value, without coercion, in the default set; that
# set then rules out Name, which PowerShell also binds by property name (a [pscustomobject]@{Name=...}).
SERVICE_SELECTION = [
    Param("InputObject", "object[]", mandatory=True, position=0, sets=("InputObject",), from_pipeline=True,
          object_types=(SERVICE_CONTROLLER,)),
    Param("Name", "string[]", mandatory=True, position=0, sets=("Default",), aliases=("ServiceName",),
          from_pipeline=True, from_pipeline_by_name=True),
    Param("DisplayName", "string[]", mandatory=True, sets=("DisplayName",)),
    Param("Include", "string[]"),
    Param("Exclude", "string[]"),
]


@cmdlet("Get-Service", module=MANAGEMENT, default_set="Default",
        output_type="System.ServiceProcess.ServiceController", params=[
            Param("Name", "string[]", position=0, sets=("Default",), aliases=("ServiceName",), from_pipeline=True,
                  from_pipeline_by_name=True),
            Param("DisplayName", "string[]", mandatory=True, sets=("DisplayName",)),
            Param("InputObject", "object[]", sets=("InputObject",), from_pipeline=True,
                  object_types=(SERVICE_CONTROLLER,)),
            Param("Include", "string[]"),
            Param("Exclude", "string[]"),
            Param("DependentServices", "switch", aliases=("DS",)),
            Param("RequiredServices", "switch", aliases=("SDO", "ServicesDependedOn")),
            Param("ComputerName", "string[]", aliases=("Cn",), from_pipeline_by_name=True),
        ])
def get_service(ctx, args, pipeline):
    _local_only(ctx, args)
    for service in _select_services(ctx, args, pipeline):
        if args.get("DependentServices"):
            for other in service.dependent_services():
                yield other.to_psobject()
        elif args.get("RequiredServices"):
            for other in service.required_services():
                yield other.to_psobject()
        else:
            yield service.to_psobject()


def _local_only(ctx, args) -> None:
    for name in args.get("ComputerName") or []:
        if name.lower() not in (".", "localhost", ctx.host.name.lower(), ctx.host.fqdn.lower()):
            raise lab_unsupported(ctx, "%s -ComputerName for another computer" % ctx.name)


def _label(service) -> str:
    return "%s (%s)" % (service.display_name, service.name)


def _is_admin(ctx) -> bool:
    """The WinRM user is in this host's local Administrators group: the SCM grants SERVICE_START,
    SERVICE_STOP and SERVICE_CHANGE_CONFIG to administrators only (status queries to everyone)."""
    lab = getattr(ctx, "lab", None)
    account = lab.account(ctx.user) if lab is not None and ctx.user else None
    return account is not None and ctx.host.is_local_admin(account)


def _cannot_open(ctx, service, stopping: bool) -> PSError:
    """Windows PowerShell 5.1's error when OpenService refuses a non-administrator."""
    verb, error_id, category = (("stopped", "CouldNotStopService", "CloseError") if stopping
                                else ("started", "CouldNotStartService", "OpenError"))
    return PSError("Service '%s' cannot be %s due to the following error: Cannot open %s service on computer '.'."
                   % (_label(service), verb, service.name), error_id=fqid(error_id, ctx), category=category,
                   target=service.to_psobject(),
                   exception_type="Microsoft.PowerShell.Commands.ServiceCommandException")


def _start(ctx, service, started: list) -> bool:
    if service.status == "Running":
        return True
    if service.start_type == "Disabled":
        ctx.write_error(PSError(
            "Service '%s' cannot be started due to the following error: Cannot start service %s on computer '.'."
            % (_label(service), service.name), error_id=fqid("CouldNotStartService", ctx), category="OpenError",
            target=service.name, exception_type="Microsoft.PowerShell.Commands.ServiceCommandException"))
        return False
    for required in service.required_services():
        if not _start(ctx, required, started):
            return False
    service.status = "Running"
    started.append(service)
    return True


def _stop(ctx, service, force: bool, stopped: list) -> bool:
    if service.status == "Stopped":
        return True
    running_dependents = [s for s in service.dependent_services() if s.status != "Stopped"]
    if running_dependents and not force:
        ctx.write_error(PSError(
            "Cannot stop service '%s' because it has dependent services. It can only be stopped if the Force flag "
            "is set." % _label(service), error_id=fqid("ServiceHasDependentServices", ctx),
            category="InvalidOperation", target=service.name,
            exception_type="Microsoft.PowerShell.Commands.ServiceCommandException"))
        return False
    for dependent in running_dependents:
        if not _stop(ctx, dependent, force, stopped):
            return False
    service.status = "Stopped"
    stopped.append(service)
    return True


@cmdlet("Start-Service", module=MANAGEMENT, default_set="InputObject", should_process=True,
        params=SERVICE_SELECTION + [Param("PassThru", "switch")])
def start_service(ctx, args, pipeline):
    for service in _select_services(ctx, args, pipeline):
        if not ctx.should_process(_label(service), "Start-Service"):
            continue
        if service.status != "Running" and not _is_admin(ctx):
            ctx.write_error(_cannot_open(ctx, service, stopping=False))
            continue
        with ctx.host.lock:
            ok = _start(ctx, service, [])
        if ok and args.get("PassThru"):
            yield service.to_psobject()


@cmdlet("Stop-Service", module=MANAGEMENT, default_set="InputObject", should_process=True,
        params=SERVICE_SELECTION + [Param("Force", "switch"), Param("PassThru", "switch"),
                                    Param("NoWait", "switch")])
def stop_service(ctx, args, pipeline):
    for service in _select_services(ctx, args, pipeline):
        if not ctx.should_process(_label(service), "Stop-Service"):
            continue
        if service.status != "Stopped" and not _is_admin(ctx):
            ctx.write_error(_cannot_open(ctx, service, stopping=True))
            continue
        with ctx.host.lock:
            ok = _stop(ctx, service, bool(args.get("Force")), [])
        if ok and args.get("PassThru"):
            yield service.to_psobject()


@cmdlet("Restart-Service", module=MANAGEMENT, default_set="InputObject", should_process=True,
        params=SERVICE_SELECTION + [Param("Force", "switch"), Param("PassThru", "switch")])
def restart_service(ctx, args, pipeline):
    for service in _select_services(ctx, args, pipeline):
        if not ctx.should_process(_label(service), "Restart-Service"):
            continue
        if not _is_admin(ctx):
            # Restart-Service stops first: a non-administrator fails there, as Stop-Service does.
            ctx.write_error(_cannot_open(ctx, service, stopping=service.status != "Stopped"))
            continue
        with ctx.host.lock:
            stopped: list = []
            if not _stop(ctx, service, bool(args.get("Force")), stopped):
                continue
            ok = _start(ctx, service, [])
            # Dependents stopped on the way down come back up, as Restart-Service does.
            for dependent in reversed(stopped):
                if dependent is not service and ok:
                    _start(ctx, dependent, [])
        if ok and args.get("PassThru"):
            yield service.to_psobject()


@cmdlet("Set-Service", module=MANAGEMENT, default_set="Name", should_process=True, params=[
    Param("InputObject", "object", sets=("InputObject",), from_pipeline=True, object_types=(SERVICE_CONTROLLER,)),
    Param("Name", "string", mandatory=True, position=0, sets=("Name",), aliases=("ServiceName", "SN"),
          from_pipeline=True, from_pipeline_by_name=True),
    Param("DisplayName", "string", aliases=("DN",)),
    Param("Description", "string"),
    Param("StartupType", "enum", values=("Automatic", "Manual", "Disabled"), aliases=("StartMode", "SM", "ST"),
          enum_type="System.ServiceProcess.ServiceStartMode"),
    Param("Status", "string", values=("Running", "Stopped", "Paused")),
    Param("PassThru", "switch"),
])
def set_service(ctx, args, pipeline):
    if args.given("InputObject"):
        obj = args["InputObject"]
        name = str(obj.get("ServiceName") or obj.get("Name")) if isinstance(obj, PSObject) else text_of(obj)
    else:
        name = args["Name"]
    service = ctx.host.services.get(name)
    if service is None:
        raise PSError("Service '%s' was not found on computer '.'." % name,
                      error_id=fqid("InvalidOperationException", ctx), category="InvalidOperation", target=name,
                      exception_type="System.InvalidOperationException")
    if not ctx.should_process(_label(service), "Set-Service"):
        return
    if not _is_admin(ctx):
        # Set-Service opens the service for SERVICE_CHANGE_CONFIG whatever it changes.
        ctx.write_error(PSError("Service '%s' cannot be configured due to the following error: Access is denied"
                                % _label(service), error_id=fqid("CouldNotSetService", ctx),
                                category="PermissionDenied", target=service.to_psobject(),
                                exception_type="Microsoft.PowerShell.Commands.ServiceCommandException"))
        return
    status = args.get("Status")
    with ctx.host.lock:
        if args.given("DisplayName"):
            service.display_name = args["DisplayName"]
        if args.given("StartupType"):
            service.start_type = str(args["StartupType"])
        if status == "Running" or (isinstance(status, str) and status.lower() == "running"):
            _start(ctx, service, [])
        elif isinstance(status, str) and status.lower() == "stopped":
            _stop(ctx, service, False, [])
        elif isinstance(status, str) and status.lower() == "paused":
            raise lab_unsupported(ctx, "Set-Service -Status Paused")
    if args.get("PassThru"):
        yield service.to_psobject()


# --- volumes, drives, CIM/WMI ----------------------------------------------------------------------
def _volume(host, drive) -> PSObject:
    return PSObject({
        "ObjectId": "{1}\\\\%s\\root/Microsoft/Windows/Storage/Providers_v2\\WSP_Volume.ObjectId=\"%s:\""
                    % (host.name.upper(), drive.letter),
        "DriveLetter": drive.letter, "DriveType": "Fixed", "FileSystem": drive.filesystem,
        "FileSystemLabel": drive.label, "HealthStatus": "Healthy", "OperationalStatus": "OK",
        "Path": "\\\\?\\Volume{%08x-0000-0000-0000-100000000000}\\" % (ord(drive.letter)),
        "Size": drive.size, "SizeRemaining": drive.free, "AllocationUnitSize": 4096, "DedupMode": "NotAvailable",
        "PSComputerName": None,
    }, type_names=("Microsoft.Management.Infrastructure.CimInstance#ROOT/Microsoft/Windows/Storage/MSFT_Volume",
                   "Microsoft.Management.Infrastructure.CimInstance#MSFT_Volume",
                   "Microsoft.Management.Infrastructure.CimInstance", "System.Object"))


# Get-Volume is a CDXML function: its errors carry the function name as their suffix.
@cmdlet("Get-Volume", module="Storage", type_name="Get-Volume", default_set="ByDriveLetter", params=[
    Param("DriveLetter", "string[]", position=0, sets=("ByDriveLetter",), from_pipeline_by_name=True),
    Param("FileSystemLabel", "string[]", sets=("ByLabel",), aliases=("FriendlyName",)),
])
def get_volume(ctx, args, pipeline):
    host = ctx.host
    if tuple(int(p) for p in host.os_version.split(".")[:2]) < (6, 2):
        # The Storage module arrived with Windows Server 2012; 2008 R2 does not have Get-Volume.
        raise PSError("The term 'Get-Volume' is not recognized as the name of a cmdlet, function, script file, or "
                      "operable program. Check the spelling of the name, or if a path was included, verify that the "
                      "path is correct and try again.", error_id="CommandNotFoundException",
                      category="ObjectNotFound", target="Get-Volume",
                      exception_type="System.Management.Automation.CommandNotFoundException")
    drives = sorted(host.drives.values(), key=lambda d: d.letter)
    if args.given("DriveLetter"):
        for letter in args["DriveLetter"]:
            match = [d for d in drives if d.letter == letter.rstrip(":").upper()]
            if not match:
                ctx.write_error(PSError(
                    "No MSFT_Volume objects found with property 'DriveLetter' equal to '%s'.  Verify the value of the "
                    "property and retry." % letter, error_id="CmdletizationQuery_NotFound_DriveLetter,Get-Volume",
                    category="ObjectNotFound", target=letter,
                    exception_type="Microsoft.Management.Infrastructure.CimException"))
            for drive in match:
                yield _volume(host, drive)
        return
    if args.given("FileSystemLabel"):
        for label in args["FileSystemLabel"]:
            pattern = wildcard_regex(label)
            match = [d for d in drives if pattern.match(d.label)]
            if not match and not has_wildcards(label):
                ctx.write_error(PSError(
                    "No MSFT_Volume objects found with property 'FileSystemLabel' equal to '%s'.  Verify the value "
                    "of the property and retry." % label,
                    error_id="CmdletizationQuery_NotFound_FileSystemLabel,Get-Volume", category="ObjectNotFound",
                    target=label, exception_type="Microsoft.Management.Infrastructure.CimException"))
            for drive in match:
                yield _volume(host, drive)
        return
    for drive in drives:
        yield _volume(host, drive)


OTHER_DRIVES = [("Alias", "Microsoft.PowerShell.Core\\Alias", "", "Drive containing a view of the aliases stored "
                 "in session state."),
                ("Cert", "Microsoft.PowerShell.Security\\Certificate", "\\", "Provides a view of the certificate "
                 "store."),
                ("Env", "Microsoft.PowerShell.Core\\Environment", "", "Drive containing a view of the environment "
                 "variables for the process."),
                ("Function", "Microsoft.PowerShell.Core\\Function", "", "Drive containing a view of the functions "
                 "stored in session state."),
                ("HKCU", "Microsoft.PowerShell.Core\\Registry", "HKEY_CURRENT_USER", "The software settings for the "
                 "current user"),
                ("HKLM", "Microsoft.PowerShell.Core\\Registry", "HKEY_LOCAL_MACHINE", "The configuration settings "
                 "for the local computer"),
                ("Variable", "Microsoft.PowerShell.Core\\Variable", "", "Drive containing a view of those variables "
                 "stored in session state."),
                ("WSMan", "Microsoft.WSMan.Management\\WSMan", "", "Root of WsMan Provider")]


@cmdlet("Get-PSDrive", module=MANAGEMENT, default_set="Name", params=[
    Param("Name", "string[]", position=0, sets=("Name",), from_pipeline_by_name=True),
    Param("LiteralName", "string[]", mandatory=True, sets=("LiteralName",), from_pipeline_by_name=True),
    Param("PSProvider", "string[]", from_pipeline_by_name=True),
    Param("Scope", "string", from_pipeline_by_name=True),
])
def get_psdrive(ctx, args, pipeline):
    host = ctx.host
    cwd = current_location(ctx)
    drives = []
    for drive in host.drives.values():
        here = cwd[3:] if cwd[:2].upper() == drive.letter + ":" else ""
        drives.append(PSObject({
            "Used": drive.used, "Free": drive.free, "CurrentLocation": here, "Name": drive.letter,
            "Provider": PROVIDER, "Root": drive.letter + ":\\", "Description": drive.label,
            "MaximumSize": None, "Credential": None, "DisplayRoot": None,
        }, type_names=("System.Management.Automation.PSDriveInfo", "System.Object")))
    for name, provider, root, description in OTHER_DRIVES:
        drives.append(PSObject({"Used": None, "Free": None, "CurrentLocation": "", "Name": name,
                                "Provider": provider, "Root": root, "Description": description,
                                "MaximumSize": None, "Credential": None, "DisplayRoot": None},
                               type_names=("System.Management.Automation.PSDriveInfo", "System.Object")))
    drives.sort(key=lambda d: d["Name"].lower())
    providers = args.get("PSProvider")
    if providers:
        known = {d["Provider"].split("\\")[-1].lower() for d in drives} | {d["Provider"].lower() for d in drives}
        for provider in providers:
            if not has_wildcards(provider) and provider.lower() not in known:
                raise PSError("Cannot find a provider with the name '%s'." % provider,
                              error_id=fqid("ProviderNotFound", ctx), category="ObjectNotFound", target=provider,
                              exception_type="System.Management.Automation.ProviderNotFoundException")
        patterns = [wildcard_regex(p) for p in providers]
        drives = [d for d in drives if any(p.match(d["Provider"].split("\\")[-1]) or p.match(d["Provider"])
                                           for p in patterns)]
    names = args.get("LiteralName") or args.get("Name")
    if not names:
        yield from drives
        return
    for name in names:
        literal = args.given("LiteralName")
        if not literal and has_wildcards(name):
            pattern = wildcard_regex(name)
            yield from [d for d in drives if pattern.match(d["Name"])]
            continue
        match = [d for d in drives if d["Name"].lower() == name.rstrip(":").lower()]
        if not match:
            ctx.write_error(PSError("Cannot find drive. A drive with the name '%s' does not exist." % name,
                                    error_id=fqid("GetLocationNoMatchingDrive", ctx), category="ObjectNotFound",
                                    target=name,
                                    exception_type="System.Management.Automation.DriveNotFoundException"))
        yield from match


def _query_instances(ctx, class_name: str, namespace: str, where: str, properties, as_cim: bool):
    found = wmi.instances(ctx.host, class_name, namespace)
    if found is None:
        if as_cim:
            raise wmi.cim_error("Invalid class ", "0x80041010", "MetadataError",
                                "%s:%s" % (namespace.replace("/", "\\"), class_name), ctx.name)
        raise PSError("Invalid class \"%s\"" % class_name, error_id=fqid("GetWMIManagementException", ctx),
                      category="InvalidType", target=class_name,
                      exception_type="System.Management.ManagementException")
    canonical, rows = found
    if where:
        try:
            predicate = wmi.compile_where(where)
            rows = [r for r in rows if predicate(r)]
        except wmi.WqlError:
            if as_cim:
                raise wmi.cim_error("Invalid query ", "0x80041017", "InvalidArgument", where, ctx.name) from None
            raise PSError("Invalid query \"select * from %s where %s\"" % (class_name, where),
                          error_id=fqid("GetWMIManagementException", ctx), category="InvalidArgument",
                          target=where, exception_type="System.Management.ManagementException") from None
    for row in rows:
        if properties:
            row = {k: v for k, v in row.items() if k.lower() in {p.lower() for p in properties}}
        yield (wmi.to_cim if as_cim else wmi.to_wmi)(canonical, row, ctx.host)


@cmdlet("Get-CimInstance", module="CimCmdlets",
        type_name="Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand",
        default_set="ClassNameComputerSet", params=[
    Param("ClassName", "string", mandatory=True, position=0, sets=("ClassNameComputerSet",),
          from_pipeline_by_name=True),
    Param("Query", "string", mandatory=True, sets=("QueryComputerSet",), from_pipeline_by_name=True),
    Param("Namespace", "string", from_pipeline_by_name=True),
    Param("Filter", "string", sets=("ClassNameComputerSet",), from_pipeline_by_name=True),
    Param("Property", "string[]", sets=("ClassNameComputerSet",), aliases=("SelectProperties",),
          from_pipeline_by_name=True),
    Param("ComputerName", "string[]", aliases=("CN", "ServerName"), from_pipeline_by_name=True),
    Param("OperationTimeoutSec", "int", aliases=("OT",)),
])
def get_cim_instance(ctx, args, pipeline):
    _local_only(ctx, args)
    namespace = args.get("Namespace") or "root/cimv2"
    if args.given("Query"):
        try:
            class_name, properties, where = wmi.parse_select(args["Query"])
        except wmi.WqlError:
            raise wmi.cim_error("Invalid query ", "0x80041017", "InvalidArgument", args["Query"], ctx.name) from None
    else:
        class_name, properties, where = args["ClassName"], args.get("Property"), args.get("Filter") or ""
    yield from _query_instances(ctx, class_name, namespace, where, properties, as_cim=True)


@cmdlet("Get-WmiObject", module=MANAGEMENT, default_set="query", params=[
    Param("Class", "string", mandatory=True, position=0, sets=("query",)),
    Param("Property", "string[]", position=1, sets=("query",)),
    Param("Filter", "string", sets=("query",)),
    Param("Query", "string", mandatory=True, sets=("WQLQuery",)),
    Param("Namespace", "string", aliases=("NS",)),
    Param("ComputerName", "string[]", aliases=("Cn",)),
])
def get_wmi_object(ctx, args, pipeline):
    _local_only(ctx, args)
    namespace = (args.get("Namespace") or "root\\cimv2").replace("\\", "/")
    if args.given("Query"):
        try:
            class_name, properties, where = wmi.parse_select(args["Query"])
        except wmi.WqlError:
            raise PSError("Invalid query \"%s\"" % args["Query"], error_id=fqid("GetWMIManagementException", ctx),
                          category="InvalidArgument", target=args["Query"],
                          exception_type="System.Management.ManagementException") from None
    else:
        class_name, properties, where = args["Class"], args.get("Property"), args.get("Filter") or ""
    yield from _query_instances(ctx, class_name, namespace, where, properties, as_cim=False)


__all__ = ["current_location", "START_MODE"]
