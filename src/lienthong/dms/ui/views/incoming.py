"""Incoming documents: the list, one document with its verdict, history and action forms."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from lienthong.dms import storage
from lienthong.dms.agencies.roles import Action, agency_id_of, may
from lienthong.dms.incoming import services
from lienthong.dms.incoming.models import IncomingDocument, IncomingFile, IncomingState
from lienthong.dms.incoming.verdict import edxml_sentence, pdf_sentences
from lienthong.dms.labels import PRIORITY_LABELS, status_label
from lienthong.dms.search import search_incoming
from lienthong.dms.ui import forms

from .common import act, agency_required, form_errors, user_of

PAGE = 50


def _documents(request: HttpRequest) -> QuerySet[IncomingDocument]:
    return IncomingDocument.objects.filter(agency_id=agency_id_of(user_of(request)))


@agency_required
def incoming_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    shown = request.GET.get("show", "")
    query = request.GET.get("q", "").strip()
    documents = search_incoming(user, query) if query else _documents(request)
    if shown == "mine":
        documents = documents.filter(assignments__user=user)
    elif shown == "overdue":
        documents = documents.filter(
            deadline__lt=timezone.localdate(),
            state__in=[IncomingState.REGISTERED, IncomingState.ASSIGNED, IncomingState.PROCESSING],
        )
    elif shown in IncomingState.values:
        documents = documents.filter(state=shown)
    overdue = 0
    if may(user, Action.SEE_OVERDUE):
        overdue = (
            _documents(request)
            .filter(
                deadline__lt=timezone.localdate(),
                state__in=[IncomingState.ASSIGNED, IncomingState.PROCESSING],
            )
            .count()
        )
    page = list(documents.distinct()[:PAGE])
    return render(
        request,
        "dms/incoming_list.html",
        {
            "documents": page,
            "shown": shown,
            "q": query,
            "states": IncomingState.choices,
            "overdue": overdue,
            "priorities": PRIORITY_LABELS,
        },
    )


@agency_required
def incoming_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    doc = get_object_or_404(_documents(request), pk=pk)
    edxml_ok, edxml_text = edxml_sentence(doc.verdict.get("edxml", {}))
    files = [
        (f, pdf_sentences(f.pdf_verdict) if f.pdf_verdict is not None else [])
        for f in doc.files.all()
    ]
    assigned = {a.user_id: a.role for a in doc.assignments.all()}
    return render(
        request,
        "dms/incoming_detail.html",
        {
            "doc": doc,
            "edxml_ok": edxml_ok,
            "edxml_text": edxml_text,
            "files": files,
            "events": doc.events.select_related("user"),
            "notices": [(n, status_label(n.code)) for n in doc.notices.all()],
            "assignments": doc.assignments.select_related("user"),
            "priority": PRIORITY_LABELS.get(doc.priority, ""),
            "can_register": may(user, Action.REGISTER) and doc.state == IncomingState.ARRIVED,
            "can_assign": may(user, Action.ASSIGN)
            and doc.state in (IncomingState.REGISTERED, IncomingState.ASSIGNED),
            "can_work": doc.state in (IncomingState.ASSIGNED, IncomingState.PROCESSING)
            and (may(user, Action.ASSIGN) or assigned.get(user.pk) in ("main", "co")),
            "can_complete": doc.state in (IncomingState.ASSIGNED, IncomingState.PROCESSING)
            and (may(user, Action.ASSIGN) or assigned.get(user.pk) == "main"),
            "can_answer_revoke": may(user, Action.REVOKE) and doc.revoke_state == "requested",
            "refuse_form": forms.RefuseForm(),
            "assign_form": forms.AssignForm(agency_id=doc.agency_id),
            "progress_form": forms.ProgressForm(),
            "complete_form": forms.CompleteForm(agency_id=doc.agency_id),
            "revoke_form": forms.RevokeAnswerForm(),
        },
    )


def _back(pk: int) -> str:
    return reverse("ui:incoming-detail", args=[pk])


@require_POST
@agency_required
def incoming_register(request: HttpRequest, pk: int) -> HttpResponse:
    doc = get_object_or_404(_documents(request), pk=pk)
    return act(
        request,
        "Đã vào sổ văn bản đến.",
        lambda: services.register_incoming(doc, user_of(request)),
        _back(pk),
    )


@require_POST
@agency_required
def incoming_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    doc = get_object_or_404(_documents(request), pk=pk)
    form = forms.RefuseForm(request.POST)
    if not form.is_valid():
        return form_errors(request, form, _back(pk))
    return act(
        request,
        "Đã từ chối và báo cho cơ quan gửi.",
        lambda: services.refuse_incoming(doc, user_of(request), form.cleaned_data["reason"]),
        _back(pk),
    )


@require_POST
@agency_required
def incoming_assign(request: HttpRequest, pk: int) -> HttpResponse:
    doc = get_object_or_404(_documents(request), pk=pk)
    form = forms.AssignForm(request.POST, agency_id=doc.agency_id)
    if not form.is_valid():
        return form_errors(request, form, _back(pk))
    data = form.cleaned_data
    return act(
        request,
        "Đã phân công.",
        lambda: services.assign(
            doc,
            user_of(request),
            main=data["main"],
            co=list(data["co"]),
            info=list(data["info"]),
            deadline=data["deadline"],
            instruction=data["instruction"],
        ),
        _back(pk),
    )


@require_POST
@agency_required
def incoming_progress(request: HttpRequest, pk: int) -> HttpResponse:
    doc = get_object_or_404(_documents(request), pk=pk)
    form = forms.ProgressForm(request.POST, request.FILES)
    if not form.is_valid():
        return form_errors(request, form, _back(pk))
    upload = form.cleaned_data["attachment"]
    return act(
        request,
        "Đã ghi nhận kết quả xử lý.",
        lambda: services.record_progress(
            doc,
            user_of(request),
            form.cleaned_data["text"],
            file_name=upload.name if upload else "",
            file_data=upload.read() if upload else None,
        ),
        _back(pk),
    )


@require_POST
@agency_required
def incoming_complete(request: HttpRequest, pk: int) -> HttpResponse:
    doc = get_object_or_404(_documents(request), pk=pk)
    form = forms.CompleteForm(request.POST, agency_id=doc.agency_id)
    if not form.is_valid():
        return form_errors(request, form, _back(pk))
    return act(
        request,
        "Đã hoàn thành.",
        lambda: services.complete(
            doc,
            user_of(request),
            form.cleaned_data["result"],
            answered_by=form.cleaned_data["answered_by"],
        ),
        _back(pk),
    )


@require_POST
@agency_required
def incoming_answer_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    doc = get_object_or_404(_documents(request), pk=pk)
    form = forms.RevokeAnswerForm(request.POST)
    if not form.is_valid():
        return form_errors(request, form, _back(pk))
    return act(
        request,
        "Đã trả lời đề nghị thu hồi.",
        lambda: services.answer_revoke(
            doc,
            user_of(request),
            agree=form.cleaned_data["agree"],
            reason=form.cleaned_data["reason"],
        ),
        _back(pk),
    )


@agency_required
def incoming_file(request: HttpRequest, pk: int, file_id: int) -> HttpResponseBase:
    doc = get_object_or_404(_documents(request), pk=pk)
    found = get_object_or_404(IncomingFile, document=doc, pk=file_id)
    return FileResponse(
        storage.path_of(found.sha256).open("rb"),
        as_attachment=True,
        filename=found.name,
        content_type=found.content_type or "application/octet-stream",
    )
