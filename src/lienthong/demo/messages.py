"""Signed edXML as a third-party document system makes it: new documents, replacements and
status notices (used by the demo's directive and by the simulator)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from lienthong.edxml import Organization, build
from lienthong.edxml.compose import NewFile, new_edoc, new_status
from lienthong.edxml.dsig import sign
from lienthong.edxml.model import (
    Business,
    BusinessType,
    Code,
    EdocMessage,
    ReplacementInfo,
    StatusCode,
)
from lienthong.edxml.signing_key import SigningKey

from .pdf import one_page_pdf


def load_key(p12: str | Path, password: str) -> SigningKey:
    return SigningKey.from_pkcs12(Path(p12).read_bytes(), password.encode())


def edoc(
    *,
    sender: Organization,
    recipients: Sequence[Organization],
    subject: str,
    code: Code,
    type_name: str,
    date: dt.date,
    document_id: str = "",
    pdf: bytes | None = None,
    replaces: str = "",
    reason: str = "",
) -> EdocMessage:
    """A document dated ``date`` with one PDF; ``replaces`` names the DocumentId it replaces
    (business type 3)."""
    message = new_edoc(
        sender=sender,
        recipients=recipients,
        subject=subject,
        code=code,
        type_name=type_name,
        promulgation_date=date,
        files=[
            NewFile(
                "van-ban.pdf",
                "application/pdf",
                pdf or one_page_pdf(sender.organ_name.upper(), "", type_name.upper(), subject),
            )
        ],
    )
    if document_id:
        message = dataclasses.replace(message, document_id=document_id)
    if replaces:
        message = dataclasses.replace(
            message,
            business=Business(
                business_doc_type=str(int(BusinessType.REPLACE)),
                document_id=message.document_id,
                business_doc_reason=reason,
                paper="0",
                replacements=(ReplacementInfo(replaces, tuple(r.organ_id for r in recipients)),),
            ),
        )
    return message


def signed(message: EdocMessage, key: SigningKey) -> bytes:
    return sign(build(message), key)


def status(
    reporter: Organization,
    about: EdocMessage,
    code: StatusCode,
    key: SigningKey,
    *,
    description: str = "",
) -> bytes:
    """A signed status notice from ``reporter`` about ``about`` (13 from its sender)."""
    return sign(
        build(new_status(reporter=reporter, about=about, code=code, description=description)), key
    )
