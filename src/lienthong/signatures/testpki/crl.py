"""Certificate revocation lists of the test PKI, built from its state at the moment asked.

certomancer dates a CRL on a fixed schedule counted from the CA's start, so a revocation would
only show at the next scheduled issue; here ``thisUpdate`` is the time of the request and the
list holds every revocation dated at or before it, so ``revoke`` shows at once, as OCSP does.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..errors import PkiError
from .records import Layout, PkiState

# How long a CRL says it stays current; verifiers fetch anew after that.
CRL_LIFETIME: Final = dt.timedelta(days=1)


def current_crl(
    layout: Layout, state: PkiState, ca: str, *, url: str, at: dt.datetime
) -> x509.CertificateRevocationList:
    """The CRL of CA ``ca`` as of ``at``, signed by the CA, distribution point ``url``."""
    ca_record = state.get(ca)
    ca_cert = x509.load_pem_x509_certificate(layout.cert(ca_record).read_bytes())
    ca_key = _issuer_key(layout.key(ca_record).read_bytes())
    this_update = at.astimezone(dt.UTC).replace(microsecond=0)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(this_update)
        .next_update(this_update + CRL_LIFETIME)
        # Any increasing number will do; seconds since the epoch increase with the time asked.
        .add_extension(x509.CRLNumber(int(this_update.timestamp())), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.IssuingDistributionPoint(
                full_name=[x509.UniformResourceIdentifier(url)],
                relative_name=None,
                only_contains_user_certs=False,
                only_contains_ca_certs=False,
                only_some_reasons=None,
                indirect_crl=False,
                only_contains_attribute_certs=False,
            ),
            critical=True,
        )
    )
    for record in state.issued_by(ca):
        revocation = record.revocation
        if revocation is None or revocation.at > this_update:
            continue
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(record.serial)
            .revocation_date(revocation.at)
            .add_extension(x509.CRLReason(x509.ReasonFlags[revocation.reason]), critical=False)
            .build()
        )
        builder = builder.add_revoked_certificate(entry)
    return builder.sign(ca_key, hashes.SHA256())


def _issuer_key(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise PkiError("a CA key of the test PKI cannot sign; the folder is damaged")
    return key
