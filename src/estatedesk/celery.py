"""Celery for production: beat schedules every app's periodic jobs, workers run them."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "estatedesk.settings")

app = Celery("estatedesk")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.task(name="estatedesk.run_job")
def run_job(dotted: str) -> Any:
    import importlib

    from estatedesk.core import clock

    module_name, _, attr = dotted.rpartition(".")
    return importlib.import_module(module_name).__dict__[attr](now=clock.now())


@app.on_after_finalize.connect
def _schedule_periodic(sender: Celery, **_kwargs: Any) -> None:
    import django

    django.setup()
    from estatedesk.core.scheduler import job_name, periodic_jobs

    for job, interval in periodic_jobs():
        name = job_name(job)
        sender.add_periodic_task(float(interval), run_job.s(name), name=name)
