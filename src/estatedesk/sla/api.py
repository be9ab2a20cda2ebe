"""SLA API: a ticket's clocks, the policies in force at a site, timeliness (DS-9)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from estatedesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from estatedesk.org import roles
from estatedesk.sla import selectors
from estatedesk.tickets.selectors import get_ticket_for_user

router = Router(tags=["sla"])

REPORT_ROLES = roles.DISPATCHERS | roles.MANAGERS | frozenset({"quality"})


class ClockOut(Schema):
    id: int
    rule: str
    kind: str
    status: str
    policy_version: int
    started_at: dt.datetime
    due_at: dt.datetime
    warn_at: dt.datetime | None
    warned_at: dt.datetime | None
    breached_at: dt.datetime | None
    met_at: dt.datetime | None
    paused_at: dt.datetime | None
    paused_seconds: int
    cancelled_at: dt.datetime | None


class PolicyOut(Schema):
    id: int
    site_id: int | None
    clock_kind: str
    rule: str
    name: str
    start_events: list[str]
    meet_events: list[str]
    cancel_events: list[str]
    deadline_rule: str
    calendar: str
    duration_seconds: int | None
    working_days: int | None
    due_at_key: str
    warn_ratio: float
    pausable: bool
    version: int


class TimelinessQuery(Schema):
    start: dt.datetime
    end: dt.datetime
    group_by: str = "kind"
    site: int | None = None


class TimelinessRow(Schema):
    kind: str | None = None
    rule: str | None = None
    site_id: int | None = None
    department_id: int | None = None
    department: str | None = None
    day: dt.datetime | None = None
    week: dt.datetime | None = None
    month: dt.datetime | None = None
    met: int
    missed: int
    pending: int
    total: int
    rate: float | None


@router.get(
    "/tickets/{ticket_id}/clocks",
    response=list[ClockOut],
    summary="The SLA clocks of a ticket, earliest deadline first",
)
def ticket_clocks(request: HttpRequest, ticket_id: int) -> Any:
    if not roles.is_staff_member(request.user):
        raise NotFound()
    ticket = get_ticket_for_user(request.user, ticket_id)
    return list(selectors.clocks_of(ticket))


@router.get(
    "/policies",
    response=list[PolicyOut],
    summary="The SLA policies in force at a site (its own rows over the company defaults)",
)
def policies(request: HttpRequest, site: int) -> Any:
    if not roles.has_role(request.user, site, roles.ALL_STAFF):
        raise NotFound()
    return [
        {
            **{f: getattr(p, f) for f in PolicyOut.model_fields if hasattr(p, f)},
            "duration_seconds": int(p.duration.total_seconds()) if p.duration else None,
        }
        for p in selectors.policies_in_force(site)
    ]


@router.get(
    "/timeliness",
    response=list[TimelinessRow],
    summary="DS-9 timeliness: clocks due in [start, end) met on time vs missed",
)
def timeliness(request: HttpRequest, query: Query[TimelinessQuery]) -> Any:
    site_ids = roles.site_ids_with(request.user, REPORT_ROLES)
    if not site_ids:
        raise PermissionDenied()
    if query.site is not None:
        if query.site not in site_ids:
            raise NotFound()
        site_ids = [query.site]
    groups = tuple(g.strip() for g in query.group_by.split(",") if g.strip())
    known = set(selectors.GROUPS) | set(selectors.PERIODS)
    if not groups or set(groups) - known:
        raise ValidationFailed(f"group_by: one or more of {', '.join(sorted(known))}")
    if query.end <= query.start:
        raise ValidationFailed("end must be after start")
    return selectors.timeliness(site_ids, query.start, query.end, group_by=groups)
