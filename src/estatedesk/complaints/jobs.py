"""Periodic complaint jobs (scheduler thread of ``estatedesk serve`` or Celery beat).

Each is idempotent and catches up: it processes what is due at ``now`` and leaves a marker
(a cleared deadline, a unique report row) so a second run, or two overlapping runs, do nothing
more.
"""

from __future__ import annotations

import datetime as dt

from estatedesk.complaints import services
from estatedesk.complaints.models import Complaint
from estatedesk.core import clock
from estatedesk.org.models import Site

BATCH_SIZE = 200


def upgrade_overdue_complaints(*, now: dt.datetime | None = None) -> int:
    """CP-3: valid complaints unresolved one month after receipt become major.

    Reads only the partial index ``complaint_upgrade_due``; each complaint is upgraded in its
    own transaction with a compare-and-set, so a concurrent run skips it. Returns how many
    were upgraded."""
    now = now or clock.now()
    upgraded = 0
    while True:
        due = list(
            Complaint.objects.filter(upgrade_due_at__lte=now)
            .order_by("upgrade_due_at", "pk")
            .values_list("pk", flat=True)[:BATCH_SIZE]
        )
        for pk in due:
            if services.complaint_upgrade_overdue(complaint_id=pk, now=now):
                upgraded += 1
        # every row read has its deadline cleared (upgraded or not), so the loop ends
        if len(due) < BATCH_SIZE:
            return upgraded


def generate_weekly_reports(*, now: dt.datetime | None = None) -> int:
    """RP-1: on Saturday (or at the first run after it) each active site gets the report of
    the latest Saturday; one per site and Saturday (unique row). Returns how many were made."""
    now = now or clock.now()
    saturday = services.latest_saturday(now)
    made = 0
    for site in Site.objects.filter(is_active=True).order_by("pk"):
        if services.weekly_report_generate(site=site, saturday=saturday, now=now) is not None:
            made += 1
    return made


def generate_monthly_summaries(*, now: dt.datetime | None = None) -> int:
    """DS-7 / RP-2: once a month is over, each active site gets the draft of its monthly
    summary for the dispatcher (one per site and month). Returns how many were made."""
    now = now or clock.now()
    month = services.previous_month(now)
    made = 0
    for site in Site.objects.filter(is_active=True).order_by("pk"):
        if services.monthly_summary_generate(site=site, month=month, now=now) is not None:
            made += 1
    return made


PERIODIC = [
    (upgrade_overdue_complaints, 300),
    (generate_weekly_reports, 900),
    (generate_monthly_summaries, 3600),
]
