"""Forms of the duty pages. They only parse input; every rule is checked by the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from estatedesk.core import clock
from estatedesk.duty.enums import (
    LOG_WRITABLE_KINDS,
    ChangeKind,
    LogEntryKind,
    OnCallRole,
    ReportTo,
)
from estatedesk.duty.models import Handover
from estatedesk.duty.selectors import person_name


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_name(obj)


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_name(obj)


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


class DutyForm(forms.Form):
    """Adds Bootstrap classes to every widget (call ``style()`` again after adding fields)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()

    def style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                widget.attrs.setdefault("class", "form-check-input")
                continue
            if isinstance(widget, forms.CheckboxInput | forms.HiddenInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)
        name_required_fields(self.fields)


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class LogEntryForm(DutyForm):
    kind = forms.ChoiceField(
        label=_("类别"),
        choices=[(k.value, k.label) for k in LOG_WRITABLE_KINDS],
        initial=LogEntryKind.CALL,
    )
    occurred_at = forms.DateTimeField(
        label=_("发生时间"),
        required=False,
        widget=LocalDateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("不填则为现在。"),
    )
    text = forms.CharField(
        label=_("内容"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("时间、地点、人员、经过、处理情况，如实详细记录。"),
    )
    important = forms.BooleanField(label=_("重要"), required=False)
    report_to = forms.ChoiceField(
        label=_("报告"),
        choices=ReportTo.choices,
        required=False,
        help_text=_("问题当班即时解决；疑难问题报告客服主管，严重问题报告管理处经理（DT-4）。"),
    )
    follow_up = forms.BooleanField(
        label=_("未完成，需下一班跟进"),
        required=False,
        help_text=_("紧急事件在办结前自动列为不得交班的事项。"),
    )


class CorrectionForm(DutyForm):
    text = forms.CharField(
        label=_("更正后的内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    reason = forms.CharField(label=_("更正原因"), max_length=200)
    follow_up = forms.BooleanField(label=_("仍需跟进"), required=False)


class CloseForm(DutyForm):
    text = forms.CharField(
        label=_("处理结果"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class FillForm(DutyForm):
    users = PeopleChoiceField(
        label=_("轮流值班人员"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("按所选顺序逐日轮排，只填空缺的日期。"),
    )

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["users"].queryset = staff  # type: ignore[attr-defined]


class ChangeRequestForm(DutyForm):
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=[
            (ChangeKind.LEAVE.value, ChangeKind.LEAVE.label),
            (ChangeKind.SWAP.value, ChangeKind.SWAP.label),
        ],
        widget=forms.RadioSelect,
        initial=ChangeKind.LEAVE,
    )
    substitute = PersonChoiceField(
        label=_("建议顶班人"),
        queryset=None,
        required=False,
        help_text=_("调班须填写；请假可不填，由主管安排。"),
    )
    reason = forms.CharField(
        label=_("原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["substitute"].queryset = staff  # type: ignore[attr-defined]


class ApproveForm(DutyForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    substitute = PersonChoiceField(label=_("顶班人"), queryset=None)
    note = forms.CharField(label=_("审批意见"), max_length=200, required=False)

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["substitute"].queryset = staff  # type: ignore[attr-defined]


class RejectForm(DutyForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("驳回理由"), max_length=200)


class OnCallForm(DutyForm):
    role = forms.ChoiceField(label=_("职责"), choices=OnCallRole.choices)
    user = PersonChoiceField(label=_("人员"), queryset=None)
    phone = forms.CharField(label=_("手机"), max_length=30)
    priority = forms.IntegerField(label=_("顺序"), min_value=1, max_value=99, initial=1)
    valid_from = forms.DateField(
        label=_("生效日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    valid_until = forms.DateField(
        label=_("截止日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(label=_("备注"), max_length=100, required=False)

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff  # type: ignore[attr-defined]


class HandoverStartForm(DutyForm):
    outgoing = PersonChoiceField(
        label=_("交班人"),
        queryset=None,
        required=False,
        help_text=_("默认为上一班值班表上的人员。"),
    )

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outgoing"].queryset = staff  # type: ignore[attr-defined]


class CountsForm(DutyForm):
    """One number and one explanation field per post item of the handover."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, handover: Handover, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = list(handover.counts.all())
        for row in self.rows:
            self.fields[f"counted_{row.pk}"] = forms.IntegerField(
                label=row.name,
                min_value=0,
                max_value=9999,
                initial=row.counted if row.counted is not None else None,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "id": f"count-{row.pk}"}),
            )
            self.fields[f"explanation_{row.pk}"] = forms.CharField(
                label=_("交班人说明"),
                required=False,
                max_length=200,
                initial=row.explanation,
                widget=forms.TextInput(attrs={"id": f"explanation-{row.pk}"}),
            )
        self.style()

    def pairs(self) -> list[tuple[Any, Any, Any]]:
        return [
            (row, self[f"counted_{row.pk}"], self[f"explanation_{row.pk}"]) for row in self.rows
        ]

    def counts(self) -> dict[int, tuple[int, str]]:
        return {
            row.pk: (
                self.cleaned_data[f"counted_{row.pk}"],
                self.cleaned_data.get(f"explanation_{row.pk}", ""),
            )
            for row in self.rows
        }


class LogReadForm(DutyForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    through_seq = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class TakeOverForm(DutyForm):
    """A checkbox and a follow-up note per open item."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, lines: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[f"taken_{line.pk}"] = forms.BooleanField(
                label=_("接手"),
                required=False,
                initial=line.taken_over,
                widget=forms.CheckboxInput(
                    attrs={"id": f"take-{line.pk}", "class": "form-check-input"}
                ),
            )
            self.fields[f"note_{line.pk}"] = forms.CharField(
                label=_("跟进说明"),
                required=False,
                max_length=200,
                initial=line.note,
                widget=forms.TextInput(
                    attrs={"id": f"note-{line.pk}", "placeholder": _("需要跟进什么（可不填）")}
                ),
            )
        self.style()

    def rows(self) -> list[tuple[Any, Any, Any]]:
        return [(line, self[f"taken_{line.pk}"], self[f"note_{line.pk}"]) for line in self.lines]

    def taken(self) -> set[int]:
        return {line.pk for line in self.lines if self.cleaned_data.get(f"taken_{line.pk}")}

    def notes(self) -> dict[int, str]:
        return {line.pk: self.cleaned_data.get(f"note_{line.pk}", "") for line in self.lines}


class AnomalyForm(DutyForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    area = forms.CharField(label=_("区域"), max_length=80)
    description = forms.CharField(label=_("异常情况"), max_length=300)
    explanation = forms.CharField(label=_("交班人解释"), max_length=300)


class OverrideForm(DutyForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("授权理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ConfirmForm(DutyForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    outgoing_password = forms.CharField(
        label=_("交班人密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )
    incoming_password = forms.CharField(
        label=_("接班人密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CancelForm(DutyForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("取消原因"), max_length=200)


class SignoffForm(DutyForm):
    comment = forms.CharField(
        label=_("意见"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def parse_month(value: str | None) -> dt.date:
    """``YYYY-MM`` -> first day of that month; today's month when absent or invalid."""
    if value:
        try:
            year, month = value.split("-")[:2]
            return dt.date(int(year), int(month), 1)
        except ValueError:
            pass
    return clock.today().replace(day=1)


def parse_day(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None
