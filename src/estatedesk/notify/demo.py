"""Demo notifications: a welcome in every demo staff member's inbox (idempotent by dedupe key)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from estatedesk.notify.services import notification_send
from estatedesk.org.models import Membership


def seed(*, site: Any) -> list[str]:
    users = {
        m.user for m in Membership.objects.filter(site=site, is_active=True).select_related("user")
    }
    queued = 0
    for user in sorted(users, key=lambda u: u.pk):
        queued += len(
            notification_send(
                site=site,
                topic="welcome",
                title="欢迎使用 estatedesk 通知中心",
                body="工单分派给您、时限将到或已超时，都会在这里提醒您。"
                "可在“通知设置”中开启短信、邮件或企业微信提醒。",
                url=reverse("notify:preferences"),
                user=user,
                channels=["inapp"],
                dedupe_key="demo:welcome",
            )
        )
    return [f"欢迎通知 {queued} 条"] if queued else []
