"""Admin: the price list is maintained here (RQ-12); tickets and their records are read-only
because only the services may change them (audit trail and SLA clocks)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from estatedesk.tickets.models import (
    Attachment,
    Callback,
    CallLog,
    Note,
    PriceItem,
    Referral,
    ServiceSlip,
    Ticket,
)


@admin.register(PriceItem)
class PriceItemAdmin(admin.ModelAdmin):
    list_display = ["name", "site", "price", "unit_label", "is_active", "sort_order"]
    list_filter = ["site", "is_active"]
    list_editable = ["price", "is_active", "sort_order"]
    search_fields = ["name"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class NoteInline(admin.TabularInline):
    model = Note
    extra = 0
    can_delete = False
    fields = ["created_at", "author_label", "is_public", "is_solution", "body"]
    readonly_fields = ["created_at", "author_label", "is_public", "is_solution", "body"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    can_delete = False
    fields = ["uploaded_at", "original_name", "content_type", "size", "purpose"]
    readonly_fields = ["uploaded_at", "original_name", "content_type", "size", "purpose"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ["number", "site", "kind", "channel", "state", "received_at", "department"]
    list_filter = ["site", "kind", "state", "channel"]
    search_fields = ["number", "reporter_phone", "description"]
    list_select_related = ["site", "department"]
    date_hierarchy = "received_at"
    inlines = [NoteInline, AttachmentInline]


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "kind", "external_party", "committed_due_at", "reported_at"]
    list_filter = ["kind"]
    list_select_related = ["ticket", "external_party"]


@admin.register(ServiceSlip)
class ServiceSlipAdmin(ReadOnlyAdmin):
    list_display = ["number", "reported_at", "charge_amount", "confirmed_at"]
    search_fields = ["number"]


@admin.register(CallLog)
class CallLogAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "site", "kind", "caller_name", "log_class", "done_number"]
    list_filter = ["site", "kind", "log_class"]


@admin.register(Callback)
class CallbackAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "reason", "due_at", "done_at"]
    list_select_related = ["ticket"]
