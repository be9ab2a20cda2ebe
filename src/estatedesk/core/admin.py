from django.contrib import admin
from django.http import HttpRequest

from estatedesk.core.models import CalendarOverride, Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "site", "actor_label", "verb", "subject_type", "subject_id"]
    list_filter = ["verb", "site"]
    search_fields = ["verb", "actor_label", "subject_type"]
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "site", "is_working_day", "note"]
    list_filter = ["site", "is_working_day"]
    date_hierarchy = "date"
