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


def _calculated(name, kind):
    if kind == STRING:
        return "@{Name='%s';Expression={[string]$_.%s}}" % (name, name)
    if kind == LIST:
        return "@{Name='%s';Expression={[string[]]$_.%s}}" % (name, name)
    raise ValueError("unknown property kind %r" % (kind,))


def property_definitions(property_lists):
    """Script lines defining each calculated property once, as ``$pName``, for the Select-Object lists
    that reuse it."""
    lines, seen = [], {}
    for properties in property_lists:
        for name, kind in properties:
            check_identifier(name, "property")
            if kind == PLAIN:
                continue
            if name in seen:
                if seen[name] != kind:
                    raise ValueError("property %s used as both %s and %s" % (name, seen[name], kind))
                continue
            seen[name] = kind
            lines.append("$p%s=%s" % (name, _calculated(name, kind)))
    return lines


def select_expression(properties, defined=False):
    """The -Property list of Select-Object for (name, kind) pairs; with ``defined`` the calculated
    properties refer to the ``$pName`` variables of property_definitions()."""
    parts = []
    for name, kind in properties:
        check_identifier(name, "property")
        if kind == PLAIN:
            # Quoted: once the list starts with a $variable PowerShell parses it as an expression,
            # where a bare word is a syntax error.
            parts.append("'%s'" % name)
        elif defined:
            parts.append("$p%s" % name)
        else:
            parts.append(_calculated(name, kind))
    return ",".join(parts)


def select_pipeline(command, properties, defined=False):
    """``@(<command> | Select-Object -Property ...)``: always an array, of documented properties only."""
    if not isinstance(command, PSCommand):
        raise TypeError("command must be a PSCommand")
    return "@(%s|Select-Object -Property %s)" % (command.render(), select_expression(properties, defined))


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


# The computer a script runs on, as Win32_ComputerSystem names it: volume_info and second_hop tell its own
# paths and instances from another server's with these names.
COMPUTER_PROPERTIES = [("Name", PLAIN), ("DNSHostName", PLAIN), ("Domain", PLAIN), ("PartOfDomain", PLAIN)]


def computer_statement():
    """The script line that stores the computer's names in $r['computer']."""
    return "$r['computer']=%s" % select_pipeline(PSCommand("Get-WmiObject").param("Class", "Win32_ComputerSystem"),
                                                 COMPUTER_PROPERTIES)


def computer_names(raw, local_names=("localhost",)):
    """(name, fqdn, every lower-case name that means this computer) from what computer_statement read;
    ``local_names`` are the spellings that always mean the computer itself."""
    records = [normalise(record, COMPUTER_PROPERTIES) for record in as_list((raw or {}).get("computer"))]
    record = records[0] if records else {}
    name = record.get("Name") or ""
    host = record.get("DNSHostName") or name.lower()
    fqdn = host
    if record.get("PartOfDomain") and record.get("Domain"):
        fqdn = "%s.%s" % (host, record["Domain"])
    aliases = {alias.lower() for alias in (name, host, fqdn) if alias} | set(local_names)
    return name, fqdn, aliases
