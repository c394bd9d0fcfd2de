"""Counters of documents sent and received, per agency and month, kept in the same transaction
as the change they count — statistics never scan the messages."""

from __future__ import annotations

from django.db import models

from lienthong.hub.registry.models import Agency


class MonthlyCount(models.Model):
    class Direction(models.TextChoices):
        SENT = "sent", "Gửi"
        RECEIVED = "received", "Nhận"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()  # the first day of the month
    kind = models.CharField(max_length=6)  # edoc | status
    direction = models.CharField(max_length=8, choices=Direction.choices)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "month", "kind", "direction"], name="one_counter_per_cell"
            )
        ]
