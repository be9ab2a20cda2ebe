from django.contrib import admin

from estatedesk.reports.models import RegisterArchive, RetentionRun, Survey, TrainingSession


@admin.register(TrainingSession)
class TrainingSessionAdmin(admin.ModelAdmin):
    list_display = ["held_on", "site", "procedure", "topic", "trainer"]
    list_filter = ["site", "procedure"]
    readonly_fields = ["created_by", "created_at"]


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["year", "site", "title", "state", "closes_on", "invited"]
    list_filter = ["site", "state"]
    readonly_fields = ["state", "version", "opened_at", "closed_at", "invited", "created_by"]


@admin.register(RegisterArchive)
class RegisterArchiveAdmin(admin.ModelAdmin):
    """Read-only: an archive is made by the job and removed only by the retention job."""

    list_display = ["year", "site", "ticket_count", "created_at", "xlsx_sha256"]
    list_filter = ["site"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(RetentionRun)
class RetentionRunAdmin(admin.ModelAdmin):
    list_display = ["ran_at", "site", "record_class", "removed", "kept_on_hold", "actor_label"]
    list_filter = ["record_class", "site"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
