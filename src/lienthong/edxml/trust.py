"""Keys and trust for signatures: an agency's signing key, and whom a verifier trusts.

Owns loading keys and certificates once (PEM, PKCS#12) and deciding whether a signer's
certificate chains to a trust anchor at a given time (``cryptography.x509.verification``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import cryptography.exceptions
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import verification

from .errors import KeyLoadError, SignatureUntrustedError


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


@dataclass(frozen=True)
class TrustPolicy:
    """Whom to trust: anchor certificates, whether SHA-1 passes (as weak), and when to check.

    ``intermediates`` are CA certificates known to the operator but not trusted by themselves:
    real messages usually carry only the signer's certificate, so the path to an anchor must be
    completed from here.
    """

    anchors: tuple[x509.Certificate, ...]
    allow_sha1: bool = True
    at: dt.datetime | None = None
    intermediates: tuple[x509.Certificate, ...] = ()

    @classmethod
    def from_pem_files_contents(
        cls,
        contents: list[bytes],
        *,
        allow_sha1: bool = True,
        at: dt.datetime | None = None,
    ) -> TrustPolicy:
        """Anchors from the contents of PEM files, each holding one or more certificates."""
        anchors = [c for data in contents for c in _load_pem_certificates(data, "a trust anchor")]
        return cls(tuple(anchors), allow_sha1=allow_sha1, at=at)

    def validation_time(self) -> dt.datetime:
        if self.at is None:
            return dt.datetime.now(dt.UTC)
        return self.at if self.at.tzinfo else self.at.replace(tzinfo=dt.UTC)


def _signing_key_usage(
    _policy: verification.Policy, _cert: x509.Certificate, usage: x509.KeyUsage | None
) -> None:
    if usage is not None and not (usage.digital_signature or usage.content_commitment):
        raise ValueError(
            "the certificate's KeyUsage allows neither digitalSignature nor nonRepudiation"
        )


# Signing certificates of Vietnamese CAs carry no TLS names and varied extended key usages, so
# the end-entity policy asks only for a signing key usage; CA certificates get the Web PKI rules.
_EE_POLICY = verification.ExtensionPolicy.permit_all().may_be_present(
    x509.KeyUsage, verification.Criticality.AGNOSTIC, _signing_key_usage
)
_CA_POLICY = verification.ExtensionPolicy.webpki_defaults_ca()


def validate_path(
    signer: x509.Certificate, certificates: list[x509.Certificate], policy: TrustPolicy
) -> tuple[x509.Certificate, ...]:
    at = policy.validation_time()
    who = signer.subject.rfc4514_string()
    if at < signer.not_valid_before_utc:
        raise SignatureUntrustedError(
            f"the signer's certificate ({who}) is not valid before "
            f"{signer.not_valid_before_utc:%Y-%m-%d %H:%M} UTC (checked at {at:%Y-%m-%d %H:%M} UTC)"
        )
    if at > signer.not_valid_after_utc:
        raise SignatureUntrustedError(
            f"the signer's certificate ({who}) expired on "
            f"{signer.not_valid_after_utc:%Y-%m-%d %H:%M} UTC (checked at {at:%Y-%m-%d %H:%M} UTC)"
        )
    if not policy.anchors:
        raise SignatureUntrustedError("no trust anchors are configured; no signer can be trusted")
    verifier = (
        verification.PolicyBuilder()
        .store(verification.Store(list(policy.anchors)))
        .time(at)
        .extension_policies(ca_policy=_CA_POLICY, ee_policy=_EE_POLICY)
        .build_client_verifier()
    )
    intermediates = [c for c in certificates if c is not signer] + list(policy.intermediates)
    try:
        verified = verifier.verify(signer, intermediates)
    except verification.VerificationError as exc:
        raise SignatureUntrustedError(
            f"the signer's certificate ({who}, issued by {signer.issuer.rfc4514_string()}) does "
            f"not chain to a trust anchor: {exc}"
        ) from None
    return tuple(verified.chain)
