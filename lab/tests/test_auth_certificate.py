"""Client certificate authentication (pywinrm transport='certificate', Ansible's ansible_winrm_cert_pem /
ansible_winrm_cert_key_pem): the lab configures no certificate mapping on any host, as a server where
Auth/Certificate is off or no `WSMan:\\localhost\\ClientCertificate` entry maps the certificate to a local
account, so WinRM answers 401 and UNMODIFIED pywinrm users read what they read against such a Windows
server: "the specified credentials were rejected by the server" [DOC: pywinrm #311, ansible #65794]."""
from __future__ import annotations

import datetime as dt

import pytest
import winrm
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from winrm.exceptions import InvalidCredentialsError

from conftest import requires_powershell

pytestmark = requires_powershell


@pytest.fixture(scope="module")
def client_certificate(tmp_path_factory):
    """A client-authentication certificate for lyncadmin, as Ansible's guide makes one with openssl."""
    folder = tmp_path_factory.mktemp("client-cert")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lyncadmin")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_pem, key_pem = folder / "cert.pem", folder / "cert_key.pem"
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                          serialization.NoEncryption()))
    return str(cert_pem), str(key_pem)


def test_a_client_certificate_without_a_mapping_is_rejected_as_windows_rejects_it(lab, lab_server, endpoints,
                                                                                  client_certificate):
    cert_pem, key_pem = client_certificate
    start = len(lab.log.dump())
    session = winrm.Session(endpoints["FE01"]["https"], auth=(None, None), transport="certificate",
                            cert_pem=cert_pem, cert_key_pem=key_pem, server_cert_validation="ignore")
    with pytest.raises(InvalidCredentialsError) as caught:
        session.run_cmd("whoami")
    assert str(caught.value) == "the specified credentials were rejected by the server"
    entries = lab.log.dump(start)
    assert [(e["action"], e["status"]) for e in entries] == [("Unauthorized", 401)]
    assert not [e for e in entries if e["action"] in ("Create", "Command")]
