from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from estatedesk.core.errors import DeskError
from estatedesk.notify.models import Notification, NotificationPreference
from estatedesk.notify.services import notification_retry


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox: failed and dead deliveries stay here with their error until retried."""

    list_display = [
        "created_at",
        "channel",
        "recipient_key",
        "topic",
        "title",
        "state",
        "attempts",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["state", "channel", "topic", "site"]
    search_fields = ["title", "recipient_key", "dedupe_key", "topic"]
    date_hierarchy = "created_at"
    list_select_related = ["site"]
    actions = ["retry_now"]
    readonly_fields = [
        "site",
        "channel",
        "user",
        "phone",
        "email",
        "recipient_key",
        "topic",
        "title",
        "body",
        "url",
        "dedupe_key",
        "state",
        "attempts",
        "next_attempt_at",
        "last_error",
        "sent_at",
        "read_at",
        "created_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False

    @admin.action(description=_("立即重试所选的失败通知"))
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        retried = 0
        for notification_id in queryset.values_list("pk", flat=True):
            try:
                notification_retry(notification_id=notification_id, actor=request.user)
                retried += 1
            except DeskError as exc:
                self.message_user(request, f"#{notification_id}: {exc.detail}", messages.WARNING)
        if retried:
            self.message_user(
                request, _("已安排 %(n)d 条通知立即重试。") % {"n": retried}, messages.SUCCESS
            )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "phone", "email", "sms_enabled", "email_enabled", "wecom_enabled"]
    list_filter = ["sms_enabled", "email_enabled", "wecom_enabled"]
    search_fields = ["user__username", "phone", "email"]
    raw_id_fields = ["user"]
