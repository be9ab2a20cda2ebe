"""Admin: read-only views of the archive records; every change goes through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from estatedesk.archives.models import (
    AccessGrant,
    ArchiveAccessLog,
    ArchiveDocument,
    ContactRequest,
    Key,
    KeyLoan,
    MoveIn,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ArchiveDocument)
class ArchiveDocumentAdmin(ReadOnlyAdmin):
    list_display = ["title", "unit", "kind", "source", "current_version", "updated_at"]
    list_filter = ["site", "source", "kind"]


@admin.register(AccessGrant)
class AccessGrantAdmin(ReadOnlyAdmin):
    list_display = ["pk", "unit", "requester", "state", "companion", "opened_at", "expires_at"]
    list_filter = ["site", "state"]


@admin.register(ArchiveAccessLog)
class ArchiveAccessLogAdmin(ReadOnlyAdmin):
    list_display = ["viewed_at", "viewer", "unit", "action", "document", "grant", "channel"]
    list_filter = ["site", "action"]
    date_hierarchy = "viewed_at"


@admin.register(ContactRequest)
class ContactRequestAdmin(ReadOnlyAdmin):
    list_display = ["pk", "unit", "requester", "state", "outcome", "called_at"]
    list_filter = ["site", "state"]


@admin.register(MoveIn)
class MoveInAdmin(ReadOnlyAdmin):
    list_display = ["unit", "resident", "relation", "state", "started_at", "completed_at"]
    list_filter = ["site", "state"]


@admin.register(Key)
class KeyAdmin(ReadOnlyAdmin):
    list_display = ["tag", "unit", "label", "copies", "state"]
    list_filter = ["site", "state"]


@admin.register(KeyLoan)
class KeyLoanAdmin(ReadOnlyAdmin):
    list_display = ["key", "borrower_name", "lent_at", "due_at", "returned_at"]
    list_filter = ["site"]
