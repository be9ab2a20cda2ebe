"""Duty API: the duty log (list, add, correct, close), roster, who is on duty, on-call list and
handover status. The same selectors and services as the pages; errors are ``{"code","detail"}``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from estatedesk.core import clock
from estatedesk.core.errors import ValidationFailed
from estatedesk.core.paging import OffsetField
from estatedesk.duty import selectors, services
from estatedesk.duty.enums import RosterKind
from estatedesk.duty.forms import parse_month
from estatedesk.duty.models import DutyLogEntry, Handover
from estatedesk.org import roles
from estatedesk.org.selectors import get_site_for_user

router = Router(tags=["duty"])
MAX_LIMIT = 200


class Person(Schema):
    id: int
    username: str
    name: str


def _person(user: Any) -> Person:
    return Person(id=user.pk, username=user.get_username(), name=selectors.person_name(user))


class LogEntryOut(Schema):
    id: int
    seq: int
    kind: str
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    author_name: str
    text: str
    important: bool
    follow_up: bool
    reason: str
    corrects_seq: int | None
    closes_seq: int | None
    corrected_by_seq: int | None
    closed_by_seq: int | None
    retention_until: dt.date
    prev_hash: str
    hash: str


def _seq(entry: Any, attr: str) -> int | None:
    related = getattr(entry, attr, None)
    return related.seq if related is not None else None


def _entry_out(entry: DutyLogEntry) -> LogEntryOut:
    return LogEntryOut(
        id=entry.pk,
        seq=entry.seq,
        kind=entry.kind,
        occurred_at=entry.occurred_at,
        recorded_at=entry.recorded_at,
        author_name=entry.author_name,
        text=entry.text,
        important=entry.important,
        follow_up=entry.follow_up,
        reason=entry.reason,
        corrects_seq=_seq(entry, "corrects"),
        closes_seq=_seq(entry, "closes"),
        corrected_by_seq=_seq(entry, "correction"),
        closed_by_seq=_seq(entry, "closure"),
        retention_until=entry.retention_until,
        prev_hash=entry.prev_hash,
        hash=entry.hash,
    )


class LogPage(Schema):
    count: int
    day: dt.date
    items: list[LogEntryOut]


class LogFilter(Schema):
    site: int
    day: dt.date | None = None
    limit: int = 50
    offset: int = OffsetField()


@router.get("/log", response=LogPage, summary="Duty log entries of one log day (DT-8)")
def log_list(request: HttpRequest, filters: Query[LogFilter]) -> LogPage:
    site = get_site_for_user(request.user, filters.site, selectors.LOG_ROLES)
    day = filters.day or selectors.log_day_of(site)
    bounds = selectors.log_day_bounds(site, day)
    rows = selectors.log_entries(site, start=bounds.start, end=bounds.end)
    limit = max(1, min(filters.limit, MAX_LIMIT))
    offset = max(0, filters.offset)
    return LogPage(
        count=rows.count(),
        day=day,
        items=[_entry_out(e) for e in rows[offset : offset + limit]],
    )


class LogEntryIn(Schema):
    site: int
    kind: str
    text: str
    occurred_at: dt.datetime | None = None
    important: bool = False
    follow_up: bool = False
    report_to: str = Field("", description="DT-4: '' | supervisor | manager")


@router.post("/log", response={201: LogEntryOut}, summary="Append a duty log entry (DT-8)")
def log_add(request: HttpRequest, payload: LogEntryIn) -> Status:
    site = get_site_for_user(request.user, payload.site, selectors.LOG_ROLES)
    entry = services.log_entry_append(
        site=site,
        actor=request.user,
        kind=payload.kind,
        text=payload.text,
        occurred_at=payload.occurred_at,
        important=payload.important,
        follow_up=payload.follow_up,
        report_to=payload.report_to,
    )
    return Status(201, _entry_out(selectors.get_entry_for_user(request.user, entry.pk)))


class CorrectionIn(Schema):
    text: str
    reason: str
    follow_up: bool | None = None


@router.post(
    "/log/{entry_id}/correct",
    response={201: LogEntryOut},
    summary="Correct an entry by appending a correction that points at it (DT-8)",
)
def log_correct(request: HttpRequest, entry_id: int, payload: CorrectionIn) -> Status:
    entry = selectors.get_entry_for_user(request.user, entry_id)
    correction = services.log_entry_correct(
        entry=entry,
        actor=request.user,
        text=payload.text,
        reason=payload.reason,
        follow_up=payload.follow_up,
    )
    return Status(201, _entry_out(selectors.get_entry_for_user(request.user, correction.pk)))


class CloseIn(Schema):
    text: str


@router.post(
    "/log/{entry_id}/close",
    response={201: LogEntryOut},
    summary="Record that a follow-up is finished (a new entry pointing at it)",
)
def log_close(request: HttpRequest, entry_id: int, payload: CloseIn) -> Status:
    entry = selectors.get_entry_for_user(request.user, entry_id)
    closure = services.log_entry_close(entry=entry, actor=request.user, text=payload.text)
    return Status(201, _entry_out(selectors.get_entry_for_user(request.user, closure.pk)))


class RosterDay(Schema):
    day: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime
    working_day: bool
    people: list[Person]


class RosterOut(Schema):
    id: int | None
    kind: str
    month: str
    state: str
    published_at: dt.datetime | None
    days: list[RosterDay]


class RosterFilter(Schema):
    site: int
    kind: str = RosterKind.CS
    month: str | None = None


@router.get("/roster", response=RosterOut, summary="A month of a duty roster (DT-1, DT-12)")
def roster(request: HttpRequest, filters: Query[RosterFilter]) -> RosterOut:
    site = get_site_for_user(request.user, filters.site, roles.ALL_STAFF)
    kind = filters.kind if filters.kind in RosterKind.values else RosterKind.CS
    month = parse_month(filters.month)
    roster_obj, grid = selectors.roster_grid(site=site, kind=kind, month=month)
    return RosterOut(
        id=roster_obj.pk if roster_obj else None,
        kind=kind,
        month=f"{month:%Y-%m}",
        state=roster_obj.state if roster_obj else "none",
        published_at=roster_obj.published_at if roster_obj else None,
        days=[
            RosterDay(
                day=row.day,
                starts_at=row.assignments[0].starts_at if row.assignments else row.shift.start,
                ends_at=row.assignments[0].ends_at if row.assignments else row.shift.end,
                working_day=row.is_working_day,
                people=[_person(a.user) for a in row.assignments],
            )
            for row in grid
        ],
    )


class ShiftOut(Schema):
    start: dt.datetime
    end: dt.datetime


class OnDutyOut(Schema):
    site: int
    at: dt.datetime
    shift: ShiftOut | None
    people: list[Person]


class SiteFilter(Schema):
    site: int


@router.get("/on-duty", response=OnDutyOut, summary="Who is on CS duty now")
def on_duty(request: HttpRequest, filters: Query[SiteFilter]) -> OnDutyOut:
    site = get_site_for_user(request.user, filters.site, roles.ALL_STAFF)
    now = clock.now()
    shift = selectors.current_shift(site, now)
    return OnDutyOut(
        site=site.pk,
        at=now,
        shift=ShiftOut(start=shift.start, end=shift.end) if shift else None,
        people=[_person(u) for u in selectors.on_duty_now(site, now)],
    )


class OnCallOut(Schema):
    role: str
    person: Person
    phone: str
    priority: int
    source: str


class OnCallFilter(Schema):
    site: int
    role: str


@router.get("/on-call", response=list[OnCallOut], summary="Whom to call for a role (DT-7)")
def on_call(request: HttpRequest, filters: Query[OnCallFilter]) -> list[OnCallOut]:
    site = get_site_for_user(request.user, filters.site, roles.ALL_STAFF)
    try:
        contacts = selectors.on_call_for(site, filters.role)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from exc
    return [
        OnCallOut(
            role=c.role, person=_person(c.user), phone=c.phone, priority=c.priority, source=c.source
        )
        for c in contacts
    ]


class HandoverOut(Schema):
    id: int
    state: str
    version: int
    shift_start: dt.datetime
    shift_end: dt.datetime
    incoming: Person
    outgoing: Person
    started_at: dt.datetime
    completed_at: dt.datetime | None
    overridden: bool
    ready: bool | None
    blocking: list[str]
    untaken: list[str]


def _handover_out(handover: Handover) -> HandoverOut:
    readiness = services.handover_readiness(handover) if handover.is_open else None
    return HandoverOut(
        id=handover.pk,
        state=handover.state,
        version=handover.version,
        shift_start=handover.shift_start,
        shift_end=handover.shift_end,
        incoming=_person(handover.incoming),
        outgoing=_person(handover.outgoing),
        started_at=handover.started_at,
        completed_at=handover.completed_at,
        overridden=handover.override_at is not None,
        ready=readiness.ready if readiness else None,
        blocking=readiness.blocking if readiness else [],
        untaken=readiness.untaken if readiness else [],
    )


class HandoverStatus(Schema):
    open: HandoverOut | None
    last_completed: HandoverOut | None


@router.get("/handover/status", response=HandoverStatus, summary="Handover in progress and last")
def handover_status(request: HttpRequest, filters: Query[SiteFilter]) -> HandoverStatus:
    site = get_site_for_user(request.user, filters.site, selectors.LOG_ROLES)
    current = selectors.open_handover(site)
    last = selectors.last_completed_handover(site)
    return HandoverStatus(
        open=_handover_out(current) if current else None,
        last_completed=_handover_out(last) if last else None,
    )
