"""Forms of the user interface: they parse and check input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from lienthong.dms.agencies.models import User
from lienthong.dms.outgoing.models import OutgoingDocument
from lienthong.dms.registers.services import TYPE_ABBREVIATIONS

PRIORITIES = [(0, "Thường"), (1, "Khẩn"), (2, "Thượng khẩn"), (3, "Hỏa tốc")]


class RefuseForm(forms.Form):
    reason = forms.CharField(label="Lý do từ chối", widget=forms.Textarea(attrs={"rows": 2}))


def _person(user: Any) -> str:
    return f"{user.display_name} ({user.get_role_display()})"


class PersonChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return _person(obj)


class PeopleChoice(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return _person(obj)


class AssignForm(forms.Form):
    main = PersonChoice(label="Xử lý chính", queryset=User.objects.none())
    co = PeopleChoice(label="Phối hợp", queryset=User.objects.none(), required=False)
    info = PeopleChoice(label="Để biết", queryset=User.objects.none(), required=False)
    deadline = forms.DateField(
        label="Hạn xử lý", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    instruction = forms.CharField(
        label="Ý kiến chỉ đạo", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, agency_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = User.objects.filter(agency_id=agency_id, is_active=True).order_by("full_name")
        for name in ("main", "co", "info"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = people


class ProgressForm(forms.Form):
    text = forms.CharField(
        label="Nội dung xử lý", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    attachment = forms.FileField(label="Tệp đính kèm", required=False)


class CompleteForm(forms.Form):
    result = forms.CharField(
        label="Kết quả", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    answered_by = forms.ModelChoiceField(
        label="Văn bản trả lời (nếu có)", queryset=OutgoingDocument.objects.none(), required=False
    )

    def __init__(self, *args: Any, agency_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["answered_by"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = OutgoingDocument.objects.filter(
            agency_id=agency_id, number__isnull=False
        ).order_by("-issued_at")


class RevokeAnswerForm(forms.Form):
    agree = forms.TypedChoiceField(
        label="Trả lời",
        choices=[("1", "Đồng ý thu hồi"), ("0", "Từ chối thu hồi")],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(label="Lý do", required=False)


class DraftForm(forms.Form):
    type_name = forms.ChoiceField(
        label="Loại văn bản", choices=[(t, t) for t in TYPE_ABBREVIATIONS], initial="Công văn"
    )
    subject = forms.CharField(label="Trích yếu", widget=forms.Textarea(attrs={"rows": 2}))
    pdf = forms.FileField(label="Tệp văn bản (PDF)")
    unit_notation = forms.CharField(label="Ký hiệu đơn vị soạn thảo", required=False)
    signer_competence = forms.CharField(label="Thẩm quyền ký (KT., TL. …)", required=False)
    signer_position = forms.CharField(label="Chức vụ người ký", required=False)
    signer_name = forms.CharField(label="Họ tên người ký", required=False)
    priority = forms.TypedChoiceField(label="Độ khẩn", choices=PRIORITIES, coerce=int, initial=0)
    due_date = forms.DateField(
        label="Hạn trả lời", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    recipients = forms.CharField(
        label="Nơi nhận (mã định danh, mỗi dòng một cơ quan)",
        widget=forms.Textarea(attrs={"rows": 3, "id": "recipients"}),
    )
    answers = forms.IntegerField(required=False, widget=forms.HiddenInput)
    replaces = forms.IntegerField(required=False, widget=forms.HiddenInput)
    replace_reason = forms.CharField(label="Lý do thay thế", required=False)

    def recipient_list(self) -> list[dict[str, str]]:
        found = []
        for line in self.cleaned_data["recipients"].splitlines():
            code, _, name = line.strip().partition(" ")
            if code:
                found.append({"code": code, "name": name.strip(" -—")})
        return found


class ApproveForm(forms.Form):
    password = forms.CharField(
        label="Mật khẩu chứng thư số cá nhân", widget=forms.PasswordInput, strip=False
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Lý do", widget=forms.Textarea(attrs={"rows": 2}))


class DossierForm(forms.Form):
    title = forms.CharField(label="Tiêu đề hồ sơ")
    file_notation = forms.CharField(label="Ký hiệu hồ sơ", max_length=20)
    year = forms.IntegerField(label="Năm", min_value=2000, max_value=2100)


class RetentionForm(forms.Form):
    PERMANENT = "vinh-vien"
    OTHER = "khac"
    retention = forms.ChoiceField(
        label="Thời hạn bảo quản",
        choices=[
            (PERMANENT, "Vĩnh viễn"),
            ("70", "70 năm"),
            ("50", "50 năm"),
            ("30", "30 năm"),
            ("20", "20 năm"),
            ("10", "10 năm"),
            (OTHER, "Số năm khác"),
        ],
    )
    years = forms.IntegerField(
        label="Số năm (nếu khác)", min_value=1, max_value=200, required=False
    )
    mode = forms.ChoiceField(
        label="Chế độ sử dụng",
        choices=[("01", "Công khai"), ("02", "Sử dụng có điều kiện"), ("03", "Mật")],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        choice = data.get("retention")
        if choice == self.OTHER and not data.get("years"):
            raise forms.ValidationError("Nhập số năm bảo quản.")
        if choice == self.PERMANENT:
            data["years"] = None
        elif choice != self.OTHER and choice:
            data["years"] = int(choice)
        return data
