from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from estatedesk.duty.models import (
    DutyAssignment,
    DutyChange,
    DutyLogAnchor,
    DutyLogEntry,
    Handover,
    LogSignoff,
    OnCallEntry,
    PostItem,
    Roster,
)


@admin.register(PostItem)
class PostItemAdmin(admin.ModelAdmin):
    """The per-site inventory of the duty post counted at every handover (DT-9)."""

    list_display = ["name", "site", "quantity", "location", "sort_order", "is_active"]
    list_editable = ["quantity", "sort_order", "is_active"]
    list_filter = ["site", "is_active"]
    search_fields = ["name"]


@admin.register(OnCallEntry)
class OnCallEntryAdmin(admin.ModelAdmin):
    list_display = ["site", "role", "priority", "user", "phone", "valid_from", "valid_until"]
    list_filter = ["site", "role"]
    autocomplete_fields = ["user"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by the duty services (with their audit events)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Roster)
class RosterAdmin(ReadOnlyAdmin):
    list_display = ["site", "kind", "month", "state", "published_at"]
    list_filter = ["site", "kind", "state"]


@admin.register(DutyAssignment)
class DutyAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["site", "kind", "day", "user", "planned_user", "starts_at", "ends_at"]
    list_filter = ["site", "kind"]
    date_hierarchy = "day"


@admin.register(DutyChange)
class DutyChangeAdmin(ReadOnlyAdmin):
    list_display = ["site", "kind", "assignment", "requested_by", "substitute", "state"]
    list_filter = ["site", "kind", "state"]


@admin.register(DutyLogEntry)
class DutyLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["site", "seq", "kind", "occurred_at", "author_name", "important", "follow_up"]
    list_filter = ["site", "kind", "important"]
    search_fields = ["text"]


@admin.register(DutyLogAnchor)
class DutyLogAnchorAdmin(ReadOnlyAdmin):
    list_display = ["site", "seq", "pruned_count", "pruned_at", "pruned_by"]


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ["site", "shift_start", "outgoing", "incoming", "state", "completed_at"]
    list_filter = ["site", "state"]


@admin.register(LogSignoff)
class LogSignoffAdmin(ReadOnlyAdmin):
    list_display = ["site", "day", "signed_by", "signed_at", "entry_count"]
    list_filter = ["site"]
