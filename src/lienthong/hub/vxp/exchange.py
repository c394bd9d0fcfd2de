"""The VXP verbs that move documents: each one calls the hub's exchange services and renders
their answer as the SDK expects (docs/vxp.md says how ids and states are named)."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from lienthong.edxml import StatusCode
from lienthong.hub.errors import NotFound
from lienthong.hub.exchange import services
from lienthong.hub.exchange.delivery_state import DeliveryState
from lienthong.hub.exchange.models import Delivery, Message
from lienthong.hub.registry import services as registry
from lienthong.hub.registry.models import ConnectedSystem

from . import errors, headers
from .auth import Call

SERVICE_TYPE = "eDoc"
KINDS = ("edoc", "status")
# getReceivedEdocList has no paging: one listing hands out at most this many new deliveries.
LIST_LIMIT = 500

# How a delivery's state reads to the sender (getSentEdocList).
SEND_STATUS: dict[str, tuple[str, str]] = {
    DeliveryState.QUEUED: ("pending", "Chờ đơn vị nhận lấy về"),
    DeliveryState.LEASED: ("processing", "Đơn vị nhận đang lấy về"),
    DeliveryState.DELIVERED: ("done", "Đơn vị nhận đã nhận"),
    DeliveryState.FAILED: ("fail", "Đơn vị nhận không nhận được"),
    DeliveryState.DEAD: ("fail", "Trục không giao được (quá số lần thử)"),
}
BUSINESS_STATUS: dict[str, str] = {
    StatusCode.ARRIVED: "Đã đến",
    StatusCode.REFUSED: "Từ chối tiếp nhận",
    StatusCode.ACCEPTED: "Đã tiếp nhận",
    StatusCode.ASSIGNED: "Phân công",
    StatusCode.PROCESSING: "Đang xử lý",
    StatusCode.FINISHED: "Hoàn thành",
    StatusCode.TAKE_BACK: "Lấy lại",
    StatusCode.AGREED: "Đồng ý lấy lại/cập nhật",
    StatusCode.DISAGREED: "Từ chối lấy lại/cập nhật",
}


def send_edoc(call: Call) -> dict[str, Any]:
    """Body: the edXML bytes; ``from`` must be an agency the system acts for, ``hash-file`` the
    body's SHA-256. The hub's one submission path decides the rest."""
    kind = call.required("messagetype")
    if kind not in KINDS:
        raise errors.VxpRefusal(errors.REQUEST_INVALID, f"messagetype {kind!r} is not edoc|status")
    sender = call.required("from")
    try:
        agency = registry.agency_by_code(sender)
    except NotFound as exc:
        raise errors.VxpRefusal(errors.SENDER_UNKNOWN, exc.message) from None
    if not call.system.acts_for(agency):
        raise errors.VxpRefusal(
            errors.FROM_NOT_ALLOWED, f"the system {call.system.name} does not act for {sender}"
        )
    limit = settings.LIENTHONG.max_message_bytes
    if int(call.request.headers.get("Content-Length") or 0) > limit:
        raise errors.VxpRefusal(errors.TOO_LARGE, f"this hub accepts at most {limit} bytes")
    body = call.request.body
    if not headers.hash_file_matches(body, call.required("hash-file")):
        raise errors.VxpRefusal(errors.HASH_FILE_MISMATCH)
    submitted = services.submit_message(call.system, body)
    return {"DocId": str(submitted.message.id)}


def received_list(call: Call) -> dict[str, Any]:
    """What waits for the system: newly leased deliveries, and those it holds a lease on
    already (listed, not yet answered), so listing again after a crash shows them again."""
    kind = _kind(call)
    leased = services.lease_deliveries(call.system, kind=kind, limit=LIST_LIMIT)
    fresh = {d.pk for d in leased}
    held = [d for d in _held(call.system, kind) if d.pk not in fresh]
    deliveries = sorted([*leased, *held], key=lambda d: (d.message.created_at, str(d.pk)))
    return {"data": [_received(d) for d in deliveries]}


def count_edoc(call: Call) -> dict[str, Any]:
    return {"count": _unanswered(call.system, "edoc").count()}


def count_status(call: Call) -> dict[str, Any]:
    return {"count": _unanswered(call.system, "status").count()}


def get_edoc(call: Call) -> dict[str, Any]:
    """``docId``: a delivery id from getReceivedEdocList, or the DocId sendEdoc answered."""
    doc_id = _uuid(call.required("docId"))
    delivery = _delivery(call.system, doc_id)
    try:
        message = services.message_for(
            call.system, str(delivery.message_id) if delivery else doc_id
        )
    except NotFound as exc:
        raise errors.VxpRefusal(errors.DOC_ID_UNKNOWN, exc.message) from None
    with services.open_payload(message) as payload:
        data = payload.read()
    return {"data": base64.b64encode(data).decode("ascii")}


def update_status(call: Call) -> dict[str, Any]:
    """``done``/``fail`` acknowledge the delivery; ``processing`` changes nothing."""
    doc_id = _uuid(call.required("docId"))
    status = call.required("status")
    if status not in ("processing", "done", "fail"):
        raise errors.VxpRefusal(
            errors.REQUEST_INVALID, f"status {status!r} is not processing|done|fail"
        )
    if _delivery(call.system, doc_id) is None:
        raise errors.VxpRefusal(errors.DOC_ID_UNKNOWN, f"no received document {doc_id}")
    if status != "processing":
        services.acknowledge(
            call.system, doc_id, done=status == "done", reason="updateStatus fail (VXP)"
        )
    return {}


def sent_list(call: Call) -> dict[str, Any]:
    """``docId``: the DocId sendEdoc answered; one entry per recipient."""
    doc_id = _uuid(call.required("docId"))
    try:
        message, deliveries, statuses = services.trace(call.system, doc_id)
    except NotFound as exc:
        raise errors.VxpRefusal(errors.DOC_ID_UNKNOWN, exc.message) from None
    latest: dict[int, Message] = {}
    for status in statuses:  # oldest first: the last one per recipient wins
        latest[status.sender_id] = status
    return {"data": [_sent(message, d, latest.get(d.recipient_id)) for d in deliveries]}


# --- reading the inbox without changing it ----------------------------------------------------


def _kind(call: Call) -> str | None:
    kind = call.param("messagetype")
    if kind is None or not kind.strip():
        return None
    if kind not in KINDS:
        raise errors.VxpRefusal(errors.REQUEST_INVALID, f"messagetype {kind!r} is not edoc|status")
    return kind


def _for_system(system: ConnectedSystem) -> QuerySet[Delivery]:
    return Delivery.objects.filter(recipient__in=system.agencies.all()).select_related(
        "message", "message__sender", "recipient"
    )


def _held(system: ConnectedSystem, kind: str | None) -> QuerySet[Delivery]:
    held = _for_system(system).filter(
        state=DeliveryState.LEASED.value, leased_by=system, lease_until__gte=timezone.now()
    )
    return held.filter(message__kind=kind) if kind else held


def _unanswered(system: ConnectedSystem, kind: str) -> QuerySet[Delivery]:
    return _for_system(system).filter(
        state__in=[DeliveryState.QUEUED.value, DeliveryState.LEASED.value], message__kind=kind
    )


def _delivery(system: ConnectedSystem, doc_id: str) -> Delivery | None:
    return _for_system(system).filter(pk=doc_id).first()


def _uuid(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise errors.VxpRefusal(errors.DOC_ID_UNKNOWN, f"{text!r} is not a docId") from None


# --- rendering --------------------------------------------------------------------------------


def _time(moment: dt.datetime | None) -> str | None:
    """ISO 8601 in the hub's local time, with milliseconds and the offset."""
    return timezone.localtime(moment).isoformat(timespec="milliseconds") if moment else None


def _received(delivery: Delivery) -> dict[str, Any]:
    message = delivery.message
    return {
        "docId": str(delivery.pk),
        "serviceType": SERVICE_TYPE,
        "messageType": message.kind,
        "created_time": _time(message.created_at),
        "updated_time": _time(delivery.updated_at),
        "from": message.sender.code,
        "to": delivery.recipient.code,
        "status": "pending",
        "status_desc": "Chờ nhận",
    }


def _sent(message: Message, delivery: Delivery, status: Message | None) -> dict[str, Any]:
    send_status, send_desc = SEND_STATUS[delivery.state]
    notation = "/".join(p for p in (message.code_number, message.code_notation) if p)
    return {
        "serviceType": SERVICE_TYPE,
        "messageType": message.kind,
        "senderDocId": str(message.id),
        "receiverDocId": str(delivery.pk),
        "fromCode": message.sender.code,
        "toCode": delivery.recipient.code,
        "title": message.subject,
        "notation": notation,
        "sentTime": _time(message.created_at),
        "sendStatus": send_status,
        "sendStatusDesc": send_desc,
        "receivedTime": _time(delivery.acknowledged_at),
        "receiveStatus": status.status_code if status else "",
        "receiveStatusDesc": BUSINESS_STATUS.get(status.status_code, "") if status else "",
    }
