from django.contrib import admin
from django.http import HttpRequest

from estatedesk.triage.models import Suggestion, TriageModel


@admin.register(TriageModel)
class TriageModelAdmin(admin.ModelAdmin):
    list_display = ["version", "company", "trained_at", "n_samples", "n_company_samples"]
    list_filter = ["company"]
    readonly_fields = [f.name for f in TriageModel._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # models are trained with `estatedesk triage-train`, never typed in


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "site",
        "kind",
        "department",
        "severity",
        "emergency_category",
        "confirmed_kind",
        "confirmed_department",
        "model_version",
    ]
    list_filter = ["site", "kind", "department", "emergency_category"]
    search_fields = ["text"]
    readonly_fields = [f.name for f in Suggestion._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # suggestions come from the model; confirmations from staff pages/API
