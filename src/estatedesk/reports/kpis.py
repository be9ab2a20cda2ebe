"""RP-7 staff figures: how well each person and department followed the procedures in a
period, the basis of the performance evaluation, each number with the tickets behind it.

Per person:
- clocks met on time / met late: clocks due in the period that the person met (``met_by``);
- clocks missed: clocks due in the period that breached and were never met, on tickets the
  person is responsible for (``assignee``);
- follow-ups on time / late: DS-3 and DS-4 clocks met by the person's follow-up record;
- ratings: tickets rated in the period (RQ-10) that the person was responsible for;
- reopened: tickets the resident or staff reopened in the period (the work did not hold).

Per department the same, by the ticket's department, plus follow-ups missed outright. A fixed
number of queries per page: grouped counts on the (site, due_at) clock index and on the
(site, verb, occurred_at) event index.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, F, Max, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from estatedesk.core.models import Event
from estatedesk.org.models import Membership
from estatedesk.reports.enums import Procedure
from estatedesk.reports.figures import Table
from estatedesk.reports.models import TrainingAttendance
from estatedesk.reports.periods import Period
from estatedesk.sla.models import Clock
from estatedesk.tickets.models import Ticket

FOLLOW_UP_RULES = ("DS-3", "DS-4")
FOLLOW_UP_EVENT = "followup.recorded"
ON_TIME = Q(met_at__isnull=False, met_at__lte=F("due_at"))
LATE = Q(met_at__isnull=False, met_at__gt=F("due_at"))
MISSED = Q(breached_at__isnull=False, met_at__isnull=True)
FOLLOW_UP = Q(rule__in=FOLLOW_UP_RULES, met_event=FOLLOW_UP_EVENT)
FOLLOW_UP_CLOCK = Q(rule__in=FOLLOW_UP_RULES)

METRICS = {
    "on_time": gettext_lazy("按时完成的时限"),
    "late": gettext_lazy("超时后完成的时限"),
    "missed": gettext_lazy("超时未完成的时限"),
    "fu_on_time": gettext_lazy("按时跟进"),
    "fu_late": gettext_lazy("超时跟进"),
    "fu_missed": gettext_lazy("未跟进（超时）"),
    "rated": gettext_lazy("已评价工单"),
    "reopened": gettext_lazy("返工工单"),
}
CLOCK_METRICS = frozenset({"on_time", "late", "missed", "fu_on_time", "fu_late", "fu_missed"})


@dataclass
class KpiRow:
    """One person's or department's figures."""

    ident: int | None
    name: str
    detail: str = ""
    on_time: int = 0
    late: int = 0
    missed: int = 0
    fu_on_time: int = 0
    fu_late: int = 0
    fu_missed: int = 0
    rated: int = 0
    rating_avg: float | None = None
    reopened: int = 0
    trained: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def clock_rate(self) -> float | None:
        total = self.on_time + self.late + self.missed
        return round(100 * self.on_time / total, 1) if total else None

    @property
    def follow_up_rate(self) -> float | None:
        total = self.fu_on_time + self.fu_late + self.fu_missed
        return round(100 * self.fu_on_time / total, 1) if total else None

    @property
    def is_empty(self) -> bool:
        return not (
            self.on_time
            or self.late
            or self.missed
            or self.fu_on_time
            or self.fu_late
            or self.fu_missed
            or self.rated
            or self.reopened
        )


def _clocks(site_ids: list[int], period: Period) -> QuerySet[Clock]:
    # clock_site_due index
    return Clock.objects.filter(
        site_id__in=site_ids, due_at__gte=period.start, due_at__lt=period.end
    )


def _event_tickets(site_ids: list[int], period: Period, verb: str) -> QuerySet[Ticket]:
    # event_site_verb index: the events of the period, then their tickets by primary key
    subject_ids = Event.objects.filter(
        site_id__in=site_ids,
        verb=verb,
        occurred_at__gte=period.start,
        occurred_at__lt=period.end,
        subject_type="tickets.ticket",
    ).values("subject_id")
    return Ticket.objects.filter(pk__in=subject_ids)


def person_name(user: Any) -> str:
    return (user.get_full_name() or "").strip() or user.get_username()


def staff(site_ids: list[int], period: Period) -> list[KpiRow]:
    """One row per active staff member of the sites (zero rows too: everyone is evaluated)."""
    rows: dict[int, KpiRow] = {}
    for membership in (
        Membership.objects.filter(site_id__in=site_ids, is_active=True, user__is_active=True)
        .select_related("user", "department")
        .order_by("department__kind", "user__username", "role")
    ):
        row = rows.get(membership.user_id)
        label = membership.get_role_display()
        if membership.department is not None:
            label = f"{membership.department.name} · {label}"
        if row is None:
            rows[membership.user_id] = KpiRow(
                membership.user_id, person_name(membership.user), str(label)
            )
        elif str(label) not in row.detail:
            row.detail = f"{row.detail}；{label}"
    clocks = _clocks(site_ids, period)
    for found in (
        clocks.filter(met_by__isnull=False)
        .values("met_by")
        .annotate(
            on_time=Count("pk", filter=ON_TIME),
            late=Count("pk", filter=LATE),
            fu_on_time=Count("pk", filter=ON_TIME & FOLLOW_UP),
            fu_late=Count("pk", filter=LATE & FOLLOW_UP),
        )
        .order_by()
    ):
        row = rows.get(found["met_by"])
        if row is not None:
            row.on_time, row.late = found["on_time"], found["late"]
            row.fu_on_time, row.fu_late = found["fu_on_time"], found["fu_late"]
    for found in (
        clocks.filter(MISSED, ticket__assignee__isnull=False)
        .values("ticket__assignee")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        row = rows.get(found["ticket__assignee"])
        if row is not None:
            row.missed = found["n"]
    for found in (
        _event_tickets(site_ids, period, "ticket.rated")
        .filter(assignee__isnull=False, rating__isnull=False)
        .values("assignee")
        .annotate(n=Count("pk"), avg=Avg("rating"))
        .order_by()
    ):
        row = rows.get(found["assignee"])
        if row is not None:
            row.rated, row.rating_avg = found["n"], round(found["avg"], 2)
    for found in (
        _event_tickets(site_ids, period, "ticket.reopen")
        .filter(assignee__isnull=False)
        .values("assignee")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        row = rows.get(found["assignee"])
        if row is not None:
            row.reopened = found["n"]
    _attach_training(site_ids, rows)
    return list(rows.values())


def _attach_training(site_ids: list[int], rows: dict[int, KpiRow]) -> None:
    """RP-8 next to RP-7: the last training date per procedure family of each person."""
    labels = dict(Procedure.choices)
    trained: dict[int, list[tuple[str, Any]]] = defaultdict(list)
    for user_id, procedure, last in (
        TrainingAttendance.objects.filter(user_id__in=list(rows), session__site_id__in=site_ids)
        .values("user_id", "session__procedure")
        .annotate(last=Max("session__held_on"))
        .values_list("user_id", "session__procedure", "last")
        .order_by("user_id", "session__procedure")
    ):
        trained[user_id].append((str(labels.get(procedure, procedure)).split(" ")[0], last))
    for user_id, items in trained.items():
        rows[user_id].trained = items


def departments(site_ids: list[int], period: Period) -> list[KpiRow]:
    rows: dict[int | None, KpiRow] = {}

    def row_for(ident: int | None, name: str | None) -> KpiRow:
        if ident not in rows:
            rows[ident] = KpiRow(ident, name or _("未分派"))
        return rows[ident]

    clocks = _clocks(site_ids, period)
    for found in (
        clocks.values("ticket__department_id", "ticket__department__name")
        .annotate(
            on_time=Count("pk", filter=ON_TIME),
            late=Count("pk", filter=LATE),
            missed=Count("pk", filter=MISSED),
            fu_on_time=Count("pk", filter=ON_TIME & FOLLOW_UP_CLOCK),
            fu_late=Count("pk", filter=LATE & FOLLOW_UP_CLOCK),
            fu_missed=Count("pk", filter=MISSED & FOLLOW_UP_CLOCK),
        )
        .order_by()
    ):
        row = row_for(found["ticket__department_id"], found["ticket__department__name"])
        row.on_time, row.late, row.missed = found["on_time"], found["late"], found["missed"]
        row.fu_on_time, row.fu_late = found["fu_on_time"], found["fu_late"]
        row.fu_missed = found["fu_missed"]
    for found in (
        _event_tickets(site_ids, period, "ticket.rated")
        .filter(rating__isnull=False)
        .values("department_id", "department__name")
        .annotate(n=Count("pk"), avg=Avg("rating"))
        .order_by()
    ):
        row = row_for(found["department_id"], found["department__name"])
        row.rated, row.rating_avg = found["n"], round(found["avg"], 2)
    for found in (
        _event_tickets(site_ids, period, "ticket.reopen")
        .values("department_id", "department__name")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        row_for(found["department_id"], found["department__name"]).reopened = found["n"]
    return sorted(rows.values(), key=lambda r: (r.ident is None, r.name))


def drill(
    site_ids: list[int],
    period: Period,
    metric: str,
    *,
    user_id: int | None = None,
    department_id: int | None = None,
    unassigned: bool = False,
) -> QuerySet[Any]:
    """The clocks (clock metrics) or tickets (ratings, reopened) behind one number."""
    if metric in CLOCK_METRICS:
        clocks = _clocks(site_ids, period).select_related("ticket", "ticket__department", "met_by")
        condition = {
            "on_time": ON_TIME,
            "late": LATE,
            "missed": MISSED,
            "fu_on_time": ON_TIME & FOLLOW_UP,
            "fu_late": LATE & FOLLOW_UP,
            "fu_missed": MISSED & FOLLOW_UP_CLOCK,
        }[metric]
        if department_id is not None or unassigned:
            if metric in {"fu_on_time", "fu_late"}:
                condition = {"fu_on_time": ON_TIME, "fu_late": LATE}[metric] & FOLLOW_UP_CLOCK
            clocks = (
                clocks.filter(ticket__department_id=department_id)
                if department_id is not None
                else clocks.filter(ticket__department__isnull=True)
            )
        elif user_id is not None:
            owner = "ticket__assignee_id" if metric == "missed" else "met_by_id"
            clocks = clocks.filter(**{owner: user_id})
        return clocks.filter(condition).order_by("due_at", "pk")
    verb = {"rated": "ticket.rated", "reopened": "ticket.reopen"}[metric]
    tickets = _event_tickets(site_ids, period, verb).select_related("department", "assignee")
    if department_id is not None or unassigned:
        tickets = (
            tickets.filter(department_id=department_id)
            if department_id is not None
            else tickets.filter(department__isnull=True)
        )
    elif user_id is not None:
        tickets = tickets.filter(assignee_id=user_id)
    return tickets.order_by("-received_at", "-pk")


def as_table(rows: list[KpiRow], *, key: str, title: str, people: bool) -> Table:
    """The figures as a Table for the xlsx export."""
    columns = [
        _("姓名") if people else _("部门"),
        *([_("岗位")] if people else []),
        _("按时完成"),
        _("超时完成"),
        _("超时未完成"),
        _("时限达成率(%)"),
        _("按时跟进"),
        _("超时跟进"),
        *([] if people else [_("未跟进")]),
        _("跟进及时率(%)"),
        _("已评价"),
        _("平均评分"),
        _("返工"),
        *([_("已培训规程")] if people else []),
    ]
    table_rows = []
    for r in rows:
        table_rows.append(
            [
                r.name,
                *([r.detail] if people else []),
                r.on_time,
                r.late,
                r.missed,
                r.clock_rate,
                r.fu_on_time,
                r.fu_late,
                *([] if people else [r.fu_missed]),
                r.follow_up_rate,
                r.rated,
                r.rating_avg,
                r.reopened,
                *(
                    ["、".join(f"{code} {day:%Y-%m-%d}" for code, day in r.trained)]
                    if people
                    else []
                ),
            ]
        )
    return Table(key, title, [str(c) for c in columns], table_rows)
