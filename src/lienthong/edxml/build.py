"""Write the model as edXML bytes, the way the reference software lays them out.

The root is in the default namespace; every other element carries the ``edXML:`` prefix, which
is declared on the root so that ``AttachmentEncoded`` (a sibling of the envelope) is in scope —
real software forgets that. Empty leaves are omitted, so build → parse → build is stable.
"""

from __future__ import annotations

from typing import Any

from . import schema
from .model import (
    NS,
    Business,
    EdocMessage,
    Message,
    OtherInfo,
    StaffInfo,
    StatusMessage,
)

_INDENT = "  "
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def escape(text: str) -> str:
    return text.translate(_ESCAPES)


class _Writer:
    def __init__(self) -> None:
        self.parts: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>\n']
        self.depth = 0

    def open(self, name: str, attrs: str = "") -> None:
        self.parts.append(f"{_INDENT * self.depth}<edXML:{name}{attrs}>\n")
        self.depth += 1

    def close(self, name: str) -> None:
        self.depth -= 1
        self.parts.append(f"{_INDENT * self.depth}</edXML:{name}>\n")

    def leaf(self, name: str, value: str) -> None:
        if value:
            self.parts.append(
                f"{_INDENT * self.depth}<edXML:{name}>{escape(value)}</edXML:{name}>\n"
            )

    def record(self, name: str, value: Any, fields: schema.Fields) -> None:
        """A container of leaves; omitted when every leaf is empty."""
        texts = [(xml, getattr(value, attr)) for xml, attr in fields]
        if not any(text for _, text in texts):
            return
        self.open(name)
        for xml, text in texts:
            self.leaf(xml, text)
        self.close(name)

    def items(self, name: str, item: str, values: tuple[str, ...]) -> None:
        if not values:
            return
        self.open(name)
        for value in values:
            self.leaf(item, value)
        self.close(name)

    def bytes(self) -> bytes:
        return "".join(self.parts).encode("utf-8")


def build(message: Message) -> bytes:
    """Serialise a message (unsigned; see :func:`lienthong.edxml.dsig.sign`)."""
    w = _Writer()
    w.parts.append(f'<edXML xmlns="{NS}" xmlns:edXML="{NS}">\n')
    w.depth = 1
    w.open("edXMLEnvelope")
    w.open("edXMLHeader")
    if isinstance(message, StatusMessage):
        _status_header(w, message)
    else:
        _edoc_header(w, message)
        _trace(w, message)
    w.close("edXMLHeader")
    if isinstance(message, EdocMessage):
        _body(w, message)
    w.close("edXMLEnvelope")
    if isinstance(message, EdocMessage) and message.attachments:
        _attachments(w, message)
    w.parts.append("</edXML>\n")
    return w.bytes()


def _status_header(w: _Writer, m: StatusMessage) -> None:
    w.open("MessageHeader")
    w.record("From", m.from_, schema.ORGANIZATION)
    w.record("ResponseFor", m.response_for, schema.RESPONSE_FOR)
    _staff(w, m.staff_info)
    w.leaf("StatusCode", m.status_code)
    w.leaf("Description", m.description)
    w.leaf("Timestamp", m.timestamp)
    w.close("MessageHeader")


def _staff(w: _Writer, staff: StaffInfo | None) -> None:
    if staff is not None:
        w.record("StaffInfo", staff, schema.STAFF_INFO)


def _edoc_header(w: _Writer, m: EdocMessage) -> None:
    w.open("MessageHeader")
    w.record("From", m.from_, schema.ORGANIZATION)
    for to in m.to:
        w.record("To", to, schema.ORGANIZATION)
    w.leaf("DocumentId", m.document_id)
    w.record("Code", m.code, schema.CODE)
    w.record("PromulgationInfo", m.promulgation_info, schema.PROMULGATION_INFO)
    w.record("DocumentType", m.document_type, schema.DOCUMENT_TYPE)
    w.leaf("Subject", m.subject)
    w.leaf("Content", m.content)
    w.record("SignerInfo", m.signer_info, schema.SIGNER_INFO)
    w.leaf("DueDate", m.due_date)
    w.items("ToPlaces", "Place", m.to_places)
    _other_info(w, m.other_info)
    for response in m.response_for:
        w.record("ResponseFor", response, schema.RESPONSE_FOR)
    w.leaf("SteeringType", m.steering_type)
    w.close("MessageHeader")


def _other_info(w: _Writer, info: OtherInfo) -> None:
    if info == OtherInfo():
        return
    w.open("OtherInfo")
    for xml, attr in schema.OTHER_INFO_LEAVES:
        w.leaf(xml, getattr(info, attr))
    for xml, item, attr in schema.OTHER_INFO_LISTS:
        w.items(xml, item, getattr(info, attr))
    w.close("OtherInfo")


def _trace(w: _Writer, m: EdocMessage) -> None:
    if not m.trace_headers and m.business is None:
        return
    w.open("TraceHeaderList")
    for trace in m.trace_headers:
        w.record("TraceHeader", trace, schema.TRACE_HEADER)
    if m.business is not None:
        _business(w, m.business)
    w.close("TraceHeaderList")


def _business(w: _Writer, b: Business) -> None:
    w.open("Bussiness")
    w.leaf("DocumentId", b.document_id)
    w.leaf("BussinessDocType", b.business_doc_type)
    w.leaf("BussinessDocReason", b.business_doc_reason)
    w.leaf("Paper", b.paper)
    _staff(w, b.staff_info)
    if b.document_info is not None:
        info = b.document_info
        w.open("BussinessDocumentInfo")
        w.leaf("DocumentInfo", info.document_info)
        w.leaf("DocumentReceiver", info.document_receiver)
        if info.receivers:
            w.open("ReceiverList")
            for receiver in info.receivers:
                w.record("Receiver", receiver, schema.RECEIVER)
            w.close("ReceiverList")
        w.close("BussinessDocumentInfo")
    if b.replacements:
        w.open("ReplacementInfoList")
        for replacement in b.replacements:
            w.open("ReplacementInfo")
            w.leaf("DocumentId", replacement.document_id)
            w.items("OrganIdList", "OrganId", replacement.organ_ids)
            w.close("ReplacementInfo")
        w.close("ReplacementInfoList")
    w.close("Bussiness")


def _body(w: _Writer, m: EdocMessage) -> None:
    w.open("edXMLBody")
    w.open("edXMLManifest", ' version="1.0"')
    for reference in m.manifest:
        w.record("Reference", reference, schema.MANIFEST_REFERENCE)
    w.close("edXMLManifest")
    w.close("edXMLBody")


def _attachments(w: _Writer, m: EdocMessage) -> None:
    w.open("AttachmentEncoded")
    for attachment in m.attachments:
        w.record("Attachment", attachment, schema.ATTACHMENT)
    w.close("AttachmentEncoded")
