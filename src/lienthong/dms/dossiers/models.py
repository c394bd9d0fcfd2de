"""Dossiers (hồ sơ công việc): a document may be in several without being copied."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from lienthong.dms.agencies.models import Agency
from lienthong.dms.incoming.models import IncomingDocument
from lienthong.dms.outgoing.models import OutgoingDocument


class Dossier(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "Đang mở"
        CLOSED = "closed", "Đã đóng"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="dossiers")
    year = models.PositiveIntegerField()
    file_notation = models.CharField(max_length=20)
    title = models.CharField(max_length=500)
    maintenance = models.CharField(max_length=30, blank=True)
    state = models.CharField(max_length=6, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    incoming = models.ManyToManyField(IncomingDocument, blank=True, related_name="dossiers")
    outgoing = models.ManyToManyField(OutgoingDocument, blank=True, related_name="dossiers")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("agency", "year", "file_notation"), name="dossier_code_unique"
            )
        ]
        ordering = ("-year", "file_notation")

    @property
    def file_code(self) -> str:
        """FileCode: agency code, year, notation (Decree 30 input fields)."""
        return f"{self.agency.code}.{self.year}.{self.file_notation}"
