"""Incoming and outgoing registers (sổ văn bản đến / đi) and their yearly number series."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lienthong.dms.agencies.models import Agency


class Register(models.Model):
    """One register of an agency. Decree 30 allows several (by type of document); each has its
    own number series per calendar year. One model for both directions: they differ only in
    which documents point at them, so one table and one numbering function serve both."""

    class Kind(models.TextChoices):
        INCOMING = "incoming", _("Sổ văn bản đến")
        OUTGOING = "outgoing", _("Sổ văn bản đi")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="registers")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=200)
    is_default = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("agency", "kind", "name"), name="register_unique_name")
        ]
        ordering = ("agency", "kind", "name")

    def __str__(self) -> str:
        return self.name


class Counter(models.Model):
    """The last number taken in a register in a year: the row that numbering locks."""

    register = models.ForeignKey(Register, on_delete=models.PROTECT, related_name="counters")
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("register", "year"), name="counter_one_per_year")
        ]
