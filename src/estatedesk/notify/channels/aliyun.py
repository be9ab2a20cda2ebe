"""SMS through Alibaba Cloud (阿里云短信, Dysmsapi 2017-05-25) with the official SDK."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from alibabacloud_dysmsapi20170525 import models as dysms_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.runtime import RuntimeOptions

from estatedesk.notify import conf
from estatedesk.notify.channels import DeliveryError
from estatedesk.notify.channels.sms import mainland_digits, require, split_endpoint, template

if TYPE_CHECKING:
    from estatedesk.notify.conf import NotifyConf
    from estatedesk.notify.models import Notification


def build_request(notification: Notification, settings: NotifyConf) -> dysms_models.SendSmsRequest:
    sign_name = require(settings.sms_sign_name, "NOTIFY_SMS_SIGN_NAME")
    code, params = template(notification, settings)
    return dysms_models.SendSmsRequest(
        phone_numbers=mainland_digits(notification.phone),
        sign_name=sign_name,
        template_code=code,
        template_param=json.dumps(params, ensure_ascii=False),
        out_id=str(notification.pk),
    )


def build_client(settings: NotifyConf) -> Client:
    protocol, endpoint = split_endpoint(settings.aliyun_endpoint)
    return Client(
        Config(
            access_key_id=require(settings.aliyun_access_key_id, "NOTIFY_ALIYUN_ACCESS_KEY_ID"),
            access_key_secret=require(
                settings.aliyun_access_key_secret, "NOTIFY_ALIYUN_ACCESS_KEY_SECRET"
            ),
            endpoint=endpoint,
            protocol=protocol,
            connect_timeout=settings.timeout_seconds * 1000,
            read_timeout=settings.timeout_seconds * 1000,
        )
    )


def send(notification: Notification) -> None:
    settings = conf.get()
    request = build_request(notification, settings)
    # One try per delivery attempt: the outbox owns retries and their backoff.
    runtime = RuntimeOptions(autoretry=False, max_attempts=0)
    try:
        response = build_client(settings).send_sms_with_options(request, runtime)
    except Exception as exc:
        raise DeliveryError(f"Aliyun SMS request failed: {exc}") from exc
    body = response.body
    if body is None or body.code != "OK":
        code = getattr(body, "code", None)
        message = getattr(body, "message", None)
        raise DeliveryError(f"Aliyun SMS refused: {code} {message}")
