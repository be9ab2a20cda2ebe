"""Reads of the duty app, used by its pages and API and by the rest of the product.

For other apps: ``current_shift(site, at)``, ``on_duty_now(site, at=None)`` (the CS duty
officers on the published roster now) and ``on_call_for(site, role_or_kind, at)`` (DT-7, used
by escalation).
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from estatedesk.core import clock
from estatedesk.core.calendar import DutyHours, DutyShift, duty_hours
from estatedesk.core.errors import NotFound
from estatedesk.duty.enums import (
    ChangeState,
    HandoverState,
    OnCallRole,
    RosterKind,
    RosterState,
)
from estatedesk.duty.handover_items import HandoverItem, collect_open_items
from estatedesk.duty.models import (
    DutyAssignment,
    DutyChange,
    DutyLogEntry,
    Handover,
    LogSignoff,
    OnCallEntry,
    Roster,
)
from estatedesk.org import roles
from estatedesk.org.enums import DepartmentKind, Role
from estatedesk.org.models import Membership, Site

# Who may read and write the duty log: the CS front desk (DT-8).
LOG_ROLES = roles.CS_DESK
# Who makes rosters, approves leave and swaps, signs the log (DT-1, DT-5, DT-11).
SUPERVISOR_ROLES = roles.SUPERVISORS
# Who may be put on the CS duty roster.
CS_DUTY_ROLES = frozenset({Role.DISPATCHER, Role.CS_ASSISTANT, Role.CS_SUPERVISOR})
CLEANING_DUTY_ROLES = frozenset({Role.DEPT_STAFF, Role.TEAM_LEADER})
# The incoming officer may start taking over this long before the shift starts (DT-9: at
# least 5 minutes early).
HANDOVER_EARLY = dt.timedelta(hours=1)


def person_name(user: Any) -> str:
    """Chinese order: family name then given name; the username when both are empty."""
    if user is None:
        return ""
    name = f"{user.last_name}{user.first_name}".strip()
    return name or user.get_username()


# --- time ---------------------------------------------------------------------------------


def current_shift(site: Site, at: dt.datetime | None = None) -> DutyShift | None:
    """The duty shift covering ``at`` (default now), None during the center's staffed hours."""
    return duty_hours(site).shift_at(at or clock.now())


def log_day_bounds(site: Site, day: dt.date) -> DutyShift:
    """A log day: from the morning handover of ``day`` to the next morning's (it holds the
    day's staffed hours, if any, and the night's duty shift)."""
    zone = clock.local_zone()
    start = dt.datetime.combine(day, site.work_start, tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), site.work_start, tzinfo=zone)
    return DutyShift(start, end)


def log_day_of(site: Site, at: dt.datetime | None = None) -> dt.date:
    local = clock.localtime(at)
    return local.date() if local.time() >= site.work_start else local.date() - dt.timedelta(days=1)


# --- roster -------------------------------------------------------------------------------


def month_start(value: dt.date) -> dt.date:
    return value.replace(day=1)


def next_month(value: dt.date) -> dt.date:
    first = month_start(value)
    return (first + dt.timedelta(days=32)).replace(day=1)


def month_days(month: dt.date) -> list[dt.date]:
    first = month_start(month)
    count = pycalendar.monthrange(first.year, first.month)[1]
    return [first + dt.timedelta(days=offset) for offset in range(count)]


def published_assignments(site: Site, kind: str = RosterKind.CS) -> QuerySet[DutyAssignment]:
    return DutyAssignment.objects.filter(site=site, kind=kind, roster__state=RosterState.PUBLISHED)


def on_duty_now(site: Site, at: dt.datetime | None = None, kind: str = RosterKind.CS) -> list[Any]:
    """The people on the published roster at ``at`` (default now): the CS duty officers, or
    the cleaners with ``kind="cleaning"``. Empty during staffed day hours. One query, on the
    ``assignment_when`` index."""
    moment = at or clock.now()
    rows = (
        published_assignments(site, kind)
        .filter(starts_at__lte=moment, ends_at__gt=moment)
        .select_related("user")
        .order_by("starts_at", "pk")
    )
    return [row.user for row in rows]


def assignment_for_incoming(
    site: Site, user: Any, at: dt.datetime | None = None
) -> DutyAssignment | None:
    """``user``'s CS duty assignment that is running or starts within HANDOVER_EARLY."""
    moment = at or clock.now()
    return (
        published_assignments(site)
        .filter(user=user, starts_at__lte=moment + HANDOVER_EARLY, ends_at__gt=moment)
        .order_by("starts_at")
        .first()
    )


def previous_assignment(assignment: DutyAssignment) -> DutyAssignment | None:
    """The CS duty assignment that ended last before ``assignment`` starts, by someone else."""
    return (
        published_assignments(assignment.site)
        .filter(ends_at__lte=assignment.starts_at)
        .exclude(user_id=assignment.user_id)
        .select_related("user")
        .order_by("-ends_at", "-pk")
        .first()
    )


def eligible_staff(site: Site, kind: str) -> QuerySet[Any]:
    """Who may be put on a roster of ``kind`` at ``site``."""
    members = Membership.objects.filter(site=site, is_active=True, user__is_active=True)
    if kind == RosterKind.CLEANING:
        members = members.filter(
            role__in=CLEANING_DUTY_ROLES, department__kind=DepartmentKind.CLEANING
        )
    else:
        members = members.filter(role__in=CS_DUTY_ROLES)
    user_ids = members.values_list("user_id", flat=True)
    return get_user_model().objects.filter(pk__in=user_ids).order_by("username")


def users_with_roles(site: Site, role_set: frozenset[str]) -> list[Any]:
    """The active users holding one of ``role_set`` at ``site``, each once."""
    user_ids = Membership.objects.filter(
        site=site, role__in=role_set, is_active=True, user__is_active=True
    ).values_list("user_id", flat=True)
    return list(get_user_model().objects.filter(pk__in=user_ids).order_by("username"))


def site_staff(site: Site, role_set: frozenset[str] = roles.ALL_STAFF) -> QuerySet[Any]:
    """Active users holding one of ``role_set`` at ``site`` (a queryset, for form choices)."""
    user_ids = Membership.objects.filter(
        site=site, role__in=role_set, is_active=True, user__is_active=True
    ).values_list("user_id", flat=True)
    return get_user_model().objects.filter(pk__in=user_ids).order_by("username")


def cs_desk_staff(site: Site) -> QuerySet[Any]:
    return site_staff(site, roles.CS_DESK)


@dataclass
class GridDay:
    day: dt.date
    shift: DutyShift
    is_working_day: bool
    is_today: bool
    assignments: list[DutyAssignment] = field(default_factory=list)
    pending: int = 0


def roster_grid(
    *, site: Site, kind: str, month: dt.date, hours: DutyHours | None = None
) -> tuple[Roster | None, list[GridDay]]:
    """The month grid: one row per day with its shift and the people on it (3 queries)."""
    first = month_start(month)
    roster = Roster.objects.filter(site=site, kind=kind, month=first).first()
    hours = hours or duty_hours(site)
    today = clock.today()
    by_day: dict[dt.date, list[DutyAssignment]] = defaultdict(list)
    pending: dict[dt.date, int] = defaultdict(int)
    if roster is not None:
        for row in roster.assignments.select_related("user", "planned_user").order_by("day", "pk"):
            by_day[row.day].append(row)
        for day in DutyChange.objects.filter(
            assignment__roster=roster, state=ChangeState.PENDING
        ).values_list("assignment__day", flat=True):
            pending[day] += 1
    grid = [
        GridDay(
            day=day,
            shift=hours.shift_of_day(day),
            is_working_day=hours.calendar.is_working_day(day),
            is_today=day == today,
            assignments=by_day.get(day, []),
            pending=pending.get(day, 0),
        )
        for day in month_days(first)
    ]
    return roster, grid


def get_roster_for_user(user: Any, roster_id: int, role_set: frozenset[str]) -> Roster:
    roster = Roster.objects.select_related("site").filter(pk=roster_id).first()
    if roster is None or not roles.has_role(user, roster.site_id, role_set):
        raise NotFound()
    return roster


def get_assignment_for_user(
    user: Any, assignment_id: int, role_set: frozenset[str] = roles.ALL_STAFF
) -> DutyAssignment:
    row = (
        DutyAssignment.objects.select_related("roster", "site", "user")
        .filter(pk=assignment_id)
        .first()
    )
    if row is None or not roles.has_role(user, row.site_id, role_set):
        raise NotFound()
    return row


def upcoming_assignments(user: Any, *, site_ids: list[int]) -> QuerySet[DutyAssignment]:
    return (
        DutyAssignment.objects.filter(user=user, site_id__in=site_ids, ends_at__gt=clock.now())
        .select_related("site", "roster")
        .order_by("starts_at")
    )


# --- leave and swaps ----------------------------------------------------------------------


def changes_for_user(user: Any, *, site_ids: list[int]) -> QuerySet[DutyChange]:
    """Changes a user may see: all at sites they supervise, their own and those naming them."""
    supervised = roles.site_ids_with(user, SUPERVISOR_ROLES)
    own = Q(requested_by=user) | Q(substitute=user) | Q(original_user=user)
    return (
        DutyChange.objects.filter(site_id__in=site_ids)
        .filter(Q(site_id__in=supervised) | own)
        .select_related(
            "site",
            "assignment",
            "requested_by",
            "original_user",
            "substitute",
            "decided_by",
        )
        .order_by("-created_at", "-pk")
    )


def get_change_for_user(user: Any, change_id: int) -> DutyChange:
    change = changes_for_user(user, site_ids=roles.site_ids_with(user)).filter(pk=change_id).first()
    if change is None:
        raise NotFound()
    return change


# --- on-call (DT-7) -----------------------------------------------------------------------


@dataclass(frozen=True)
class OnCallContact:
    user: Any
    role: str
    phone: str
    priority: int
    source: str  # "list": the on-call list; "membership": fallback from the role holders


# Accepted spellings of ``role_or_kind``: on-call roles, org roles and department kinds.
ON_CALL_ALIASES: dict[str, str] = {
    OnCallRole.MANAGER: OnCallRole.MANAGER,
    Role.SITE_MANAGER: OnCallRole.MANAGER,
    DepartmentKind.MANAGEMENT: OnCallRole.MANAGER,
    OnCallRole.CS_HEAD: OnCallRole.CS_HEAD,
    Role.CS_SUPERVISOR: OnCallRole.CS_HEAD,
    DepartmentKind.CUSTOMER_SERVICE: OnCallRole.CS_HEAD,
    OnCallRole.SECURITY_HEAD: OnCallRole.SECURITY_HEAD,
    DepartmentKind.SECURITY: OnCallRole.SECURITY_HEAD,
    OnCallRole.MAINTENANCE_HEAD: OnCallRole.MAINTENANCE_HEAD,
    DepartmentKind.ENGINEERING: OnCallRole.MAINTENANCE_HEAD,
    "maintenance": OnCallRole.MAINTENANCE_HEAD,
}


def _fallback_members(site: Site, role: str) -> QuerySet[Membership]:
    members = Membership.objects.filter(site=site, is_active=True, user__is_active=True)
    if role == OnCallRole.MANAGER:
        return members.filter(role=Role.SITE_MANAGER)
    if role == OnCallRole.CS_HEAD:
        return members.filter(role=Role.CS_SUPERVISOR)
    kind = (
        DepartmentKind.SECURITY if role == OnCallRole.SECURITY_HEAD else DepartmentKind.ENGINEERING
    )
    return members.filter(role=Role.DEPT_HEAD, department__kind=kind)


def on_call_for(
    site: Site, role_or_kind: str, at: dt.datetime | None = None
) -> list[OnCallContact]:
    """Whom the duty officer calls for ``role_or_kind`` at ``at`` (DT-7), in calling order.

    ``role_or_kind``: an ``OnCallRole`` (``manager``, ``cs_head``, ``security_head``,
    ``maintenance_head``), an org ``Role`` (``site_manager``, ``cs_supervisor``) or a department
    kind (``management``, ``cs``, ``security``, ``engineering``/``maintenance``). Entries of the
    on-call list valid on that day come first by priority; when the list has none, the holders
    of the matching role at the site (without a phone). Unknown keys raise ``ValueError``.
    """
    role = ON_CALL_ALIASES.get(str(role_or_kind))
    if role is None:
        raise ValueError(f"unknown on-call role or kind: {role_or_kind!r}")
    day = clock.localtime(at).date()
    entries = (
        OnCallEntry.objects.filter(site=site, role=role, user__is_active=True)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .select_related("user")
        .order_by("priority", "pk")
    )
    contacts = [
        OnCallContact(user=e.user, role=role, phone=e.phone, priority=e.priority, source="list")
        for e in entries
    ]
    if contacts:
        return contacts
    members = _fallback_members(site, role).select_related("user").order_by("user__username")
    seen: set[int] = set()
    for member in members:
        if member.user_id not in seen:
            seen.add(member.user_id)
            contacts.append(
                OnCallContact(
                    user=member.user, role=role, phone="", priority=99, source="membership"
                )
            )
    return contacts


def on_call_list(site: Site) -> QuerySet[OnCallEntry]:
    return OnCallEntry.objects.filter(site=site).select_related("user").order_by("role", "priority")


def get_on_call_entry_for_user(user: Any, entry_id: int) -> OnCallEntry:
    entry = OnCallEntry.objects.filter(pk=entry_id).select_related("site").first()
    if entry is None or not roles.has_role(user, entry.site_id, SUPERVISOR_ROLES):
        raise NotFound()
    return entry


# --- duty log -----------------------------------------------------------------------------


def log_entries(
    site: Site, *, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> QuerySet[DutyLogEntry]:
    """A site's entries recorded in [start, end), with what corrected or closed each (one
    query: reverse one-to-one joins)."""
    rows = DutyLogEntry.objects.filter(site=site)
    if start is not None:
        rows = rows.filter(recorded_at__gte=start)
    if end is not None:
        rows = rows.filter(recorded_at__lt=end)
    return rows.select_related("correction", "closure", "corrects", "closes").order_by("seq")


def open_log_items(site: Site) -> QuerySet[DutyLogEntry]:
    """Follow-ups not yet closed, in their latest version (a corrected entry is replaced by its
    correction, which carries the follow-up on)."""
    return (
        DutyLogEntry.objects.filter(
            site=site, follow_up=True, correction__isnull=True, closure__isnull=True
        )
        .select_related("corrects")
        .order_by("seq")
    )


def get_entry_for_user(user: Any, entry_id: int) -> DutyLogEntry:
    entry = (
        DutyLogEntry.objects.select_related("site", "correction", "closure", "corrects", "closes")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None or not roles.has_role(user, entry.site_id, LOG_ROLES):
        raise NotFound()
    return entry


def last_seq(site: Site) -> int:
    value = (
        DutyLogEntry.objects.filter(site=site)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
    return value or 0


# --- handover -----------------------------------------------------------------------------


def open_items(site: Site, shift: DutyShift) -> list[HandoverItem]:
    return collect_open_items(site=site, shift=shift)


def open_handover(site: Site) -> Handover | None:
    return (
        Handover.objects.filter(site=site, state=HandoverState.OPEN)
        .select_related("incoming", "outgoing", "assignment")
        .first()
    )


def last_completed_handover(site: Site, before: dt.datetime | None = None) -> Handover | None:
    rows = Handover.objects.filter(site=site, state=HandoverState.COMPLETED)
    if before is not None:
        rows = rows.filter(completed_at__lt=before)
    return rows.select_related("incoming", "outgoing").order_by("-completed_at").first()


def get_handover_for_user(user: Any, handover_id: int) -> Handover:
    handover = (
        Handover.objects.select_related("site", "incoming", "outgoing", "override_by", "assignment")
        .filter(pk=handover_id)
        .first()
    )
    if handover is None or not roles.has_role(user, handover.site_id, LOG_ROLES):
        raise NotFound()
    return handover


def handovers(site: Site) -> QuerySet[Handover]:
    return (
        Handover.objects.filter(site=site)
        .select_related("incoming", "outgoing")
        .order_by("-started_at", "-pk")
    )


def carried_items(user: Any, site: Site) -> list[Any]:
    """The items ``user`` took over at their latest completed handover at ``site``."""
    handover = (
        Handover.objects.filter(site=site, state=HandoverState.COMPLETED, incoming=user)
        .order_by("-completed_at")
        .first()
    )
    if handover is None:
        return []
    return list(handover.lines.filter(carried_to=user).order_by("-blocking", "-important", "pk"))


# --- sign-off (DT-11) ---------------------------------------------------------------------


@dataclass
class SignoffRow:
    day: dt.date
    bounds: DutyShift
    signoff: LogSignoff | None
    entries: int


def signoff_rows(site: Site, *, days: int = 14) -> list[SignoffRow]:
    """The last ``days`` finished log days with their signature and entry count (3 queries)."""
    today_day = log_day_of(site)
    wanted = [today_day - dt.timedelta(days=n) for n in range(1, days + 1)]
    bounds = {day: log_day_bounds(site, day) for day in wanted}
    signed = {
        s.day: s
        for s in LogSignoff.objects.filter(site=site, day__in=wanted).select_related("signed_by")
    }
    oldest = bounds[wanted[-1]].start
    counts: dict[dt.date, int] = defaultdict(int)
    for recorded_at in DutyLogEntry.objects.filter(
        site=site, recorded_at__gte=oldest, recorded_at__lt=bounds[wanted[0]].end
    ).values_list("recorded_at", flat=True):
        counts[log_day_of(site, recorded_at)] += 1
    return [SignoffRow(day, bounds[day], signed.get(day), counts.get(day, 0)) for day in wanted]
