"""Pure policy logic: which policies apply, event and condition matching, deadline arithmetic,
the action levels of a clock, snapshots and validation. No writes here."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from estatedesk.core.calendar import Calendar, RoundTheClock
from estatedesk.core.clock import local_zone
from estatedesk.core.errors import ValidationFailed
from estatedesk.org.enums import Role
from estatedesk.sla import hooks
from estatedesk.sla.enums import (
    FIRST_ESCALATION_LEVEL,
    LEVEL_BREACH,
    LEVEL_WARN,
    SPECIAL_RECIPIENTS,
    Anchor,
    CalendarKind,
    DeadlineRule,
)
from estatedesk.sla.models import Clock, SlaPolicy, SlaPolicyVersion

CONDITION_KEYS = frozenset(
    {
        "kinds",
        "exclude_kinds",
        "channels",
        "urgency",
        "repair_class",
        "is_complex",
        "data",
        "data_present",
    }
)
DATA_KEY_PATTERN = re.compile(r"^[a-z_][a-z0-9_]{0,39}$")
EVENT_PATTERN = re.compile(r"^[a-z_]+\.[a-z_0-9]+(:[a-z_0-9]+=[^,=]*(,[a-z_0-9]+=[^,=]*)*)?$")
CLOCK_KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def policies_for_site(site_id: int) -> list[SlaPolicy]:
    """The site's active policies: its own rows replace company defaults of the same kind."""
    rows = SlaPolicy.objects.filter(Q(site_id=site_id) | Q(site__isnull=True))
    by_kind: dict[str, SlaPolicy] = {}
    for pol in sorted(rows, key=lambda p: (p.site_id is not None, p.pk)):
        by_kind[pol.clock_kind] = pol
    return sorted((p for p in by_kind.values() if p.is_active), key=lambda p: (p.rule, p.pk))


def _norm(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value).strip().lower()


def parse_event(spec: str) -> tuple[str, dict[str, str]]:
    """``"followup.recorded:which=ds3"`` -> ``("followup.recorded", {"which": "ds3"})``."""
    verb, _sep, rest = spec.partition(":")
    wanted: dict[str, str] = {}
    for pair in filter(None, rest.split(",")):
        key, _eq, value = pair.partition("=")
        wanted[key.strip()] = _norm(value)
    return verb.strip(), wanted


def event_matches(spec: str, event: str, data: dict[str, Any]) -> bool:
    verb, wanted = parse_event(spec)
    if verb != event:
        return False
    return all(_norm(data.get(key)) == value for key, value in wanted.items())


def event_matches_any(specs: list[str], event: str, data: dict[str, Any]) -> bool:
    return any(event_matches(spec, event, data) for spec in specs or [])


def conditions_match(conditions: dict[str, Any], ticket: Any, data: dict[str, Any]) -> bool:
    """Does the ticket (its values in the event's data first, then its row) fit the policy?"""
    conditions = conditions or {}

    def value(name: str) -> Any:
        return data[name] if name in data else getattr(ticket, name, None)

    if "kinds" in conditions and value("kind") not in conditions["kinds"]:
        return False
    if value("kind") in conditions.get("exclude_kinds", []):
        return False
    for key, attr in (("channels", "channel"), ("urgency", "urgency")):
        if key in conditions and value(attr) not in conditions[key]:
            return False
    if "repair_class" in conditions and value("repair_class") not in conditions["repair_class"]:
        return False
    if "is_complex" in conditions and bool(value("is_complex")) != bool(conditions["is_complex"]):
        return False
    for key, wanted in (conditions.get("data") or {}).items():
        if _norm(data.get(key)) != _norm(wanted):
            return False
    return all(data.get(key) not in (None, "", []) for key in conditions.get("data_present", []))


def working_day_length(site: Any) -> dt.timedelta:
    start = dt.datetime.combine(dt.date(2000, 1, 1), site.work_start)
    end = dt.datetime.combine(dt.date(2000, 1, 1), site.work_end)
    return end - start


def event_due_at(data: dict[str, Any], key: str) -> dt.datetime | None:
    """The due time an event carries under ``key`` (``DeadlineRule.EVENT_TIME``): an aware
    datetime or an ISO 8601 string (without an offset it is local time). None when the key is
    missing, empty or not a time."""
    value = data.get(key) if key else None
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, str) and value.strip():
        try:
            when = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=local_zone())


def deadline(
    policy: SlaPolicy,
    *,
    calendar: Calendar,
    site: Any,
    start: dt.datetime,
    committed_hours: int | None = None,
    given_due: dt.datetime | None = None,
) -> tuple[dt.datetime, dt.datetime | None]:
    """``(due_at, warn_at)`` of a clock of ``policy`` starting at ``start``.

    ``committed_hours``: the outside unit's hours (``external_committed``, CV-2 Q);
    ``given_due``: the time the event gave (``event_time``: the resident's reasonable deadline,
    CP-5; an approved extension, CP-7), due exactly then (never before ``start``). Both fall
    back to the policy's duration when the event gave nothing.
    """
    work: dt.timedelta | None
    rule = policy.deadline_rule
    if rule == DeadlineRule.END_OF_WORKING_DAY:
        # DS-4: before the end of the working day; after closing, the next working day's end.
        work = None
        due = calendar.end_of_working_day(start)
    elif rule == DeadlineRule.EVENT_TIME and given_due is not None:
        # An instant, not an amount of working time: the calendar does not move it.
        work = None
        due = max(given_due, start)
    else:
        if rule == DeadlineRule.WORKING_DAYS:
            day = (
                dt.timedelta(hours=24)
                if isinstance(calendar, RoundTheClock)
                else working_day_length(site)
            )
            work = day * int(policy.working_days or 0)
        elif rule == DeadlineRule.EXTERNAL_COMMITTED and committed_hours:
            work = dt.timedelta(hours=committed_hours)
        else:
            work = policy.duration or dt.timedelta(0)
        due = calendar.add_working_time(start, work)
    warn: dt.datetime | None = None
    if policy.warn_ratio > 0:
        if work is not None:
            warn = calendar.add_working_time(start, work * policy.warn_ratio)
        else:
            warn = start + (due - start) * policy.warn_ratio
        warn = min(max(warn, start), due)
    return due, warn


def _escalation_offsets(escalations: list[dict[str, Any]]) -> list[dt.timedelta]:
    return [dt.timedelta(minutes=int(step.get("after_minutes", 0))) for step in escalations]


def next_pending(
    item: Clock, escalations: list[dict[str, Any]], from_level: int
) -> tuple[int, dt.datetime | None]:
    """The first level at or after ``from_level`` and when it is due; ``(n, None)`` if none.

    Levels: 0 warns at ``warn_at`` (if the policy warns), 1 breaches at ``due_at``, 2.. are the
    escalation steps ``after_minutes`` after the due time.
    """
    level = from_level
    if level <= LEVEL_WARN:
        if item.warn_at is not None and item.warn_at < item.due_at:
            return LEVEL_WARN, item.warn_at
        level = LEVEL_BREACH
    if level == LEVEL_BREACH:
        return LEVEL_BREACH, item.due_at
    offsets = _escalation_offsets(escalations)
    index = level - FIRST_ESCALATION_LEVEL
    if 0 <= index < len(offsets):
        return level, item.due_at + offsets[index]
    return FIRST_ESCALATION_LEVEL + len(offsets), None


def escalations_for(clocks: list[Clock]) -> dict[int, list[dict[str, Any]]]:
    """Each clock's escalation steps as of the policy version that started it (one query)."""
    return {item.pk: snap.get("escalations", []) for item, snap in snapshots_for(clocks).items()}


def snapshots_for(clocks: list[Clock]) -> dict[Clock, dict[str, Any]]:
    pairs = {(c.policy_id, c.policy_version) for c in clocks}
    if not pairs:
        return {}
    query = Q()
    for policy_id, version in pairs:
        query |= Q(policy_id=policy_id, version=version)
    found = {
        (policy_id, version): snap
        for policy_id, version, snap in SlaPolicyVersion.objects.filter(query).values_list(
            "policy_id", "version", "snapshot"
        )
    }
    return {c: found.get((c.policy_id, c.policy_version), {}) for c in clocks}


def snapshot(pol: SlaPolicy) -> dict[str, Any]:
    """The policy's settings as JSON-safe values (the body of a SlaPolicyVersion)."""
    return {
        "site_id": pol.site_id,
        "clock_kind": pol.clock_kind,
        "rule": pol.rule,
        "name": pol.name,
        "start_events": list(pol.start_events or []),
        "meet_events": list(pol.meet_events or []),
        "cancel_events": list(pol.cancel_events or []),
        "conditions": dict(pol.conditions or {}),
        "anchor": pol.anchor,
        "deadline_rule": pol.deadline_rule,
        "calendar": pol.calendar,
        "duration_seconds": int(pol.duration.total_seconds()) if pol.duration else None,
        "working_days": pol.working_days,
        "due_at_key": pol.due_at_key,
        "warn_ratio": pol.warn_ratio,
        "pausable": pol.pausable,
        "warn_notify": list(pol.warn_notify or []),
        "breach_notify": list(pol.breach_notify or []),
        "breach_exception": pol.breach_exception,
        "breach_hooks": list(pol.breach_hooks or []),
        "escalations": list(pol.escalations or []),
        "is_active": pol.is_active,
    }


def _check_recipients(values: Any, label: str) -> None:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValidationFailed(_("%(f)s须为列表。") % {"f": label})
    known = set(Role.values) | set(SPECIAL_RECIPIENTS)
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValidationFailed(
            _("%(f)s中有未知的接收人：%(v)s") % {"f": label, "v": ", ".join(unknown)}
        )


def _check_events(values: Any, label: str, *, required: bool) -> None:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValidationFailed(_("%(f)s须为事件列表。") % {"f": label})
    if required and not values:
        raise ValidationFailed(_("%(f)s不能为空。") % {"f": label})
    bad = [v for v in values if not EVENT_PATTERN.match(v)]
    if bad:
        raise ValidationFailed(
            _("%(f)s格式应为 动作 或 动作:键=值：%(v)s") % {"f": label, "v": ", ".join(bad)}
        )


def validate(pol: SlaPolicy) -> None:
    """Refuse a policy that could not compute a deadline or names unknown things."""
    if not CLOCK_KIND_PATTERN.match(pol.clock_kind or ""):
        raise ValidationFailed(_("时限类别须为小写字母、数字和下划线。"))
    if not (pol.rule or "").strip() or not (pol.name or "").strip():
        raise ValidationFailed(_("请填写规程条款和名称。"))
    _check_events(pol.start_events, _("开始事件"), required=True)
    _check_events(pol.meet_events, _("达成事件"), required=False)
    _check_events(pol.cancel_events, _("取消事件"), required=False)
    both = sorted(set(pol.meet_events) & set(pol.cancel_events))
    if both:
        raise ValidationFailed(_("同一事件不能既算达成又算取消：%(v)s") % {"v": ", ".join(both)})
    if not isinstance(pol.conditions, dict):
        raise ValidationFailed(_("适用条件须为对象。"))
    unknown = sorted(set(pol.conditions) - CONDITION_KEYS)
    if unknown:
        raise ValidationFailed(_("未知的适用条件：%(v)s") % {"v": ", ".join(unknown)})
    if pol.anchor not in Anchor.values:
        raise ValidationFailed(_("起算时间无效。"))
    if pol.calendar not in CalendarKind.values:
        raise ValidationFailed(_("日历无效。"))
    rule = pol.deadline_rule
    if rule not in DeadlineRule.values:
        raise ValidationFailed(_("期限规则无效。"))
    positive = pol.duration is not None and pol.duration > dt.timedelta(0)
    if rule == DeadlineRule.DURATION and not positive:
        raise ValidationFailed(_("请填写大于零的时长。"))
    if rule == DeadlineRule.WORKING_DAYS and not pol.working_days:
        raise ValidationFailed(_("请填写工作日天数。"))
    if rule == DeadlineRule.EXTERNAL_COMMITTED and not positive:
        raise ValidationFailed(_("请填写外部单位未承诺时的默认时长。"))
    if rule == DeadlineRule.EVENT_TIME:
        if not DATA_KEY_PATTERN.match(pol.due_at_key or ""):
            raise ValidationFailed(
                _("请填写事件中给出截止时间的字段（小写字母、数字和下划线，如 due_at）。")
            )
        if not positive:
            raise ValidationFailed(_("请填写事件未给出截止时间时的默认时长。"))
    if not 0 <= pol.warn_ratio < 1:
        raise ValidationFailed(_("预警比例须在 0 到 1 之间（不含 1）。"))
    _check_recipients(pol.warn_notify, _("预警通知"))
    _check_recipients(pol.breach_notify, _("超时通知"))
    if not isinstance(pol.breach_hooks, list) or any(
        not hooks.is_registered(name) for name in pol.breach_hooks
    ):
        raise ValidationFailed(_("超时附加动作未注册。"))
    if not isinstance(pol.escalations, list):
        raise ValidationFailed(_("逐级升级须为列表。"))
    previous = -1
    for step in pol.escalations:
        if not isinstance(step, dict) or not isinstance(step.get("after_minutes"), int):
            raise ValidationFailed(_('每级升级须写明 {"after_minutes": 分钟, "notify": [...]}。'))
        if step["after_minutes"] < 0 or step["after_minutes"] <= previous:
            raise ValidationFailed(_("升级时间须递增且不小于零。"))
        previous = step["after_minutes"]
        _check_recipients(step.get("notify", []), _("逐级升级"))
