"""``estatedesk reports-rollup``: bring the report tables up to date now.

Without options it does what the scheduler does every 5 minutes; ``--all`` recomputes every
ticket and day (after an import, a restore or a change of a definition), ``--site CODE``
limits ``--all`` to one site."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from estatedesk.core import clock
from estatedesk.org.models import Site
from estatedesk.reports import rollups


class Command(BaseCommand):
    help = "Recompute the report rollup tables (TicketFact, DailyTicketStats, DailyClockStats)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="recompute everything")
        parser.add_argument("--site", help="with --all: only this site (site code)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"]:
            site_ids = None
            if options.get("site"):
                site = Site.objects.filter(code=options["site"]).first()
                if site is None:
                    raise CommandError(f"no site with code {options['site']!r}")
                site_ids = [site.pk]
            result = rollups.rebuild_all(now=clock.now(), site_ids=site_ids)
        else:
            result = rollups.refresh(now=clock.now())
        self.stdout.write(
            f"tickets {result.tickets}, ticket days {result.ticket_days}, "
            f"clock days {result.clock_days}"
        )
