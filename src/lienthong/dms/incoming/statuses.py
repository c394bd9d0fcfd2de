"""Status notices owed to senders: queued with the change they report, sent afterwards.

:func:`queue` runs inside the service's transaction, so a notice exists exactly when the change
does. :func:`send_pending` signs each notice with the agency's key and submits it through the
hub, in the order they were queued; a hub that cannot be reached leaves them for the worker's
next pass (submitting the same bytes again is idempotent on the hub).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from lienthong.client import HubClientError
from lienthong.dms.agencies.models import Agency
from lienthong.dms.agencies.services import hub_client, signed_status
from lienthong.dms.errors import DmsError
from lienthong.edxml.model import ResponseFor, StatusCode, format_date

from .models import IncomingDocument, StatusNotice

log = logging.getLogger("lienthong.dms.statuses")


def queue(document: IncomingDocument, code: StatusCode, description: str = "") -> StatusNotice:
    return StatusNotice.objects.create(document=document, code=code.value, description=description)


def notice_edxml(notice: StatusNotice) -> bytes:
    """The signed status message of a notice. Its timestamp is the notice's creation time, so
    the bytes are the same at every attempt (and the hub answers a retry with the first
    receipt)."""
    document = notice.document
    return signed_status(
        document.agency,
        about=ResponseFor(
            organ_id=document.sender_code,
            code=document.code_text,
            promulgation_date=(
                format_date(document.promulgation_date) if document.promulgation_date else ""
            ),
            document_id=document.document_id,
        ),
        code=notice.code,
        description=notice.description,
        at=notice.created_at,
    )


def send_pending(agency: Agency) -> int:
    """Send the agency's unsent notices, oldest first; the number sent. Never raises for the
    hub's sake: a failure is recorded on the notice and retried later."""
    sent = 0
    pending = list(
        StatusNotice.objects.filter(document__agency=agency, sent_at__isnull=True)
        .select_related("document", "document__agency")
        .order_by("created_at", "id")
    )
    if not pending:
        return 0
    blocked: set[int] = set()  # documents whose earlier notice failed: keep their order
    with hub_client(agency) as hub:
        for notice in pending:
            if notice.document_id in blocked:
                continue
            try:
                accepted = hub.submit(notice_edxml(notice))
            except (HubClientError, DmsError) as exc:
                blocked.add(notice.document_id)
                StatusNotice.objects.filter(pk=notice.pk).update(
                    attempts=notice.attempts + 1, last_error=str(exc)[:2000]
                )
                log.warning("status %s of %s not sent: %s", notice.code, notice.document_id, exc)
                continue
            with transaction.atomic():
                StatusNotice.objects.filter(pk=notice.pk).update(
                    sent_at=timezone.now(),
                    hub_message_id=accepted.id,
                    attempts=notice.attempts + 1,
                    last_error="",
                )
            sent += 1
    return sent
