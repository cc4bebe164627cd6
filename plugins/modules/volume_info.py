#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: volume_info
short_description: Read the size and free space of the volumes that hold given paths on a Windows server
version_added: 0.1.0
description:
  - For each path of O(paths), finds the volume of the task's host that holds it and reads the volume's
    size and free space (C(Win32_LogicalDisk)), in one WinRM round trip.
  - A local path (C(D:\Migration)) belongs to the volume of its drive, whether or not the path exists
    yet.
  - A UNC path (C(\\fs01.contoso.local\LyncShare\sub)) is resolved when its server part names this
    computer (its NetBIOS name, its host name, its FQDN or C(localhost)); the share's local folder is
    read from C(Win32_Share) and the path continues below it. Only the server that holds a share can
    tell which of its volumes it is on, so give each UNC path to the server that serves it.
  - A path that cannot be resolved (a UNC path of another server or of a DNS alias, an unknown share, a
    share that is not a folder on a drive, a drive the server does not have, a network drive) does not
    fail the module; its entry in RV(volumes) has RV(volumes[].resolved=false) and a
    RV(volumes[].reason), so that the caller decides. A path that is not an absolute local path or a
    UNC path, or that holds a character Windows refuses in names (C(<>:"|?*), control characters), fails
    the module before it connects.
  - Only drive letters are looked at; a volume mounted in a folder (a mount point) is reported as the
    drive that holds the folder.
  - Runs on the controller; the task's host is the Windows server, reached with the WinRM options. The
    server needs Windows PowerShell 3.0 or later (C(ConvertTo-Json)); the classes are read with
    C(Get-WmiObject), which Windows Server 2008 R2 has.
options:
  paths:
    description:
      - Local paths (C(D:\Migration)) or UNC paths (C(\\fs01\LyncShare\sub)) on the task's host.
        Forward slashes are read as backslashes.
      - RV(volumes) has one entry for each, in this order.
    type: list
    elements: str
    required: true
extends_documentation_fragment:
  - lync.persistent_chat.attributes
  - lync.persistent_chat.attributes.read_only
  - lync.persistent_chat.connection
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.actiongroups
author:
  - lync.persistent_chat contributors (@lync-persistent-chat)
seealso:
  - module: lync.persistent_chat.legacy_info
  - module: lync.persistent_chat.filestore_sync
"""

EXAMPLES = r"""
- name: Free space for the export folder and the file store, read on the file server
  lync.persistent_chat.volume_info:
    paths:
      - 'D:\Migration'
      - '\\fs01.contoso.local\LyncShare\1-PersistentChatService-1'
  register: space

- name: Stop when the export folder's volume has less than 20 GB free
  ansible.builtin.assert:
    that:
      - space.volumes[0].resolved
      - space.volumes[0].free_bytes >= 20 * 1024 * 1024 * 1024
    fail_msg: "{{ space.volumes[0].reason or (space.volumes[0].path ~ ' has too little free space') }}"
"""

RETURN = r"""
computer:
  description: The server's NetBIOS name and FQDN (C(Win32_ComputerSystem)), against which UNC paths are matched.
  returned: always
  type: dict
  sample: {"name": "FS01", "fqdn": "fs01.contoso.local"}
volumes:
  description: One entry per path of O(paths), in the same order.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The path as given in O(paths).
      type: str
      sample: '\\fs01.contoso.local\LyncShare\sub'
    exists:
      description:
        - Whether the path itself exists on the server (C(Test-Path) of RV(volumes[].local_path)).
        - V(null) when the path could not be mapped to a local path (a UNC path of another server, an
          unknown share).
      type: bool
      sample: true
    resolved:
      description: Whether the volume holding the path was found; when false RV(volumes[].reason) says why.
      type: bool
      sample: true
    local_path:
      description:
        - The path on the server's own drives (a UNC path through its share's folder).
        - V(null) when the path could not be mapped to a local path.
      type: str
      sample: 'D:\LyncShare\sub'
    drive:
      description:
        - The drive the path is on, as C(Win32_LogicalDisk) names it (even when the server has no such drive).
        - V(null) when the path could not be mapped to a local path.
      type: str
      sample: 'D:'
    size_bytes:
      description: Size of the drive in bytes; null when not resolved.
      type: int
      sample: 1073741824000
    free_bytes:
      description: Free space of the drive in bytes; null when not resolved.
      type: int
      sample: 966367641600
    reason:
      description: Why the path was not resolved; null when it was.
      type: str
      sample: '\\gc01.contoso.local is another computer than FS01 (fs01.contoso.local); read it on that server'
"""

import ntpath
import re

from ansible_collections.lync.persistent_chat.plugins.module_utils.common import PchatModule
from ansible_collections.lync.persistent_chat.plugins.module_utils.lync_views import (
    computer_names,
    computer_statement,
    PLAIN,
    as_list,
    select_expression,
    select_pipeline,
)
from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import PSCommand, ps_literal

DISK_PROPERTIES = [("DeviceID", PLAIN), ("DriveType", PLAIN), ("Size", PLAIN), ("FreeSpace", PLAIN)]
SHARE_PROPERTIES = [("Name", PLAIN), ("Path", PLAIN), ("Type", PLAIN)]

NETWORK_DRIVE = 4   # Win32_LogicalDisk.DriveType: 4 is a network drive (its space is another server's)
_LOCAL = re.compile(r"\A([A-Za-z]):(\\.*)?\Z", re.S)
# Characters Windows refuses in path names; .NET's Path.Combine throws on some of them, which would stop
# the whole script, so such a path is refused before connecting.
_FORBIDDEN = re.compile(r'[<>:"|?*\x00-\x1f]')


class LocalPath(object):
    """A path on a drive of the server: D:\\Migration."""

    def __init__(self, given, drive, path):
        self.given, self.drive, self.path = given, drive, path


class UncPath(object):
    """\\\\server\\share\\rest."""

    def __init__(self, given, server, share, rest):
        self.given, self.server, self.share, self.rest = given, server, share, rest


def _refuse_forbidden(given, text):
    found = _FORBIDDEN.search(text)
    if found:
        raise ValueError("%s: Windows paths cannot hold %r" % (given, found.group(0)))


def parse_path(given):
    """A LocalPath or UncPath for one entry of ``paths``; ValueError saying why for anything else."""
    if not isinstance(given, str) or not given.strip():
        raise ValueError("an empty path")
    text = given.strip().replace("/", "\\")
    if text.startswith("\\\\"):
        if text[2:4] in ("?\\", ".\\"):
            # Device and long-path namespaces name no share; the plain form of the path does.
            raise ValueError("%s: write the path without the \\\\?\\ or \\\\.\\ prefix" % given)
        parts = text[2:].split("\\", 2)
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise ValueError("%s: a UNC path needs a server and a share (\\\\server\\share)" % given)
        rest = parts[2].strip("\\") if len(parts) == 3 else ""
        _refuse_forbidden(given, "\\".join(parts))
        return UncPath(given, parts[0], parts[1], rest)
    match = _LOCAL.match(text)
    if not match:
        raise ValueError("%s: not an absolute local path (D:\\folder) or a UNC path (\\\\server\\share)" % given)
    drive = match.group(1).upper() + ":"
    _refuse_forbidden(given, match.group(2) or "")
    rest = (match.group(2) or "\\").rstrip("\\")
    return LocalPath(given, drive, drive + (rest or "\\"))


def parse_paths(paths):
    """Every entry parsed; ValueError naming all the malformed ones at once."""
    parsed, problems = [], []
    for given in paths:
        try:
            parsed.append(parse_path(given))
        except ValueError as error:
            problems.append(str(error))
    if problems:
        raise ValueError("; ".join(problems))
    return parsed


def build_script(parsed):
    """One script: the computer's names, its drives, the shares the UNC paths name, and Test-Path of
    every local path and of every UNC path's folder below its share (when the share is here)."""
    local = [entry.path for entry in parsed if isinstance(entry, LocalPath)]
    unc = [{"share": entry.share, "rest": entry.rest} for entry in parsed if isinstance(entry, UncPath)]
    lines = [
        "$r=[ordered]@{}",
        computer_statement(),
        "$r['disks']=%s" % select_pipeline(PSCommand("Get-WmiObject").param("Class", "Win32_LogicalDisk"),
                                           DISK_PROPERTIES),
        "$r['exists']=@(foreach($p in %s){Test-Path -LiteralPath $p})" % ps_literal(local),
    ]
    if unc:
        # The share names reach WMI through PowerShell's -contains, not inside a WQL -Filter string,
        # so no WQL quoting is involved; a server has few shares.
        # -contains compares case-insensitively, as share names are; each name once, in request order.
        names, seen = [], set()
        for entry in unc:
            if entry["share"].lower() not in seen:
                seen.add(entry["share"].lower())
                names.append(entry["share"])
        lines += [
            "$names=%s" % ps_literal(names),
            "$shares=@(Get-WmiObject -Class 'Win32_Share'|Where-Object {$names -contains $_.Name})",
            "$r['shares']=@($shares|Select-Object %s)" % select_expression(SHARE_PROPERTIES),
            "$r['share_exists']=@(foreach($u in %s){$s=@($shares|Where-Object {$_.Name -eq $u['share']})"
            "[0];if($s -and $s.Path){Test-Path -LiteralPath ([IO.Path]::Combine($s.Path,$u['rest']))}"
            "else{$false}})" % ps_literal(unc),
        ]
    lines.append("$r")
    return "\n".join(lines)


def _number(value):
    if value is None or value == "":
        return None
    return int(value)


def _entry(path, **values):
    entry = dict(path=path, exists=None, resolved=False, local_path=None, drive=None, size_bytes=None,
                 free_bytes=None, reason=None)
    entry.update(values)
    return entry


def _with_drive(entry, disks, computer):
    """Fill the drive's size and free space into a path resolved to a local path."""
    disk = disks.get(entry["drive"])
    if disk is None:
        return dict(entry, resolved=False, reason="no drive %s on %s" % (entry["drive"], computer))
    if _number(disk.get("DriveType")) == NETWORK_DRIVE:
        return dict(entry, resolved=False,
                    reason="drive %s of %s is a network drive; read the server that holds it" % (entry["drive"], computer))
    size, free = _number(disk.get("Size")), _number(disk.get("FreeSpace"))
    if size is None or free is None:
        return dict(entry, resolved=False, reason="drive %s of %s reports no size (no medium?)" % (entry["drive"], computer))
    return dict(entry, resolved=True, size_bytes=size, free_bytes=free)


def shape_result(raw, parsed):
    """The module's result from what the script returned: one volume entry per requested path."""
    raw = raw or {}
    name, fqdn, aliases = computer_names(raw)
    computer = name or fqdn or "this computer"
    disks = {}
    for disk in as_list(raw.get("disks")):
        device = (disk or {}).get("DeviceID")
        if device:
            disks[device.upper()] = disk
    shares = {}
    for share in as_list(raw.get("shares")):
        if (share or {}).get("Name"):
            shares[share["Name"].lower()] = share
    local_exists = iter(as_list(raw.get("exists")))
    share_exists = iter(as_list(raw.get("share_exists")))
    volumes = []
    for entry in parsed:
        if isinstance(entry, LocalPath):
            exists = bool(next(local_exists, False))
            volumes.append(_with_drive(_entry(entry.given, exists=exists, local_path=entry.path, drive=entry.drive),
                                       disks, computer))
            continue
        exists_below_share = bool(next(share_exists, False))
        if entry.server.rstrip(".").lower() not in aliases:
            volumes.append(_entry(entry.given, reason="\\\\%s is another computer than %s (%s); read it on that server"
                                  % (entry.server, computer, fqdn)))
            continue
        share = shares.get(entry.share.lower())
        if share is None:
            volumes.append(_entry(entry.given, reason="no share %s on %s" % (entry.share, computer)))
            continue
        share_path = (share.get("Path") or "").rstrip("\\")
        match = _LOCAL.match(share_path + "\\") if share_path else None
        if not match:
            volumes.append(_entry(entry.given, reason="share %s of %s is not a folder on a drive (path %r, type %s)"
                                  % (share["Name"], computer, share.get("Path"), share.get("Type"))))
            continue
        drive = match.group(1).upper() + ":"
        base = share_path if len(share_path) > 2 else drive + "\\"
        local_path = ntpath.join(base, entry.rest) if entry.rest else base
        volumes.append(_with_drive(_entry(entry.given, exists=exists_below_share, local_path=local_path, drive=drive),
                                   disks, computer))
    return dict(computer=dict(name=name or None, fqdn=fqdn or None), volumes=volumes)


def main():
    module = PchatModule(
        argument_spec=dict(paths=dict(type="list", elements="str", required=True)),
        supports_check_mode=True,
    )
    if not module.params["paths"]:
        module.fail_json(msg="paths is empty: name at least one local or UNC path")
    try:
        parsed = parse_paths(module.params["paths"])
    except ValueError as error:
        module.fail_json(msg="paths: %s" % error)

    with module.step("build the script"):
        script = build_script(parsed)
    with module.step("read the volumes"):
        raw = module.winrm().run_json(script, depth=4)
    module.exit_json(**shape_result(raw, parsed))


if __name__ == "__main__":
    main()
