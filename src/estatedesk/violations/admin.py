from django.contrib import admin
from django.http import HttpRequest

from estatedesk.violations.models import (
    CaseTask,
    FinanceExport,
    Measure,
    ViolationCase,
    ViolationDocument,
    ViolationSettings,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Cases change only through the services (audit trail, ladder, authority)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ViolationCase)
class ViolationCaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "site", "unit", "kind", "grade", "state", "retain_until"]
    list_filter = ["site", "state", "grade", "kind", "retention_class"]
    search_fields = ["number", "location"]
    date_hierarchy = "registered_at"


@admin.register(Measure)
class MeasureAdmin(ReadOnlyAdmin):
    list_display = ["case", "seq", "kind", "amount", "signed_by", "signed_at"]
    list_filter = ["site", "kind"]


@admin.register(ViolationDocument)
class ViolationDocumentAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "site", "issued_at"]
    list_filter = ["site", "kind"]
    search_fields = ["number"]


@admin.register(CaseTask)
class CaseTaskAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "due_at", "done_at"]
    list_filter = ["site", "kind"]


@admin.register(FinanceExport)
class FinanceExportAdmin(ReadOnlyAdmin):
    list_display = ["site", "month", "sequence", "rows", "total", "created_at"]
    list_filter = ["site"]


@admin.register(ViolationSettings)
class ViolationSettingsAdmin(ReadOnlyAdmin):
    """Changed on the site manager's settings page (audited); listed here for reference."""

    list_display = ["site", "covenant_allows_cutoff", "penalty_roles", "cutoff_notice_days"]
