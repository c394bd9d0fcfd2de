"""Validation reports every broken QCVN 102 rule, each with a stable code and a path."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from lienthong.edxml import (
    Business,
    BusinessDocumentInfo,
    EdocMessage,
    InvalidError,
    Organization,
    Receiver,
    ReplacementInfo,
    ResponseFor,
    StatusMessage,
    check,
    validate,
)
from lienthong.edxml.compose import NewFile, new_edoc, new_status
from lienthong.edxml.model import Code, OtherInfo, StatusCode


@pytest.fixture
def edoc() -> EdocMessage:
    return new_edoc(
        sender=Organization("000.00.00.G22", organ_name="Văn phòng Chính phủ"),
        recipients=[Organization("000.00.00.H41"), Organization("000.00.00.H49")],
        subject="Về việc triển khai gửi nhận văn bản điện tử",
        code=Code("7816", "VPCP-TTĐT"),
        type_name="Công văn",
        promulgation_date=dt.date(2026, 11, 25),
        files=[NewFile("Công văn 7816.pdf", "application/pdf", b"%PDF-1.7 ...")],
        now=dt.datetime(2026, 11, 25, 9, 30),
    )


def _codes(message: EdocMessage | StatusMessage) -> list[str]:
    return [p.code for p in validate(message)]


def test_a_composed_document_is_valid(edoc: EdocMessage) -> None:
    assert validate(edoc) == []


def test_document_id_follows_the_reference_convention(edoc: EdocMessage) -> None:
    assert edoc.document_id == "000.00.00.G22,2026/11/25,7816/VPCP-TTĐT"


def test_every_problem_is_reported_not_just_the_first(edoc: EdocMessage) -> None:
    broken = replace(edoc, subject="", to=(), due_date="25/11/2026")
    assert _codes(broken) == ["required", "required", "date-format"]


def test_check_raises_with_all_problems(edoc: EdocMessage) -> None:
    with pytest.raises(InvalidError) as caught:
        check(replace(edoc, subject="", document_id=""))
    assert caught.value.code == "edxml-invalid"
    assert len(caught.value.problems) == 2


def test_malformed_sender_code_is_reported_with_its_path(edoc: EdocMessage) -> None:
    problems = validate(replace(edoc, from_=Organization("000.00.00.g22")))
    assert [(p.code, p.path) for p in problems] == [("agency-code", "MessageHeader/From/OrganId")]


def test_recipient_listed_twice_is_reported(edoc: EdocMessage) -> None:
    assert _codes(replace(edoc, to=edoc.to + edoc.to[:1])) == ["duplicate-recipient"]


def test_priority_outside_the_table_is_reported(edoc: EdocMessage) -> None:
    assert _codes(replace(edoc, other_info=OtherInfo(priority="9"))) == ["code-table"]


def test_page_amount_must_be_a_number(edoc: EdocMessage) -> None:
    assert _codes(replace(edoc, other_info=OtherInfo(page_amount="hai"))) == ["number"]


def test_attachment_missing_from_the_manifest_is_reported(edoc: EdocMessage) -> None:
    assert _codes(replace(edoc, manifest=())) == ["attachment-not-in-manifest"]


def test_manifest_entry_without_attachment_is_reported(edoc: EdocMessage) -> None:
    assert _codes(replace(edoc, attachments=())) == ["manifest-without-attachment"]


def test_content_id_matches_with_or_without_cid_prefix(edoc: EdocMessage) -> None:
    ref = edoc.manifest[0]
    bare = replace(ref, content_id=ref.content_id.removeprefix("cid:"))
    assert validate(replace(edoc, manifest=(bare,))) == []


def test_revoke_needs_a_reason(edoc: EdocMessage) -> None:
    revoke = replace(edoc, business=Business(business_doc_type="1", document_id=edoc.document_id))
    assert _codes(revoke) == ["required"]


def test_unknown_business_type_is_reported(edoc: EdocMessage) -> None:
    assert _codes(replace(edoc, business=Business(business_doc_type="7"))) == ["code-table"]


def test_update_must_say_what_it_changes(edoc: EdocMessage) -> None:
    update = Business(business_doc_type="2", business_doc_reason="Sai địa chỉ")
    assert _codes(replace(edoc, business=update)) == ["required"]


def test_update_of_recipients_lists_them_with_valid_codes(edoc: EdocMessage) -> None:
    info = BusinessDocumentInfo("0", "1", (Receiver("000.00.00.H49", "1"), Receiver("bad", "5")))
    update = Business(
        business_doc_type="2", business_doc_reason="Bổ sung nơi nhận", document_info=info
    )
    assert _codes(replace(edoc, business=update)) == ["agency-code", "code-table"]


def test_replacement_names_what_it_replaces(edoc: EdocMessage) -> None:
    bare = Business(business_doc_type="3", business_doc_reason="Sai nội dung")
    assert _codes(replace(edoc, business=bare)) == ["required"]
    full = replace(bare, replacements=(ReplacementInfo("old-id", ("000.00.00.H41",)),))
    assert validate(replace(edoc, business=full)) == []


def test_every_status_code_of_the_table_is_valid(edoc: EdocMessage) -> None:
    for code in StatusCode:
        status = new_status(reporter=Organization("000.00.00.H41"), about=edoc, code=code)
        assert validate(status) == [], code


def test_status_refers_to_the_document_it_reports_on(edoc: EdocMessage) -> None:
    status = new_status(
        reporter=Organization("000.00.00.H41"), about=edoc, code=StatusCode.ACCEPTED
    )
    assert status.response_for == ResponseFor(
        "000.00.00.G22", "7816/VPCP-TTĐT", "2026/11/25", edoc.document_id
    )


def test_unknown_status_code_is_reported(edoc: EdocMessage) -> None:
    status = new_status(reporter=Organization("000.00.00.H41"), about=edoc, code=StatusCode.ARRIVED)
    assert _codes(replace(status, status_code="99")) == ["code-table"]


def test_status_without_timestamp_is_reported(edoc: EdocMessage) -> None:
    status = new_status(reporter=Organization("000.00.00.H41"), about=edoc, code=StatusCode.ARRIVED)
    assert _codes(replace(status, timestamp="")) == ["required"]
