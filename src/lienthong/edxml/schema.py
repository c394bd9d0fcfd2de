"""Where each model field lives in the XML: one table read by both the reader and the writer.

Each entry pairs an edXML element name with a model field name, in the order the reference
software writes them.
"""

from __future__ import annotations

from typing import Final

Fields = tuple[tuple[str, str], ...]

ORGANIZATION: Final[Fields] = (
    ("OrganId", "organ_id"),
    ("OrganizationInCharge", "organization_in_charge"),
    ("OrganName", "organ_name"),
    ("OrganAdd", "organ_add"),
    ("Email", "email"),
    ("Telephone", "telephone"),
    ("Fax", "fax"),
    ("Website", "website"),
)
CODE: Final[Fields] = (("CodeNumber", "code_number"), ("CodeNotation", "code_notation"))
PROMULGATION_INFO: Final[Fields] = (("Place", "place"), ("PromulgationDate", "promulgation_date"))
DOCUMENT_TYPE: Final[Fields] = (
    ("Type", "type"),
    ("TypeDetail", "type_detail"),
    ("TypeName", "type_name"),
)
SIGNER_INFO: Final[Fields] = (
    ("Competence", "competence"),
    ("Position", "position"),
    ("FullName", "full_name"),
)
OTHER_INFO_LEAVES: Final[Fields] = (
    ("Priority", "priority"),
    ("SphereOfPromulgation", "sphere_of_promulgation"),
    ("TyperNotation", "typer_notation"),
    ("PromulgationAmount", "promulgation_amount"),
    ("PageAmount", "page_amount"),
    ("Direction", "direction"),
)
# (list element, item element, model field)
OTHER_INFO_LISTS: Final[tuple[tuple[str, str, str], ...]] = (
    ("Appendixes", "Appendix", "appendixes"),
    ("ReplyFors", "ReplyFor", "reply_fors"),
    ("ReferenceCodes", "ReferenceCode", "reference_codes"),
)
RESPONSE_FOR: Final[Fields] = (
    ("OrganId", "organ_id"),
    ("Code", "code"),
    ("PromulgationDate", "promulgation_date"),
    ("DocumentId", "document_id"),
)
STAFF_INFO: Final[Fields] = (
    ("Department", "department"),
    ("Staff", "staff"),
    ("Email", "email"),
    ("Mobile", "mobile"),
)
TRACE_HEADER: Final[Fields] = (("OrganId", "organ_id"), ("Timestamp", "timestamp"))
RECEIVER: Final[Fields] = (("OrganId", "organ_id"), ("ReceiverType", "receiver_type"))
MANIFEST_REFERENCE: Final[Fields] = (
    ("ContentId", "content_id"),
    ("ContentType", "content_type"),
    ("AttachmentName", "attachment_name"),
    ("Description", "description"),
)
ATTACHMENT: Final[Fields] = (
    ("ContentId", "content_id"),
    ("AttachmentName", "attachment_name"),
    ("Description", "description"),
    ("ContentType", "content_type"),
    ("ContentTransferEncoded", "encoded"),
)

# The order of MessageHeader children in the reference software, per kind.
EDOC_HEADER_ORDER: Final[tuple[str, ...]] = (
    "From",
    "To",
    "DocumentId",
    "Code",
    "PromulgationInfo",
    "DocumentType",
    "Subject",
    "Content",
    "SignerInfo",
    "DueDate",
    "ToPlaces",
    "OtherInfo",
    "ResponseFor",
    "SteeringType",
)
STATUS_HEADER_ORDER: Final[tuple[str, ...]] = (
    "From",
    "ResponseFor",
    "StaffInfo",
    "StatusCode",
    "Description",
    "Timestamp",
)
BUSINESS_ORDER: Final[tuple[str, ...]] = (
    "DocumentId",
    "BussinessDocType",
    "BussinessDocReason",
    "Paper",
    "StaffInfo",
    "BussinessDocumentInfo",
    "ReplacementInfoList",
)
