"""Incoming documents: the list, one document with its verdict, history and action forms."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from lienthong.dms import storage
from lienthong.dms.agencies.models import User
from lienthong.dms.agencies.roles import Action, agency_id_of, may
from lienthong.dms.incoming import services
from lienthong.dms.incoming.models import (
    Assignment,
    IncomingDocument,
    IncomingFile,
    IncomingState,
)
from lienthong.dms.incoming.models import overdue as overdue_of
from lienthong.dms.incoming.verdict import edxml_sentence, pdf_sentences
from lienthong.dms.labels import PRIORITY_LABELS, status_label
from lienthong.dms.search import search_incoming
from lienthong.dms.ui import forms

from .common import agency_required, document_action, in_text, user_of

PAGE = 50


def _documents(request: HttpRequest) -> QuerySet[IncomingDocument]:
    return IncomingDocument.objects.filter(agency_id=agency_id_of(user_of(request)))


@agency_required
def incoming_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    shown = request.GET.get("show", "")
    query = request.GET.get("q", "").strip()
    text = in_text(request)
    documents = search_incoming(user, query, in_text=text) if query else _documents(request)
    if shown == "mine":
        documents = documents.filter(assignments__user=user)
    elif shown == "overdue":
        documents = overdue_of(documents)
    elif shown in IncomingState.values:
        documents = documents.filter(state=shown)
    overdue = 0
    if may(user, Action.SEE_OVERDUE):
        overdue = overdue_of(_documents(request)).count()
    # No DISTINCT: no filter above joins more than one row per document (one assignment per
    # user and document). Offset paging; one row more tells whether there is a next page.
    wanted = request.GET.get("page", "")
    number = int(wanted) if re.fullmatch(r"[1-9][0-9]{0,3}", wanted) else 1
    page = list(documents[(number - 1) * PAGE : number * PAGE + 1])
    return render(
        request,
        "dms/incoming_list.html",
        {
            "documents": page[:PAGE],
            "page": number,
            "next_page": number + 1 if len(page) > PAGE else None,
            "shown": shown,
            "q": query,
            "in_text": text,
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
            "can_answer_update": may(user, Action.REVOKE) and services.awaits_update_answer(doc),
            "refuse_form": forms.RefuseForm(),
            "assign_form": forms.AssignForm(agency_id=doc.agency_id),
            "progress_form": forms.ProgressForm(),
            "complete_form": forms.CompleteForm(agency_id=doc.agency_id),
            "revoke_form": forms.RevokeAnswerForm(),
            "update_form": forms.UpdateAnswerForm(),
        },
    )


@agency_required
def incoming_slip(request: HttpRequest, pk: int) -> HttpResponse:
    """The processing slip (phiếu giải quyết văn bản đến) to print and file with the paper
    copy: the document, the leader's assignment, the processing so far and blank lines for
    handwritten notes. Whoever may open the document's page (any user of its agency) may print
    it; before any assignment it says so and leaves the lines blank."""
    doc = get_object_or_404(_documents(request).select_related("agency"), pk=pk)
    events = list(doc.events.select_related("user"))
    assigned = [e for e in events if e.action == "assign"]
    Role = Assignment.Role
    return render(
        request,
        "dms/incoming_slip.html",
        {
            "doc": doc,
            "priority": PRIORITY_LABELS.get(doc.priority, ""),
            "main": doc.handlers(Role.MAIN),
            "co": doc.handlers(Role.CO),
            "info": doc.handlers(Role.INFO),
            "assigned": assigned[-1] if assigned else None,
            "history": [e for e in events if e.action in ("progress", "complete")],
            "note_lines": range(6),
        },
    )


# POSTs on one document of the agency, back to its page with the outcome as a message.
on_document = partial(document_action, _documents, "ui:incoming-detail")

incoming_register = on_document(
    _("Đã vào sổ văn bản đến."),
    lambda user, doc, _: services.register_incoming(doc, user),
)
incoming_refuse = on_document(
    _("Đã từ chối và báo cho cơ quan gửi."),
    lambda user, doc, data: services.refuse_incoming(doc, user, data["reason"]),
    form=forms.RefuseForm,
)
incoming_assign = on_document(
    _("Đã phân công."),
    lambda user, doc, data: services.assign(
        doc,
        user,
        main=data["main"],
        co=list(data["co"]),
        info=list(data["info"]),
        deadline=data["deadline"],
        instruction=data["instruction"],
    ),
    form=forms.AssignForm,
    of_agency=True,
)


def _record_progress(user: User, doc: IncomingDocument, data: dict[str, Any]) -> object:
    upload = data["attachment"]
    return services.record_progress(
        doc,
        user,
        data["text"],
        file_name=upload.name if upload else "",
        file_data=upload.read() if upload else None,
    )


incoming_progress = on_document(
    _("Đã ghi nhận kết quả xử lý."),
    _record_progress,
    form=forms.ProgressForm,
)
incoming_complete = on_document(
    _("Đã hoàn thành."),
    lambda user, doc, data: services.complete(
        doc, user, data["result"], answered_by=data["answered_by"]
    ),
    form=forms.CompleteForm,
    of_agency=True,
)
incoming_answer_revoke = on_document(
    _("Đã trả lời đề nghị thu hồi."),
    lambda user, doc, data: services.answer_revoke(
        doc, user, agree=data["agree"], reason=data["reason"]
    ),
    form=forms.RevokeAnswerForm,
)
incoming_answer_update = on_document(
    _("Đã trả lời văn bản cập nhật."),
    lambda user, doc, data: services.answer_update(
        doc, user, agree=data["agree"], reason=data["reason"]
    ),
    form=forms.UpdateAnswerForm,
)


@agency_required
def incoming_file(request: HttpRequest, pk: int, file_id: int) -> HttpResponseBase:
    doc = get_object_or_404(_documents(request), pk=pk)
    found = get_object_or_404(IncomingFile, document=doc, pk=file_id)
    if not storage.exists(found.sha256):  # destroyed by a disposal
        from .errors import not_found

        return not_found(request)
    return FileResponse(
        storage.path_of(found.sha256).open("rb"),
        as_attachment=True,
        filename=found.name,
        content_type=found.content_type or "application/octet-stream",
    )
