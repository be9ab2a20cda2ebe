"""E-mail over SMTP with Django's mail (EMAIL_HOST, EMAIL_PORT, ... from settings).

The SMTP backend is named explicitly so the test runner's in-memory backend does not hide a
real delivery; ``NOTIFY_EMAIL_TRANSPORT=console`` logs instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from estatedesk.notify import conf
from estatedesk.notify.channels import DeliveryError, console, plain_text

if TYPE_CHECKING:
    from estatedesk.notify.models import Notification

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def build_message(notification: Notification) -> EmailMessage:
    if not notification.email:
        raise DeliveryError("e-mail notification without an address")
    subject = " ".join(notification.title.split())  # no header injection through newlines
    return EmailMessage(
        subject=subject,
        body=plain_text(notification),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.email],
    )


def send(notification: Notification) -> None:
    settings_now = conf.get()
    message = build_message(notification)
    if settings_now.email_transport == "console":
        console.send(notification)
        return
    connection = get_connection(SMTP_BACKEND, timeout=settings_now.timeout_seconds)
    message.connection = connection
    if message.send(fail_silently=False) != 1:
        raise DeliveryError("the SMTP server did not accept the message")
