"""``estatedesk serve``: gunicorn on the given address plus the scheduler thread.

The scheduler runs in this process (not in gunicorn's forked workers) so periodic jobs run once
per server, whatever the number of workers. Production may disable it (SCHEDULER_ENABLED=false)
and run the same jobs from Celery beat.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from estatedesk.core.scheduler import SchedulerThread


class Command(BaseCommand):
    help = "Serve estatedesk with gunicorn and run the periodic jobs"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument("--no-scheduler", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "estatedesk.wsgi:application",
            "--bind",
            options["bind"],
            "--workers",
            str(options["workers"]),
            "--threads",
            str(options["threads"]),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
        ]
        server = subprocess.Popen(command)  # noqa: S603 - fixed argv, no shell
        scheduler = None
        if settings.SCHEDULER_ENABLED and not options["no_scheduler"]:
            scheduler = SchedulerThread()
            scheduler.start()

        def forward(signum: int, _frame: Any) -> None:
            server.send_signal(signum)

        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGINT, forward)
        code = server.wait()
        if scheduler is not None:
            scheduler.stop()
        sys.exit(code)
