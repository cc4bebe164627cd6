"""One simulated Windows server: identity, drives (real folders under the lab's state folder), shares,
services, environment and local groups, built from one ``hosts:`` entry of a topology."""
from __future__ import annotations

import datetime as _dt
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..powershell.api import PSEnum, PSObject

GB = 1024 ** 3

# ServiceControllerStatus and ServiceStartMode as .NET numbers them (System.ServiceProcess).
SERVICE_STATUS = {"Stopped": 1, "StartPending": 2, "StopPending": 3, "Running": 4,
                  "ContinuePending": 5, "PausePending": 6, "Paused": 7}
START_MODE = {"Boot": 0, "System": 1, "Automatic": 2, "Manual": 3, "Disabled": 4}

# Keys of a topology host entry this model reads, and of its nested entries. Anything else is a typo
# or a feature the lab does not have: refuse it instead of ignoring it.
HOST_KEYS = {"name", "fqdn", "role", "os", "os_version", "http_port", "https_port", "modules", "drives",
             "services", "shares", "local_groups", "winrm_access_groups", "env", "memory_mb", "products"}
DRIVE_KEYS = {"letter", "filesystem", "size_gb", "free_gb", "label"}
SHARE_KEYS = {"name", "path", "description"}
SERVICE_KEYS = {"name", "display_name", "status", "start_type", "depends_on"}
PRODUCT_KEYS = {"name", "version", "vendor"}      # installed software, as Win32_Product lists it
FILESYSTEMS = ("NTFS", "FAT32", "ReFS")
# The default RootSDDL of the WinRM listener (Windows Server 2012 R2 on) grants BUILTIN\Administrators
# (and interactive users, never a WinRM logon); `winrm configSDDL default` adds other groups.
DEFAULT_WINRM_ACCESS_GROUPS = ("Administrators",)
# Groups the PowerShell and WMI endpoints grant, but not the cmd shell's RootSDDL.
REMOTE_MANAGEMENT_GROUPS = ("Remote Management Users", "WinRMRemoteWMIUsers__")

# Host keys owned by products layered on the host (e.g. the Lync backend); they register them here.
EXTENSION_HOST_KEYS: set = set()


def register_host_keys(*keys: str) -> None:
    """Let a layered product (lync/) declare the host keys it reads, so they are not refused."""
    EXTENSION_HOST_KEYS.update(keys)


class TopologyError(ValueError):
    """A topology entry the host model cannot build."""


def _check_keys(where: str, spec: dict, allowed: set) -> None:
    if not isinstance(spec, dict):
        raise TopologyError("%s must be a mapping, got %r" % (where, spec))
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise TopologyError("%s: unknown key(s) %s (allowed: %s)" % (
            where, ", ".join(repr(k) for k in unknown), ", ".join(sorted(allowed))))


def _require(where: str, spec: dict, *keys: str) -> None:
    missing = [k for k in keys if k not in spec]
    if missing:
        raise TopologyError("%s: missing key(s) %s" % (where, ", ".join(missing)))


@dataclass
class Drive:
    letter: str                 # upper case, no colon
    filesystem: str
    size: int                   # bytes
    initial_free: int           # bytes, as the topology declares
    root: Path                  # the real folder standing for X:\
    label: str = ""
    # Bytes in root when the lab's initial state was complete (skeleton and seeded product data);
    # taken on first use unless SimHost.mark_baseline() is called at the end of Lab.reset().
    baseline_used: Optional[int] = None

    def used_by_lab(self) -> int:
        total = 0
        for dirpath, _dirs, files in os.walk(self.root):
            for name in files:
                try:
                    total += os.lstat(os.path.join(dirpath, name)).st_size
                except OSError:
                    pass
        return total

    @property
    def free(self) -> int:
        """The topology's free space minus what was written to the drive since reset."""
        used = self.used_by_lab()
        if self.baseline_used is None:
            self.baseline_used = used
        return max(0, self.initial_free - max(0, used - self.baseline_used))

    @property
    def used(self) -> int:
        return self.size - self.free


@dataclass
class Share:
    name: str
    path: str                   # Windows path on the host, e.g. E:\GroupChat\FileRepository
    drive: str                  # its drive letter
    parts: tuple                # components below the drive root
    description: str = ""


@dataclass
class Service:
    name: str
    display_name: str
    status: str = "Stopped"
    start_type: str = "Manual"
    depends_on: list = field(default_factory=list)   # names of services this one needs
    host: Optional["SimHost"] = None

    def __post_init__(self) -> None:
        if self.status not in SERVICE_STATUS:
            raise TopologyError("service %s: status %r is not one of %s" % (
                self.name, self.status, ", ".join(SERVICE_STATUS)))
        if self.start_type not in START_MODE:
            raise TopologyError("service %s: start_type %r is not one of %s" % (
                self.name, self.start_type, ", ".join(START_MODE)))

    def required_services(self) -> list:
        if self.host is None:
            return []
        return [self.host.services[n] for n in self.depends_on if n in self.host.services]

    def dependent_services(self) -> list:
        if self.host is None:
            return []
        mine = self.name.lower()
        return [s for s in self.host.services.values() if mine in (d.lower() for d in s.depends_on)]

    def to_psobject(self, _depth: int = 0) -> PSObject:
        """The service as Get-Service returns it: a System.ServiceProcess.ServiceController."""
        nested = _depth < 1   # DependentServices of DependentServices are shown one level deep only
        return PSObject({
            "Name": self.name,
            "RequiredServices": [s.to_psobject(_depth + 1) for s in self.required_services()] if nested else [],
            "CanPauseAndContinue": False,
            "CanShutdown": self.status == "Running",
            "CanStop": self.status == "Running",
            "DisplayName": self.display_name,
            "DependentServices": [s.to_psobject(_depth + 1) for s in self.dependent_services()] if nested else [],
            "MachineName": ".",
            "ServiceName": self.name,
            "ServicesDependedOn": [s.to_psobject(_depth + 1) for s in self.required_services()] if nested else [],
            "ServiceHandle": None,
            "Status": PSEnum("System.ServiceProcess.ServiceControllerStatus", self.status,
                             SERVICE_STATUS[self.status]),
            "ServiceType": PSEnum("System.ServiceProcess.ServiceType", "Win32OwnProcess", 16),
            "StartType": PSEnum("System.ServiceProcess.ServiceStartMode", self.start_type,
                                START_MODE[self.start_type]),
            "Site": None,
            "Container": None,
        }, type_names=("System.ServiceProcess.ServiceController", "System.ComponentModel.Component",
                       "System.MarshalByRefObject", "System.Object"))


class ServiceTable(dict):
    """Services by name, case-insensitively (the SCM is case-insensitive)."""

    def __setitem__(self, key: str, value: Service) -> None:
        super().__setitem__(key.lower(), value)

    def __getitem__(self, key: str) -> Service:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default=None):
        return super().get(key.lower(), default)

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key.lower())


# The service pack each of these builds carries (6.1.7601 is Windows Server 2008 R2 SP1).
SERVICE_PACKS = {"7601": 1, "6002": 2, "3790": 2}


def _version_tuple(version: str) -> tuple:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def _os_build(version: str) -> str:
    parts = version.split(".")
    return parts[2] if len(parts) > 2 else "0"


class SimHost:
    def __init__(self, lab, name: str, fqdn: str, role: str, os_caption: str, os_version: str) -> None:
        self.lab = lab
        self.name = name
        self.fqdn = fqdn
        self.role = role
        self.os_caption = os_caption
        self.os_version = os_version
        self.os_build = _os_build(os_version)
        self.service_pack = SERVICE_PACKS.get(self.os_build, 0)
        self.boot_time = _dt.datetime.now().replace(microsecond=0)
        self.http_port: Optional[int] = None
        self.https_port: Optional[int] = None
        self.modules: list = []
        self.builtin_modules: list = []
        self.drives: dict = {}          # letter (upper) -> Drive
        self.shares: dict = {}          # name (lower) -> Share
        self.services = ServiceTable()
        self.local_groups: dict = {}    # group name -> list of members (DOMAIN\name)
        # Local groups the WinRM listener's RootSDDL grants (the cmd shell pywinrm and Ansible use).
        self.winrm_access_groups: list = list(DEFAULT_WINRM_ACCESS_GROUPS)
        self.memory_mb = 16384
        self.extra_env: dict = {}
        self.products: list = []        # dicts with name, version, vendor
        self.spec: dict = {}
        self.lock = threading.RLock()
        self.root = Path(lab.state_dir) / "hosts" / name
        from .filesystem import FileSystem
        self.filesystem = FileSystem(self)

    # --- construction ------------------------------------------------------------------------
    @classmethod
    def from_topology(cls, spec: dict, lab) -> "SimHost":
        where = "host %s" % (spec.get("name", "?") if isinstance(spec, dict) else "?")
        _check_keys(where, spec, HOST_KEYS | EXTENSION_HOST_KEYS)
        _require(where, spec, "name", "os", "os_version", "drives")
        name = str(spec["name"])
        domain = getattr(lab, "domain", "contoso.local")
        host = cls(lab, name=name, fqdn=str(spec.get("fqdn") or "%s.%s" % (name.lower(), domain)),
                   role=str(spec.get("role", "")), os_caption=str(spec["os"]),
                   os_version=str(spec["os_version"]))
        host.spec = spec
        host.http_port = spec.get("http_port")
        host.https_port = spec.get("https_port")
        # Modules that ship with the OS (Storage arrived with Windows Server 2012) come first; PowerShell
        # autoloads them, topology modules (Lync) need Import-Module.
        host.builtin_modules = ["Storage"] if _version_tuple(host.os_version) >= (6, 2) else []
        host.modules = host.builtin_modules + list(spec.get("modules") or [])
        host.memory_mb = int(spec.get("memory_mb", 16384))
        host.extra_env = {str(k): str(v) for k, v in (spec.get("env") or {}).items()}
        for index, drive in enumerate(spec["drives"]):
            host._add_drive("%s drives[%d]" % (where, index), drive)
        if "C" not in host.drives:
            raise TopologyError("%s: a Windows host needs a C drive" % where)
        for index, share in enumerate(spec.get("shares") or []):
            host._add_share("%s shares[%d]" % (where, index), share)
        for index, svc in enumerate(spec.get("services") or []):
            where_svc = "%s services[%d]" % (where, index)
            _check_keys(where_svc, svc, SERVICE_KEYS)
            _require(where_svc, svc, "name")
            host.add_service(svc["name"], svc.get("display_name", svc["name"]), svc.get("status", "Stopped"),
                             svc.get("start_type", "Manual"), svc.get("depends_on", []))
        for index, product in enumerate(spec.get("products") or []):
            where_product = "%s products[%d]" % (where, index)
            _check_keys(where_product, product, PRODUCT_KEYS)
            _require(where_product, product, "name", "version")
            host.products.append({"name": str(product["name"]), "version": str(product["version"]),
                                  "vendor": str(product.get("vendor", ""))})
        groups = spec.get("local_groups") or {}
        if not isinstance(groups, dict):
            raise TopologyError("%s: local_groups must map a group name to its members" % where)
        host.local_groups = {str(g): [str(m) for m in (members or [])] for g, members in groups.items()}
        access = spec.get("winrm_access_groups", list(DEFAULT_WINRM_ACCESS_GROUPS))
        if not isinstance(access, list):
            raise TopologyError("%s: winrm_access_groups must be a list of local group names" % where)
        host.winrm_access_groups = [str(g) for g in access]
        host._create_skeleton(lab)
        return host

    def _add_drive(self, where: str, spec: dict) -> None:
        _check_keys(where, spec, DRIVE_KEYS)
        _require(where, spec, "letter", "size_gb", "free_gb")
        letter = str(spec["letter"]).rstrip(":").upper()
        if len(letter) != 1 or not letter.isalpha():
            raise TopologyError("%s: letter %r is not a drive letter" % (where, spec["letter"]))
        if letter in self.drives:
            raise TopologyError("%s: drive %s declared twice" % (where, letter))
        filesystem = str(spec.get("filesystem", "NTFS"))
        if filesystem not in FILESYSTEMS:
            raise TopologyError("%s: filesystem %r is not one of %s" % (where, filesystem, ", ".join(FILESYSTEMS)))
        size, free = int(float(spec["size_gb"]) * GB), int(float(spec["free_gb"]) * GB)
        if free > size:
            raise TopologyError("%s: free_gb is larger than size_gb" % where)
        self.drives[letter] = Drive(letter=letter, filesystem=filesystem, size=size, initial_free=free,
                                    root=self.root / letter, label=str(spec.get("label", "")))

    def _add_share(self, where: str, spec: dict) -> None:
        _check_keys(where, spec, SHARE_KEYS)
        _require(where, spec, "name", "path")
        path = str(spec["path"]).replace("/", "\\")
        if len(path) < 3 or path[1:3] != ":\\" or path[0].upper() not in self.drives:
            raise TopologyError("%s: path %r is not on a drive of this host" % (where, spec["path"]))
        parts = tuple(p for p in path[3:].split("\\") if p)
        if any(p in (".", "..") for p in parts):
            raise TopologyError("%s: path %r must not contain . or .." % (where, spec["path"]))
        name = str(spec["name"])
        if name.lower() in self.shares or name.endswith("$"):
            raise TopologyError("%s: share name %r is a duplicate or an administrative share" % (where, name))
        self.shares[name.lower()] = Share(name=name, path=path, drive=path[0].upper(), parts=parts,
                                          description=str(spec.get("description", "")))

    def _create_skeleton(self, lab) -> None:
        """The folders every Windows server has, plus each share's folder and each account's profile."""
        for drive in self.drives.values():
            drive.root.mkdir(parents=True, exist_ok=True)
        c = self.drives["C"].root
        folders = ["Windows/System32", "Windows/Temp", "Program Files", "Program Files (x86)", "ProgramData",
                   "Users/Public", "Users/Default"]
        for account in (lab.topology.get("accounts") or []) if hasattr(lab, "topology") else []:
            folders.append("Users/%s/AppData/Local/Temp" % account["user"])
            folders.append("Users/%s/Documents" % account["user"])
        for folder in folders:
            (c / folder).mkdir(parents=True, exist_ok=True)
        for share in self.shares.values():
            self.drives[share.drive].root.joinpath(*share.parts).mkdir(parents=True, exist_ok=True)

    def mark_baseline(self) -> None:
        """Free space as the topology declares it, counting from now (call after seeding)."""
        for drive in self.drives.values():
            drive.baseline_used = drive.used_by_lab()

    # --- run-time changes (the Lync backend adds its services here) ----------------------------
    def add_service(self, name: str, display_name: str = "", status: str = "Stopped",
                    start_type: str = "Manual", depends_on=()) -> Service:
        with self.lock:
            service = Service(name=str(name), display_name=str(display_name or name), status=str(status),
                              start_type=str(start_type), depends_on=[str(d) for d in depends_on], host=self)
            self.services[service.name] = service
            return service

    def remove_service(self, name: str) -> None:
        with self.lock:
            del self.services[name]

    # --- identity ------------------------------------------------------------------------------
    @property
    def netbios_domain(self) -> str:
        topology = getattr(self.lab, "topology", {}) or {}
        return str(topology.get("netbios") or getattr(self.lab, "domain", "contoso.local").split(".")[0].upper())

    @property
    def domain(self) -> str:
        return getattr(self.lab, "domain", "contoso.local")

    def user_name(self, user: str) -> str:
        """The account name of a WinRM user written as name, DOMAIN\\name or name@domain."""
        account = self.lab.account(user) if user and hasattr(self.lab, "account") else None
        if account:
            return account["user"]
        if "\\" in user:
            return user.split("\\", 1)[1]
        if "@" in user:
            return user.split("@", 1)[0]
        return user or "SYSTEM"

    def home(self, user: str) -> str:
        return "C:\\Users\\%s" % self.user_name(user)

    def env(self, user: str = "") -> dict:
        """The environment a process started for ``user`` (the WinRM user) sees."""
        name = self.user_name(user)
        home = self.home(user)
        values = {
            "ALLUSERSPROFILE": "C:\\ProgramData",
            "APPDATA": home + "\\AppData\\Roaming",
            "CommonProgramFiles": "C:\\Program Files\\Common Files",
            "CommonProgramFiles(x86)": "C:\\Program Files (x86)\\Common Files",
            "CommonProgramW6432": "C:\\Program Files\\Common Files",
            "COMPUTERNAME": self.name.upper(),
            "ComSpec": "C:\\Windows\\system32\\cmd.exe",
            "LOCALAPPDATA": home + "\\AppData\\Local",
            "NUMBER_OF_PROCESSORS": "4",
            "OS": "Windows_NT",
            "Path": "C:\\Windows\\system32;C:\\Windows;C:\\Windows\\System32\\Wbem;"
                    "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\",
            "PATHEXT": ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC",
            "PROCESSOR_ARCHITECTURE": "AMD64",
            "PROCESSOR_IDENTIFIER": "Intel64 Family 6 Model 63 Stepping 2, GenuineIntel",
            "PROCESSOR_LEVEL": "6",
            "PROCESSOR_REVISION": "3f02",
            "ProgramData": "C:\\ProgramData",
            "ProgramFiles": "C:\\Program Files",
            "ProgramFiles(x86)": "C:\\Program Files (x86)",
            "ProgramW6432": "C:\\Program Files",
            "PROMPT": "$P$G",
            "PSModulePath": home + "\\Documents\\WindowsPowerShell\\Modules;C:\\Program Files\\WindowsPowerShell"
                            "\\Modules;C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\Modules\\",
            "PUBLIC": "C:\\Users\\Public",
            "SystemDrive": "C:",
            "SystemRoot": "C:\\Windows",
            "TEMP": home + "\\AppData\\Local\\Temp",
            "TMP": home + "\\AppData\\Local\\Temp",
            "USERDNSDOMAIN": self.domain.upper(),
            "USERDOMAIN": self.netbios_domain,
            "USERNAME": name,
            "USERPROFILE": home,
            "windir": "C:\\Windows",
        }
        values.update(self.extra_env)
        return values

    # --- groups --------------------------------------------------------------------------------
    def local_groups_of(self, account: dict) -> list:
        """Local groups of this host that ``account`` belongs to, directly or through a domain group."""
        netbios = self.netbios_domain.lower()
        names = {("%s\\%s" % (netbios, account["user"])).lower()}
        names.update(("%s\\%s" % (netbios, g)).lower() for g in account.get("groups", []))
        return [group for group, members in self.local_groups.items()
                if any(m.lower() in names for m in members)]

    def is_local_admin(self, account: dict) -> bool:
        """Member of the local Administrators group (directly or through a domain group)."""
        return any(g.lower() == "administrators" for g in self.local_groups_of(account))

    def winrm_access(self, account: dict) -> str:
        """What the WinRM service does with this authenticated account: "allowed" (a group the listener's
        RootSDDL grants), "denied" (a remote management group, which only the PowerShell and WMI endpoints
        grant: the cmd shell answers Access is denied), or "unauthorized" (HTTP 401)."""
        groups = {g.lower() for g in self.local_groups_of(account)}
        if groups & {g.lower() for g in self.winrm_access_groups}:
            return "allowed"
        if groups & {g.lower() for g in REMOTE_MANAGEMENT_GROUPS}:
            return "denied"
        return "unauthorized"

    def __repr__(self) -> str:
        return "SimHost(%s)" % self.name
