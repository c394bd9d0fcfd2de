"""The typed model of the two QCVN 102:2016 message kinds: edoc (a document) and status.

Leaf values are kept as the text the message carried (``""`` when absent or empty), so that a
message read from the wire can be written back unchanged and validation can report a bad value
rather than the reader failing on it. Typed views (enums, dates) are properties.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
DATE_FORMAT = "%Y/%m/%d"
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"


class BusinessType(IntEnum):
    """``BussinessDocType``: what an edoc does to the document it names."""

    NEW = 0
    REVOKE = 1
    UPDATE = 2
    REPLACE = 3


class StatusCode(StrEnum):
    """``StatusCode`` of a status message (STANDARDS.md §2)."""

    ARRIVED = "01"  # Đã đến
    REFUSED = "02"  # Từ chối tiếp nhận
    ACCEPTED = "03"  # Đã tiếp nhận
    ASSIGNED = "04"  # Phân công
    PROCESSING = "05"  # Đang xử lý
    FINISHED = "06"  # Hoàn thành
    TAKE_BACK = "13"  # Lấy lại (sent by the sender)
    AGREED = "15"  # Đồng ý lấy lại / cập nhật
    DISAGREED = "16"  # Từ chối lấy lại / cập nhật

    @property
    def sent_by_sender(self) -> bool:
        return self is StatusCode.TAKE_BACK


class Priority(IntEnum):
    NORMAL = 0
    URGENT = 1  # khẩn
    VERY_URGENT = 2  # thượng khẩn
    EXPRESS = 3  # hỏa tốc
    EXPRESS_ON_TIME = 4  # hỏa tốc hẹn giờ


class SteeringType(IntEnum):
    NOT_DIRECTIVE = 0
    DIRECTIVE = 1
    REPORT_ON_DIRECTIVE = 2


def parse_date(text: str) -> dt.date | None:
    """A ``yyyy/MM/dd`` date, or None when the text is not one."""
    try:
        return dt.datetime.strptime(text, DATE_FORMAT).date()
    except ValueError:
        return None


def parse_timestamp(text: str) -> dt.datetime | None:
    """A ``yyyy/MM/dd HH:mm:ss`` timestamp (no zone, as on the wire), or None."""
    try:
        return dt.datetime.strptime(text, TIMESTAMP_FORMAT)
    except ValueError:
        return None


def format_date(value: dt.date) -> str:
    return value.strftime(DATE_FORMAT)


def format_timestamp(value: dt.datetime) -> str:
    return value.strftime(TIMESTAMP_FORMAT)


@dataclass(frozen=True, slots=True)
class Organization:
    """``From`` or ``To``: an agency with its contact details."""

    organ_id: str
    organization_in_charge: str = ""
    organ_name: str = ""
    organ_add: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass(frozen=True, slots=True)
class Code:
    """Number and notation, e.g. ``15`` and ``QĐ-UBND``."""

    code_number: str = ""
    code_notation: str = ""

    @property
    def text(self) -> str:
        return (
            f"{self.code_number}/{self.code_notation}" if self.code_notation else self.code_number
        )


@dataclass(frozen=True, slots=True)
class PromulgationInfo:
    place: str = ""
    promulgation_date: str = ""


@dataclass(frozen=True, slots=True)
class DocumentType:
    type: str = ""
    type_detail: str = ""
    type_name: str = ""


@dataclass(frozen=True, slots=True)
class SignerInfo:
    competence: str = ""
    position: str = ""
    full_name: str = ""


@dataclass(frozen=True, slots=True)
class OtherInfo:
    priority: str = ""
    sphere_of_promulgation: str = ""
    typer_notation: str = ""
    promulgation_amount: str = ""
    page_amount: str = ""
    direction: str = ""
    appendixes: tuple[str, ...] = ()
    reply_fors: tuple[str, ...] = ()
    reference_codes: tuple[str, ...] = ()

    @property
    def priority_value(self) -> Priority | None:
        try:
            return Priority(int(self.priority))
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class ResponseFor:
    """The document a message answers (edoc) or reports on (status)."""

    organ_id: str = ""
    code: str = ""
    promulgation_date: str = ""
    document_id: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.organ_id or self.code or self.promulgation_date or self.document_id)


@dataclass(frozen=True, slots=True)
class StaffInfo:
    department: str = ""
    staff: str = ""
    email: str = ""
    mobile: str = ""


@dataclass(frozen=True, slots=True)
class TraceHeader:
    """One agency that handled the package, and when."""

    organ_id: str
    timestamp: str


@dataclass(frozen=True, slots=True)
class Receiver:
    """A recipient added or removed by an update (``ReceiverType`` 0 removed, 1 added: unsure)."""

    organ_id: str
    receiver_type: str = ""


@dataclass(frozen=True, slots=True)
class BusinessDocumentInfo:
    """What an update changes: metadata (``DocumentInfo``) and/or recipients."""

    document_info: str = "0"
    document_receiver: str = "0"
    receivers: tuple[Receiver, ...] = ()


@dataclass(frozen=True, slots=True)
class ReplacementInfo:
    """A document replaced by this one, and the agencies concerned."""

    document_id: str
    organ_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Business:
    """``TraceHeaderList/Bussiness`` (the standard's spelling)."""

    business_doc_type: str = "0"
    document_id: str = ""
    business_doc_reason: str = ""
    paper: str = ""
    staff_info: StaffInfo | None = None
    document_info: BusinessDocumentInfo | None = None
    replacements: tuple[ReplacementInfo, ...] = ()

    @property
    def type_value(self) -> BusinessType | None:
        try:
            return BusinessType(int(self.business_doc_type))
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class ManifestReference:
    """``edXMLManifest/Reference``: what the body announces for one attachment."""

    content_id: str
    attachment_name: str = ""
    content_type: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class AttachmentFacts:
    """What decoding an attachment's base64 found while reading: size and hash, or the problem."""

    size: int
    sha256: str
    problem_code: str | None = None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """``AttachmentEncoded/Attachment``.

    ``encoded`` is the base64 text as carried; a message read in streaming mode leaves it empty
    and keeps only ``facts`` (the content went to a sink). ``facts`` is set by the reader and
    does not take part in equality: it is derived from ``encoded``.
    """

    content_id: str
    attachment_name: str
    content_type: str = ""
    description: str = ""
    encoded: str = field(default="", repr=False)
    facts: AttachmentFacts | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class EdocMessage:
    """A document (``edoc``)."""

    from_: Organization
    to: tuple[Organization, ...]
    document_id: str = ""
    code: Code = Code()
    promulgation_info: PromulgationInfo = PromulgationInfo()
    document_type: DocumentType = DocumentType()
    subject: str = ""
    content: str = ""
    signer_info: SignerInfo = SignerInfo()
    due_date: str = ""
    to_places: tuple[str, ...] = ()
    other_info: OtherInfo = OtherInfo()
    response_for: tuple[ResponseFor, ...] = ()
    steering_type: str = ""
    trace_headers: tuple[TraceHeader, ...] = ()
    business: Business | None = None
    manifest: tuple[ManifestReference, ...] = ()
    attachments: tuple[Attachment, ...] = ()

    kind = "edoc"

    @property
    def business_type(self) -> BusinessType:
        """New unless the Bussiness element says otherwise (it is often absent)."""
        if self.business is None:
            return BusinessType.NEW
        return self.business.type_value or BusinessType.NEW


@dataclass(frozen=True, slots=True)
class StatusMessage:
    """A processing notice (``status``) about a document."""

    from_: Organization
    response_for: ResponseFor
    status_code: str
    description: str = ""
    timestamp: str = ""
    staff_info: StaffInfo | None = None

    kind = "status"

    @property
    def status_value(self) -> StatusCode | None:
        try:
            return StatusCode(self.status_code)
        except ValueError:
            return None


Message = EdocMessage | StatusMessage
