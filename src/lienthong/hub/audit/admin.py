"""The operator console's view of the audit log: read-only, nothing can be added or removed.

Whether the log is intact is checked by ``lienthong hub audit verify``, which recomputes the hash
chain; this page only lets an operator read it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from .models import AuditEntry

# Generic for the type checker only (not subscriptable at run time without django-stubs-ext).
if TYPE_CHECKING:
    _Admin = admin.ModelAdmin[AuditEntry]
else:
    _Admin = admin.ModelAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(_Admin):
    list_display = ("seq", "at", "actor", "action", "subject")
    search_fields = ("=subject", "=action", "actor")
    ordering = ("-seq",)
    show_full_result_count = False
    fields = ("seq", "at", "actor", "action", "subject", "data_json", "previous_hash", "hash")
    readonly_fields = fields

    @admin.display(description="data")
    def data_json(self, obj: AuditEntry) -> str:
        text = json.dumps(obj.data, ensure_ascii=False, indent=2, sort_keys=True)
        return format_html("<pre>{}</pre>", text)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
