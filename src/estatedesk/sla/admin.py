"""Admin: policies are edited here (every save goes through the services, so it is versioned
and audited); clocks, actions and versions are read-only; RP-4 exceptions get their cause and
corrective action."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from estatedesk.core.errors import DeskError
from estatedesk.sla import policy as policy_rules
from estatedesk.sla import services
from estatedesk.sla.models import Clock, ClockAction, ClockException, SlaPolicy, SlaPolicyVersion


class SlaPolicyForm(forms.ModelForm):
    note = forms.CharField(label="修改说明", required=False, max_length=200)

    class Meta:
        model = SlaPolicy
        fields = ["site", "clock_kind", *services.EDITABLE_FIELDS]

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        try:
            policy_rules.validate(self.instance)
        except DeskError as exc:
            self.add_error(None, exc.detail)


class VersionInline(admin.TabularInline):
    model = SlaPolicyVersion
    extra = 0
    fields = readonly_fields = ("version", "changed_at", "changed_by", "note", "snapshot")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    form = SlaPolicyForm
    list_display = ["rule", "name", "site", "clock_kind", "deadline_rule", "calendar", "version"]
    list_filter = ["site", "rule", "is_active"]
    search_fields = ["rule", "name", "clock_kind"]
    readonly_fields = ["version", "updated_at"]
    inlines = [VersionInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A policy's site and kind are its identity; change them by adding a new policy.
        if obj is not None:
            return [*self.readonly_fields, "site", "clock_kind"]
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        note = form.cleaned_data.get("note", "")
        values = {
            f: form.cleaned_data[f] for f in services.EDITABLE_FIELDS if f in form.cleaned_data
        }
        try:
            if change:
                changed = {f: values[f] for f in form.changed_data if f in values}
                saved = services.policy_update(
                    policy=obj, changes=changed, actor=request.user, note=note
                )
            else:
                saved = services.policy_create(
                    site=form.cleaned_data.get("site"),
                    clock_kind=form.cleaned_data["clock_kind"],
                    actor=request.user,
                    note=note,
                    **values,
                )
        except DeskError as exc:
            messages.error(request, exc.detail)
            return
        obj.pk = saved.pk
        obj.version = saved.version

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Versions are written by the services only.
        return None

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Clocks point at their policy; switch a policy off instead (is_active).
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Clock)
class ClockAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "rule", "kind", "due_at", "met_at", "breached_at", "cancelled_at"]
    list_filter = ["rule", "kind", "site"]
    search_fields = ["ticket__number"]
    list_select_related = ["ticket"]


@admin.register(ClockAction)
class ClockActionAdmin(ReadOnlyAdmin):
    list_display = ["clock", "level", "acted_at"]
    list_filter = ["level"]


class ClockExceptionForm(forms.ModelForm):
    class Meta:
        model = ClockException
        fields = ["cause", "corrective_action"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            not (data.get("cause") or "").strip()
            or not (data.get("corrective_action") or "").strip()
        ):
            raise forms.ValidationError("请填写原因和纠正措施（RP-4）。")
        return data


@admin.register(ClockException)
class ClockExceptionAdmin(admin.ModelAdmin):
    form = ClockExceptionForm
    list_display = ["ticket", "rule", "due_at", "recorded_at", "filled_at"]
    list_filter = ["rule", "site"]
    search_fields = ["ticket__number", "cause"]
    list_select_related = ["ticket"]
    fields = [
        "ticket",
        "rule",
        "kind",
        "due_at",
        "recorded_at",
        "summary",
        "cause",
        "corrective_action",
        "filled_by",
        "filled_at",
    ]
    readonly_fields = [
        "ticket",
        "rule",
        "kind",
        "due_at",
        "recorded_at",
        "summary",
        "filled_by",
        "filled_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            services.exception_fill(
                exception=obj,
                cause=form.cleaned_data.get("cause", ""),
                corrective_action=form.cleaned_data.get("corrective_action", ""),
                actor=request.user,
            )
        except DeskError as exc:
            messages.error(request, exc.detail)
