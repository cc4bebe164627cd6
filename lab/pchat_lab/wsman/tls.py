"""The HTTPS listeners' certificate: self-signed, made once per state folder and reused, naming every
host FQDN (and short name), localhost and 127.0.0.1 so clients may verify it with ca_trust_path."""
from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import os
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CERT_NAME = "wsman.crt"
KEY_NAME = "wsman.key"


def ensure_certificate(tls_dir: Path, dns_names: list[str]) -> tuple[Path, Path]:
    """(cert path, key path); created when missing or when it does not name every host."""
    tls_dir = Path(tls_dir)
    tls_dir.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = tls_dir / CERT_NAME, tls_dir / KEY_NAME
    wanted = sorted({n.lower() for n in dns_names} | {"localhost"})
    if cert_path.exists() and key_path.exists() and _names_in(cert_path) >= set(wanted):
        return cert_path, key_path

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, wanted[0] if wanted else "localhost"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "pchat-lab")])
    now = dt.datetime.now(dt.timezone.utc)
    san = [x509.DNSName(n) for n in wanted] + [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    public = key.public_key()
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject).public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.SubjectAlternativeName(san), critical=False)
            # A self-signed certificate given as ca_trust_path is its own trust anchor.
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=True, key_cert_sign=True,
                                         content_commitment=False, data_encipherment=False, key_agreement=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
            .sign(key, hashes.SHA256()))
    key_bytes = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                  serialization.NoEncryption())
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key_bytes)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def _names_in(cert_path: Path) -> set:
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        return {n.lower() for n in san.get_values_for_type(x509.DNSName)}
    except Exception:  # unreadable or foreign file: make a new one
        return set()


def server_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(cert_path), str(key_path))
    return context


def channel_binding_hash(cert_path: Path) -> bytes:
    """RFC 5929 tls-server-end-point: the hash of the DER certificate (SHA-256 for a SHA-256 signature),
    which an NTLM client over HTTPS binds into its response (pywinrm send_cbt=True)."""
    cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest()
