"""A small, real test PKI: root CA → intermediate CA → agency signing certificate (RSA-2048).

Certificates are made with ``cryptography`` as a real agency's would be (basic constraints, key
usage, key identifiers) and written as PEM files to a directory, so tests exercise the same code
paths as production. A fuller test PKI will replace this helper.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

UTC = dt.UTC


def _name(common_name: str, organization: str = "Lienthong Test PKI") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class Issued:
    """A certificate and its private key."""

    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def key_pem(self, password: bytes | None = None) -> bytes:
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password)
            if password
            else serialization.NoEncryption()
        )
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )


def issue(
    subject: x509.Name,
    *,
    issuer: Issued | None,
    ca: bool,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> Issued:
    """Issue a certificate for a fresh key; ``issuer=None`` makes a self-signed root."""
    key = new_key()
    now = dt.datetime.now(UTC)
    not_before = not_before or now - dt.timedelta(days=1)
    not_after = not_after or now + dt.timedelta(days=365)
    issuer_name = issuer.cert.subject if issuer else subject
    signing_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()),
            critical=False,
        )
    )
    cert = builder.sign(signing_key, hashes.SHA256())
    return Issued(cert, key)


@dataclass(frozen=True)
class Pki:
    """Root → intermediate → leaf, plus the PEM files written for them."""

    root: Issued
    intermediate: Issued
    leaf: Issued
    directory: Path

    @property
    def root_pem_path(self) -> Path:
        return self.directory / "root.pem"

    @property
    def leaf_cert_path(self) -> Path:
        return self.directory / "leaf.pem"

    @property
    def leaf_key_path(self) -> Path:
        return self.directory / "leaf.key"

    @property
    def chain_path(self) -> Path:
        return self.directory / "chain.pem"

    def issue_leaf(
        self,
        common_name: str,
        *,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
    ) -> Issued:
        """Another signing certificate under the same intermediate (e.g. an expired one)."""
        return issue(
            _name(common_name),
            issuer=self.intermediate,
            ca=False,
            not_before=not_before,
            not_after=not_after,
        )


def make_pki(directory: Path, *, organization: str = "Lienthong Test PKI") -> Pki:
    """Create the chain and write ``root.pem``, ``chain.pem``, ``leaf.pem``, ``leaf.key``."""
    root = issue(_name("Test Root CA", organization), issuer=None, ca=True)
    intermediate = issue(_name("Test Agency CA", organization), issuer=root, ca=True)
    leaf = issue(_name("Văn phòng Chính phủ", organization), issuer=intermediate, ca=False)
    directory.mkdir(parents=True, exist_ok=True)
    pki = Pki(root, intermediate, leaf, directory)
    pki.root_pem_path.write_bytes(root.cert_pem())
    pki.chain_path.write_bytes(intermediate.cert_pem())
    pki.leaf_cert_path.write_bytes(leaf.cert_pem())
    pki.leaf_key_path.write_bytes(leaf.key_pem())
    return pki
