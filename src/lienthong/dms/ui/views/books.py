"""Registers (Decree 30 columns, printable), search, dossiers, home."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from lienthong.dms.agencies.roles import agency_id_of
from lienthong.dms.dossiers import services as dossiers
from lienthong.dms.dossiers.models import Dossier
from lienthong.dms.incoming.models import IncomingDocument
from lienthong.dms.outgoing.models import OutgoingDocument
from lienthong.dms.registers.models import Register
from lienthong.dms.search import search_incoming, search_outgoing
from lienthong.dms.ui import forms

from .common import act, agency_required, form_errors, user_of


@agency_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("ui:incoming-list")


@agency_required
def registers(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    books = Register.objects.filter(agency_id=agency_id_of(user))
    chosen = books.filter(pk=request.GET.get("register") or 0).first() or books.first()
    rows: list[object] = []
    if chosen is not None and chosen.kind == Register.Kind.INCOMING:
        rows = list(
            IncomingDocument.objects.filter(register=chosen, arrival_year=year)
            .order_by("arrival_number")
            .prefetch_related("assignments__user")
        )
    elif chosen is not None:
        rows = list(OutgoingDocument.objects.filter(register=chosen, year=year).order_by("number"))
    return render(
        request,
        "dms/registers.html",
        {"books": books, "chosen": chosen, "year": year, "rows": rows},
    )


@agency_required
def search(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    query = request.GET.get("q", "").strip()
    incoming = list(search_incoming(user, query)[:50]) if query else []
    outgoing = list(search_outgoing(user, query)[:50]) if query else []
    return render(
        request, "dms/search.html", {"q": query, "incoming": incoming, "outgoing": outgoing}
    )


@agency_required
def dossier_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if request.method == "POST":
        form = forms.DossierForm(request.POST)
        if not form.is_valid():
            return form_errors(request, form, reverse("ui:dossiers"))
        return act(
            request,
            "Đã tạo hồ sơ.",
            lambda: dossiers.create_dossier(user, **form.cleaned_data),
            reverse("ui:dossiers"),
        )
    return render(
        request,
        "dms/dossiers.html",
        {
            "dossiers": Dossier.objects.filter(agency_id=agency_id_of(user)),
            "form": forms.DossierForm(initial={"year": timezone.localdate().year}),
        },
    )


@agency_required
def dossier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    dossier = get_object_or_404(Dossier, agency_id=agency_id_of(user), pk=pk)
    return render(request, "dms/dossier_detail.html", {"dossier": dossier})


@require_POST
@agency_required
def dossier_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    dossier = get_object_or_404(Dossier, agency_id=agency_id_of(user), pk=pk)
    kind, _, number = request.POST.get("document", "").partition(":")
    model = IncomingDocument if kind == "in" else OutgoingDocument
    document = model.objects.filter(agency_id=agency_id_of(user), pk=number or 0).first()
    back = request.POST.get("back") or reverse("ui:dossier-detail", args=[pk])
    if document is None:
        from django.contrib import messages

        messages.error(request, "Không tìm thấy văn bản.")
        return redirect(back)
    return act(
        request, "Đã thêm vào hồ sơ.", lambda: dossiers.add_document(dossier, user, document), back
    )


@require_POST
@agency_required
def dossier_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    dossier = get_object_or_404(Dossier, agency_id=agency_id_of(user), pk=pk)
    return act(
        request,
        "Đã đóng hồ sơ.",
        lambda: dossiers.close_dossier(dossier, user),
        reverse("ui:dossier-detail", args=[pk]),
    )


@agency_required
def reports(request: HttpRequest) -> HttpResponse:
    import datetime as dt

    from lienthong.dms.reports.services import agency_report

    today = timezone.localdate()
    try:
        start = dt.date.fromisoformat(request.GET.get("from") or f"{today.year}-01-01")
        end = dt.date.fromisoformat(request.GET.get("to") or today.isoformat())
    except ValueError:
        start, end = dt.date(today.year, 1, 1), today
    report = agency_report(agency_id_of(user_of(request)), start, end)
    return render(request, "dms/reports.html", {"report": report})
