"""SMS: the provider named by NOTIFY_SMS_PROVIDER (``console`` by default, ``aliyun``,
``tencent``). Chinese SMS providers only send approved templates, so a message travels as the
template's two variables, ``title`` and ``content``, each cut to NOTIFY_SMS_PARAM_MAX. A message
carrying a link to act on (the EM-2 acknowledgement link) uses the link template
(NOTIFY_SMS_LINK_TEMPLATE_CODE) with a third variable ``link`` that is never cut."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from estatedesk.notify import conf
from estatedesk.notify.channels import DeliveryError, console

if TYPE_CHECKING:
    from estatedesk.notify.conf import NotifyConf
    from estatedesk.notify.models import Notification


def template(notification: Notification, settings: NotifyConf) -> tuple[str, dict[str, str]]:
    """The template code and its variables, in the template's order."""
    limit = settings.sms_param_max

    def cut(text: str) -> str:
        flat = " ".join(text.split())
        return flat if len(flat) <= limit else flat[: max(limit - 1, 0)] + "…"

    body = notification.body or ""
    link = notification.url if notification.url.startswith(("https://", "http://")) else ""
    if link and link in body and settings.sms_link_template_code:
        content = body.replace(link, " ").strip().rstrip("：:")
        params = {"title": cut(notification.title), "content": cut(content), "link": link}
        return settings.sms_link_template_code, params
    code = require(settings.sms_template_code, "NOTIFY_SMS_TEMPLATE_CODE")
    return code, {"title": cut(notification.title), "content": cut(body)}


def mainland_digits(phone: str) -> str:
    """``+86 138-0013-8000`` -> ``13800138000`` (providers want bare digits or E.164)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def split_endpoint(value: str) -> tuple[str, str]:
    """``host`` -> (``https``, ``host``); ``http://host:port`` -> (``http``, ``host:port``)."""
    if "://" not in value:
        return "https", value
    parts = urlsplit(value)
    return parts.scheme, parts.netloc


def require(value: str, name: str) -> str:
    if not value:
        raise DeliveryError(f"{name} is not configured")
    return value


def send(notification: Notification) -> None:
    if not notification.phone:
        raise DeliveryError("SMS notification without a phone number")
    provider = conf.get().sms_provider
    if provider == "console":
        console.send(notification)
    elif provider == "aliyun":
        from estatedesk.notify.channels import aliyun

        aliyun.send(notification)
    elif provider == "tencent":
        from estatedesk.notify.channels import tencent

        tencent.send(notification)
    else:
        raise DeliveryError(f"unknown NOTIFY_SMS_PROVIDER {provider!r}")
