"""Reads of the SLA app: a ticket's clocks, the policies in force, timeliness (DS-9)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek

from estatedesk.core import clock
from estatedesk.core.errors import NotFound
from estatedesk.org import roles
from estatedesk.sla import policy as policy_rules
from estatedesk.sla.models import Clock, ClockException, SlaPolicy


def clocks_of(ticket: Any) -> QuerySet[Clock]:
    """The ticket's clocks, earliest deadline first."""
    return (
        Clock.objects.filter(ticket_id=ticket.pk).select_related("met_by").order_by("due_at", "pk")
    )


def policies_in_force(site_id: int) -> list[SlaPolicy]:
    return policy_rules.policies_for_site(site_id)


def exceptions_for(site_ids: Iterable[int], *, open_only: bool = False) -> QuerySet[ClockException]:
    """RP-4 records of the sites, newest first; ``open_only``: cause not yet filled in."""
    qs = ClockException.objects.filter(site_id__in=list(site_ids)).select_related(
        "ticket", "filled_by"
    )
    if open_only:
        qs = qs.filter(filled_at__isnull=True)
    return qs.order_by("-recorded_at", "-pk")


def get_exception_for_user(user: Any, pk: int) -> ClockException:
    site_ids = roles.site_ids_with(user, roles.SUPERVISORS)
    found = exceptions_for(site_ids).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


MET = Q(met_at__isnull=False, met_at__lte=F("due_at"))
MISSED = Q(breached_at__isnull=False) | Q(met_at__gt=F("due_at"))
PENDING = Q(met_at__isnull=True, breached_at__isnull=True, cancelled_at__isnull=True)
PERIODS = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
GROUPS = {
    "kind": ("kind",),
    "rule": ("rule",),
    "site": ("site_id",),
    "department": ("ticket__department_id", "ticket__department__name"),
}


def timeliness(
    site_ids: Iterable[int],
    start: dt.datetime,
    end: dt.datetime,
    group_by: str | tuple[str, ...] = "kind",
) -> list[dict[str, Any]]:
    """DS-9 timeliness rate: clocks due in ``[start, end)``, met on time vs missed.

    ``group_by`` is one or more of ``kind``, ``rule``, ``site``, ``department`` and a period
    ``day``/``week``/``month`` (of the due time, in the local zone). A clock met after its due
    time counts as missed. A cancelled clock - its ticket withdrawn or closed, or its
    commitment replaced through the policy's cancel events (a complaint upgraded or its limit
    extended, CP-3/CP-7) - counts in neither, unless it had breached before: that breach
    happened (and has its RP-4 record), so it stays missed. A running clock not yet late
    counts in neither. One row per group: the group values, ``met``, ``missed``,
    ``pending``, ``total`` (met + missed) and ``rate`` (met / total, None without any).
    """
    groups = (group_by,) if isinstance(group_by, str) else tuple(group_by)
    fields: list[str] = []
    annotations: dict[str, Any] = {}
    for name in groups:
        if name in GROUPS:
            fields.extend(GROUPS[name])
        elif name in PERIODS:
            annotations[name] = PERIODS[name]("due_at", tzinfo=clock.local_zone())
            fields.append(name)
        else:
            raise ValueError(f"unknown group {name!r}")
    rows = (
        Clock.objects.filter(site_id__in=list(site_ids), due_at__gte=start, due_at__lt=end)
        .filter(Q(cancelled_at__isnull=True) | Q(breached_at__isnull=False))
        .annotate(**annotations)
        .values(*fields)
        .annotate(
            met=Count("pk", filter=MET),
            missed=Count("pk", filter=MISSED),
            pending=Count("pk", filter=PENDING),
        )
        .order_by(*fields)
    )
    result = []
    for row in rows:
        total = row["met"] + row["missed"]
        row = dict(row)
        if "ticket__department_id" in row:
            row["department_id"] = row.pop("ticket__department_id")
            row["department"] = row.pop("ticket__department__name") or ""
        row["total"] = total
        row["rate"] = round(row["met"] / total, 4) if total else None
        result.append(row)
    return result
