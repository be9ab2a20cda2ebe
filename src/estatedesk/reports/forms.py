"""Forms of the reports pages; they only parse input, the services validate the rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from estatedesk.core import clock
from estatedesk.reports.enums import Procedure, QuestionKind
from estatedesk.reports.models import Survey, SurveyQuestion


def style(form: forms.Form) -> forms.Form:
    """Bootstrap classes on every widget (the pages render fields one by one)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(
            widget, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.CheckboxInput
        ):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
    return form


class Styled(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


class TrainingForm(Styled):
    procedure = forms.ChoiceField(label=_("培训规程"), choices=Procedure.choices)
    topic = forms.CharField(label=_("主题"), max_length=200)
    held_on = forms.DateField(label=_("培训日期"), widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(
        label=_("学时"),
        min_value=Decimal("0.5"),
        max_value=Decimal("40"),
        decimal_places=1,
        initial=Decimal("1"),
    )
    trainer = forms.CharField(label=_("讲师"), max_length=50)
    notes = forms.CharField(
        label=_("内容摘要"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    attendees = forms.MultipleChoiceField(
        label=_("参训人员"), widget=forms.CheckboxSelectMultiple, required=True
    )

    def __init__(self, *args: Any, staff: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["attendees"]).choices = staff
        if not self.is_bound:
            self.fields["held_on"].initial = clock.today()


class AttendeesForm(Styled):
    attendees = forms.MultipleChoiceField(
        label=_("参训人员"), widget=forms.CheckboxSelectMultiple, required=True
    )

    def __init__(self, *args: Any, staff: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["attendees"]).choices = staff


class SurveyForm(Styled):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("标题"), max_length=120)
    intro = forms.CharField(
        label=_("说明"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("住户打开调查时看到的话，例如调查目的和截止日期。"),
    )
    closes_on = forms.DateField(label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            today = clock.today()
            self.fields["year"].initial = today.year
            self.fields["title"].initial = _("%(year)d 年度住户满意度调查") % {"year": today.year}
            self.fields["closes_on"].initial = today + dt.timedelta(days=30)


class QuestionForm(Styled):
    text = forms.CharField(label=_("问题"), max_length=200)
    kind = forms.ChoiceField(label=_("题型"), choices=QuestionKind.choices)
    choices = forms.CharField(
        label=_("选项"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("单选题填写，每行一个选项。"),
    )
    required = forms.BooleanField(label=_("必答"), required=False, initial=True)

    def choice_list(self) -> list[str]:
        return [line for line in self.cleaned_data.get("choices", "").splitlines() if line.strip()]


class ExceptionFillForm(Styled):
    cause = forms.CharField(
        label=_("原因"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    corrective_action = forms.CharField(
        label=_("纠正措施"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class LegalHoldForm(Styled):
    number = forms.CharField(label=_("工单号"), max_length=24)
    hold = forms.TypedChoiceField(
        label=_("操作"),
        choices=[("1", _("设置法律保全")), ("0", _("解除法律保全"))],
        coerce=lambda value: value == "1",
    )
    reason = forms.CharField(label=_("原因"), max_length=300)


class ArchiveForm(Styled):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)


def survey_answer_form(
    survey: Survey, questions: list[SurveyQuestion], units: list[Any], data: Any = None
) -> forms.Form:
    """The resident's answer form: one field per question, plus the unit when the resident
    lives in more than one (one answer per household)."""
    form = forms.Form(data)
    if len(units) > 1:
        form.fields["unit"] = forms.ChoiceField(
            label=_("为哪一户填写"), choices=[(u.pk, u.label) for u in units]
        )
    for q in questions:
        name = f"q{q.pk}"
        label = f"{q.position}. {q.text}"
        if q.kind == QuestionKind.RATING:
            form.fields[name] = forms.ChoiceField(
                label=label,
                choices=[(str(n), str(n)) for n in range(1, 6)],
                widget=forms.RadioSelect,
                required=q.required,
                help_text=_("1 分很不满意，5 分很满意"),
            )
        elif q.kind == QuestionKind.CHOICE:
            form.fields[name] = forms.ChoiceField(
                label=label,
                choices=[(c, c) for c in q.choices],
                widget=forms.RadioSelect,
                required=q.required,
            )
        else:
            form.fields[name] = forms.CharField(
                label=label,
                widget=forms.Textarea(attrs={"rows": 3}),
                required=q.required,
                max_length=1000,
            )
    return style(form)
