"""Forms of the resident portal (mobile web)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from estatedesk.org.models import PublicPlace, Resident, Unit
from estatedesk.tickets.forms import BootstrapMixin, MultipleFileField


class PhoneForm(BootstrapMixin, forms.Form):
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "138 0000 0000"}
        ),
    )


class CodeForm(BootstrapMixin, forms.Form):
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
    )


class ReportForm(BootstrapMixin, forms.Form):
    """The resident only describes; the kind and department are suggested by the classifier
    and confirmed by the dispatcher (RQ-1, RQ-4)."""

    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("房屋"), required=False)
    place = forms.ModelChoiceField(
        queryset=PublicPlace.objects.none(), label=_("或公共区域"), required=False
    )
    description = forms.CharField(
        label=_("问题描述"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("例如：厨房水槽下水管漏水")}),
    )
    photos = MultipleFileField(label=_("照片（可多张）"))

    def __init__(self, *args: Any, resident: Resident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(occupancies__resident=resident).select_related("building")
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["unit"].empty_label = _("（不是我家的问题）")  # type: ignore[attr-defined]
        if units.count() == 1:
            self.fields["unit"].initial = units.first()
        self.fields["place"].queryset = PublicPlace.objects.filter(  # type: ignore[attr-defined]
            site_id=resident.site_id
        )
        self.fields["place"].empty_label = "—"  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("unit") and not data.get("place"):
            raise forms.ValidationError(_("请选择房屋或公共区域。"))
        return data


class RateForm(BootstrapMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("评价"),
        coerce=int,
        choices=[(5, "★★★★★"), (4, "★★★★"), (3, "★★★"), (2, "★★"), (1, "★")],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("意见（可选）"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SuggestionForm(BootstrapMixin, forms.Form):
    body = forms.CharField(
        label=_("您的意见或建议"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
