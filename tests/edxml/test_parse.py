"""Parsing tolerates what real software sends, and says what it tolerated."""

from __future__ import annotations

import io

import pytest

from lienthong.edxml import EdocMessage, Limits, MalformedError, StatusMessage, TooLargeError, parse

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"


def _status(header: str, root_attrs: str = f'xmlns="{NS}"') -> bytes:
    return (
        f"<edXML {root_attrs}><edXMLEnvelope><edXMLHeader><MessageHeader>{header}"
        "</MessageHeader></edXMLHeader></edXMLEnvelope></edXML>"
    ).encode()


_FROM = "<From><OrganId>000.00.00.H41</OrganId></From>"


def _warnings(data: bytes) -> list[str]:
    return [w.code for w in parse(data).warnings]


def test_a_message_with_a_status_code_is_a_status() -> None:
    result = parse(_status(_FROM + "<StatusCode>05</StatusCode>"))
    assert isinstance(result.message, StatusMessage)
    assert result.message.status_code == "05"


def test_a_message_without_a_status_code_is_an_edoc() -> None:
    result = parse(_status(_FROM + "<To><OrganId>000.00.00.G22</OrganId></To>"))
    assert isinstance(result.message, EdocMessage)
    assert [t.organ_id for t in result.message.to] == ["000.00.00.G22"]


def test_prefixed_and_unprefixed_children_read_alike() -> None:
    mixed = _status(
        f'<edXML:From xmlns:edXML="{NS}"><OrganId>000.00.00.H41</OrganId></edXML:From>'
        "<StatusCode>03</StatusCode>"
    )
    assert parse(mixed).message.from_.organ_id == "000.00.00.H41"
    assert parse(mixed).warnings == ()


def test_elements_in_no_namespace_are_read_with_a_warning() -> None:
    data = _status(_FROM + "<StatusCode>03</StatusCode>", root_attrs="")
    assert parse(data).message.from_.organ_id == "000.00.00.H41"
    assert "no-namespace" in _warnings(data)


def test_comments_are_ignored() -> None:
    data = _status("<!-- a -->" + _FROM + "<StatusCode><!-- b -->03</StatusCode>")
    assert parse(data).message.from_.organ_id == "000.00.00.H41"


def test_out_of_order_children_are_read_with_a_warning() -> None:
    data = _status("<StatusCode>03</StatusCode>" + _FROM)
    assert parse(data).message.from_.organ_id == "000.00.00.H41"
    assert _warnings(data) == ["element-order"]


def test_unknown_elements_are_ignored_with_a_warning() -> None:
    assert _warnings(_status(_FROM + "<StatusCode>03</StatusCode><Mood>happy</Mood>")) == [
        "unknown-element"
    ]


def test_repeated_single_element_keeps_the_first_with_a_warning() -> None:
    data = _status(_FROM + "<StatusCode>03</StatusCode><StatusCode>06</StatusCode>")
    assert parse(data).message.status_code == "03"  # type: ignore[union-attr]
    assert "duplicate-element" in _warnings(data)


def test_undeclared_xlink_prefix_is_tolerated_with_a_warning() -> None:
    data = _status(_FROM + '<StatusCode xlink:href="">03</StatusCode>')
    assert parse(data).message.status_code == "03"  # type: ignore[union-attr]
    assert _warnings(data) == ["undeclared-prefix"]


def test_surrounding_white_space_is_not_part_of_a_value() -> None:
    data = _status(_FROM + "<StatusCode>\n   03  </StatusCode>")
    assert parse(data).message.status_code == "03"  # type: ignore[union-attr]


def test_missing_message_header_is_malformed() -> None:
    with pytest.raises(MalformedError, match="MessageHeader"):
        parse(f'<edXML xmlns="{NS}"><edXMLEnvelope><edXMLHeader/></edXMLEnvelope></edXML>'.encode())


def test_a_stream_is_read_like_bytes() -> None:
    data = _status(_FROM + "<StatusCode>03</StatusCode>")
    assert parse(io.BytesIO(data)).message == parse(data).message


def test_a_stream_larger_than_the_limit_is_refused_not_truncated() -> None:
    data = _status(_FROM + "<StatusCode>03</StatusCode>" + "<!--" + "x" * 10_000 + "-->")
    with pytest.raises(TooLargeError):
        parse(io.BytesIO(data), Limits(max_message_bytes=5_000))
