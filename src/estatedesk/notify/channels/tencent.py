"""SMS through Tencent Cloud (腾讯云短信, API 2021-01-11) with the official SDK."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models as sms_models
from tencentcloud.sms.v20210111.sms_client import SmsClient

from estatedesk.notify import conf
from estatedesk.notify.channels import DeliveryError
from estatedesk.notify.channels.sms import mainland_digits, require, split_endpoint, template

if TYPE_CHECKING:
    from estatedesk.notify.conf import NotifyConf
    from estatedesk.notify.models import Notification


def e164(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    if phone.strip().startswith("+"):
        return "+" + digits
    return "+86" + mainland_digits(phone)


def build_request(notification: Notification, settings: NotifyConf) -> sms_models.SendSmsRequest:
    request = sms_models.SendSmsRequest()
    request.SmsSdkAppId = require(settings.tencent_sms_app_id, "NOTIFY_TENCENT_SMS_APP_ID")
    request.SignName = require(settings.sms_sign_name, "NOTIFY_SMS_SIGN_NAME")
    code, params = template(notification, settings)
    request.TemplateId = code
    request.TemplateParamSet = list(params.values())
    request.PhoneNumberSet = [e164(notification.phone)]
    request.SessionContext = str(notification.pk)
    return request


def build_client(settings: NotifyConf) -> SmsClient:
    scheme, endpoint = split_endpoint(settings.tencent_endpoint)
    http = HttpProfile(protocol=scheme, endpoint=endpoint, reqTimeout=settings.timeout_seconds)
    return SmsClient(
        credential.Credential(
            require(settings.tencent_secret_id, "NOTIFY_TENCENT_SECRET_ID"),
            require(settings.tencent_secret_key, "NOTIFY_TENCENT_SECRET_KEY"),
        ),
        settings.tencent_region,
        ClientProfile(httpProfile=http),
    )


def send(notification: Notification) -> None:
    settings = conf.get()
    request = build_request(notification, settings)
    try:
        response = build_client(settings).SendSms(request)
    except Exception as exc:
        raise DeliveryError(f"Tencent SMS request failed: {exc}") from exc
    statuses = response.SendStatusSet or []
    if not statuses or statuses[0].Code != "Ok":
        code = statuses[0].Code if statuses else None
        message = statuses[0].Message if statuses else None
        raise DeliveryError(f"Tencent SMS refused: {code} {message}")
