"""VI-4: overdue rectification deadlines are flagged once and their handler is notified."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from estatedesk.core import clock
from estatedesk.core.models import Event
from estatedesk.core.scheduler import periodic_jobs
from estatedesk.notify.models import Notification
from estatedesk.violations import jobs, services
from estatedesk.violations.enums import MeasureKind, ReinspectResult
from estatedesk.violations.models import CaseTask
from estatedesk.violations.tests.factories import make_case

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.local_zone())


def _rectification(site, staff, days: int = 2):
    case = make_case(site, staff["assistant"], onsite_persuasion="劝阻")
    return services.measure_record(
        case=case,
        kind=MeasureKind.RECTIFICATION,
        details="限期拆除",
        deadline=clock.now() + dt.timedelta(days=days),
        actor=staff["assistant"],
    )


def test_overdue_rectification_is_flagged_once_and_notifies_vi4(site, staff) -> None:
    with time_machine.travel(T0, tick=False):
        measure = _rectification(site, staff)
    assert jobs.flag_overdue_rectifications(now=T0 + dt.timedelta(days=1)) == 0
    later = T0 + dt.timedelta(days=2, minutes=1)
    assert jobs.flag_overdue_rectifications(now=later) == 1
    assert jobs.flag_overdue_rectifications(now=later + dt.timedelta(minutes=5)) == 0
    task = CaseTask.objects.get(measure=measure)
    assert task.overdue_notified_at == later
    notes = Notification.objects.filter(topic="violations.overdue")
    assert [(n.user, n.title) for n in notes] == [
        (staff["supervisor"], f"整改逾期：{measure.case.number}")
    ]
    assert Event.objects.filter(verb="violations.rectification_overdue").count() == 1


def test_done_reinspection_is_never_flagged_vi4(site, staff) -> None:
    with time_machine.travel(T0, tick=False):
        measure = _rectification(site, staff)
        services.task_complete(
            task=CaseTask.objects.get(measure=measure),
            result=ReinspectResult.RECTIFIED,
            actor=staff["assistant"],
        )
    assert jobs.flag_overdue_rectifications(now=T0 + dt.timedelta(days=10)) == 0


def test_job_is_registered_with_the_scheduler() -> None:
    assert (jobs.flag_overdue_rectifications, 300) in periodic_jobs()
