"""In-app: the outbox row is the inbox entry, so delivering it is only marking it sent."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from estatedesk.notify.models import Notification


def send(notification: Notification) -> None:
    if notification.user_id is None:
        from estatedesk.notify.channels import DeliveryError

        raise DeliveryError("in-app notification without a user")
