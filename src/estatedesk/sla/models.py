"""SLA policies (which clock starts on which event, how long it runs, what happens when it runs
out), the clocks of each ticket, the actions taken on them and the RP-4 exception records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from estatedesk.sla.enums import Anchor, CalendarKind, ClockStatus, DeadlineRule


def _empty_list() -> list[Any]:
    return []


def _empty_dict() -> dict[str, Any]:
    return {}


class SlaPolicy(models.Model):
    """One commitment: the clock ``clock_kind`` starts on ``start_events`` for tickets matching
    ``conditions`` and is met by ``meet_events``.

    A row with an empty site is the company default; a site's own row with the same clock kind
    replaces it there (an inactive site row switches the clock off at that site). Events are
    written ``verb`` or ``verb:key=value,key=value`` to match only events carrying that data,
    e.g. ``followup.recorded:which=ds3``. ``conditions`` keys: ``kinds``, ``exclude_kinds``,
    ``channels``, ``urgency``, ``repair_class``, ``is_complex``, ``data`` (equal values) and
    ``data_present`` (keys that must be non-empty). ``cancel_events`` stop a running clock
    without meeting it (``cancelled_at``): the commitment was replaced by another one, so the
    timeliness rate (DS-9) leaves it out. Every change goes through
    ``services.policy_update`` and leaves a ``SlaPolicyVersion`` snapshot.
    """

    site = models.ForeignKey(
        "org.Site",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sla_policies",
        verbose_name=_("管理处"),
        help_text=_("留空为公司默认；管理处自己的同类时限覆盖默认。"),
    )
    clock_kind = models.CharField(_("时限类别"), max_length=40)
    rule = models.CharField(_("规程条款"), max_length=20, help_text=_("例如 RQ-6、DS-3。"))
    name = models.CharField(_("名称"), max_length=100)
    start_events = models.JSONField(_("开始事件"), default=_empty_list)
    meet_events = models.JSONField(_("达成事件"), default=_empty_list)
    # Database defaults: data migrations of other apps written before these columns existed
    # (complaints 0002) insert policies through historical models that do not name them.
    cancel_events = models.JSONField(
        _("取消事件"),
        default=_empty_list,
        db_default=[],
        blank=True,
        help_text=_("停止计时但不算达成的事件（被新的时限取代，如投诉升级、批准延期）。"),
    )
    conditions = models.JSONField(_("适用条件"), default=_empty_dict, blank=True)
    anchor = models.CharField(
        _("起算时间"), max_length=10, choices=Anchor.choices, default=Anchor.EVENT
    )
    deadline_rule = models.CharField(
        _("期限规则"), max_length=20, choices=DeadlineRule.choices, default=DeadlineRule.DURATION
    )
    calendar = models.CharField(
        _("日历"), max_length=10, choices=CalendarKind.choices, default=CalendarKind.ROUND_THE_CLOCK
    )
    duration = models.DurationField(_("时长"), null=True, blank=True)
    working_days = models.PositiveSmallIntegerField(_("工作日天数"), null=True, blank=True)
    due_at_key = models.CharField(
        _("截止时间字段"),
        max_length=40,
        blank=True,
        db_default="",
        help_text=_("期限规则为“事件给定的时间”时，事件数据中给出截止时间的字段，例如 due_at。"),
    )
    warn_ratio = models.FloatField(
        _("预警比例"), default=0.8, help_text=_("用去该比例的时间时预警；0 表示不预警。")
    )
    pausable = models.BooleanField(_("等待住户时暂停"), default=True)
    warn_notify = models.JSONField(_("预警通知"), default=_empty_list, blank=True)
    breach_notify = models.JSONField(_("超时通知"), default=_empty_list, blank=True)
    breach_exception = models.BooleanField(
        _("超时记入异常报告"), default=True, help_text=_("RP-4：未按要求处理的记录原因和纠正措施。")
    )
    breach_hooks = models.JSONField(_("超时附加动作"), default=_empty_list, blank=True)
    escalations = models.JSONField(
        _("逐级升级"),
        default=_empty_list,
        blank=True,
        help_text=_('超时后每级：{"after_minutes": 30, "notify": ["site_manager"]}'),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("更新时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")
        ordering = ["site_id", "rule", "clock_kind"]
        constraints = [
            models.UniqueConstraint(fields=["site", "clock_kind"], name="sla_policy_site_kind"),
            models.UniqueConstraint(
                fields=["clock_kind"],
                condition=Q(site__isnull=True),
                name="sla_policy_default_kind",
            ),
            models.CheckConstraint(
                condition=Q(warn_ratio__gte=0) & Q(warn_ratio__lt=1), name="sla_policy_warn_ratio"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.name}"


class SlaPolicyVersion(models.Model):
    """A snapshot of a policy as it was at ``version``; clocks keep the version that started
    them, so a policy change never rewrites a running or past clock."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("版本"))
    snapshot = models.JSONField(_("内容"))
    changed_at = models.DateTimeField(_("修改时间"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("修改人"),
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("时限规则版本")
        verbose_name_plural = _("时限规则版本")
        ordering = ["policy", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "version"], name="sla_policy_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} v{self.version}"


class ClockQuerySet(models.QuerySet["Clock"]):
    def running(self) -> ClockQuerySet:
        """Not met and not cancelled (paused and breached clocks included)."""
        return self.filter(met_at__isnull=True, cancelled_at__isnull=True)

    def due_for_action(self, now: dt.datetime) -> ClockQuerySet:
        # Uses the partial index clock_next_action: only clocks with a pending level are in it.
        return self.filter(next_action_at__isnull=False, next_action_at__lte=now)


class Clock(models.Model):
    """One running commitment of a ticket, its deadline fixed when it started."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="clocks")
    site = models.ForeignKey("org.Site", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("时限类别"), max_length=40)
    rule = models.CharField(_("规程条款"), max_length=20)
    policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="clocks")
    policy_version = models.PositiveIntegerField(_("规则版本"))
    meet_events = models.JSONField(default=_empty_list)
    # Copied from the policy when the clock starts, like meet_events. The database default
    # keeps bulk writers that name their columns (core.benchdata's COPY) working.
    cancel_events = models.JSONField(default=_empty_list, db_default=[])
    pausable = models.BooleanField(default=True)
    started_at = models.DateTimeField(_("开始时间"))
    due_at = models.DateTimeField(_("截止时间"))
    warn_at = models.DateTimeField(_("预警时间"), null=True, blank=True)
    warned_at = models.DateTimeField(_("已预警"), null=True, blank=True)
    breached_at = models.DateTimeField(_("超时时间"), null=True, blank=True)
    met_at = models.DateTimeField(_("达成时间"), null=True, blank=True)
    met_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("达成人"),
    )
    met_event = models.CharField(max_length=80, blank=True)
    paused_at = models.DateTimeField(_("暂停于"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("累计暂停秒数"), default=0)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    # The sweep's work list: when the next level (warn, breach, escalation n) is due, and which
    # level that is. Empty once met, cancelled, paused or out of levels.
    next_action_at = models.DateTimeField(null=True, blank=True)
    next_level = models.PositiveSmallIntegerField(default=0)

    objects = ClockQuerySet.as_manager()

    class Meta:
        verbose_name = _("时限")
        verbose_name_plural = _("时限")
        indexes = [
            models.Index(
                fields=["next_action_at"],
                name="clock_next_action",
                condition=Q(next_action_at__isnull=False),
            ),
            models.Index(fields=["site", "due_at"], name="clock_site_due"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.kind} #{self.ticket_id}"

    @property
    def status(self) -> str:
        if self.cancelled_at is not None:
            return ClockStatus.CANCELLED
        if self.met_at is not None:
            return ClockStatus.MET_LATE if self.met_at > self.due_at else ClockStatus.MET
        if self.breached_at is not None:
            return ClockStatus.BREACHED
        if self.paused_at is not None:
            return ClockStatus.PAUSED
        return ClockStatus.RUNNING

    def get_status_display(self) -> str:
        return str(ClockStatus(self.status).label)


class ClockAction(models.Model):
    """One level of a clock acted on (0 warn, 1 breach, 2.. escalations).

    Inserted before acting; the unique (clock, level) constraint makes a second, overlapping
    sweep fail the insert and skip, so every level runs exactly once.
    """

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="actions")
    level = models.PositiveSmallIntegerField(_("级别"))
    acted_at = models.DateTimeField(_("执行时间"))
    # Which sweep inserted the row: the sweep bulk-inserts its claims ignoring conflicts, then
    # acts only on the rows carrying its own token.
    sweep_token = models.CharField(max_length=32, blank=True)

    class Meta:
        verbose_name = _("时限动作")
        verbose_name_plural = _("时限动作")
        constraints = [models.UniqueConstraint(fields=["clock", "level"], name="clock_action_once")]

    def __str__(self) -> str:
        return f"{self.clock_id} L{self.level}"


class ClockException(models.Model):
    """RP-4: a request not handled as required, with the cause and corrective action the
    supervisor fills in afterwards."""

    clock = models.OneToOneField(Clock, on_delete=models.CASCADE, related_name="exception")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="clock_exceptions"
    )
    site = models.ForeignKey("org.Site", on_delete=models.CASCADE, related_name="+")
    rule = models.CharField(_("规程条款"), max_length=20)
    kind = models.CharField(_("时限类别"), max_length=40)
    due_at = models.DateTimeField(_("截止时间"))
    recorded_at = models.DateTimeField(_("记录时间"))
    summary = models.CharField(_("情况"), max_length=300, blank=True)
    cause = models.TextField(_("原因"), blank=True)
    corrective_action = models.TextField(_("纠正措施"), blank=True)
    filled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("填写人"),
    )
    filled_at = models.DateTimeField(_("填写时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("异常记录")
        verbose_name_plural = _("异常记录")
        indexes = [models.Index(fields=["site", "recorded_at"], name="clock_exception_site")]

    def __str__(self) -> str:
        return f"{self.rule} {self.ticket_id}"
