"""Forms of the staff pages: hotline intake, list filters, calls log, month and day pickers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from estatedesk.core import clock
from estatedesk.org.models import Department, PublicPlace, Site, Unit
from estatedesk.tickets.enums import (
    CallKind,
    Channel,
    LogClass,
    RepairClass,
    TicketKind,
    TicketState,
    Urgency,
)
from estatedesk.tickets.selectors import TicketFilters

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class BootstrapMixin:
    """Bootstrap classes on every widget, so templates can render fields plainly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several images/PDFs in one input; the services sniff and size-check each file."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,.pdf"})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class LocalDateTimeField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)
    input_formats = [DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _user_label(user: Any) -> str:
    return (user.get_full_name() or "").strip() or user.get_username()


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _user_label(obj)


def unit_by_label(site: Site, label: str) -> Unit | None:
    """``3栋-1201`` (as shown everywhere) -> the unit of ``site``."""
    building, sep, number = (label or "").strip().rpartition("-")
    if not sep or not building or not number:
        return None
    return (
        Unit.objects.filter(site=site, building__name=building.strip(), number=number.strip())
        .select_related("building")
        .first()
    )


class IntakeForm(BootstrapMixin, forms.Form):
    """One screen for a hotline call or a visit (RQ-2, RQ-3, RQ-4, RQ-5)."""

    site = forms.ModelChoiceField(queryset=Site.objects.none(), label=_("管理处"))
    channel = forms.ChoiceField(
        label=_("渠道"),
        choices=[(c.value, c.label) for c in Channel if c != Channel.ONLINE],
        initial=Channel.HOTLINE,
    )
    reporter_phone = forms.CharField(
        label=_("来电号码"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    reporter_name = forms.CharField(label=_("报事人"), max_length=50)
    resident = forms.IntegerField(required=False, widget=forms.HiddenInput)
    unit_label = forms.CharField(
        label=_("房号"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"list": "unit-options", "placeholder": _("例如 3栋-1201")}),
    )
    place = forms.ModelChoiceField(
        queryset=PublicPlace.objects.none(), label=_("公共区域"), required=False
    )
    location_text = forms.CharField(label=_("地点补充"), max_length=200, required=False)
    description = forms.CharField(
        label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    kind = forms.ChoiceField(label=_("类别"), choices=TicketKind.choices, initial=TicketKind.REPAIR)
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=[("", _("按类别")), *list(Urgency.choices)], required=False
    )
    repair_class = forms.ChoiceField(
        label=_("报修分类（CV-2）"),
        choices=[("", "—"), *list(RepairClass.choices)],
        required=False,
    )
    is_complex = forms.BooleanField(label=_("复杂问题（48 小时内提方案）"), required=False)
    occurred_at = LocalDateTimeField(label=_("发生时间"), required=False)
    people_involved = forms.CharField(label=_("涉及人员"), max_length=200, required=False)
    received_at = LocalDateTimeField(
        label=_("受理时间"), help_text=_("补登来电时可改为实际来电时间，不能晚于现在。")
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), label=_("派往部门"), required=False
    )
    assignee = StaffChoiceField(
        queryset=get_user_model().objects.none(), label=_("责任人"), required=False
    )
    answer_now = forms.CharField(
        label=_("当场答复（咨询/求助）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=4000,
    )
    confidential = forms.BooleanField(label=_("保密（住户端不显示答复）"), required=False)
    photos = MultipleFileField(label=_("照片/材料"))
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    not_emergency = forms.BooleanField(
        label=_("核实不是紧急情况，按普通工单登记"),
        required=False,
        help_text=_("系统识别出紧急情况时，登记会转入紧急事件处置；核实确实不紧急时勾选此项。"),
    )

    def __init__(self, *args: Any, sites: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site_ids = [s.pk for s in sites]
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]
        if len(site_ids) == 1:
            self.fields["site"].initial = site_ids[0]
            self.fields["site"].widget = forms.HiddenInput()
        self.fields["place"].queryset = PublicPlace.objects.filter(  # type: ignore[attr-defined]
            site_id__in=site_ids
        ).order_by("name")
        self.fields["department"].queryset = Department.objects.filter(  # type: ignore[attr-defined]
            site_id__in=site_ids
        ).order_by("site_id", "kind")
        self.fields["assignee"].queryset = staff  # type: ignore[attr-defined]
        self.fields["place"].empty_label = "—"  # type: ignore[attr-defined]
        self.fields["department"].empty_label = _("（暂不派工）")  # type: ignore[attr-defined]
        self.fields["assignee"].empty_label = _("（由部门安排）")  # type: ignore[attr-defined]
        if not self.is_bound:
            self.fields["received_at"].initial = clock.localtime().strftime(DATETIME_LOCAL)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        site = data.get("site")
        label = (data.get("unit_label") or "").strip()
        data["unit"] = None
        if site is not None and label:
            data["unit"] = unit_by_label(site, label)
            if data["unit"] is None:
                self.add_error(
                    "unit_label", _("找不到该房号，请按“楼栋-房号”填写，例如 3栋-1201。")
                )
        if not data.get("reporter_phone") and data.get("channel") == Channel.HOTLINE:
            self.add_error("reporter_phone", _("热线来电请填写来电号码。"))
        return data


class FilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("单号/电话/姓名/内容")}),
    )
    site = forms.ModelChoiceField(queryset=Site.objects.none(), label=_("管理处"), required=False)
    kind = forms.ChoiceField(
        label=_("类别"), choices=[("", _("全部类别")), *list(TicketKind.choices)], required=False
    )
    state = forms.ChoiceField(
        label=_("状态"),
        choices=[("", _("全部状态")), ("active", _("未结束")), *list(TicketState.choices)],
        required=False,
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), label=_("部门"), required=False
    )
    overdue = forms.BooleanField(label=_("只看超时"), required=False)
    mine = forms.BooleanField(label=_("只看我的"), required=False)

    def __init__(self, *args: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]
        self.fields["site"].empty_label = _("全部管理处")  # type: ignore[attr-defined]
        self.fields["department"].queryset = Department.objects.filter(  # type: ignore[attr-defined]
            site__in=sites
        ).order_by("site_id", "kind")
        self.fields["department"].empty_label = _("全部部门")  # type: ignore[attr-defined]

    def filters(self) -> TicketFilters:
        if not self.is_valid():
            return TicketFilters()
        data = self.cleaned_data
        return TicketFilters(
            site_id=data["site"].pk if data.get("site") else None,
            kind=data.get("kind") or "",
            state=data.get("state") or "",
            department_id=data["department"].pk if data.get("department") else None,
            overdue=bool(data.get("overdue")),
            mine=bool(data.get("mine")),
            q=data.get("q") or "",
        )


class DayRangeForm(BootstrapMixin, forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.none(), label=_("管理处"), required=False)
    day_from = forms.DateField(
        label=_("从"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    day_to = forms.DateField(
        label=_("到"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    MAX_DAYS = 366

    def __init__(self, *args: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]
        self.fields["site"].empty_label = _("全部管理处")  # type: ignore[attr-defined]
        if not self.is_bound:
            self.fields["day_from"].initial = self.fields["day_to"].initial = clock.today()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = clock.today()
        start = data.get("day_from") or data.get("day_to") or today
        end = data.get("day_to") or start
        if end < start:
            self.add_error("day_to", _("结束日期不能早于开始日期。"))
        elif (end - start).days >= self.MAX_DAYS:
            self.add_error("day_to", _("一次最多 366 天。"))
        data["day_from"], data["day_to"] = start, end
        return data

    def range(self, sites: Any) -> tuple[list[int], dt.date, dt.date]:
        """(site ids, from, to); today for an invalid or empty form."""
        site_ids = [s.pk for s in sites]
        if not self.is_valid():
            today = clock.today()
            return site_ids, today, today
        data = self.cleaned_data
        if data.get("site"):
            site_ids = [data["site"].pk]
        return site_ids, data["day_from"], data["day_to"]


class CallLogForm(BootstrapMixin, forms.Form):
    """CV-1: a call or visit that did not create a ticket (or updated one)."""

    site = forms.ModelChoiceField(queryset=Site.objects.none(), label=_("管理处"))
    kind = forms.ChoiceField(label=_("来电/来访"), choices=CallKind.choices)
    caller_name = forms.CharField(label=_("来电来访人"), max_length=50)
    caller_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    unit_label = forms.CharField(
        label=_("房号"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("例如 3栋-1201")}),
    )
    summary = forms.CharField(
        label=_("内容摘要"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )
    log_class = forms.ChoiceField(label=_("分类（CV-2）"), choices=LogClass.choices)
    answer = forms.CharField(
        label=_("答复/处理"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=4000,
    )
    ticket_number = forms.CharField(label=_("跟进的工单号"), max_length=24, required=False)
    done = forms.BooleanField(label=_("已当场办结（销项）"), required=False)

    def __init__(self, *args: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]
        if len(sites) == 1:
            self.fields["site"].initial = sites[0].pk
            self.fields["site"].widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        from estatedesk.tickets.models import Ticket

        data = super().clean() or {}
        site = data.get("site")
        data["unit"] = None
        data["ticket"] = None
        if site is not None and data.get("unit_label"):
            data["unit"] = unit_by_label(site, data["unit_label"])
            if data["unit"] is None:
                self.add_error("unit_label", _("找不到该房号，请按“楼栋-房号”填写。"))
        if site is not None and data.get("ticket_number"):
            data["ticket"] = Ticket.objects.filter(
                site=site, number=data["ticket_number"].strip()
            ).first()
            if data["ticket"] is None:
                self.add_error("ticket_number", _("本管理处没有这个工单号。"))
        return data


class MonthForm(BootstrapMixin, forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.none(), label=_("管理处"), required=False)
    month = forms.CharField(
        label=_("月份"), required=False, widget=forms.DateInput(attrs={"type": "month"})
    )

    def __init__(self, *args: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]
        self.fields["site"].empty_label = _("全部管理处")  # type: ignore[attr-defined]

    def clean_month(self) -> tuple[int, int]:
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            today = clock.today()
            return today.year, today.month
        try:
            parsed = dt.datetime.strptime(value, "%Y-%m")  # noqa: DTZ007 - a month, no time
        except ValueError:
            raise forms.ValidationError(_("月份格式为 YYYY-MM。")) from None
        return parsed.year, parsed.month
