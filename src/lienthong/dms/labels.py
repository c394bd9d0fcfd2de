"""Words shown for codes: status codes (STANDARDS.md §2) and priorities, in Vietnamese."""

from __future__ import annotations

STATUS_LABELS = {
    "01": "Đã đến",
    "02": "Từ chối tiếp nhận",
    "03": "Đã tiếp nhận (vào sổ)",
    "04": "Phân công",
    "05": "Đang xử lý",
    "06": "Hoàn thành",
    "13": "Lấy lại",
    "15": "Đồng ý lấy lại",
    "16": "Từ chối lấy lại",
}

PRIORITY_LABELS = {0: "Thường", 1: "Khẩn", 2: "Thượng khẩn", 3: "Hỏa tốc", 4: "Hỏa tốc hẹn giờ"}

DELIVERY_LABELS = {
    "queued": "Chờ nhận",
    "leased": "Đang nhận",
    "delivered": "Đã nhận",
    "acknowledged": "Đã nhận",
    "failed": "Bên nhận từ chối gói tin",
    "dead": "Không chuyển được",
}


def status_label(code: str) -> str:
    return STATUS_LABELS.get(code, code)


EVENT_LABELS = {
    "arrive": "Văn bản đến",
    "register": "Vào sổ",
    "refuse": "Từ chối tiếp nhận",
    "assign": "Phân công",
    "progress": "Xử lý",
    "complete": "Hoàn thành",
    "revoke-requested": "Bên gửi đề nghị thu hồi",
    "revoke-agreed": "Đồng ý thu hồi",
    "revoke-refused": "Từ chối thu hồi",
    "draft": "Soạn dự thảo",
    "submit": "Trình duyệt",
    "send-back": "Trả lại dự thảo",
    "approve": "Duyệt và ký số",
    "issue": "Cấp số, ký số cơ quan",
    "send": "Gửi qua trục liên thông",
    "revoke": "Thu hồi (13)",
    "replaced": "Đã có văn bản thay thế",
    "pdfa": "Chuyển sang PDF/A trước khi ký",
}


def event_label(action: str) -> str:
    return EVENT_LABELS.get(action, action)


# Why a PDF cannot be made PDF/A (lienthong.archive.pdfa problem codes), in plain words.
PDFA_PROBLEM_LABELS = {
    "unreadable": "không đọc được tệp PDF",
    "encrypted": "tệp PDF được khóa bằng mật khẩu",
    "font-not-embedded": "có phông chữ chưa được nhúng vào tệp",
    "javascript": "tệp có chứa mã lệnh JavaScript",
    "launch-action": "tệp có lệnh mở chương trình khác",
    "signed": "tệp đã có chữ ký số (chuyển đổi sẽ làm mất hiệu lực chữ ký)",
}


def pdfa_problem_label(code: str) -> str:
    return PDFA_PROBLEM_LABELS.get(code, "có thành phần không đạt chuẩn PDF/A")
