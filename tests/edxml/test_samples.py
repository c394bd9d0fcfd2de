"""The three real messages from the network parse, with the warnings their untidiness deserves."""

from __future__ import annotations

import unicodedata

import pytest

from lienthong.edxml import EdocMessage, StatusMessage, build, parse, validate

from .samples import sample


def _codes(data: bytes) -> set[str]:
    return {w.code for w in parse(data).warnings}


def test_real_edoc_is_read_with_its_header_fields() -> None:
    message = parse(sample("edoc.edxml")).message
    assert isinstance(message, EdocMessage)
    assert message.from_.organ_id == "002.00.20.H13"
    assert [t.organ_id for t in message.to] == ["000.00.15.H51"]
    assert message.document_id == "9fbfbad2-f1f8-4256-a2eb-50fb1061cddb"
    assert message.code.code_number == "12234555512"
    assert message.subject == "Văn bản liên thông chỉ đạo - 190701"
    # The sample writes some Vietnamese letters decomposed; the model keeps the text as sent.
    assert unicodedata.normalize("NFC", message.signer_info.full_name) == "Trương Minh Tuấn"
    assert message.other_info.appendixes == ("Phụ lục",)
    assert message.trace_headers[0].organ_id == "01.02.G22"


def test_real_edoc_is_known_to_carry_a_signature() -> None:
    assert parse(sample("edoc.edxml")).signed is True


def test_real_edoc_warns_about_its_undeclared_prefixes_and_order_and_empty_response() -> None:
    assert {"undeclared-prefix", "element-order", "empty-element"} <= _codes(sample("edoc.edxml"))


def test_real_edoc_attachment_outside_prefix_scope_is_still_read() -> None:
    message = parse(sample("edoc.edxml")).message
    assert isinstance(message, EdocMessage)
    assert [a.attachment_name for a in message.attachments] == ["GUIDE_INSTALL OPENVPN.SIGNED.PDF"]
    assert message.manifest[0].content_id == message.attachments[0].content_id


def test_real_edoc_attachment_is_a_test_tool_placeholder_and_validation_says_so() -> None:
    # The sample's ContentTransferEncoded is a JMeter placeholder, not base64 of a PDF: the
    # library must say so rather than hand out garbage as a file.
    problems = validate(parse(sample("edoc.edxml")).message)
    assert [p.code for p in problems] == ["base64"]
    assert problems[0].path.endswith("ContentTransferEncoded")


@pytest.mark.parametrize(
    ("name", "code"), [("status_acceptance_03.edxml", "03"), ("status_finish_06.edxml", "06")]
)
def test_real_status_messages_are_read_and_valid(name: str, code: str) -> None:
    result = parse(sample(name))
    assert isinstance(result.message, StatusMessage)
    assert result.message.status_code == code
    assert result.message.response_for.document_id == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
    assert result.signed is False
    assert validate(result.message) == []


@pytest.mark.parametrize(
    "name", ["edoc.edxml", "status_acceptance_03.edxml", "status_finish_06.edxml"]
)
def test_real_messages_rebuild_into_the_same_model(name: str) -> None:
    message = parse(sample(name)).message
    again = parse(build(message))
    assert again.message == message
    assert again.warnings == ()
