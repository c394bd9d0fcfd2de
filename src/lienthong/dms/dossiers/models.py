"""Dossiers (hồ sơ công việc): a document may be in several without being copied; their
retention and hand-over to the archive, and the record of a disposal."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lienthong.dms.agencies.models import Agency
from lienthong.dms.incoming.models import IncomingDocument
from lienthong.dms.outgoing.models import OutgoingDocument


class Dossier(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Đang mở")
        CLOSED = "closed", _("Đã đóng")
        DISPOSED = "disposed", _("Đã hủy tài liệu")

    class Mode(models.TextChoices):  # chế độ sử dụng (STANDARDS.md §5 ``mode``)
        PUBLIC = "01", _("Công khai")
        LIMITED = "02", _("Sử dụng có điều kiện")
        SECRET = "03", _("Mật")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="dossiers")
    year = models.PositiveIntegerField()
    file_notation = models.CharField(max_length=20)
    title = models.CharField(max_length=500)
    # Retention: the Circular's code (01 = permanent, see retention.py), empty until set, and
    # the number of years for any other code. Set together by services.set_retention.
    maintenance = models.CharField(max_length=30, blank=True)
    retention_years = models.PositiveSmallIntegerField(null=True, blank=True)
    mode = models.CharField(max_length=2, choices=Mode.choices, default=Mode.PUBLIC)
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    handover_due = models.DateField(null=True, blank=True)  # set when closed
    handed_over_at = models.DateTimeField(null=True, blank=True)
    incoming = models.ManyToManyField(IncomingDocument, blank=True, related_name="dossiers")
    outgoing = models.ManyToManyField(OutgoingDocument, blank=True, related_name="dossiers")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("agency", "year", "file_notation"), name="dossier_code_unique"
            )
        ]
        ordering = ("-year", "file_notation")
        indexes = [models.Index(fields=("agency", "handover_due"), name="dossier_handover_due")]

    @property
    def file_code(self) -> str:
        """FileCode: agency code, year, notation (Decree 30 input fields)."""
        return f"{self.agency.code}.{self.year}.{self.file_notation}"

    @property
    def retention_set(self) -> bool:
        return bool(self.maintenance)

    @property
    def permanent(self) -> bool:
        from .retention import PERMANENT

        return self.maintenance == PERMANENT

    @property
    def retention_text(self) -> str:
        from django.utils.translation import gettext, ngettext

        if not self.maintenance:
            return gettext("Chưa xác định")
        if self.permanent:
            return gettext("Vĩnh viễn")
        years = self.retention_years or 0
        return ngettext("%(years)d năm", "%(years)d năm", years) % {"years": years}

    @property
    def disposal_due(self) -> dt.date | None:
        """The first day the dossier may be disposed of (None: permanent, open or unset)."""
        from .retention import disposal_due

        if not self.maintenance or self.permanent or self.closed_at is None:
            return None
        return disposal_due(timezone.localdate(self.closed_at), self.retention_years)


class Disposal(models.Model):
    """The disposal (hủy tài liệu hết giá trị) of a dossier's documents: proposed with a
    reason, approved by a leader, then done. The record stays, with the inventory of what was
    destroyed, when the documents' files are gone."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Chờ phê duyệt")
        APPROVED = "approved", _("Đã phê duyệt")
        DONE = "done", _("Đã hủy")

    dossier = models.OneToOneField(Dossier, on_delete=models.PROTECT, related_name="disposal")
    state = models.CharField(max_length=8, choices=State.choices, default=State.PROPOSED)
    reason = models.TextField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    disposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    disposed_at = models.DateTimeField(null=True, blank=True)
    # Each document of the dossier: its §5 fields, its files (name, SHA-256), and whether its
    # files were destroyed or kept (still in another dossier).
    inventory = models.JSONField(default=list)
