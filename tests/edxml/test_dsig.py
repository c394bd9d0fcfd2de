"""Enveloped XML signatures on edXML messages (STANDARDS.md §2, Signature)."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import re
from dataclasses import replace
from pathlib import Path

import pytest
import signxml.signer
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import pkcs12
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from lienthong.edxml import EdocMessage
from lienthong.edxml.dsig import SigningKey, ValidationPolicy, sign, verify
from lienthong.edxml.errors import (
    EdxmlError,
    ForbiddenConstructError,
    KeyLoadError,
    SignatureInvalidError,
    SignatureMissingError,
    SignatureUntrustedError,
    SignatureWeakError,
)

from .pki import Pki, make_pki
from .samples import sample

ED = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DS = "http://www.w3.org/2000/09/xmldsig#"
NSMAP = {"ed": ED, "ds": DS}
ATTACHMENT = base64.b64encode(b"%PDF-1.4 van ban lien thong " * 40).decode()

# The shape of a real document message: default namespace on the root, the envelope using the
# edXML: prefix, a comment, Vietnamese text, the attachment as a sibling of the envelope.
EDOC = f"""<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="{ED}">
  <edXML:edXMLEnvelope xmlns:edXML="{ED}">
    <!-- XML 102 -->
    <edXML:edXMLHeader>
      <edXML:MessageHeader>
        <edXML:From>
          <edXML:OrganId>000.00.00.G22</edXML:OrganId>
          <edXML:OrganName>Văn phòng Chính phủ</edXML:OrganName>
          <edXML:OrganAdd>Số 1 Hoàng Hoa Thám, Ba Đình, Hà Nội</edXML:OrganAdd>
        </edXML:From>
        <edXML:To>
          <edXML:OrganId>000.00.15.H51</edXML:OrganId>
          <edXML:OrganName>Sở Thông tin và Truyền thông Hà Nội</edXML:OrganName>
        </edXML:To>
        <edXML:DocumentId>000.00.00.G22,2015/09/30,7816/VPCP-TTĐT</edXML:DocumentId>
        <edXML:Code>
          <edXML:CodeNumber>7816</edXML:CodeNumber>
          <edXML:CodeNotation>VPCP-TTĐT</edXML:CodeNotation>
        </edXML:Code>
        <edXML:PromulgationInfo>
          <edXML:Place>Hà Nội</edXML:Place>
          <edXML:PromulgationDate>2015/09/30</edXML:PromulgationDate>
        </edXML:PromulgationInfo>
        <edXML:DocumentType>
          <edXML:Type>1</edXML:Type>
          <edXML:TypeName>Công văn</edXML:TypeName>
        </edXML:DocumentType>
        <edXML:Subject>Về việc triển khai liên thông văn bản điện tử</edXML:Subject>
        <edXML:Content>Đề nghị các cơ quan triển khai.</edXML:Content>
        <edXML:SignerInfo>
          <edXML:Competence>TL. BỘ TRƯỞNG</edXML:Competence>
          <edXML:Position>Chánh Văn phòng</edXML:Position>
          <edXML:FullName>Nguyễn Văn A</edXML:FullName>
        </edXML:SignerInfo>
        <edXML:SteeringType>0</edXML:SteeringType>
      </edXML:MessageHeader>
      <edXML:TraceHeaderList>
        <edXML:TraceHeader>
          <edXML:OrganId>000.00.00.G22</edXML:OrganId>
          <edXML:Timestamp>2015/09/30 16:35:56</edXML:Timestamp>
        </edXML:TraceHeader>
      </edXML:TraceHeaderList>
    </edXML:edXMLHeader>
    <edXML:edXMLBody>
      <edXML:edXMLManifest version="1.0">
        <edXML:Reference>
          <edXML:ContentId>cid:36b8a92e-f054-11e7</edXML:ContentId>
          <edXML:ContentType>application/pdf</edXML:ContentType>
          <edXML:AttachmentName>7816-VPCP.pdf</edXML:AttachmentName>
        </edXML:Reference>
      </edXML:edXMLManifest>
    </edXML:edXMLBody>
  </edXML:edXMLEnvelope>
  <AttachmentEncoded>
    <Attachment>
      <ContentId>cid:36b8a92e-f054-11e7</ContentId>
      <AttachmentName>7816-VPCP.pdf</AttachmentName>
      <ContentType>application/pdf</ContentType>
      <ContentTransferEncoded>{ATTACHMENT}</ContentTransferEncoded>
    </Attachment>
  </AttachmentEncoded>
</edXML>
""".encode()

SUBJECT = "Về việc triển khai liên thông văn bản điện tử"


# --- fixtures (pki, signing_key, policy: tests/edxml/conftest.py) -------------------------------


@pytest.fixture(scope="module")
def signed(signing_key: SigningKey) -> bytes:
    return sign(EDOC, signing_key)


def tree(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def the(root: etree._Element, path: str) -> etree._Element:
    found = root.find(path, namespaces=NSMAP)
    assert found is not None, path
    return found


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# --- signing -----------------------------------------------------------------------------------


def test_signed_message_verifies_and_names_the_signer(
    signed: bytes, policy: ValidationPolicy, pki: Pki
) -> None:
    verified = verify(signed, policy)
    assert verified.signature.signer_subject == pki.leaf.cert.subject.rfc4514_string()
    assert "Văn phòng Chính phủ" in verified.signature.signer_subject
    assert (verified.signature.signature_algorithm, verified.signature.digest_algorithm) == (
        "rsa-sha256",
        "sha256",
    )
    assert not verified.signature.weak
    assert verified.signature.warnings == ()


def test_verified_chain_runs_from_signer_to_anchor(
    signed: bytes, policy: ValidationPolicy, pki: Pki
) -> None:
    assert verify(signed, policy).signature.chain == (
        pki.leaf.cert,
        pki.intermediate.cert,
        pki.root.cert,
    )


def test_verification_returns_the_message_read_from_what_was_verified(
    signed: bytes, policy: ValidationPolicy
) -> None:
    parsed = verify(signed, policy).parsed
    assert isinstance(parsed.message, EdocMessage)
    assert parsed.message.subject == SUBJECT
    assert parsed.signed


def test_signature_is_the_last_child_of_edxml_header_without_prefix(signed: bytes) -> None:
    header = the(tree(signed), "ed:edXMLEnvelope/ed:edXMLHeader")
    last = header[-1]
    assert last.tag == f"{{{DS}}}Signature"
    assert last.prefix is None
    assert b'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">' in signed


def test_signature_covers_the_whole_document_with_enveloped_and_inclusive_c14n(
    signed: bytes,
) -> None:
    reference = the(tree(signed), ".//ds:SignedInfo/ds:Reference")
    transforms = [t.get("Algorithm") for t in reference.iterfind("ds:Transforms/*", NSMAP)]
    assert reference.get("URI") == ""
    assert transforms == [
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    ]


def test_key_info_carries_the_signer_certificate_then_the_chain(signed: bytes, pki: Pki) -> None:
    texts = [el.text or "" for el in tree(signed).iterfind(".//ds:X509Certificate", NSMAP)]
    ders = [base64.b64decode("".join(t.split())) for t in texts]
    expected = [
        c.public_bytes(serialization.Encoding.DER) for c in (pki.leaf.cert, pki.intermediate.cert)
    ]
    assert ders == expected


def test_signing_keeps_the_document_text(signed: bytes) -> None:
    assert the(tree(signed), ".//ed:Subject").text == SUBJECT


def test_signing_a_signed_message_is_refused(signed: bytes, signing_key: SigningKey) -> None:
    with pytest.raises(SignatureInvalidError, match="already carries a Signature"):
        sign(signed, signing_key)


def test_signing_does_not_parse_the_key_again(
    monkeypatch: pytest.MonkeyPatch, signing_key: SigningKey, policy: ValidationPolicy
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a PEM key was parsed while signing")

    monkeypatch.setattr(serialization, "load_pem_private_key", refuse)
    monkeypatch.setattr(signxml.signer, "load_pem_private_key", refuse)
    first, second = sign(EDOC, signing_key), sign(EDOC, signing_key)
    assert (
        verify(first, policy).signature.signer
        == verify(second, policy).signature.signer
        == signing_key.certificate
    )


def _sign_like_the_reference_software(document: bytes, pki: Pki) -> bytes:
    """Sign without SignXML, the way real messages are signed: default-namespace Signature,
    enveloped transform only (so inclusive C14N 1.0 by default), RSA-SHA1. SignedInfo is
    written directly in canonical form, with the namespaces in scope in edXMLHeader."""
    root = etree.fromstring(document)
    canonical = etree.tostring(root, method="c14n", with_comments=False)  # URI="" drops comments
    digest = base64.b64encode(hashlib.sha1(canonical).digest())
    signed_info = (
        f'<SignedInfo xmlns="{DS}" xmlns:edXML="{ED}">'
        '<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315">'
        "</CanonicalizationMethod>"
        f'<SignatureMethod Algorithm="{DS}rsa-sha1"></SignatureMethod>'
        '<Reference URI="">'
        f'<Transforms><Transform Algorithm="{DS}enveloped-signature"></Transform></Transforms>'
        f'<DigestMethod Algorithm="{DS}sha1"></DigestMethod>'
        f"<DigestValue>{digest.decode()}</DigestValue>"
        "</Reference></SignedInfo>"
    ).encode()
    value = pki.leaf.key.sign(signed_info, padding.PKCS1v15(), hashes.SHA1())
    certs = "".join(
        f"<X509Certificate>{base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()}"
        "</X509Certificate>"
        for c in (pki.leaf.cert, pki.intermediate.cert)
    )
    signature = etree.fromstring(
        f'<Signature xmlns="{DS}">{signed_info.decode()}'
        f"<SignatureValue>{base64.b64encode(value).decode()}</SignatureValue>"
        f"<KeyInfo><X509Data>{certs}</X509Data></KeyInfo></Signature>"
    )
    the(root, "ed:edXMLEnvelope/ed:edXMLHeader").append(signature)
    return serialize(root)


def test_signature_made_like_the_reference_software_verifies(
    pki: Pki, policy: ValidationPolicy
) -> None:
    verified = verify(_sign_like_the_reference_software(EDOC, pki), policy)
    assert verified.signature.signer == pki.leaf.cert
    assert (verified.signature.signature_algorithm, verified.signature.digest_algorithm) == (
        "rsa-sha1",
        "sha1",
    )


# --- keys --------------------------------------------------------------------------------------


def test_key_from_pkcs12_signs_like_the_pem_key(pki: Pki, policy: ValidationPolicy) -> None:
    bundle = pkcs12.serialize_key_and_certificates(
        b"agency",
        pki.leaf.key,
        pki.leaf.cert,
        [pki.intermediate.cert],
        serialization.BestAvailableEncryption(b"secret"),
    )
    key = SigningKey.from_pkcs12(bundle, b"secret")
    assert verify(sign(EDOC, key), policy).signature.signer == pki.leaf.cert


def test_pkcs12_with_the_wrong_password_is_a_key_error(pki: Pki) -> None:
    bundle = pkcs12.serialize_key_and_certificates(
        b"agency", pki.leaf.key, pki.leaf.cert, None, serialization.BestAvailableEncryption(b"x")
    )
    with pytest.raises(KeyLoadError, match="PKCS#12"):
        SigningKey.from_pkcs12(bundle, b"wrong")


def test_key_that_does_not_match_the_certificate_is_refused(pki: Pki) -> None:
    with pytest.raises(KeyLoadError, match="does not belong"):
        SigningKey.from_pem(pki.intermediate.key_pem(), pki.leaf.cert_pem())


def test_encrypted_pem_key_needs_its_password(pki: Pki) -> None:
    encrypted = pki.leaf.key_pem(b"secret")
    assert SigningKey.from_pem(encrypted, pki.leaf.cert_pem(), password=b"secret")
    with pytest.raises(KeyLoadError, match="private key"):
        SigningKey.from_pem(encrypted, pki.leaf.cert_pem())


# --- tampering ---------------------------------------------------------------------------------


def test_one_character_changed_in_the_subject_is_refused(
    signed: bytes, policy: ValidationPolicy
) -> None:
    tampered = signed.replace("triển khai".encode(), "triển khaj".encode(), 1)
    assert tampered != signed
    with pytest.raises(SignatureInvalidError, match="changed after it was signed"):
        verify(tampered, policy)


def test_one_character_changed_in_an_attachment_is_refused(
    signed: bytes, policy: ValidationPolicy
) -> None:
    start = signed.index(ATTACHMENT.encode()) + 10
    flipped = b"A" if signed[start : start + 1] != b"A" else b"B"
    tampered = signed[:start] + flipped + signed[start + 1 :]
    with pytest.raises(SignatureInvalidError):
        verify(tampered, policy)


def _content_text_offsets(data: bytes) -> list[int]:
    """Byte offsets of non-blank element text outside the Signature (the signed content)."""
    signature = re.search(rb"<Signature .*</Signature>", data, re.DOTALL)
    assert signature is not None
    offsets: list[int] = []
    for match in re.finditer(rb">([^<]*[^<\s][^<]*)<", data):
        if signature.start() <= match.start() < signature.end():
            continue
        offsets.extend(range(match.start(1), match.end(1)))
    return offsets


@settings(
    max_examples=50,
    deadline=dt.timedelta(seconds=10),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_flipped_byte_in_signed_text_fails_with_an_edxml_error(
    signed: bytes, policy: ValidationPolicy, data: st.DataObject
) -> None:
    offsets = _content_text_offsets(signed)
    index = data.draw(st.sampled_from(offsets), label="offset")
    mask = data.draw(st.integers(min_value=1, max_value=255), label="xor mask")
    tampered = signed[:index] + bytes([signed[index] ^ mask]) + signed[index + 1 :]
    with pytest.raises(EdxmlError):
        verify(tampered, policy)


def test_certificate_swapped_in_key_info_is_refused(
    signed: bytes, policy: ValidationPolicy, pki: Pki
) -> None:
    other = pki.issue_leaf("Kẻ mạo danh")
    root = tree(signed)
    leaf_element = the(root, ".//ds:X509Certificate")
    leaf_element.text = base64.b64encode(
        other.cert.public_bytes(serialization.Encoding.DER)
    ).decode()
    with pytest.raises(SignatureInvalidError, match="SignatureValue does not verify"):
        verify(serialize(root), policy)


# --- trust -------------------------------------------------------------------------------------


def test_signer_under_an_unknown_root_is_untrusted(signed: bytes, tmp_path: Path) -> None:
    stranger = make_pki(tmp_path / "other", organization="Another PKI")
    policy = ValidationPolicy.from_pem([stranger.root_pem_path.read_bytes()])
    with pytest.raises(SignatureUntrustedError, match="does not chain to a trust anchor"):
        verify(signed, policy)


def test_lone_signer_certificate_without_its_intermediate_is_untrusted(
    pki: Pki, policy: ValidationPolicy
) -> None:
    lone = sign(EDOC, SigningKey(pki.leaf.key, pki.leaf.cert))
    with pytest.raises(SignatureUntrustedError):
        verify(lone, policy)


def test_lone_signer_certificate_chains_through_the_policy_intermediates(
    pki: Pki, policy: ValidationPolicy
) -> None:
    lone = sign(EDOC, SigningKey(pki.leaf.key, pki.leaf.cert))
    knowing = replace(policy, intermediates=(pki.intermediate.cert,))
    assert verify(lone, knowing).signature.chain[-1] == pki.root.cert


def test_expired_signer_certificate_is_untrusted(pki: Pki, policy: ValidationPolicy) -> None:
    now = dt.datetime.now(dt.UTC)
    expired = pki.issue_leaf(
        "Hết hạn", not_before=now - dt.timedelta(days=30), not_after=now - dt.timedelta(hours=1)
    )
    key = SigningKey(expired.key, expired.cert, (pki.intermediate.cert,))
    with pytest.raises(SignatureUntrustedError, match="expired on"):
        verify(sign(EDOC, key), policy)


def test_expired_certificate_is_trusted_at_a_time_it_was_valid(
    pki: Pki, policy: ValidationPolicy
) -> None:
    now = dt.datetime.now(dt.UTC)
    expired = pki.issue_leaf(
        "Hết hạn", not_before=now - dt.timedelta(days=30), not_after=now - dt.timedelta(hours=1)
    )
    key = SigningKey(expired.key, expired.cert, (pki.intermediate.cert,))
    back_then = ValidationPolicy(policy.anchors, at=now - dt.timedelta(hours=2))
    assert verify(sign(EDOC, key), back_then).signature.signer == expired.cert


def test_tampered_message_with_expired_certificate_is_reported_invalid(
    pki: Pki, policy: ValidationPolicy
) -> None:
    now = dt.datetime.now(dt.UTC)
    expired = pki.issue_leaf(
        "Hết hạn", not_before=now - dt.timedelta(days=30), not_after=now - dt.timedelta(hours=1)
    )
    signed = sign(EDOC, SigningKey(expired.key, expired.cert, (pki.intermediate.cert,)))
    with pytest.raises(SignatureInvalidError):
        verify(signed.replace("Hà Nội".encode(), "Huế".encode(), 1), policy)


# --- SHA-1 -------------------------------------------------------------------------------------


def test_sha1_signature_is_accepted_as_weak_when_allowed(
    signing_key: SigningKey, policy: ValidationPolicy
) -> None:
    verified = verify(sign(EDOC, signing_key, sha1=True), policy)
    assert verified.signature.weak
    assert (verified.signature.signature_algorithm, verified.signature.digest_algorithm) == (
        "rsa-sha1",
        "sha1",
    )
    assert any("SHA-1" in w for w in verified.signature.warnings)


def test_sha1_signature_is_refused_when_the_policy_forbids_it(
    signing_key: SigningKey, policy: ValidationPolicy
) -> None:
    strict = ValidationPolicy(policy.anchors, allow_sha1=False)
    with pytest.raises(SignatureWeakError, match="SHA-1"):
        verify(sign(EDOC, signing_key, sha1=True), strict)


# --- signature wrapping ------------------------------------------------------------------------


def test_second_signature_elsewhere_is_refused(signed: bytes, policy: ValidationPolicy) -> None:
    root = tree(signed)
    the(root, ".//ed:edXMLBody").append(copy.deepcopy(the(root, ".//ds:Signature")))
    with pytest.raises(SignatureInvalidError, match="2 Signature elements"):
        verify(serialize(root), policy)


def test_signed_header_wrapped_away_behind_an_evil_header_is_refused(
    signed: bytes, policy: ValidationPolicy
) -> None:
    root = tree(signed)
    envelope = the(root, "ed:edXMLEnvelope")
    original = the(envelope, "ed:edXMLHeader")
    evil = copy.deepcopy(original)
    the(evil, ".//ed:Subject").text = "Lệnh chuyển tiền khẩn"
    for old in evil.findall("ds:Signature", NSMAP):
        evil.remove(old)
    evil.append(the(original, "ds:Signature"))  # the signature now sits in the evil header
    wrapper = etree.SubElement(envelope, "{urn:attacker}Wrapper")
    envelope.replace(original, evil)
    wrapper.append(original)
    with pytest.raises(SignatureInvalidError, match="2 edXMLHeader elements"):
        verify(serialize(root), policy)


def test_reference_to_an_id_instead_of_the_whole_document_is_refused(
    signed: bytes, policy: ValidationPolicy
) -> None:
    root = tree(signed)
    copied = copy.deepcopy(the(root, "ed:edXMLEnvelope/ed:edXMLHeader/ed:MessageHeader"))
    copied.set("Id", "signed-part")
    the(root, "ed:AttachmentEncoded").append(copied)
    the(root, ".//ds:Reference").set("URI", "#signed-part")
    with pytest.raises(SignatureInvalidError, match='only URI=""'):
        verify(serialize(root), policy)


def test_extra_reference_is_refused(signed: bytes, policy: ValidationPolicy) -> None:
    root = tree(signed)
    reference = the(root, ".//ds:Reference")
    reference.addnext(copy.deepcopy(reference))
    with pytest.raises(SignatureInvalidError, match="2 References"):
        verify(serialize(root), policy)


def test_signature_outside_edxml_header_is_refused(signed: bytes, policy: ValidationPolicy) -> None:
    root = tree(signed)
    root.append(the(root, ".//ds:Signature"))
    with pytest.raises(SignatureInvalidError, match="must be a child of edXML/edXMLEnvelope"):
        verify(serialize(root), policy)


def test_transform_outside_the_allowlist_is_refused(
    signed: bytes, policy: ValidationPolicy
) -> None:
    root = tree(signed)
    xpath = etree.SubElement(the(root, ".//ds:Transforms"), f"{{{DS}}}Transform")
    xpath.set("Algorithm", "http://www.w3.org/TR/1999/REC-xpath-19991116")
    with pytest.raises(SignatureInvalidError, match="is not allowed"):
        verify(serialize(root), policy)


def test_unsigned_object_in_the_signature_is_ignored_with_a_warning(
    signed: bytes, policy: ValidationPolicy
) -> None:
    root = tree(signed)
    obj = etree.SubElement(the(root, ".//ds:Signature"), f"{{{DS}}}Object")
    obj.text = "SigningTime 2015-09-30T16:35:56Z"
    verified = verify(serialize(root), policy)
    assert any("Object" in w for w in verified.signature.warnings)


# --- missing signatures and real messages ------------------------------------------------------


def test_unsigned_message_has_a_missing_signature(policy: ValidationPolicy) -> None:
    with pytest.raises(SignatureMissingError):
        verify(EDOC, policy)


def test_doctype_is_refused_before_any_signature_check(
    signed: bytes, policy: ValidationPolicy
) -> None:
    body = signed.split(b"?>", 1)[1]
    with pytest.raises(ForbiddenConstructError):
        verify(b'<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY x "y">]>' + body, policy)


def test_real_sample_is_read_but_its_signature_does_not_verify(policy: ValidationPolicy) -> None:
    # Its SignatureValue was copied from another message (see the samples' README).
    with pytest.raises(SignatureInvalidError):
        verify(sample("edoc.edxml"), policy)
