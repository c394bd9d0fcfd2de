"""Signing keys from PEM files, PKCS#12 bundles and a real PKCS#11 token (SoftHSM2)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.signers import PdfSignatureMetadata, Signer
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from lienthong.edxml.dsig import sign as edxml_sign
from lienthong.edxml.dsig import verify as edxml_verify
from lienthong.signatures.errors import KeyError_
from lienthong.signatures.keys import KeySource, RawTokenSigner, open_signer, signer_certificate
from lienthong.signatures.trust import ValidationPolicy

from ..conftest import missing_service
from ..edxml.pki import Pki, make_pki
from ..edxml.test_dsig import EDOC
from .softhsm import SoftHsmToken, softhsm_missing, softhsm_token

DATA = "Công văn số 123/VPCP-HC: dữ liệu cần ký".encode()
P12_PASSWORD = b"mat-khau-p12"


@dataclass(frozen=True)
class Files:
    """The test PKI's signer as files: PEM key and certificate, CA chain, PKCS#12 bundle."""

    pki: Pki
    p12: Path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Files:
    pki = make_pki(tmp_path_factory.mktemp("pki"))
    p12 = pki.directory / "signer.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"signer",
            pki.leaf.key,
            pki.leaf.cert,
            [pki.intermediate.cert],
            serialization.BestAvailableEncryption(P12_PASSWORD),
        )
    )
    return Files(pki, p12)


@pytest.fixture(scope="module")
def token(files: Files, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsmToken]:
    reason = softhsm_missing()
    if reason:
        missing_service(reason)
    pki = files.pki
    with softhsm_token(
        tmp_path_factory.mktemp("softhsm"),
        key=pki.leaf.key,
        certificate=pki.leaf.cert,
        ca_certificates=[pki.intermediate.cert, pki.root.cert],
    ) as created:
        yield created


def token_source(token: SoftHsmToken, **changes: object) -> KeySource:
    options: dict[str, object] = {
        "pkcs11_module": token.module,
        "pkcs11_token": token.token_label,
        "pkcs11_pin": token.pin,
        "pkcs11_key_label": token.key_label,
    }
    return KeySource.from_options(**(options | changes))  # type: ignore[arg-type]


def sign_raw(signer: Signer, data: bytes) -> bytes:
    return asyncio.run(signer.async_sign_raw(data, "sha256"))


def assert_verifies(signature: bytes, data: bytes, certificate: x509.Certificate) -> None:
    public_key = certificate.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())


def refusal(source: KeySource) -> KeyError_:
    """The error opening a signer for ``source`` raises."""
    with pytest.raises(KeyError_) as raised, open_signer(source):
        pass
    assert raised.value.code == "key-invalid"
    return raised.value


def test_pem_key_and_certificate_sign_bytes_verifiable_with_the_certificate(files: Files) -> None:
    pki = files.pki
    source = KeySource.from_options(
        key=pki.leaf_key_path, cert=pki.leaf_cert_path, chain=pki.chain_path
    )
    with open_signer(source) as signer:
        signature = sign_raw(signer, DATA)
        assert signer_certificate(signer) == pki.leaf.cert
    assert_verifies(signature, DATA, pki.leaf.cert)


def test_pkcs12_with_the_right_password_signs(files: Files) -> None:
    with open_signer(KeySource.from_options(p12=files.p12, p12_password="mat-khau-p12")) as signer:
        signature = sign_raw(signer, DATA)
        assert signer_certificate(signer) == files.pki.leaf.cert
    assert_verifies(signature, DATA, files.pki.leaf.cert)


def test_pkcs12_with_a_wrong_password_is_refused_naming_the_password(files: Files) -> None:
    error = refusal(KeySource.from_options(p12=files.p12, p12_password="sai-mat-khau"))
    assert "wrong password" in error.message
    assert str(files.p12) in error.message


def test_encrypted_pem_key_without_its_password_is_refused(files: Files, tmp_path: Path) -> None:
    key = tmp_path / "encrypted.key"
    key.write_bytes(files.pki.leaf.key_pem(password=b"secret"))
    error = refusal(KeySource.from_options(key=key, cert=files.pki.leaf_cert_path))
    assert "protected by a password" in error.message


def test_key_that_does_not_belong_to_the_certificate_is_refused(files: Files) -> None:
    source = KeySource.from_options(key=files.pki.leaf_key_path, cert=files.pki.root_pem_path)
    assert "does not belong to the certificate" in refusal(source).message


def test_missing_key_file_is_refused_naming_the_file(files: Files, tmp_path: Path) -> None:
    missing = tmp_path / "khong-co.key"
    error = refusal(KeySource.from_options(key=missing, cert=files.pki.leaf_cert_path))
    assert f"does not exist: {missing}" in error.message


def test_two_key_forms_at_once_are_refused(files: Files, token: SoftHsmToken) -> None:
    with pytest.raises(KeyError_, match="one signing key only"):
        KeySource.from_options(p12=files.p12, pkcs11_module=token.module)


def test_no_key_form_is_refused() -> None:
    with pytest.raises(KeyError_, match="no signing key was given"):
        KeySource.from_options()


def test_pkcs11_key_on_softhsm_signs_bytes_verifiable_with_its_certificate(
    files: Files, token: SoftHsmToken
) -> None:
    with open_signer(token_source(token)) as signer:
        signature = sign_raw(signer, DATA)
        assert signer_certificate(signer) == files.pki.leaf.cert
    assert_verifies(signature, DATA, files.pki.leaf.cert)


def test_token_certificate_may_be_chosen_by_its_label(files: Files, token: SoftHsmToken) -> None:
    source = token_source(token, pkcs11_cert_label=token.cert_label)
    with open_signer(source) as signer:
        assert signer_certificate(signer) == files.pki.leaf.cert


def test_token_certificate_may_come_from_a_file(files: Files, token: SoftHsmToken) -> None:
    source = token_source(token, cert=files.pki.leaf_cert_path, chain=files.pki.chain_path)
    with open_signer(source) as signer:
        assert_verifies(sign_raw(signer, DATA), DATA, files.pki.leaf.cert)


def test_the_only_token_and_its_only_key_are_used_when_no_label_is_given(
    files: Files, token: SoftHsmToken
) -> None:
    source = token_source(token, pkcs11_token=None, pkcs11_key_label=None)
    with open_signer(source) as signer:
        assert_verifies(sign_raw(signer, DATA), DATA, files.pki.leaf.cert)


def test_token_can_be_opened_again_once_the_signer_is_closed(token: SoftHsmToken) -> None:
    # A session left open and logged in would make the second login fail.
    for _ in range(2):
        with open_signer(token_source(token)) as signer:
            sign_raw(signer, DATA)


def test_wrong_pin_is_refused(token: SoftHsmToken) -> None:
    error = refusal(token_source(token, pkcs11_pin="0000"))
    assert f"wrong PIN for the token '{token.token_label}'" in error.message


def test_token_without_a_pin_is_refused_asking_for_it(token: SoftHsmToken) -> None:
    error = refusal(token_source(token, pkcs11_pin=None))
    assert f"the token '{token.token_label}' needs its PIN" in error.message


def test_unknown_token_label_is_refused_naming_the_tokens_present(token: SoftHsmToken) -> None:
    error = refusal(token_source(token, pkcs11_token="khong-co"))
    assert "no token labelled 'khong-co'" in error.message
    assert f"tokens present: '{token.token_label}'" in error.message


def test_unknown_key_label_is_refused_naming_the_keys_present(token: SoftHsmToken) -> None:
    error = refusal(token_source(token, pkcs11_key_label="khong-co"))
    assert "no signing key labelled 'khong-co'" in error.message
    assert f"signing keys on it: '{token.key_label}'" in error.message


def test_missing_pkcs11_module_is_refused_naming_the_file(
    token: SoftHsmToken, tmp_path: Path
) -> None:
    missing = tmp_path / "libkhongco.so"
    error = refusal(token_source(token, pkcs11_module=missing))
    assert f"does not exist: {missing}" in error.message


def blank_pdf() -> BytesIO:
    writer = PdfFileWriter()
    contents = writer.add_object(generic.StreamObject(stream_data=b""))
    media_box = generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 595, 842)])
    writer.insert_page(PageObject(contents=contents, media_box=media_box))
    out = BytesIO()
    writer.write(out)
    out.seek(0)
    return out


def test_pdf_signed_through_softhsm_validates_as_intact_and_trusted(
    files: Files, token: SoftHsmToken
) -> None:
    with open_signer(token_source(token)) as signer:
        signed = signers.sign_pdf(
            IncrementalPdfFileWriter(blank_pdf()),
            PdfSignatureMetadata(field_name="Sig1"),
            signer=signer,
        )
    root = asn1_x509.Certificate.load(files.pki.root.cert.public_bytes(serialization.Encoding.DER))
    (embedded,) = PdfFileReader(signed).embedded_signatures
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=[root]))
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.bottom_line


# --- the same sources sign edXML ---------------------------------------------------------------


def test_an_edxml_message_is_signed_on_the_token_and_verifies(
    files: Files, token: SoftHsmToken
) -> None:
    policy = ValidationPolicy((files.pki.root.cert,))
    with open_signer(token_source(token)) as signer:
        signed = edxml_sign(EDOC, RawTokenSigner(signer))
    verified = edxml_verify(signed, policy)
    assert verified.signature.signer == files.pki.leaf.cert
    assert verified.signature.chain[-1] == files.pki.root.cert


def test_an_edxml_message_signed_from_a_pkcs12_file_verifies(files: Files) -> None:
    source = KeySource.from_options(p12=files.p12, p12_password=P12_PASSWORD)
    with open_signer(source) as signer:
        signed = edxml_sign(EDOC, RawTokenSigner(signer))
    policy = ValidationPolicy((files.pki.root.cert,))
    assert edxml_verify(signed, policy).signature.signer == files.pki.leaf.cert
