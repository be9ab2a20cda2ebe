"""The scheduler's rollup job catching up a database in batches, the rollup command, and the
demo data (idempotent)."""

from __future__ import annotations

import pytest
import time_machine
from django.core.management import call_command

from estatedesk.core.scheduler import periodic_jobs
from estatedesk.org.demo import seed_organisation
from estatedesk.reports import demo, jobs, rollups
from estatedesk.reports.models import (
    RollupState,
    Survey,
    SurveyResponse,
    TicketFact,
    TrainingSession,
)
from estatedesk.reports.tests.conftest import at

pytestmark = pytest.mark.django_db


def test_a_new_database_is_backfilled_in_batches(site, desk, units, monkeypatch):
    for day in (5, 6, 7):
        desk.ticket(at(2026, 1, day, 9, 0), unit=units[0])
    monkeypatch.setattr(rollups, "BACKFILL_BATCH", 2)
    first = desk.refresh(at(2026, 3, 1, 9, 0))
    assert (first.tickets, first.backfill_done) == (2, False)
    assert TicketFact.objects.count() == 2
    second = desk.refresh(at(2026, 3, 1, 9, 5))
    assert (second.tickets, second.backfill_done) == (1, True)
    assert TicketFact.objects.count() == 3
    third = desk.refresh(at(2026, 3, 1, 9, 10))
    assert third.tickets == 0
    assert RollupState.objects.get().backfill_done


def test_new_tickets_reach_the_rollups_through_their_events(site, desk, units):
    desk.refresh(at(2026, 3, 1, 9, 0))
    ticket = desk.ticket(at(2026, 1, 5, 9, 0), unit=units[0])  # logged late, received long ago
    result = desk.refresh(at(2026, 3, 1, 9, 5))
    assert result.tickets == 1
    assert TicketFact.objects.get().ticket_id == ticket.pk


def test_the_rollup_command_recomputes_everything(site, desk, units, capsys):
    desk.ticket(at(2026, 1, 5, 9, 0), unit=units[0])
    with time_machine.travel(at(2026, 3, 1, 9, 0), tick=False):
        call_command("reports_rollup", "--all", "--site", site.code)
    assert "tickets 1" in capsys.readouterr().out
    assert TicketFact.objects.count() == 1


def test_the_jobs_are_registered_with_the_scheduler():
    names = {job.__name__ for job, _interval in periodic_jobs()}
    assert {
        "refresh_rollups",
        "archive_registers",
        "apply_retention",
        "send_survey_invitations",
    } <= names
    assert (jobs.refresh_rollups, 300) in jobs.PERIODIC


def test_demo_seeds_rollups_one_training_and_one_answered_survey_idempotently():
    site = seed_organisation()
    first = demo.seed(site=site)
    demo.seed(site=site)
    assert TrainingSession.objects.filter(site=site).count() == 1
    survey = Survey.objects.get(site=site)
    assert survey.state == "open"
    assert SurveyResponse.objects.filter(survey=survey).count() == 5
    assert any("满意度调查" in line for line in first)
