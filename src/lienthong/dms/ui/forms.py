"""Forms of the user interface: they parse and check input; the services decide."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from lienthong.dms import conversion
from lienthong.dms.agencies.models import User
from lienthong.dms.dossiers.models import Dossier
from lienthong.dms.labels import PRIORITY_LABELS
from lienthong.dms.outgoing.models import OutgoingDocument
from lienthong.dms.registers.services import TYPE_ABBREVIATIONS

if TYPE_CHECKING:  # a development dependency: for the type checker only
    from django_stubs_ext import StrOrPromise

# A draft's urgency; "Hỏa tốc hẹn giờ" (4) is not offered: no send time is taken.
PRIORITIES = [(code, label) for code, label in PRIORITY_LABELS.items() if code < 4]


def within_upload_limit(upload: UploadedFile) -> None:
    limit = settings.LIENTHONG_DMS.max_upload_bytes
    if upload.size is not None and upload.size > limit:
        raise forms.ValidationError(
            _("Tệp quá lớn: không được quá %(limit)s."), params={"limit": filesizeformat(limit)}
        )


def _upload(label: StrOrPromise, *, required: bool = True) -> forms.FileField:
    return forms.FileField(label=label, required=required, validators=[within_upload_limit])


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Lý do từ chối"), widget=forms.Textarea(attrs={"rows": 2}))


def _person(user: Any) -> str:
    return f"{user.display_name} ({user.get_role_display()})"


class PersonChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return _person(obj)


class PeopleChoice(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return _person(obj)


class AssignForm(forms.Form):
    main = PersonChoice(label=_("Xử lý chính"), queryset=User.objects.none())
    co = PeopleChoice(label=_("Phối hợp"), queryset=User.objects.none(), required=False)
    info = PeopleChoice(label=_("Để biết"), queryset=User.objects.none(), required=False)
    deadline = forms.DateField(
        label=_("Hạn xử lý"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    instruction = forms.CharField(
        label=_("Ý kiến chỉ đạo"), required=False, widget=forms.Textarea(attrs={"rows": 2})
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
        label=_("Nội dung xử lý"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    attachment = _upload(_("Tệp đính kèm"), required=False)


class CompleteForm(forms.Form):
    result = forms.CharField(
        label=_("Kết quả"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    answered_by = forms.ModelChoiceField(
        label=_("Văn bản trả lời (nếu có)"),
        queryset=OutgoingDocument.objects.none(),
        required=False,
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
        label=_("Trả lời"),
        choices=[("1", _("Đồng ý thu hồi")), ("0", _("Từ chối thu hồi"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(label=_("Lý do"), required=False)


class UpdateAnswerForm(RevokeAnswerForm):
    agree = forms.TypedChoiceField(
        label=_("Trả lời"),
        choices=[("1", _("Đồng ý cập nhật")), ("0", _("Từ chối cập nhật"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(label=_("Lý do (bắt buộc khi từ chối)"), required=False)


def _longest(field: str, model: Any = OutgoingDocument) -> int:
    """What the database column holds: the form says so instead of the database failing."""
    length = model._meta.get_field(field).max_length
    assert isinstance(length, int)
    return length


class DraftForm(forms.Form):
    type_name = forms.ChoiceField(
        label=_("Loại văn bản"), choices=[(t, t) for t in TYPE_ABBREVIATIONS], initial="Công văn"
    )
    subject = forms.CharField(label=_("Trích yếu"), widget=forms.Textarea(attrs={"rows": 2}))
    pdf = _upload(_("Tệp văn bản (PDF)"))
    unit_notation = forms.CharField(
        label=_("Ký hiệu đơn vị soạn thảo"), required=False, max_length=_longest("unit_notation")
    )
    signer_competence = forms.CharField(
        label=_("Thẩm quyền ký (KT., TL. …)"),
        required=False,
        max_length=_longest("signer_competence"),
    )
    signer_position = forms.CharField(
        label=_("Chức vụ người ký"), required=False, max_length=_longest("signer_position")
    )
    signer_name = forms.CharField(
        label=_("Họ tên người ký"), required=False, max_length=_longest("signer_name")
    )
    priority = forms.TypedChoiceField(label=_("Độ khẩn"), choices=PRIORITIES, coerce=int, initial=0)
    due_date = forms.DateField(
        label=_("Hạn trả lời"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    recipients = forms.CharField(
        label=_("Nơi nhận (mã định danh, mỗi dòng một cơ quan)"),
        widget=forms.Textarea(attrs={"rows": 3, "id": "recipients"}),
    )
    answers = forms.IntegerField(required=False, widget=forms.HiddenInput)
    replaces = forms.IntegerField(required=False, widget=forms.HiddenInput)
    replace_reason = forms.CharField(label=_("Lý do thay thế"), required=False)
    updates = forms.IntegerField(required=False, widget=forms.HiddenInput)
    update_reason = forms.CharField(label=_("Lý do cập nhật"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A DOCX is taken only where LibreOffice is installed to convert it; elsewhere the form
        # says, before anything is uploaded, that only PDF is accepted.
        field = self.fields["pdf"]
        if conversion.available():
            field.label = _("Tệp văn bản (PDF hoặc DOCX)")
            field.help_text = _("Tệp DOCX được chuyển sang PDF/A khi lưu dự thảo.")
            field.widget.attrs["accept"] = ",".join((".pdf", *conversion.EXTENSIONS))
        else:
            field.help_text = _(
                "Máy chủ này chỉ nhận tệp PDF (chưa cài LibreOffice để chuyển DOCX)."
            )
            field.widget.attrs["accept"] = ".pdf,application/pdf"

    def recipient_list(self) -> list[dict[str, str]]:
        found = []
        for line in self.cleaned_data["recipients"].splitlines():
            code, _space, name = line.strip().partition(" ")
            if code:
                found.append({"code": code, "name": name.strip(" -—")})
        return found


class ApproveForm(forms.Form):
    password = forms.CharField(
        label=_("Mật khẩu chứng thư số cá nhân"), widget=forms.PasswordInput, strip=False
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Lý do"), widget=forms.Textarea(attrs={"rows": 2}))


class DossierForm(forms.Form):
    title = forms.CharField(label=_("Tiêu đề hồ sơ"), max_length=_longest("title", Dossier))
    file_notation = forms.CharField(
        label=_("Ký hiệu hồ sơ"), max_length=_longest("file_notation", Dossier)
    )
    year = forms.IntegerField(label=_("Năm"), min_value=2000, max_value=2100)


class RetentionForm(forms.Form):
    PERMANENT = "vinh-vien"
    OTHER = "khac"
    retention = forms.ChoiceField(
        label=_("Thời hạn bảo quản"),
        choices=[
            (PERMANENT, _("Vĩnh viễn")),
            ("70", _("70 năm")),
            ("50", _("50 năm")),
            ("30", _("30 năm")),
            ("20", _("20 năm")),
            ("10", _("10 năm")),
            (OTHER, _("Số năm khác")),
        ],
    )
    years = forms.IntegerField(
        label=_("Số năm (nếu khác)"), min_value=1, max_value=200, required=False
    )
    mode = forms.ChoiceField(
        label=_("Chế độ sử dụng"),
        choices=[("01", _("Công khai")), ("02", _("Sử dụng có điều kiện")), ("03", _("Mật"))],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        choice = data.get("retention")
        if choice == self.OTHER and not data.get("years"):
            raise forms.ValidationError(_("Nhập số năm bảo quản."))
        if choice == self.PERMANENT:
            data["years"] = None
        elif choice != self.OTHER and choice:
            data["years"] = int(choice)
        return data
