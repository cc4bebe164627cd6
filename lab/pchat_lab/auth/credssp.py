"""CredSSP on the WinRM listener (MS-CSSP through pyspnego's acceptor) and its message encryption
(MS-WSMV 2.2.9.1.3: multipart/encrypted, or multipart/x-multi-encrypted for bodies over 16 KB, with
protocol="application/HTTP-CredSSP-session-encrypted"; each part is <int32 trailer length><TLS records>).

The TLS inside CredSSP runs in the HTTP headers, so it works on plain HTTP as on HTTPS. pyspnego makes
its own self-signed certificate for it (the client does not validate it, as against Windows)."""
from __future__ import annotations

import struct

import spnego
from spnego.exceptions import SpnegoError

PROTOCOL = "application/HTTP-CredSSP-session-encrypted"
CHUNK = 16384                      # Windows seals at most 16 KB of SOAP per part
SEC_E_LOGON_DENIED = 0x8009030C - (1 << 32)     # pyspnego keeps status codes as signed int32
STATUS_LOGON_FAILURE = 0xC000006D - (1 << 32)
_BOUNDARY = b"--Encrypted Boundary"
_OCTET_HEADER = b"\tContent-Type: application/octet-stream\r\n"
_END = _BOUNDARY + b"--\r\n"


class FramingError(Exception):
    """The encrypted body cannot be opened (the HTTP layer answers 401)."""


def new_context(fqdn: str):
    """One CredSSP acceptor per TCP connection; its inner authentication is Negotiate (NTLM from the
    lab's user file, Kerberos from the listener's keytab when the realm runs)."""
    context = spnego.server(protocol="credssp", hostname=fqdn, service="HTTP")
    # pyspnego (pinned 0.12.4) makes this inner acceptor lazily when the attribute is unset.
    context._auth_context = _WindowsLogonStatus(spnego.server(protocol="negotiate", hostname=fqdn, service="HTTP"))
    return context


class _WindowsLogonStatus:
    """The inner acceptor, whose logon failure the TSRequest reports as Windows does:
    STATUS_LOGON_FAILURE (0xC000006D; pywinrm users see requests-credssp's NTStatusException with it),
    not pyspnego's SSPI code SEC_E_LOGON_DENIED."""

    def __init__(self, inner) -> None:
        self._inner = inner

    def step(self, *args, **kwargs):
        try:
            return self._inner.step(*args, **kwargs)
        except SpnegoError as error:
            if error.nt_status == SEC_E_LOGON_DENIED:
                error._SSPI_CODE = STATUS_LOGON_FAILURE
            raise

    def __getattr__(self, name):
        return getattr(self._inner, name)


def is_encrypted(content_type: str) -> bool:
    lowered = content_type.lower()
    return ("multipart/encrypted" in lowered or "multipart/x-multi-encrypted" in lowered) \
        and PROTOCOL.lower() in lowered


def unwrap_body(context, body: bytes) -> bytes:
    """The SOAP text of an encrypted body (every part pair, in order)."""
    if not body.startswith(_BOUNDARY + b"\r\n") or not body.endswith(_END):
        raise FramingError("encrypted body without the Encrypted Boundary framing")
    parts = [p for p in body[:-len(_END)].split(_BOUNDARY + b"\r\n") if p]
    if not parts or len(parts) % 2:
        raise FramingError("encrypted body has unpaired MIME parts")
    plain = b""
    for header, payload in zip(parts[0::2], parts[1::2]):
        marker = header.find(b"Length=")
        if marker < 0:
            raise FramingError("encrypted part has no OriginalContent Length")
        try:
            length = int(header[marker + 7:].split(b"\r\n", 1)[0].strip())
        except ValueError:
            raise FramingError("encrypted part has a bad OriginalContent Length")
        if not payload.startswith(_OCTET_HEADER) or len(payload) < len(_OCTET_HEADER) + 4:
            raise FramingError("encrypted part is not application/octet-stream")
        sealed = payload[len(_OCTET_HEADER) + 4:]
        try:
            chunk = context.unwrap(sealed).data
        except Exception as exc:  # TLS record that does not belong to this context
            raise FramingError("cannot unseal the message: %s" % type(exc).__name__)
        if len(chunk) != length:
            raise FramingError("unsealed length differs from OriginalContent Length")
        plain += chunk
    return plain


def wrap_body(context, plain: bytes) -> tuple[bytes, str]:
    """(body, content type) of a sealed reply, in 16 KB parts as Windows sends them."""
    chunks = [plain[i:i + CHUNK] for i in range(0, len(plain), CHUNK)] or [b""]
    body = b""
    for chunk in chunks:
        sealed = context.wrap(chunk).data
        # The trailer length field is ignored by clients (they let TLS find the record ends).
        body += (_BOUNDARY + b"\r\n"
                 b"\tContent-Type: " + PROTOCOL.encode() + b"\r\n"
                 b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=" + str(len(chunk)).encode()
                 + b"\r\n" + _BOUNDARY + b"\r\n" + _OCTET_HEADER + struct.pack("<i", 0) + sealed)
    kind = "multipart/x-multi-encrypted" if len(chunks) > 1 else "multipart/encrypted"
    return body + _END, '%s;protocol="%s";boundary="Encrypted Boundary"' % (kind, PROTOCOL)


def delegated_password_credential(context):
    """(domain, user, password) the client delegated, or None (smart-card credentials, none yet)."""
    cred = context.get_extra_info("client_credential")
    if cred is None or not hasattr(cred, "password"):
        return None
    return cred.domain_name or "", cred.username or "", cred.password or ""
