"""An agency's signing key for edXML signatures: loaded once, from PEM or PKCS#12."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import cryptography.exceptions
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from .errors import KeyLoadError


class RawSigner(Protocol):
    """Whatever signs edXML: a key in memory (:class:`SigningKey`) or one on a PKCS#11 token
    (``lienthong.signatures.keys.RawTokenSigner``). RSA PKCS#1 v1.5, as edXML uses."""

    @property
    def certificate(self) -> x509.Certificate: ...

    @property
    def chain(self) -> tuple[x509.Certificate, ...]: ...

    def sign_raw(self, data: bytes, hash_name: str) -> bytes: ...


_HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha1": hashes.SHA1(),  # noqa: S303 - only on explicit request, for old receivers
    "sha256": hashes.SHA256(),
}


@dataclass(frozen=True)
class SigningKey:
    """An agency's signing key, loaded once: the private key, its certificate, the CA chain.

    Signing uses these objects as they are; no PEM is parsed per signature.
    """

    private_key: rsa.RSAPrivateKey = field(repr=False)
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    def __post_init__(self) -> None:
        if self.certificate.public_key() != self.private_key.public_key():
            raise KeyLoadError(
                "the private key does not belong to the certificate "
                f"({self.certificate.subject.rfc4514_string()})"
            )

    def sign_raw(self, data: bytes, hash_name: str) -> bytes:
        return self.private_key.sign(data, padding.PKCS1v15(), _HASHES[hash_name])

    @classmethod
    def from_pem(
        cls,
        key_pem: bytes,
        cert_pem: bytes,
        chain_pem: bytes | None = None,
        password: bytes | None = None,
    ) -> SigningKey:
        """Load a PEM key and certificate; extra certificates after the first, and ``chain_pem``,
        form the chain (issuer first)."""
        try:
            key = serialization.load_pem_private_key(key_pem, password)
        except (ValueError, TypeError, cryptography.exceptions.UnsupportedAlgorithm) as exc:
            raise KeyLoadError(f"cannot read the private key: {exc}") from None
        certs = _load_pem_certificates(cert_pem, "the certificate")
        chain = _load_pem_certificates(chain_pem, "the chain") if chain_pem else []
        return cls(_rsa(key), certs[0], (*certs[1:], *chain))

    @classmethod
    def from_pkcs12(cls, data: bytes, password: bytes | None) -> SigningKey:
        """Load a PKCS#12 (.p12/.pfx) bundle: key, certificate and any CA certificates."""
        try:
            bundle = pkcs12.load_pkcs12(data, password)
        except (ValueError, TypeError, cryptography.exceptions.UnsupportedAlgorithm) as exc:
            raise KeyLoadError(f"cannot read the PKCS#12 bundle: {exc}") from None
        if bundle.key is None or bundle.cert is None:
            raise KeyLoadError("the PKCS#12 bundle holds no private key and certificate")
        chain = tuple(c.certificate for c in bundle.additional_certs)
        return cls(_rsa(bundle.key), bundle.cert.certificate, chain)


def _rsa(key: object) -> rsa.RSAPrivateKey:
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyLoadError("the private key is not an RSA key; edXML signatures use RSA")
    return key


def _load_pem_certificates(data: bytes, what: str) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise KeyLoadError(f"cannot read {what}: {exc}") from None
