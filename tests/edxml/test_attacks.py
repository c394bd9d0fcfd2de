"""Hostile input: each attack ends in a typed error, quickly and without blowing up memory."""

from __future__ import annotations

import base64
import time
from dataclasses import replace

import pytest

from lienthong.edxml import (
    EdocMessage,
    EdxmlError,
    ForbiddenConstructError,
    Limits,
    MalformedError,
    TooLargeError,
    build,
    parse,
    validate,
)
from lienthong.edxml.compose import NewFile, new_edoc
from lienthong.edxml.model import Code, Organization

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"


def _status(inner: str = "", prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<edXML xmlns="{NS}"><edXMLEnvelope>'
        f"<edXMLHeader><MessageHeader><From><OrganId>000.00.00.H41</OrganId></From>"
        f"<StatusCode>03</StatusCode><Description>{inner}</Description>"
        f"</MessageHeader></edXMLHeader></edXMLEnvelope></edXML>"
    ).encode()


def _refused(data: bytes, error: type[EdxmlError], limits: Limits | None = None) -> EdxmlError:
    started = time.perf_counter()
    with pytest.raises(error) as caught:
        parse(data, limits) if limits else parse(data)
    assert time.perf_counter() - started < 5, "an attack must fail fast"
    assert caught.value.message
    return caught.value


def test_xxe_file_entity_is_refused() -> None:
    prolog = '<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    error = _refused(_status("&xxe;", prolog), ForbiddenConstructError)
    assert error.code == "edxml-forbidden"


def test_network_entity_is_refused() -> None:
    prolog = '<!DOCTYPE edXML [<!ENTITY net SYSTEM "http://127.0.0.1:9/x">]>'
    _refused(_status("&net;", prolog), ForbiddenConstructError)


def test_billion_laughs_is_refused() -> None:
    lol = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    _refused(_status("&lol9;", f"<!DOCTYPE edXML [{lol}]>"), ForbiddenConstructError)


def test_external_dtd_is_refused() -> None:
    _refused(
        _status("", '<!DOCTYPE edXML SYSTEM "http://127.0.0.1:9/evil.dtd">'),
        ForbiddenConstructError,
    )


def test_doctype_hidden_after_a_long_prolog_is_still_refused() -> None:
    padding = "<!--" + "x" * 100_000 + "-->"
    _refused(_status("", padding + "<!DOCTYPE edXML []>"), ForbiddenConstructError)


def test_undefined_entity_without_dtd_is_malformed() -> None:
    _refused(_status("&undefined;"), MalformedError)


def test_deep_nesting_is_refused() -> None:
    deep = "<a>" * 5000 + "</a>" * 5000
    _refused(_status(deep), TooLargeError)


def test_nesting_beyond_the_configured_depth_is_refused() -> None:
    _refused(_status("<a>" * 70 + "</a>" * 70), TooLargeError)


def test_too_many_elements_are_refused() -> None:
    _refused(_status("<a/>" * 2000), TooLargeError, Limits(max_elements=1000))


def test_message_over_the_size_limit_is_refused_before_parsing() -> None:
    _refused(_status("x" * 5000), TooLargeError, Limits(max_message_bytes=4096))


def test_not_xml_at_all_is_malformed() -> None:
    _refused(b"%PDF-1.7 not xml", MalformedError)


def test_empty_input_is_malformed() -> None:
    _refused(b"  \n", MalformedError)


def test_truncated_message_is_malformed_even_with_undeclared_prefixes() -> None:
    data = _status().replace(b"<Description>", b"<Description><x:y>")[:-40]
    _refused(data, MalformedError)


def test_other_root_element_is_malformed() -> None:
    _refused(b'<?xml version="1.0"?><html><body/></html>', MalformedError)


def test_too_many_attachments_are_refused() -> None:
    files = [NewFile(f"f{i}.pdf", "application/pdf", b"%PDF") for i in range(5)]
    message = new_edoc(
        sender=Organization("000.00.00.G22"),
        recipients=[Organization("000.00.00.H41")],
        subject="x",
        files=files,
    )
    _refused(build(message), TooLargeError, Limits(max_attachments=3))


def _with_attachment(encoded: str, name: str = "a.pdf") -> bytes:
    message = new_edoc(
        sender=Organization("000.00.00.G22"),
        recipients=[Organization("000.00.00.H41")],
        subject="x",
        code=Code("15", "QĐ-UBND"),
        files=[NewFile(name, "application/pdf", b"%PDF-1.4")],
    )
    data = build(message)
    good = base64.b64encode(b"%PDF-1.4").decode()
    return data.replace(good.encode(), encoded.encode()).replace(b">a.pdf<", f">{name}<".encode())


def test_invalid_base64_is_reported_by_validation() -> None:
    problems = validate(parse(_with_attachment("!!!notbase64")).message)
    assert [p.code for p in problems] == ["base64"]


def test_attachment_larger_than_allowed_is_reported_as_too_large() -> None:
    encoded = base64.b64encode(b"\0" * 3_000_000).decode()
    limits = Limits(max_attachment_bytes=1_000_000)
    problems = validate(parse(_with_attachment(encoded)).message, limits)
    assert [p.code for p in problems] == ["too-large"]


@pytest.mark.parametrize("name", ["../../etc/passwd", "a/b.pdf", "c:\\x.pdf", ".."])
def test_path_traversal_names_are_reported(name: str) -> None:
    raw = _with_attachment(base64.b64encode(b"%PDF-1.4").decode(), name)
    problems = validate(parse(raw).message)
    assert "attachment-name" in [p.code for p in problems]


def test_control_character_in_a_name_is_reported() -> None:
    message = parse(_with_attachment(base64.b64encode(b"%PDF-1.4").decode())).message
    assert isinstance(message, EdocMessage)
    bad = replace(message.attachments[0], attachment_name="a\x1b[31m.pdf")
    problems = validate(replace(message, attachments=(bad,)))
    assert "attachment-name" in [p.code for p in problems]


def test_control_character_reference_is_not_xml() -> None:
    _refused(_status("a&#7;b"), MalformedError)
