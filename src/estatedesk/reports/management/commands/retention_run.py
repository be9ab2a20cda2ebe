"""``estatedesk retention-run``: apply the retention periods now (RT-1..RT-3), as the
scheduler does hourly; prints every removal it recorded."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from estatedesk.core import clock
from estatedesk.reports import services


class Command(BaseCommand):
    help = "Remove the records past their retention period and record each removal"

    def handle(self, *args: Any, **options: Any) -> None:
        runs = services.retention_run(now=clock.now())
        for run in runs:
            self.stdout.write(
                f"{run.site_id} {run.record_class}: removed {run.removed}"
                f" (kept on hold {run.kept_on_hold}) - {run.policy}"
            )
        if not runs:
            self.stdout.write("nothing past its retention period")
