"""Validation of the signatures in a PDF, as a report a clerk, the dms and the archive can read.

:func:`validate_pdf` checks each signature under one :class:`ValidationPolicy`, twice:

1. **At the validation time** (now, or the policy's ``at``): the signed bytes, the signer's
   path to a trust anchor and its revocation status (OCSP first, then the CRL: fetched if the
   policy allows, and whatever the document's DSS carries), the key usage, the signature
   timestamp, and pyHanko's difference analysis of everything added after the signature.
2. **Long-term** (B-LT and B-LTA): the signer's certificate is judged at the *proven* signing
   time — the signature timestamp's — from the certificates and revocation data embedded in
   the DSS only, with no network. For B-LTA the signature timestamp is in turn judged at the
   time of the first document timestamp after the signature, each document timestamp at the
   time of the next, and the last one at the validation time. This is what keeps a signature
   valid after the signer's certificate expired and the responders are gone.

   Why not pyHanko's AdES LTA validation (``ades_lta_validation``): in pyHanko 0.38 it treats
   an OCSP response signed by the trust anchor itself as needing revocation data for the
   anchor (its past-validation "time slide" appends the responder to the path even when it is
   the issuer), and an intermediate's stale revocation data at the validation time ends in
   ``CERTIFICATE_CHAIN_GENERAL_FAILURE``, for which it never tries past validation — so a B-LTA
   file cannot be validated years later offline. The rule above is the one pyHanko's former
   ``validate_pdf_ltv_signature`` applied.

   The last document timestamp cannot have fresh revocation data when the responders are gone:
   if it is not trusted at the validation time for any reason but revocation, a broken token or
   a refused algorithm, it is judged at its own time from the embedded data, provided its
   certificates have not expired by the validation time — and the report says so in a warning.

A signature is *trusted* if either check establishes trust, and *valid* if it is also intact,
its timestamp (if any) is sound, and nothing disallowed changed after it.

**Role** (person or agency), from the signer's certificate (:func:`certificate_role`): an
agency's certificate carries an agency code (in ``UID``, :func:`agency_code_of`) and no
personal title; a person's carries a title (and their agency's code). Anything else is
reported as ``unknown``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import io
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import BinaryIO, Literal, TypedDict

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.generic import StreamObject
from pyhanko.pdf_utils.misc import PdfError as PyHankoPdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate, AdESPassed, AdESSubIndic
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
    PdfSignatureStatus,
    SignatureCoverageLevel,
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureStatus, TimestampSignatureStatus
from pyhanko_certvalidator import ValidationContext

from ..edxml.agency_codes import parse_agency_code
from ..edxml.errors import AgencyCodeError
from .errors import PdfError
from .trust import ValidationPolicy, to_asn1

Role = Literal["person", "agency", "unknown"]
LevelFound = Literal["B-B", "B-T", "B-LT", "B-LTA", "not-PAdES"]
RevocationStatus = Literal["good", "revoked", "unknown", "not-checked"]
Modifications = Literal["none", "allowed", "disallowed"]

# Either usage makes a certificate a signing certificate (as pades checks before signing).
_SIGNING_KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"})
_PADES_SUBFILTER = "/ETSI.CAdES.detached"
_ALGORITHM_PROBLEMS = frozenset(
    {
        AdESIndeterminate.CRYPTO_CONSTRAINTS_FAILURE,
        AdESIndeterminate.CRYPTO_CONSTRAINTS_FAILURE_NO_POE,
    }
)
# What pyHanko reports when revocation status could not be established (stale or no data).
_REVOCATION_UNKNOWN = frozenset(
    {AdESIndeterminate.TRY_LATER, AdESIndeterminate.REVOCATION_OUT_OF_BOUNDS_NO_POE}
)


@dataclass(frozen=True)
class TimestampReport:
    """A signature timestamp or a document timestamp: when, by which TSA, and is it sound."""

    time: dt.datetime
    tsa: str
    intact: bool
    trusted: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "time": self.time.isoformat(),
            "tsa": self.tsa,
            "intact": self.intact,
            "trusted": self.trusted,
        }


@dataclass(frozen=True)
class RevocationReport:
    """The signer's revocation status and where it came from (``ocsp``/``crl``, and whether
    that response was embedded in the document or fetched now)."""

    status: RevocationStatus
    source: Literal["ocsp", "crl"] | None = None
    embedded: bool = False
    revoked_at: dt.datetime | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "source": self.source,
            "embedded": self.embedded,
            "revoked_at": None if self.revoked_at is None else self.revoked_at.isoformat(),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class LongTermReport:
    """The PAdES level found, and the result of long-term (past) validation when it applies."""

    level: LevelFound
    validated: bool | None  # None: not B-LT/B-LTA, nothing to check
    indication: str | None = None
    proven_at: dt.datetime | None = None  # the oldest document timestamp after the signature

    def as_dict(self) -> dict[str, object]:
        return {
            "level": self.level,
            "validated": self.validated,
            "indication": self.indication,
            "proven_at": None if self.proven_at is None else self.proven_at.isoformat(),
        }


@dataclass(frozen=True)
class SignatureReport:
    """One signature: who, in which role, when, and every verdict with its reasons."""

    field: str
    signer: str
    role: Role
    agency_code: str | None
    signing_time: dt.datetime | None
    timestamp: TimestampReport | None
    intact: bool
    trusted: bool
    revocation: RevocationReport
    long_term: LongTermReport
    modifications: Modifications
    modification_detail: str | None
    valid: bool
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "field": self.field,
            "signer": self.signer,
            "role": self.role,
            "agency_code": self.agency_code,
            "signing_time": None if self.signing_time is None else self.signing_time.isoformat(),
            "timestamp": None if self.timestamp is None else self.timestamp.as_dict(),
            "intact": self.intact,
            "trusted": self.trusted,
            "revocation": self.revocation.as_dict(),
            "long_term": self.long_term.as_dict(),
            "modifications": self.modifications,
            "modification_detail": self.modification_detail,
            "valid": self.valid,
            "problems": list(self.problems),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class PdfReport:
    """Every signature of a document, its document timestamps, and the overall verdict:
    ``valid`` only if there is at least one signature and every one is valid and trusted."""

    signatures: tuple[SignatureReport, ...]
    document_timestamps: tuple[TimestampReport, ...]
    validated_at: dt.datetime
    revocation_mode: str
    problems: tuple[str, ...] = field(default=())
    warnings: tuple[str, ...] = field(default=())

    @property
    def valid(self) -> bool:
        return bool(self.signatures) and all(s.valid and s.trusted for s in self.signatures)

    def as_dict(self) -> dict[str, object]:
        return {
            "valid": self.valid,
            "validated_at": self.validated_at.isoformat(),
            "revocation_mode": self.revocation_mode,
            "signatures": [s.as_dict() for s in self.signatures],
            "document_timestamps": [t.as_dict() for t in self.document_timestamps],
            "problems": list(self.problems),
            "warnings": list(self.warnings),
        }


def certificate_role(certificate: x509.Certificate) -> Literal["person", "agency"] | None:
    """Whose certificate this is (see the module doc for the rule), or None if neither."""
    if agency_code_of(certificate) is None:
        return None
    titles = certificate.subject.get_attributes_for_oid(x509.NameOID.TITLE)
    return "person" if titles else "agency"


def agency_code_of(certificate: x509.Certificate) -> str | None:
    """The agency code in the subject's ``UID`` (the test PKI's convention, which
    ``testpki.agency_code_of`` also reads); a ``UID`` that is not an agency code (real
    certificates put tax or ID numbers there) counts as none."""
    for attribute in certificate.subject.get_attributes_for_oid(x509.NameOID.USER_ID):
        if isinstance(attribute.value, str):
            try:
                return str(parse_agency_code(attribute.value))
            except AgencyCodeError:
                continue
    return None


def validate_pdf(data: bytes | BinaryIO, policy: ValidationPolicy) -> PdfReport:
    """Validate every signature and document timestamp of a PDF under ``policy``.

    Raises :class:`PdfError` if the bytes are not a readable PDF. A PDF without signatures
    gives a report that is not valid (``problems`` says why). From code that already runs an
    event loop, await :func:`async_validate_pdf` instead.
    """
    return asyncio.run(async_validate_pdf(data, policy))


async def async_validate_pdf(data: bytes | BinaryIO, policy: ValidationPolicy) -> PdfReport:
    """:func:`validate_pdf` for asynchronous callers."""
    pdf = data if isinstance(data, bytes) else data.read()
    try:
        reader = PdfFileReader(io.BytesIO(pdf))
        if reader.encrypted:
            raise PdfError("the PDF is encrypted; its signatures cannot be checked here")
        signatures = list(reader.embedded_regular_signatures)
        timestamps = list(reader.embedded_timestamp_signatures)
        embedded = _read_dss(reader)
    except (PyHankoPdfError, ValueError, KeyError, TypeError) as exc:
        raise PdfError(f"not a readable PDF: {exc}") from None
    moment = policy.moment()
    chain = await _timestamp_chain(timestamps, embedded, policy, moment)
    reports = [await _validate_signature(s, chain, embedded, policy, moment) for s in signatures]
    return PdfReport(
        signatures=tuple(reports),
        document_timestamps=tuple(link.report for link in chain),
        validated_at=moment,
        revocation_mode=policy.revocation,
        problems=() if signatures else ("the document carries no signature",),
        warnings=tuple(link.warning for link in chain if link.warning),
    )


# --- validation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Embedded:
    """What the document's DSS carries: certificates, OCSP responses, CRLs (DER)."""

    certs: tuple[x509.Certificate, ...] = ()
    ocsps: tuple[bytes, ...] = ()
    crls: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class _ChainLink:
    """A document timestamp, judged as the module doc describes."""

    revision: int
    report: TimestampReport
    ok: bool
    reason: str | None = None
    warning: str | None = None


async def _release(context: ValidationContext) -> None:
    """Close the HTTP session a context opened to fetch revocation data."""
    await context.aclose()  # type: ignore[no-untyped-call]  # pyhanko-certvalidator: untyped


def _context(
    policy: ValidationPolicy, at: dt.datetime, embedded: _Embedded, *, offline: bool = False
) -> ValidationContext:
    if offline:
        policy = dataclasses.replace(policy, fetch=False)
    # Offline contexts judge a moment in the past from the data embedded since: revocation data
    # obtained after that moment counts (the file holds nothing older to prove it with).
    return policy.validation_context(
        at=at,
        crls=embedded.crls,
        ocsps=embedded.ocsps,
        other_certs=embedded.certs,
        past=offline,
    )


@dataclass(frozen=True)
class _Run:
    """One pass of pyHanko's signature validation, with what its context saw."""

    status: PdfSignatureStatus
    ocsps: tuple[bytes, ...]
    crls: tuple[bytes, ...]
    soft_failures: tuple[str, ...]
    messages: tuple[str, ...]

    @property
    def fully_trusted(self) -> bool:
        ts = self.status.timestamp_validity
        return self.status.trusted and (ts is None or ts.trusted)


async def _run(
    sig: EmbeddedPdfSignature,
    signer_context: ValidationContext,
    ts_context: ValidationContext | None = None,
    *,
    skip_diff: bool = False,
) -> _Run:
    try:
        with _collected_pyhanko_messages() as messages:
            status = await async_validate_pdf_signature(
                sig,
                signer_validation_context=signer_context,
                ts_validation_context=ts_context,
                key_usage_settings=_SIGNING_KEY_USAGE,
                skip_diff=skip_diff,
            )
        return _Run(
            status,
            tuple(o.dump() for o in signer_context.ocsps),
            tuple(c.dump() for c in signer_context.crls),
            tuple(str(e) for e in signer_context.soft_fail_exceptions),
            tuple(messages),
        )
    finally:
        await _release(signer_context)
        if ts_context is not None:
            await _release(ts_context)


def _may_need_embedded_data(run: _Run, policy: ValidationPolicy, embedded: _Embedded) -> bool:
    """Worth a second pass from the embedded data alone: responders were asked (and may be
    down), the file carries revocation data, and nothing but trust failed."""
    status = run.status
    return (
        policy.fetch
        and bool(embedded.ocsps or embedded.crls)
        and status.intact
        and status.valid
        and status.revocation_details is None
        and not run.fully_trusted
    )


async def _validate_signature(
    sig: EmbeddedPdfSignature,
    chain: Sequence[_ChainLink],
    embedded: _Embedded,
    policy: ValidationPolicy,
    moment: dt.datetime,
) -> SignatureReport:
    signer = x509.load_der_x509_certificate(sig.signer_cert.dump())
    problems: list[str] = []
    warnings: list[str] = []
    try:
        run = await _run(sig, _context(policy, moment, embedded))
        if _may_need_embedded_data(run, policy, embedded):
            offline = await _run(sig, _context(policy, moment, embedded, offline=True))
            if offline.fully_trusted:
                run = offline
                warnings.append(
                    "the revocation status was not available from the responders; the "
                    "document's embedded revocation data settled it"
                )
    except SignatureValidationError as exc:
        return _unreadable_signature(sig, signer, exc)
    status = run.status
    revocation = _revocation(signer, status, run, embedded)
    warnings += [
        f"revocation status not established ({policy.revocation}): {failure}"
        for failure in run.soft_failures
    ]

    level = _level(sig, status, chain, embedded)
    long_term = LongTermReport(level=level, validated=None)
    if level in ("B-LT", "B-LTA"):
        long_term = await _validate_long_term(sig, status, level, chain, embedded, policy, moment)
    by_long_term = bool(long_term.validated)
    trusted = status.trusted or by_long_term

    intact = status.intact and status.valid
    if not status.intact:
        problems.append("the signed content was changed: its digest no longer matches")
    elif not status.valid:
        problems.append("the signature value does not verify with the signer's public key")
    if not status.trusted and intact:
        reason = _trust_problem(status, signer, moment, run.messages)
        if by_long_term:
            warnings.append(
                f"not trusted at {moment.isoformat()} ({reason}); trusted at the proven signing "
                "time from the embedded long-term validation data"
            )
        else:
            problems.append(reason)
    if long_term.validated is False:
        message = f"long-term validation failed: {long_term.indication}"
        (warnings if status.trusted else problems).append(message)

    timestamp = _timestamp_report(status.timestamp_validity)
    timestamp_ok = timestamp is None or (timestamp.intact and (timestamp.trusted or by_long_term))
    if timestamp is not None and not timestamp.intact:
        problems.append("the signature timestamp does not match the signature")
    elif timestamp is not None and not timestamp_ok:
        problems.append(f"the signature timestamp's TSA ({timestamp.tsa}) is not trusted")

    modifications, detail = _modifications(status)
    if modifications == "disallowed":
        problems.append(f"the document was changed after this signature ({detail})")

    return SignatureReport(
        **_identity(sig, signer),
        signing_time=status.signer_reported_dt,
        timestamp=timestamp,
        intact=intact,
        trusted=trusted,
        revocation=revocation,
        long_term=long_term,
        modifications=modifications,
        modification_detail=detail,
        valid=intact and trusted and timestamp_ok and modifications != "disallowed",
        problems=tuple(dict.fromkeys(problems)),
        warnings=tuple(dict.fromkeys(warnings)),
    )


class _Identity(TypedDict):
    field: str
    signer: str
    role: Role
    agency_code: str | None


def _identity(sig: EmbeddedPdfSignature, signer: x509.Certificate) -> _Identity:
    """Which signature this is and who made it: the part of a report every outcome has."""
    return {
        "field": str(sig.field_name),
        "signer": signer.subject.rfc4514_string(),
        "role": certificate_role(signer) or "unknown",
        "agency_code": agency_code_of(signer),
    }


def _unreadable_signature(
    sig: EmbeddedPdfSignature, signer: x509.Certificate, exc: SignatureValidationError
) -> SignatureReport:
    return SignatureReport(
        **_identity(sig, signer),
        signing_time=sig.self_reported_timestamp,
        timestamp=None,
        intact=False,
        trusted=False,
        revocation=RevocationReport("not-checked"),
        long_term=LongTermReport("not-PAdES", None),
        modifications="disallowed",
        modification_detail=None,
        valid=False,
        problems=(f"the signature cannot be validated: {exc.failure_message or exc}",),
    )


async def _validate_long_term(
    sig: EmbeddedPdfSignature,
    status: PdfSignatureStatus,
    level: LevelFound,
    chain: Sequence[_ChainLink],
    embedded: _Embedded,
    policy: ValidationPolicy,
    moment: dt.datetime,
) -> LongTermReport:
    """The signer at the proven signing time, from embedded data (module doc, point 2)."""
    signature_ts = status.timestamp_validity
    assert signature_ts is not None  # B-LT and B-LTA have one
    signed_at = signature_ts.timestamp
    later = [link for link in chain if link.revision > sig.signed_revision]
    broken = next((link for link in later if not link.ok), None)
    if broken is not None:
        reason = f"the document timestamp of {broken.report.time.isoformat()} is not valid"
        return LongTermReport(level, False, f"{reason}: {broken.reason}", signed_at)

    def at_signing() -> ValidationContext:
        return _context(policy, signed_at, embedded, offline=True)

    # The signature timestamp is judged when the next document timestamp proves it existed;
    # without one (B-LT), at the validation time — from the responders, else the file.
    if later:
        ts_time = later[0].report.time
        past = await _run(sig, at_signing(), _context(policy, ts_time, embedded, offline=True))
    else:
        ts_time = moment
        past = await _run(sig, at_signing(), _context(policy, moment, embedded), skip_diff=True)
        if past.status.trusted and not past.fully_trusted and policy.fetch:
            offline = _context(policy, moment, embedded, offline=True)
            past = await _run(sig, at_signing(), offline, skip_diff=True)
    if not past.status.trusted:
        signer = x509.load_der_x509_certificate(sig.signer_cert.dump())
        reason = _trust_problem(past.status, signer, signed_at, past.messages)
        return LongTermReport(level, False, f"at the proven signing time: {reason}", signed_at)
    if not past.fully_trusted:
        reason = f"the signature timestamp is not trusted at {ts_time.isoformat()}"
        return LongTermReport(level, False, reason, signed_at)
    how = (
        f"proven by the document timestamp of {later[0].report.time.isoformat()}"
        if later
        else "the signature timestamp is trusted at the validation time"
    )
    return LongTermReport(
        level, True, f"signer trusted at {signed_at.isoformat()}; {how}", signed_at
    )


async def _timestamp_chain(
    timestamps: Sequence[EmbeddedPdfSignature],
    embedded: _Embedded,
    policy: ValidationPolicy,
    moment: dt.datetime,
) -> list[_ChainLink]:
    """Each document timestamp judged at the next one's time; the last at ``moment``."""
    ordered = sorted(timestamps, key=lambda ts: ts.signed_revision)
    times = [_token_time(ts) for ts in ordered]
    links = []
    for index, ts in enumerate(ordered):
        last = index == len(ordered) - 1
        at = moment if last else times[index + 1]
        status = await _timestamp_status(ts, _context(policy, at, embedded, offline=not last))
        warning = None
        if last and _revocation_may_be_unknown(status):
            own = await _timestamp_status(
                ts, _context(policy, times[index], embedded, offline=True)
            )
            if own.trusted and _unexpired(own, moment):
                status = own
                warning = (
                    "the last document timestamp's TSA could not be checked for revocation at "
                    f"{moment.isoformat()}; it was valid at {times[index].isoformat()} and has "
                    "not expired"
                )
        report = _timestamp_report(status)
        assert report is not None
        ok = report.intact and report.trusted
        reason = None if ok else f"{_indication(status.trust_problem_indic)} at {at.isoformat()}"
        if not report.intact:
            reason = "the document timestamp does not match the document"
        links.append(_ChainLink(ts.signed_revision, report, ok, reason, warning))
    return links


async def _timestamp_status(
    ts: EmbeddedPdfSignature, context: ValidationContext
) -> SignatureStatus:
    try:
        with _collected_pyhanko_messages():
            return await async_validate_pdf_timestamp(ts, validation_context=context)
    finally:
        await _release(context)


def _revocation_may_be_unknown(status: SignatureStatus) -> bool:
    """Not trusted, yet neither revoked, nor broken, nor refused for its algorithms: what is
    left to fail with time is expiry (checked separately) and revocation data freshness."""
    return (
        status.intact
        and status.valid
        and not status.trusted
        and status.revocation_details is None
        and status.trust_problem_indic not in _ALGORITHM_PROBLEMS
    )


def _token_time(ts: EmbeddedPdfSignature) -> dt.datetime:
    info = ts.signed_data["encap_content_info"]["content"].parsed
    moment: dt.datetime = info["gen_time"].native
    return moment


def _unexpired(status: SignatureStatus, moment: dt.datetime) -> bool:
    path = status.validation_path
    return path is not None and all(
        cert.not_valid_after >= moment for cert in path.iter_certs(include_root=True)
    )


# --- reading the results ---------------------------------------------------------------------


def _level(
    sig: EmbeddedPdfSignature,
    status: PdfSignatureStatus,
    chain: Sequence[_ChainLink],
    embedded: _Embedded,
) -> LevelFound:
    if sig.sig_object.get("/SubFilter") != _PADES_SUBFILTER:
        return "not-PAdES"
    if status.timestamp_validity is None:
        return "B-B"
    signer = sig.signer_cert
    if not (_ocsps_about(signer, embedded.ocsps) or _crls_about(signer, embedded.crls)):
        return "B-T"
    later = [link for link in chain if link.revision > sig.signed_revision]
    return "B-LTA" if later else "B-LT"


def _revocation(
    signer: x509.Certificate, status: PdfSignatureStatus, run: _Run, embedded: _Embedded
) -> RevocationReport:
    """Which response settled the signer's status: OCSP is asked first, then the CRL, as the
    validator does; ``embedded`` if that response came from the document's DSS."""
    certificate = to_asn1(signer)
    details = status.revocation_details
    revoked_at = None if details is None else details.revocation_date
    reason = None if details is None else str(details.revocation_reason.native)
    for response in _ocsps_about(certificate, run.ocsps):
        state, ocsp_revoked_at, ocsp_reason = _ocsp_status(response, certificate)
        if state == "unknown" and details is None:
            continue
        return RevocationReport(
            status="revoked" if details is not None else state,
            source="ocsp",
            embedded=response.dump() in embedded.ocsps,
            revoked_at=revoked_at or ocsp_revoked_at,
            reason=reason or ocsp_reason,
        )
    for revocation_list in _crls_about(certificate, run.crls):
        entry = _crl_entry(revocation_list, certificate)
        listed = entry is not None or details is not None
        return RevocationReport(
            status="revoked" if listed else "good",
            source="crl",
            embedded=revocation_list.dump() in embedded.crls,
            revoked_at=revoked_at or (entry[0] if entry else None),
            reason=reason or (entry[1] if entry else None),
        )
    if details is not None:
        return RevocationReport("revoked", revoked_at=revoked_at, reason=reason)
    if run.soft_failures or _revocation_failed(status, run.messages):
        return RevocationReport("unknown")  # soft-fail, or hard-fail without an answer
    return RevocationReport("not-checked")  # no responder named, or refused before asking


def _revocation_failed(status: SignatureStatus, messages: Sequence[str]) -> bool:
    return status.trust_problem_indic in _REVOCATION_UNKNOWN or any(
        "revocation" in message.lower() for message in messages
    )


def _ocsps_about(
    certificate: asn1_x509.Certificate, ocsps: Sequence[bytes]
) -> list[asn1_ocsp.OCSPResponse]:
    found = []
    for data in ocsps:
        response = asn1_ocsp.OCSPResponse.load(data)
        if _single_response(response, certificate) is not None:
            found.append(response)
    return found


def _single_response(
    response: asn1_ocsp.OCSPResponse, certificate: asn1_x509.Certificate
) -> asn1_ocsp.SingleResponse | None:
    try:
        basic = response["response_bytes"]["response"].parsed
        singles = basic["tbs_response_data"]["responses"]
    except (KeyError, ValueError, TypeError):
        return None
    for single in singles:
        cert_id = single["cert_id"]
        algorithm = cert_id["hash_algorithm"]["algorithm"].native
        name_hash = getattr(certificate.issuer, algorithm, None)
        if (
            cert_id["serial_number"].native == certificate.serial_number
            and name_hash is not None
            and cert_id["issuer_name_hash"].native == name_hash
        ):
            return single
    return None


def _ocsp_status(
    response: asn1_ocsp.OCSPResponse, certificate: asn1_x509.Certificate
) -> tuple[RevocationStatus, dt.datetime | None, str | None]:
    single = _single_response(response, certificate)
    assert single is not None
    state = single["cert_status"].name
    if state == "good":
        return "good", None, None
    if state == "revoked":
        info = single["cert_status"].chosen
        reason = info["revocation_reason"].native if info["revocation_reason"].native else None
        return "revoked", info["revocation_time"].native, reason
    return "unknown", None, None


def _crls_about(
    certificate: asn1_x509.Certificate, crls: Sequence[bytes]
) -> list[asn1_crl.CertificateList]:
    lists = [asn1_crl.CertificateList.load(data) for data in crls]
    return [c for c in lists if c["tbs_cert_list"]["issuer"] == certificate.issuer]


def _crl_entry(
    revocation_list: asn1_crl.CertificateList, certificate: asn1_x509.Certificate
) -> tuple[dt.datetime, str | None] | None:
    for entry in revocation_list["tbs_cert_list"]["revoked_certificates"]:
        if entry["user_certificate"].native == certificate.serial_number:
            reason = entry.crl_reason_value
            return entry["revocation_date"].native, None if reason is None else reason.native
    return None


def _trust_problem(
    status: SignatureStatus,
    signer: x509.Certificate,
    moment: dt.datetime,
    messages: Sequence[str],
) -> str:
    """A sentence on why the signer is not trusted, pyHanko's own words appended."""
    indication = status.trust_problem_indic
    details = status.revocation_details
    if details is not None:
        text = (
            f"the signer's certificate was revoked on {details.revocation_date.isoformat()} "
            f"({details.revocation_reason.native})"
        )
    elif not signer.not_valid_before_utc <= moment <= signer.not_valid_after_utc:
        # pyHanko may stop earlier in the path (an issuer's stale revocation data), which
        # would only confuse this plain reason: its words are left out.
        return (
            f"the signer's certificate is not valid at {moment.isoformat()} (valid from "
            f"{signer.not_valid_before_utc.isoformat()} to "
            f"{signer.not_valid_after_utc.isoformat()})"
        )
    elif indication == AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND:
        text = "the signer's certificate does not chain to a trust anchor"
    elif not _for_signing(signer):
        text = "the signer's certificate is not for signing (its key usage allows neither "
        text += "digitalSignature nor nonRepudiation)"
    elif _revocation_failed(status, messages):
        text = "the revocation status of the signer's certificate or of its issuer cannot be "
        text += "established"
    else:
        text = f"the signer is not trusted ({_indication(indication)})"
    detail = next((m.split("]: ", 1)[-1] for m in reversed(messages) if "]: " in m), None)
    return f"{text}: {detail}" if detail else text


def _for_signing(certificate: x509.Certificate) -> bool:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return usage.digital_signature or usage.content_commitment


def _indication(indication: AdESSubIndic | None) -> str:
    if indication is None:
        return "no indication"
    kind = {AdESPassed: "PASSED", AdESFailure: "FAILED", AdESIndeterminate: "INDETERMINATE"}
    return f"{kind.get(type(indication), 'UNKNOWN')}/{getattr(indication, 'name', indication)}"


def _timestamp_report(status: SignatureStatus | None) -> TimestampReport | None:
    if not isinstance(status, TimestampSignatureStatus):
        return None
    return TimestampReport(
        time=status.timestamp,
        tsa=x509.load_der_x509_certificate(status.signing_cert.dump()).subject.rfc4514_string(),
        intact=status.intact and status.valid,
        trusted=status.trusted,
    )


def _modifications(status: PdfSignatureStatus) -> tuple[Modifications, str | None]:
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return "none", None
    level = status.modification_level
    if status.coverage != SignatureCoverageLevel.ENTIRE_REVISION or level is None:
        return "disallowed", "the signature does not cover a whole revision of the file"
    if level == ModificationLevel.NONE:
        return "none", None
    detail = {
        ModificationLevel.LTA_UPDATES: "validation data and document timestamps added",
        ModificationLevel.FORM_FILLING: "signatures or form fields added",
        ModificationLevel.ANNOTATIONS: "annotations added",
        ModificationLevel.OTHER: "content changed",
    }.get(level, level.name.lower())
    if status.docmdp_ok and level != ModificationLevel.OTHER:
        return "allowed", detail
    return "disallowed", detail


def _read_dss(reader: PdfFileReader) -> _Embedded:
    try:
        dss = reader.root["/DSS"]
    except KeyError:
        return _Embedded()

    def streams(key: str) -> list[bytes]:
        return [
            stream.data
            for ref in dss.get(key, ())
            if isinstance(stream := ref.get_object(), StreamObject)
        ]

    certs = []
    for data in streams("/Certs"):
        try:
            certs.append(x509.load_der_x509_certificate(data))
        except ValueError:
            continue
    return _Embedded(tuple(certs), tuple(streams("/OCSPs")), tuple(streams("/CRLs")))


# --- pyHanko's explanations --------------------------------------------------------------------

# pyHanko explains each failure in a log record (a warning) rather than in the status it returns.
# While a validation runs, those records are collected here — per task, through a context
# variable — and become the report's reasons instead of lines on standard error.
_messages: ContextVar[list[str] | None] = ContextVar("lienthong_pyhanko_messages", default=None)


class _PyHankoMessages(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        sink = _messages.get()
        if sink is not None and record.levelno >= logging.WARNING:
            sink.append(record.getMessage())


_HANDLER = _PyHankoMessages()
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).addHandler(_HANDLER)


@contextmanager
def _collected_pyhanko_messages() -> Iterator[list[str]]:
    collected: list[str] = []
    token = _messages.set(collected)
    try:
        yield collected
    finally:
        _messages.reset(token)
