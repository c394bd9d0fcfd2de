"""PAdES signing (ETSI EN 319 142: B-B, B-T, B-LT, B-LTA) of a PDF by a person or an agency.

Every signature made here is an *approval* signature: no certification signature, no DocMDP or
field lock. Decree 30 needs two signatures on one file (the competent person's, then the
agency's), and archives keep adding revocation data and document timestamps for decades; a
certification lock would make a later signature or that data a forbidden change. pyHanko's
difference analysis accepts both as allowed updates of an unlocked file.

Levels: **B-B** the signature alone; **B-T** plus a signature timestamp from the TSA; **B-LT**
plus the certificates, OCSP responses and CRLs needed to validate it later, fetched now under
the trust policy and stored in the document security store (DSS); **B-LTA** plus a document
timestamp over all of it, which an archive renews (:func:`extend_archival_timestamp`).

When the TSA cannot be reached no signature is written: :class:`TimestampUnavailableError`,
unless the caller explicitly accepts a B-B signature (``allow_b_b_fallback``), which is then
reported in :attr:`SignedInfo.level` and :attr:`SignedInfo.warnings`.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO, Literal, get_args

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError as PyHankoPdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner, PdfTimeStamper, Signer
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

from .appearance import Appearance, Role, plan_stamp
from .errors import PdfError, SigningError, TimestampUnavailableError
from .report import certificate_role
from .trust import ValidationPolicy

Level = Literal["B-B", "B-T", "B-LT", "B-LTA"]
LEVELS: tuple[Level, ...] = get_args(Level)
ROLES: tuple[Role, ...] = get_args(Role)
TSA_TIMEOUT_SECONDS = 10
# A signing certificate allows digitalSignature or nonRepudiation (Vietnamese CAs often set
# only the latter); anything else (keyEncipherment alone, say) is not for signing.
_SIGNING_KEY_USAGES = ("non_repudiation", "digital_signature")


@dataclass(frozen=True)
class SignedInfo:
    """What was signed: the level reached, the new field, who signed and when."""

    level: Level
    requested_level: Level
    role: Role
    field: str
    signer: str
    signing_time: dt.datetime | None
    tsa_url: str | None
    size: int
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "level": self.level,
            "requested_level": self.requested_level,
            "role": self.role,
            "field": self.field,
            "signer": self.signer,
            "signing_time": None if self.signing_time is None else self.signing_time.isoformat(),
            "tsa_url": self.tsa_url,
            "size": self.size,
            "warnings": list(self.warnings),
        }


def sign_pdf(
    data: bytes | BinaryIO,
    out: BinaryIO,
    signer: Signer,
    *,
    role: Role,
    level: Level = "B-LT",
    tsa_url: str | None = None,
    policy: ValidationPolicy | None = None,
    appearance: Appearance | None = None,
    allow_b_b_fallback: bool = False,
    reason: str | None = None,
    location: str | None = None,
) -> SignedInfo:
    """Sign ``data`` (a PDF) and write the signed file to ``out``; nothing is written to
    ``out`` unless signing succeeded.

    B-T and above need ``tsa_url``; B-LT and B-LTA need ``policy`` (its anchors and revocation
    mode decide whether the signer's certificate is acceptable now, and the revocation data
    fetched under it is embedded). With a policy the signer's certificate is validated before
    anything is signed, at every level. Raises :class:`PdfError` (unreadable or encrypted PDF),
    :class:`SigningError` (certificate not acceptable, bad placement or image) or
    :class:`TimestampUnavailableError`.
    """
    if role not in ROLES:
        raise SigningError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if level not in LEVELS:
        raise SigningError(f"level {level!r} is not one of {', '.join(LEVELS)}")
    if level != "B-B" and not tsa_url:
        raise SigningError(f"level {level} needs a time-stamp authority (TSA) URL")
    if level in ("B-LT", "B-LTA") and (policy is None or not policy.fetch):
        raise SigningError(
            f"level {level} needs trust anchors and network access: the revocation data to "
            "embed is fetched now and checked under them"
        )
    certificate = _signing_certificate(signer)
    _check_role(certificate, role)
    _check_key_usage(certificate)
    pdf = data if isinstance(data, bytes) else data.read()
    appearance = appearance or Appearance()
    warnings: list[str] = []
    reached: Level = level
    try:
        signed = _sign(pdf, signer, role, level, tsa_url, policy, appearance, reason, location)
    except TimestampUnavailableError as exc:
        if not allow_b_b_fallback:
            raise
        reached = "B-B"
        warnings.append(f"{exc.message}; signed at level B-B instead of {level}, as allowed")
        signed = _sign(pdf, signer, role, "B-B", None, policy, appearance, reason, location)
    out.write(signed)
    field_name, signing_time = _last_signature(signed)
    return SignedInfo(
        level=reached,
        requested_level=level,
        role=role,
        field=field_name,
        signer=certificate.subject.rfc4514_string(),
        signing_time=signing_time,
        tsa_url=tsa_url if reached != "B-B" else None,
        size=len(signed),
        warnings=tuple(warnings),
    )


def _sign(
    pdf: bytes,
    signer: Signer,
    role: Role,
    level: Level,
    tsa_url: str | None,
    policy: ValidationPolicy | None,
    appearance: Appearance,
    reason: str | None,
    location: str | None,
) -> bytes:
    with _pyhanko_errors(tsa_url):
        writer = _open_for_update(pdf)
        name = _new_field_name(writer, role)
        certificate = _signing_certificate(signer)
        stamp = plan_stamp(appearance, role, writer, signer_name=_common_name(certificate))
        field_spec = (
            fields.SigFieldSpec(name)
            if stamp is None
            else fields.SigFieldSpec(name, on_page=stamp.page_index, box=stamp.box.as_ints())
        )
        metadata = PdfSignatureMetadata(
            field_name=name,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            certify=False,
            embed_validation_info=level in ("B-LT", "B-LTA"),
            use_pades_lta=level == "B-LTA",
            validation_context=None if policy is None else policy.validation_context(),
            signer_key_usage={_usage_to_require(certificate)},
            reason=reason,
            location=location,
        )
        pdf_signer = PdfSigner(
            metadata,
            signer,
            timestamper=(
                None
                if level == "B-B" or tsa_url is None
                else HTTPTimeStamper(tsa_url, timeout=TSA_TIMEOUT_SECONDS)
            ),
            stamp_style=None if stamp is None else stamp.style,
            new_field_spec=field_spec,
        )
        output = io.BytesIO()
        pdf_signer.sign_pdf(writer, output=output)
        return output.getvalue()


def extend_archival_timestamp(
    data: bytes | BinaryIO, out: BinaryIO, *, tsa_url: str, policy: ValidationPolicy
) -> int:
    """Renew a B-LTA document's timestamp chain: validation data for the last document
    timestamp goes into the DSS, and a new document timestamp covers everything. Archives do
    this before the last timestamp's certificate or algorithm weakens. Returns the size."""
    pdf = data if isinstance(data, bytes) else data.read()
    with _pyhanko_errors(tsa_url):
        reader = PdfFileReader(io.BytesIO(pdf))
        output = io.BytesIO()
        timestamper = PdfTimeStamper(HTTPTimeStamper(tsa_url, timeout=TSA_TIMEOUT_SECONDS))
        timestamper.update_archival_timestamp_chain(
            reader, policy.validation_context(), in_place=False, output=output
        )
    extended = output.getvalue()
    out.write(extended)
    return len(extended)


# --- helpers ---------------------------------------------------------------------------------


@contextmanager
def _pyhanko_errors(tsa_url: str | None) -> Iterator[None]:
    """pyHanko's exceptions, turned into this library's (one place)."""
    try:
        yield
    except (SigningError, PdfError):
        raise
    except Exception as exc:  # pyHanko wraps causes freely: look down the chain once
        cause = _find_cause(exc, (TimestampRequestError,))
        if cause is not None:
            raise TimestampUnavailableError(
                f"the time-stamp authority {tsa_url} did not answer ({_describe(cause)})"
            ) from None
        path_error = _find_cause(exc, (PathBuildingError, PathValidationError))
        if path_error is not None:
            raise SigningError(
                "the signer's certificate is not acceptable under the trust policy: "
                f"{_describe(path_error)}"
            ) from None
        if isinstance(exc, PyHankoSigningError):
            raise SigningError(f"signing failed: {_describe(exc)}") from None
        if isinstance(exc, PyHankoPdfError):
            raise PdfError(f"the PDF cannot be signed: {_describe(exc)}") from None
        raise


def _find_cause(exc: BaseException, kinds: tuple[type[BaseException], ...]) -> BaseException | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kinds):
            return current
        seen.add(id(current))
        nested = [a for a in current.args if isinstance(a, BaseException)]
        current = current.__cause__ or current.__context__ or (nested[0] if nested else None)
    return None


def _describe(exc: BaseException) -> str:
    text = str(exc.args[0]) if exc.args and isinstance(exc.args[0], str) else str(exc)
    cause = exc.__cause__ or exc.__context__
    if cause is not None and str(cause) and str(cause) not in text:
        text = f"{text}: {cause}"
    return text or type(exc).__name__


def _open_for_update(pdf: bytes) -> IncrementalPdfFileWriter:
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    except (PyHankoPdfError, ValueError, KeyError, TypeError) as exc:
        raise PdfError(f"not a readable PDF: {exc}") from None
    if writer.prev.encrypted:
        raise PdfError("the PDF is encrypted; decrypt it before signing")
    return writer


def _new_field_name(writer: IncrementalPdfFileWriter, role: Role) -> str:
    taken = {str(name) for name, _value, _ref in fields.enumerate_sig_fields(writer)}
    number = 1
    while f"{role}-signature-{number}" in taken:
        number += 1
    return f"{role}-signature-{number}"


def _signing_certificate(signer: Signer) -> x509.Certificate:
    certificate: asn1_x509.Certificate | None = signer.signing_cert
    if certificate is None:
        raise SigningError("the signer has no certificate")
    return x509.load_der_x509_certificate(certificate.dump())


def _common_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


def _check_role(certificate: x509.Certificate, role: Role) -> None:
    """An agency signature is made with the agency's certificate, a person's with a person's
    (a certificate of neither kind, from another CA's naming, is let through)."""
    found = certificate_role(certificate)
    if found is not None and found != role:
        whose = {"agency": "an agency's", "person": "a person's"}
        raise SigningError(
            f"a {role} signature needs {whose[role]} certificate; "
            f"{certificate.subject.rfc4514_string()} is {whose[found]}"
        )


def _key_usage(certificate: x509.Certificate) -> x509.KeyUsage | None:
    try:
        return certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None


def _check_key_usage(certificate: x509.Certificate) -> None:
    usage = _key_usage(certificate)
    if usage is not None and not (usage.digital_signature or usage.content_commitment):
        raise SigningError(
            f"the certificate of {certificate.subject.rfc4514_string()} is not for signing "
            "(its key usage allows neither digitalSignature nor nonRepudiation)"
        )


def _usage_to_require(certificate: x509.Certificate) -> str:
    usage = _key_usage(certificate)
    if usage is not None and not usage.content_commitment:
        return "digital_signature"
    return "non_repudiation"


def _last_signature(pdf: bytes) -> tuple[str, dt.datetime | None]:
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_regular_signatures[-1]
    return signature.field_name, signature.self_reported_timestamp
