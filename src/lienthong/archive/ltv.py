"""Long-term validation before packaging: every signature of a PDF extended to PAdES B-LTA.

For each signature, the validation data that will let it be checked when the signer's
certificate has expired and the OCSP, CRL and time-stamping services are gone — the
certificates of its path, OCSP responses and CRLs for the signer and for the TSA of its
signature timestamp — is fetched now under the project's trust policy
(:class:`~lienthong.signatures.trust.ValidationPolicy`) and stored in the document security
store (DSS), with a VRI entry per signature. A document timestamp from the TSA then covers the
whole file. A file that already carries document timestamps has its chain renewed instead: the
last timestamp's validation data goes into the DSS, and a new timestamp covers it.

The result is then validated with :func:`lienthong.signatures.report.validate_pdf` — the one
validation of the project — and each signature gets a :class:`SignatureLtv` record (signer,
level reached, timestamps, what was embedded, whether the embedded data alone proves it) that
the package records as a PREMIS event.

PAdES B-LT and B-LTA build on B-T: a signature without a signature timestamp (B-B) cannot
become B-LTA afterwards, as the timestamp would have to be inside the signature. Its
validation data is embedded and the document timestamp covers it all the same, but its record
says B-B and fails — after the signer's certificate expires, nothing proves it was signed
while the certificate was valid.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import io
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from pyhanko.pdf_utils.generic import DictionaryObject, StreamObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError as PyHankoPdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers import PdfTimeStamper
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from pyhanko.sign.validation import EmbeddedPdfSignature
from pyhanko.sign.validation.dss import DocumentSecurityStore, async_add_validation_info
from pyhanko_certvalidator import ValidationContext

from ..errors import CodedError
from ..signatures.errors import TimestampUnavailableError
from ..signatures.report import LevelFound, Role, SignatureReport, async_validate_pdf
from ..signatures.trust import ValidationPolicy

TSA_TIMEOUT_SECONDS = 10
Outcome = Literal["success", "failure"]


class LtvError(CodedError):
    """The document cannot be extended at all (unreadable, encrypted, unsigned, no network)."""

    code = "ltv-failed"


@dataclass(frozen=True)
class EmbeddedData:
    """The validation data the DSS holds for one signature (its VRI entry): the certificates
    (subjects, signer first as pyHanko orders them), and how many OCSP responses and CRLs."""

    certificates: tuple[str, ...] = ()
    ocsp_responses: int = 0
    crls: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "certificates": list(self.certificates),
            "ocsp_responses": self.ocsp_responses,
            "crls": self.crls,
        }


@dataclass(frozen=True)
class SignatureLtv:
    """One signature after extension: who signed, the level reached, and whether the embedded
    data alone proves it (``long_term_valid``), with the reasons when not."""

    field: str
    signer: str
    role: Role
    signing_time: dt.datetime | None
    level: LevelFound
    timestamp_time: dt.datetime | None  # the signature timestamp's
    archive_timestamp_time: dt.datetime | None  # the document timestamp covering it
    embedded: EmbeddedData
    valid: bool  # valid and trusted now
    long_term_valid: bool  # proven from the embedded data alone
    problems: tuple[str, ...] = ()

    @property
    def outcome(self) -> Outcome:
        """``success`` only for a valid B-LTA signature its embedded data proves."""
        ok = self.level == "B-LTA" and self.valid and self.long_term_valid
        return "success" if ok else "failure"

    def as_dict(self) -> dict[str, object]:
        return {
            "field": self.field,
            "signer": self.signer,
            "role": self.role,
            "signing_time": _iso(self.signing_time),
            "level": self.level,
            "timestamp_time": _iso(self.timestamp_time),
            "archive_timestamp_time": _iso(self.archive_timestamp_time),
            "embedded": self.embedded.as_dict(),
            "valid": self.valid,
            "long_term_valid": self.long_term_valid,
            "outcome": self.outcome,
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class LtvResult:
    """The extended document and one record per signature, in signing order."""

    data: bytes
    signatures: tuple[SignatureLtv, ...]
    archive_timestamp_time: dt.datetime
    tsa_url: str

    @property
    def complete(self) -> bool:
        """Every signature reached B-LTA and is proven by the embedded data."""
        return bool(self.signatures) and all(s.outcome == "success" for s in self.signatures)

    def as_dict(self) -> dict[str, object]:
        return {
            "complete": self.complete,
            "archive_timestamp_time": self.archive_timestamp_time.isoformat(),
            "tsa_url": self.tsa_url,
            "size": len(self.data),
            "signatures": [s.as_dict() for s in self.signatures],
        }


def extend_to_lta(data: bytes, *, tsa_url: str, policy: ValidationPolicy) -> LtvResult:
    """Extend every signature of ``data`` to B-LTA (see the module doc) and report on each.

    ``policy`` must allow fetching: the validation data to embed is fetched now, and a signer
    it does not trust gets no data (its record says why). Raises :class:`LtvError` when the
    document cannot be extended at all, :class:`TimestampUnavailableError` when the TSA does
    not answer (nothing is returned then). From code that runs an event loop, await
    :func:`async_extend_to_lta`.
    """
    return asyncio.run(async_extend_to_lta(data, tsa_url=tsa_url, policy=policy))


async def async_extend_to_lta(data: bytes, *, tsa_url: str, policy: ValidationPolicy) -> LtvResult:
    """:func:`extend_to_lta` for asynchronous callers."""
    if not policy.fetch:
        raise LtvError(
            "extending signatures needs network access: their validation data is fetched now"
        )
    count = len(_signatures(_reader(data)))
    if count == 0:
        raise LtvError("the document carries no signature to extend")
    problems: dict[int, str] = {}
    for index in range(count):
        try:
            data = await _add_validation_info(data, index, policy)
        except Exception as exc:  # pyHanko wraps path and revocation failures freely
            problems[index] = f"its validation data could not be collected: {_describe(exc)}"
    data = await _archive_timestamp(data, tsa_url, policy)
    reader = _reader(data)
    stamped_at = _last_timestamp_time(reader)
    report = await async_validate_pdf(data, policy)
    vri = _vri_entries(reader)
    records = tuple(
        _record(sig, signature, vri, stamped_at, problems.get(index))
        for index, (sig, signature) in enumerate(
            zip(_signatures(reader), report.signatures, strict=True)
        )
    )
    return LtvResult(data, records, stamped_at, tsa_url)


# --- steps -----------------------------------------------------------------------------------


async def _add_validation_info(data: bytes, index: int, policy: ValidationPolicy) -> bytes:
    """The DSS revision for the ``index``-th signature (its signature timestamp included)."""
    signature = _signatures(_reader(data))[index]
    context = policy.validation_context()
    try:
        output = io.BytesIO()
        await async_add_validation_info(signature, context, output=output)
        return output.getvalue()
    finally:
        await _release(context)


async def _archive_timestamp(data: bytes, tsa_url: str, policy: ValidationPolicy) -> bytes:
    """A document timestamp over everything, its TSA's validation data embedded first; or, if
    the file has document timestamps already, the chain renewed."""
    reader = _reader(data)
    timestamper = PdfTimeStamper(HTTPTimeStamper(tsa_url, timeout=TSA_TIMEOUT_SECONDS))
    context = policy.validation_context()
    output = io.BytesIO()
    try:
        if reader.embedded_timestamp_signatures:
            await timestamper.async_update_archival_timestamp_chain(
                reader, context, in_place=False, output=output
            )
        else:
            await timestamper.async_timestamp_pdf(
                IncrementalPdfFileWriter(io.BytesIO(data)),
                "sha256",
                validation_context=context,
                output=output,
            )
    except Exception as exc:
        if _timestamp_failure(exc):
            raise TimestampUnavailableError(
                f"the time-stamp authority {tsa_url} did not answer ({_describe(exc)})"
            ) from None
        raise LtvError(f"the document timestamp could not be added: {_describe(exc)}") from None
    finally:
        await _release(context)
    return output.getvalue()


def _record(
    sig: EmbeddedPdfSignature,
    report: SignatureReport,
    vri: dict[str, EmbeddedData],
    stamped_at: dt.datetime,
    problem: str | None,
) -> SignatureLtv:
    problems = [*report.problems]
    if problem is not None:
        problems.insert(0, problem)
    level = report.long_term.level
    if level == "B-B":
        problems.append(
            "the signature has no signature timestamp: PAdES B-LT and B-LTA build on B-T, so it "
            "cannot be proven valid once the signer's certificate expires"
        )
    elif not report.long_term.validated and report.long_term.indication:
        problems.append(f"long-term validation failed: {report.long_term.indication}")
    return SignatureLtv(
        field=report.field,
        signer=report.signer,
        role=report.role,
        signing_time=report.signing_time,
        level=level,
        timestamp_time=None if report.timestamp is None else report.timestamp.time,
        archive_timestamp_time=stamped_at if level == "B-LTA" else None,
        embedded=vri.get(_vri_key(sig), EmbeddedData()),
        valid=report.valid and report.trusted,
        long_term_valid=bool(report.long_term.validated),
        problems=tuple(dict.fromkeys(problems)),
    )


# --- reading ---------------------------------------------------------------------------------


def _reader(data: bytes) -> PdfFileReader:
    try:
        reader = PdfFileReader(io.BytesIO(data))
    except (PyHankoPdfError, ValueError, KeyError, TypeError) as exc:
        raise LtvError(f"not a readable PDF: {exc}") from None
    if reader.encrypted:
        raise LtvError("the PDF is encrypted; its signatures cannot be extended")
    return reader


def _signatures(reader: PdfFileReader) -> list[EmbeddedPdfSignature]:
    try:
        return list(reader.embedded_regular_signatures)
    except (PyHankoPdfError, ValueError, KeyError, TypeError) as exc:
        raise LtvError(f"the signatures cannot be read: {exc}") from None


def _last_timestamp_time(reader: PdfFileReader) -> dt.datetime:
    last = max(reader.embedded_timestamp_signatures, key=lambda ts: ts.signed_revision)
    info = last.signed_data["encap_content_info"]["content"].parsed
    moment: dt.datetime = info["gen_time"].native
    return moment


def _vri_key(sig: EmbeddedPdfSignature) -> str:
    # pyHanko's own identifier for the VRI entry it wrote (add_validation_info's input).
    name = DocumentSecurityStore.sig_content_identifier(sig.pkcs7_content.hex().encode("ascii"))
    return str(name)


def _vri_entries(reader: PdfFileReader) -> dict[str, EmbeddedData]:
    try:
        entries = reader.root["/DSS"]["/VRI"]
    except KeyError:
        return {}
    found = {}
    for key, value in entries.items():
        entry = value.get_object()
        if not isinstance(entry, DictionaryObject):
            continue
        subjects = []
        for ref in entry.get("/Cert", ()):
            stream = ref.get_object()
            if isinstance(stream, StreamObject):
                try:
                    cert = x509.load_der_x509_certificate(stream.data)
                except ValueError:
                    continue
                subjects.append(cert.subject.rfc4514_string())
        found[str(key)] = EmbeddedData(
            certificates=tuple(sorted(subjects)),
            ocsp_responses=len(entry.get("/OCSP", ())),
            crls=len(entry.get("/CRL", ())),
        )
    return found


# --- helpers ---------------------------------------------------------------------------------


async def _release(context: ValidationContext) -> None:
    """Close the HTTP session a context opened to fetch revocation data."""
    await context.aclose()  # type: ignore[no-untyped-call]  # pyhanko-certvalidator: untyped


def _timestamp_failure(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, TimestampRequestError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    cause = exc.__cause__ or exc.__context__
    if cause is not None and str(cause) and str(cause) not in text:
        text = f"{text}: {cause}"
    return text


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def offline(policy: ValidationPolicy, at: dt.datetime | None = None) -> ValidationPolicy:
    """The same policy, with no network and, if given, as of ``at``: how an archive checks a
    package years later, from the data embedded in its documents only."""
    return dataclasses.replace(policy, fetch=False, at=at if at is not None else policy.at)


__all__ = [
    "EmbeddedData",
    "LtvError",
    "LtvResult",
    "SignatureLtv",
    "async_extend_to_lta",
    "extend_to_lta",
    "offline",
]
