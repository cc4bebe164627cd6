"""The WMI classes of root\\cimv2 the lab answers (Win32_OperatingSystem, Win32_ComputerSystem,
Win32_LogicalDisk, Win32_Service, Win32_Product, Win32_Share) and the small WQL subset used to filter them:
``Prop = value``, ``<>``, ``!=``, ``<``, ``>``, ``<=``, ``>=``, ``LIKE 'a%'`` joined by AND / OR."""
from __future__ import annotations

import re

from ..powershell.api import PSError, PSObject
from .systeminfo import INSTALL_DATE

START_MODES = {"Automatic": "Auto", "Manual": "Manual", "Disabled": "Disabled", "Boot": "Boot", "System": "System"}


class WqlError(Exception):
    """A query the lab cannot parse: WMI answers 'Invalid query'."""


def _os(host) -> dict:
    caption = host.os_caption
    if host.os_version.startswith(("6.0.", "6.1.")):
        caption += " "      # Windows Server 2008 (R2)'s Win32_OperatingSystem.Caption ends with a space
    memory_kb = host.memory_mb * 1024
    return {
        "Caption": caption, "Version": host.os_version, "BuildNumber": host.os_build,
        "CSName": host.name.upper(), "OSArchitecture": "64-bit", "Manufacturer": "Microsoft Corporation",
        "OSType": 18, "ProductType": 3, "ServicePackMajorVersion": host.service_pack,
        "ServicePackMinorVersion": 0, "SystemDirectory": "C:\\Windows\\system32", "WindowsDirectory": "C:\\Windows",
        "SystemDrive": "C:", "BootDevice": "\\Device\\HarddiskVolume1",
        "FreePhysicalMemory": memory_kb * 3 // 4, "TotalVisibleMemorySize": memory_kb,
        "FreeVirtualMemory": memory_kb * 3 // 4 + 1048576, "TotalVirtualMemorySize": memory_kb + 2097152,
        "LastBootUpTime": host.boot_time, "InstallDate": INSTALL_DATE, "LocalDateTime": None,
        "NumberOfUsers": 1, "Organization": "", "RegisteredUser": "Windows User", "SerialNumber":
        "00252-70000-00000-AA535", "Status": "OK", "Locale": "0409", "CountryCode": "1",
        "Name": "%s|C:\\Windows|\\Device\\Harddisk0\\Partition2" % host.os_caption,
    }


def _computer_system(host) -> dict:
    return {
        "Name": host.name.upper(), "DNSHostName": host.fqdn.split(".")[0], "Domain": host.domain,
        "PartOfDomain": True, "DomainRole": 3, "Workgroup": None, "Manufacturer": "Microsoft Corporation",
        "Model": "Virtual Machine", "SystemType": "x64-based PC", "NumberOfProcessors": 1,
        "NumberOfLogicalProcessors": 4, "TotalPhysicalMemory": host.memory_mb * 1024 * 1024,
        "PrimaryOwnerName": "Windows User", "Status": "OK", "UserName": None,
    }


def _logical_disks(host) -> list:
    return [{"DeviceID": d.letter + ":", "Name": d.letter + ":", "DriveType": 3, "MediaType": 12,
             "FileSystem": d.filesystem, "Size": d.size, "FreeSpace": d.free, "VolumeName": d.label,
             "ProviderName": None, "Description": "Local Fixed Disk"} for d in host.drives.values()]


def _services(host) -> list:
    return [{"Name": s.name, "DisplayName": s.display_name, "State": s.status,
             "StartMode": START_MODES[s.start_type], "Started": s.status == "Running",
             "Status": "OK", "ServiceType": "Own Process", "StartName": "LocalSystem",
             "ProcessId": 1000 + index * 4 if s.status == "Running" else 0, "PathName": None,
             "AcceptStop": s.status == "Running"}
            for index, s in enumerate(sorted(host.services.values(), key=lambda s: s.name.lower()))]


def _products(host) -> list:
    return [{"Name": p["name"], "Version": p["version"], "Vendor": p["vendor"], "Caption": p["name"],
             "IdentifyingNumber": None, "InstallState": 5} for p in host.products]


# Win32_Share.Type [DOC]: 0 disk drive; 2147483648 (0x80000000) disk drive admin share; 2147483651 IPC admin.
SHARE_DISK, SHARE_DISK_ADMIN, SHARE_IPC_ADMIN = 0, 2147483648, 2147483651


def _shares(host) -> list:
    """The administrative shares Windows Server always has (ADMIN$, one <letter>$ per fixed drive, IPC$), then
    the topology's shares, in the order `net share` lists them."""
    admin = [("ADMIN$", "C:\\Windows", "Remote Admin", SHARE_DISK_ADMIN)]
    admin += [("%s$" % letter, "%s:\\" % letter, "Default share", SHARE_DISK_ADMIN) for letter in sorted(host.drives)]
    admin += [("IPC$", "", "Remote IPC", SHARE_IPC_ADMIN)]
    shares = admin + [(s.name, s.path, s.description, SHARE_DISK) for s in host.shares.values()]
    return [{"Name": name, "Path": path, "Description": description, "Type": kind, "Caption": description,
             "Status": "OK", "AllowMaximum": True, "MaximumAllowed": None, "AccessMask": None, "InstallDate": None}
            for name, path, description, kind in shares]


CLASSES = {
    "win32_operatingsystem": ("Win32_OperatingSystem", lambda h: [_os(h)]),
    "win32_computersystem": ("Win32_ComputerSystem", lambda h: [_computer_system(h)]),
    "win32_logicaldisk": ("Win32_LogicalDisk", _logical_disks),
    "win32_service": ("Win32_Service", _services),
    "win32_product": ("Win32_Product", _products),
    "win32_share": ("Win32_Share", _shares),
}


def instances(host, class_name: str, namespace: str = "root/cimv2"):
    """(canonical class name, [property dicts]) or None when the class does not exist."""
    if namespace.replace("\\", "/").lower() != "root/cimv2":
        return None
    entry = CLASSES.get(class_name.lower())
    if entry is None:
        return None
    return entry[0], entry[1](host)


def to_cim(class_name: str, props: dict, host) -> PSObject:
    obj = PSObject(dict(props), type_names=(
        "Microsoft.Management.Infrastructure.CimInstance#root/cimv2/%s" % class_name,
        "Microsoft.Management.Infrastructure.CimInstance", "System.Object"))
    obj["PSComputerName"] = None
    obj["CimClass"] = "root/cimv2:%s" % class_name
    return obj


def to_wmi(class_name: str, props: dict, host) -> PSObject:
    obj = PSObject(dict(props), type_names=(
        "System.Management.ManagementObject#root\\cimv2\\%s" % class_name,
        "System.Management.ManagementObject", "System.Management.ManagementBaseObject",
        "System.ComponentModel.Component", "System.MarshalByRefObject", "System.Object"))
    obj["__CLASS"] = class_name
    obj["__SERVER"] = host.name.upper()
    obj["__NAMESPACE"] = "root\\cimv2"
    obj["PSComputerName"] = host.name.upper()
    return obj


# --- WQL ---------------------------------------------------------------------------------------------
_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\")|(?P<num>-?\d+(?:\.\d+)?)|"
                    r"(?P<op><>|!=|<=|>=|=|<|>)|(?P<paren>[()])|(?P<word>[A-Za-z_][A-Za-z0-9_]*))")


def _tokens(text: str) -> list:
    pos, out = 0, []
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise WqlError(text)
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "str":
            value = value[1:-1].replace(value[0] * 2, value[0])
        elif kind == "num":
            value = float(value) if "." in value else int(value)
        out.append((kind, value))
        pos = match.end()
    return out


def compile_where(text: str):
    """A predicate over property dicts for a WQL WHERE clause; raises WqlError when it cannot parse."""
    tokens = _tokens(text)
    position = [0]

    def peek():
        return tokens[position[0]] if position[0] < len(tokens) else (None, None)

    def take():
        token = peek()
        position[0] += 1
        return token

    def primary():
        kind, value = take()
        if kind == "paren" and value == "(":
            inner = disjunction()
            if take() != ("paren", ")"):
                raise WqlError(text)
            return inner
        if kind == "word" and value.upper() == "NOT":
            operand = primary()
            return lambda row: not operand(row)
        if kind != "word":
            raise WqlError(text)
        prop = value
        op_kind, op = take()
        if op_kind == "word" and op.upper() == "LIKE":
            literal_kind, literal = take()
            if literal_kind != "str":
                raise WqlError(text)
            regex = re.compile("^" + re.escape(literal).replace("%", ".*").replace("_", ".") + "$", re.I)
            return lambda row: regex.match(str(_get(row, prop) or "")) is not None
        if op_kind == "word" and op.upper() == "IS":
            negate = peek() == ("word", "NOT") or (peek()[0] == "word" and str(peek()[1]).upper() == "NOT")
            if negate:
                take()
            null_kind, null = take()
            if null_kind != "word" or null.upper() != "NULL":
                raise WqlError(text)
            return (lambda row: _get(row, prop) is not None) if negate else (lambda row: _get(row, prop) is None)
        if op_kind != "op":
            raise WqlError(text)
        literal_kind, literal = take()
        if literal_kind == "word" and literal.upper() in ("TRUE", "FALSE"):
            literal = literal.upper() == "TRUE"
        elif literal_kind not in ("str", "num"):
            raise WqlError(text)
        return lambda row: _compare(_get(row, prop), op, literal)

    def conjunction():
        left = primary()
        while peek()[0] == "word" and str(peek()[1]).upper() == "AND":
            take()
            right = primary()
            left = (lambda a, b: lambda row: a(row) and b(row))(left, right)
        return left

    def disjunction():
        left = conjunction()
        while peek()[0] == "word" and str(peek()[1]).upper() == "OR":
            take()
            right = conjunction()
            left = (lambda a, b: lambda row: a(row) or b(row))(left, right)
        return left

    predicate = disjunction()
    if position[0] != len(tokens):
        raise WqlError(text)
    return predicate


def parse_select(query: str):
    """(class name, properties or None, where text or '') for SELECT ... FROM Class [WHERE ...]."""
    match = re.match(r"^\s*select\s+(?P<props>.+?)\s+from\s+(?P<cls>\w+)(?:\s+where\s+(?P<where>.+))?\s*$",
                     query, re.I | re.S)
    if not match:
        raise WqlError(query)
    props = match.group("props").strip()
    names = None if props == "*" else [p.strip() for p in props.split(",")]
    return match.group("cls"), names, match.group("where") or ""


def _get(row: dict, prop: str):
    for key, value in row.items():
        if key.lower() == prop.lower():
            return value
    raise WqlError(prop)


def _compare(actual, op: str, literal) -> bool:
    if isinstance(actual, str) and isinstance(literal, str):
        actual, literal = actual.lower(), literal.lower()
    elif isinstance(literal, (int, float)) and not isinstance(literal, bool):
        try:
            actual = float(actual)
        except (TypeError, ValueError):
            return False
    return {"=": actual == literal, "<>": actual != literal, "!=": actual != literal,
            "<": _safe(lambda: actual < literal), ">": _safe(lambda: actual > literal),
            "<=": _safe(lambda: actual <= literal), ">=": _safe(lambda: actual >= literal)}[op]


def _safe(func) -> bool:
    try:
        return bool(func())
    except TypeError:
        return False


def cim_error(message: str, hresult: str, category: str, target: str, command: str) -> PSError:
    return PSError(message, error_id="HRESULT %s,Microsoft.Management.Infrastructure.CimCmdlets.%sCommand" % (
        hresult, command.replace("-", "")), category=category, target=target,
        exception_type="Microsoft.Management.Infrastructure.CimException")
