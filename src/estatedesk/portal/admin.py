from django.contrib import admin

from estatedesk.portal.models import Suggestion


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "site", "resident", "body", "replied_at"]
    list_filter = ["site"]
    readonly_fields = ["site", "resident", "body", "created_at", "replied_by", "replied_at"]
