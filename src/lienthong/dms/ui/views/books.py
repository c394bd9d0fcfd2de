"""Registers (Decree 30 columns, printable), search, dossiers, home."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from lienthong.dms.agencies.roles import Action, agency_id_of, may
from lienthong.dms.dossiers import services as dossiers
from lienthong.dms.dossiers.models import Dossier
from lienthong.dms.incoming.models import IncomingDocument
from lienthong.dms.outgoing.models import OutgoingDocument
from lienthong.dms.registers.books import Book, follow_up_book, register_book
from lienthong.dms.registers.models import Register
from lienthong.dms.search import search_incoming, search_outgoing
from lienthong.dms.ui import forms

from .common import act, agency_required, form_errors, in_text, local_url, number, user_of


@agency_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("ui:incoming-list")


# The path of a book's PDF: /so/den/2026.pdf, /so/di/2026.pdf, /so/theo-doi/2026.pdf.
FOLLOW_UP = "theo-doi"
_SLUGS = {Register.Kind.INCOMING: "den", Register.Kind.OUTGOING: "di"}
_KINDS = {slug: kind for kind, slug in _SLUGS.items()}


def _year(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        return timezone.localdate().year


def _book(request: HttpRequest, slug: str, year: int) -> tuple[Book | None, Register | None]:
    """The book of the user's agency: the follow-up book, or a register (``?register=`` among
    the agency's, else its default one of the direction ``slug``, else its first)."""
    if slug == FOLLOW_UP:
        agency = user_of(request).agency
        assert agency is not None
        return follow_up_book(agency, year), None
    if slug and slug not in _KINDS:
        return None, None
    registers = Register.objects.filter(agency_id=agency_id_of(user_of(request)))
    if slug:
        registers = registers.filter(kind=_KINDS[slug]).order_by("-is_default", "id")
    asked = request.GET.get("register", "")
    chosen = (registers.filter(pk=asked).first() if asked.isdigit() else None) or registers.first()
    return (register_book(chosen, year) if chosen is not None else None), chosen


@agency_required
def registers(request: HttpRequest) -> HttpResponse:
    """The incoming and outgoing registers and the follow-up book of a year, printable."""
    year = _year(request)
    follow_up = request.GET.get("register") == "follow-up"
    book, chosen = _book(request, FOLLOW_UP if follow_up else "", year)
    pdf = ""
    if follow_up:
        pdf = reverse("ui:book-pdf", args=[FOLLOW_UP, year])
    elif chosen is not None:
        slug = _SLUGS[Register.Kind(chosen.kind)]
        pdf = f"{reverse('ui:book-pdf', args=[slug, year])}?register={chosen.pk}"
    return render(
        request,
        "dms/registers.html",
        {
            "books": Register.objects.filter(agency_id=agency_id_of(user_of(request))),
            "chosen": chosen,
            "follow_up": follow_up,
            "year": year,
            "book": book,
            "pdf": pdf,
        },
    )


@agency_required
def book_pdf(request: HttpRequest, kind: str, year: int) -> HttpResponse:
    """A book of the user's agency as a PDF (``/so/den/2026.pdf``; ``?register=`` picks one
    of several incoming or outgoing registers)."""
    from lienthong.dms.registers.pdf import book_pdf as render_pdf

    # The PDF is the book kept on file (Decree 30's form): Vietnamese whatever the user's
    # language; the page above it follows the user's language.
    with translation.override("vi"):
        book, _ = _book(request, kind, year) if kind else (None, None)
        pdf = render_pdf(book) if book is not None else None
    if pdf is None:
        from .errors import not_found

        return not_found(request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="so-{kind}-{year}.pdf"'
    return response


@agency_required
def search(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    query = request.GET.get("q", "").strip()
    text = in_text(request)
    incoming = list(search_incoming(user, query, in_text=text)[:50]) if query else []
    outgoing = list(search_outgoing(user, query, in_text=text)[:50]) if query else []
    return render(
        request,
        "dms/search.html",
        {"q": query, "in_text": text, "incoming": incoming, "outgoing": outgoing},
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
            _("Đã tạo hồ sơ."),
            lambda: dossiers.create_dossier(user, **form.cleaned_data),
            reverse("ui:dossiers"),
        )
    return render(
        request,
        "dms/dossiers.html",
        {
            "dossiers": Dossier.objects.filter(agency_id=agency_id_of(user)),
            "form": forms.DossierForm(initial={"year": timezone.localdate().year}),
            "handover_warnings": dossiers.handover_warnings(agency_id_of(user)),
        },
    )


@agency_required
def dossier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    dossier = get_object_or_404(Dossier, agency_id=agency_id_of(user), pk=pk)
    from lienthong.dms.dossiers.models import Disposal

    retention = {"retention": "vinh-vien" if dossier.permanent else "", "mode": dossier.mode}
    if dossier.retention_years in (70, 50, 30, 20, 10):
        retention["retention"] = str(dossier.retention_years)
    elif dossier.retention_years:
        retention |= {"retention": "khac", "years": str(dossier.retention_years)}
    return render(
        request,
        "dms/dossier_detail.html",
        {
            "dossier": dossier,
            "disposal": Disposal.objects.filter(dossier=dossier).first(),
            "can_archive": may(user, Action.ARCHIVE),
            "can_approve_disposal": may(user, Action.APPROVE_DISPOSAL),
            "retention_form": forms.RetentionForm(initial=retention),
            "today": timezone.localdate(),
        },
    )


@require_POST
@agency_required
def dossier_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    dossier = get_object_or_404(Dossier, agency_id=agency_id_of(user), pk=pk)
    kind, _colon, which = request.POST.get("document", "").partition(":")
    model = IncomingDocument if kind == "in" else OutgoingDocument
    document = model.objects.filter(agency_id=agency_id_of(user), pk=number(which)).first()
    back = local_url(request, request.POST.get("back")) or reverse("ui:dossier-detail", args=[pk])
    if document is None:
        messages.error(request, _("Không tìm thấy văn bản."))
        return redirect(back)
    return act(
        request,
        _("Đã thêm vào hồ sơ."),
        lambda: dossiers.add_document(dossier, user, document),
        back,
    )


@require_POST
@agency_required
def dossier_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    dossier = get_object_or_404(Dossier, agency_id=agency_id_of(user), pk=pk)
    return act(
        request,
        _("Đã đóng hồ sơ."),
        lambda: dossiers.close_dossier(dossier, user),
        reverse("ui:dossier-detail", args=[pk]),
    )


# The years a report may cover: a date outside them is a mistake, not a period.
REPORT_YEARS = (1900, 2200)


@agency_required
def reports(request: HttpRequest) -> HttpResponse:
    """Documents in and out per month, the share processed online, the on-time rate and the
    overdue list of the user's agency, over a period (this year so far unless asked)."""
    from lienthong.dms.reports.services import agency_report

    today = timezone.localdate()
    try:
        start = dt.date.fromisoformat(request.GET.get("from") or f"{today.year}-01-01")
        end = dt.date.fromisoformat(request.GET.get("to") or today.isoformat())
    except ValueError:
        start, end = dt.date(today.year, 1, 1), today
    if not all(REPORT_YEARS[0] <= day.year <= REPORT_YEARS[1] for day in (start, end)):
        start, end = dt.date(today.year, 1, 1), today
    start, end = min(start, end), max(start, end)
    agency_id = agency_id_of(user_of(request))
    report = agency_report(agency_id, start, end)
    return render(
        request,
        "dms/reports.html",
        {
            "report": report,
            "today": today,
            "handover_warnings": dossiers.handover_warnings(agency_id, today),
        },
    )
