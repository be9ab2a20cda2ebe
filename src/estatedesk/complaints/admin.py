from __future__ import annotations

from django.contrib import admin

from estatedesk.complaints.models import (
    Complaint,
    ComplaintSettings,
    CorrectiveAction,
    ExtensionRequest,
    MonthlyComplaintSummary,
    ReturnVisit,
    WeeklyComplaintReport,
)


@admin.register(ComplaintSettings)
class ComplaintSettingsAdmin(admin.ModelAdmin):
    """CP-3: per-site repeat window and count, similarity threshold, overdue months."""

    list_display = [
        "site",
        "repeat_count",
        "repeat_window_days",
        "similarity_threshold",
        "overdue_months",
    ]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Complaint records change only through the services (audit, clocks); kept long-term
    (RT-4), so the admin only reads them."""

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "site", "severity", "validity", "scope", "stage", "received_at"]
    list_filter = ["site", "severity", "validity", "scope", "stage"]
    search_fields = ["ticket__number", "ticket__reporter_name", "ticket__description"]
    date_hierarchy = "received_at"


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    list_display = ["complaint", "requested_at", "until", "approver_role", "state"]
    list_filter = ["state", "approver_role"]


@admin.register(ReturnVisit)
class ReturnVisitAdmin(ReadOnlyAdmin):
    list_display = ["complaint", "due_at", "done_at", "satisfaction"]


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(ReadOnlyAdmin):
    list_display = ["complaint", "reason", "owner", "due_date", "state"]
    list_filter = ["state", "reason"]


@admin.register(WeeklyComplaintReport)
class WeeklyComplaintReportAdmin(ReadOnlyAdmin):
    list_display = ["site", "saturday", "generated_at", "delivered_at"]


@admin.register(MonthlyComplaintSummary)
class MonthlyComplaintSummaryAdmin(ReadOnlyAdmin):
    list_display = ["site", "month", "state", "signed_at"]
