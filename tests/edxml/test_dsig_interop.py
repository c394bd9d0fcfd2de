"""Our signatures and an independent implementation's (SignXML) agree both ways; streaming works."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from lienthong.edxml import EdocMessage, build
from lienthong.edxml.dsig import SigningKey, ValidationPolicy, sign, sign_stream, verify
from lienthong.edxml.errors import SignatureInvalidError
from lienthong.edxml.model import Message

from .oracle import oracle_sign, oracle_verify
from .strategies import edocs
from .test_dsig import EDOC, SUBJECT


def test_our_signature_verifies_with_signxml(signing_key: SigningKey) -> None:
    assert b"Signature" not in oracle_verify(sign(EDOC, signing_key), signing_key)


def test_signxml_signature_verifies_with_ours(
    signing_key: SigningKey, policy: ValidationPolicy
) -> None:
    verified = verify(oracle_sign(EDOC, signing_key), policy)
    assert verified.signature.signature_algorithm == "rsa-sha256"


def test_signxml_sha1_signature_verifies_with_ours_as_weak(
    signing_key: SigningKey, policy: ValidationPolicy
) -> None:
    assert verify(oracle_sign(EDOC, signing_key, sha1=True), policy).signature.weak


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(message=edocs())
def test_any_built_message_signed_by_us_verifies_with_signxml_and_reads_back(
    message: Message, signing_key: SigningKey, policy: ValidationPolicy
) -> None:
    signed = sign(build(message), signing_key)
    oracle_verify(signed, signing_key)
    assert verify(signed, policy).parsed.message == message


def test_comment_inserted_into_signed_text_does_not_truncate_what_is_read(
    signing_key: SigningKey, policy: ValidationPolicy
) -> None:
    # Comments are outside what URI="" signs, so the signature still holds; the danger is a
    # reader that takes the text before the comment (the SAML truncation attack).
    signed = sign(EDOC, signing_key)
    cut = SUBJECT.encode()[:6]
    tampered = signed.replace(SUBJECT.encode(), cut + b"<!-- -->" + SUBJECT.encode()[6:], 1)
    parsed = verify(tampered, policy).parsed
    assert isinstance(parsed.message, EdocMessage)
    assert parsed.message.subject == SUBJECT


def test_a_large_message_is_signed_and_verified_through_streams(
    signing_key: SigningKey, policy: ValidationPolicy, tmp_path: Path
) -> None:
    filler = b"QUJD" * (8 * 1024 * 1024 // 4)  # 8 MB more base64 ("ABC" repeated)
    start = b"<ContentTransferEncoded>"
    big = EDOC.replace(start, start + filler, 1)
    assert len(big) > len(filler)
    source = tmp_path / "big.edxml"
    source.write_bytes(big)
    target = tmp_path / "big.signed.edxml"
    with source.open("rb") as src, target.open("wb") as out:
        sign_stream(src, out, signing_key)
    with target.open("rb") as signed:
        verified = verify(signed, policy, keep_encoded=False)
    message = verified.parsed.message
    assert isinstance(message, EdocMessage)
    assert message.attachments[0].encoded == ""
    assert message.attachments[0].facts is not None
    assert message.attachments[0].facts.size > 6_000_000
    tampered = target.read_bytes().replace(b"QUJDQUJD", b"QUJDQUJE", 1)
    with pytest.raises(SignatureInvalidError):
        verify(io.BytesIO(tampered), policy, keep_encoded=False)
