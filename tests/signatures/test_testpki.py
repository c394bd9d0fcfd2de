"""The test PKI: a real hierarchy with Vietnamese names, served over HTTP (CRL, OCSP, TSA)."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import ocsp, verification
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import RevokedError
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)

from lienthong.signatures.errors import PkiError
from lienthong.signatures.testpki import (
    Credential,
    PkiInfo,
    agency_code_of,
    holder_role_of,
    init_pki,
    issue_agency,
    issue_person,
    open_pki,
    revoke,
    serve,
    serving,
)

AGENCY_CODE = "000.00.00.G01"
AGENCY_NAME = "Văn phòng Chính phủ"
UTC = dt.UTC


@dataclass(frozen=True)
class Issued:
    info: PkiInfo
    agency: Credential
    person: Credential


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Issued:
    info = init_pki(tmp_path_factory.mktemp("testpki") / "pki", port=0)
    agency = issue_agency(info.directory, code=AGENCY_CODE, name=AGENCY_NAME)
    person = issue_person(info.directory, name="Nguyễn Văn A", title="Giám đốc", agency=AGENCY_CODE)
    return Issued(info, agency, person)


@pytest.fixture(scope="module")
def served(pki: Issued) -> Iterator[PkiInfo]:
    with serving(pki.info.directory) as info:
        yield info


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def chain_of(credential: Credential) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(credential.chain.read_bytes())


def fetch(url: str, data: bytes | None = None, content_type: str = "") -> bytes:
    request = urllib.request.Request(url, data=data)
    if content_type:
        request.add_header("Content-Type", content_type)
    with urllib.request.urlopen(request, timeout=10) as response:
        body: bytes = response.read()
        return body


def ocsp_url_of(cert: x509.Certificate) -> str:
    aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    return next(
        str(d.access_location.value)
        for d in aia
        if d.access_method == x509.oid.AuthorityInformationAccessOID.OCSP
    )


def crl_url_of(cert: x509.Certificate) -> str:
    points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    return str(points[0].full_name[0].value)  # type: ignore[index]


def ocsp_status(credential: Credential) -> ocsp.OCSPResponse:
    cert, issuer = load(credential.cert), chain_of(credential)[0]
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()
    body = fetch(
        ocsp_url_of(cert),
        request.public_bytes(serialization.Encoding.DER),
        "application/ocsp-request",
    )
    response = ocsp.load_der_ocsp_response(body)
    assert response.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
    return response


def served_crl(cert: x509.Certificate) -> x509.CertificateRevocationList:
    return x509.load_der_x509_crl(fetch(crl_url_of(cert)))


def chain_verifier(root: x509.Certificate, at: dt.datetime) -> verification.ClientVerifier:
    # Signing certificates carry no TLS names or EKU: check the path, not the Web PKI profile.
    return (
        verification.PolicyBuilder()
        .store(verification.Store([root]))
        .time(at)
        .extension_policies(
            ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(),
            ee_policy=verification.ExtensionPolicy.permit_all(),
        )
        .build_client_verifier()
    )


def asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def validate_with_pyhanko(credential: Credential, root: Path, rule: RevocationCheckingRule) -> None:
    """Validate for signing with pyHanko, fetching revocation information as ``rule`` demands
    for every certificate of the path."""

    async def validate() -> None:
        async with AIOHttpFetcherBackend() as fetchers:
            context = ValidationContext(
                trust_roots=[asn1(load(root))],
                allow_fetching=True,
                fetchers=fetchers,
                revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy(rule, rule)),
            )
            validator = CertificateValidator(
                asn1(load(credential.cert)),
                intermediate_certs=[asn1(c) for c in chain_of(credential)],
                validation_context=context,
            )
            await validator.async_validate_usage({"non_repudiation"})

    asyncio.run(validate())


# --- creating and opening ------------------------------------------------------------------


def test_init_refuses_a_folder_that_already_holds_a_pki(pki: Issued) -> None:
    with pytest.raises(PkiError, match="already exists"):
        init_pki(pki.info.directory)


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hồ sơ", encoding="utf-8")
    with pytest.raises(PkiError, match="not empty"):
        init_pki(tmp_path)


def test_open_pki_on_a_plain_folder_says_it_is_not_a_pki(tmp_path: Path) -> None:
    with pytest.raises(PkiError, match="not a test PKI folder"):
        open_pki(tmp_path)


def test_open_pki_finds_what_init_created(pki: Issued) -> None:
    assert open_pki(pki.info.directory) == pki.info


def test_the_addresses_are_on_loopback_at_the_chosen_port(pki: Issued) -> None:
    base = f"http://127.0.0.1:{pki.info.port}/"
    assert pki.info.port > 0
    assert all(u.startswith(base) for u in (pki.info.tsa_url, pki.info.ocsp_url, pki.info.crl_url))


def test_the_root_has_a_vietnamese_name_in_utf8(pki: Issued) -> None:
    root = load(pki.info.root)
    (common_name,) = root.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert common_name.value == "CA gốc chuyên dùng Chính phủ (thử nghiệm)"
    assert common_name._type is x509.name._ASN1Type.UTF8String
    assert root.subject == root.issuer


# --- what certificates carry ---------------------------------------------------------------


def test_agency_and_person_certificates_chain_to_the_root(pki: Issued) -> None:
    verifier = chain_verifier(load(pki.info.root), dt.datetime.now(UTC))
    for credential in (pki.agency, pki.person):
        verified = verifier.verify(load(credential.cert), chain_of(credential))
        assert verified.chain[-1] == load(pki.info.root)


def test_the_chain_file_holds_the_sub_ca_then_the_root(pki: Issued) -> None:
    sub_ca, root = chain_of(pki.agency)
    assert load(pki.agency.cert).issuer == sub_ca.subject
    assert root == load(pki.info.root)


def test_agency_certificate_carries_its_code_which_agency_code_of_reads(pki: Issued) -> None:
    cert = load(pki.agency.cert)
    (uid,) = cert.subject.get_attributes_for_oid(NameOID.USER_ID)
    assert uid.value == AGENCY_CODE
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == AGENCY_NAME
    assert agency_code_of(cert) == AGENCY_CODE
    assert holder_role_of(cert) == "agency"


def test_person_certificate_carries_name_title_and_agency(pki: Issued) -> None:
    subject = load(pki.person.cert).subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Nguyễn Văn A"
    assert subject.get_attributes_for_oid(NameOID.TITLE)[0].value == "Giám đốc"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == AGENCY_NAME
    assert agency_code_of(load(pki.person.cert)) == AGENCY_CODE
    assert holder_role_of(load(pki.person.cert)) == "person"


def test_the_pki_own_certificates_carry_no_agency_code(pki: Issued) -> None:
    assert agency_code_of(load(pki.info.root)) is None
    assert holder_role_of(load(pki.info.root)) is None


def test_an_invalid_agency_code_is_refused(pki: Issued) -> None:
    with pytest.raises(PkiError, match="agency code"):
        issue_agency(pki.info.directory, code="UBND-HN", name="Ủy ban nhân dân")


def test_a_signing_credential_has_digital_signature_and_non_repudiation(pki: Issued) -> None:
    usage = load(pki.agency.cert).extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_encipherment


def test_an_encipherment_credential_cannot_sign(pki: Issued) -> None:
    credential = issue_agency(
        pki.info.directory, code=AGENCY_CODE, name=AGENCY_NAME, key_usage="encipherment"
    )
    usage = load(credential.cert).extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_encipherment
    assert not usage.digital_signature and not usage.content_commitment


def test_validity_can_be_set_to_make_an_expired_credential(pki: Issued) -> None:
    ended = dt.datetime(2024, 1, 1, tzinfo=UTC)
    credential = issue_person(
        pki.info.directory, name="Trần Thị B", title="Chuyên viên", agency=AGENCY_CODE,
        not_before=dt.datetime(2023, 1, 1), not_after=ended,
    )  # fmt: skip
    cert = load(credential.cert)
    assert cert.not_valid_after_utc == ended
    with pytest.raises(verification.VerificationError):
        chain_verifier(load(pki.info.root), dt.datetime.now(UTC)).verify(cert, chain_of(credential))


def test_the_p12_opens_with_its_password_and_holds_key_certificate_and_chain(
    pki: Issued,
) -> None:
    bundle = pkcs12.load_pkcs12(pki.agency.p12.read_bytes(), pki.agency.p12_password.encode())
    assert bundle.cert is not None and bundle.key is not None
    assert bundle.cert.certificate == load(pki.agency.cert)
    assert [c.certificate for c in bundle.additional_certs] == chain_of(pki.agency)
    key = serialization.load_pem_private_key(pki.agency.key.read_bytes(), None)
    assert bundle.key.public_key() == key.public_key()


def test_certificates_name_their_issuer_ocsp_and_crl_on_loopback(pki: Issued) -> None:
    agency, person = load(pki.agency.cert), load(pki.person.cert)
    assert ocsp_url_of(agency) == pki.info.ocsp_url
    assert crl_url_of(agency) == pki.info.crl_url
    assert ocsp_url_of(person).startswith(f"http://127.0.0.1:{pki.info.port}/")
    assert ocsp_url_of(person) != ocsp_url_of(agency)  # the persons' sub-CA answers for it


def test_issuing_again_never_changes_earlier_certificates(pki: Issued) -> None:
    before = {p: p.read_bytes() for p in (pki.info.root, pki.agency.cert, pki.person.cert)}
    issue_agency(pki.info.directory, code="000.00.00.H23", name="Ủy ban nhân dân tỉnh Hà Giang")
    assert {p: p.read_bytes() for p in before} == before


# --- served: CRL, OCSP, TSA ----------------------------------------------------------------


def test_the_served_crl_is_signed_by_the_issuer_and_lists_nothing_at_first(
    pki: Issued, served: PkiInfo
) -> None:
    crl = x509.load_der_x509_crl(fetch(served.crl_url))
    sub_ca = chain_of(pki.agency)[0]
    assert crl.issuer == sub_ca.subject
    assert crl.is_signature_valid(sub_ca.public_key())
    assert crl.get_revoked_certificate_by_serial_number(load(pki.agency.cert).serial_number) is None


def test_a_revoked_certificate_is_listed_in_the_served_crl_at_once(
    pki: Issued, served: PkiInfo
) -> None:
    credential = issue_agency(pki.info.directory, code=AGENCY_CODE, name=AGENCY_NAME)
    cert = load(credential.cert)
    revoke(pki.info.directory, credential.cert, reason="key_compromise")
    entry = served_crl(cert).get_revoked_certificate_by_serial_number(cert.serial_number)
    assert entry is not None
    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason is x509.ReasonFlags.key_compromise


def test_ocsp_answers_good_for_a_valid_certificate(pki: Issued, served: PkiInfo) -> None:
    assert ocsp_status(pki.person).certificate_status is ocsp.OCSPCertStatus.GOOD


def test_ocsp_answers_revoked_after_revoke(pki: Issued, served: PkiInfo) -> None:
    credential = issue_person(
        pki.info.directory, name="Lê Văn C", title="Phó Giám đốc", agency=AGENCY_CODE
    )
    assert ocsp_status(credential).certificate_status is ocsp.OCSPCertStatus.GOOD
    at = dt.datetime.now(UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    revoke(pki.info.directory, credential.cert, reason="superseded", at=at)
    response = ocsp_status(credential)
    assert response.certificate_status is ocsp.OCSPCertStatus.REVOKED
    assert response.revocation_time_utc == at
    assert response.revocation_reason is x509.ReasonFlags.superseded


def test_ocsp_is_signed_by_a_delegated_responder_of_the_issuer(
    pki: Issued, served: PkiInfo
) -> None:
    response = ocsp_status(pki.agency)
    (responder,) = response.certificates
    sub_ca = chain_of(pki.agency)[0]
    assert responder.issuer == sub_ca.subject
    eku = responder.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.OCSP_SIGNING in eku
    assert responder.extensions.get_extension_for_oid(ExtensionOID.OCSP_NO_CHECK)
    responder.public_key().verify(  # type: ignore[union-attr,call-arg]
        response.signature,
        response.tbs_response_bytes,
        padding.PKCS1v15(),
        response.signature_hash_algorithm,
    )


def test_a_validator_requiring_both_crl_and_ocsp_trusts_a_good_credential(
    pki: Issued, served: PkiInfo
) -> None:
    for credential in (pki.agency, pki.person):
        validate_with_pyhanko(
            credential, pki.info.root, RevocationCheckingRule.CRL_AND_OCSP_REQUIRED
        )


@pytest.mark.parametrize(
    "rule", [RevocationCheckingRule.CRL_REQUIRED, RevocationCheckingRule.OCSP_REQUIRED]
)
def test_a_validator_sees_a_revoked_credential_by_crl_and_by_ocsp(
    pki: Issued, served: PkiInfo, rule: RevocationCheckingRule
) -> None:
    credential = issue_agency(pki.info.directory, code=AGENCY_CODE, name=AGENCY_NAME)
    revoke(pki.info.directory, credential.cert)
    with pytest.raises(RevokedError):
        validate_with_pyhanko(credential, pki.info.root, rule)


def test_the_tsa_returns_a_valid_token_trusted_through_the_root(
    pki: Issued, served: PkiInfo
) -> None:
    digest = hashlib.sha256(b"Quyet dinh so 15/QD-VPCP").digest()

    async def stamp_and_validate() -> dict[str, Any]:
        token = await HTTPTimeStamper(served.tsa_url).async_timestamp(digest, "sha256")
        async with AIOHttpFetcherBackend() as fetchers:
            context = ValidationContext(
                trust_roots=[asn1(load(pki.info.root))], allow_fetching=True, fetchers=fetchers
            )
            return await validate_tst_signed_data(
                token["content"], context, lambda _algorithm: digest
            )

    status = asyncio.run(stamp_and_validate())
    assert status["intact"] and status["valid"]
    assert status["trust_problem_indic"] is None
    assert abs(status["timestamp"] - dt.datetime.now(UTC)) < dt.timedelta(minutes=1)


# --- refusals ------------------------------------------------------------------------------


def test_revoke_refuses_a_certificate_of_another_pki(pki: Issued, tmp_path: Path) -> None:
    with pytest.raises(PkiError, match="not issued by"):
        revoke(pki.info.directory, _foreign_cert(tmp_path))


def test_revoke_refuses_the_root(pki: Issued) -> None:
    with pytest.raises(PkiError, match="root cannot be revoked"):
        revoke(pki.info.directory, pki.info.root)


def test_serve_refuses_a_host_that_is_not_loopback(pki: Issued) -> None:
    with pytest.raises(PkiError, match="loopback only"):
        serve(pki.info.directory, host="0.0.0.0")


def _foreign_cert(tmp_path: Path) -> Path:
    """A certificate with an issued-looking name but another key: not from this PKI."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, AGENCY_NAME)])
    now = dt.datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "foreign.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path
