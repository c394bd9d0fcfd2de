"""Incoming documents (văn bản đến), their files, handlers, history and the status notices
owed to their senders."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lienthong.dms.agencies.models import Agency
from lienthong.dms.registers.models import Register


class IncomingState(models.TextChoices):
    ARRIVED = "arrived", _("Đã đến")
    REGISTERED = "registered", _("Đã vào sổ")
    REFUSED = "refused", _("Đã từ chối")
    ASSIGNED = "assigned", _("Đã phân công")
    PROCESSING = "processing", _("Đang xử lý")
    COMPLETED = "completed", pgettext_lazy("state", "Hoàn thành")  # not the button


class RevokeState(models.TextChoices):
    NONE = "", "—"
    REQUESTED = "requested", _("Bên gửi đề nghị thu hồi")
    AGREED = "agreed", _("Đã đồng ý thu hồi")
    REFUSED = "refused", _("Đã từ chối thu hồi")


# Still to be handled: a deadline passed in one of these states makes a document overdue,
# unless the sender took it back (frozen: nobody may act on it).
OPEN_STATES = (IncomingState.REGISTERED, IncomingState.ASSIGNED, IncomingState.PROCESSING)


def overdue(documents: QuerySet[IncomingDocument]) -> QuerySet[IncomingDocument]:
    return documents.filter(deadline__lt=timezone.localdate(), state__in=OPEN_STATES, frozen=False)


class IncomingDocument(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="incoming")
    hub_message_id = models.CharField(max_length=64)
    payload_sha256 = models.CharField(max_length=64)
    business_type = models.PositiveSmallIntegerField(default=0)
    # An update or replacement points at the document it follows.
    follows = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="followers"
    )

    sender_code = models.CharField(max_length=35)
    sender_name = models.CharField(max_length=200, blank=True)
    # As long as the hub takes them (hub/exchange/models.py): never cut what routes statuses.
    document_id = models.CharField(max_length=255)
    code_number = models.CharField(max_length=30, blank=True)
    code_notation = models.CharField(max_length=60, blank=True)
    type_name = models.CharField(max_length=100, blank=True)
    subject = models.TextField(blank=True)
    content = models.TextField(blank=True)
    promulgation_date = models.DateField(null=True, blank=True)
    signer_name = models.CharField(max_length=100, blank=True)
    signer_position = models.CharField(max_length=100, blank=True)
    priority = models.PositiveSmallIntegerField(default=0)
    due_date = models.DateField(null=True, blank=True)

    # What the signature checks found when it arrived (see incoming.verdict).
    verdict = models.JSONField(default=dict)
    signature_ok = models.BooleanField(default=False)

    state = models.CharField(
        max_length=12, choices=IncomingState.choices, default=IncomingState.ARRIVED
    )
    arrived_at = models.DateTimeField(default=timezone.now)
    register = models.ForeignKey(
        Register, on_delete=models.PROTECT, null=True, blank=True, related_name="incoming"
    )
    arrival_year = models.PositiveIntegerField(null=True, blank=True)
    arrival_number = models.PositiveIntegerField(null=True, blank=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)
    deadline = models.DateField(null=True, blank=True)
    instruction = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(blank=True)
    # The outgoing document that answers this one (ResponseFor), if any.
    answered_by = models.ForeignKey(
        "outgoing.OutgoingDocument",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="answers",
    )
    frozen = models.BooleanField(default=False)
    revoke_state = models.CharField(
        max_length=10, choices=RevokeState.choices, default=RevokeState.NONE, blank=True
    )
    revoke_reason = models.TextField(blank=True)
    search_text = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("agency", "hub_message_id"), name="incoming_once_per_message"
            ),
            models.UniqueConstraint(
                fields=("register", "arrival_year", "arrival_number"),
                name="incoming_arrival_number_unique",
            ),
        ]
        # The list's order within one agency, and within one state of it (the list's filters),
        # so that a page is read off an index, deep pages included. On PostgreSQL a trigram
        # index on search_text also serves searches (migration 0003).
        indexes = [
            models.Index(fields=("agency", "-arrived_at", "-id"), name="incoming_agency_arrived"),
            models.Index(
                fields=("agency", "state", "-arrived_at", "-id"), name="incoming_agency_state"
            ),
        ]
        ordering = ("-arrived_at", "-id")

    def __str__(self) -> str:
        return f"{self.code_text or self.document_id}: {self.subject[:60]}"

    @property
    def code_text(self) -> str:
        if self.code_notation:
            return f"{self.code_number}/{self.code_notation}"
        return self.code_number

    @property
    def arrival_text(self) -> str:
        return "" if self.arrival_number is None else f"{self.arrival_number:02d}"

    @property
    def is_overdue(self) -> bool:
        return (
            self.deadline is not None
            and self.state in OPEN_STATES
            and not self.frozen
            and self.deadline < timezone.localdate()
        )

    def handlers(self, role: str) -> list[Any]:
        return [a.user for a in self.assignments.all() if a.role == role]


class IncomingFile(models.Model):
    document = models.ForeignKey(IncomingDocument, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(default=0)
    # For a PDF: what its PAdES signatures are worth (see incoming.verdict).
    pdf_verdict = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ("id",)


class Assignment(models.Model):
    class Role(models.TextChoices):
        MAIN = "main", _("Xử lý chính")
        CO = "co", _("Phối hợp")
        INFO = "info", _("Để biết")

    document = models.ForeignKey(
        IncomingDocument, on_delete=models.CASCADE, related_name="assignments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(max_length=5, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("document", "user"), name="assignment_once_per_user")
        ]
        ordering = ("role", "id")


class Event(models.Model):
    """The processing history of an incoming document (kept whole, Decree 30 Appendix VI)."""

    document = models.ForeignKey(IncomingDocument, on_delete=models.CASCADE, related_name="events")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    action = models.CharField(max_length=30)
    text = models.TextField(blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("at", "id")

    @property
    def label(self) -> str:
        from lienthong.dms.labels import event_label

        return event_label(self.action)


class StatusNotice(models.Model):
    """A status notice owed to the sender (01 … 06, 15, 16), written in the same transaction as
    the change it reports and sent to the hub afterwards (again by the worker until it goes)."""

    document = models.ForeignKey(IncomingDocument, on_delete=models.CASCADE, related_name="notices")
    code = models.CharField(max_length=2)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    hub_message_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ("created_at", "id")


class ReceivedMessage(models.Model):
    """Every message pulled from the hub, once: the hub delivers at least once, and message ids
    are stable, so a delivery seen again is acknowledged and not processed twice."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="received")
    hub_message_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=6)
    outcome = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("agency", "hub_message_id"), name="received_message_once"
            )
        ]


class IncomingText(models.Model):
    """What the search reads when the user asks for the documents' text too: the document's
    ``search_text``, a newline, then the text of its PDF files (dms/textsearch.with_files,
    dms/pdftext.py). A table of its own: ten times the size of the metadata, in the documents'
    rows it would slow every other search down."""

    document = models.OneToOneField(
        IncomingDocument, on_delete=models.CASCADE, primary_key=True, related_name="text"
    )
    content = models.TextField()
