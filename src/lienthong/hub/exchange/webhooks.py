"""Webhooks: tell a connected system "you have mail" — optional push beside the pulled inbox.

A notification is owed (in the submit transaction) to every system with a webhook that acts
for a recipient. ``lienthong hub worker`` calls :func:`deliver_due` in a loop: a POST of JSON,
signed ``X-Lienthong-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`` with
``X-Lienthong-Timestamp``; a 2xx answer settles it, anything else is retried with exponential
backoff and jitter, until ``LIENTHONG_WEBHOOK_MAX_ATTEMPTS``, then it is ``dead`` (operators
see it in the admin and in metrics). The inbox stays the truth: a lost webhook delays nothing
that polling does not catch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import random
from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.utils import timezone

from lienthong.hub.registry.models import Agency, ConnectedSystem

from .models import Message, Notification

Poster = Callable[[str, bytes, dict[str, str]], int]

BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 3600.0


def owe(message: Message, recipients: Iterable[Agency]) -> None:
    """Record the notifications this message calls for; call inside the submit transaction."""
    by_system: dict[int, tuple[ConnectedSystem, list[str]]] = {}
    codes = {r.pk: r.code for r in recipients}
    systems = ConnectedSystem.objects.filter(active=True, agencies__in=list(codes)).exclude(
        webhook_url=""
    )
    for system in systems.prefetch_related("agencies").distinct():
        held = sorted(codes[a.pk] for a in system.agencies.all() if a.pk in codes)
        by_system[system.pk] = (system, held)
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(system=system, message=message, recipients=held, next_attempt_at=now)
        for system, held in by_system.values()
    )


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def body_of(notification: Notification) -> bytes:
    message = notification.message
    return json.dumps(
        {
            "event": "inbox",
            "message_id": str(message.id),
            "kind": message.kind,
            "from": message.sender.code,
            "recipients": notification.recipients,
            "document_id": message.document_id,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def backoff(attempts: int, *, rng: random.Random | None = None) -> float:
    """Seconds before the next try: exponential with full jitter, capped."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return (rng or random.SystemRandom()).uniform(ceiling / 2, ceiling)


def deliver_due(post: Poster, *, max_attempts: int, limit: int = 50) -> dict[str, int]:
    """Try every notification that is due; return how many were sent, retried, given up."""
    outcome = {"sent": 0, "retry": 0, "dead": 0}
    with transaction.atomic():
        due = (
            Notification.objects.filter(
                state=Notification.State.PENDING, next_attempt_at__lte=timezone.now()
            )
            .select_related("system", "message", "message__sender")
            .order_by("next_attempt_at")
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        batch = list(due[:limit])
        for notification in batch:
            outcome[_attempt(notification, post, max_attempts)] += 1
    return outcome


def _attempt(notification: Notification, post: Poster, max_attempts: int) -> str:
    body = body_of(notification)
    timestamp = str(int(timezone.now().timestamp()))
    headers = {
        "Content-Type": "application/json",
        "X-Lienthong-Timestamp": timestamp,
        "X-Lienthong-Signature": sign(notification.system.webhook_secret, timestamp, body),
    }
    notification.attempts += 1
    try:
        status = post(notification.system.webhook_url, body, headers)
        error = "" if 200 <= status < 300 else f"HTTP {status}"
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    if not error:
        notification.state = Notification.State.SENT
        notification.sent_at = timezone.now()
        result = "sent"
    elif notification.attempts >= max_attempts:
        notification.state = Notification.State.DEAD
        result = "dead"
    else:
        delay = dt.timedelta(seconds=backoff(notification.attempts))
        notification.next_attempt_at = timezone.now() + delay
        result = "retry"
    notification.last_error = error
    notification.save()
    return result


def http_poster(timeout: float = 10.0) -> Poster:
    import httpx

    client = httpx.Client(timeout=timeout, follow_redirects=False)

    def post(url: str, body: bytes, headers: dict[str, str]) -> int:
        return client.post(url, content=body, headers=headers).status_code

    return post
