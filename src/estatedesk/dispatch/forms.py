"""Forms of the dispatch pages: board filters, follow-up, review verdict and new approach."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from estatedesk.dispatch.enums import FollowUpKind, ReviewVerdict
from estatedesk.dispatch.selectors import BoardFilters
from estatedesk.org.models import Department, Site
from estatedesk.tickets.enums import TicketKind


class _Styled(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select form-select-sm"
            else:
                css = "form-control form-control-sm"
            widget.attrs["class"] = css


def _with_site(department: Department) -> str:
    return f"{department.site.name} {department.name}"


class BoardFilterForm(_Styled):
    q = forms.CharField(label=_("工单号"), required=False, max_length=24)
    site = forms.ModelChoiceField(label=_("管理处"), queryset=Site.objects.none(), required=False)
    department = forms.ModelChoiceField(
        label=_("部门"), queryset=Department.objects.none(), required=False
    )
    kind = forms.ChoiceField(
        label=_("类别"), choices=[("", _("全部类别")), *TicketKind.choices], required=False
    )
    mine = forms.BooleanField(label=_("只看我的"), required=False)

    def __init__(self, *args: Any, site_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site_field = self.fields["site"]
        assert isinstance(site_field, forms.ModelChoiceField)
        site_field.queryset = Site.objects.filter(pk__in=site_ids).order_by("code")
        site_field.empty_label = str(_("全部管理处"))
        dept_field = self.fields["department"]
        assert isinstance(dept_field, forms.ModelChoiceField)
        dept_field.queryset = (
            Department.objects.filter(site_id__in=site_ids)
            .select_related("site")
            .order_by("site__code", "kind")
        )
        dept_field.empty_label = str(_("全部部门"))
        if len(site_ids) > 1:
            dept_field.label_from_instance = _with_site  # type: ignore[method-assign,assignment]

    def filters(self) -> BoardFilters:
        if not self.is_valid():
            return BoardFilters()
        data = self.cleaned_data
        return BoardFilters(
            site_id=data["site"].pk if data.get("site") else None,
            department_id=data["department"].pk if data.get("department") else None,
            kind=data.get("kind") or "",
            mine=bool(data.get("mine")),
            q=data.get("q") or "",
        )


class FollowUpForm(_Styled):
    which = forms.ChoiceField(label=_("跟进类别"), choices=FollowUpKind.choices)
    arranged = forms.BooleanField(label=_("责任人已安排处理"), required=False)
    note = forms.CharField(
        label=_("跟进情况"),
        max_length=500,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": _("例如：已电话确认维修工 15:00 上门")}
        ),
    )


class AssessForm(_Styled):
    verdict = forms.ChoiceField(
        label=_("回顾结论"),
        choices=[
            (ReviewVerdict.ON_TRACK, ReviewVerdict.ON_TRACK.label),
            (ReviewVerdict.CANNOT_HANDLE, ReviewVerdict.CANNOT_HANDLE.label),
        ],
    )
    note = forms.CharField(label=_("意见"), max_length=500, required=False)


class ConfirmForm(_Styled):
    new_approach = forms.CharField(
        label=_("新的处理方案"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
