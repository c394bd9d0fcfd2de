"""Make new messages from the few facts a sender knows; the rest follows the conventions in use."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from .model import (
    Attachment,
    Code,
    DocumentType,
    EdocMessage,
    ManifestReference,
    Organization,
    PromulgationInfo,
    ResponseFor,
    StatusCode,
    StatusMessage,
    TraceHeader,
    format_date,
    format_timestamp,
)


@dataclass(frozen=True)
class NewFile:
    """A file to attach: its name, MIME type and bytes."""

    name: str
    content_type: str
    data: bytes


def document_id(issuer: str, date: dt.date, code: Code) -> str:
    """``<issuer OrganId>,<yyyy/MM/dd>,<number>/<notation>``, as the reference software has it."""
    return f"{issuer},{format_date(date)},{code.text}"


def new_edoc(
    *,
    sender: Organization,
    recipients: Sequence[Organization],
    subject: str,
    code: Code | None = None,
    type_name: str = "",
    promulgation_date: dt.date | None = None,
    files: Sequence[NewFile] = (),
    now: dt.datetime | None = None,
) -> EdocMessage:
    """A new document (business type 0) with one trace header for the sender."""
    code = code or Code()
    moment = now or dt.datetime.now()
    date = promulgation_date or moment.date()
    doc_id = document_id(sender.organ_id, date, code) if code.code_number else str(uuid.uuid4())
    attachments = tuple(
        Attachment(
            content_id=f"cid:{uuid.uuid4()}",
            attachment_name=f.name,
            content_type=f.content_type,
            encoded=base64.b64encode(f.data).decode("ascii"),
        )
        for f in files
    )
    return EdocMessage(
        from_=sender,
        to=tuple(recipients),
        document_id=doc_id,
        code=code,
        promulgation_info=PromulgationInfo(promulgation_date=format_date(date)),
        document_type=DocumentType(type_name=type_name),
        subject=subject,
        trace_headers=(TraceHeader(sender.organ_id, format_timestamp(moment)),),
        manifest=tuple(
            ManifestReference(a.content_id, a.attachment_name, a.content_type) for a in attachments
        ),
        attachments=attachments,
    )


def new_status(
    *,
    reporter: Organization,
    about: EdocMessage,
    code: StatusCode,
    description: str = "",
    now: dt.datetime | None = None,
) -> StatusMessage:
    """A status notice from ``reporter`` about the document ``about``."""
    return StatusMessage(
        from_=reporter,
        response_for=ResponseFor(
            organ_id=about.from_.organ_id,
            code=about.code.text,
            promulgation_date=about.promulgation_info.promulgation_date,
            document_id=about.document_id,
        ),
        status_code=code.value,
        description=description,
        timestamp=format_timestamp(now or dt.datetime.now()),
    )
