"""The operator console for the exchange: messages and deliveries, to look at, never to edit.

A message's bytes, receipt and routing are what the hub promised its sender; a delivery's state
changes only through the recipient's acknowledgement (:mod:`lienthong.hub.exchange.services`).
So both are read-only here: no add, no change, no delete.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from .models import Delivery, Message, Notification

# Generic for the type checker only (not subscriptable at run time without django-stubs-ext).
if TYPE_CHECKING:
    _Admin = admin.ModelAdmin[Any]
    _DeliveryInline = admin.TabularInline[Delivery, Message]
else:
    _Admin, _DeliveryInline = admin.ModelAdmin, admin.TabularInline


class ReadOnlyAdmin(_Admin):
    """Viewable by operators; changed only by the hub's own services."""

    show_full_result_count = False  # no COUNT(*) over millions of rows on every page

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class DeliveryInline(_DeliveryInline):
    model = Delivery
    fields = ("recipient", "state", "lease_count", "lease_until", "acknowledged_at", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Delivery]:
        return super().get_queryset(request).select_related("recipient")


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "sender", "document_id", "subject", "status_code")
    list_filter = ("kind", "created_at")
    search_fields = ("document_id", "=sender__code", "code_notation")
    list_select_related = ("sender",)
    ordering = ("-created_at",)
    fields = (
        "id",
        "kind",
        "sender",
        "system",
        "document_id",
        "business_type",
        "status_code",
        "subject",
        "code_number",
        "code_notation",
        "related",
        "payload_summary",
        "receipt_json",
        "created_at",
    )
    readonly_fields = fields
    inlines = (DeliveryInline,)

    @admin.display(description="payload (SHA-256, bytes)")
    def payload_summary(self, obj: Message) -> str:
        return f"{obj.payload_id} ({obj.payload.size:,} bytes)"

    @admin.display(description="receipt")
    def receipt_json(self, obj: Message) -> str:
        text = json.dumps(obj.receipt, ensure_ascii=False, indent=2, sort_keys=True)
        return format_html("<pre>{}</pre>", text)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "message",
        "recipient",
        "state",
        "lease_count",
        "lease_until",
        "acknowledged_at",
    )
    list_filter = ("state",)
    search_fields = ("=recipient__code", "message__document_id")
    list_select_related = ("message", "message__sender", "recipient")
    ordering = ("-created_at",)
    fields = (
        "id",
        "message",
        "recipient",
        "state",
        "lease_count",
        "lease_until",
        "leased_by",
        "acknowledged_at",
        "reason",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Webhook calls owed to connected systems; the dead ones (given up after
    ``LIENTHONG_WEBHOOK_MAX_ATTEMPTS``) are for an operator to look into — the inbox still
    holds the messages they announced."""

    list_display = ("created_at", "system", "message", "state", "attempts", "next_attempt_at")
    list_filter = ("state",)
    search_fields = ("=system__name", "message__document_id")
    list_select_related = ("system", "message")
    ordering = ("-created_at",)
    fields = (
        "system",
        "message",
        "recipients",
        "state",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
    )
    readonly_fields = fields
