from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from estatedesk.dispatch.models import FollowUp, ReviewItem, WeeklyReview


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["ticket", "which", "arranged", "manager_notified", "recorded_by", "recorded_at"]
    list_filter = ["which", "arranged", "site"]
    search_fields = ["ticket__number", "note"]
    readonly_fields = [f.name for f in FollowUp._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class ReviewItemInline(admin.TabularInline):
    model = ReviewItem
    extra = 0
    fields = (
        "ticket",
        "state_at_review",
        "verdict",
        "note",
        "new_approach",
        "confirmed_by",
        "confirmed_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WeeklyReview)
class WeeklyReviewAdmin(admin.ModelAdmin):
    list_display = ["site", "week_start", "status", "completed_at"]
    list_filter = ["site", "status"]
    inlines = [ReviewItemInline]
    readonly_fields = [
        "site",
        "week_start",
        "status",
        "opened_by",
        "opened_at",
        "completed_by",
        "completed_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
