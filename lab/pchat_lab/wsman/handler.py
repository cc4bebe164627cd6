"""The /wsman HTTP endpoint of one simulated host: authentication (Basic; NTLM or Kerberos through
Negotiate and CredSSP, each with one acceptor per TCP connection), MS-WSMV message encryption, envelope
size limits, fault injection, and the hand-off to WSManService. HTTP/1.1 keep-alive, one thread per
connection. The caller reaches the service as a ``Principal``: its name plus how it logged on, which
decides whether its commands may cross a second hop (pchat_lab.auth)."""
from __future__ import annotations

import base64
import binascii
import logging
import socket
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Optional
from urllib.parse import urlsplit

from ..auth import credssp, kerberos
from ..auth.logon import BASIC, CREDSSP, KERBEROS, NTLM, Logon, Principal
from . import auth, faults
from . import envelope as env
from .service import DropConnection

log = logging.getLogger("pchat_lab.wsman")

SOAP_CONTENT_TYPE = "application/soap+xml;charset=UTF-8"
HARD_BODY_LIMIT = 8 * 1024 * 1024     # beyond this the body is not even read: the connection is closed


class WSManHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-HTTPAPI/2.0"
    sys_version = ""
    # Idle keep-alive connections are dropped after this long. Generous: an NTLM client whose sealed
    # connection is dropped cannot re-authenticate the request it already encrypted.
    timeout = 1800

    # --- connection ------------------------------------------------------------------------------
    def setup(self) -> None:
        if getattr(self.server, "tls", False):
            self.request.settimeout(10)
            self.request.do_handshake()
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self.negotiate = None          # this connection's pyspnego acceptor
        self.negotiate_user: Optional[str] = None
        self.credssp = None            # this connection's CredSSP acceptor
        self.sealer = ""               # "spnego" or "credssp": what sealed the request being served
        self.final_token = None

    def log_message(self, fmt: str, *args) -> None:
        log.debug("%s %s: " + fmt, self.server.host_name, self.client_address[0], *args)

    # --- HTTP methods ----------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._reply(405, b"", "text/plain", [("Allow", "POST")])

    do_PUT = do_DELETE = do_HEAD = do_GET

    def do_POST(self) -> None:
        lab = self.server.lab
        host = self.server.host_name
        lab.faults.delay(host)
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True
            self._reply(411, b"", "text/plain")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > HARD_BODY_LIMIT:
            self.close_connection = True
            self._fault(faults.encoding_limit(self.server.service.server_max_envelope,
                                              "The HTTP body (%s bytes) is far beyond MaxEnvelopeSize." % length),
                        encrypt=False)
            return
        body = self.rfile.read(length) if length else b""
        if urlsplit(self.path).path.rstrip("/").lower() != "/wsman":
            self._reply(404, b"", "text/plain")
            return

        user = self._authenticate()
        if user is None:
            return
        access = self._access(user)
        if access == "unauthorized":
            # Authenticated, but no group of this host lets the account use WinRM: 401 as for a bad password.
            self._unauthorized("%s is not authorized on %s" % (user, host), attempted=user)
            return
        content_type = self.headers.get("Content-Type") or ""
        self.sealer = ""
        encrypted = auth.is_encrypted(content_type) or credssp.is_encrypted(content_type)
        if auth.is_encrypted(content_type):
            if self.negotiate is None or not self.negotiate.complete:
                self._unauthorized("encrypted body on a connection without an NTLM or Kerberos context")
                return
            try:
                body = auth.unwrap_body(self.negotiate, body)
            except auth.AuthError as exc:
                self.negotiate, self.negotiate_user = None, None
                self._unauthorized(str(exc))
                return
            self.sealer = "spnego"
        elif credssp.is_encrypted(content_type):
            if self.credssp is None or not self.credssp.complete:
                self._unauthorized("CredSSP-encrypted body on a connection without a CredSSP context")
                return
            try:
                body = credssp.unwrap_body(self.credssp, body)
            except credssp.FramingError as exc:
                self.credssp, self.negotiate_user = None, None
                self._unauthorized(str(exc))
                return
            self.sealer = "credssp"
        elif not body:
            # The blank POST with which a client sets its context up before encrypting.
            if (self.negotiate is not None and self.negotiate.complete) or (
                    self.credssp is not None and self.credssp.complete):
                self._reply(200, b"", SOAP_CONTENT_TYPE, self._final_token_header())
            else:
                self._fault(faults.schema_validation("The request has no SOAP envelope."), encrypt=False)
            return
        elif "application/soap+xml" not in content_type.lower():
            self._reply(415, b"", "text/plain")
            return
        self._serve(host, user, body, encrypted, denied=access == "denied")

    # --- authentication --------------------------------------------------------------------------
    def _authenticate(self) -> Optional[str]:
        """The caller as 'CONTOSO\\name', or None after answering 401 (or a handshake leg)."""
        header = self.headers.get("Authorization") or ""
        scheme, _, value = header.partition(" ")
        scheme = scheme.lower()
        if scheme == "basic":
            user = self.server.authenticator.basic(value)
            if user is None:
                self._unauthorized("Basic credentials rejected", attempted=_basic_user(value))
                return None
            return Principal(user, Logon(BASIC, user=user))
        if scheme in ("negotiate", "ntlm", "kerberos"):
            return self._negotiate_step(header.partition(" ")[0], value)
        if scheme == "credssp":
            return self._credssp_step(value)
        if not header and self.negotiate_user is not None:
            return self.negotiate_user
        if not header:
            self._challenge()
        else:
            self._unauthorized("unsupported scheme %r" % scheme)
        return None

    def _negotiate_step(self, scheme: str, value: str) -> Optional[str]:
        try:
            token = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            self._unauthorized("malformed %s token" % scheme)
            return None
        if self.negotiate is None or self.negotiate.complete:
            self.negotiate = self.server.authenticator.new_context(self.server.channel_binding)
            self.negotiate_user = None
        try:
            out = self.negotiate.step(token)
        except Exception as exc:  # bad password, unknown user, bad token: all the same 401
            self.negotiate = None
            self._unauthorized("%s handshake failed: %s" % (scheme, type(exc).__name__))
            return None
        if not self.negotiate.complete:
            self._reply(401, b"", "text/plain",
                        [("WWW-Authenticate", "%s %s" % (scheme, base64.b64encode(out or b"").decode()))])
            return None
        user = self.server.authenticator.ntlm_principal(self.negotiate)
        if user is None:
            self.negotiate = None
            self._unauthorized("%s principal is not a lab account" % scheme)
            return None
        logon = self._negotiate_logon(user)
        if logon is None:
            why = "Kerberos ticket for %s, not for this host" % (kerberos.accepted_service(self.negotiate) or "?")
            self.negotiate = None
            self._unauthorized(why)
            return None
        user = Principal(user, logon)
        self.negotiate_user = user
        self.final_token = (scheme, out)
        return user

    def _negotiate_logon(self, user: str) -> Optional[Logon]:
        """NTLM: a network logon. Kerberos: delegated when the client forwarded its TGT; None when the
        ticket was for another host's SPN (the keytab holds every host's key; each listener is one host)."""
        if (self.negotiate.negotiated_protocol or "").lower() != "kerberos":
            return Logon(NTLM, user=user)
        realm = getattr(self.server.lab, "realm", None)
        if realm is None:
            return None
        if kerberos.accepted_service(self.negotiate).lower() != ("HTTP/%s@%s" % (self.server.fqdn, realm.name)).lower():
            return None
        ccache = realm.store_delegated(self.negotiate, user)
        return Logon(KERBEROS, user=user, delegated=bool(ccache), delegated_user=user if ccache else "",
                     ticket_cache=ccache)

    def _credssp_step(self, value: str) -> Optional[str]:
        """One leg of MS-CSSP (TLS, inner Negotiate, public key, credentials). The leg that carries
        the delegated credentials is answered by the request itself (200)."""
        try:
            token = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            self._unauthorized("malformed CredSSP token")
            return None
        if self.credssp is None or self.credssp.complete:
            self.credssp = credssp.new_context(self.server.fqdn)
            self.negotiate_user = None
        try:
            out = self.credssp.step(token)
        except Exception as exc:  # broken TLS, bad token: a 401 without a token
            self.credssp = None
            self._unauthorized("CredSSP handshake failed: %s" % type(exc).__name__)
            return None
        if not self.credssp.complete:
            if not out:
                self.credssp = None
                self._unauthorized("CredSSP authentication failed")
                return None
            # Either the next leg or, after a wrong password, the TSRequest carrying the NTSTATUS.
            self._reply(401, b"", "text/plain", [("WWW-Authenticate", "CredSSP %s" % base64.b64encode(out).decode())])
            return None
        delegated = credssp.delegated_password_credential(self.credssp)
        user = self.server.authenticator.delegated_principal(delegated) if delegated else None
        if user is None:
            self.credssp = None
            self._unauthorized("CredSSP delegated credentials are not those of a lab account")
            return None
        user = Principal(user, Logon(CREDSSP, user=user, delegated=True, delegated_user=user))
        self.negotiate_user = user
        return user

    def _unauthorized(self, why: str, attempted: str = "") -> None:
        """Credentials rejected (wrong password and unknown user look the same)."""
        log.info("%s: 401 for %s (%s)", self.server.host_name, self.client_address[0], why)
        self.server.lab.log.add(host=self.server.host_name, user=attempted, action="Unauthorized", status=401)
        self._challenge(logged=True)

    def _challenge(self, logged: bool = False) -> None:
        """A request without credentials: the 401 that starts every NTLM handshake."""
        if not logged:
            self.server.lab.log.add(host=self.server.host_name, user="", action="Challenge", status=401)
        headers = [("WWW-Authenticate", "Negotiate"), ("WWW-Authenticate", "NTLM")]
        if getattr(self.server.lab, "realm", None) is not None:
            headers.append(("WWW-Authenticate", "Kerberos"))
        headers += [("WWW-Authenticate", "CredSSP"), ("WWW-Authenticate", 'Basic realm="WSMAN"')]
        self._reply(401, b"", "text/plain", headers)

    # --- SOAP ------------------------------------------------------------------------------------
    def _access(self, user: str) -> str:
        """"allowed", "denied" or "unauthorized" for this host (see SimHost.winrm_access)."""
        lab = self.server.lab
        account = lab.account(user)
        if account is None:
            return "unauthorized"
        return lab.host(self.server.host_name).winrm_access(account)

    def _serve(self, host: str, user: str, body: bytes, encrypted: bool, denied: bool = False) -> None:
        service = self.server.service
        request = None
        try:
            if len(body) > service.server_max_envelope:
                raise faults.encoding_limit(service.server_max_envelope)
            request = env.parse_request(body)
            limit = service.envelope_limit(request)
            if len(body) > limit:
                raise faults.encoding_limit(limit)
            if denied:
                raise faults.access_denied()
            reply = service.handle(host, user, request, self._endpoint(), self.client_address[0])
        except faults.WSManFault as fault:
            self.server.lab.log.add(host=host, user=user, action=fault.name,
                                    shell_id=(request.shell_id or "") if request else "", status=500)
            self._fault(fault, encrypt=encrypted, relates_to=request.message_id if request else "")
            return
        except DropConnection:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        except Exception:  # a bug here must cost one request, never the listener
            log.exception("%s: internal error", host)
            fault = faults.WSManFault("InternalError", 2150858755, "w:InternalError",
                                      "The WS-Management service cannot process the request. ",
                                      "The lab hit an internal error; see its log.", soap_code="s:Receiver")
            self._fault(fault, encrypt=encrypted, relates_to=request.message_id if request else "")
            return
        self._send_soap(200, reply, encrypted)

    def _fault(self, fault: faults.WSManFault, encrypt: bool, relates_to: str = "") -> None:
        self._send_soap(500, fault.to_xml(self.server.fqdn, relates_to), encrypt)

    def _send_soap(self, status: int, payload: bytes, encrypt: bool) -> None:
        headers = self._final_token_header()
        if encrypt and self.sealer == "credssp":
            body, content_type = credssp.wrap_body(self.credssp, payload)
            self._reply(status, body, content_type, headers)
        elif encrypt:
            self._reply(status, auth.wrap_body(self.negotiate, payload), auth.ENCRYPTED_CONTENT_TYPE, headers)
        else:
            self._reply(status, payload, SOAP_CONTENT_TYPE, headers)

    def _final_token_header(self) -> list:
        """The acceptor's last token (SPNEGO mechListMIC), sent once with the first authenticated reply."""
        final, self.final_token = self.final_token, None
        if final and final[1]:
            return [("WWW-Authenticate", "%s %s" % (final[0], base64.b64encode(final[1]).decode()))]
        return []

    # --- plumbing --------------------------------------------------------------------------------
    def _endpoint(self) -> str:
        scheme = "https" if getattr(self.server, "tls", False) else "http"
        return "%s://%s:%d/wsman" % (scheme, self.server.fqdn, self.server.server_address[1])

    def _reply(self, status: int, body: bytes, content_type: str, headers=()) -> None:
        """Status line, headers and body in one write (no Nagle/delayed-ACK stall between them)."""
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = ""
        lines = ["HTTP/1.1 %d %s" % (status, phrase), "Server: %s" % self.server_version,
                 "Date: %s" % formatdate(usegmt=True), "Content-Type: %s" % content_type,
                 "Content-Length: %d" % len(body)]
        lines += ["%s: %s" % pair for pair in headers]
        if self.close_connection:
            lines.append("Connection: close")
        self.log_request(status, len(body))
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


def _basic_user(value: str) -> str:
    try:
        return base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")[0][:100]
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""
