"""Long-term validation before packaging: signatures extended to B-LTA still validate offline
after the signers' certificates expired and the OCSP, CRL and TSA services are gone.

A real test PKI (certomancer) served over real HTTP on loopback; documents are made PDF/A and
signed as the dms does (the competent person, then the agency, B-T), then extended.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Iterator

import pytest
from cryptography import x509

from lienthong.archive.ltv import LtvError, LtvResult, extend_to_lta, offline
from lienthong.archive.pdfa import check_pdfa, pdfa_for_signing
from lienthong.signatures.appearance import Appearance
from lienthong.signatures.errors import TimestampUnavailableError
from lienthong.signatures.pades import Level, sign_pdf
from lienthong.signatures.report import validate_pdf
from lienthong.signatures.testpki import Credential
from lienthong.signatures.trust import ValidationPolicy
from tests.signatures.conftest import ServedPki, make_decision_pdf, make_served_pki, signer_for


@pytest.fixture(scope="module")
def archive_pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedPki]:
    pki = make_served_pki(tmp_path_factory.mktemp("archive-pki"))
    pki.start()
    yield pki
    pki.stop()


@pytest.fixture
def pki(archive_pki: ServedPki) -> Iterator[ServedPki]:
    archive_pki.switchboard.down.clear()
    yield archive_pki
    archive_pki.switchboard.down.clear()


def sign(
    pki: ServedPki, pdf: bytes, credential: Credential, role: str, level: Level = "B-T"
) -> bytes:
    """Signed as the dms signs: B-T with the TSA (B-B without), no revocation data yet."""
    out = io.BytesIO()
    with signer_for(credential) as signer:
        sign_pdf(
            pdf,
            out,
            signer,
            role=role,  # type: ignore[arg-type]
            level=level,
            tsa_url=None if level == "B-B" else pki.info.tsa_url,
            appearance=Appearance(visible=False),
        )
    return out.getvalue()


def signed_by_person_and_agency(pki: ServedPki, level: Level = "B-T") -> bytes:
    document = pdfa_for_signing(make_decision_pdf()).data  # PDF/A before signing
    by_person = sign(pki, document, pki.person, "person", level)
    return sign(pki, by_person, pki.agency, "agency", level)


def extend(pki: ServedPki, pdf: bytes) -> LtvResult:
    return extend_to_lta(pdf, tsa_url=pki.info.tsa_url, policy=pki.policy)


def certificate(credential: Credential) -> x509.Certificate:
    return x509.load_pem_x509_certificate(credential.cert.read_bytes())


def after_expiry(pki: ServedPki) -> ValidationPolicy:
    """The PKI's policy offline, a year after the person's and the agency's certificates
    expired (every credential the PKI issues today lives 365 days)."""
    expiry = max(certificate(c).not_valid_after_utc for c in (pki.person, pki.agency))
    return offline(pki.policy, at=expiry + dt.timedelta(days=365))


@pytest.fixture(scope="module")
def extended(archive_pki: ServedPki) -> LtvResult:
    return extend(archive_pki, signed_by_person_and_agency(archive_pki))


def test_every_signature_is_extended_to_b_lta_with_its_validation_data(
    extended: LtvResult, archive_pki: ServedPki
) -> None:
    person, agency = extended.signatures
    assert extended.complete
    assert (person.role, agency.role) == ("person", "agency")
    for record, credential in ((person, archive_pki.person), (agency, archive_pki.agency)):
        assert record.outcome == "success" and record.problems == ()
        assert record.level == "B-LTA" and record.valid and record.long_term_valid
        assert record.signer == certificate(credential).subject.rfc4514_string()
        assert record.timestamp_time is not None and record.signing_time is not None
        assert record.archive_timestamp_time == extended.archive_timestamp_time
        assert record.timestamp_time <= extended.archive_timestamp_time
        assert record.signer in record.embedded.certificates
        # The signer's status from its sub-CA's responder, the sub-CA's from the root's.
        assert record.embedded.ocsp_responses >= 2


def test_extended_signatures_validate_offline_after_expiry_with_the_services_gone(
    pki: ServedPki, extended: LtvResult
) -> None:
    policy = after_expiry(pki)
    with pki.gone():  # no OCSP, no CRL, no TSA: connection refused
        report = validate_pdf(extended.data, policy)
    assert policy.at is not None and not policy.fetch
    assert certificate(pki.person).not_valid_after_utc < policy.at
    assert certificate(pki.agency).not_valid_after_utc < policy.at
    assert report.valid
    for signature in report.signatures:
        assert signature.valid and signature.trusted
        assert signature.long_term.level == "B-LTA" and signature.long_term.validated
        assert signature.revocation.embedded  # the status came from the file itself


def test_a_plain_b_b_signature_does_not_validate_offline_after_expiry(pki: ServedPki) -> None:
    plain = signed_by_person_and_agency(pki, level="B-B")
    with pki.gone():
        report = validate_pdf(plain, after_expiry(pki))
    assert not report.valid
    for signature in report.signatures:
        assert signature.intact and not signature.trusted and not signature.valid
        assert signature.long_term.level == "B-B" and signature.long_term.validated is None
        assert any("not valid at" in p for p in signature.problems)


def test_a_b_t_signature_not_extended_does_not_validate_offline_after_expiry(
    pki: ServedPki,
) -> None:
    signed = signed_by_person_and_agency(pki)
    with pki.gone():
        report = validate_pdf(signed, after_expiry(pki))
    assert not report.valid
    assert all(not s.trusted for s in report.signatures)


def test_a_b_b_signature_cannot_reach_b_lta_and_is_recorded_as_a_failure(
    pki: ServedPki,
) -> None:
    result = extend(pki, signed_by_person_and_agency(pki, level="B-B"))
    assert not result.complete
    for record in result.signatures:
        assert record.level == "B-B" and record.outcome == "failure"
        assert record.valid  # valid today, but nothing will prove it after expiry
        assert record.archive_timestamp_time is None
        assert any("no signature timestamp" in p for p in record.problems)


def test_the_extended_document_is_still_pdfa(extended: LtvResult) -> None:
    check = check_pdfa(extended.data)
    assert check.conforms, check.problems
    assert check.signed and check.before_signing is not None and check.before_signing.meets
    # pikepdf's validator checks neither the signature fields nor the DSS: the report says so.
    assert {p.code for p in check.problems} == {"signature-layer-not-checked"}


def test_extending_again_renews_the_archival_timestamp_chain(
    pki: ServedPki, extended: LtvResult
) -> None:
    renewed = extend(pki, extended.data)
    assert renewed.complete
    assert renewed.archive_timestamp_time >= extended.archive_timestamp_time
    with pki.gone():
        report = validate_pdf(renewed.data, after_expiry(pki))
    assert report.valid and len(report.document_timestamps) == 2


def test_a_revoked_signer_is_recorded_as_a_failure_with_the_reason(pki: ServedPki) -> None:
    document = pdfa_for_signing(make_decision_pdf()).data
    result = extend(pki, sign(pki, document, pki.revoked, "person"))
    (record,) = result.signatures
    assert record.outcome == "failure" and not record.valid
    assert any("revoked" in p for p in record.problems)


def test_a_tsa_that_does_not_answer_is_an_error(pki: ServedPki, extended: LtvResult) -> None:
    document = signed_by_person_and_agency(pki)
    with pki.outage("tsa"), pytest.raises(TimestampUnavailableError):
        extend(pki, document)


def test_an_unsigned_document_is_refused(pki: ServedPki) -> None:
    with pytest.raises(LtvError, match="no signature"):
        extend(pki, make_decision_pdf())


def test_extending_needs_the_network(pki: ServedPki, extended: LtvResult) -> None:
    with pytest.raises(LtvError, match="network"):
        extend_to_lta(extended.data, tsa_url=pki.info.tsa_url, policy=offline(pki.policy))


def test_the_record_reads_as_json_for_the_package(extended: LtvResult) -> None:
    record = extended.as_dict()
    assert record["complete"] is True
    signatures = record["signatures"]
    assert isinstance(signatures, list) and len(signatures) == 2
    assert {s["outcome"] for s in signatures} == {"success"}


def test_revocation_data_fetched_well_after_the_signature_still_proves_it(pki: ServedPki) -> None:
    # An archive extends signatures when it packages a dossier, long after they were made: the
    # OCSP answers it embeds are younger than the signature timestamps they vouch for.
    signed = signed_by_person_and_agency(pki)
    time.sleep(3)
    result = extend(pki, signed)
    assert [(r.level, r.long_term_valid) for r in result.signatures] == [("B-LTA", True)] * 2
    with pki.gone():
        report = validate_pdf(result.data, after_expiry(pki))
    assert report.valid and all(s.long_term.validated for s in report.signatures)
