"""The derived tables the report pages read: ``TicketFact`` per ticket, ``DailyTicketStats`` and
``DailyClockStats`` per site and local day.

``refresh`` is the scheduler's job. Each run it recomputes

1. the tickets named by audit events written since the last run (the ``RollupState``
   watermark on ``Event.id``: every ticket change writes an event on the ticket, so a rating
   of a month-old ticket reaches its old day too),
2. every ticket received in the last ``RECENT_DAYS`` local days (catching anything without
   an event), and while a database is first filled, the next ``BACKFILL_BATCH`` tickets by id,

then re-aggregates the (site, day) rows of those tickets' received days, and the clock rows
of the days their clocks fall due plus the recent days (breaches written by the SLA sweep
fall due there). It is idempotent: running it twice changes nothing. No audit events: these
rows carry no decision, they are a cache of figures computed from the records.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import Coalesce

from estatedesk.core import clock
from estatedesk.core.models import Event
from estatedesk.org.models import Site
from estatedesk.reports.enums import OUTSTANDING_STATES, Dimension
from estatedesk.reports.models import (
    TICKET_MEASURES,
    DailyClockStats,
    DailyTicketStats,
    MonthlyClockStats,
    MonthlyTicketStats,
    RollupState,
    TicketFact,
)
from estatedesk.reports.periods import day_start
from estatedesk.sla import selectors as sla_selectors
from estatedesk.sla.models import Clock
from estatedesk.tickets.enums import TicketState
from estatedesk.tickets.models import Ticket

STATE_NAME = "tickets"
TICKET_SUBJECT = "tickets.ticket"
RECENT_DAYS = 3
EVENT_BATCH = 20_000
BACKFILL_BATCH = 5_000
CHUNK = 500
REPEAT_WINDOW = dt.timedelta(days=30)
SAMPLE_BUCKETS = 100
# The fact column each dimension of the ticket rollups groups by (``all``: none).
DIMENSION_FIELDS: dict[str, str | None] = {
    Dimension.ALL: None,
    Dimension.KIND: "kind",
    Dimension.CHANNEL: "channel",
    Dimension.DEPARTMENT: "department_id",
    Dimension.BUILDING: "building_id",
    Dimension.PLACE: "place_id",
}
MEASURE_AGGREGATES: dict[str, Any] = {
    "received": Count("pk"),
    "open": Count("pk", filter=Q(is_open=True)),
    "cancelled": Count("pk", filter=Q(is_cancelled=True)),
    "resolved": Count("resolution_seconds"),
    "resolution_seconds": Coalesce(Sum("resolution_seconds"), 0),
    "responded": Count("first_response_seconds"),
    "first_response_seconds": Coalesce(Sum("first_response_seconds"), 0),
    "rated": Count("rating"),
    "rating_sum": Coalesce(Sum("rating"), 0),
    **{f"rated_{n}": Count("pk", filter=Q(rating=n)) for n in range(1, 6)},
    "reopened": Count("pk", filter=Q(reopened_count__gt=0)),
    "repeats": Count("pk", filter=Q(is_repeat=True)),
}

# The first of these on a ticket is its first response: staff acted on it or answered the
# resident (RQ-5/RQ-6; complaints CP-7/CP-8).
RESPONSE_VERBS = (
    "ticket.dispatch",
    "ticket.start",
    "ticket.refer",
    "ticket.answer",
    "ticket.complete",
    "ticket.note_public",
    "ticket.solution_proposed",
    "consultation.answered",
    "consultation.reply_approved",
    "complaint.answered",
    "complaint.complainant_told",
)

T = TypeVar("T")


@dataclass(frozen=True)
class RefreshResult:
    tickets: int
    ticket_days: int
    clock_days: int
    backfill_done: bool


def _chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _local_day(value: dt.datetime) -> dt.date:
    return clock.localtime(value).date()


def _state() -> RollupState:
    """The job's state row. A new one starts reading events from the newest: the backfill
    then computes every existing ticket once, instead of replaying the whole audit trail."""
    state = RollupState.objects.filter(name=STATE_NAME).first()
    if state is None:
        newest = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        state, _created = RollupState.objects.get_or_create(
            name=STATE_NAME, defaults={"events_through": newest}
        )
    return state


def refresh(*, now: dt.datetime) -> RefreshResult:
    """Bring the derived tables up to date (see the module docstring); returns what it did."""
    state = _state()
    today = _local_day(now)
    touched, watermark = _touched_by_events(state.events_through)
    recent_start = day_start(today - dt.timedelta(days=RECENT_DAYS))
    site_ids = list(Site.objects.filter(is_active=True).values_list("pk", flat=True))
    recent: set[int] = set()
    for site_id in site_ids:
        # ticket_site_received index
        recent.update(
            Ticket.objects.filter(site_id=site_id, received_at__gte=recent_start).values_list(
                "pk", flat=True
            )
        )
    backfill: list[int] = []
    if not state.backfill_done:
        backfill = list(
            Ticket.objects.filter(pk__gt=state.backfill_through)
            .order_by("pk")
            .values_list("pk", flat=True)[:BACKFILL_BATCH]
        )
    ids = touched | recent | set(backfill)
    ticket_days = facts_compute(ids, now=now)
    clock_days = _clock_days(ids)
    for site_id in site_ids:
        for offset in range(-RECENT_DAYS, 2):
            clock_days.add((site_id, today + dt.timedelta(days=offset)))
    ticket_stats_rebuild(ticket_days)
    clock_stats_rebuild(clock_days)

    state.events_through = watermark
    if not state.backfill_done:
        if len(backfill) < BACKFILL_BATCH:
            state.backfill_done = True
        if backfill:
            state.backfill_through = backfill[-1]
    state.updated_at = now
    state.save(update_fields=["events_through", "backfill_through", "backfill_done", "updated_at"])
    return RefreshResult(len(ids), len(ticket_days), len(clock_days), state.backfill_done)


def _touched_by_events(after: int) -> tuple[set[int], int]:
    """Ticket ids named by events with id > ``after`` (at most EVENT_BATCH events; the next
    run reads on), and the new watermark."""
    rows = list(
        Event.objects.filter(pk__gt=after)
        .order_by("pk")
        .values_list("pk", "subject_type", "subject_id")[:EVENT_BATCH]
    )
    if not rows:
        return set(), after
    touched = {subject_id for _pk, kind, subject_id in rows if kind == TICKET_SUBJECT}
    return touched, rows[-1][0]


def facts_compute(ticket_ids: Iterable[int], *, now: dt.datetime) -> set[tuple[int, dt.date]]:
    """Recompute the TicketFact of each ticket; returns the (site, day) pairs whose daily rows
    must be rebuilt (the ticket's day before and after, should its receipt time have moved)."""
    ids = sorted(set(ticket_ids))
    pairs: set[tuple[int, dt.date]] = set()
    rows: list[dict[str, Any]] = []
    for chunk in _chunks(ids):
        pairs.update(TicketFact.objects.filter(ticket_id__in=chunk).values_list("site_id", "day"))
        rows.extend(
            dict(row)
            for row in Ticket.objects.filter(pk__in=chunk).values(
                "pk",
                "site_id",
                "received_at",
                "kind",
                "channel",
                "state",
                "department_id",
                "assignee_id",
                "unit_id",
                "unit__building_id",
                "place_id",
                "place__building_id",
                "resolved_at",
                "rating",
                "reopened_count",
            )
        )
    # Tickets close in time share the repeat lookup's date range.
    rows.sort(key=lambda r: (r["site_id"], r["received_at"], r["pk"]))
    for chunk_rows in _chunks(rows):
        facts = _facts(chunk_rows, now)
        with transaction.atomic():
            TicketFact.objects.bulk_create(
                facts,
                update_conflicts=True,
                unique_fields=["ticket"],
                update_fields=[
                    f.name for f in TicketFact._meta.concrete_fields if not f.primary_key
                ],
            )
        pairs.update((f.site_id, f.day) for f in facts)
    return pairs


def _facts(rows: list[dict[str, Any]], now: dt.datetime) -> list[TicketFact]:
    ids = [r["pk"] for r in rows]
    first_response = dict(
        Event.objects.filter(
            subject_type=TICKET_SUBJECT, subject_id__in=ids, verb__in=RESPONSE_VERBS
        )
        .values("subject_id")
        .annotate(first=Min("occurred_at"))
        .values_list("subject_id", "first")
    )
    repeats = _repeats(rows)
    facts = []
    for r in rows:
        received = r["received_at"]
        responded = first_response.get(r["pk"])
        resolved = r["resolved_at"]
        facts.append(
            TicketFact(
                ticket_id=r["pk"],
                site_id=r["site_id"],
                day=_local_day(received),
                received_at=received,
                kind=r["kind"],
                channel=r["channel"],
                department_id=r["department_id"],
                building_id=r["unit__building_id"] or r["place__building_id"],
                unit_id=r["unit_id"],
                place_id=r["place_id"],
                assignee_id=r["assignee_id"],
                is_open=r["state"] in OUTSTANDING_STATES,
                is_cancelled=r["state"] == TicketState.CANCELLED,
                first_response_seconds=_seconds(received, responded),
                resolution_seconds=_seconds(received, resolved),
                rating=r["rating"],
                reopened_count=r["reopened_count"],
                is_repeat=r["pk"] in repeats,
                sample=r["pk"] % SAMPLE_BUCKETS,
                computed_at=now,
            )
        )
    return facts


def _seconds(start: dt.datetime, end: dt.datetime | None) -> int | None:
    if end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def _repeats(rows: list[dict[str, Any]]) -> set[int]:
    """RP-5: the tickets of ``rows`` that follow another ticket of the same kind at the same
    unit or public place received in the 30 days before (one query)."""
    located = [r for r in rows if r["unit_id"] or r["place_id"]]
    if not located:
        return set()
    earliest = min(r["received_at"] for r in located) - REPEAT_WINDOW
    latest = max(r["received_at"] for r in located)
    units = {r["unit_id"] for r in located if r["unit_id"]}
    places = {r["place_id"] for r in located if r["place_id"]}
    where = Q()
    if units:
        where |= Q(unit_id__in=units)
    if places:
        where |= Q(place_id__in=places)
    history: dict[tuple[str, int, str], list[tuple[dt.datetime, int]]] = defaultdict(list)
    for pk, unit_id, place_id, kind, received in (
        Ticket.objects.filter(
            site_id__in={r["site_id"] for r in located},
            received_at__gte=earliest,
            received_at__lte=latest,
            kind__in={r["kind"] for r in located},
        )
        .filter(where)
        .values_list("pk", "unit_id", "place_id", "kind", "received_at")
    ):
        if unit_id:
            history[("u", unit_id, kind)].append((received, pk))
        if place_id:
            history[("p", place_id, kind)].append((received, pk))
    found: set[int] = set()
    for r in located:
        key = ("u", r["unit_id"], r["kind"]) if r["unit_id"] else ("p", r["place_id"], r["kind"])
        mine = (r["received_at"], r["pk"])
        window_start = r["received_at"] - REPEAT_WINDOW
        if any(window_start <= at and (at, pk) < mine for at, pk in history.get(key, [])):
            found.add(r["pk"])
    return found


def _by_site(pairs: Iterable[tuple[int, dt.date]]) -> dict[int, set[dt.date]]:
    by_site: dict[int, set[dt.date]] = defaultdict(set)
    for site_id, day in pairs:
        by_site[site_id].add(day)
    return by_site


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _month_end(month: dt.date) -> dt.date:
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return following - dt.timedelta(days=1)


def ticket_stats_rebuild(pairs: Iterable[tuple[int, dt.date]]) -> int:
    """Replace the DailyTicketStats rows of each (site, day) by fresh aggregates of the day's
    TicketFact rows (one query per dimension and chunk of days), then the MonthlyTicketStats
    of the months those days are in. Returns how many daily rows were written."""
    written = 0
    for site_id, days in _by_site(pairs).items():
        for chunk in _chunks(sorted(days), 100):
            facts = TicketFact.objects.filter(site_id=site_id, day__in=chunk)
            rows = []
            for dimension, field in DIMENSION_FIELDS.items():
                group = ("day", field) if field else ("day",)
                for a in facts.values(*group).annotate(**MEASURE_AGGREGATES).order_by():
                    value = a[field] if field else None
                    rows.append(
                        DailyTicketStats(
                            site_id=site_id,
                            day=a["day"],
                            dimension=dimension,
                            key="" if value is None else str(value),
                            **{m: a[m] for m in TICKET_MEASURES},
                        )
                    )
            with transaction.atomic():
                DailyTicketStats.objects.filter(site_id=site_id, day__in=chunk).delete()
                DailyTicketStats.objects.bulk_create(rows, batch_size=1000)
            written += len(rows)
        for month in sorted({_month(day) for day in days}):
            _monthly_ticket_stats(site_id, month)
    return written


def _monthly_ticket_stats(site_id: int, month: dt.date) -> None:
    totals = (
        DailyTicketStats.objects.filter(site_id=site_id, day__gte=month, day__lte=_month_end(month))
        .values("dimension", "key")
        .annotate(**{f"s_{m}": Sum(m) for m in TICKET_MEASURES})
        .order_by()
    )
    rows = [
        MonthlyTicketStats(
            site_id=site_id,
            month=month,
            dimension=t["dimension"],
            key=t["key"],
            **{m: t[f"s_{m}"] for m in TICKET_MEASURES},
        )
        for t in totals
    ]
    with transaction.atomic():
        MonthlyTicketStats.objects.filter(site_id=site_id, month=month).delete()
        MonthlyTicketStats.objects.bulk_create(rows, batch_size=1000)


def _clock_days(ticket_ids: Iterable[int]) -> set[tuple[int, dt.date]]:
    days: set[tuple[int, dt.date]] = set()
    for chunk in _chunks(sorted(set(ticket_ids))):
        for site_id, due in Clock.objects.filter(ticket_id__in=chunk).values_list(
            "site_id", "due_at"
        ):
            days.add((site_id, _local_day(due)))
    return days


def _runs(days: list[dt.date]) -> Iterator[tuple[dt.date, dt.date]]:
    """Consecutive days as ``(first, last)`` runs."""
    first = last = days[0]
    for day in days[1:]:
        if day == last + dt.timedelta(days=1):
            last = day
            continue
        yield first, last
        first = last = day
    yield first, last


def clock_stats_rebuild(pairs: Iterable[tuple[int, dt.date]]) -> int:
    """Replace the DailyClockStats rows of each (site, day) with DS-9 counts read by
    ``sla.selectors.timeliness`` (the one definition of met and missed), one query per run
    of consecutive days, then the MonthlyClockStats of their months."""
    written = 0
    for site_id, days in _by_site(pairs).items():
        for first, last in _runs(sorted(days)):
            found = sla_selectors.timeliness(
                [site_id],
                day_start(first),
                day_start(last + dt.timedelta(days=1)),
                group_by=("rule", "kind", "department", "day"),
            )
            rows = [
                DailyClockStats(
                    site_id=site_id,
                    day=_as_day(r["day"]),
                    kind=r["kind"],
                    rule=r["rule"],
                    department_id=r["department_id"],
                    met=r["met"],
                    missed=r["missed"],
                    pending=r["pending"],
                )
                for r in found
            ]
            with transaction.atomic():
                DailyClockStats.objects.filter(
                    site_id=site_id, day__gte=first, day__lte=last
                ).delete()
                DailyClockStats.objects.bulk_create(rows, batch_size=1000)
            written += len(rows)
        for month in sorted({_month(day) for day in days}):
            _monthly_clock_stats(site_id, month)
    return written


def _monthly_clock_stats(site_id: int, month: dt.date) -> None:
    totals = (
        DailyClockStats.objects.filter(site_id=site_id, day__gte=month, day__lte=_month_end(month))
        .values("kind", "rule", "department_id")
        .annotate(s_met=Sum("met"), s_missed=Sum("missed"), s_pending=Sum("pending"))
        .order_by()
    )
    rows = [
        MonthlyClockStats(
            site_id=site_id,
            month=month,
            kind=t["kind"],
            rule=t["rule"],
            department_id=t["department_id"],
            met=t["s_met"],
            missed=t["s_missed"],
            pending=t["s_pending"],
        )
        for t in totals
    ]
    with transaction.atomic():
        MonthlyClockStats.objects.filter(site_id=site_id, month=month).delete()
        MonthlyClockStats.objects.bulk_create(rows, batch_size=1000)


def _as_day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return clock.localtime(value).date() if value.tzinfo else value.date()
    return value


def rebuild_all(*, now: dt.datetime, site_ids: list[int] | None = None) -> RefreshResult:
    """Recompute every ticket (of ``site_ids``), then every day and month once: the
    ``estatedesk reports-rollup --all`` command after an import, a restore or a change of a
    definition. Facts go in batches; the daily and monthly rows are rebuilt per site at the
    end (one clock query per site for its whole range)."""
    tickets = Ticket.objects.all()
    if site_ids is not None:
        tickets = tickets.filter(site_id__in=site_ids)
    total = 0
    last = 0
    ticket_days: set[tuple[int, dt.date]] = set()
    while True:
        batch = list(
            tickets.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BACKFILL_BATCH]
        )
        if not batch:
            break
        last = batch[-1]
        ticket_days |= facts_compute(batch, now=now)
        total += len(batch)
    ticket_stats_rebuild(ticket_days)
    clocks = Clock.objects.all()
    if site_ids is not None:
        clocks = clocks.filter(site_id__in=site_ids)
    clock_days: set[tuple[int, dt.date]] = set()
    for site_id, first, last_due in (
        clocks.values("site_id")
        .annotate(first=Min("due_at"), last=Max("due_at"))
        .values_list("site_id", "first", "last")
    ):
        day, end = _local_day(first), _local_day(last_due)
        while day <= end:
            clock_days.add((site_id, day))
            day += dt.timedelta(days=1)
    clock_stats_rebuild(clock_days)
    if site_ids is None:
        state = _state()
        state.backfill_done = True
        state.save(update_fields=["backfill_done"])
    return RefreshResult(total, len(ticket_days), len(clock_days), True)
