"""What the VXP endpoint must remember between requests: the signatures it has answered."""

from __future__ import annotations

from django.db import models


class SeenSignature(models.Model):
    """The ``hash-header`` of an authenticated VXP request, kept while a replay of it could
    still carry a timestamp inside the window (in the database, so every server process sees
    it)."""

    digest = models.CharField(max_length=64, primary_key=True)
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "chữ ký yêu cầu VXP đã nhận"
        verbose_name_plural = "chữ ký yêu cầu VXP đã nhận"

    def __str__(self) -> str:
        return self.digest
