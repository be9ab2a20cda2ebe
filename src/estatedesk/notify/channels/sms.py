"""SMS: the provider named by NOTIFY_SMS_PROVIDER (``console`` by default, ``aliyun``,
``tencent``). Chinese SMS providers only send approved templates, so a message travels as the
template's two variables, ``title`` and ``content``, each cut to NOTIFY_SMS_PARAM_MAX."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from estatedesk.notify import conf
from estatedesk.notify.channels import DeliveryError, console

if TYPE_CHECKING:
    from estatedesk.notify.models import Notification


def template_params(notification: Notification, limit: int) -> dict[str, str]:
    def cut(text: str) -> str:
        flat = " ".join(text.split())
        return flat if len(flat) <= limit else flat[: max(limit - 1, 0)] + "…"

    return {"title": cut(notification.title), "content": cut(notification.body or "")}


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
