"""``estatedesk bench-data --tickets N [--sites S]``: a benchmark company with N tickets over two
years, written in bulk (PostgreSQL COPY). See ``estatedesk.core.benchdata``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from estatedesk.core import benchdata


class Command(BaseCommand):
    help = "Generate a benchmark company: sites, staff, residents, rosters and N tickets"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tickets", type=int, default=20_000)
        parser.add_argument(
            "--sites",
            type=int,
            default=0,
            help=f"default: one per {benchdata.TICKETS_PER_SITE:,} tickets",
        )
        parser.add_argument("--days", type=int, default=benchdata.DEFAULT_DAYS)
        parser.add_argument("--seed", type=int, default=20261124)
        parser.add_argument(
            "--workers", type=int, default=0, help="processes (default 2 on PostgreSQL)"
        )
        parser.add_argument(
            "--safe",
            action="store_true",
            help="PostgreSQL: keep foreign-key triggers and synchronous commits (slower)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = benchdata.generate(
                tickets=options["tickets"],
                sites=options["sites"] or None,
                days=options["days"],
                seed=options["seed"],
                fast=not options["safe"],
                workers=options["workers"],
                log=self.stdout.write,
            )
        except (RuntimeError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        for line in summary.lines():
            self.stdout.write(line)
        self.stdout.write(f"staff password: {benchdata.PASSWORD}")
