"""WeCom (企业微信) group robot: POST a text message to NOTIFY_WECOM_WEBHOOK, @-mentioning the
recipient's mobile number when known."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

from estatedesk.notify import conf
from estatedesk.notify.channels import DeliveryError, plain_text

if TYPE_CHECKING:
    from estatedesk.notify.models import Notification

MAX_CONTENT = 2048  # the robot API's limit for a text message, in bytes


def build_payload(notification: Notification) -> dict[str, Any]:
    content = plain_text(notification).encode()[:MAX_CONTENT].decode(errors="ignore")
    text: dict[str, Any] = {"content": content}
    if notification.phone:
        text["mentioned_mobile_list"] = [notification.phone]
    return {"msgtype": "text", "text": text}


def send(notification: Notification) -> None:
    settings_now = conf.get()
    webhook = settings_now.wecom_webhook
    if not webhook.startswith(("https://", "http://")):
        raise DeliveryError("NOTIFY_WECOM_WEBHOOK is not configured")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        webhook,
        data=json.dumps(build_payload(notification), ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(  # noqa: S310 - scheme checked above
            request, timeout=settings_now.timeout_seconds
        ) as response:
            answer = json.loads(response.read() or b"{}")
    except (urllib.error.URLError, TimeoutError, ValueError) as exc:
        raise DeliveryError(f"WeCom webhook unreachable: {exc}") from exc
    if answer.get("errcode") != 0:
        raise DeliveryError(f"WeCom refused: {answer.get('errcode')} {answer.get('errmsg')}")
