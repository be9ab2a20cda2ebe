"""Notifications API: my inbox (paginated), unread count, mark read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from estatedesk.core.errors import PermissionDenied
from estatedesk.core.paging import BoundedPageNumber
from estatedesk.notify import selectors, services
from estatedesk.org import roles

router = Router(tags=["notify"])


class NotificationOut(Schema):
    id: int
    site_id: int | None
    topic: str
    title: str
    body: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class UnreadOut(Schema):
    unread: int


class ReadAllOut(Schema):
    marked: int


def _staff(request: HttpRequest) -> Any:
    if not roles.is_staff_member(request.user):
        raise PermissionDenied()
    return request.user


@router.get(
    "/",
    response=list[NotificationOut],
    summary="My in-app notifications, unread first, newest first",
)
@paginate(BoundedPageNumber, page_size=selectors.INBOX_PAGE_SIZE)
def list_notifications(request: HttpRequest, unread: bool = False) -> Any:
    return selectors.inbox_queryset(_staff(request), unread_only=unread)


@router.get("/unread-count", response=UnreadOut, summary="How many of my notifications are unread")
def unread_count(request: HttpRequest) -> UnreadOut:
    return UnreadOut(unread=selectors.unread_count(_staff(request)))


@router.post("/read-all", response=ReadAllOut, summary="Mark all my notifications read")
def read_all(request: HttpRequest) -> ReadAllOut:
    return ReadAllOut(marked=services.notification_mark_all_read(user=_staff(request)))


@router.post(
    "/{notification_id}/read", response=NotificationOut, summary="Mark one notification read"
)
def read_one(request: HttpRequest, notification_id: int) -> Any:
    return services.notification_mark_read(notification_id=notification_id, user=_staff(request))
