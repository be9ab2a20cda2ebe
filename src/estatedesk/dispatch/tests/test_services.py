"""Follow-ups (DS-3, DS-4) and the Monday review (DS-6)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from estatedesk.core.errors import Conflict, NotFound, ValidationFailed
from estatedesk.core.models import Event
from estatedesk.dispatch.jobs import open_weekly_reviews
from estatedesk.dispatch.models import FollowUp, ReviewItem, WeeklyReview
from estatedesk.dispatch.services import (
    followup_record,
    review_complete,
    review_item_assess,
    review_item_confirm,
    review_open,
)
from estatedesk.notify.models import Notification
from estatedesk.sla.models import Clock
from estatedesk.sla.tests.factories import event, local, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(site: Any, make_staff: Any) -> dict[str, Any]:
    return {
        "dispatcher": make_staff(site, "dispatcher", username="disp"),
        "manager": make_staff(site, "site_manager", username="mgr"),
        "assistant": make_staff(site, "cs_assistant", username="asst"),
    }


def test_followup_meets_the_ds3_clock_ds3(site: Any, staff: Any) -> None:
    at = local(2026, 11, 18, 9, 0)
    ticket = make_ticket(site, at=at)
    event(ticket, "ticket.dispatch", at)
    with time_machine.travel(local(2026, 11, 18, 10, 40), tick=False):
        followup = followup_record(
            ticket_id=ticket.pk,
            which="ds3",
            arranged=True,
            note="  维修工 已上门  ",
            actor=staff["dispatcher"],
        )
    assert (followup.note, followup.manager_notified) == ("维修工 已上门", False)
    ds3 = Clock.objects.get(ticket=ticket, kind="followup_first")
    assert (ds3.met_at, ds3.met_by) == (local(2026, 11, 18, 10, 40), staff["dispatcher"])
    recorded = Event.objects.get(verb="followup.recorded", subject_id=ticket.pk)
    assert recorded.data["which"] == "ds3"
    assert recorded.data["arranged"] is True
    assert not Notification.objects.filter(topic="dispatch.not_arranged").exists()


def test_ds4_followup_not_arranged_tells_site_manager_and_records_it_ds4(
    site: Any, staff: Any
) -> None:
    at = local(2026, 11, 18, 9, 0)
    ticket = make_ticket(site, at=at)
    event(ticket, "ticket.dispatch", at)
    with time_machine.travel(local(2026, 11, 18, 17, 0), tick=False):
        followup = followup_record(
            ticket_id=ticket.pk,
            which="ds4",
            arranged=False,
            note="维修工请假，尚未安排",
            actor=staff["dispatcher"],
        )
    assert followup.manager_notified is True
    sent = Notification.objects.get(topic="dispatch.not_arranged", channel="inapp")
    assert sent.user == staff["manager"]
    assert sent.url == f"/tickets/{ticket.pk}/"
    noted = Event.objects.get(verb="followup.manager_notified", subject_id=ticket.pk)
    assert noted.data == {"followup_id": followup.pk, "managers": [staff["manager"].pk]}
    assert Clock.objects.get(ticket=ticket, kind="followup_second").met_at is not None


def test_followup_refused_on_finished_ticket_changes_nothing(site: Any, staff: Any) -> None:
    ticket = make_ticket(site, at=local(2026, 11, 18, 9, 0), state="closed")
    with pytest.raises(ValidationFailed):
        followup_record(
            ticket_id=ticket.pk, which="ds3", arranged=True, note="x", actor=staff["dispatcher"]
        )
    assert not FollowUp.objects.exists()
    assert not Event.objects.filter(verb="followup.recorded").exists()


def test_followup_needs_a_note(site: Any, staff: Any) -> None:
    ticket = make_ticket(site, at=local(2026, 11, 18, 9, 0))
    with pytest.raises(ValidationFailed):
        followup_record(
            ticket_id=ticket.pk, which="ds3", arranged=True, note="  ", actor=staff["dispatcher"]
        )
    assert not FollowUp.objects.exists()


def test_followup_by_non_dispatcher_or_other_site_is_not_found(
    site: Any, other_site: Any, staff: Any, make_staff: Any
) -> None:
    ticket = make_ticket(site, at=local(2026, 11, 18, 9, 0))
    stranger = make_staff(other_site, "dispatcher")
    for actor in (staff["assistant"], stranger):
        with pytest.raises(NotFound):
            followup_record(ticket_id=ticket.pk, which="ds3", arranged=True, note="x", actor=actor)
    assert not FollowUp.objects.exists()


def _week_of_cases(site: Any) -> dict[str, Any]:
    return {
        "open": make_ticket(site, at=local(2026, 11, 17, 10, 0)),  # last week's Tuesday
        "closed": make_ticket(site, at=local(2026, 11, 18, 10, 0), state="closed"),
        "older": make_ticket(site, at=local(2026, 11, 15, 23, 0)),  # the Sunday before
        "this_week": make_ticket(site, at=local(2026, 11, 23, 9, 0)),
    }


def test_monday_review_lists_last_weeks_open_cases_ds6(site: Any, staff: Any) -> None:
    cases = _week_of_cases(site)
    with time_machine.travel(local(2026, 11, 23, 9, 30), tick=False):
        review = review_open(site_id=site.pk, actor=staff["dispatcher"])
        again = review_open(site_id=site.pk, actor=staff["dispatcher"])
    assert again.pk == review.pk
    assert review.week_start == dt.date(2026, 11, 16)
    assert list(review.items.values_list("ticket_id", flat=True)) == [cases["open"].pk]
    assert Event.objects.filter(verb="review.opened").count() == 1


def test_weekly_review_job_opens_once_per_site_ds6(site: Any, other_site: Any) -> None:
    _week_of_cases(site)
    assert open_weekly_reviews(now=local(2026, 11, 24, 8, 0)) == 2
    assert open_weekly_reviews(now=local(2026, 11, 24, 9, 0)) == 0
    assert WeeklyReview.objects.filter(week_start=dt.date(2026, 11, 16)).count() == 2


def test_case_that_cannot_be_handled_needs_manager_confirmed_approach_ds6(
    site: Any, staff: Any
) -> None:
    cases = _week_of_cases(site)
    with time_machine.travel(local(2026, 11, 23, 9, 30), tick=False):
        review = review_open(site_id=site.pk, actor=staff["dispatcher"])
        item = ReviewItem.objects.get(review=review, ticket=cases["open"])
        with pytest.raises(ValidationFailed):
            review_item_assess(
                item_id=item.pk, verdict="cannot_handle", note="", actor=staff["dispatcher"]
            )
        review_item_assess(
            item_id=item.pk,
            verdict="cannot_handle",
            note="配件停产，厂家无法维修",
            actor=staff["dispatcher"],
        )
        with pytest.raises(ValidationFailed):
            review_complete(review_id=review.pk, actor=staff["dispatcher"])
        with pytest.raises(NotFound):
            review_item_confirm(item_id=item.pk, new_approach="换新", actor=staff["dispatcher"])
        review_item_confirm(
            item_id=item.pk, new_approach="由管理处采购替代配件", actor=staff["manager"]
        )
        with pytest.raises(Conflict):
            review_item_assess(
                item_id=item.pk, verdict="on_track", note="", actor=staff["dispatcher"]
            )
        done = review_complete(review_id=review.pk, actor=staff["dispatcher"])
    item.refresh_from_db()
    assert (item.new_approach, item.confirmed_by) == ("由管理处采购替代配件", staff["manager"])
    assert done.status == "done"
    confirmed = Event.objects.get(verb="review.approach_confirmed")
    assert confirmed.subject_id == cases["open"].pk
    with pytest.raises(Conflict):
        review_item_assess(item_id=item.pk, verdict="on_track", note="", actor=staff["dispatcher"])
