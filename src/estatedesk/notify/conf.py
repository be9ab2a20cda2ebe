"""Notification settings, read from the environment on every use (no settings.py edit needed,
and a changed variable takes effect without a restart of the delivery job).

| variable | default | meaning |
|---|---|---|
| NOTIFY_EMAIL_TRANSPORT | ``smtp`` if EMAIL_HOST is set, else ``console`` | ``smtp`` or ``console`` |
| NOTIFY_SMS_PROVIDER | ``console`` | ``console``, ``aliyun`` or ``tencent`` |
| NOTIFY_SMS_SIGN_NAME | empty | SMS signature (签名) registered with the provider |
| NOTIFY_SMS_TEMPLATE_CODE | empty | template code (aliyun ``SMS_...``) or template id (tencent) |
| NOTIFY_SMS_PARAM_MAX | 35 | longest template parameter value sent (providers cap variables) |
| NOTIFY_ALIYUN_ACCESS_KEY_ID / _SECRET | empty | Alibaba Cloud AccessKey |
| NOTIFY_ALIYUN_ENDPOINT | dysmsapi.aliyuncs.com | API endpoint |
| NOTIFY_TENCENT_SECRET_ID / _KEY | empty | Tencent Cloud API key |
| NOTIFY_TENCENT_SMS_APP_ID | empty | SmsSdkAppId |
| NOTIFY_TENCENT_REGION | ap-guangzhou | region |
| NOTIFY_TENCENT_ENDPOINT | sms.tencentcloudapi.com | API endpoint |
| NOTIFY_WECOM_WEBHOOK | empty | WeCom group robot webhook URL; empty = channel off |
| NOTIFY_TIMEOUT_SECONDS | 10 | network timeout of one delivery |
| NOTIFY_MAX_ATTEMPTS | 8 | tries before a row is ``dead`` |
| NOTIFY_RETRY_BASE_SECONDS | 60 | first retry delay, doubled per failure |
| NOTIFY_RETRY_CAP_SECONDS | 3600 | longest retry delay |
"""

from __future__ import annotations

import os
from dataclasses import dataclass

SMS_PROVIDERS = ("console", "aliyun", "tencent")
EMAIL_TRANSPORTS = ("smtp", "console")


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


@dataclass(frozen=True)
class NotifyConf:
    email_transport: str
    sms_provider: str
    sms_sign_name: str
    sms_template_code: str
    sms_link_template_code: str
    sms_param_max: int
    aliyun_access_key_id: str
    aliyun_access_key_secret: str
    aliyun_endpoint: str
    tencent_secret_id: str
    tencent_secret_key: str
    tencent_sms_app_id: str
    tencent_region: str
    tencent_endpoint: str
    wecom_webhook: str
    timeout_seconds: int
    max_attempts: int
    retry_base_seconds: int
    retry_cap_seconds: int


def get() -> NotifyConf:
    env = os.environ.get
    email_default = "smtp" if env("EMAIL_HOST", "") else "console"
    return NotifyConf(
        email_transport=env("NOTIFY_EMAIL_TRANSPORT", "") or email_default,
        sms_provider=env("NOTIFY_SMS_PROVIDER", "") or "console",
        sms_sign_name=env("NOTIFY_SMS_SIGN_NAME", ""),
        sms_template_code=env("NOTIFY_SMS_TEMPLATE_CODE", ""),
        sms_link_template_code=env("NOTIFY_SMS_LINK_TEMPLATE_CODE", ""),
        sms_param_max=_int("NOTIFY_SMS_PARAM_MAX", 35),
        aliyun_access_key_id=env("NOTIFY_ALIYUN_ACCESS_KEY_ID", ""),
        aliyun_access_key_secret=env("NOTIFY_ALIYUN_ACCESS_KEY_SECRET", ""),
        aliyun_endpoint=env("NOTIFY_ALIYUN_ENDPOINT", "") or "dysmsapi.aliyuncs.com",
        tencent_secret_id=env("NOTIFY_TENCENT_SECRET_ID", ""),
        tencent_secret_key=env("NOTIFY_TENCENT_SECRET_KEY", ""),
        tencent_sms_app_id=env("NOTIFY_TENCENT_SMS_APP_ID", ""),
        tencent_region=env("NOTIFY_TENCENT_REGION", "") or "ap-guangzhou",
        tencent_endpoint=env("NOTIFY_TENCENT_ENDPOINT", "") or "sms.tencentcloudapi.com",
        wecom_webhook=env("NOTIFY_WECOM_WEBHOOK", ""),
        timeout_seconds=_int("NOTIFY_TIMEOUT_SECONDS", 10),
        max_attempts=_int("NOTIFY_MAX_ATTEMPTS", 8),
        retry_base_seconds=_int("NOTIFY_RETRY_BASE_SECONDS", 60),
        retry_cap_seconds=_int("NOTIFY_RETRY_CAP_SECONDS", 3600),
    )
