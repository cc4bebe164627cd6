"""The Lync / Group Chat product state layered on the simulated Windows hosts.

``init_backend(lab)`` is called by ``Lab.reset()``: it reads the topology's ``lync:`` section, builds
the directory, settings, trusted applications, adds the Lync and Group Chat Windows services to their
hosts, creates and seeds the SQL databases through ``pchat_lab.chatdb`` and starts the background
traffic ticker. Cmdlets reach it as ``ctx.lab.backends['lync']``.
"""
from __future__ import annotations

import datetime as _dt
import threading
from typing import Optional

from . import databases
from .directory import Directory
from .settings import COMPLIANCE_DEFAULTS, CONFIGURATION_DEFAULTS, POLICY_DEFAULTS, ScopedSettings
from .topology import LyncTopology, parse
from .traffic import TrafficTicker


class LyncBackend:
    def __init__(self, lab, topo: LyncTopology) -> None:
        self.lab = lab
        self.topo = topo
        self.lock = threading.RLock()
        self.directory = Directory.build(topo, lab.topology.get("accounts", []))
        self.configuration = ScopedSettings("PersistentChatConfiguration", CONFIGURATION_DEFAULTS,
                                            ("site", "service"))
        self.policies = ScopedSettings("PersistentChatPolicy", POLICY_DEFAULTS, ("site", "service", "tag"))
        for spec in topo.policies:
            self.policies.create(spec["identity"], {
                "EnablePersistentChat": bool(spec.get("enable_persistent_chat", False)),
                "Description": spec.get("description")})
        self.compliance = ScopedSettings("PersistentChatComplianceConfiguration", COMPLIANCE_DEFAULTS,
                                         ("site", "service"))
        # [DOC §3.3] Normal | FailedOver, per Persistent Chat pool ("changes the state of each server in the pool")
        self.pool_state = {self.state_identity(pool): "Normal" for pool in topo.pc_pools}
        self.trusted_pools: list[dict] = []
        self.trusted_apps: list[dict] = []
        self.topology_events: list[dict] = []
        self.lync_services: dict[str, list] = {}                  # host key -> service names (2013 roles)
        self.legacy_services: dict[str, list] = {}                # host key -> legacy Group Chat names
        self.migration_log: list[dict] = []
        self.rows_per_second = topo.rows_per_second
        self._build_trusted_applications()
        for pool in topo.pc_pools:      # [DOC §3.4] an endpoint is created automatically per pool
            self.directory.add_endpoint(pool.default_endpoint, "Persistent Chat Service", pool.fqdn)
        self.db = databases.ChatDatabases(lab, topo)
        self.ticker = TrafficTicker(self)

    # --- identities --------------------------------------------------------------------------------
    @property
    def pc_state_identity(self) -> str:
        return self.state_identity(self.topo.pc_pool)

    @staticmethod
    def state_identity(pool) -> str:
        return "PersistentChatServer:%s" % pool.fqdn

    @property
    def site_id(self) -> str:
        return "Site:%s" % self.topo.site_name

    # --- set-up ----------------------------------------------------------------------------------
    def _build_trusted_applications(self) -> None:
        for gc in self.topo.legacies:
            self._build_trusted_application(gc)

    def _build_trusted_application(self, gc) -> None:
        if gc.flavour != "lync2010" or not gc.trusted_application_pool:
            return  # OCS 2007 R2 Group Chat has no CMS trusted application [INF §1.11]
        pool = gc.trusted_application_pool
        fqdn = pool["fqdn"]
        self.trusted_pools.append({
            "Identity": "TrustedApplicationPool:%s" % fqdn, "PoolFqdn": fqdn,
            "Registrar": "Registrar:%s" % pool.get("registrar", self.topo.legacy_pool_fqdn),
            "Site": self.site_id, "Computers": list(pool.get("servers", [])),
            "ServiceId": "%s-ExternalServer-1" % self.topo.site_id,
            "ThrottleAsServer": True, "TreatAsAuthenticated": True, "OutboundOnly": False,
            "RequiresReplication": False, "AudioPortStart": None, "AudioPortCount": 0,
            "AppSharingPortStart": None, "AppSharingPortCount": 0, "VideoPortStart": None,
            "VideoPortCount": 0, "Applications": [],
        })
        app = gc.trusted_application or {}
        app_id = app.get("application_id", "urn:application:groupchat")
        self.trusted_apps.append({
            "Identity": "%s/%s" % (fqdn, app_id), "ComputerGruus": [], "ServiceGruu": None,
            "Protocol": "Mtls", "ApplicationId": app_id, "TrustedApplicationPoolFqdn": fqdn,
            "Port": int(app.get("port", 5041)), "LegacyApplicationName": app_id.rsplit(":", 1)[-1],
        })
        self.trusted_pools[-1]["Applications"].append(app_id)

    def add_services_to_hosts(self) -> None:
        topo = self.topo
        plan = []
        for name in topo.frontend_pool.servers:
            plan.append((name, topo.frontend_pool.services, "Running", self.lync_services))
        for pool in topo.pc_pools:
            pc_services = [s for s in pool.services if s.role != "compliance" or pool.compliance]
            for name in pool.servers:
                plan.append((name, pc_services, pool.initial_status, self.lync_services))
        for legacy in topo.legacies:
            for name in legacy.servers:
                plan.append((name, legacy.services, "Running", self.legacy_services))
        for host_name, services, status, registry in plan:
            host = self.lab.host(host_name)
            if host is None:
                raise ValueError("lync: server %r is not a host of the topology" % host_name)
            names = registry.setdefault(host.name.lower(), [])
            for svc in services:
                _ensure_service(host, svc.name, svc.display_name, status)
                names.append(svc.name)

    # --- services ----------------------------------------------------------------------------------
    def service_status(self, host_name: str, service_name: str) -> Optional[str]:
        host = self.lab.host(host_name)
        if host is None:
            return None
        svc = host.services.get(service_name)
        return None if svc is None else str(svc.status)

    def legacy_channel_running(self, legacy=None) -> bool:
        """The Channel service runs on a server of ``legacy`` (default: of any legacy pool)."""
        pools = [legacy] if legacy is not None else self.topo.legacies
        return any(self._runs(pool.servers, pool.service("channel")) for pool in pools)

    def pc_channel_running(self, pool=None) -> bool:
        """The Persistent Chat service runs on a server of ``pool`` (default: of any Persistent Chat pool)."""
        pools = [pool] if pool is not None else self.topo.pc_pools
        return any(self._runs(p.servers, next((s for s in p.services if s.role == "channel"), None)) for p in pools)

    def _runs(self, servers, service) -> bool:
        return service is not None and any(
            (self.service_status(h, service.name) or "").lower() == "running" for h in servers)

    # --- control endpoint ------------------------------------------------------------------------
    def odbc_connection_strings(self) -> dict:
        """``"sqlfqdn\\INSTANCE"`` -> ODBC connection string of the SQLite file behind it (the lab
        serves one database per instance to ODBC; the Persistent Chat instance also holds mgccomp,
        listed as ``instance/mgccomp``)."""
        return self.db.odbc_connection_strings()

    def dump(self) -> dict:
        with self.lock:
            return {
                "flavour": self.topo.legacy.flavour,
                "sip_domain": self.topo.sip_domain,
                "persistent_chat_pool": self.topo.pc_pool.fqdn,
                "persistent_chat_pools": [pool.fqdn for pool in self.topo.pc_pools],
                "pool_state": dict(self.pool_state),
                "directory": self.directory.dump(),
                "configuration": self.configuration.dump(),
                "policies": self.policies.dump(),
                "compliance": self.compliance.dump(),
                "trusted_application_pools": [dict(p) for p in self.trusted_pools],
                "trusted_applications": [dict(a) for a in self.trusted_apps],
                "topology_events": list(self.topology_events),
                "services": {h: {n: self.service_status(h, n) for n in names}
                             for h, names in {**self.lync_services, **self.legacy_services}.items()},
                "databases": self.db.describe(),
                "migration_log": list(self.migration_log),
                "traffic": self.ticker.describe(),
            }

    def stop(self) -> None:
        self.ticker.stop()


def _ensure_service(host, name: str, display_name: str, status: str) -> None:
    if name in host.services:
        return
    host.add_service(name=name, display_name=display_name, status=status, start_type="Automatic")


def init_backend(lab) -> None:
    from . import cmdlets  # noqa: F401  registers the Lync, ActiveDirectory and SqlServer cmdlets
    previous = lab.backends.get("lync")
    if previous is not None:
        previous.stop()
    backend = LyncBackend(lab, parse(lab.topology))
    lab.backends["lync"] = backend
    backend.add_services_to_hosts()
    backend.db.create_and_seed()
    for legacy in backend.topo.legacies:
        backend.directory.add_chat_principals(backend.db.legacy_principals(legacy), backend.topo.legacy_pool_fqdn)
    backend.ticker.start()


def now() -> _dt.datetime:
    return _dt.datetime.now()
