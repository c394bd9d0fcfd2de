"""A dossier's way to the archive: retention, the archive package to download, hand-over,
and disposal (proposed, approved by a leader, carried out). Views parse, authorise through the
services and render; the work is in ``dossiers.services`` and ``lienthong.dms.archiving``."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from lienthong.dms.agencies.roles import agency_id_of
from lienthong.dms.dossiers import services as dossiers
from lienthong.dms.dossiers.models import Dossier
from lienthong.dms.errors import DmsError
from lienthong.dms.ui import forms

from .common import act, agency_required, error_text, form_errors, user_of


def _dossier(request: HttpRequest, pk: int) -> Dossier:
    return get_object_or_404(Dossier, agency_id=agency_id_of(user_of(request)), pk=pk)


@require_POST
@agency_required
def dossier_package(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Build the closed dossier's archive package and hand it over as a download."""
    from lienthong.dms.archiving import package_for_user

    dossier = _dossier(request, pk)
    # Closed by FileResponse once sent (or below on an error): not a with block.
    scratch = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        package_for_user(user_of(request), dossier, scratch)
    except DmsError as exc:
        scratch.close()
        messages.error(request, error_text(exc))
        return redirect("ui:dossier-detail", pk)
    scratch.seek(0)
    name = f"{dossier.file_code}.zip"
    return FileResponse(scratch, as_attachment=True, filename=name, content_type="application/zip")


@require_POST
@agency_required
def dossier_retention(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _dossier(request, pk)
    back = reverse("ui:dossier-detail", args=[pk])
    form = forms.RetentionForm(request.POST)
    if not form.is_valid():
        return form_errors(request, form, back)
    data = form.cleaned_data
    return act(
        request,
        _("Đã lưu thời hạn bảo quản."),
        lambda: dossiers.set_retention(dossier, user_of(request), data["years"], data["mode"]),
        back,
    )


@require_POST
@agency_required
def dossier_handover(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = _dossier(request, pk)
    return act(
        request,
        _("Đã ghi nhận nộp lưu hồ sơ."),
        lambda: dossiers.record_handover(dossier, user_of(request)),
        reverse("ui:dossier-detail", args=[pk]),
    )


@require_POST
@agency_required
def dossier_disposal(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """``propose`` (with a reason), ``approve`` (a leader), ``carry-out``."""
    dossier = _dossier(request, pk)
    user = user_of(request)
    back = reverse("ui:dossier-detail", args=[pk])
    if step == "propose":
        reason = request.POST.get("reason", "")
        return act(
            request,
            _("Đã đề nghị hủy tài liệu; chờ lãnh đạo phê duyệt."),
            lambda: dossiers.propose_disposal(dossier, user, reason),
            back,
        )
    if step == "approve":
        return act(
            request,
            _("Đã phê duyệt hủy tài liệu."),
            lambda: dossiers.approve_disposal(dossier, user),
            back,
        )
    if step == "carry-out":
        return act(
            request,
            _("Đã hủy tài liệu của hồ sơ; hồ sơ và biên bản hủy được giữ lại."),
            lambda: dossiers.dispose(dossier, user),
            back,
        )
    from .errors import not_found

    return not_found(request)
