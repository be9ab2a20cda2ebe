"""Forms of the emergency pages: the intake shortcut and the actions on the case page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from estatedesk.emergencies.enums import ResponderStatus, Severity
from estatedesk.emergencies.models import EMERGENCY_KIND_CHOICES
from estatedesk.org.models import PublicPlace, Site
from estatedesk.tickets.enums import Channel

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
CHANNEL_CHOICES = [
    (Channel.HOTLINE, Channel.HOTLINE.label),
    (Channel.VISIT, Channel.VISIT.label),
    (Channel.INTERNAL, _("领导/政府指令（内部）")),
]


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
    """Bootstrap classes on every widget, so templates render fields plainly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(
                widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple
            ):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
        name_required_fields(self.fields)  # type: ignore[attr-defined]


class OpenForm(BootstrapMixin, forms.Form):
    """The dispatcher's "open emergency" shortcut: ticket, chain and playbook in one go."""

    site = forms.ModelChoiceField(queryset=Site.objects.none(), label=_("管理处"))
    kind = forms.ChoiceField(
        label=_("事件类别"), choices=EMERGENCY_KIND_CHOICES, widget=forms.RadioSelect
    )
    severity = forms.ChoiceField(
        label=_("严重程度"),
        choices=Severity.choices,
        initial=Severity.SERIOUS,
        widget=forms.RadioSelect,
        help_text=_("急救病人：严重的立即报告主管，轻微的事后报告（EM-6）。"),
    )
    channel = forms.ChoiceField(label=_("来源"), choices=CHANNEL_CHOICES, initial=Channel.HOTLINE)
    reporter_name = forms.CharField(label=_("报事人"), max_length=50)
    reporter_phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    location_text = forms.CharField(
        label=_("地址/地点"),
        max_length=200,
        required=False,
        help_text=_("例如：3栋1201、地下车库 B2 区。急救病人必须填写。"),
    )
    place = forms.ModelChoiceField(
        queryset=PublicPlace.objects.none(), label=_("公共区域"), required=False
    )
    description = forms.CharField(
        label=_("情况描述"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    people_involved = forms.CharField(
        label=_("涉及人员"),
        max_length=200,
        required=False,
        help_text=_("姓名、人数或伤情，例如：2 名住户被困、1 人腿部受伤。"),
    )

    def __init__(self, *args: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site_field: Any = self.fields["site"]
        place_field: Any = self.fields["place"]
        site_field.queryset = sites
        place_field.queryset = PublicPlace.objects.filter(site__in=sites).order_by("name")
        only = list(sites[:2])
        if len(only) == 1:
            site_field.initial = only[0]
            site_field.widget = forms.HiddenInput()
        # Big toggle buttons (Bootstrap btn-check) for the choices taken in a hurry.
        for name in ("kind", "severity"):
            self.fields[name].widget.attrs["class"] = "btn-check"

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        site, place = data.get("site"), data.get("place")
        if site is not None and place is not None and place.site_id != site.pk:
            self.add_error("place", _("该公共区域不属于所选管理处。"))
        return data


class StepForm(forms.Form):
    note = forms.CharField(label=_("情况"), max_length=2000, required=False)
    branch = forms.CharField(max_length=20, required=False)


class ResponderNotifyForm(BootstrapMixin, forms.Form):
    users = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        label=_("通知责任人"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请选择要通知的责任人。")},
    )
    note = forms.CharField(
        label=_("补充说明"),
        max_length=300,
        required=False,
        # Its own id: the settle form on the same page also has a "note" field (id_note), and
        # a shared id would send a click on this label to the other form's box.
        widget=forms.TextInput(attrs={"id": "id_notify_note"}),
        help_text=_("例如：携带灭火器、到 5 栋大堂集合。"),
    )

    def __init__(self, *args: Any, choices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["users"]
        field.queryset = get_user_model().objects.filter(pk__in=[c.user.pk for c in choices])
        labels = {c.user.pk: f"{_display(c.user)}（{c.duty}）" for c in choices}
        field.label_from_instance = lambda user: labels.get(user.pk, _display(user))


class ResponderStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(s, label) for s, label in ResponderStatus.choices if s != "notified"]
    )
    note = forms.CharField(max_length=2000, required=False)


class PhoneAckForm(forms.Form):
    user = forms.IntegerField()


class InstructionForm(BootstrapMixin, forms.Form):
    given_by = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), label=_("指示领导"), required=False
    )
    given_by_name = forms.CharField(
        label=_("或填写领导姓名/单位"),
        max_length=50,
        required=False,
        help_text=_("例如：街道办王主任。"),
    )
    text = forms.CharField(
        label=_("指示内容"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )
    owner = forms.ModelChoiceField(queryset=get_user_model().objects.none(), label=_("责任人"))
    due_at = forms.DateTimeField(
        label=_("完成期限"),
        input_formats=[DATETIME_LOCAL],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )

    def __init__(self, *args: Any, leaders: Any, owners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in (("given_by", leaders), ("owner", owners)):
            field: Any = self.fields[name]
            field.queryset = queryset
            field.label_from_instance = _display

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("given_by") and not (data.get("given_by_name") or "").strip():
            self.add_error("given_by", _("请选择或填写下达指示的领导。"))
        return data


class NoteForm(BootstrapMixin, forms.Form):
    note = forms.CharField(
        label=_("处置结果"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class SignOffForm(BootstrapMixin, forms.Form):
    note = forms.CharField(
        label=_("经理意见"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )


def _display(user: Any) -> str:
    return (user.get_full_name() or "").strip() or user.get_username()
