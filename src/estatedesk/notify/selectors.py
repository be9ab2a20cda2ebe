"""Reads of notifications: the inbox, the unread badge, one's own notification, preferences."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from estatedesk.core.errors import NotFound
from estatedesk.notify.enums import Channel
from estatedesk.notify.models import Notification, NotificationPreference

INBOX_PAGE_SIZE = 20


def _own_inapp(user: Any) -> QuerySet[Notification]:
    if user is None or not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(user=user, channel=Channel.INAPP)


def unread_count(user: Any) -> int:
    """The bell badge: one COUNT over the ``notify_inbox`` index."""
    return _own_inapp(user).filter(read_at__isnull=True).count()


def inbox_queryset(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's in-app notifications, unread first, then newest first."""
    rows = _own_inapp(user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    return rows.select_related("site").order_by(unread.desc(), "-created_at", "-id")


def inbox_for_user(
    user: Any,
    *,
    page: int | str | None = 1,
    per_page: int = INBOX_PAGE_SIZE,
    unread_only: bool = False,
) -> Page:
    """One page of the inbox (a bad or too-high page number gives the last valid page)."""
    paginator = Paginator(inbox_queryset(user, unread_only=unread_only), per_page)
    return paginator.get_page(page)


def get_notification_for_user(user: Any, notification_id: int) -> Notification:
    """The user's own in-app notification; anyone else's is NotFound (ids cannot be probed)."""
    try:
        return _own_inapp(user).select_related("site").get(pk=notification_id)
    except Notification.DoesNotExist:
        raise NotFound() from None


def preference_for(user: Any) -> NotificationPreference | None:
    if user is None or user.pk is None:
        return None
    return NotificationPreference.objects.filter(user=user).first()
