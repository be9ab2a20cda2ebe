"""Page forms. They only shape input; every rule is checked by the services they feed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from estatedesk.org.enums import Role
from estatedesk.org.models import Resident, Site, Unit
from estatedesk.violations import files
from estatedesk.violations.enums import (
    GRADE_RULE,
    SUBKINDS_BY_KIND,
    CaseState,
    DocumentKind,
    Grade,
    MeasureKind,
    ReinspectResult,
    ViolationKind,
    ViolationSubKind,
)
from estatedesk.violations.models import ViolationDocument
from estatedesk.violations.selectors import residents_of_unit, units_for_sites

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".jpg,.jpeg,.png,.webp,.pdf"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


def _subkind_choices() -> list[tuple[Any, Any]]:
    groups: list[tuple[Any, Any]] = [("", "---------")]
    for kind in ViolationKind:
        groups.append(
            (kind.label, [(sub, ViolationSubKind(sub).label) for sub in SUBKINDS_BY_KIND[kind]])
        )
    return groups


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


class BootstrapMixin:
    """Adds Bootstrap classes to every widget."""

    def style(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
        name_required_fields(self.fields)  # type: ignore[attr-defined]


class CaseIntakeForm(BootstrapMixin, forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("房屋"))
    resident = forms.ModelChoiceField(
        queryset=Resident.objects.none(),
        label=_("住户"),
        required=False,
        help_text=_("选择房屋后列出该房屋的住户；不确定时可不选。"),
    )
    kind = forms.ChoiceField(
        choices=[("", "---------"), *ViolationKind.choices], label=_("违章类别")
    )
    sub_kind = forms.ChoiceField(choices=_subkind_choices, label=_("违章情形"))
    location = forms.CharField(label=_("地点"), max_length=200)
    occurred_at = forms.DateTimeField(label=_("发现时间"), widget=DATETIME_WIDGET)
    witness = forms.CharField(label=_("发现人"), max_length=100, help_text=_("姓名及岗位"))
    description = forms.CharField(label=_("违章情况"), widget=_textarea())
    onsite_persuasion = forms.CharField(
        label=_("现场劝阻情况"),
        required=False,
        widget=_textarea(2),
        help_text=_("发现人当场劝阻的经过和住户的态度（VI-7）。"),
    )
    grade = forms.ChoiceField(
        choices=Grade.choices,
        label=_("违章等级"),
        widget=forms.RadioSelect,
        help_text=GRADE_RULE,
        # No loss and no safety threat ticked yet: the rule (VI-3) gives "general".
        initial=Grade.GENERAL,
    )
    causes_loss = forms.BooleanField(label=_("已对住户或管理处造成损失"), required=False)
    endangers_safety = forms.BooleanField(label=_("危及公共安全"), required=False)
    evidence = MultipleFileField(
        label=_("现场照片"),
        required=False,
        help_text=_("JPEG、PNG、WebP 或 PDF，可多选。"),
    )

    def __init__(self, *args: Any, site_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site_ids = site_ids
        self.fields["unit"].queryset = units_for_sites(site_ids)  # type: ignore[attr-defined]
        self.fields["unit"].label_from_instance = _unit_label  # type: ignore[attr-defined]
        unit_id = self.data.get("unit") if self.is_bound else None
        self.fields["resident"].queryset = residents_of_unit(  # type: ignore[attr-defined]
            int(unit_id) if unit_id and str(unit_id).isdigit() else None, site_ids
        )
        self.fields["kind"].widget.attrs["data-kind-select"] = "1"
        self.fields["sub_kind"].widget.attrs["data-subkind-select"] = "1"
        self.fields["causes_loss"].widget.attrs["data-grade-fact"] = "1"
        self.fields["endangers_safety"].widget.attrs["data-grade-fact"] = "1"
        self.fields["unit"].widget.attrs.update(
            {
                "hx-get": reverse("violations:unit_residents"),
                "hx-trigger": "change",
                "hx-target": "#id_resident",
                "hx-swap": "innerHTML",
            }
        )
        self.style()

    def clean_evidence(self) -> list[Any]:
        """Refuse a wrong type or size before anything is saved (the service checks again)."""
        uploads = self.cleaned_data.get("evidence") or []
        for upload in uploads:
            if upload.size > settings.UPLOAD_MAX_BYTES:
                raise forms.ValidationError(_("“%(name)s”超过大小限制。") % {"name": upload.name})
            head = upload.read(16)
            upload.seek(0)
            if files.sniff(head) is None:
                raise forms.ValidationError(
                    _("“%(name)s”不是 JPEG、PNG、WebP 图片或 PDF 文件。") % {"name": upload.name}
                )
        return uploads


def _unit_label(unit: Unit) -> str:
    return f"{unit.site.code} {unit.label}"


class MeasureForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("措施"))
    details = forms.CharField(label=_("情况说明"), widget=_textarea())
    deadline = forms.DateTimeField(
        label=_("整改期限"),
        required=False,
        widget=DATETIME_WIDGET,
        help_text=_("限期整改时必填；到期自动生成复查任务。"),
    )
    out_of_order_reason = forms.CharField(
        label=_("越级原因"),
        required=False,
        widget=_textarea(2),
        help_text=_("未按处理顺序（先劝导）采取措施时必填。"),
    )

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, MeasureKind(k).label) for k in kinds]  # type: ignore[attr-defined]
        self.style()


class DecisionForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("处罚措施"))
    details = forms.CharField(label=_("决定内容"), widget=_textarea())
    amount = forms.DecimalField(
        label=_("金额(元)"),
        required=False,
        min_value=0.01,
        max_digits=10,
        decimal_places=2,
        help_text=_("赔偿损失、滞纳金必填，月底转财务收取。"),
    )
    committee_support = forms.CharField(
        label=_("业委会支持情况"),
        required=False,
        widget=_textarea(2),
        help_text=_("公开批评必填（VI-8）。"),
    )
    notice = forms.ModelChoiceField(
        queryset=ViolationDocument.objects.none(),
        label=_("停水停电书面通知"),
        required=False,
        help_text=_("停水停电必选：至少提前 3 天发出的书面通知（VI-6）。"),
    )
    out_of_order_reason = forms.CharField(label=_("越级原因"), required=False, widget=_textarea(2))

    def __init__(self, *args: Any, kinds: list[str], notices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, MeasureKind(k).label) for k in kinds]  # type: ignore[attr-defined]
        self.fields["notice"].queryset = notices  # type: ignore[attr-defined]
        self.style()


class DocumentForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("文书"))
    addressee = forms.CharField(
        label=_("致"), max_length=100, required=False, help_text=_("留空则为该房屋住户。")
    )
    content = forms.CharField(label=_("内容"), widget=_textarea(4))
    scheduled_for = forms.DateTimeField(
        label=_("计划停水停电时间"),
        required=False,
        widget=DATETIME_WIDGET,
        help_text=_("停水停电通知必填，须在至少 3 天之后（VI-6）。"),
    )

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, DocumentKind(k).label) for k in kinds]  # type: ignore[attr-defined]
        self.style()


class UpgradeForm(BootstrapMixin, forms.Form):
    causes_loss = forms.BooleanField(label=_("已对住户或管理处造成损失"), required=False)
    endangers_safety = forms.BooleanField(label=_("危及公共安全"), required=False)
    reason = forms.CharField(label=_("升级原因"), widget=_textarea(2), help_text=GRADE_RULE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()


class ResolveForm(BootstrapMixin, forms.Form):
    resolution = forms.CharField(label=_("处理结果"), widget=_textarea(3))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()


class EvidenceForm(BootstrapMixin, forms.Form):
    file = forms.FileField(
        label=_("照片或 PDF"),
        widget=forms.ClearableFileInput(attrs={"accept": ".jpg,.jpeg,.png,.webp,.pdf"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()


class VisitForm(BootstrapMixin, forms.Form):
    note = forms.CharField(
        label=_("上门告知情况"), max_length=200, help_text=_("停水停电前 5 分钟上门告知住户。")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()


class TaskForm(BootstrapMixin, forms.Form):
    result = forms.ChoiceField(
        label=_("复查结果"), choices=[("", "---------"), *ReinspectResult.choices], required=False
    )
    note = forms.CharField(label=_("情况"), required=False, widget=_textarea(2))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()
        # Rendered inline in each task row without a visible label.
        self.fields["note"].widget.attrs.update(
            {"placeholder": _("办理情况（可不填），例如：已复查，已整改"), "aria-label": _("情况")}
        )
        self.fields["result"].widget.attrs["aria-label"] = _("复查结果")


class CaseFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": _("编号、房号、住户或地点"), "aria-label": _("搜索")}
        ),
    )
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *CaseState.choices]
    )
    grade = forms.ChoiceField(
        label=_("等级"), required=False, choices=[("", _("全部等级")), *Grade.choices]
    )
    kind = forms.ChoiceField(
        label=_("类别"), required=False, choices=[("", _("全部类别")), *ViolationKind.choices]
    )
    site = forms.ModelChoiceField(
        label=_("管理处"), required=False, queryset=Site.objects.none(), empty_label=_("全部管理处")
    )
    overdue = forms.BooleanField(label=_("仅整改逾期"), required=False)

    def __init__(self, *args: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]
        self.style()
        for name in ("state", "grade", "kind", "site"):
            # The filters show no visible label; a screen reader still needs one.
            self.fields[name].widget.attrs["aria-label"] = self.fields[name].label


def parse_month(value: str | None, default: dt.date) -> dt.date:
    """``YYYY-MM`` -> first day of that month; anything else -> ``default``."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        return default


class FinanceExportForm(BootstrapMixin, forms.Form):
    site = forms.ModelChoiceField(label=_("管理处"), queryset=Site.objects.none())
    month = forms.CharField(
        label=_("月份"), widget=forms.TextInput(attrs={"type": "month"}), max_length=7
    )

    def __init__(self, *args: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]
        self.style()

    def clean_month(self) -> dt.date:
        value = parse_month(self.cleaned_data["month"], dt.date.min)
        if value == dt.date.min:
            raise forms.ValidationError(_("请按 YYYY-MM 选择月份。"))
        return value


class SettingsForm(BootstrapMixin, forms.Form):
    covenant_allows_cutoff = forms.BooleanField(label=_("业主规约有停水停电条款"), required=False)
    penalty_roles = forms.MultipleChoiceField(
        label=_("除管理处经理外，还可决定处罚的角色"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            (Role.CS_SUPERVISOR, Role.CS_SUPERVISOR.label),
            (Role.DEPUTY_GM, Role.DEPUTY_GM.label),
        ],
    )
    cutoff_notice_days = forms.IntegerField(label=_("停水停电提前书面通知(天)"), min_value=1)
    cutoff_visit_minutes = forms.IntegerField(label=_("停水停电前上门告知(分钟)"), min_value=1)
    relations_followup_days = forms.IntegerField(label=_("处罚后回访期限(天)"), min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()
