"""SLA vocabulary: calendars, deadline rules, clock states and action levels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarKind(models.TextChoices):
    ROUND_THE_CLOCK = "24x7", _("全天候（24x7）")
    WORKING = "working", _("工作时间")


class DeadlineRule(models.TextChoices):
    """How a clock's due time is computed when it starts."""

    DURATION = "duration", _("时长（按所选日历计）")
    WORKING_DAYS = "working_days", _("工作日天数")
    END_OF_WORKING_DAY = "end_of_working_day", _("当日下班前（DS-4）")
    EXTERNAL_COMMITTED = "external_committed", _("外部单位承诺时间（CV-2 Q）")
    EVENT_TIME = "event_time", _("事件给定的时间（如住户的合理期限、批准的延期）")


class Anchor(models.TextChoices):
    """Which instant a clock counts from."""

    EVENT = "event", _("事件发生时")
    RECEIVED = "received", _("工单受理时")


class ClockStatus(models.TextChoices):
    RUNNING = "running", _("计时中")
    PAUSED = "paused", _("暂停")
    MET = "met", _("按时完成")
    MET_LATE = "met_late", _("超时后完成")
    BREACHED = "breached", _("已超时")
    CANCELLED = "cancelled", _("已取消")


# Action levels of a clock: 0 warns, 1 breaches, 2.. are the escalation steps after the breach.
# A ClockAction row is unique per (clock, level), so each level runs exactly once.
LEVEL_WARN = 0
LEVEL_BREACH = 1
FIRST_ESCALATION_LEVEL = 2

# Notification recipients a policy may name besides role codes (org.enums.Role values).
RECIPIENT_ASSIGNEE = "assignee"
RECIPIENT_RECEIVER = "receiver"
SPECIAL_RECIPIENTS = (RECIPIENT_ASSIGNEE, RECIPIENT_RECEIVER)
