"""Forms of the archives pages. They only shape input; rules live in services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from estatedesk.archives.enums import (
    ContactOutcome,
    DocumentKind,
    IdType,
    MoveInItemKind,
    SignatureMethod,
)
from estatedesk.archives.services import (
    GRANT_DEFAULT_MINUTES,
    GRANT_MAX_MINUTES,
    GRANT_MIN_MINUTES,
)
from estatedesk.core import clock
from estatedesk.org.models import Resident, Site, Unit


def name_required_fields(fields: dict[str, forms.Field]) -> None:
    """Django's "这个字段是必填项。" does not say what to do: name the field and the action."""
    default = forms.Field.default_error_messages["required"]
    for name, field in fields.items():
        if not field.required or field.error_messages.get("required") != default:
            continue
        widget = field.widget
        pick = isinstance(widget, forms.Select | forms.RadioSelect | forms.FileInput)
        template = _("请选择“%(label)s”。") if pick else _("请填写“%(label)s”。")
        field.error_messages["required"] = template % {"label": field.label or name}


class StyledForm(forms.Form):
    """Bootstrap classes on every visible widget, so templates render fields uniformly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):
                widget.attrs.setdefault("class", "form-check-input")
                continue
            if isinstance(widget, forms.CheckboxInput | forms.HiddenInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)
        name_required_fields(self.fields)


class VersionedForm(StyledForm):
    """Carries the version the user saw, for the service's compare-and-set."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class UploadForm(StyledForm):
    kind = forms.ChoiceField(
        label=_("文件类别"), choices=[("", "---------"), *DocumentKind.choices]
    )
    title = forms.CharField(
        label=_("标题"), max_length=120, required=False, help_text=_("留空则使用文件类别名称。")
    )
    file = forms.FileField(
        label=_("文件"),
        help_text=_("PDF、JPEG、PNG 或 WebP，按文件内容识别类型。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.webp"}),
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class ReplaceForm(VersionedForm):
    file = forms.FileField(
        label=_("新文件"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.webp"}),
    )
    note = forms.CharField(label=_("替换原因"), max_length=200)


class GrantRequestForm(StyledForm):
    purpose = forms.CharField(
        label=_("查阅目的"),
        max_length=300,
        min_length=4,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例如：核对装修图纸中的排水管走向（工单 BS2611230001）。"),
    )


class GrantOpenForm(StyledForm):
    companion = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), label=_("陪同客服人员")
    )
    minutes = forms.IntegerField(
        label=_("查阅时长(分钟)"),
        initial=GRANT_DEFAULT_MINUTES,
        min_value=GRANT_MIN_MINUTES,
        max_value=GRANT_MAX_MINUTES,
    )

    def __init__(self, *args: Any, companions: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["companion"]
        field.queryset = companions  # type: ignore[attr-defined]
        field.label_from_instance = lambda u: u.get_full_name() or u.get_username()  # type: ignore[attr-defined]


class RefuseForm(StyledForm):
    reason = forms.CharField(label=_("拒绝理由"), max_length=200)


class UnitPickForm(StyledForm):
    """A unit typed as ``楼栋-房号`` (e.g. ``3栋-1201``) at one of the user's sites."""

    site = forms.ModelChoiceField(queryset=Site.objects.none(), label=_("管理处"), empty_label=None)
    unit_label = forms.CharField(
        label=_("房屋"), max_length=60, help_text=_("格式：楼栋-房号，例如 3栋-1201")
    )

    def __init__(self, *args: Any, sites: QuerySet[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        site = data.get("site")
        label = (data.get("unit_label") or "").strip()
        if site is None or not label:
            return data
        building, _sep, number = label.replace(" ", "-").rpartition("-")
        unit = (
            Unit.objects.select_related("building")
            .filter(site=site, building__name=building.strip(), number=number.strip())
            .first()
        )
        if unit is None:
            self.add_error("unit_label", _("找不到该房屋，请按“楼栋-房号”填写，例如 3栋-1201。"))
        data["unit"] = unit
        return data


class ContactRequestForm(UnitPickForm):
    reason = forms.CharField(
        label=_("联系事由"),
        max_length=300,
        min_length=4,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("前台会代为致电并记录结果；您不会看到住户电话。"),
    )


class ContactLogForm(VersionedForm):
    outcome = forms.ChoiceField(label=_("联系结果"), choices=ContactOutcome.choices)
    note = forms.CharField(
        label=_("结果说明"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MoveInStartForm(StyledForm):
    resident = forms.ModelChoiceField(queryset=Resident.objects.none(), label=_("住户"))
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices)
    id_number = forms.CharField(
        label=_("证件号码"),
        max_length=30,
        required=False,
        help_text=_("仅保存遮蔽后的号码（前 4 位和后 4 位）。"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, residents: QuerySet[Resident], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = residents  # type: ignore[attr-defined]


class MoveInUpdateForm(VersionedForm):
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices)
    id_number = forms.CharField(
        label=_("证件号码"),
        max_length=30,
        required=False,
        help_text=_("留空则保留已登记的号码；只保存遮蔽后的号码。"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    lease_checked = forms.BooleanField(label=_("已核验租赁合同（租户）"), required=False)
    registration_done = forms.BooleanField(label=_("已填写住户登记表"), required=False)


class MoveInItemForm(StyledForm):
    kind = forms.ChoiceField(label=_("类别"), choices=MoveInItemKind.choices)
    description = forms.CharField(label=_("物品/事项"), max_length=100)
    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=99, initial=1)
    identifier = forms.CharField(label=_("编号"), max_length=50, required=False)


class SignatureForm(StyledForm):
    method = forms.ChoiceField(
        label=_("签收方式"),
        choices=SignatureMethod.choices,
        widget=forms.RadioSelect,
        initial=SignatureMethod.DRAWN,
    )
    typed_text = forms.CharField(label=_("住户输入本人姓名确认"), max_length=100, required=False)
    drawn = forms.CharField(widget=forms.HiddenInput, required=False, max_length=500_000)


class KeyForm(UnitPickForm):
    tag = forms.CharField(label=_("钥匙编号"), max_length=30, help_text=_("例如 K-3-1201-1"))
    label = forms.CharField(label=_("名称"), max_length=60, initial=_("入户门钥匙"))
    copies = forms.IntegerField(label=_("把数"), min_value=1, max_value=20, initial=1)


class LendForm(VersionedForm):
    borrower_user = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        label=_("借用员工"),
        required=False,
        help_text=_("本管理处员工借用时选择；外部人员留空并填写姓名。"),
    )
    borrower_name = forms.CharField(label=_("借用人姓名"), max_length=50, required=False)
    borrower_org = forms.CharField(label=_("借用单位/部门"), max_length=80, required=False)
    purpose = forms.CharField(label=_("借用事由"), max_length=200)
    due_at = forms.DateTimeField(
        label=_("应还时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args: Any, staff: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["borrower_user"]
        field.queryset = staff  # type: ignore[attr-defined]
        field.label_from_instance = lambda u: u.get_full_name() or u.get_username()  # type: ignore[attr-defined]
        if not self.is_bound:
            local = clock.localtime() + dt.timedelta(hours=2)
            self.initial.setdefault("due_at", local.replace(second=0, microsecond=0))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("borrower_user") and not (data.get("borrower_name") or "").strip():
            self.add_error("borrower_name", _("请选择借用员工或填写借用人姓名。"))
        return data


class ReturnForm(VersionedForm):
    note = forms.CharField(label=_("归还说明"), max_length=200, required=False)


class HandOverForm(VersionedForm, SignatureForm):
    resident = forms.ModelChoiceField(queryset=Resident.objects.none(), label=_("业主"))
    formalities_ref = forms.CharField(
        label=_("已办妥的装修手续"),
        max_length=120,
        help_text=_("例如：装修申请表编号、押金收据号。"),
    )

    def __init__(self, *args: Any, owners: QuerySet[Resident], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = owners  # type: ignore[attr-defined]
        self.order_fields(["resident", "formalities_ref", "method", "typed_text"])


class RecordRangeForm(StyledForm):
    site = forms.ModelChoiceField(queryset=Site.objects.none(), label=_("管理处"), empty_label=None)
    start = forms.DateField(
        label=_("从"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=_("到"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, sites: QuerySet[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("结束日期不能早于开始日期。"))
        if start and end and (end - start).days > 366:
            self.add_error("end", _("一次最多打印一年的记录。"))
        return data
