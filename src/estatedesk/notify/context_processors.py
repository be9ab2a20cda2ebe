"""The bell in the navbar: the inbox link and the unread count for signed-in staff."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from estatedesk.notify.selectors import unread_count
from estatedesk.org import roles


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path.startswith("/r/"):
        return {}
    if not roles.is_staff_member(user):
        return {}
    return {"notify_inbox_url": reverse("notify:inbox"), "notify_unread": unread_count(user)}
