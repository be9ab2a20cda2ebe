"""RP-8: training sessions per procedure family with their attendees."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from estatedesk.core.errors import NotFound, ValidationFailed
from estatedesk.core.models import Event
from estatedesk.reports import services
from estatedesk.reports.models import TrainingAttendance, TrainingSession
from estatedesk.reports.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(at(2026, 3, 10, 15, 0), tick=False):
        yield


def _session(site, people, **changes):
    values = {
        "site": site,
        "procedure": "CP",
        "topic": "投诉处理时限",
        "held_on": dt.date(2026, 3, 9),
        "hours": 2,
        "trainer": "陈主管",
        "notes": "",
        "attendee_ids": [people["assistant"].pk, people["dispatcher"].pk],
        "actor": people["supervisor"],
    }
    values.update(changes)
    return services.training_session_create(**values)


def test_training_is_recorded_with_its_attendees_rp8(site, people):
    session = _session(site, people)
    assert set(
        TrainingAttendance.objects.filter(session=session).values_list("user_id", flat=True)
    ) == {
        people["assistant"].pk,
        people["dispatcher"].pk,
    }
    assert Event.objects.get(verb="reports.training_recorded").data["procedure"] == "CP"


def test_training_refuses_strangers_future_dates_and_nobody_rp8(
    site, other_site, people, make_staff
):
    stranger = make_staff(other_site, "dispatcher")
    with pytest.raises(ValidationFailed):
        _session(site, people, attendee_ids=[stranger.pk])
    with pytest.raises(ValidationFailed):
        _session(site, people, held_on=dt.date(2026, 3, 11))
    with pytest.raises(ValidationFailed):
        _session(site, people, attendee_ids=[])
    with pytest.raises(NotFound):
        _session(site, people, actor=people["dispatcher"])
    assert not TrainingSession.objects.exists()


def test_attendees_are_corrected_and_the_change_recorded_rp8(site, people):
    session = _session(site, people)
    services.training_attendees_set(
        session=session, attendee_ids=[people["plumber"].pk], actor=people["manager"]
    )
    assert list(session.attendance.values_list("user_id", flat=True)) == [people["plumber"].pk]
    event = Event.objects.get(verb="reports.training_attendees")
    assert event.after == {"attendees": [people["plumber"].pk]}


def test_training_pages_record_and_list_rp8(client, site, people):
    client.force_login(people["supervisor"])
    response = client.post(
        f"/reports/training/new/?site={site.pk}",
        {
            "site": site.pk,
            "procedure": "DT",
            "topic": "交接班",
            "held_on": "2026-03-09",
            "hours": "1.5",
            "trainer": "陈主管",
            "notes": "",
            "attendees": [str(people["dispatcher"].pk)],
        },
    )
    session = TrainingSession.objects.get()
    assert response["Location"] == f"/reports/training/{session.pk}/"
    listing = client.get("/reports/training/", {"procedure": "DT"})
    assert "交接班" in listing.content.decode()
    bad = client.post(
        f"/reports/training/new/?site={site.pk}",
        {
            "site": site.pk,
            "procedure": "DT",
            "topic": "没人参加",
            "held_on": "2026-03-09",
            "hours": "1",
            "trainer": "陈主管",
        },
    )
    assert bad.status_code == 200 and "没人参加" in bad.content.decode()
    assert TrainingSession.objects.count() == 1


def test_another_sites_training_is_404(client, site, other_site, people, make_staff):
    session = _session(site, people)
    client.force_login(make_staff(other_site, "site_manager"))
    assert client.get(f"/reports/training/{session.pk}/").status_code == 404


def test_training_list_costs_the_same_queries_at_1_and_20(client, site, people):
    client.force_login(people["manager"])

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/reports/training/").status_code == 200
        return len(captured)

    _session(site, people)
    one = count()
    for n in range(19):
        _session(site, people, topic=f"第 {n} 次")
    assert count() == one
