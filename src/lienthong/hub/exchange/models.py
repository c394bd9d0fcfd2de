"""Messages the hub accepted, their payloads, and one delivery per recipient."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from lienthong.hub.registry.models import Agency, ConnectedSystem

from .delivery_state import DeliveryState


class Payload(models.Model):
    """The edXML bytes exactly as submitted, content-addressed by SHA-256 (kept in blob storage)."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    size = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)


class Message(models.Model):
    """One accepted submission: a document (edoc) or a status notice (status)."""

    class Kind(models.TextChoices):
        EDOC = "edoc", "Văn bản"
        STATUS = "status", "Trạng thái"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=6, choices=Kind.choices)
    sender = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="sent_messages")
    system = models.ForeignKey(
        ConnectedSystem, on_delete=models.PROTECT, related_name="submitted_messages"
    )
    payload = models.ForeignKey(Payload, on_delete=models.PROTECT, related_name="messages")
    document_id = models.CharField(max_length=255, db_index=True)
    business_type = models.PositiveSmallIntegerField(default=0)
    status_code = models.CharField(max_length=2, blank=True)
    subject = models.TextField(blank=True)
    code_number = models.CharField(max_length=30, blank=True)
    code_notation = models.CharField(max_length=60, blank=True)
    # The document a revocation, update, replacement or status notice is about.
    related = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="followers"
    )
    receipt = models.JSONField()
    # Set by the submit service before the row exists: the signed receipt states this time.
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            # Idempotency: one message per sender and payload.
            models.UniqueConstraint(fields=["sender", "payload"], name="one_message_per_payload"),
        ]
        indexes = [models.Index(fields=["sender", "document_id", "business_type"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.document_id} from {self.sender.code}"


# Deliveries still owed to their recipient (queued, leased) or given up on (dead): few at any
# moment however long the history, so a partial index keeps counting them cheap for the
# console, the dashboard and /metrics — and finding the leases that ran out.
OPEN_STATES = (DeliveryState.QUEUED.value, DeliveryState.LEASED.value, DeliveryState.DEAD.value)


class Delivery(models.Model):
    """A message on its way to one recipient agency."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="deliveries")
    recipient = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="deliveries")
    state = models.CharField(
        max_length=10,
        choices=[(s.value, s.value) for s in DeliveryState],
        default=DeliveryState.QUEUED.value,
    )
    lease_until = models.DateTimeField(null=True, blank=True)
    leased_by = models.ForeignKey(
        ConnectedSystem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lease_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "recipient"], name="one_delivery_per_recipient"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "state", "created_at"]),
            models.Index(
                fields=["state", "lease_until"],
                name="delivery_open",
                condition=models.Q(state__in=OPEN_STATES),
            ),
            # Figures over a recent window (latency, refusals) read acknowledgements by time.
            models.Index(fields=["acknowledged_at"], name="delivery_acknowledged_at"),
        ]


def open_delivery_counts() -> dict[str, int]:
    """How many deliveries are queued, leased and dead now (read through the partial index)."""
    counted = dict(
        Delivery.objects.filter(state__in=OPEN_STATES)
        .values_list("state")
        .annotate(n=models.Count("id"))
        .order_by()
    )
    return {state: int(counted.get(state, 0)) for state in OPEN_STATES}


class Notification(models.Model):
    """A "you have mail" webhook call owed to a connected system, with its retry state."""

    class State(models.TextChoices):
        PENDING = "pending", "Chờ gửi"
        SENT = "sent", "Đã gửi"
        DEAD = "dead", "Bỏ cuộc"

    system = models.ForeignKey(ConnectedSystem, on_delete=models.PROTECT, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="+")
    recipients = models.JSONField(default=list)  # the system's agencies the message is for
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "next_attempt_at"])]


def waiting_notification_counts() -> dict[str, int]:
    """How many webhook notifications are pending and dead now (through the state index)."""
    watched = (Notification.State.PENDING.value, Notification.State.DEAD.value)
    counted = dict(
        Notification.objects.filter(state__in=watched)
        .values_list("state")
        .annotate(n=models.Count("id"))
        .order_by()
    )
    return {state: int(counted.get(state, 0)) for state in watched}
