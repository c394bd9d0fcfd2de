"""Read edXML bytes into the model, tolerant of what real software sends.

Tolerated, each with a warning: children with or without the ``edXML:`` prefix (or with no
namespace), undeclared prefixes, elements out of the reference order, comments, empty optional
elements, unknown elements. Never tolerated: anything the hardened reader refuses
(:mod:`lienthong.edxml.scan`), and a document that is not edXML at all.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, BinaryIO, TypeVar

from lxml import etree

from . import schema
from .errors import Collected, MalformedError, Warning_
from .limits import DEFAULT_LIMITS, Limits
from .model import (
    NS,
    Attachment,
    AttachmentFacts,
    Business,
    BusinessDocumentInfo,
    Code,
    DocumentType,
    EdocMessage,
    ManifestReference,
    Message,
    Organization,
    OtherInfo,
    PromulgationInfo,
    Receiver,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusMessage,
    TraceHeader,
)
from .scan import Scan, scan

T = TypeVar("T")
_NS_TAG = "{" + NS + "}"
_UNDECLARED_TAG = "edXML:"


@dataclass(frozen=True)
class ParseResult:
    """A message, what was tolerated while reading it, and whether it carries a signature."""

    message: Message
    warnings: tuple[Warning_, ...]
    signed: bool


def parse(
    data: bytes | BinaryIO, limits: Limits = DEFAULT_LIMITS, *, keep_encoded: bool = True
) -> ParseResult:
    """Parse edXML bytes or a binary stream; raise a typed ``EdxmlError`` if impossible.

    With ``keep_encoded=False`` attachment contents are checked and measured while streaming
    but not kept (``Attachment.encoded`` is empty, ``Attachment.facts`` says what they were).
    """
    return read_scan(scan(data, limits, keep_encoded=keep_encoded), limits)


def read_scan(result: Scan, limits: Limits = DEFAULT_LIMITS) -> ParseResult:
    """The model of a message read by :func:`~lienthong.edxml.scan.scan`."""
    reader = _Reader(result.notes, result.attachments)
    message = reader.message(result.root, limits)
    return ParseResult(message, tuple(result.notes.warnings), result.signatures_seen > 0)


def local_name(el: etree._Element) -> str | None:
    """The edXML local name of ``el``; None for comments, PIs and other namespaces."""
    tag = el.tag
    if not isinstance(tag, str):
        return None
    if tag.startswith(_NS_TAG):
        return tag[len(_NS_TAG) :]
    if tag.startswith("{"):
        return None
    if tag.startswith(_UNDECLARED_TAG):
        return tag[len(_UNDECLARED_TAG) :]
    return tag


def _text(el: etree._Element) -> str:
    return (el.text or "").strip()


class _Group:
    """The children of one element, grouped by edXML local name (reading order kept)."""

    def __init__(
        self, el: etree._Element, where: str, known: Iterable[str], notes: Collected
    ) -> None:
        self.where = where
        self.notes = notes
        self.by_name: dict[str, list[etree._Element]] = {}
        self.order: list[str] = []
        self.foreign: list[etree._Element] = []
        known_set = set(known)
        for child in el:
            name = local_name(child)
            if name is None:
                if isinstance(child.tag, str):
                    self.foreign.append(child)
                continue
            if child.tag == name:  # no namespace at all
                notes.warn("no-namespace", f"{where}/{name} is not in the edXML namespace")
            if name not in known_set:
                notes.warn("unknown-element", f"{where}/{name} is not a known element; ignored")
                continue
            self.by_name.setdefault(name, []).append(child)
            self.order.append(name)

    def all(self, name: str) -> list[etree._Element]:
        return self.by_name.get(name, [])

    def one(self, name: str) -> etree._Element | None:
        found = self.by_name.get(name)
        if not found:
            return None
        if len(found) > 1:
            self.notes.warn(
                "duplicate-element", f"{self.where}/{name} appears {len(found)} times; first kept"
            )
        return found[0]

    def text(self, name: str) -> str:
        el = self.one(name)
        return "" if el is None else _text(el)

    def check_order(self, reference: tuple[str, ...]) -> None:
        rank = {name: i for i, name in enumerate(reference)}
        ranks = [rank[n] for n in self.order if n in rank]
        if any(a > b for a, b in itertools.pairwise(ranks)):
            self.notes.warn(
                "element-order", f"children of {self.where} are not in the reference order"
            )


class _Reader:
    def __init__(self, notes: Collected, facts: list[AttachmentFacts]) -> None:
        self.notes = notes
        self.facts = facts

    def group(self, el: etree._Element, where: str, known: Iterable[str]) -> _Group:
        return _Group(el, where, known, self.notes)

    def record(self, cls: type[T], el: etree._Element, where: str, fields: schema.Fields) -> T:
        group = self.group(el, where, (xml for xml, _ in fields))
        values: dict[str, Any] = {attr: group.text(xml) for xml, attr in fields}
        return cls(**values)

    def optional_record(
        self, cls: type[T], group: _Group, name: str, fields: schema.Fields
    ) -> T | None:
        el = group.one(name)
        if el is None:
            return None
        where = f"{group.where}/{name}"
        value = self.record(cls, el, where, fields)
        if not any(getattr(value, attr) for _, attr in fields):
            self.notes.warn("empty-element", f"{where} is empty; ignored")
            return None
        return value

    def texts(self, el: etree._Element | None) -> tuple[str, ...]:
        if el is None:
            return ()
        return tuple(_text(c) for c in el if local_name(c) is not None)

    # -- structure ----------------------------------------------------------------------------

    def message(self, root: etree._Element, limits: Limits) -> Message:
        if local_name(root) != "edXML":
            raise MalformedError(f"the root element is {root.tag!r}, not edXML")
        top = self.group(root, "edXML", ("edXMLEnvelope", "AttachmentEncoded"))
        envelope = top.one("edXMLEnvelope")
        if envelope is None:
            raise MalformedError("the message has no edXMLEnvelope")
        env = self.group(envelope, "edXMLEnvelope", ("edXMLHeader", "edXMLBody"))
        header_el = env.one("edXMLHeader")
        if header_el is None:
            raise MalformedError("the message has no edXMLHeader")
        header = self.group(header_el, "edXMLHeader", ("MessageHeader", "TraceHeaderList"))
        mh = header.one("MessageHeader")
        if mh is None:
            raise MalformedError("the message has no MessageHeader")
        status_probe = any(local_name(c) == "StatusCode" for c in mh)
        if status_probe:
            return self.status(mh)
        return self.edoc(mh, header, env, top, limits)

    def status(self, mh: etree._Element) -> StatusMessage:
        where = "MessageHeader"
        g = self.group(mh, where, schema.STATUS_HEADER_ORDER)
        g.check_order(schema.STATUS_HEADER_ORDER)
        from_ = self.optional_record(Organization, g, "From", schema.ORGANIZATION)
        response = self.optional_record(ResponseFor, g, "ResponseFor", schema.RESPONSE_FOR)
        return StatusMessage(
            from_=from_ or Organization(organ_id=""),
            response_for=response or ResponseFor(),
            status_code=g.text("StatusCode"),
            description=g.text("Description"),
            timestamp=g.text("Timestamp"),
            staff_info=self.optional_record(StaffInfo, g, "StaffInfo", schema.STAFF_INFO),
        )

    def edoc(
        self, mh: etree._Element, header: _Group, env: _Group, top: _Group, limits: Limits
    ) -> EdocMessage:
        where = "MessageHeader"
        g = self.group(mh, where, schema.EDOC_HEADER_ORDER)
        g.check_order(schema.EDOC_HEADER_ORDER)
        record = self.optional_record
        trace_headers, business = self.trace(header.one("TraceHeaderList"))
        return EdocMessage(
            from_=record(Organization, g, "From", schema.ORGANIZATION) or Organization(""),
            to=tuple(
                self.record(Organization, el, f"{where}/To", schema.ORGANIZATION)
                for el in g.all("To")
            ),
            document_id=g.text("DocumentId"),
            code=record(Code, g, "Code", schema.CODE) or Code(),
            promulgation_info=record(
                PromulgationInfo, g, "PromulgationInfo", schema.PROMULGATION_INFO
            )
            or PromulgationInfo(),
            document_type=record(DocumentType, g, "DocumentType", schema.DOCUMENT_TYPE)
            or DocumentType(),
            subject=g.text("Subject"),
            content=g.text("Content"),
            signer_info=record(SignerInfo, g, "SignerInfo", schema.SIGNER_INFO) or SignerInfo(),
            due_date=g.text("DueDate"),
            to_places=self.texts(g.one("ToPlaces")),
            other_info=self.other_info(g.one("OtherInfo")),
            response_for=self.responses(g.all("ResponseFor")),
            steering_type=g.text("SteeringType"),
            trace_headers=trace_headers,
            business=business,
            manifest=self.manifest(env.one("edXMLBody")),
            attachments=self.attachments(top.one("AttachmentEncoded"), limits),
        )

    def other_info(self, el: etree._Element | None) -> OtherInfo:
        if el is None:
            return OtherInfo()
        where = "MessageHeader/OtherInfo"
        known = [x for x, _ in schema.OTHER_INFO_LEAVES] + [
            x for x, _, _ in schema.OTHER_INFO_LISTS
        ]
        g = self.group(el, where, known)
        values: dict[str, Any] = {attr: g.text(xml) for xml, attr in schema.OTHER_INFO_LEAVES}
        for xml, _item, attr in schema.OTHER_INFO_LISTS:
            values[attr] = self.texts(g.one(xml))
        return OtherInfo(**values)

    def responses(self, elements: list[etree._Element]) -> tuple[ResponseFor, ...]:
        found = []
        for el in elements:
            response = self.record(
                ResponseFor, el, "MessageHeader/ResponseFor", schema.RESPONSE_FOR
            )
            if response.is_empty:
                self.notes.warn("empty-element", "MessageHeader/ResponseFor is empty; ignored")
                continue
            found.append(response)
        return tuple(found)

    def trace(self, el: etree._Element | None) -> tuple[tuple[TraceHeader, ...], Business | None]:
        if el is None:
            return (), None
        where = "TraceHeaderList"
        g = self.group(el, where, ("TraceHeader", "Bussiness"))
        headers = tuple(
            self.record(TraceHeader, t, f"{where}/TraceHeader", schema.TRACE_HEADER)
            for t in g.all("TraceHeader")
        )
        business_el = g.one("Bussiness")
        return headers, None if business_el is None else self.business(business_el)

    def business(self, el: etree._Element) -> Business:
        where = "TraceHeaderList/Bussiness"
        g = self.group(el, where, schema.BUSINESS_ORDER)
        info_el = g.one("BussinessDocumentInfo")
        info = None
        if info_el is not None:
            ig = self.group(
                info_el,
                f"{where}/BussinessDocumentInfo",
                ("DocumentInfo", "DocumentReceiver", "ReceiverList"),
            )
            receivers_el = ig.one("ReceiverList")
            receivers: tuple[Receiver, ...] = ()
            if receivers_el is not None:
                rg = self.group(receivers_el, f"{where}/ReceiverList", ("Receiver",))
                receivers = tuple(
                    self.record(Receiver, r, f"{where}/Receiver", schema.RECEIVER)
                    for r in rg.all("Receiver")
                )
            info = BusinessDocumentInfo(
                document_info=ig.text("DocumentInfo"),
                document_receiver=ig.text("DocumentReceiver"),
                receivers=receivers,
            )
        replacements: tuple[ReplacementInfo, ...] = ()
        list_el = g.one("ReplacementInfoList")
        if list_el is not None:
            lg = self.group(list_el, f"{where}/ReplacementInfoList", ("ReplacementInfo",))
            replacements = tuple(self.replacement(r) for r in lg.all("ReplacementInfo"))
        return Business(
            business_doc_type=g.text("BussinessDocType"),
            document_id=g.text("DocumentId"),
            business_doc_reason=g.text("BussinessDocReason"),
            paper=g.text("Paper"),
            staff_info=self.optional_record(StaffInfo, g, "StaffInfo", schema.STAFF_INFO),
            document_info=info,
            replacements=replacements,
        )

    def replacement(self, el: etree._Element) -> ReplacementInfo:
        where = "ReplacementInfoList/ReplacementInfo"
        g = self.group(el, where, ("DocumentId", "OrganIdList"))
        return ReplacementInfo(
            document_id=g.text("DocumentId"), organ_ids=self.texts(g.one("OrganIdList"))
        )

    def manifest(self, body: etree._Element | None) -> tuple[ManifestReference, ...]:
        if body is None:
            return ()
        g = self.group(body, "edXMLBody", ("edXMLManifest",))
        manifest = g.one("edXMLManifest")
        if manifest is None:
            return ()
        mg = self.group(manifest, "edXMLManifest", ("Reference",))
        return tuple(
            self.record(ManifestReference, r, "edXMLManifest/Reference", schema.MANIFEST_REFERENCE)
            for r in mg.all("Reference")
        )

    def attachments(self, el: etree._Element | None, limits: Limits) -> tuple[Attachment, ...]:
        if el is None:
            return ()
        g = self.group(el, "AttachmentEncoded", ("Attachment",))
        found = [
            self.record(Attachment, a, "AttachmentEncoded/Attachment", schema.ATTACHMENT)
            for a in g.all("Attachment")
        ]
        # The reader measured each ContentTransferEncoded directly under an Attachment, in order.
        if len(self.facts) == len(found):
            found = [replace(a, facts=f) for a, f in zip(found, self.facts, strict=True)]
        return tuple(found)
