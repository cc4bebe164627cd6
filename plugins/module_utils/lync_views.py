# -*- coding: utf-8 -*-
# Copyright: lync.persistent_chat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How Lync objects are read: for each cmdlet, the documented output properties to select and how
each becomes stable JSON. Windows PowerShell 5.1's ConvertTo-Json writes enums as numbers and
collections in odd shapes, so enums are cast to [string] and collections to arrays of strings in
the script, and normalised again in Python (a one-element array may still arrive as a scalar)."""

from __future__ import annotations

from ansible_collections.lync.persistent_chat.plugins.module_utils.powershell import PSCommand, check_identifier

PLAIN, STRING, LIST = "plain", "string", "list"


def select_expression(properties):
    """The -Property list of Select-Object for (name, kind) pairs."""
    parts = []
    for name, kind in properties:
        check_identifier(name, "property")
        if kind == PLAIN:
            parts.append(name)
        elif kind == STRING:
            parts.append("@{Name='%s';Expression={[string]$_.%s}}" % (name, name))
        elif kind == LIST:
            parts.append("@{Name='%s';Expression={@($_.%s|ForEach-Object{[string]$_})}}" % (name, name))
        else:
            raise ValueError("unknown property kind %r" % (kind,))
    return ",".join(parts)


def select_pipeline(command, properties):
    """``@(<command> | Select-Object -Property ...)``: always an array, of documented properties only."""
    if not isinstance(command, PSCommand):
        raise TypeError("command must be a PSCommand")
    return "@(%s|Select-Object -Property %s)" % (command.render(), select_expression(properties))


def normalise(record, properties):
    """Fix up one selected object in Python: LIST properties become lists of strings, STRING ones
    strings (None stays None)."""
    fixed = {}
    for name, kind in properties:
        value = record.get(name) if isinstance(record, dict) else None
        if kind == LIST:
            if value is None:
                value = []
            elif not isinstance(value, list):
                value = [value]
            value = [str(item) for item in value if item is not None]
        elif kind == STRING:
            # [string]$null is '' in PowerShell, so an empty cast value means the property was null.
            if value == "":
                value = None
            elif value is not None and not isinstance(value, str):
                value = str(value)
        fixed[name] = value
    return fixed


def as_list(value):
    """A JSON array from PowerShell, which may arrive as null or a bare object."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]
