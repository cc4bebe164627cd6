"""The lab's control endpoint (moto style): a small JSON API on 127.0.0.1:<control_port> to see the
state, reset it, inject faults and read the request log. Loopback only; nothing is protected.

GET /status  GET /state  POST /reset  POST /seed  GET|POST|DELETE /faults  GET|DELETE /log?since=N
GET /endpoints  GET /odbc"""
from __future__ import annotations

import json
import logging
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger("pchat_lab.control")


class _ControlHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pchat-lab-control"

    def log_message(self, fmt, *args) -> None:
        log.debug("control: " + fmt, *args)

    def _send(self, status: int, payload) -> None:
        body = json.dumps(payload, indent=1, default=str).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw.decode("utf-8")) if raw.strip() else {}

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        path = url.path.rstrip("/") or "/"
        api = self.server.api
        try:
            body = self._body() if method in ("POST",) else None
            handler = {
                ("GET", "/status"): lambda: api.status(),
                ("GET", "/state"): lambda: api.state(),
                ("POST", "/reset"): lambda: api.reset(),
                ("POST", "/seed"): lambda: api.seed(body),
                ("GET", "/faults"): lambda: api.lab.faults.list(),
                ("POST", "/faults"): lambda: api.add_fault(body),
                ("DELETE", "/faults"): lambda: api.clear_faults(),
                ("GET", "/log"): lambda: api.lab.log.dump(int(query.get("since", ["0"])[0])),
                ("DELETE", "/log"): lambda: api.clear_log(),
                ("GET", "/endpoints"): lambda: api.server.endpoints(),
                ("GET", "/odbc"): lambda: api.odbc(),
            }.get((method, path))
            if handler is None:
                self._send(404, {"error": "no such endpoint: %s %s" % (method, path)})
                return
            self._send(200, handler())
        except (ValueError, TypeError, json.JSONDecodeError) as exc:
            self._send(400, {"error": str(exc)})
        except Exception as exc:  # report, keep serving
            log.exception("control endpoint error")
            self._send(500, {"error": "%s: %s" % (type(exc).__name__, exc)})

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")


class ControlAPI:
    def __init__(self, lab, server) -> None:
        self.lab = lab
        self.server = server

    def status(self) -> dict:
        return {"running": True, "pid": os.getpid(), "topology": self.lab.topology.get("name", ""),
                "dataset": self.lab.dataset, "state_dir": str(self.lab.state_dir),
                "endpoints": self.server.endpoints(), "shells_open": len(self.server.shells.dump())}

    def state(self) -> dict:
        hosts = []
        for spec in self.lab.topology.get("hosts", []):
            host = self.lab.host(spec["name"])
            entry = {"name": spec["name"], "fqdn": spec["fqdn"], "role": spec.get("role", ""),
                     "http_port": spec.get("http_port"), "https_port": spec.get("https_port")}
            services = _services(host, spec)
            entry["services"] = services
            hosts.append(entry)
        backends = {}
        for name, backend in list(self.lab.backends.items()):
            if hasattr(backend, "dump"):
                backends[name] = backend.dump()
        return {"hosts": hosts, "shells": self.server.shells.dump(), "backends": backends,
                "faults": self.lab.faults.list()}

    def reset(self) -> dict:
        self.server.reset()
        return {"reset": True}

    def seed(self, body) -> dict:
        """Rebuild the lab with another dataset profile and seed: {"profile": "standard", "seed": 3}."""
        from .chatdb.datasets import PROFILES
        body = body if isinstance(body, dict) else {}
        profile = body.get("profile", self.lab.dataset)
        if profile not in PROFILES:
            raise ValueError("unknown dataset profile %r (known: %s)" % (profile, ", ".join(sorted(PROFILES))))
        seed = int(body.get("seed", 0))
        self.lab.dataset, self.lab.seed = profile, seed
        self.server.reset()
        return {"seeded": True, "profile": profile, "seed": seed}

    def add_fault(self, body) -> dict:
        if not isinstance(body, dict):
            raise ValueError("POST /faults takes a JSON object, e.g. {\"kind\": \"drop\", \"host\": \"FE01\"}")
        from dataclasses import asdict
        return asdict(self.lab.faults.add(**body))

    def clear_faults(self) -> dict:
        self.lab.faults.clear()
        return {"cleared": True}

    def clear_log(self) -> dict:
        self.lab.log.clear()
        return {"cleared": True}

    def odbc(self) -> dict:
        result = {}
        for name, backend in list(self.lab.backends.items()):
            if hasattr(backend, "odbc_connection_strings"):
                result[name] = backend.odbc_connection_strings()
        return result


def _services(host, spec) -> list:
    """The host model's services as they are now, else the topology's initial list."""
    services = getattr(host, "services", None) if host is not None else None
    if isinstance(services, dict):
        return [{"name": getattr(svc, "name", ""), "display_name": getattr(svc, "display_name", ""),
                 "status": getattr(svc, "status", ""), "start_type": getattr(svc, "start_type", "")}
                for svc in services.values()]
    return list(spec.get("services", []))


class ControlServer:
    def __init__(self, lab, lab_server, bind: str = "127.0.0.1") -> None:
        port = int(lab.topology.get("control_port", 15980))
        self.httpd = ThreadingHTTPServer((bind, port), _ControlHandler)
        self.httpd.daemon_threads = True
        self.httpd.api = ControlAPI(lab, lab_server)
        self.thread = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return "http://%s:%d" % (host, port)

    def start(self) -> None:
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                       name="lab-control", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self.thread:
            self.thread.join(timeout=5)
