"""Hypothesis strategies for valid edXML messages of every kind and business type."""

from __future__ import annotations

import base64
import datetime as dt

from hypothesis import strategies as st

from lienthong.edxml.model import (
    Attachment,
    Business,
    BusinessDocumentInfo,
    Code,
    DocumentType,
    EdocMessage,
    ManifestReference,
    Organization,
    OtherInfo,
    PromulgationInfo,
    Receiver,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusCode,
    StatusMessage,
    TraceHeader,
    format_date,
    format_timestamp,
)

# XML 1.0 text without control characters; surrounding white space is not significant in edXML.
_chars = st.characters(blacklist_categories=("Cc", "Cs", "Co"), blacklist_characters="\ufffe\uffff")
text = st.text(alphabet=_chars, min_size=1, max_size=40).map(str.strip).filter(bool)
optional_text = st.one_of(st.just(""), text)
digits = st.integers(min_value=0, max_value=9999).map(str)

_level1 = st.builds(
    lambda letter, n: f"{letter}{n:02d}", st.sampled_from("GHK"), st.integers(1, 99)
)


@st.composite
def organ_ids(draw: st.DrawFn) -> str:
    """A QCVN 102 code (lowest level first) filled from level 1 down to a random depth."""
    depth = draw(st.integers(1, 4))
    level2 = f"{draw(st.integers(1, 99)):02d}" if depth >= 2 else "00"
    level3 = f"{draw(st.integers(1, 99)):02d}" if depth >= 3 else "00"
    level4 = f"{draw(st.integers(1, 999)):03d}" if depth >= 4 else "000"
    return f"{level4}.{level3}.{level2}.{draw(_level1)}"


dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)).map(format_date)
timestamps = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31)
).map(lambda d: format_timestamp(d.replace(microsecond=0)))

organizations = st.builds(
    Organization,
    organ_id=organ_ids(),
    organization_in_charge=optional_text,
    organ_name=optional_text,
    organ_add=optional_text,
    email=optional_text,
    telephone=optional_text,
    fax=optional_text,
    website=optional_text,
)
staff = st.builds(StaffInfo, department=text, staff=text, email=optional_text, mobile=optional_text)


@st.composite
def attachment_sets(
    draw: st.DrawFn,
) -> tuple[tuple[ManifestReference, ...], tuple[Attachment, ...]]:
    count = draw(st.integers(0, 3))
    refs, atts = [], []
    for i in range(count):
        name = f"{draw(st.sampled_from(['Quyết định', 'Công văn', 'Phụ lục', 'scan']))} {i}.pdf"
        data = draw(st.binary(min_size=1, max_size=300))
        cid = f"cid:{i}-{draw(st.uuids())}"
        refs.append(ManifestReference(cid, name, "application/pdf", draw(optional_text)))
        atts.append(Attachment(cid, name, "application/pdf", "", base64.b64encode(data).decode()))
    return tuple(refs), tuple(atts)


@st.composite
def businesses(draw: st.DrawFn) -> Business | None:
    kind = draw(st.sampled_from([None, "0", "1", "2", "3"]))
    if kind is None:
        return None
    reason = draw(text) if kind != "0" else draw(optional_text)
    info = None
    replacements: tuple[ReplacementInfo, ...] = ()
    if kind == "2":
        receivers = tuple(
            draw(
                st.lists(
                    st.builds(Receiver, organ_ids(), st.sampled_from(["0", "1"])),
                    min_size=1,
                    max_size=3,
                )
            )
        )
        info = BusinessDocumentInfo(
            document_info=draw(st.sampled_from(["0", "1"])),
            document_receiver="1",
            receivers=receivers,
        )
    if kind == "3":
        replacements = tuple(
            draw(
                st.lists(
                    st.builds(ReplacementInfo, text, st.lists(organ_ids(), max_size=3).map(tuple)),
                    min_size=1,
                    max_size=2,
                )
            )
        )
    return Business(
        business_doc_type=kind,
        document_id=draw(text),
        business_doc_reason=reason,
        paper=draw(st.sampled_from(["", "0", "1"])),
        staff_info=draw(st.one_of(st.none(), staff)),
        document_info=info,
        replacements=replacements,
    )


@st.composite
def edocs(draw: st.DrawFn) -> EdocMessage:
    manifest, attachments = draw(attachment_sets())
    recipients = draw(
        st.lists(organizations, min_size=1, max_size=4, unique_by=lambda o: o.organ_id)
    )
    return EdocMessage(
        from_=draw(organizations),
        to=tuple(recipients),
        document_id=draw(text),
        code=Code(draw(digits), draw(optional_text)),
        promulgation_info=PromulgationInfo(draw(optional_text), draw(dates)),
        document_type=DocumentType(draw(optional_text), draw(optional_text), draw(optional_text)),
        subject=draw(text),
        content=draw(optional_text),
        signer_info=SignerInfo(draw(optional_text), draw(optional_text), draw(optional_text)),
        due_date=draw(st.one_of(st.just(""), dates)),
        to_places=tuple(draw(st.lists(text, max_size=3))),
        other_info=OtherInfo(
            priority=draw(st.sampled_from(["", "0", "1", "2", "3", "4"])),
            sphere_of_promulgation=draw(optional_text),
            page_amount=draw(st.one_of(st.just(""), digits)),
            appendixes=tuple(draw(st.lists(text, max_size=2))),
        ),
        response_for=tuple(
            draw(st.lists(st.builds(ResponseFor, organ_ids(), text, dates, text), max_size=2))
        ),
        steering_type=draw(st.sampled_from(["", "0", "1", "2"])),
        trace_headers=tuple(
            draw(st.lists(st.builds(TraceHeader, organ_ids(), timestamps), max_size=3))
        ),
        business=draw(businesses()),
        manifest=manifest,
        attachments=attachments,
    )


statuses = st.builds(
    StatusMessage,
    from_=organizations,
    response_for=st.builds(ResponseFor, organ_ids(), text, dates, text),
    status_code=st.sampled_from([c.value for c in StatusCode]),
    description=optional_text,
    timestamp=timestamps,
    staff_info=st.one_of(st.none(), staff),
)

messages = st.one_of(edocs(), statuses)
