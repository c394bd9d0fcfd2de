"""Outgoing documents (văn bản đi): draft, approval with the person's signature, issue with
the number and the agency's signature, sending through the hub, statuses coming back."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lienthong.dms.agencies.models import Agency
from lienthong.dms.registers.models import Register


class OutgoingState(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    SUBMITTED = "submitted", _("Chờ duyệt")
    APPROVED = "approved", _("Đã duyệt và ký")
    ISSUED = "issued", _("Đã ban hành, chờ gửi")
    SENT = "sent", _("Đã gửi")
    REVOKED = "revoked", _("Đã thu hồi")


class OutgoingDocument(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="outgoing")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="drafts"
    )
    created_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(
        max_length=10, choices=OutgoingState.choices, default=OutgoingState.DRAFT
    )

    type_name = models.CharField(max_length=100, default="Công văn")
    subject = models.TextField()
    unit_notation = models.CharField(max_length=20, blank=True)
    signer_competence = models.CharField(max_length=50, blank=True)
    signer_position = models.CharField(max_length=100, blank=True)
    signer_name = models.CharField(max_length=100, blank=True)
    priority = models.PositiveSmallIntegerField(default=0)
    due_date = models.DateField(null=True, blank=True)
    # [{"code": "000.00.00.H41", "name": "UBND tỉnh Nghệ An"}, …] picked from the hub directory.
    recipients = models.JSONField(default=list)
    # The incoming document this one answers (ResponseFor in the edXML).
    answers_incoming = models.ForeignKey(
        "incoming.IncomingDocument",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replies",
    )

    # A replacement (Decree 30: errors of content) names the sent document it replaces.
    replaces = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    replace_reason = models.TextField(blank=True)
    # An update (BussinessDocType 2: metadata, recipients or the file corrected) names the sent
    # document it updates; it keeps that document's number and DocumentId.
    updates = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="updated_by"
    )
    update_reason = models.TextField(blank=True)

    draft_name = models.CharField(max_length=255, blank=True)
    draft_sha256 = models.CharField(max_length=64, blank=True)
    # The file the author uploaded when it was not a PDF (a DOCX the dms converted into the
    # draft): kept as written, beside the PDF made from it.
    source_name = models.CharField(max_length=255, blank=True)
    source_sha256 = models.CharField(max_length=64, blank=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approved_documents",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    person_signed_sha256 = models.CharField(max_length=64, blank=True)

    register = models.ForeignKey(
        Register, on_delete=models.PROTECT, null=True, blank=True, related_name="outgoing"
    )
    year = models.PositiveIntegerField(null=True, blank=True)
    number = models.PositiveIntegerField(null=True, blank=True)
    notation = models.CharField(max_length=60, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="issued_documents",
    )
    final_sha256 = models.CharField(max_length=64, blank=True)
    document_id = models.CharField(max_length=255, blank=True)
    edxml_sha256 = models.CharField(max_length=64, blank=True)
    hub_message_id = models.CharField(max_length=64, blank=True)
    receipt = models.JSONField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.TextField(blank=True)
    revoke_message_id = models.CharField(max_length=64, blank=True)
    search_text = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("register", "year", "number"), name="outgoing_number_unique"
            )
        ]
        indexes = [models.Index(fields=("agency", "-created_at"))]
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.code_text or '(dự thảo)'}: {self.subject[:60]}"

    @property
    def code_text(self) -> str:
        if self.number is None:
            return ""
        return f"{self.number:02d}/{self.notation}" if self.notation else f"{self.number:02d}"

    @property
    def recipient_codes(self) -> list[str]:
        return [str(r["code"]) for r in self.recipients]


class OutgoingEvent(models.Model):
    document = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE, related_name="events")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    action = models.CharField(max_length=30)
    text = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("at", "id")

    @property
    def label(self) -> str:
        from lienthong.dms.labels import event_label

        return event_label(self.action)


class ReceivedStatus(models.Model):
    """A status notice a recipient sent about one of our documents (pulled from the inbox)."""

    document = models.ForeignKey(
        OutgoingDocument, on_delete=models.CASCADE, related_name="statuses"
    )
    hub_message_id = models.CharField(max_length=64)
    from_code = models.CharField(max_length=35)
    code = models.CharField(max_length=2)
    description = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("document", "hub_message_id"), name="received_status_once"
            )
        ]
        ordering = ("at", "id")


class OutgoingText(models.Model):
    """What the search reads when the user asks for the documents' text too: the document's
    ``search_text``, a newline, then the text of its draft (dms/textsearch.with_files,
    dms/pdftext.py). A table of its own: ten times the size of the metadata, in the documents'
    rows it would slow every other search down."""

    document = models.OneToOneField(
        OutgoingDocument, on_delete=models.CASCADE, primary_key=True, related_name="text"
    )
    content = models.TextField()
