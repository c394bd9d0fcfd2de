"""Whom a verifier trusts, and how revocation is checked: one policy for PDF and edXML checks.

A :class:`ValidationPolicy` names the trust anchors (files or folders), known intermediate
certificates, the revocation mode, whether responders may be asked over the network, and the
moment of validation. It builds the ``pyhanko_certvalidator.ValidationContext`` that pyHanko's
PDF validation uses, and :func:`validate_certificate` uses the same context for an edXML signer.

Revocation modes (pyhanko-certvalidator's, documented here because operators choose them):

* ``hard-fail`` (default): a certificate that names a responder (OCSP or CRL) must have its
  status established; a responder that is down makes the signer **not trusted** (reason: the
  revocation status is unknown). Embedded revocation data (B-LT/B-LTA PDFs) counts.
* ``soft-fail``: responders that cannot be reached are ignored (a warning); a certificate
  that is reported revoked is still refused.
* ``require``: every certificate in the path must have revocation information, responder
  pointers or not.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    InsufficientRevinfoError,
    InvalidCertificateError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
)
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend
from pyhanko_certvalidator.path import ValidationPath

from .errors import TrustError
from .revocation import REVOCATION_MODES, RevocationMode

_SHA256 = SHA256()


@dataclass(frozen=True)
class ValidationPolicy:
    """Trust anchors, known intermediates, revocation mode, network use and moment."""

    anchors: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...] = ()
    revocation: RevocationMode = "hard-fail"
    fetch: bool = True
    at: dt.datetime | None = None
    # SHA-1 in certificate signatures: older national CA chains use it. Accepted (reported as
    # weak by the callers) unless refused here.
    allow_sha1: bool = True
    # Recent positive verdicts per signer (live checks only): see VerdictCache.
    cache: VerdictCache | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.revocation not in REVOCATION_MODES:
            raise TrustError(
                f"revocation mode {self.revocation!r} is not one of {', '.join(REVOCATION_MODES)}"
            )

    @classmethod
    def from_pem(cls, contents: Sequence[bytes], **options: object) -> ValidationPolicy:
        """Anchors from the contents of certificate files (PEM, one or more each, or DER)."""
        anchors = [c for data in contents for c in load_certificates(data, "a trust anchor")]
        if not anchors:
            raise TrustError("no trust anchor certificate was given")
        return cls(tuple(anchors), **options)  # type: ignore[arg-type]

    @classmethod
    def from_paths(cls, paths: Sequence[Path], **options: object) -> ValidationPolicy:
        """Anchors from PEM or DER files, or folders of them (every file inside, sorted)."""
        anchors: list[x509.Certificate] = []
        for path in paths:
            files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
            for file in files:
                anchors.extend(load_certificates(file.read_bytes(), str(file)))
        if not anchors:
            raise TrustError("no trust anchor certificate was found in the given paths")
        return cls(tuple(anchors), **options)  # type: ignore[arg-type]

    def moment(self) -> dt.datetime:
        if self.at is None:
            return dt.datetime.now(dt.UTC)
        return self.at if self.at.tzinfo else self.at.replace(tzinfo=dt.UTC)

    def validation_context(
        self,
        *,
        at: dt.datetime | None = None,
        crls: Iterable[bytes] = (),
        ocsps: Iterable[bytes] = (),
        other_certs: Iterable[x509.Certificate] = (),
        past: bool = False,
    ) -> ValidationContext:
        """A fresh pyhanko-certvalidator context for one validation (contexts hold caches).

        ``past``: validation as of a proven earlier moment (a signature timestamp's), where
        revocation data obtained after that moment is the proof that the certificate was not
        revoked then (ETSI EN 319 102-1 past validation); data whose validity ended before the
        moment is still refused."""
        weak = {"md2", "md5"} if self.allow_sha1 else {"md2", "md5", "sha1"}
        return ValidationContext(
            trust_roots=[to_asn1(c) for c in self.anchors],
            other_certs=[to_asn1(c) for c in (*self.intermediates, *other_certs)],
            moment=at or self.moment(),
            allow_fetching=self.fetch,
            revocation_mode=self.revocation,
            crls=list(crls),
            ocsps=list(ocsps),
            weak_hash_algos=weak,
            retroactive_revinfo=past,
            # requests, not aiohttp: a context is made per check and an aiohttp session would
            # be left open each time.
            fetcher_backend=RequestsFetcherBackend() if self.fetch else None,
        )


def load_certificates(data: bytes, where: str = "the certificate file") -> list[x509.Certificate]:
    """Every certificate in PEM data (one or more), or one DER certificate."""
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise TrustError(f"cannot read {where}: {exc}") from None


def to_asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))


class VerdictCache:
    """Recent positive verdicts, so that a hub checking thousands of messages from one agency
    does not rebuild the path and ask the responder again for each (about 2.4 ms each, more
    with the network). An entry lives ``ttl`` seconds — the freshness an operator accepts for
    revocation status, like an OCSP response's — and never past the signer's expiry."""

    def __init__(self, ttl: float = 300.0, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[tuple[bytes, ...], tuple[float, CertificateVerdict]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[bytes, ...]) -> CertificateVerdict | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            stored, verdict = found
            if time.monotonic() - stored > self.ttl or verdict.chain[0].not_valid_after_utc < (
                dt.datetime.now(dt.UTC)
            ):
                del self._entries[key]
                return None
            return verdict

    def put(self, key: tuple[bytes, ...], verdict: CertificateVerdict) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.pop(next(iter(self._entries)))
            self._entries[key] = (time.monotonic(), verdict)


@dataclass(frozen=True)
class CertificateVerdict:
    """Whether a signer's certificate is trusted at the policy's moment, and why not."""

    trusted: bool
    chain: tuple[x509.Certificate, ...]
    revocation: Literal["good", "revoked", "unknown", "not-checked"]
    reason: str | None = None


def validate_certificate(
    signer: x509.Certificate,
    intermediates: Iterable[x509.Certificate],
    policy: ValidationPolicy,
    *,
    key_usage: frozenset[str] = frozenset({"digital_signature"}),
) -> CertificateVerdict:
    """Build and validate the signer's path to an anchor, revocation included, per the policy.

    ``key_usage``: at least one of these must be allowed (nonRepudiation counts as signing
    too, as Vietnamese CAs often set only it).
    """
    intermediates = tuple(intermediates)
    cache = policy.cache if policy.at is None else None
    key = (signer.fingerprint(_SHA256), *(c.fingerprint(_SHA256) for c in intermediates))
    if cache is not None and (cached := cache.get(key)) is not None:
        return cached
    verdict = _validate_now(signer, intermediates, policy, key_usage)
    if cache is not None and verdict.trusted:
        cache.put(key, verdict)
    return verdict


def _validate_now(
    signer: x509.Certificate,
    intermediates: tuple[x509.Certificate, ...],
    policy: ValidationPolicy,
    key_usage: frozenset[str],
) -> CertificateVerdict:
    context = policy.validation_context(other_certs=intermediates)
    validator = CertificateValidator(to_asn1(signer), validation_context=context)
    try:
        has_key_usage = any(e.oid == x509.oid.ExtensionOID.KEY_USAGE for e in signer.extensions)
        path = asyncio.run(_validate(validator, key_usage, has_key_usage=has_key_usage))
    except RevokedError as exc:
        return CertificateVerdict(False, (), "revoked", f"the certificate is revoked: {exc}")
    except InsufficientRevinfoError as exc:
        return CertificateVerdict(
            False, (), "unknown", f"the revocation status cannot be established: {exc}"
        )
    except (PathBuildingError, PathValidationError, InvalidCertificateError) as exc:
        return CertificateVerdict(False, (), "not-checked", str(exc))
    certs = [x509.load_der_x509_certificate(c.dump()) for c in path.iter_certs(include_root=True)]
    # Soft-fail without the network passes silently: say so rather than claim "good".
    status: Literal["good", "not-checked"] = (
        "not-checked" if policy.revocation == "soft-fail" and not policy.fetch else "good"
    )
    return CertificateVerdict(True, tuple(reversed(certs)), status)  # signer first


async def _validate(
    validator: CertificateValidator, key_usage: frozenset[str], *, has_key_usage: bool
) -> ValidationPath:
    if not has_key_usage:
        # RFC 5280 4.2.1.3: without the extension the key may be used for any purpose.
        path: ValidationPath = await validator.async_validate_path()
        return path
    # A signing certificate may allow digitalSignature or nonRepudiation: try both.
    last: Exception | None = None
    for usage in (key_usage, frozenset({"non_repudiation"})):
        try:
            found: ValidationPath = await validator.async_validate_usage(set(usage))  # type: ignore[no-untyped-call]
            return found
        except InvalidCertificateError as exc:
            if "usage" not in str(exc).lower():
                raise
            last = exc
    assert last is not None
    raise last


__all__ = [
    "REVOCATION_MODES",
    "CertificateVerdict",
    "RevocationMode",
    "TrustError",
    "ValidationPolicy",
    "VerdictCache",
    "load_certificates",
    "to_asn1",
    "validate_certificate",
]
