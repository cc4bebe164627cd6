"""The lab's Kerberos realm (CONTOSO.LOCAL): an MIT KDC run as an ordinary child process on a loopback
port, its database, principals and keytab under <state_dir>/kerberos, and what the WinRM listeners need
to accept Kerberos with pyspnego (gssapi) and to keep a forwarded TGT.

Principals: one per topology account (its lab password), and HTTP/<fqdn> for every host (the keytab the
listeners accept with). Nothing outside the state folder is read or written at run time: KRB5_CONFIG,
KRB5_KDC_PROFILE, KRB5_KTNAME and KRB5RCACHEDIR all point into it. Needs Debian's krb5-kdc (krb5kdc,
kdb5_util) and krb5-admin-server (kadmin.local), and the Python packages gssapi and krb5."""
from __future__ import annotations

import ctypes
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Optional

log = logging.getLogger("pchat_lab.kerberos")

# Inside the lab's own port block (control 15980, listeners 15985-15994), so that labs run side by side
# with PCHAT_LAB_PORT_OFFSET steps of 15 or more never meet.
DEFAULT_KDC_PORT = 15981
# SMB shares and SQL Server [ASSUMED: MSSQLSvc/<fqdn> without the :port or :instance suffix].
SECOND_HOP_SERVICES = ("cifs", "MSSQLSvc")
TOOLS = ("krb5kdc", "kdb5_util", "kadmin.local")
_SBIN = ("/usr/sbin", "/sbin", "/usr/local/sbin")


def _tool(name: str) -> Optional[str]:
    return shutil.which(name) or shutil.which(name, path=os.pathsep.join(_SBIN))


def missing() -> list[str]:
    """What this machine lacks for the realm (empty when Kerberos can run)."""
    lacking = ["%s (Debian package %s)" % (t, "krb5-admin-server" if t == "kadmin.local" else "krb5-kdc")
               for t in TOOLS if _tool(t) is None]
    for module, package in (("gssapi", "gssapi"), ("krb5", "krb5")):
        try:
            __import__(module)
        except ImportError:
            lacking.append("Python module %s (pip package %s, pyspnego[kerberos])" % (module, package))
    return lacking


def _die_with_parent() -> None:
    """In the KDC child: receive SIGTERM when the lab process goes, so no KDC outlives its lab."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)    # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Realm:
    def __init__(self, topology: dict, state_dir: Path) -> None:
        self.name = str(topology.get("kerberos_realm") or topology.get("domain", "contoso.local")).upper()
        self.port = int(topology.get("kdc_port", DEFAULT_KDC_PORT))
        self.accounts = list(topology.get("accounts", []))
        self.fqdns = [str(h["fqdn"]).lower() for h in topology["hosts"]]
        self.dir = Path(state_dir).resolve() / "kerberos"
        self.krb5_conf = self.dir / "krb5.conf"
        self.kdc_conf = self.dir / "kdc.conf"
        self.keytab = self.dir / "http.keytab"
        self.client_ccache = self.dir / "client.ccache"
        self.delegated_dir = self.dir / "delegated"
        self._process: Optional[subprocess.Popen] = None
        self._lock = threading.Lock()

    # --- files ------------------------------------------------------------------------------------
    def _env(self) -> dict:
        env = dict(os.environ)
        env.update(KRB5_CONFIG=str(self.krb5_conf), KRB5_KDC_PROFILE=str(self.kdc_conf),
                   KRB5RCACHEDIR=str(self.dir))
        return env

    def _write_config(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)
        domain = self.name.lower()
        self.krb5_conf.write_text(
            "[libdefaults]\n"
            "    default_realm = %(realm)s\n"
            "    dns_lookup_realm = false\n"
            "    dns_lookup_kdc = false\n"
            "    rdns = false\n"
            "    dns_canonicalize_hostname = false\n"
            "    forwardable = true\n"
            "    udp_preference_limit = 1\n"
            "[realms]\n"
            "    %(realm)s = {\n"
            "        kdc = 127.0.0.1:%(port)d\n"
            "    }\n"
            "[domain_realm]\n"
            "    .%(domain)s = %(realm)s\n"
            "    %(domain)s = %(realm)s\n" % {"realm": self.name, "port": self.port, "domain": domain})
        # kdc_listen/kdc_tcp_listen keep the KDC on loopback (kdc_ports would bind every address).
        self.kdc_conf.write_text(
            "[kdcdefaults]\n"
            "    kdc_listen = 127.0.0.1:%(port)d\n"
            "    kdc_tcp_listen = 127.0.0.1:%(port)d\n"
            "[realms]\n"
            "    %(realm)s = {\n"
            "        database_name = %(dir)s/principal\n"
            "        key_stash_file = %(dir)s/stash\n"
            "        acl_file = %(dir)s/kadm5.acl\n"
            "        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal\n"
            "        max_life = 10h 0m 0s\n"
            "    }\n"
            "[logging]\n"
            "    kdc = FILE:%(dir)s/kdc.log\n" % {"realm": self.name, "port": self.port, "dir": self.dir})
        (self.dir / "kadm5.acl").touch()

    def _run(self, *argv: str, stdin: str = "") -> None:
        result = subprocess.run(list(argv), input=stdin, capture_output=True, text=True, env=self._env(), timeout=60)
        if result.returncode != 0:
            raise RuntimeError("%s failed: %s" % (os.path.basename(argv[0]), (result.stderr or result.stdout).strip()))

    def _kadmin(self, query: str) -> None:
        self._run(_tool("kadmin.local"), "-r", self.name, "-q", query)

    def create(self) -> None:
        """A fresh database with every principal and the listeners' keytab (about 1 s)."""
        lacking = missing()
        if lacking:
            raise RuntimeError("Kerberos needs " + ", ".join(lacking))
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self._write_config()
        # The master key protects a database that lives and dies with this state folder.
        self._run(_tool("kdb5_util"), "create", "-s", "-r", self.name, "-P", secrets.token_urlsafe(24))
        for account in self.accounts:
            # The password goes on stdin (kadmin.local's prompt), not argv. Pre-authentication required,
            # as Active Directory requires it: a wrong password is KDC_ERR_PREAUTH_FAILED.
            password = str(account.get("password", ""))
            self._run(_tool("kadmin.local"), "-r", self.name, "-q", "addprinc +requires_preauth %s@%s" % (account["user"], self.name),
                      stdin="%s\n%s\n" % (password, password))
        spns = ["HTTP/%s@%s" % (fqdn, self.name) for fqdn in self.fqdns]
        for spn in spns:
            self._kadmin("addprinc -randkey %s" % spn)
        # The services a session reaches on the second hop; their keys stay in the KDC (no one accepts
        # with them here: the service ticket being issued is the proof the forwarded TGT works).
        for service in SECOND_HOP_SERVICES:
            for fqdn in self.fqdns:
                self._kadmin("addprinc -randkey %s/%s@%s" % (service, fqdn, self.name))
        self._kadmin("ktadd -k %s %s" % (self.keytab, " ".join(spns)))
        os.chmod(self.keytab, 0o600)

    # --- the KDC process ----------------------------------------------------------------------------
    def _port_free(self) -> bool:
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            with socket.socket(socket.AF_INET, kind) as probe:
                if kind == socket.SOCK_STREAM:
                    # As krb5kdc binds: TIME_WAIT connections a previous KDC on this port closed (the
                    # last run's kinits, for a minute) do not make it busy; a listening KDC still does.
                    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind(("127.0.0.1", self.port))
                except OSError:
                    return False
        return True

    def start(self) -> None:
        # Another lab's KDC on this port would answer our probes: refuse rather than talk to it.
        if not self._port_free():
            raise RuntimeError("127.0.0.1:%d (kdc_port) is in use" % self.port)
        self.create()
        self.delegated_dir.mkdir(parents=True, exist_ok=True)
        log_handle = open(self.dir / "krb5kdc.out", "ab")
        self._process = subprocess.Popen([_tool("krb5kdc"), "-n", "-r", self.name], env=self._env(),
                                         stdin=subprocess.DEVNULL, stdout=log_handle, stderr=subprocess.STDOUT,
                                         preexec_fn=_die_with_parent)
        log_handle.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError("krb5kdc exited (%s); see %s" % (self._process.returncode, self.dir / "kdc.log"))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            self.stop()
            raise RuntimeError("krb5kdc did not listen on 127.0.0.1:%d" % self.port)
        (self.dir / "kdc.pid").write_text(str(self._process.pid))
        # The acceptors of this process (pyspnego/gssapi) read these.
        os.environ["KRB5_CONFIG"] = str(self.krb5_conf)
        os.environ["KRB5_KTNAME"] = "FILE:%s" % self.keytab
        os.environ["KRB5RCACHEDIR"] = str(self.dir)
        log.info("Kerberos realm %s: KDC pid %d on 127.0.0.1:%d", self.name, self._process.pid, self.port)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        (self.dir / "kdc.pid").unlink(missing_ok=True)
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # --- what clients and sessions use ---------------------------------------------------------------
    def client_exports(self) -> dict:
        return {"KRB5_CONFIG": str(self.krb5_conf), "KRB5CCNAME": "FILE:%s" % self.client_ccache}

    def describe(self) -> dict:
        return {"realm": self.name, "kdc": "127.0.0.1:%d" % self.port, **self.client_exports()}

    def store_delegated(self, context, user: str) -> str:
        """The TGT a Kerberos client forwarded, kept in the user's ccache (the newest forwarded TGT, as a
        logon session would hold it; one file per user however many connections); '' when none was."""
        creds = delegated_credentials(context)
        if creds is None:
            return ""
        import gssapi.raw
        with self._lock:
            self.delegated_dir.mkdir(parents=True, exist_ok=True)
            path = self.delegated_dir / ("%s.ccache" % user.replace("\\", "_").lower())
            gssapi.raw.store_cred_into(cred_store("FILE:%s" % path), creds, usage="initiate", overwrite=True)
        return "FILE:%s" % path


def cred_store(ccache: str) -> dict:
    """A GSSAPI credential store naming ``ccache``, its key and value as bytes. python-gssapi (1.12) encodes
    str keys and values into temporaries that are freed before MIT reads them, with the GIL released: with
    sessions on other threads the memory is reused, and the forwarded TGT went to, or was read from, a
    garbled ccache name ("No credentials cache found", "Unknown credential cache type"), so a delegated
    session was refused as ANONYMOUS LOGON now and then. Bytes are used as they are and live in this dict."""
    return {b"ccache": ccache.encode("utf-8")}


def service_ticket(ccache: str, service: str, fqdn: str) -> tuple[str, float]:
    """Ask the KDC, with the forwarded TGT in ``ccache``, for a ticket to ``service/fqdn``: ('', seconds the
    ticket stays valid, at most) when it was issued, else (the Kerberos error, 0) (an expired TGT, an unknown service)."""
    import gssapi
    try:
        creds = gssapi.Credentials(usage="initiate", store=cred_store(ccache))
        name = gssapi.Name("%s@%s" % (service, fqdn), gssapi.NameType.hostbased_service)
        gssapi.SecurityContext(name=name, creds=creds, usage="initiate").step()
        # A service ticket ends when the TGT it came from ends (or earlier, at the realm's max_life).
        lifetime = creds.lifetime
    except gssapi.exceptions.GSSError as exc:
        return str(exc), 0.0
    return "", float(lifetime or 0)


def gss_context(context):
    """The python-gssapi SecurityContext under a pyspnego acceptor (Negotiate -> GSSAPI proxy), or None.
    pyspnego (pinned 0.12.4) has no public accessor: follow its ``_context`` attributes."""
    inner = context
    for _ in range(3):
        if inner is None:
            return None
        if hasattr(inner, "delegated_creds") and hasattr(inner, "target_name"):
            return inner
        inner = getattr(inner, "_context", None)
    return inner if inner is not None and hasattr(inner, "delegated_creds") else None


def delegated_credentials(context):
    gss = gss_context(context)
    return getattr(gss, "delegated_creds", None) if gss is not None else None


def accepted_service(context) -> str:
    """The service principal the client's ticket was for ('HTTP/fe01.contoso.local@CONTOSO.LOCAL'), or ''."""
    gss = gss_context(context)
    try:
        return str(gss.target_name) if gss is not None and gss.target_name is not None else ""
    except Exception:
        return ""
