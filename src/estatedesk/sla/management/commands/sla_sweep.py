"""``estatedesk sla-sweep [--now ISO-TIME] [--all]``: run the SLA sweep by hand, once (at most
``MAX_CLOCKS_PER_RUN`` clocks, as the periodic job) or until nothing is due."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from estatedesk.core import clock
from estatedesk.sla.jobs import sweep, sweep_backlog


class Command(BaseCommand):
    help = "Warn, breach and escalate the SLA clocks due now (or at --now)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            help="ISO time to sweep at, e.g. 2026-11-18T17:31:00+08:00 (default: now)",
        )
        parser.add_argument(
            "--all",
            action="store_true",
            help="repeat until nothing is due (one run takes at most 500 clocks)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = clock.now()
        if options.get("now"):
            try:
                now = dt.datetime.fromisoformat(options["now"])
            except ValueError as exc:
                raise CommandError(f"--now is not an ISO time: {options['now']}") from exc
            if now.tzinfo is None:
                now = now.replace(tzinfo=clock.local_zone())
        result = sweep_backlog(now=now) if options.get("all") else sweep(now=now)
        self.stdout.write(
            f"sweep at {clock.localtime(now).isoformat()}: clocks {result.clocks}, "
            f"warned {result.warned}, breached {result.breached}, "
            f"escalated {result.escalated}, exceptions {result.exceptions}, "
            f"notifications {result.notifications}, skipped {result.skipped}"
        )
