"""The embedded job runner: one thread calling every app's periodic jobs.

Each app's ``jobs.py`` may declare ``PERIODIC = [(function, interval_seconds), ...]``; every
function takes ``now`` and is idempotent and catching up, so a run that dies is finished by the
next one. Production runs the same functions from Celery beat (``estatedesk.celery``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import close_old_connections

from estatedesk.core import clock
from estatedesk.core.discovery import app_modules

log = logging.getLogger(__name__)

Job = Callable[..., Any]


def periodic_jobs() -> list[tuple[Job, int]]:
    jobs: list[tuple[Job, int]] = []
    for _label, module in app_modules("jobs"):
        jobs.extend(getattr(module, "PERIODIC", []))
    return jobs


def job_name(job: Job) -> str:
    return f"{job.__module__}.{job.__qualname__}"


def run_due(last_run: dict[str, float], *, monotonic: float) -> int:
    """Run every job whose interval has passed; returns how many ran."""
    ran = 0
    for job, interval in periodic_jobs():
        name = job_name(job)
        if monotonic - last_run.get(name, -1e18) < interval:
            continue
        last_run[name] = monotonic
        try:
            job(now=clock.now())
            ran += 1
        except Exception:
            log.exception("job %s failed; it will run again next interval", name)
        finally:
            close_old_connections()
    return ran


class SchedulerThread(threading.Thread):
    def __init__(self, tick_seconds: float = 5.0) -> None:
        super().__init__(name="estatedesk-scheduler", daemon=True)
        self.tick_seconds = tick_seconds
        self.stopped = threading.Event()

    def run(self) -> None:
        last_run: dict[str, float] = {}
        log.info("scheduler started with %d periodic jobs", len(periodic_jobs()))
        while not self.stopped.is_set():
            run_due(last_run, monotonic=time.monotonic())
            self.stopped.wait(self.tick_seconds)

    def stop(self) -> None:
        self.stopped.set()
