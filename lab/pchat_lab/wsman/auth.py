"""Who is calling: HTTP Basic, NTLM or Kerberos (raw or SPNEGO-wrapped, under ``Negotiate``) accepted
by pyspnego, the account behind CredSSP's delegated credentials, plus the MS-WSMV message encryption
NTLM and Kerberos bring on plain HTTP (multipart/encrypted with
protocol="application/HTTP-SPNEGO-session-encrypted").

Accounts come from the topology. Wrong password and unknown user are the same failure (None), so a
401 never tells which one it was. Passwords are never logged; the NTLM credential file pyspnego reads
holds only LM/NT hashes."""
from __future__ import annotations

import base64
import binascii
import hmac
import os
import struct
from pathlib import Path
from typing import Optional

import spnego

USER_FILE_NAME = "ntlm_users"
ENCRYPTED_PROTOCOL = "application/HTTP-SPNEGO-session-encrypted"
ENCRYPTED_CONTENT_TYPE = 'multipart/encrypted;protocol="%s";boundary="Encrypted Boundary"' % ENCRYPTED_PROTOCOL
_BOUNDARY = b"--Encrypted Boundary"
_OCTET_HEADER = b"\tContent-Type: application/octet-stream\r\n"
_END = _BOUNDARY + b"--\r\n"


class AuthError(Exception):
    """The request cannot be authenticated; the HTTP layer answers 401 (message for the server log only)."""


class Authenticator:
    def __init__(self, lab) -> None:
        self.lab = lab
        self.netbios = str(lab.topology.get("netbios", "CONTOSO"))
        self.domain = str(lab.topology.get("domain", "contoso.local"))

    # --- identities ------------------------------------------------------------------------------
    def canonical(self, account: dict) -> str:
        return "%s\\%s" % (self.netbios, account["user"])

    def _account_for(self, user: str) -> Optional[dict]:
        """The account a client-supplied user name denotes, refusing names in a foreign domain."""
        if "\\" in user:
            domain = user.split("\\", 1)[0].lower()
            if domain not in (self.netbios.lower(), self.domain.lower(), "."):
                return None
        elif "@" in user:
            domain = user.split("@", 1)[1].lower()
            if domain not in (self.netbios.lower(), self.domain.lower()):
                return None
        return self.lab.account(user)

    def basic(self, encoded: str) -> Optional[str]:
        """``Authorization: Basic <encoded>`` -> 'CONTOSO\\user', or None."""
        try:
            user, _, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        account = self._account_for(user)
        if account is None:
            hmac.compare_digest(password.encode(), b"-")  # same work for unknown users
            return None
        if not hmac.compare_digest(password.encode("utf-8"), str(account.get("password", "")).encode("utf-8")):
            return None
        return self.canonical(account)

    def delegated_principal(self, credential: tuple) -> Optional[str]:
        """CredSSP: the account whose (domain, user, password) the client delegated, or None when they
        are not a lab account's (the password is checked: it is what the second hop will present)."""
        domain, user, password = credential
        name = "%s\\%s" % (domain, user) if domain else user
        account = self._account_for(name)
        if account is None:
            return None
        if not hmac.compare_digest(password.encode("utf-8"), str(account.get("password", "")).encode("utf-8")):
            return None
        return self.canonical(account)

    def ntlm_principal(self, context) -> Optional[str]:
        principal = context.client_principal or ""
        account = self._account_for(principal) if principal else None
        return self.canonical(account) if account else None

    # --- NTLM ------------------------------------------------------------------------------------
    def write_user_file(self, state_dir: Path) -> Path:
        """The credential store pyspnego's NTLM acceptor reads (env NTLM_USER_FILE), in smbpasswd form
        (hashes only), one line per way a client may spell the user: bare, NETBIOS\\user, FQDN\\user,
        user@fqdn."""
        from spnego._ntlm_raw.crypto import lmowfv1, ntowfv1  # the acceptor's own hash functions

        lines = []
        for account in self.lab.topology.get("accounts", []):
            user, password = account["user"], str(account.get("password", ""))
            lm = binascii.hexlify(lmowfv1(password)).decode().upper()
            nt = binascii.hexlify(ntowfv1(password)).decode().upper()
            for name in (user, "%s\\%s" % (self.netbios, user), "%s\\%s" % (self.domain, user),
                         "%s@%s" % (user, self.domain)):
                lines.append("%s:0:%s:%s:[U]:LCT-00000000" % (name, lm, nt))
        path = Path(state_dir) / USER_FILE_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        os.chmod(path, 0o600)
        os.environ["NTLM_USER_FILE"] = str(path)
        return path

    @staticmethod
    def new_context(channel_bindings: Optional[bytes] = None):
        """One acceptor per TCP connection. ``negotiate`` accepts raw NTLMSSP tokens and SPNEGO ones."""
        bindings = None
        if channel_bindings:
            bindings = spnego.channel_bindings.GssChannelBindings(
                application_data=b"tls-server-end-point:" + channel_bindings)
        return spnego.server(protocol="negotiate", channel_bindings=bindings)


# --- message encryption (MS-WSMV 2.2.9.1.1) -------------------------------------------------------

def is_encrypted(content_type: str) -> bool:
    return "multipart/encrypted" in content_type.lower() and ENCRYPTED_PROTOCOL.lower() in content_type.lower()


def unwrap_body(context, body: bytes) -> bytes:
    """The SOAP text inside one encrypted MIME body; AuthError when it cannot be opened."""
    if not body.startswith(_BOUNDARY + b"\r\n") or not body.endswith(_END):
        raise AuthError("encrypted body without the Encrypted Boundary framing")
    second = body.find(_BOUNDARY + b"\r\n", len(_BOUNDARY) + 2)
    if second < 0:
        raise AuthError("encrypted body has one MIME part")
    header = body[len(_BOUNDARY) + 2:second]
    marker = header.find(b"Length=")
    if marker < 0:
        raise AuthError("encrypted body has no OriginalContent Length")
    try:
        length = int(header[marker + 7:].split(b"\r\n", 1)[0].strip())
    except ValueError:
        raise AuthError("encrypted body has a bad OriginalContent Length")
    payload = body[second + len(_BOUNDARY) + 2:-len(_END)]
    if not payload.startswith(_OCTET_HEADER):
        raise AuthError("encrypted part is not application/octet-stream")
    payload = payload[len(_OCTET_HEADER):]
    if len(payload) < 4:
        raise AuthError("encrypted part is truncated")
    sig_len = struct.unpack("<i", payload[:4])[0]
    if sig_len < 0 or sig_len > len(payload) - 4:
        raise AuthError("encrypted part has a bad signature length")
    signature, sealed = payload[4:4 + sig_len], payload[4 + sig_len:]
    try:
        plain = context.unwrap_winrm(signature, sealed)
    except Exception as exc:  # bad seal or signature: the context no longer matches the client
        raise AuthError("cannot unseal the message: %s" % type(exc).__name__)
    if len(plain) != length:
        raise AuthError("unsealed length differs from OriginalContent Length")
    return plain


def wrap_body(context, plain: bytes) -> bytes:
    wrapped = context.wrap_winrm(plain)
    return (_BOUNDARY + b"\r\n"
            b"\tContent-Type: " + ENCRYPTED_PROTOCOL.encode() + b"\r\n"
            b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=" + str(len(plain)).encode() + b"\r\n"
            + _BOUNDARY + b"\r\n" + _OCTET_HEADER
            + struct.pack("<i", len(wrapped.header)) + wrapped.header + wrapped.data + _END)
