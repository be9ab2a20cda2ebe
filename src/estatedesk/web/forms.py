from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from estatedesk.org.models import Site


class LoginForm(AuthenticationForm):
    username = forms.CharField(label=_("用户名"), widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(label=_("密码"), strip=False, widget=forms.PasswordInput)
    error_messages = {
        "invalid_login": _("用户名或密码不正确。连续输错 5 次将被暂时锁定。"),
        "inactive": _("该账号已停用。"),
    }


class UnitImportForm(forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.none(), label=_("管理处"))
    file = forms.FileField(
        label=_("Excel 文件 (.xlsx)"), help_text=_("请使用下载的模板，第一行为表头。")
    )

    def __init__(self, *args: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("只接受 .xlsx 文件。"))
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("文件不能超过 5 MB。"))
        head = upload.read(4)
        upload.seek(0)
        if head != b"PK\x03\x04":
            raise forms.ValidationError(_("文件内容不是有效的 .xlsx。"))
        return upload


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=80, help_text=_("例如：呼叫中心集成"))
