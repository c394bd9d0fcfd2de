"""The verdict matrix: real certificates from the test PKI, a real HTTP server, one verdict each.

Each test signs the sample decision with :func:`sign_pdf` (or, where the library rightly
refuses, with pyHanko directly) and reads :func:`validate_pdf`'s report.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from pathlib import Path

import pytest
from cryptography import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from lienthong.signatures.appearance import Appearance
from lienthong.signatures.errors import SigningError, TimestampUnavailableError
from lienthong.signatures.pades import Level, SignedInfo, sign_pdf
from lienthong.signatures.report import PdfReport, SignatureReport, validate_pdf
from lienthong.signatures.testpki import Credential
from lienthong.signatures.trust import ValidationPolicy

from .conftest import CONTENT_MARKER, SIGNATURE_GAP, ServedPki, signer_for


def sign(
    pki: ServedPki,
    pdf: bytes,
    credential: Credential,
    *,
    role: str = "person",
    level: Level = "B-LT",
    policy: ValidationPolicy | None = None,
    appearance: Appearance | None = None,
) -> bytes:
    out = io.BytesIO()
    with signer_for(credential) as signer:
        sign_pdf(
            pdf,
            out,
            signer,
            role=role,  # type: ignore[arg-type]
            level=level,
            tsa_url=None if level == "B-B" else pki.info.tsa_url,
            policy=policy if policy is not None or level in ("B-B", "B-T") else pki.policy,
            # Invisible unless the test is about the look: a text stamp costs a font subset.
            appearance=appearance or Appearance(visible=False),
        )
    return out.getvalue()


def seal(pki: ServedPki, pdf: bytes, seal_png: Path, *, level: Level = "B-B") -> bytes:
    """``pdf`` signed by the agency, its seal over the person's signature."""
    appearance = Appearance(image=seal_png)
    return sign(pki, pdf, pki.agency, role="agency", level=level, appearance=appearance)


def only(report: PdfReport) -> SignatureReport:
    assert len(report.signatures) == 1
    return report.signatures[0]


def assert_untrusted(signature: SignatureReport, because: str) -> None:
    """Intact, yet neither trusted nor valid, for a problem that says ``because``."""
    assert signature.intact and not signature.trusted and not signature.valid
    assert any(because in p for p in signature.problems)


def sign_while_the_tsa_is_down(
    pki: ServedPki, pdf: bytes, out: io.BytesIO, *, allow_b_b_fallback: bool = False
) -> SignedInfo:
    """``pdf`` signed by the person at B-LT under the PKI's policy, into ``out``."""
    with pki.outage("tsa"), signer_for(pki.person) as signer:
        return sign_pdf(
            pdf,
            out,
            signer,
            role="person",
            level="B-LT",
            tsa_url=pki.info.tsa_url,
            policy=pki.policy,
            allow_b_b_fallback=allow_b_b_fallback,
        )


def validated(
    pki: ServedPki,
    pdf: bytes,
    policy: ValidationPolicy | None = None,
    *,
    down: tuple[str, ...] = (),
) -> SignatureReport:
    """The one signature of ``pdf`` validated under ``policy`` (the PKI's by default) while the
    ``down`` services answer 503."""
    with pki.outage(*down):
        return only(validate_pdf(pdf, policy or pki.policy))


def years_later(pki: ServedPki) -> ValidationPolicy:
    """Offline validation five years on, when every credential issued today has expired."""
    five_years_on = dt.datetime.now(dt.UTC) + dt.timedelta(days=5 * 365)
    assert certificate(pki.person).not_valid_after_utc < five_years_on
    return ValidationPolicy.from_paths([pki.info.root], fetch=False, at=five_years_on)


def certificate(credential: Credential) -> x509.Certificate:
    return x509.load_pem_x509_certificate(credential.cert.read_bytes())


@pytest.fixture(scope="module")
def person_and_agency_b_lta(
    served_pki: ServedPki, decision_pdf: bytes, signature_png: Path, seal_png: Path
) -> bytes:
    """The Decree 30 pair: the competent person, then the agency, both B-LTA."""
    by_person = sign(
        served_pki,
        decision_pdf,
        served_pki.person,
        level="B-LTA",
        appearance=Appearance(image=signature_png, box=SIGNATURE_GAP),
    )
    return seal(served_pki, by_person, seal_png, level="B-LTA")


@pytest.fixture(scope="module")
def b_t_by_person(served_pki: ServedPki, decision_pdf: bytes) -> bytes:
    """A B-T signature by the person: timestamped, no revocation data embedded."""
    return sign(served_pki, decision_pdf, served_pki.person, level="B-T")


def test_a_b_lt_person_signature_is_valid_trusted_and_good_by_ocsp(
    pki: ServedPki, decision_pdf: bytes
) -> None:
    signature = validated(pki, sign(pki, decision_pdf, pki.person))
    assert signature.valid and signature.intact and signature.trusted
    assert signature.role == "person" and signature.agency_code == "000.00.00.H25"
    assert signature.revocation.status == "good" and signature.revocation.source == "ocsp"
    assert signature.long_term.level == "B-LT" and signature.long_term.validated
    assert signature.timestamp is not None and signature.timestamp.trusted
    assert signature.modifications == "allowed"  # the DSS revision after the signature
    assert signature.problems == ()


def test_person_then_agency_signatures_on_one_file_both_validate(
    pki: ServedPki, person_and_agency_b_lta: bytes
) -> None:
    report = validate_pdf(person_and_agency_b_lta, pki.policy)
    person, agency = report.signatures
    assert report.valid
    assert (person.role, agency.role) == ("person", "agency")
    assert person.valid and person.trusted and agency.valid and agency.trusted
    assert person.modifications == "allowed"  # the agency's signature came after it
    assert person.long_term.level == agency.long_term.level == "B-LTA"
    assert len(report.document_timestamps) == 2
    assert all(ts.trusted for ts in report.document_timestamps)


def test_a_b_lta_file_validates_offline_years_later_after_the_signer_expired(
    pki: ServedPki, person_and_agency_b_lta: bytes
) -> None:
    with pki.gone():  # the responders and the TSA are gone
        report = validate_pdf(person_and_agency_b_lta, years_later(pki))
    assert report.valid
    for signature in report.signatures:
        assert signature.valid and signature.trusted
        assert signature.long_term.validated
        assert signature.revocation.embedded  # the status came from the file itself
        assert any("not trusted at" in w for w in signature.warnings)
    assert any("could not be checked for revocation" in w for w in report.warnings)


def test_years_later_a_b_t_signature_is_no_longer_trusted(
    pki: ServedPki, b_t_by_person: bytes
) -> None:
    signature = validated(pki, b_t_by_person, years_later(pki))
    assert not signature.trusted and not signature.valid
    assert signature.long_term.validated is None  # nothing embedded to rely on


def test_a_signature_by_an_expired_certificate_is_not_trusted(
    pki: ServedPki, decision_pdf: bytes
) -> None:
    signature = validated(pki, sign(pki, decision_pdf, pki.expired, level="B-T"))
    assert_untrusted(signature, because="not valid at")


@pytest.mark.parametrize(("source", "down"), [("ocsp", "crls"), ("crl", "ocsp")])
def test_a_revoked_signer_is_reported_revoked_by_whichever_responder_answers(
    pki: ServedPki, decision_pdf: bytes, source: str, down: str
) -> None:
    pdf = sign(pki, decision_pdf, pki.revoked, level="B-T")
    signature = validated(pki, pdf, down=(down,))  # only the other one can answer
    assert not signature.trusted and not signature.valid
    assert signature.revocation.status == "revoked"
    assert signature.revocation.source == source
    assert signature.revocation.revoked_at is not None
    assert signature.revocation.reason == "key_compromise"
    assert any("revoked on" in p for p in signature.problems)


def test_a_signature_under_an_untrusted_root_is_not_trusted(
    pki: ServedPki, b_t_by_person: bytes, other_root: Path
) -> None:
    signature = validated(pki, b_t_by_person, ValidationPolicy.from_paths([other_root]))
    assert_untrusted(signature, because="does not chain to a trust anchor")
    assert signature.revocation.status == "not-checked"


def test_a_document_changed_after_signing_is_not_intact(
    pki: ServedPki, b_t_by_person: bytes
) -> None:
    pdf = b_t_by_person
    at = pdf.index(CONTENT_MARKER)
    tampered = pdf[:at] + CONTENT_MARKER.upper() + pdf[at + len(CONTENT_MARKER) :]
    report = validate_pdf(tampered, pki.policy)
    signature = only(report)
    assert not report.valid
    assert not signature.intact and not signature.valid
    assert any("changed" in p for p in signature.problems)


@pytest.mark.parametrize(
    ("holder", "level", "refusal"),
    [
        pytest.param("expired", "B-T", "not acceptable under the trust policy", id="expired"),
        pytest.param("revoked", "B-LT", "revoked", id="revoked"),
        pytest.param("encipherment", "B-B", "not for signing", id="encipherment-only"),
    ],
)
def test_signing_with_a_certificate_unfit_to_sign_is_refused(
    pki: ServedPki, decision_pdf: bytes, holder: str, level: Level, refusal: str
) -> None:
    """Under the trust policy, except at B-B where no policy is given: the key usage alone
    refuses an encipherment-only certificate."""
    policy = None if level == "B-B" else pki.policy
    with pytest.raises(SigningError, match=refusal):
        sign(pki, decision_pdf, getattr(pki, holder), level=level, policy=policy)


def test_a_signature_by_an_encipherment_only_certificate_is_not_trusted(
    pki: ServedPki, decision_pdf: bytes
) -> None:
    # Made elsewhere (pyHanko directly, no checks): the validator must catch it.
    out = io.BytesIO()
    with signer_for(pki.encipherment) as signer:
        signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(decision_pdf)),
            signers.PdfSignatureMetadata(
                field_name="elsewhere", subfilter=fields.SigSeedSubFilter.PADES
            ),
            signer=signer,
            output=out,
        )
    signature = validated(pki, out.getvalue())
    assert_untrusted(signature, because="not for signing")


def test_with_the_tsa_down_signing_fails_clearly_and_writes_nothing(
    pki: ServedPki, decision_pdf: bytes
) -> None:
    out = io.BytesIO()
    with pytest.raises(TimestampUnavailableError, match="time-stamp authority"):
        sign_while_the_tsa_is_down(pki, decision_pdf, out)
    assert out.getvalue() == b""


def test_with_the_tsa_down_an_explicit_policy_signs_at_b_b_with_a_warning(
    pki: ServedPki, decision_pdf: bytes
) -> None:
    out = io.BytesIO()
    info = sign_while_the_tsa_is_down(pki, decision_pdf, out, allow_b_b_fallback=True)
    assert (info.level, info.requested_level) == ("B-B", "B-LT")
    assert any("B-B" in w for w in info.warnings)
    signature = validated(pki, out.getvalue())
    assert signature.valid and signature.long_term.level == "B-B"


def test_with_ocsp_and_crl_unreachable_hard_fail_does_not_trust(
    pki: ServedPki, b_t_by_person: bytes
) -> None:
    signature = validated(pki, b_t_by_person, down=("ocsp", "crls"))
    assert_untrusted(signature, because="revocation")
    assert signature.revocation.status == "unknown"


def test_with_ocsp_and_crl_unreachable_soft_fail_trusts_with_a_warning(
    pki: ServedPki, b_t_by_person: bytes
) -> None:
    soft = dataclasses.replace(pki.policy, revocation="soft-fail")
    signature = validated(pki, b_t_by_person, soft, down=("ocsp", "crls"))
    assert signature.valid and signature.trusted
    assert signature.revocation.status == "unknown"
    assert any("revocation status not established" in w for w in signature.warnings)


def test_with_only_ocsp_down_the_crl_settles_the_status_under_hard_fail(
    pki: ServedPki, b_t_by_person: bytes
) -> None:
    signature = validated(pki, b_t_by_person, down=("ocsp",))
    assert signature.valid and signature.trusted
    assert (signature.revocation.status, signature.revocation.source) == ("good", "crl")


def test_a_b_lt_signature_carries_its_own_revocation_data_when_responders_are_down(
    pki: ServedPki, decision_pdf: bytes
) -> None:
    pdf = sign(pki, decision_pdf, pki.person, level="B-LT")
    signature = validated(pki, pdf, down=("ocsp", "crls"))
    assert signature.valid and signature.trusted
    assert signature.long_term.validated
    assert signature.revocation.embedded
    assert any("embedded revocation data settled it" in w for w in signature.warnings)
