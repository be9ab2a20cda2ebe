"""Nightly retrain: after 02:00 local, once per night, only with new confirmations."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from estatedesk.org.tests.factories import CompanyFactory, SiteFactory
from estatedesk.triage.jobs import PERIODIC, last_boundary, retrain_due
from estatedesk.triage.models import TriageModel
from estatedesk.triage.services import (
    model_train,
    suggest,
    suggestion_confirm,
    suggestion_record,
)

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def _confirm(site, actor, when):
    with time_machine.travel(when, tick=False):
        text = "3栋楼道灯不亮了"
        suggestion = suggestion_record(site=site, text=text, result=suggest(text=text), actor=actor)
        suggestion_confirm(
            suggestion=suggestion, kind="repair", department="engineering", actor=actor
        )


def test_last_boundary_is_the_latest_two_oclock() -> None:
    assert last_boundary(dt.datetime(2026, 12, 2, 1, 59, tzinfo=SH)) == dt.datetime(
        2026, 12, 1, 2, 0, tzinfo=SH
    )
    assert last_boundary(dt.datetime(2026, 12, 2, 2, 0, tzinfo=SH)) == dt.datetime(
        2026, 12, 2, 2, 0, tzinfo=SH
    )


def test_nothing_to_do_without_confirmations(site) -> None:
    assert retrain_due(now=dt.datetime(2026, 12, 2, 3, 0, tzinfo=SH)) is False
    assert not TriageModel.objects.exists()


def test_retrains_after_two_once_per_night_and_only_with_new_confirmations(site, assistant) -> None:
    _confirm(site, assistant, dt.datetime(2026, 12, 1, 10, 0, tzinfo=SH))
    first_night = dt.datetime(2026, 12, 2, 2, 5, tzinfo=SH)
    assert retrain_due(now=first_night) is True
    assert retrain_due(now=first_night + dt.timedelta(minutes=10)) is False
    assert list(TriageModel.objects.values_list("version", flat=True)) == ["TEST-1"]
    # Nothing new confirmed: the next night does not retrain.
    assert retrain_due(now=dt.datetime(2026, 12, 3, 2, 5, tzinfo=SH)) is False
    # A confirmation in the day: not retrained before 02:00 ...
    _confirm(site, assistant, dt.datetime(2026, 12, 3, 15, 0, tzinfo=SH))
    assert retrain_due(now=dt.datetime(2026, 12, 4, 1, 59, tzinfo=SH)) is False
    # ... and retrained after it.
    assert retrain_due(now=dt.datetime(2026, 12, 4, 2, 0, tzinfo=SH)) is True
    assert TriageModel.objects.count() == 2


def test_a_model_younger_than_23_hours_is_not_retrained(site, assistant) -> None:
    _confirm(site, assistant, dt.datetime(2026, 12, 1, 23, 0, tzinfo=SH))
    model_train(company=site.company, now=dt.datetime(2026, 12, 2, 1, 30, tzinfo=SH))
    _confirm(site, assistant, dt.datetime(2026, 12, 2, 1, 40, tzinfo=SH))
    assert retrain_due(now=dt.datetime(2026, 12, 2, 2, 30, tzinfo=SH)) is False
    assert retrain_due(now=dt.datetime(2026, 12, 3, 2, 30, tzinfo=SH)) is True
    assert TriageModel.objects.count() == 2


def test_confirmations_wait_for_the_night_even_without_a_model(site, assistant) -> None:
    _confirm(site, assistant, dt.datetime(2026, 12, 1, 10, 0, tzinfo=SH))
    assert retrain_due(now=dt.datetime(2026, 12, 1, 22, 0, tzinfo=SH)) is False
    assert retrain_due(now=dt.datetime(2026, 12, 2, 2, 0, tzinfo=SH)) is True


def test_one_company_per_run(site, assistant) -> None:
    other = SiteFactory(company=CompanyFactory(code="OTHR", name="别家物业"))
    _confirm(site, assistant, dt.datetime(2026, 12, 1, 10, 0, tzinfo=SH))
    _confirm(other, assistant, dt.datetime(2026, 12, 1, 10, 0, tzinfo=SH))
    night = dt.datetime(2026, 12, 2, 2, 5, tzinfo=SH)
    assert retrain_due(now=night) is True
    assert retrain_due(now=night) is True
    assert retrain_due(now=night) is False
    assert sorted(TriageModel.objects.values_list("version", flat=True)) == ["OTHR-1", "TEST-1"]


def test_job_is_registered_as_periodic() -> None:
    [(job, interval)] = PERIODIC
    assert (job, interval) == (retrain_due, 600)
