"""``LabServer``: the WinRM listeners of every simulated host (HTTP and HTTPS on 127.0.0.1, path
/wsman) and, unless told otherwise, the control endpoint. One per lab process."""
from __future__ import annotations

import logging
import socket
import ssl
import threading
from http.server import ThreadingHTTPServer
from typing import Optional

from .wsman.auth import Authenticator
from .wsman.handler import WSManHandler
from .wsman.service import WSManService
from .wsman.shells import ShellManager
from .wsman.tls import channel_binding_hash, ensure_certificate, server_context

log = logging.getLogger("pchat_lab.server")

BIND_ADDRESS = "127.0.0.1"
DEFAULT_MAX_ENVELOPE = 153600


class _Listener(ThreadingHTTPServer):
    """One host's listener. Tracks open connections so stop() can cut keep-alive clients off."""
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256     # bursts of clients (50 threads opening shells at once) must not be reset

    def __init__(self, address, handler, *, lab, service, authenticator, host_name, fqdn,
                 tls_context: Optional[ssl.SSLContext] = None, channel_binding: Optional[bytes] = None):
        self.lab = lab
        self.service = service
        self.authenticator = authenticator
        self.host_name = host_name
        self.fqdn = fqdn
        self.tls = tls_context is not None
        self.tls_context = tls_context
        self.channel_binding = channel_binding
        self._connections: set = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, handler)

    def get_request(self):
        sock, addr = super().get_request()
        if self.tls_context is not None:
            # The handshake runs in the connection's own thread (WSManHandler.setup), so one slow or
            # broken client cannot hold up accept().
            sock = self.tls_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        with self._conn_lock:
            self._connections.add(sock)
        return sock, addr

    def shutdown_request(self, request):
        with self._conn_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._conn_lock:
            connections, self._connections = list(self._connections), set()
        for sock in connections:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address) -> None:
        # Clients that vanish, refuse our certificate or send garbage are routine for a lab.
        log.debug("%s: connection from %s ended with an error", self.host_name, client_address, exc_info=True)


class LabServer:
    def __init__(self, lab, control: bool = True, bind: str = BIND_ADDRESS) -> None:
        self.lab = lab
        self.bind = bind
        topology = lab.topology
        self.shells = ShellManager(int(topology.get("max_shells_per_user", 30)))
        self.service = WSManService(lab, self.shells, int(topology.get("max_envelope_size", DEFAULT_MAX_ENVELOPE)))
        self.authenticator = Authenticator(lab)
        self.with_control = control
        self.control = None
        self._listeners: dict[str, dict[str, _Listener]] = {}
        self._threads: list[threading.Thread] = []
        self.cert_path = None
        self.key_path = None

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> None:
        """Bind every listener and serve in background threads; returns once all are listening."""
        state_dir = self.lab.state_dir
        self.authenticator.write_user_file(state_dir)
        hosts = self.lab.topology["hosts"]
        names = []
        for spec in hosts:
            names += [spec["fqdn"], spec["name"]]
        self.cert_path, self.key_path = ensure_certificate(state_dir / "tls", names)
        context = server_context(self.cert_path, self.key_path)
        binding = channel_binding_hash(self.cert_path)
        try:
            for spec in hosts:
                common = dict(lab=self.lab, service=self.service, authenticator=self.authenticator,
                              host_name=spec["name"], fqdn=spec["fqdn"])
                self._listeners[spec["name"]] = {
                    "http": _Listener((self.bind, int(spec["http_port"])), WSManHandler, **common),
                    "https": _Listener((self.bind, int(spec["https_port"])), WSManHandler, **common,
                                       tls_context=context, channel_binding=binding),
                }
            if self.with_control:
                from .control import ControlServer
                self.control = ControlServer(self.lab, self)
        except OSError:
            self._close_listeners()
            raise
        for name, pair in self._listeners.items():
            for scheme, listener in pair.items():
                thread = threading.Thread(target=listener.serve_forever, kwargs={"poll_interval": 0.2},
                                          name="wsman-%s-%s" % (name, scheme), daemon=True)
                thread.start()
                self._threads.append(thread)
        if self.control is not None:
            self.control.start()
        log.info("lab listening: %s", self.endpoints())

    def stop(self) -> None:
        if self.control is not None:
            self.control.stop()
            self.control = None
        # shutdown() waits for the next poll of serve_forever; do all listeners at once.
        stoppers = [threading.Thread(target=listener.shutdown, daemon=True)
                    for pair in self._listeners.values() for listener in pair.values()]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join(timeout=5)
        self._close_listeners()
        self.shells.close_all()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []

    def _close_listeners(self) -> None:
        for pair in self._listeners.values():
            for listener in pair.values():
                listener.close_connections()
                listener.server_close()
        self._listeners = {}

    def __enter__(self) -> "LabServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- introspection ---------------------------------------------------------------------------
    def endpoints(self) -> dict:
        """{host name: {"http": url, "https": url}} with the ports actually bound."""
        result = {}
        for name, pair in self._listeners.items():
            result[name] = {scheme: "%s://%s:%d/wsman" % (scheme, self.bind, listener.server_address[1])
                            for scheme, listener in pair.items()}
        return result

    def reset(self) -> None:
        """Close every shell, then put the lab back to its initial state."""
        self.shells.close_all()
        self.lab.reset()
