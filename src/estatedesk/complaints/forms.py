"""Forms of the complaint pages: intake (CP-1, CP-2, CP-4), the cycle's steps, CAPA reports,
the weekly quality check and the monthly summary, and the list filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from estatedesk.complaints.enums import (
    SEVERITY_GUIDANCE,
    NonPropertyKind,
    QualityConclusion,
    ReportVia,
    Satisfaction,
    Scope,
    Severity,
    Stage,
    TellVia,
    Validity,
)
from estatedesk.complaints.selectors import ComplaintFilters
from estatedesk.core import clock
from estatedesk.org.models import Department, ExternalParty, PublicPlace, Site
from estatedesk.tickets.enums import Channel
from estatedesk.tickets.forms import (
    DATETIME_LOCAL,
    BootstrapMixin,
    LocalDateTimeField,
    MultipleFileField,
    unit_by_label,
)

DEFAULT_APOLOGY = _(
    "非常抱歉给您带来了不便，我代表被投诉部门向您致歉。您反映的问题我已详细记录，"
    "会马上转交相关部门处理，并在承诺的时间内给您答复。"
)
STAFF_CHANNELS = [
    (c.value, c.label)
    for c in Channel
    if c in {Channel.HOTLINE, Channel.VISIT, Channel.WRITTEN, Channel.LETTER}
]


class ComplaintDetailForm(BootstrapMixin, forms.Form):
    """CP-2 / CP-3 / CP-4: what the receiver records about the complaint itself."""

    validity = forms.ChoiceField(
        label=_("有效性（CP-2）"), choices=Validity.choices, widget=forms.RadioSelect
    )
    invalid_reason = forms.CharField(
        label=_("无效原因"),
        max_length=300,
        required=False,
        help_text=_("个人不合理要求或抱怨；仍须耐心解释，不与住户争辩。"),
    )
    scope = forms.ChoiceField(
        label=_("投诉性质"), choices=Scope.choices, widget=forms.RadioSelect, initial=Scope.PROPERTY
    )
    non_property_kind = forms.ChoiceField(
        label=_("非物业服务类别"),
        choices=[("", "—"), *NonPropertyKind.choices],
        required=False,
    )
    external_party = forms.ModelChoiceField(
        queryset=ExternalParty.objects.none(), label=_("转介责任单位"), required=False
    )
    referred_to = forms.CharField(
        label=_("其他责任方"),
        max_length=200,
        required=False,
        help_text=_("严禁推诿：非物业服务类投诉须帮助住户联系到责任方（RQ-7）。"),
    )
    severity = forms.ChoiceField(
        label=_("投诉等级（CP-3）"), choices=Severity.choices, widget=forms.RadioSelect
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), label=_("被投诉部门"), required=False
    )
    complained_person = forms.CharField(label=_("被投诉人"), max_length=50, required=False)
    demand = forms.CharField(
        label=_("住户诉求"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )
    reasonable_deadline = LocalDateTimeField(
        label=_("住户要求的合理期限"),
        required=False,
        help_text=_("轻微投诉按此期限解决（CP-5）；不填则为 2 个工作日。"),
    )
    contact_note = forms.CharField(
        label=_("联系方式说明"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("例如：工作日晚上 7 点后")}),
    )
    apology = forms.CharField(
        label=_("致歉记录（CP-4）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
        initial=DEFAULT_APOLOGY,
    )

    def __init__(self, *args: Any, site_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(  # type: ignore[attr-defined]
            site_id__in=site_ids
        ).order_by("site_id", "kind")
        self.fields["external_party"].queryset = ExternalParty.objects.filter(  # type: ignore[attr-defined]
            site_id__in=site_ids
        ).order_by("site_id", "kind", "name")

    def severity_choices(self) -> list[dict[str, Any]]:
        """The severity radios with their CP-3 definitions, for the template."""
        current = self["severity"].value()
        return [
            {
                "value": value,
                "label": label,
                "guidance": SEVERITY_GUIDANCE[value],
                "checked": current == value,
            }
            for value, label in Severity.choices
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("validity") == Validity.INVALID and not data.get("invalid_reason"):
            self.add_error("invalid_reason", _("请填写无效原因。"))
        valid = data.get("validity") == Validity.VALID
        if data.get("scope") == Scope.NON_PROPERTY:
            if not data.get("non_property_kind"):
                self.add_error("non_property_kind", _("请选择非物业服务类别。"))
            if valid and not data.get("external_party") and not data.get("referred_to"):
                self.add_error("referred_to", _("请选择或填写责任方（RQ-7）。"))
        elif valid and not data.get("department"):
            self.add_error("department", _("请选择被投诉部门。"))
        deadline = data.get("reasonable_deadline")
        if deadline is not None and deadline <= clock.now():
            self.add_error("reasonable_deadline", _("合理期限须晚于现在。"))
        return data


class TicketFieldsForm(BootstrapMixin, forms.Form):
    """The RQ-3 register fields of a new complaint ticket."""

    site = forms.ModelChoiceField(queryset=Site.objects.none(), label=_("管理处"))
    channel = forms.ChoiceField(label=_("渠道"), choices=STAFF_CHANNELS, initial=Channel.HOTLINE)
    reporter_name = forms.CharField(label=_("投诉人"), max_length=50)
    reporter_phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    unit_label = forms.CharField(
        label=_("房号"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("例如 3栋-1201")}),
    )
    place = forms.ModelChoiceField(
        queryset=PublicPlace.objects.none(), label=_("发生地点（公共区域）"), required=False
    )
    location_text = forms.CharField(label=_("地点补充"), max_length=200, required=False)
    occurred_at = LocalDateTimeField(label=_("发生时间"), required=False)
    description = forms.CharField(
        label=_("事情经过"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    received_at = LocalDateTimeField(
        label=_("受理时间"), help_text=_("补登时可改为实际来电/来访时间，不能晚于现在。")
    )
    photos = MultipleFileField(label=_("照片/材料"))

    def __init__(self, *args: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site_ids = [s.pk for s in sites]
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]
        if len(site_ids) == 1:
            self.fields["site"].initial = site_ids[0]
            self.fields["site"].widget = forms.HiddenInput()
        self.fields["place"].queryset = PublicPlace.objects.filter(  # type: ignore[attr-defined]
            site_id__in=site_ids
        ).order_by("site_id", "name")
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


class ReportForm(BootstrapMixin, forms.Form):
    reported_to = forms.TypedChoiceField(label=_("报告对象"), coerce=int, required=False)
    via = forms.ChoiceField(label=_("报告方式"), choices=ReportVia.choices, initial=ReportVia.PHONE)

    def __init__(
        self, *args: Any, leaders: list[Any] | None = None, self_ok: bool = False, **kwargs: Any
    ) -> None:
        """``leaders``: whom the complaint may be reported to (CP-5); ``self_ok``: the user
        is one of them and may record that they know of it."""
        super().__init__(*args, **kwargs)
        field = self.fields["reported_to"]
        field.choices = [  # type: ignore[attr-defined]
            ("", _("我本人已知悉") if self_ok else "—"),
            *[(u.pk, (u.get_full_name() or u.get_username())) for u in leaders or []],
        ]
        field.required = not self_ok


class AnswerForm(BootstrapMixin, forms.Form):
    answer = forms.CharField(
        label=_("明确答复内容"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )


class ExtensionRequestForm(BootstrapMixin, forms.Form):
    until = LocalDateTimeField(label=_("申请延至"))
    reason = forms.CharField(
        label=_("延期原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )


class ExtensionDecisionForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("审批"), choices=[("approve", _("批准")), ("reject", _("驳回"))]
    )
    note = forms.CharField(label=_("审批意见"), max_length=300, required=False)


class HandleForm(BootstrapMixin, forms.Form):
    handling = forms.CharField(
        label=_("处理情况"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    caused_by_substandard_work = forms.BooleanField(
        label=_("经查因我方工作不合格引起（DS-8，须报纠正与预防措施）"), required=False
    )


class ReturnForm(BootstrapMixin, forms.Form):
    note = forms.CharField(label=_("备注"), max_length=500, required=False)


class TellForm(BootstrapMixin, forms.Form):
    via = forms.ChoiceField(label=_("告知方式"), choices=TellVia.choices)
    note = forms.CharField(
        label=_("告知内容及住户意见"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )


class VisitForm(BootstrapMixin, forms.Form):
    via = forms.ChoiceField(label=_("回访方式"), choices=TellVia.choices)
    satisfaction = forms.ChoiceField(label=_("住户满意度"), choices=Satisfaction.choices)
    result = forms.CharField(
        label=_("回访情况"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )


class CloseForm(BootstrapMixin, forms.Form):
    note = forms.CharField(label=_("备注"), max_length=500, required=False)


class CapaFileForm(BootstrapMixin, forms.Form):
    nonconformity = forms.CharField(
        label=_("不合格事实"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )
    cause = forms.CharField(
        label=_("原因分析"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )
    correction = forms.CharField(
        label=_("纠正措施"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )
    prevention = forms.CharField(
        label=_("预防措施"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )
    owner = forms.TypedChoiceField(label=_("责任人"), coerce=int)
    due_date = forms.DateField(
        label=_("完成期限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, staff: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *[(u.pk, (u.get_full_name() or u.get_username())) for u in staff or []],
        ]
        if not self.is_bound:
            self.fields["due_date"].initial = clock.today() + dt.timedelta(days=14)


class CapaImplementForm(BootstrapMixin, forms.Form):
    note = forms.CharField(
        label=_("实施情况"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )


class CapaVerifyForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("验证结论"),
        choices=[("close", _("有效，关闭报告")), ("return", _("未达到要求，退回整改"))],
    )
    verification = forms.CharField(
        label=_("验证结果"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )


class QualityCheckForm(BootstrapMixin, forms.Form):
    conclusion = forms.ChoiceField(label=_("结论"), choices=QualityConclusion.choices)
    findings = forms.CharField(
        label=_("检查情况"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    actions = forms.CharField(
        label=_("改进要求"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    complaints = forms.TypedMultipleChoiceField(
        label=_("抽查的投诉"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, choices: list[tuple[int, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["complaints"].choices = choices or []  # type: ignore[attr-defined]


class SummarySubmitForm(BootstrapMixin, forms.Form):
    text = forms.CharField(
        label=_("调度员总结"), widget=forms.Textarea(attrs={"rows": 5}), max_length=4000
    )


class SummarySignForm(BootstrapMixin, forms.Form):
    comment = forms.CharField(
        label=_("经理意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


TODO_CHOICES = [
    ("", _("全部")),
    ("sign", _("待签收")),
    ("extension", _("延期待审批")),
    ("tell", _("待告知投诉人")),
    ("visit", _("待回访")),
    ("capa", _("纠正预防未关闭")),
    ("upgraded", _("已自动升级")),
]


class FilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("单号/电话/姓名/内容")}),
    )
    site = forms.ModelChoiceField(queryset=Site.objects.none(), label=_("管理处"), required=False)
    severity = forms.ChoiceField(
        label=_("等级"), choices=[("", _("全部等级")), *Severity.choices], required=False
    )
    validity = forms.ChoiceField(
        label=_("有效性"), choices=[("", _("全部")), *Validity.choices], required=False
    )
    stage = forms.ChoiceField(
        label=_("进度"),
        choices=[("", _("全部进度")), ("open", _("未销项")), *Stage.choices],
        required=False,
    )
    todo = forms.ChoiceField(label=_("待办"), choices=TODO_CHOICES, required=False)

    def __init__(self, *args: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites  # type: ignore[attr-defined]
        if len(sites) <= 1:
            self.fields["site"].widget = forms.HiddenInput()

    def filters(self) -> ComplaintFilters:
        if not self.is_valid():
            return ComplaintFilters()
        data = self.cleaned_data
        return ComplaintFilters(
            site_id=data["site"].pk if data.get("site") else None,
            severity=data.get("severity") or "",
            validity=data.get("validity") or "",
            stage=data.get("stage") or "",
            todo=data.get("todo") or "",
            q=data.get("q") or "",
        )
