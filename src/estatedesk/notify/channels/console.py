"""Console: write the message to the log (the default for SMS and e-mail in development)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from estatedesk.notify.channels import plain_text

if TYPE_CHECKING:
    from estatedesk.notify.models import Notification

log = logging.getLogger("estatedesk.notify.console")


def send(notification: Notification) -> None:
    log.info(
        "notification #%s [%s] to %s:\n%s",
        notification.pk,
        notification.channel,
        notification.recipient_key,
        plain_text(notification),
    )
