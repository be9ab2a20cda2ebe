"""Sweep benchmark (W5): how long the SLA sweep takes with 1,000 / 10,000 / 100,000 open
tickets when 1% of their clocks are due.

    .venv/bin/python bench/sweep_bench.py [--sizes 1000,10000,100000] [--due-ratio 0.01]
                                          [--runs 3] [--database-url URL]

PostgreSQL from ``--database-url`` (used as given) or from ``DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/postgres``), in which case the script (re)creates its own
database ``estatedesk_bench_sweep`` next to it and leaves it for inspection. Tickets and clocks
are bulk-inserted (not through the services: this measures the sweep, not ticket intake); the
due clocks breach, so each one writes its ClockAction, RP-4 exception, audit event and two
notifications (a dispatcher and a supervisor), as in production.

Figures: one periodic run (``sla.jobs.sweep``, at most ``MAX_CLOCKS_PER_RUN`` clocks), its
queries; all due clocks worked off run after run (the runs and their summed time); the same
with nobody to notify (the sweep's own work); a run with nothing due (the index probe alone).
Between measurements the due clocks are reset and the rows the sweep wrote are removed, so
every measurement does the same work. This is a script, not a timed test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

BENCH_DB = "estatedesk_bench_sweep"
ROOT = Path(__file__).resolve().parents[1]


def _bench_url(args: argparse.Namespace) -> str:
    if args.database_url:
        return str(args.database_url)
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parsed = urlparse(base)
    if parsed.scheme not in {"postgres", "postgresql"}:
        sys.exit("sweep_bench needs PostgreSQL: set DATABASE_URL=postgres://... or --database-url")
    import psycopg

    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    return urlunparse(parsed._replace(path=f"/{BENCH_DB}"))


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "estatedesk.settings")
    os.environ.setdefault("ESTATEDESK_VAR_DIR", str(ROOT / "var" / "bench"))
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _site() -> object:
    from django.contrib.auth import get_user_model

    from estatedesk.org.models import Company, Membership, Site

    company, _ = Company.objects.get_or_create(code="BENCH", defaults={"name": "压测物业"})
    site, _ = Site.objects.get_or_create(code="BSW", defaults={"company": company, "name": "压测"})
    users = get_user_model().objects
    for username, role in (("bench_disp", "dispatcher"), ("bench_sup", "cs_supervisor")):
        user = users.filter(username=username).first() or users.create_user(username)
        Membership.objects.get_or_create(user=user, site=site, role=role)
    return site


def _clear() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE sla_clockexception, sla_clockaction, sla_clock, notify_notification, "
            "core_event, tickets_ticket CASCADE"
        )


def _load(site: object, size: int, due_ratio: float, now: dt.datetime) -> list[int]:
    """``size`` open tickets, one first-response clock each; ``size * due_ratio`` overdue."""
    from django.db import connection

    from estatedesk.sla.models import Clock, SlaPolicy
    from estatedesk.tickets.models import Ticket

    policy = SlaPolicy.objects.get(site__isnull=True, clock_kind="first_response")
    due_count = max(1, int(size * due_ratio))
    batch = 5000
    due_ids: list[int] = []
    for start in range(0, size, batch):
        chunk = range(start, min(size, start + batch))
        tickets = Ticket.objects.bulk_create(
            [
                Ticket(
                    site=site,
                    number=f"BSW{n:010d}",
                    kind="repair",
                    channel="hotline",
                    description="压测工单：楼道灯不亮",
                    reporter_name="压测",
                    received_at=now - dt.timedelta(hours=23 if n >= due_count else 25),
                    created_at=now,
                    updated_at=now,
                )
                for n in chunk
            ],
            batch_size=batch,
        )
        clocks = []
        for n, ticket in zip(chunk, tickets, strict=True):
            overdue = n < due_count
            started = ticket.received_at
            due = started + dt.timedelta(hours=24)
            warn = started + dt.timedelta(hours=19, minutes=12)
            clocks.append(
                Clock(
                    ticket=ticket,
                    site=site,
                    kind=policy.clock_kind,
                    rule=policy.rule,
                    policy=policy,
                    policy_version=policy.version,
                    meet_events=policy.meet_events,
                    started_at=started,
                    due_at=due,
                    warn_at=warn,
                    # not yet due: warned already, the breach pending in an hour
                    warned_at=None if overdue else warn,
                    next_level=1,
                    next_action_at=due,
                )
            )
            if overdue:
                due_ids.append(ticket.pk)
        Clock.objects.bulk_create(clocks, batch_size=batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sla_clock")
        cursor.execute("ANALYZE tickets_ticket")
    return due_ids


def _reset(due_ticket_ids: list[int]) -> None:
    """Undo what a sweep wrote, so the next run breaches the same clocks again."""
    from django.db import connection
    from django.db.models import F

    from estatedesk.sla.models import Clock

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE sla_clockexception, sla_clockaction, notify_notification, core_event"
        )
    Clock.objects.filter(ticket_id__in=due_ticket_ids).update(
        breached_at=None, next_level=1, next_action_at=F("due_at")
    )


def _timed(now: dt.datetime) -> tuple[float, int, Any]:
    """One periodic run: seconds, queries, its SweepResult."""
    from django.db import connection

    from estatedesk.sla.jobs import sweep

    count = [0]

    def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        result = sweep(now=now)
        elapsed = time.perf_counter() - started
    return elapsed, count[0], result


def _work_off(now: dt.datetime, due: int) -> tuple[float, int, int, float, int]:
    """Runs until every due clock breached: (first run's seconds, its queries, its clocks,
    all runs' seconds, runs)."""
    from estatedesk.sla.jobs import MAX_CLOCKS_PER_RUN

    first, queries, result = _timed(now)
    total, runs, breached = first, 1, result.breached
    while result.clocks == MAX_CLOCKS_PER_RUN:
        elapsed, _queries, result = _timed(now)
        breached += result.breached
        if result.clocks:  # the run that finds nothing left is not counted
            total, runs = total + elapsed, runs + 1
    assert breached == due, (breached, due)
    return first, queries, min(due, MAX_CLOCKS_PER_RUN), total, runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--due-ratio", type=float, default=0.01)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    url = _bench_url(args)
    _setup_django(url)
    from django.db import connection
    from django.urls import reverse

    from estatedesk.core import clock

    reverse("tickets:detail", args=[1])  # load the URLconf now, not inside the first sweep
    site = _site()
    now = clock.now()
    print(
        f"PostgreSQL {getattr(connection, 'pg_version', '?')}; database {connection.settings_dict['NAME']}"
    )
    print()
    print(
        "| open tickets | due (1%) | one run: clocks | one run | queries "
        "| all due: runs | all due | per due clock | all due without recipients "
        "| nothing due |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in (int(s) for s in args.sizes.split(",")):
        _clear()
        due_ids = _load(site, size, args.due_ratio, now)
        figures = _median(now, due_ids, args.runs)
        memberships = _drop_recipients(site)
        alone = _median(now, due_ids, args.runs)
        _restore_recipients(memberships)
        # every due clock breached in the last measurement: nothing is due now
        idle = min(_timed(now)[0] for _n in range(5))
        first, queries, clocks, total, runs = figures
        print(
            f"| {size:,} | {len(due_ids):,} | {clocks:,} | {first * 1000:,.0f} ms | {queries:,} "
            f"| {runs} | {total * 1000:,.0f} ms | {total * 1000 / len(due_ids):.1f} ms "
            f"| {alone[3] * 1000:,.0f} ms | {idle * 1000:.1f} ms |"
        )


def _median(now: dt.datetime, due_ids: list[int], runs: int) -> tuple[float, int, int, float, int]:
    """The median by all-due time of ``runs`` measurements, each from a fresh reset."""
    measured = []
    for _run in range(runs):
        _reset(due_ids)
        measured.append(_work_off(now, len(due_ids)))
    measured.sort(key=lambda figures: figures[3])
    return measured[len(measured) // 2]


def _drop_recipients(site: Any) -> list[Any]:
    from estatedesk.org.models import Membership

    rows = list(Membership.objects.filter(site=site))
    Membership.objects.filter(site=site).delete()
    return rows


def _restore_recipients(rows: list[Any]) -> None:
    from estatedesk.org.models import Membership

    Membership.objects.bulk_create(rows)


if __name__ == "__main__":
    main()
