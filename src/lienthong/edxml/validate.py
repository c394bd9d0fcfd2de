"""Check a message against the QCVN 102:2016 rules; every problem is reported, not just the first.

Parsing is tolerant, validation is not: it is where a receiver learns whether a message may be
accepted. Rules that depend on the network (is the recipient registered?) belong to the hub.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from .agency_codes import parse_agency_code
from .attachments import base64_decoded_size, decode_base64_stream, safe_attachment_name
from .errors import AgencyCodeError, AttachmentError, InvalidError, Problem, TooLargeError
from .limits import DEFAULT_LIMITS, Limits
from .model import (
    Attachment,
    Business,
    BusinessType,
    EdocMessage,
    Message,
    OtherInfo,
    Priority,
    StatusCode,
    StatusMessage,
    SteeringType,
    parse_date,
    parse_timestamp,
)


def validate(message: Message, limits: Limits = DEFAULT_LIMITS) -> list[Problem]:
    """Every rule the message breaks, in document order; empty when it is valid."""
    rules = _Rules()
    if isinstance(message, StatusMessage):
        rules.status(message)
    else:
        rules.edoc(message, limits)
    return rules.problems


def check(message: Message, limits: Limits = DEFAULT_LIMITS) -> None:
    """Raise :class:`InvalidError` listing every problem, if there is any."""
    problems = validate(message, limits)
    if problems:
        raise InvalidError(problems)


def content_id_key(content_id: str) -> str:
    """ContentId as compared between manifest and attachments: with or without ``cid:``."""
    text = content_id.strip()
    return text[4:] if text.lower().startswith("cid:") else text


def _too_large(size: int, limits: Limits) -> str:
    return f"the file is {size} bytes; the limit is {limits.max_attachment_bytes} bytes"


class _NullSink:
    def write(self, data: bytes) -> int:
        return len(data)


class _Rules:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, code: str, path: str, message: str) -> None:
        self.problems.append(Problem(code, path, message))

    def required(self, path: str, value: str) -> bool:
        if not value:
            self.add("required", path, "is required")
            return False
        return True

    def agency(self, path: str, value: str, *, required: bool = True) -> None:
        if not value:
            if required:
                self.add("required", path, "is required")
            return
        try:
            parse_agency_code(value)
        except AgencyCodeError as exc:
            self.add("agency-code", path, exc.message)

    def date(self, path: str, value: str, *, required: bool = False) -> None:
        self._formatted(
            path, value, parse_date, "date-format", "a date written yyyy/MM/dd", required
        )

    def timestamp(self, path: str, value: str, *, required: bool = False) -> None:
        self._formatted(
            path, value, parse_timestamp, "timestamp-format",
            "a time written yyyy/MM/dd HH:mm:ss", required,
        )  # fmt: skip

    def _formatted(
        self,
        path: str,
        value: str,
        reader: Callable[[str], object],
        code: str,
        shape: str,
        required: bool,
    ) -> None:
        if not value:
            if required:
                self.add("required", path, "is required")
            return
        if reader(value) is None:
            self.add(code, path, f"{value!r} is not {shape}")

    def in_table(self, path: str, value: str, allowed: list[str]) -> None:
        if value and value not in allowed:
            self.add("code-table", path, f"{value!r} is not one of {', '.join(allowed)}")

    def number(self, path: str, value: str) -> None:
        if value and not value.isdecimal():
            self.add("number", path, f"{value!r} is not a whole number")

    # -- status -------------------------------------------------------------------------------

    def status(self, m: StatusMessage) -> None:
        self.agency("MessageHeader/From/OrganId", m.from_.organ_id)
        self.agency("MessageHeader/ResponseFor/OrganId", m.response_for.organ_id)
        self.required("MessageHeader/ResponseFor/DocumentId", m.response_for.document_id)
        self.date("MessageHeader/ResponseFor/PromulgationDate", m.response_for.promulgation_date)
        if self.required("MessageHeader/StatusCode", m.status_code):
            self.in_table("MessageHeader/StatusCode", m.status_code, [c.value for c in StatusCode])
        self.timestamp("MessageHeader/Timestamp", m.timestamp, required=True)

    # -- edoc ---------------------------------------------------------------------------------

    def edoc(self, m: EdocMessage, limits: Limits) -> None:
        h = "MessageHeader"
        self.agency(f"{h}/From/OrganId", m.from_.organ_id)
        if not m.to:
            self.add("required", f"{h}/To", "at least one recipient is required")
        for i, to in enumerate(m.to, 1):
            self.agency(f"{h}/To[{i}]/OrganId", to.organ_id)
        for organ_id, count in Counter(t.organ_id for t in m.to if t.organ_id).items():
            if count > 1:
                self.add("duplicate-recipient", f"{h}/To", f"{organ_id} is listed {count} times")
        self.required(f"{h}/DocumentId", m.document_id)
        kind = m.business_type
        if kind is not BusinessType.REVOKE:
            self.required(f"{h}/Subject", m.subject)
            self.required(f"{h}/Code/CodeNumber", m.code.code_number)
            self.date(
                f"{h}/PromulgationInfo/PromulgationDate",
                m.promulgation_info.promulgation_date,
                required=True,
            )
        else:
            self.date(
                f"{h}/PromulgationInfo/PromulgationDate", m.promulgation_info.promulgation_date
            )
        self.date(f"{h}/DueDate", m.due_date)
        self.other_info(m.other_info)
        for i, response in enumerate(m.response_for, 1):
            self.agency(f"{h}/ResponseFor[{i}]/OrganId", response.organ_id, required=False)
            self.date(f"{h}/ResponseFor[{i}]/PromulgationDate", response.promulgation_date)
        self.in_table(f"{h}/SteeringType", m.steering_type, [str(s.value) for s in SteeringType])
        for i, trace in enumerate(m.trace_headers, 1):
            # Written by every system the package crossed; real ones use other code shapes
            # (``01.02.G22`` seen in use), so only presence is required here.
            self.required(f"TraceHeaderList/TraceHeader[{i}]/OrganId", trace.organ_id)
            self.timestamp(f"TraceHeaderList/TraceHeader[{i}]/Timestamp", trace.timestamp)
        if m.business is not None:
            self.business(m.business)
        self.attachments(m, limits)

    def other_info(self, info: OtherInfo) -> None:
        path = "MessageHeader/OtherInfo"
        self.in_table(f"{path}/Priority", info.priority, [str(p.value) for p in Priority])
        self.number(f"{path}/PromulgationAmount", info.promulgation_amount)
        self.number(f"{path}/PageAmount", info.page_amount)

    def business(self, b: Business) -> None:
        path = "TraceHeaderList/Bussiness"
        kinds = [str(k.value) for k in BusinessType]
        self.in_table(f"{path}/BussinessDocType", b.business_doc_type, kinds)
        self.in_table(f"{path}/Paper", b.paper, ["0", "1"])
        kind = b.type_value
        if kind in (BusinessType.REVOKE, BusinessType.UPDATE, BusinessType.REPLACE):
            self.required(f"{path}/BussinessDocReason", b.business_doc_reason)
        if kind is BusinessType.UPDATE:
            self.update(b)
        if kind is BusinessType.REPLACE:
            if not b.replacements:
                self.add(
                    "required",
                    f"{path}/ReplacementInfoList",
                    "a replacement names what it replaces",
                )
            for i, r in enumerate(b.replacements, 1):
                where = f"{path}/ReplacementInfoList/ReplacementInfo[{i}]"
                self.required(f"{where}/DocumentId", r.document_id)
                for j, organ_id in enumerate(r.organ_ids, 1):
                    self.agency(f"{where}/OrganIdList/OrganId[{j}]", organ_id)

    def update(self, b: Business) -> None:
        path = "TraceHeaderList/Bussiness/BussinessDocumentInfo"
        info = b.document_info
        if info is None:
            self.add("required", path, "an update says what it changes")
            return
        self.in_table(f"{path}/DocumentInfo", info.document_info, ["0", "1"])
        self.in_table(f"{path}/DocumentReceiver", info.document_receiver, ["0", "1"])
        if info.document_receiver == "1" and not info.receivers:
            self.add("required", f"{path}/ReceiverList", "changed recipients must be listed")
        for i, receiver in enumerate(info.receivers, 1):
            self.agency(f"{path}/ReceiverList/Receiver[{i}]/OrganId", receiver.organ_id)
            self.in_table(
                f"{path}/ReceiverList/Receiver[{i}]/ReceiverType",
                receiver.receiver_type,
                ["0", "1"],
            )

    def attachments(self, m: EdocMessage, limits: Limits) -> None:
        if len(m.attachments) > limits.max_attachments:
            self.add(
                "too-large",
                "AttachmentEncoded",
                f"{len(m.attachments)} attachments; the limit is {limits.max_attachments}",
            )
        manifest_ids = Counter(content_id_key(r.content_id) for r in m.manifest)
        attached_ids = Counter(content_id_key(a.content_id) for a in m.attachments)
        for i, ref in enumerate(m.manifest, 1):
            where = f"edXMLManifest/Reference[{i}]"
            key = content_id_key(ref.content_id)
            if self.required(f"{where}/ContentId", key) and key not in attached_ids:
                self.add("manifest-without-attachment", where, f"no attachment has ContentId {key}")
        for key, count in manifest_ids.items():
            if key and count > 1:
                self.add("duplicate-content-id", "edXMLManifest", f"{key} is listed {count} times")
        for key, count in attached_ids.items():
            if key and count > 1:
                self.add(
                    "duplicate-content-id", "AttachmentEncoded", f"{key} is used {count} times"
                )
        for i, a in enumerate(m.attachments, 1):
            where = f"AttachmentEncoded/Attachment[{i}]"
            key = content_id_key(a.content_id)
            if self.required(f"{where}/ContentId", key) and key not in manifest_ids:
                self.add("attachment-not-in-manifest", where, f"{key} is not in the manifest")
            if self.required(f"{where}/AttachmentName", a.attachment_name):
                try:
                    safe_attachment_name(a.attachment_name)
                except AttachmentError as exc:
                    self.add("attachment-name", f"{where}/AttachmentName", exc.message)
            self.content(f"{where}/ContentTransferEncoded", a, limits)

    def content(self, path: str, attachment: Attachment, limits: Limits) -> None:
        facts = attachment.facts
        if facts is not None:  # measured while reading: no second decoding
            if facts.problem_code is not None:
                self.add(facts.problem_code, path, facts.problem or "cannot be decoded")
            elif facts.size == 0:
                self.add("required", path, "is required")
            elif facts.size > limits.max_attachment_bytes:
                self.add("too-large", path, _too_large(facts.size, limits))
            return
        encoded = attachment.encoded
        if not self.required(path, encoded):
            return
        size = base64_decoded_size(encoded)
        if size > limits.max_attachment_bytes:
            self.add("too-large", path, _too_large(size, limits))
            return
        try:
            decode_base64_stream([encoded], _NullSink(), max_bytes=limits.max_attachment_bytes)
        except TooLargeError as exc:
            self.add("too-large", path, exc.message)
        except AttachmentError as exc:
            self.add("base64", path, exc.message)
