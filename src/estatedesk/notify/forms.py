from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from estatedesk.org.models import phone_validator


class PreferenceForm(forms.Form):
    phone = forms.CharField(
        label=_("手机"), max_length=20, required=False, validators=[phone_validator]
    )
    email = forms.EmailField(label=_("邮箱"), required=False, help_text=_("留空则使用账号邮箱。"))
    sms_enabled = forms.BooleanField(label=_("短信通知"), required=False)
    email_enabled = forms.BooleanField(label=_("邮件通知"), required=False)
    wecom_enabled = forms.BooleanField(
        label=_("企业微信群通知"),
        required=False,
        help_text=_("在企业微信群机器人消息中@我的手机号。"),
    )

    def __init__(self, *args: Any, account_email: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account_email = account_email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("sms_enabled") and not data.get("phone"):
            self.add_error("phone", _("开启短信通知需要填写手机号。"))
        if data.get("wecom_enabled") and not data.get("phone"):
            self.add_error("phone", _("企业微信群@提醒需要填写手机号。"))
        if data.get("email_enabled") and not (data.get("email") or self.account_email):
            self.add_error("email", _("开启邮件通知需要填写邮箱。"))
        return data
