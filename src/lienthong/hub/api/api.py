"""The hub's HTTP API, ``/api/v1`` (contract: DESIGN.md §6). Views parse, authorise, call one
service function and render; the rules live in :mod:`lienthong.hub.exchange.services`."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, Literal

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from ninja import Field, NinjaAPI, Query, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from oauth2_provider.views import TokenView

from lienthong.edxml.errors import EdxmlError
from lienthong.hub.errors import Forbidden, HubError, NotFound, PayloadTooLarge
from lienthong.hub.exchange import services
from lienthong.hub.exchange.models import Delivery, Message
from lienthong.hub.registry.models import Agency, ConnectedSystem
from lienthong.hub.stats.services import statistics

from .auth import SystemToken
from .metrics import SUBMISSIONS, SUBMIT_SECONDS, exposition
from .problems import from_edxml, from_hub, problem
from .ratelimit import BUCKETS
from .streaming import payload_response

api = NinjaAPI(
    title="lienthong hub",
    version="1",
    description="Trục liên thông văn bản: send, receive and track official edXML documents.",
    auth=SystemToken(),
    urls_namespace="hub-api",
)


@api.exception_handler(EdxmlError)
def _edxml(request: HttpRequest, exc: EdxmlError) -> HttpResponse:
    return from_edxml(exc)


@api.exception_handler(HubError)
def _hub(request: HttpRequest, exc: HubError) -> HttpResponse:
    return from_hub(exc)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = problem(401, "unauthorized", "a valid bearer token of a connected system is needed")
    response["WWW-Authenticate"] = 'Bearer realm="lienthong"'
    return response


@api.exception_handler(ValidationError)
def _invalid_request(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return problem(
        400, "request-invalid", "the request parameters are not valid", errors=exc.errors
    )


@api.exception_handler(HttpError)
def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem(exc.status_code, "request-invalid", str(exc))


def _system(request: HttpRequest) -> ConnectedSystem:
    system = request.auth  # type: ignore[attr-defined]
    assert isinstance(system, ConnectedSystem)
    BUCKETS.take(system.pk, settings.LIENTHONG.rate_limit)
    return system


# --- token -----------------------------------------------------------------------------------

_token_view = csrf_exempt(TokenView.as_view())


@api.post("/oauth/token", auth=None, include_in_schema=True, summary="OAuth2 client credentials")
def token(request: HttpRequest) -> HttpResponse:
    """Exchange ``client_id`` and ``client_secret`` (grant_type=client_credentials) for a token."""
    response: HttpResponse = _token_view(request)
    return response


# --- messages --------------------------------------------------------------------------------


class Accepted(Schema):
    id: str
    receipt: dict[str, Any]
    recipients: list[str]


def _accepted(message: Message) -> dict[str, Any]:
    return {
        "id": str(message.id),
        "receipt": message.receipt,
        "recipients": list(message.receipt.get("data", {}).get("recipients", [])),
    }


@api.post("/messages", response={200: Accepted, 201: Accepted}, summary="Submit an edXML message")
def submit(request: HttpRequest) -> Status[dict[str, Any]]:
    """Body: the edXML file (``application/xml``). ``201`` when accepted, ``200`` with the first
    receipt when the same sender sends the same bytes again."""
    limit = settings.LIENTHONG.max_message_bytes
    with SUBMIT_SECONDS.time():
        try:
            if int(request.headers.get("Content-Length") or 0) > limit:
                raise PayloadTooLarge(f"this hub accepts messages of at most {limit} bytes")
            result = services.submit_message(_system(request), request.body)
        except (HubError, EdxmlError) as exc:
            SUBMISSIONS.labels("refused", exc.code).inc()
            raise
    SUBMISSIONS.labels("accepted" if result.created else "repeat", "").inc()
    return Status(201 if result.created else 200, _accepted(result.message))


@api.get("/messages/{message_id}", summary="The edXML bytes exactly as submitted")
def fetch(request: HttpRequest, message_id: str) -> StreamingHttpResponse:
    message = services.message_for(_system(request), _uuid(message_id))
    response = payload_response(
        request,
        services.open_payload(message),
        size=message.payload.size,
        content_type="application/xml",
    )
    response["X-Content-SHA256"] = message.payload_id
    return response


@api.get("/messages/{message_id}/trace", summary="Per recipient: delivery and status history")
def trace(request: HttpRequest, message_id: str) -> dict[str, Any]:
    message, deliveries, statuses = services.trace(_system(request), _uuid(message_id))
    history: dict[str, list[dict[str, str]]] = {}
    for status in statuses:
        history.setdefault(status.sender.code, []).append(
            {
                "status_code": status.status_code,
                "description": status.subject,
                "at": status.created_at.isoformat(),
            }
        )
    return {
        "id": str(message.id),
        "document_id": message.document_id,
        "recipients": [
            {
                "to": d.recipient.code,
                "name": d.recipient.name,
                "state": d.state,
                "queued_at": d.created_at.isoformat(),
                "acknowledged_at": d.acknowledged_at.isoformat() if d.acknowledged_at else None,
                "reason": d.reason,
                "statuses": history.get(d.recipient.code, []),
            }
            for d in deliveries
        ],
    }


# --- inbox -----------------------------------------------------------------------------------


class InboxQuery(Schema):
    limit: int = 50
    kind: Literal["edoc", "status"] | None = None


@api.get("/inbox", summary="Lease waiting deliveries")
def inbox(request: HttpRequest, query: Query[InboxQuery]) -> dict[str, Any]:
    deliveries = services.lease_deliveries(_system(request), kind=query.kind, limit=query.limit)
    return {"items": [_item(d) for d in deliveries]}


def _item(delivery: Delivery) -> dict[str, Any]:
    message = delivery.message
    return {
        "delivery_id": str(delivery.id),
        "message_id": str(message.id),
        "kind": message.kind,
        "from": message.sender.code,
        "to": delivery.recipient.code,
        "document_id": message.document_id,
        "subject": message.subject,
        "size": message.receipt.get("data", {}).get("size", 0),
        "sha256": message.payload_id,
        "lease_until": delivery.lease_until.isoformat() if delivery.lease_until else None,
    }


class Ack(Schema):
    result: Literal["done", "fail"]
    reason: str = ""


@api.post("/inbox/{delivery_id}/ack", summary="Acknowledge a leased delivery")
def ack(request: HttpRequest, delivery_id: str, body: Ack) -> dict[str, Any]:
    delivery = services.acknowledge(
        _system(request), _uuid(delivery_id), done=body.result == "done", reason=body.reason
    )
    return {"delivery_id": str(delivery.id), "state": delivery.state}


# --- statistics ------------------------------------------------------------------------------


class StatsQuery(Schema):
    start: dt.date | None = Field(None, alias="from")
    end: dt.date | None = Field(None, alias="to")
    group: Literal["month", "level", "agency"] = "month"


@api.get("/stats", summary="Documents sent and received by the system's agencies")
def stats(request: HttpRequest, query: Query[StatsQuery]) -> dict[str, Any]:
    system = _system(request)
    rows = statistics(
        agencies=system.agencies.all(), start=query.start, end=query.end, group=query.group
    )
    return {"group": query.group, "items": rows}


# --- directory and health --------------------------------------------------------------------


class AgencyQuery(Schema):
    since: str | None = None
    level: int | None = None
    q: str | None = None
    limit: int = 500


@api.get("/agencies", summary="The directory of agencies, with a change cursor")
def agencies(request: HttpRequest, query: Query[AgencyQuery]) -> dict[str, Any]:
    rows = Agency.objects.select_related("parent").order_by("updated_at", "id")
    if query.since:
        moment = parse_datetime(query.since)
        if moment is None:
            raise HttpError(400, f"since={query.since!r} is not an ISO 8601 time")
        rows = rows.filter(updated_at__gt=moment)
    if query.level is not None:
        rows = rows.filter(level=query.level)
    if query.q:
        rows = rows.filter(Q(name__icontains=query.q) | Q(code__icontains=query.q))
    page = list(rows[: max(1, min(query.limit, 5000))])
    return {
        "items": [
            {
                "code": a.code,
                "code_d20": a.code_d20,
                "name": a.name,
                "parent": a.parent.code if a.parent else None,
                "level": a.level,
                "kind": a.kind,
                "status": a.status,
                "updated_at": a.updated_at.isoformat(),
            }
            for a in page
        ],
        "next_since": page[-1].updated_at.isoformat() if page else query.since,
    }


@api.get("/metrics", auth=None, include_in_schema=False)
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format. Operators only: from this machine, or with the metrics token."""
    token = settings.LIENTHONG.metrics_token
    given = request.headers.get("Authorization", "")
    local = request.META.get("REMOTE_ADDR") in ("127.0.0.1", "::1")
    if not (local or (token and secrets.compare_digest(given, f"Bearer {token}"))):
        raise Forbidden("metrics are for operators: ask from the hub's machine or with its token")
    return HttpResponse(exposition(), content_type="text/plain; version=0.0.4")


@api.get("/health", auth=None, summary="Liveness")
def health(request: HttpRequest) -> dict[str, str]:
    return {"status": "ok"}


def _uuid(text: str) -> str:
    import uuid

    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise NotFound(f"{text!r} is not a message or delivery id") from None
