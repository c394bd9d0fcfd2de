"""Outgoing documents: draft, approval and signature, issue, tracking, take-back."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lienthong.client import HubClientError
from lienthong.dms import storage
from lienthong.dms.agencies.models import User
from lienthong.dms.agencies.roles import Action, agency_id_of, may
from lienthong.dms.agencies.services import hub_client
from lienthong.dms.errors import DmsError
from lienthong.dms.incoming.models import IncomingDocument
from lienthong.dms.labels import DELIVERY_LABELS, PRIORITY_LABELS, status_label
from lienthong.dms.outgoing import services
from lienthong.dms.outgoing.models import OutgoingDocument, OutgoingState
from lienthong.dms.search import search_outgoing
from lienthong.dms.ui import forms

from .common import agency_required, document_action, in_text, number, user_of


def _documents(request: HttpRequest) -> QuerySet[OutgoingDocument]:
    return OutgoingDocument.objects.filter(agency_id=agency_id_of(user_of(request)))


@agency_required
def outgoing_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    text = in_text(request)
    documents = (
        search_outgoing(user_of(request), query, in_text=text) if query else _documents(request)
    )
    shown = request.GET.get("show", "")
    if shown in OutgoingState.values:
        documents = documents.filter(state=shown)
    return render(
        request,
        "dms/outgoing_list.html",
        {
            "documents": documents[:50],
            "q": query,
            "in_text": text,
            "shown": shown,
            "states": OutgoingState.choices,
            "can_draft": may(user_of(request), Action.DRAFT),
        },
    )


@agency_required
def outgoing_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if request.method == "POST":
        form = forms.DraftForm(request.POST, request.FILES)
        updates = _updated(request, form)
        if form.is_valid():
            data = form.cleaned_data
            upload = data["pdf"]
            agency_id = agency_id_of(user)
            answers = IncomingDocument.objects.filter(
                agency_id=agency_id, pk=data["answers"] or 0
            ).first()
            replaces = _documents(request).filter(pk=data["replaces"] or 0).first()
            try:
                doc = services.create_draft(
                    user,
                    subject=data["subject"],
                    type_name=data["type_name"],
                    pdf_name=upload.name,
                    pdf_data=upload.read(),
                    recipients=form.recipient_list(),
                    unit_notation=data["unit_notation"],
                    signer_competence=data["signer_competence"],
                    signer_position=data["signer_position"],
                    signer_name=data["signer_name"],
                    priority=data["priority"],
                    due_date=data["due_date"],
                    answers=answers,
                    replaces=replaces,
                    replace_reason=data["replace_reason"],
                    updates=updates,
                    update_reason=data.get("update_reason", ""),
                )
            except DmsError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("ui:outgoing-detail", doc.pk)
    else:
        form = forms.DraftForm(initial=_prefill(request))
        updates = _updated(request, form)
    return render(request, "dms/outgoing_new.html", {"form": form, "updating": updates})


def _updated(request: HttpRequest, form: forms.DraftForm) -> OutgoingDocument | None:
    """The sent document an update draft updates; the form of any other draft has no field for
    the reason of an update."""
    original = _documents(request).filter(pk=number(form["updates"].value())).first()
    if original is None:
        del form.fields["update_reason"]
    return original


def _prefill(request: HttpRequest) -> dict[str, object]:
    """A reply starts addressed to the sender; a replacement or an update starts as a copy of
    the sent document."""
    agency_id = agency_id_of(user_of(request))
    answers = IncomingDocument.objects.filter(
        agency_id=agency_id, pk=number(request.GET.get("answers"))
    ).first()
    if answers is not None:
        return {
            "answers": answers.pk,
            "subject": f"V/v trả lời văn bản số {answers.code_text}",
            "recipients": f"{answers.sender_code} {answers.sender_name}",
        }
    for key in ("replaces", "updates"):
        old = _documents(request).filter(pk=number(request.GET.get(key))).first()
        if old is not None:
            return {key: old.pk, **_copy_of(old)}
    return {}


def _copy_of(old: OutgoingDocument) -> dict[str, object]:
    return {
        "type_name": old.type_name,
        "unit_notation": old.unit_notation,
        "subject": old.subject,
        "signer_competence": old.signer_competence,
        "signer_position": old.signer_position,
        "signer_name": old.signer_name,
        "priority": old.priority,
        "due_date": old.due_date,
        "recipients": "\n".join(f"{r['code']} {r.get('name', '')}" for r in old.recipients),
    }


@agency_required
def directory(request: HttpRequest) -> HttpResponse:
    """The hub's directory, searched (an htmx fragment for the draft form)."""
    query = request.GET.get("q", "").strip()
    agencies: list[dict[str, object]] = []
    error = ""
    if len(query) >= 2:
        agency = user_of(request).agency
        assert agency is not None
        try:
            with hub_client(agency) as hub:
                agencies = hub.agency_page(q=query, limit=20).items
        except HubClientError as exc:
            error = str(exc)
    return render(request, "dms/directory.html", {"agencies": agencies, "error": error, "q": query})


@agency_required
def outgoing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    doc = get_object_or_404(_documents(request), pk=pk)
    return render(
        request,
        "dms/outgoing_detail.html",
        {
            "doc": doc,
            "events": doc.events.select_related("user"),
            "priority": PRIORITY_LABELS.get(doc.priority, ""),
            "can_submit": may(user, Action.DRAFT) and doc.state == OutgoingState.DRAFT,
            "can_approve": may(user, Action.APPROVE) and doc.state == OutgoingState.SUBMITTED,
            "can_issue": may(user, Action.ISSUE) and doc.state == OutgoingState.APPROVED,
            "can_send": may(user, Action.ISSUE) and doc.state == OutgoingState.ISSUED,
            "can_revoke": _may_follow_up(user, doc, "revoke"),
            "can_replace": _may_follow_up(user, doc, "replace"),
            "can_update": _may_follow_up(user, doc, "update"),
            "refused_by_all": doc.state == OutgoingState.SENT and not services.still_held(doc),
            "approve_form": forms.ApproveForm(),
            "reason_form": forms.ReasonForm(),
        },
    )


def _may_follow_up(user: User, doc: OutgoingDocument, action: str) -> bool:
    """Whether the page offers taking ``doc`` back, replacing or updating it: the role, then the
    services' own rule (a document every recipient refused offers none of them)."""
    needed = Action.REVOKE if action == "revoke" else Action.DRAFT
    return may(user, needed) and not services.follow_up_refusal(doc, action)


@agency_required
def outgoing_tracking(request: HttpRequest, pk: int) -> HttpResponse:
    """Per recipient: delivery state and status timeline (an htmx fragment, refreshed)."""
    doc = get_object_or_404(_documents(request), pk=pk)
    tracked = services.tracking(doc)
    for recipient in tracked["recipients"]:
        recipient["state_label"] = DELIVERY_LABELS.get(recipient.get("state", ""), "")
        recipient["acknowledged_at"] = _local(recipient.get("acknowledged_at"))
        for status in recipient.get("statuses", []):
            status["label"] = status_label(status["status_code"])
            status["at"] = _local(status.get("at"))
    return render(request, "dms/tracking.html", {"doc": doc, **tracked})


def _local(moment: object) -> str:
    """An ISO 8601 time from the hub, shown in the dms's time zone."""
    if not isinstance(moment, str) or not moment:
        return ""
    try:
        parsed = dt.datetime.fromisoformat(moment)
    except ValueError:
        return moment
    if parsed.tzinfo is None:
        return parsed.strftime("%d/%m/%Y %H:%M")
    return timezone.localtime(parsed).strftime("%d/%m/%Y %H:%M")


# POSTs on one document of the agency, back to its page with the outcome as a message.
on_document = partial(document_action, _documents, "ui:outgoing-detail")

outgoing_submit = on_document(
    _("Đã trình duyệt."),
    lambda user, doc, _: services.submit_for_approval(doc, user),
)
outgoing_approve = on_document(
    _("Đã duyệt và ký số."),
    lambda user, doc, data: services.approve_and_sign(doc, user, data["password"]),
    form=forms.ApproveForm,
)
outgoing_send_back = on_document(
    _("Đã trả lại dự thảo."),
    lambda user, doc, data: services.send_back(doc, user, data["reason"]),
    form=forms.ReasonForm,
)
outgoing_issue = on_document(
    _("Đã cấp số, ký số của cơ quan và gửi văn bản."),
    lambda user, doc, _: services.issue(doc, user),
)
outgoing_send = on_document(
    _("Đã gửi lại."), lambda user, doc, _data: services.send_again(doc, user)
)
outgoing_revoke = on_document(
    _("Đã gửi đề nghị thu hồi (13)."),
    lambda user, doc, data: services.revoke(doc, user, data["reason"]),
    form=forms.ReasonForm,
)


@agency_required
def outgoing_file(request: HttpRequest, pk: int, which: str) -> HttpResponseBase:
    doc = get_object_or_404(_documents(request), pk=pk)
    digest = {
        "draft": doc.draft_sha256,
        "signed": doc.person_signed_sha256,
        "final": doc.final_sha256,
        "edxml": doc.edxml_sha256,
    }.get(which, "")
    if not digest or not storage.exists(digest):  # none yet, or destroyed by a disposal
        from .errors import not_found

        return not_found(request)
    name = f"{doc.code_text.replace('/', '-') or 'du-thao'}-{which}"
    name += ".xml" if which == "edxml" else ".pdf"
    return FileResponse(storage.path_of(digest).open("rb"), as_attachment=True, filename=name)
