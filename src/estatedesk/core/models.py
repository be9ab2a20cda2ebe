"""Audit events, calendar overrides, number sequences and idempotency records."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from estatedesk.core.errors import DeskError


class AppendOnlyError(DeskError):
    code = "append_only"
    status = 409
    default_detail = _("该记录只能追加，不能修改或删除。")


class Event(models.Model):
    """One append-only audit row per change: who, what, when, before and after.

    The ticket timeline, reports and KPIs are read from these rows, so they are never updated or
    deleted by the application (the retention job is the only remover, and it records itself).
    """

    occurred_at = models.DateTimeField(_("时间"), db_index=True)
    site = models.ForeignKey(
        "org.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(_("操作人"), max_length=150, blank=True)
    verb = models.CharField(_("动作"), max_length=80)
    subject_type = models.CharField(max_length=60)
    subject_id = models.BigIntegerField()
    before = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        indexes = [
            models.Index(
                fields=["subject_type", "subject_id", "occurred_at"], name="event_subject"
            ),
            models.Index(fields=["site", "verb", "occurred_at"], name="event_site_verb"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.occurred_at:%Y-%m-%d %H:%M} {self.verb} {self.subject_type}#{self.subject_id}"
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError()


class CalendarOverride(models.Model):
    """A date whose working/rest status the chinesecalendar package does not know or gets wrong.

    ``site`` empty means company-wide (e.g. next year's State Council schedule entered before
    the package is updated); a site override wins over a company-wide one.
    """

    site = models.ForeignKey(
        "org.Site",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_overrides",
    )
    date = models.DateField(_("日期"))
    is_working_day = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("日历调整")
        verbose_name_plural = _("日历调整")
        constraints = [
            models.UniqueConstraint(fields=["site", "date"], name="calendar_override_site_date"),
            models.UniqueConstraint(
                fields=["date"],
                condition=models.Q(site__isnull=True),
                name="calendar_override_global",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {'工作日' if self.is_working_day else '休息日'}"


class Sequence(models.Model):
    """Counters for human-readable numbers; incremented under a row lock (see numbering)."""

    key = models.CharField(max_length=80, unique=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("编号序列")
        verbose_name_plural = _("编号序列")

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class IdempotencyRecord(models.Model):
    """The answer given to a create request carrying an ``Idempotency-Key``; a retry gets it again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=120)
    scope = models.CharField(max_length=80)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField(encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
