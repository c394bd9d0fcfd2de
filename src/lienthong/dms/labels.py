"""Words shown for codes: status codes (STANDARDS.md §2), priorities, delivery states, history
events and PDF/A problems.

The Vietnamese words are gettext message ids: the tables hold lazy strings, translated when
they are shown, so a page in English reads English. Status and event words carry a context
(``status``, ``event``) because the same Vietnamese word is also a button elsewhere: "Hoàn
thành" is "Complete" on a button and "Completed" in a history. The words are display only —
never stored, never put in JSON or in a signed message. The ``*_label`` functions return a
plain ``str`` in the language active at call time; records that must stay Vietnamese whoever
asks (the register PDFs, archive packages) call them inside ``translation.override("vi")``.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

STATUS_LABELS: dict[str, Promise] = {
    "01": pgettext_lazy("status", "Đã đến"),
    "02": pgettext_lazy("status", "Từ chối tiếp nhận"),
    "03": pgettext_lazy("status", "Đã tiếp nhận (vào sổ)"),
    "04": pgettext_lazy("status", "Phân công"),
    "05": pgettext_lazy("status", "Đang xử lý"),
    "06": pgettext_lazy("status", "Hoàn thành"),
    "13": pgettext_lazy("status", "Lấy lại"),
    "15": pgettext_lazy("status", "Đồng ý lấy lại"),
    "16": pgettext_lazy("status", "Từ chối lấy lại"),
}

PRIORITY_LABELS: dict[int, Promise] = {
    0: _("Thường"),
    1: _("Khẩn"),
    2: _("Thượng khẩn"),
    3: _("Hỏa tốc"),
    4: _("Hỏa tốc hẹn giờ"),
}

DELIVERY_LABELS: dict[str, Promise] = {
    "queued": _("Chờ nhận"),
    "leased": _("Đang nhận"),
    "delivered": _("Đã nhận"),
    "acknowledged": _("Đã nhận"),
    "failed": _("Bên nhận từ chối gói tin"),
    "dead": _("Không chuyển được"),
}


def status_label(code: str) -> str:
    label = STATUS_LABELS.get(code)
    return str(label) if label is not None else code


def priority_label(priority: int) -> str:
    label = PRIORITY_LABELS.get(priority)
    return str(label) if label is not None else ""


def delivery_label(state: str) -> str:
    label = DELIVERY_LABELS.get(state)
    return str(label) if label is not None else ""


EVENT_LABELS: dict[str, Promise] = {
    "arrive": pgettext_lazy("event", "Văn bản đến"),
    "register": pgettext_lazy("event", "Vào sổ"),
    "refuse": pgettext_lazy("event", "Từ chối tiếp nhận"),
    "assign": pgettext_lazy("event", "Phân công"),
    "progress": pgettext_lazy("event", "Xử lý"),
    "complete": pgettext_lazy("event", "Hoàn thành"),
    "revoke-requested": pgettext_lazy("event", "Bên gửi đề nghị thu hồi"),
    "revoke-agreed": pgettext_lazy("event", "Đồng ý thu hồi"),
    "revoke-refused": pgettext_lazy("event", "Từ chối thu hồi"),
    "draft": pgettext_lazy("event", "Soạn dự thảo"),
    "submit": pgettext_lazy("event", "Trình duyệt"),
    "send-back": pgettext_lazy("event", "Trả lại dự thảo"),
    "approve": pgettext_lazy("event", "Duyệt và ký số"),
    "issue": pgettext_lazy("event", "Cấp số, ký số cơ quan"),
    "send": pgettext_lazy("event", "Gửi qua trục liên thông"),
    "revoke": pgettext_lazy("event", "Thu hồi (13)"),
    "replaced": pgettext_lazy("event", "Đã có văn bản thay thế"),
    "pdfa": pgettext_lazy("event", "Chuyển sang PDF/A trước khi ký"),
    "convert": pgettext_lazy("event", "Chuyển DOCX sang PDF"),
    "updated": pgettext_lazy("event", "Đã gửi bản cập nhật"),
    "update-agreed": pgettext_lazy("event", "Đồng ý cập nhật (15)"),
    "update-refused": pgettext_lazy("event", "Từ chối cập nhật (16)"),
    "original-revoke-requested": pgettext_lazy("event", "Văn bản được cập nhật bị đề nghị thu hồi"),
    "original-revoke-refused": pgettext_lazy("event", "Đã từ chối thu hồi văn bản được cập nhật"),
}


def event_label(action: str) -> str:
    label = EVENT_LABELS.get(action)
    return str(label) if label is not None else action


# Why a PDF cannot be made PDF/A (lienthong.archive.pdfa problem codes), in plain words.
PDFA_PROBLEM_LABELS: dict[str, Promise] = {
    "unreadable": _("không đọc được tệp PDF"),
    "encrypted": _("tệp PDF được khóa bằng mật khẩu"),
    "font-not-embedded": _("có phông chữ chưa được nhúng vào tệp"),
    "javascript": _("tệp có chứa mã lệnh JavaScript"),
    "launch-action": _("tệp có lệnh mở chương trình khác"),
    "signed": _("tệp đã có chữ ký số (chuyển đổi sẽ làm mất hiệu lực chữ ký)"),
}


def pdfa_problem_label(code: str) -> str:
    return str(PDFA_PROBLEM_LABELS.get(code, _("có thành phần không đạt chuẩn PDF/A")))
