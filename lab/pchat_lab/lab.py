"""The lab: every simulated host of one topology, their state folder, the fault injector and the
request log. One ``Lab`` per running ``pchat-lab`` process; the WinRM listeners and the control
endpoint only talk to it (moto's backend, in our terms)."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Optional

import yaml

from .faults import FaultInjector, RequestLog

TOPOLOGY_DIR = Path(__file__).parent / "topologies"


def load_topology(name_or_path: str) -> dict:
    """A ready-made topology by name (``lync2010``, ``ocs2007r2``) or a YAML file by path."""
    path = Path(name_or_path)
    if not path.exists():
        path = TOPOLOGY_DIR / ("%s.yaml" % name_or_path)
    if not path.exists():
        raise FileNotFoundError("no topology named or found at %r (ready-made: %s)" % (
            name_or_path, ", ".join(sorted(p.stem for p in TOPOLOGY_DIR.glob("*.yaml")))))
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    data.setdefault("name", path.stem)
    _offset_ports(data, port_offset())
    return data


def port_offset() -> int:
    """PCHAT_LAB_PORT_OFFSET, 0 when unset or empty."""
    return int(os.environ.get("PCHAT_LAB_PORT_OFFSET", "0") or 0)


def _offset_ports(topology: dict, offset: int) -> None:
    """Shift every port by ``offset`` so that several labs (parallel test runs) can listen at once;
    inventories/lab reads the same PCHAT_LAB_PORT_OFFSET. The ports are the top-level ``*_port`` keys
    (control_port, and any other listener the lab adds) and each host's http_port / https_port."""
    if not offset:
        return
    topology.setdefault("control_port", 15980)
    for key in [key for key in topology if key.endswith("_port")]:
        topology[key] = int(topology[key]) + offset
    for host in topology["hosts"]:
        for key in ("http_port", "https_port"):
            if key in host:
                host[key] = int(host[key]) + offset


def listening_ports(topology: dict) -> dict:
    """{port: what listens there} for every port a lab of this topology opens on 127.0.0.1."""
    ports = {int(topology.get("control_port", 15980)): "control endpoint"}
    for key, value in topology.items():
        if key.endswith("_port") and key != "control_port":
            ports[int(value)] = key[:-len("_port")]
    for host in topology["hosts"]:
        for scheme in ("http", "https"):
            if "%s_port" % scheme in host:
                ports[int(host["%s_port" % scheme])] = "%s WinRM %s" % (host["name"], scheme)
    return ports


class Lab:
    def __init__(self, topology: dict, state_dir: Path, dataset: str = "standard", seed: int = 0) -> None:
        self.topology = topology
        self.state_dir = Path(state_dir)
        self.dataset = dataset
        self.seed = seed
        self.faults = FaultInjector()
        self.log = RequestLog()
        self.lock = threading.RLock()
        self.hosts: dict = {}
        # Products layered on the Windows hosts (the Lync/Group Chat backend) keep their state here,
        # keyed by a name of their choosing, and are rebuilt by reset().
        self.backends: dict = {}
        self.realm = None          # the Kerberos realm (auth.kerberos.Realm) when its KDC runs
        self.reset()

    @property
    def domain(self) -> str:
        return self.topology.get("domain", "contoso.local")

    def reset(self) -> None:
        """Back to the topology's initial state: host folders wiped and recreated, backends reseeded."""
        from .windows.host import SimHost  # the host model imports the engine; keep import order simple
        with self.lock:
            hosts_root = self.state_dir / "hosts"
            if hosts_root.exists():
                shutil.rmtree(hosts_root)
            self.hosts = {}
            for spec in self.topology["hosts"]:
                host = SimHost.from_topology(spec, self)
                self.hosts[host.name.lower()] = host
            self.faults.clear()
            self.log.clear()
            self.backends = {}
            for init in _backend_initialisers():
                init(self)
            # Free space is measured from here on: what the backends seeded is part of the baseline.
            for host in self.hosts.values():
                host.mark_baseline()

    def host(self, name: str):
        """A host by short name, FQDN or IP-less alias, case-insensitively; None when unknown."""
        key = name.lower()
        if key in self.hosts:
            return self.hosts[key]
        for host in self.hosts.values():
            if host.fqdn.lower() == key:
                return host
        return None

    def account(self, user: str) -> Optional[dict]:
        """The topology account matching ``user`` written as ``name``, ``DOMAIN\\name`` or
        ``name@domain`` (case-insensitive), or None."""
        wanted = user.lower()
        if "\\" in wanted:
            wanted = wanted.split("\\", 1)[1]
        elif "@" in wanted:
            wanted = wanted.split("@", 1)[0]
        for account in self.topology.get("accounts", []):
            if account["user"].lower() == wanted:
                return account
        return None

    def execute(self, host, command_line: str, sink) -> int:
        """Run one WinRS command line on ``host`` as cmd.exe would, writing to ``sink``."""
        from .auth import logon
        from .windows.cmd import run_command_line
        # The command runs under the WinRM caller's logon, as a process under its token.
        with logon.session(getattr(sink, "user", None)):
            return run_command_line(self, host, command_line, sink)


def _backend_initialisers():
    """Products that add state on top of the Windows hosts register an ``init(lab)`` here."""
    inits = []
    try:
        from .lync.backend import init_backend
        inits.append(init_backend)
    except ImportError:
        pass
    return inits
