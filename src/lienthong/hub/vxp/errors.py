"""Every refusal the VXP endpoint answers, with its stable ``ErrorCode`` and Vietnamese
``ErrorDesc``; the hub's and the edXML library's coded errors map onto them here, once.

The table is the contract vendors read (docs/vxp.md repeats it): a code, once given, keeps its
meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Reason:
    code: str  # the VXP ErrorCode: digits, never "0"
    desc: str  # the ErrorDesc, for people (Vietnamese)


class VxpRefusal(Exception):
    """A call the endpoint refuses: answered ``status: FAIL`` with the reason's code."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason.code} {reason.desc}: {detail}" if detail else reason.desc)
        self.reason = reason
        self.detail = detail


# --- the endpoint's own refusals ---------------------------------------------------------------

SYSTEM_UNKNOWN = Reason("101", "Hệ thống kết nối (systemid) không xác định hoặc đã bị khóa")
HMAC_INVALID = Reason("102", "Chữ ký của yêu cầu (hash-header) không đúng")
HEADER_MISMATCH = Reason("103", "Tham số trong header khác với giá trị đã ký hoặc không được ký")
TIMESTAMP_INVALID = Reason(
    "104", "Thời điểm gửi yêu cầu (timestamp) sai định dạng hoặc lệch quá thời gian cho phép"
)
REPLAY = Reason("105", "Yêu cầu này đã được gửi trước đó (gửi lặp lại bị từ chối)")
AUTH_HEADERS_INVALID = Reason(
    "106", "Thiếu hoặc sai định dạng header xác thực (systemid, sign-header, hash-header)"
)
REQUEST_INVALID = Reason("107", "Tham số của yêu cầu thiếu hoặc không hợp lệ")
VERB_UNKNOWN = Reason("108", "Phương thức không được hỗ trợ")
RATE_LIMITED = Reason("109", "Hệ thống gửi quá nhiều yêu cầu; vui lòng thử lại sau")
FROM_NOT_ALLOWED = Reason("201", "Hệ thống không được gửi thay cho đơn vị này (from)")
HASH_FILE_MISMATCH = Reason("202", "Mã băm của tệp (hash-file) không khớp với nội dung gửi lên")
DOC_ID_UNKNOWN = Reason("301", "Không tìm thấy văn bản (docId) dành cho hệ thống này")
AGENCY_NOT_HELD = Reason("403", "Hệ thống không quản lý đơn vị này (AgencyCode)")
INTERNAL = Reason("999", "Lỗi hệ thống của trục liên thông; sự cố đã được ghi nhận")

# --- the hub's and the edXML library's errors, by their stable code ----------------------------

EDXML_MALFORMED = Reason("203", "Gói tin edXML sai cấu trúc")
TOO_LARGE = Reason("205", "Gói tin vượt quá dung lượng cho phép")
SENDER_UNKNOWN = Reason("213", "Đơn vị gửi chưa được đăng ký trên trục")
NOT_FOUND = Reason("300", "Không tìm thấy đối tượng được yêu cầu")
HUB_ERROR = Reason("900", "Trục liên thông từ chối yêu cầu")

BY_HUB_CODE: dict[str, Reason] = {
    "edxml-malformed": EDXML_MALFORMED,
    "edxml-forbidden": Reason("204", "Gói tin edXML dùng cấu trúc bị cấm (DOCTYPE, thực thể)"),
    "edxml-too-large": TOO_LARGE,
    "payload-too-large": TOO_LARGE,
    "edxml-invalid": Reason("206", "Gói tin edXML không đúng quy định (QCVN 102)"),
    "attachment-invalid": Reason("207", "Tệp đính kèm không hợp lệ"),
    "agency-code-invalid": Reason("208", "Mã định danh đơn vị không hợp lệ"),
    "signature-missing": Reason("209", "Văn bản chưa được ký số"),
    "signature-invalid": Reason("210", "Chữ ký số trên văn bản không hợp lệ"),
    "signature-untrusted": Reason("211", "Chữ ký số trên văn bản không được tin cậy"),
    "signature-weak": Reason("212", "Chữ ký số dùng thuật toán yếu"),
    "sender-unknown": SENDER_UNKNOWN,
    "sender-not-allowed": FROM_NOT_ALLOWED,
    "recipient-unknown": Reason("214", "Đơn vị nhận chưa được đăng ký trên trục"),
    "recipient-inactive": Reason("215", "Đơn vị nhận đang tạm dừng hoặc đã đóng"),
    "duplicate-conflict": Reason("216", "Văn bản đã được gửi với nội dung khác"),
    "not-original-sender": Reason("217", "Chỉ đơn vị gửi ban đầu được thu hồi, cập nhật, thay thế"),
    "document-unknown": Reason("218", "Văn bản được nhắc đến chưa từng đi qua trục"),
    "forbidden": Reason("219", "Đơn vị không có quyền thực hiện thao tác này"),
    "not-found": NOT_FOUND,
    "delivery-state-conflict": Reason("302", "Trạng thái văn bản không cho phép cập nhật này"),
    "registry-conflict": Reason("401", "Đơn vị đã được đăng ký"),
    "agency-status-conflict": Reason("402", "Trạng thái đơn vị không cho phép thao tác này"),
    "rate-limited": RATE_LIMITED,
    "storage-unavailable": Reason("901", "Kho lưu trữ của trục tạm thời không sẵn sàng"),
}


class Coded(Protocol):
    """The shape shared by :class:`lienthong.hub.errors.HubError` and the libraries' errors."""

    code: str
    message: str


def refusal_for(error: Coded) -> VxpRefusal:
    """The VXP refusal for one of the hub's (or the edXML library's) coded errors."""
    return VxpRefusal(BY_HUB_CODE.get(error.code, HUB_ERROR), f"{error.code}: {error.message}")


def every_reason() -> list[Reason]:
    """Each reason once, ordered by code (the table docs/vxp.md shows)."""
    own = (
        SYSTEM_UNKNOWN,
        HMAC_INVALID,
        HEADER_MISMATCH,
        TIMESTAMP_INVALID,
        REPLAY,
        AUTH_HEADERS_INVALID,
        REQUEST_INVALID,
        VERB_UNKNOWN,
        FROM_NOT_ALLOWED,
        HASH_FILE_MISMATCH,
        DOC_ID_UNKNOWN,
        AGENCY_NOT_HELD,
        INTERNAL,
        HUB_ERROR,
    )
    found = {r.code: r for r in (*own, *BY_HUB_CODE.values())}
    return [found[code] for code in sorted(found)]
