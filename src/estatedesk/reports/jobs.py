"""Periodic jobs of the reports app; each takes ``now``, is idempotent and catches up.

- ``refresh_rollups`` (every 5 min): the derived tables the report pages read (rollups.py).
- ``archive_registers`` (hourly): RT-1, at the start of a year the previous years' request
  registers not yet archived (within the 2 years they are kept) are archived, and tickets of
  archived years that have finished since are marked archived.
- ``apply_retention`` (hourly): RT-1..RT-3, removes what is past its period (services).
- ``send_survey_invitations`` (every 10 min): RP-6, surveys past their closing date end, and
  the open ones' SMS invitations go out.
"""

from __future__ import annotations

import datetime as dt
import logging

from estatedesk.core import clock
from estatedesk.org.models import Site
from estatedesk.reports import rollups, services
from estatedesk.reports.enums import SurveyState
from estatedesk.reports.models import RegisterArchive, Survey
from estatedesk.reports.periods import day_start
from estatedesk.tickets.models import Ticket

log = logging.getLogger(__name__)


def refresh_rollups(*, now: dt.datetime) -> rollups.RefreshResult:
    return rollups.refresh(now=now)


def archive_registers(*, now: dt.datetime) -> int:
    """Archive every past year still within RT-1's two years that has tickets and no archive;
    returns how many archives were made."""
    year = clock.localtime(now).year
    years = range(year - services.REQUESTS_KEPT_YEARS, year)
    made = 0
    for site in Site.objects.order_by("pk"):
        done = set(
            RegisterArchive.objects.filter(site=site, year__in=list(years)).values_list(
                "year", flat=True
            )
        )
        for past in years:
            if past in done:
                continue
            # ticket_site_received index
            has_tickets = Ticket.objects.filter(
                site=site,
                received_at__gte=day_start(dt.date(past, 1, 1)),
                received_at__lt=day_start(dt.date(past + 1, 1, 1)),
            ).exists()
            if has_tickets:
                services.register_archive_create(site=site, year=past)
                made += 1
    for archive in RegisterArchive.objects.filter(year__in=list(years)).select_related("site"):
        services.register_archive_catch_up(archive=archive, now=now)
    return made


def apply_retention(*, now: dt.datetime) -> int:
    runs = services.retention_run(now=now)
    for run in runs:
        log.info("retention: %s removed %d at site %s", run.record_class, run.removed, run.site_id)
    return len(runs)


def send_survey_invitations(*, now: dt.datetime) -> int:
    """RP-6: end the surveys past their closing date, then invite the next households of the
    open ones."""
    services.survey_close_expired(now=now)
    sent = 0
    for survey in Survey.objects.filter(
        state=SurveyState.OPEN, invitations_done_at__isnull=True
    ).select_related("site"):
        sent += services.survey_invite_batch(survey=survey, now=now)
    return sent


PERIODIC = [
    (refresh_rollups, 300),
    (archive_registers, 3600),
    (apply_retention, 3600),
    (send_survey_invitations, 600),
]
