"""The operator console for the registry: agencies, connected systems, trust anchors.

Nothing here saves a row itself: adding, editing, approving, suspending and closing go through
:mod:`lienthong.hub.registry.services`, which check the change and write the audit log. Deleting
is not offered (closing an agency keeps its history; systems are deactivated).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from lienthong.edxml.agency_codes import Decision20Code, Qcvn102Code
from lienthong.edxml.errors import AgencyCodeError
from lienthong.hub.errors import HubError
from lienthong.signatures.trust import TrustError, load_certificates

from . import services
from .models import Agency, ConnectedSystem, TrustAnchor

# Django's admin and form classes are generic for the type checker only (not subscriptable at
# run time without django-stubs-ext, a development dependency).
if TYPE_CHECKING:
    _AgencyForm = forms.ModelForm[Agency]
    _AgencyAdmin = admin.ModelAdmin[Agency]
    _SystemAdmin = admin.ModelAdmin[ConnectedSystem]
    _AnchorForm = forms.ModelForm[TrustAnchor]
    _AnchorAdmin = admin.ModelAdmin[TrustAnchor]
else:
    _AgencyForm = _AnchorForm = forms.ModelForm
    _AgencyAdmin = _SystemAdmin = _AnchorAdmin = admin.ModelAdmin

admin.site.site_header = "Trục liên thông văn bản — điều hành"
admin.site.site_title = "lienthong"
admin.site.index_title = "Bảng điều hành"


def _actor(request: HttpRequest) -> str:
    return f"operator:{request.user.get_username()}"


# --- agencies ----------------------------------------------------------------------------------


class AgencyAddForm(_AgencyForm):
    """The fields an operator gives; level and status follow from the code and the kind."""

    class Meta:
        model = Agency
        fields = ("code", "code_d20", "name", "parent", "kind", "email")

    def clean_code(self) -> str:
        try:
            return str(Qcvn102Code.parse(self.cleaned_data["code"]))
        except AgencyCodeError as exc:
            raise ValidationError(exc.message) from None

    def clean_code_d20(self) -> str | None:
        value = (self.cleaned_data.get("code_d20") or "").strip()
        if not value:
            return None
        try:
            return str(Decision20Code.parse(value))
        except AgencyCodeError as exc:
            raise ValidationError(exc.message) from None


_AGENCY_FIELDS = (
    "code",
    "code_d20",
    "name",
    "email",
    "parent",
    "level",
    "kind",
    "status",
    "created_at",
    "updated_at",
)
_AGENCY_EDITABLE = ("name", "email")


@admin.register(Agency)
class AgencyAdmin(_AgencyAdmin):
    list_display = ("code", "name", "level", "kind", "status", "parent")
    list_filter = ("status", "kind", "level")
    search_fields = ("code", "code_d20", "name")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    ordering = ("code",)
    actions = ("approve", "suspend", "close")
    show_full_result_count = False  # no COUNT(*) over a country's agencies on every page

    def get_form(
        self, request: HttpRequest, obj: Agency | None = None, change: bool = False, **kwargs: Any
    ) -> type[ModelForm[Agency]]:
        if obj is None:
            kwargs["form"] = AgencyAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Agency | None = None) -> Any:
        return AgencyAddForm.Meta.fields if obj is None else _AGENCY_FIELDS

    def get_readonly_fields(self, request: HttpRequest, obj: Agency | None = None) -> Any:
        if obj is None:
            return ()
        return tuple(f for f in _AGENCY_FIELDS if f not in _AGENCY_EDITABLE)

    def has_delete_permission(self, request: HttpRequest, obj: Agency | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Agency, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            services.update_agency(
                obj.code, name=data["name"], email=data["email"], actor=_actor(request)
            )
            return
        parent = data.get("parent")
        created = services.add_agency(
            data["code"],
            data["name"],
            parent=parent.code if parent else None,
            kind=data["kind"],
            code_d20=data["code_d20"],
            email=data["email"],
            actor=_actor(request),
        )
        obj.pk = created.pk
        obj.refresh_from_db()

    def _change_status(self, request: HttpRequest, queryset: QuerySet[Agency], action: str) -> None:
        changed, refused = [], []
        for agency in queryset.order_by("code"):
            try:
                change = services.change_agency_status(agency.code, action, actor=_actor(request))
            except HubError as exc:
                refused.append(exc.message)
                continue
            if change.changed:
                changed.append(agency.code)
        if changed:
            self.message_user(
                request, f"{len(changed)} cơ quan: {', '.join(changed)}", messages.SUCCESS
            )
        for reason in refused:
            self.message_user(request, reason, messages.ERROR)

    @admin.action(description="Duyệt / cho hoạt động lại", permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Agency]) -> None:
        self._change_status(request, queryset, "approve")

    @admin.action(description="Tạm dừng", permissions=["change"])
    def suspend(self, request: HttpRequest, queryset: QuerySet[Agency]) -> None:
        self._change_status(request, queryset, "suspend")

    @admin.action(description="Đóng (giữ lịch sử)", permissions=["change"])
    def close(self, request: HttpRequest, queryset: QuerySet[Agency]) -> None:
        self._change_status(request, queryset, "close")


# --- connected systems -------------------------------------------------------------------------


@admin.register(ConnectedSystem)
class ConnectedSystemAdmin(_SystemAdmin):
    """Systems are created with ``lienthong hub system add``, which shows the secret once; here
    an operator changes the agencies a system acts for, its webhook, or switches it off."""

    list_display = ("name", "client_id", "agency_codes", "active", "webhook_url", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "application__client_id", "agencies__code")
    fields = ("name", "client_id", "agencies", "webhook_url", "active", "created_at")
    readonly_fields = ("name", "client_id", "created_at")
    # A country has tens of thousands of agencies: searched on the server, not listed in a page.
    autocomplete_fields = ("agencies",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ConnectedSystem]:
        return (
            super().get_queryset(request).select_related("application").prefetch_related("agencies")
        )

    @admin.display(description="client id")
    def client_id(self, obj: ConnectedSystem) -> str:
        return str(obj.application.client_id)

    @admin.display(description="cơ quan")
    def agency_codes(self, obj: ConnectedSystem) -> str:
        return ", ".join(sorted(a.code for a in obj.agencies.all()))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: ConnectedSystem | None = None
    ) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: ConnectedSystem, form: Any, change: bool
    ) -> None:
        pass  # saved with its agencies, in one audited service call, by save_related

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        data = form.cleaned_data
        changed = services.change_system(
            form.instance.name,
            agency_codes=[a.code for a in data["agencies"]],
            webhook_url=data["webhook_url"],
            active=data["active"],
            actor=_actor(request),
        )
        if changed.webhook_secret:
            messages.warning(
                request,
                f"Khóa bí mật webhook của {changed.system.name}: {changed.webhook_secret} — "
                "chỉ hiển thị một lần; hệ thống dùng khóa này để kiểm tra chữ ký HMAC của trục.",
            )


# --- trust anchors -----------------------------------------------------------------------------


class TrustAnchorAddForm(_AnchorForm):
    pem = forms.CharField(
        label="chứng thư gốc (PEM)",
        widget=forms.Textarea(attrs={"rows": 16, "cols": 70}),
        help_text="-----BEGIN CERTIFICATE----- … (một hoặc nhiều chứng thư)",
    )

    class Meta:
        model = TrustAnchor
        fields: tuple[str, ...] = ()

    def clean_pem(self) -> str:
        pem = str(self.cleaned_data["pem"]).strip()
        try:
            load_certificates(pem.encode(), "the certificate")
        except TrustError as exc:
            raise ValidationError(exc.message) from None
        return pem


@admin.register(TrustAnchor)
class TrustAnchorAdmin(_AnchorAdmin):
    list_display = ("name", "fingerprint", "added_at")
    search_fields = ("name", "fingerprint")
    fields = ("name", "fingerprint", "certificate_pem", "added_at")

    def get_form(
        self,
        request: HttpRequest,
        obj: TrustAnchor | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> type[ModelForm[TrustAnchor]]:
        if obj is None:
            kwargs["form"] = TrustAnchorAddForm
            kwargs["fields"] = ("pem",)
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: TrustAnchor | None = None) -> Any:
        return ("pem",) if obj is None else self.fields

    def has_change_permission(self, request: HttpRequest, obj: TrustAnchor | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: TrustAnchor | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: TrustAnchor, form: Any, change: bool) -> None:
        anchors = services.add_trust_anchor(
            form.cleaned_data["pem"].encode(), actor=_actor(request)
        )
        obj.pk = anchors[0].pk
        obj.refresh_from_db()
