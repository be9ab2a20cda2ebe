"""One adapter module per channel, each with ``send(notification) -> None`` raising on failure.

``jobs.deliver`` looks the adapter up here; an adapter never touches the database (the job
records the outcome), so it can be called outside any transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from estatedesk.notify.models import Notification

Sender = Callable[["Notification"], None]


class DeliveryError(Exception):
    """The channel refused or could not take the message; the job retries it later."""


def adapter_for(channel: str) -> Sender:
    from estatedesk.notify.channels import console, email, inapp, sms, wecom

    senders: dict[str, Sender] = {
        "inapp": inapp.send,
        "console": console.send,
        "email": email.send,
        "sms": sms.send,
        "wecom": wecom.send,
    }
    try:
        return senders[channel]
    except KeyError:
        raise DeliveryError(f"unknown channel {channel!r}") from None


def absolute_url(url: str) -> str:
    """Links in outside messages must be absolute; in-app links stay relative."""
    from django.conf import settings

    if not url or "://" in url:
        return url
    return settings.SITE_URL.rstrip("/") + "/" + url.lstrip("/")


def plain_text(notification: Notification) -> str:
    """Title, body and link as one text (console, e-mail, WeCom)."""
    parts = [notification.title]
    if notification.body:
        parts.append(notification.body)
    if notification.url:
        parts.append(absolute_url(notification.url))
    return "\n".join(parts)
