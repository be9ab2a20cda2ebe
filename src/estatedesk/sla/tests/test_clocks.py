"""Clocks started, met, paused and cancelled by ticket events (RQ-5, RQ-6, RQ-8, DS-3, DS-4,
CV-2 Q), with deadlines on the business calendar; clocks due at a time the event gives and
clocks cancelled by a policy's cancel events (as CP-5/CP-7 use them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from estatedesk.core import clock
from estatedesk.org.models import ExternalParty
from estatedesk.sla.enums import DeadlineRule
from estatedesk.sla.models import Clock, SlaPolicy
from estatedesk.sla.services import policy_create, policy_update
from estatedesk.sla.tests.factories import event, local, make_ticket
from estatedesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def clock_of(ticket: Ticket, kind: str) -> Clock:
    return Clock.objects.get(ticket=ticket, kind=kind)


def _dispatch_at(site: Any, at: dt.datetime) -> Ticket:
    """A ticket opened and dispatched at ``at`` (time moved there, as the services see it)."""
    with time_machine.travel(at, tick=False):
        ticket = make_ticket(site, at=clock.now())
        event(ticket, "ticket.dispatch", clock.now())
    return ticket


def test_dispatch_at_1600_ds3_due_1800_ds4_due_1730_same_day_ds3_ds4(site: Any) -> None:
    ticket = _dispatch_at(site, local(2026, 11, 18, 16, 0))  # a Wednesday
    ds3 = clock_of(ticket, "followup_first")
    ds4 = clock_of(ticket, "followup_second")
    assert (ds3.rule, ds3.due_at) == ("DS-3", local(2026, 11, 18, 18, 0))
    assert (ds4.rule, ds4.due_at) == ("DS-4", local(2026, 11, 18, 17, 30))
    ticket.refresh_from_db()
    assert ticket.next_due_at == local(2026, 11, 18, 17, 30)


def test_dispatch_after_closing_ds4_due_next_working_day_end_ds4(site: Any) -> None:
    ticket = _dispatch_at(site, local(2026, 11, 18, 17, 50))  # Wednesday -> Thursday
    assert clock_of(ticket, "followup_second").due_at == local(2026, 11, 19, 17, 30)


def test_dispatch_friday_evening_ds4_due_monday_end_ds4(site: Any) -> None:
    ticket = _dispatch_at(site, local(2026, 11, 20, 17, 50))  # weekend crossed
    assert clock_of(ticket, "followup_second").due_at == local(2026, 11, 23, 17, 30)


def test_dispatch_on_national_day_eve_crosses_the_holiday_ds4(site: Any) -> None:
    ticket = _dispatch_at(site, local(2026, 9, 30, 18, 0))
    assert clock_of(ticket, "followup_second").due_at == local(2026, 10, 8, 17, 30)


def test_dispatch_friday_evening_before_adjusted_working_saturday_ds4(site: Any) -> None:
    ticket = _dispatch_at(site, local(2026, 10, 9, 18, 0))  # 2026-10-10 is a 调休 Saturday
    assert clock_of(ticket, "followup_second").due_at == local(2026, 10, 10, 17, 30)


def test_first_response_due_24_hours_after_receipt_rq6(site: Any) -> None:
    at = local(2026, 11, 18, 10, 0)
    ticket = make_ticket(site, at=at)
    first = clock_of(ticket, "first_response")
    assert (first.rule, first.due_at) == ("RQ-6", local(2026, 11, 19, 10, 0))
    assert first.warn_at == local(2026, 11, 19, 5, 12)  # 80% of 24 h
    assert not Clock.objects.filter(ticket=ticket, kind="solution").exists()


def test_complex_problem_solution_due_in_48_hours_rq6(site: Any) -> None:
    at = local(2026, 11, 18, 10, 0)
    ticket = make_ticket(site, at=at, is_complex=True)
    solution = clock_of(ticket, "solution")
    assert solution.due_at == local(2026, 11, 20, 10, 0)
    event(ticket, "ticket.solution_proposed", local(2026, 11, 19, 9, 0))
    solution.refresh_from_db()
    assert solution.met_at == local(2026, 11, 19, 9, 0)
    assert solution.status == "met"


def test_receiver_asks_supervisor_reply_due_in_5_minutes_rq5(site: Any) -> None:
    at = local(2026, 11, 21, 22, 0)  # a Saturday night: 24x7
    ticket = make_ticket(site, at=at, kind="consultation")
    event(ticket, "consultation.escalated", at, mode="oral")
    reply = clock_of(ticket, "supervisor_reply")
    assert (reply.rule, reply.due_at) == ("RQ-5", local(2026, 11, 21, 22, 5))
    assert reply.warn_at == local(2026, 11, 21, 22, 4)
    event(ticket, "consultation.answered", local(2026, 11, 21, 22, 3))
    reply.refresh_from_db()
    assert (reply.status, reply.met_at) == ("met", local(2026, 11, 21, 22, 3))
    assert clock_of(ticket, "consult_oral").met_at is None


def test_oral_consultation_answer_due_2_hours_after_escalation_rq8(site: Any) -> None:
    at = local(2026, 11, 18, 16, 30)
    ticket = make_ticket(site, at=at, kind="consultation")
    event(ticket, "consultation.escalated", at, mode="oral")
    oral = clock_of(ticket, "consult_oral")
    assert (oral.rule, oral.due_at) == ("RQ-8", local(2026, 11, 18, 18, 30))
    event(ticket, "ticket.answer", local(2026, 11, 18, 17, 0))
    oral.refresh_from_db()
    assert oral.status == "met"


def test_written_consultation_escalation_has_no_5_minute_clock_rq5_rq8(site: Any) -> None:
    at = local(2026, 11, 18, 10, 0)
    ticket = make_ticket(site, at=at, kind="consultation", channel="written")
    event(ticket, "consultation.escalated", at, mode="written")
    kinds = set(Clock.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == {"first_response"}


def test_written_consultation_due_in_2_working_days_rq8(site: Any) -> None:
    at = local(2026, 11, 20, 15, 0)  # Friday 15:00 -> Tuesday 15:00
    ticket = make_ticket(site, at=at, kind="consultation", channel="written")
    event(ticket, "consultation.written_registered", at)
    written = clock_of(ticket, "consult_written")
    assert written.due_at == local(2026, 11, 24, 15, 0)


def test_outside_unit_uses_its_committed_hours_cv2_q(site: Any) -> None:
    party = ExternalParty.objects.create(
        site=site, kind="broadband", name="宽带公司", committed_response_hours=6
    )
    at = local(2026, 11, 18, 9, 0)
    ticket = make_ticket(site, at=at)
    event(ticket, "ticket.refer", at, external_party_id=party.pk)
    q = clock_of(ticket, "external_commitment")
    assert (q.rule, q.due_at) == ("CV-2", local(2026, 11, 18, 15, 0))
    event(ticket, "referral.reported", local(2026, 11, 18, 14, 0))
    q.refresh_from_db()
    assert q.met_at == local(2026, 11, 18, 14, 0)


def test_refer_without_outside_unit_starts_no_commitment_clock_cv2(site: Any) -> None:
    at = local(2026, 11, 18, 9, 0)
    ticket = make_ticket(site, at=at)
    event(ticket, "ticket.refer", at, referred_to="开发商")
    assert not Clock.objects.filter(ticket=ticket, kind="external_commitment").exists()


def test_waiting_for_resident_shifts_due_time_rq6(site: Any) -> None:
    at = local(2026, 11, 18, 10, 0)
    ticket = make_ticket(site, at=at)
    event(ticket, "ticket.dispatch", at)  # meets the first response
    event(ticket, "ticket.wait_resident", local(2026, 11, 18, 11, 0))
    ds3 = clock_of(ticket, "followup_first")
    assert ds3.paused_at == local(2026, 11, 18, 11, 0)
    assert ds3.next_action_at is None
    ticket.refresh_from_db()
    assert ticket.next_due_at == local(2026, 11, 18, 17, 30)  # DS-4 does not pause
    event(ticket, "ticket.resume", local(2026, 11, 18, 14, 0))
    ds3.refresh_from_db()
    assert ds3.paused_at is None
    assert ds3.paused_seconds == 3 * 3600
    assert ds3.due_at == local(2026, 11, 18, 15, 0)
    assert ds3.warn_at == local(2026, 11, 18, 14, 36)
    assert ds3.next_action_at == local(2026, 11, 18, 14, 36)


def test_followup_meets_only_its_own_clock_ds3(site: Any) -> None:
    at = local(2026, 11, 18, 9, 0)
    ticket = make_ticket(site, at=at)
    event(ticket, "ticket.dispatch", at)
    event(ticket, "followup.recorded", local(2026, 11, 18, 10, 30), which="ds3", arranged=True)
    assert clock_of(ticket, "followup_first").met_at == local(2026, 11, 18, 10, 30)
    assert clock_of(ticket, "followup_second").met_at is None
    ticket.refresh_from_db()
    assert ticket.next_due_at == local(2026, 11, 18, 17, 30)


def test_cancel_stops_every_running_clock(site: Any) -> None:
    at = local(2026, 11, 18, 9, 0)
    ticket = make_ticket(site, at=at)
    event(ticket, "ticket.cancel", local(2026, 11, 18, 9, 30), reason="重复")
    first = clock_of(ticket, "first_response")
    assert first.cancelled_at == local(2026, 11, 18, 9, 30)
    assert first.next_action_at is None
    ticket.refresh_from_db()
    assert ticket.next_due_at is None


def test_second_dispatch_does_not_start_a_second_clock_ds3(site: Any) -> None:
    at = local(2026, 11, 18, 9, 0)
    ticket = make_ticket(site, at=at)
    event(ticket, "ticket.dispatch", at)
    event(ticket, "ticket.dispatch", at + dt.timedelta(minutes=30))
    assert Clock.objects.filter(ticket=ticket, kind="followup_first").count() == 1


def test_special_kinds_get_no_general_response_clock_rq6(site: Any) -> None:
    ticket = make_ticket(site, at=local(2026, 11, 18, 9, 0), kind="fire")
    assert not Clock.objects.filter(ticket=ticket).exists()


def test_complaint_follows_its_own_limits_not_rq6_rq5(site: Any) -> None:
    ticket = make_ticket(site, at=local(2026, 11, 18, 9, 0), kind="complaint", is_complex=True)
    assert not Clock.objects.filter(ticket=ticket, rule="RQ-6").exists()


def _given_time_policy(site: Any, **fields: Any) -> SlaPolicy:
    """A site's clock due at the time its start event gives under ``due_at``."""
    values: dict[str, Any] = {
        "rule": "CP-7",
        "name": "约定时间前办结",
        "start_events": ["promise.made"],
        "meet_events": ["promise.kept"],
        "cancel_events": ["promise.replaced"],
        "deadline_rule": DeadlineRule.EVENT_TIME,
        "due_at_key": "due_at",
        "duration": dt.timedelta(hours=24),
        "calendar": "working",
        "breach_notify": ["dispatcher"],
    }
    values.update(fields)
    return policy_create(site=site, clock_kind="promise", **values)


def test_event_time_clock_falls_due_at_the_given_minute_not_a_rounded_hour(site: Any) -> None:
    """Started Wednesday 10:07, due Thursday 16:41 as given; the working calendar does not
    move an instant (the warning is 80% of the wall-clock time)."""
    _given_time_policy(site)
    ticket = make_ticket(site, at=local(2026, 11, 18, 10, 0))
    event(ticket, "promise.made", local(2026, 11, 18, 10, 7), due_at="2026-11-19T16:41:00+08:00")
    promise = clock_of(ticket, "promise")
    assert (promise.started_at, promise.due_at) == (
        local(2026, 11, 18, 10, 7),
        local(2026, 11, 19, 16, 41),
    )
    assert promise.warn_at == local(2026, 11, 19, 10, 34, 12)
    assert promise.policy_version == 1


def test_event_time_reads_a_datetime_or_a_local_iso_time(site: Any) -> None:
    _given_time_policy(site)
    first = make_ticket(site, at=local(2026, 11, 18, 10, 0))
    event(first, "promise.made", local(2026, 11, 18, 10, 0), due_at=local(2026, 11, 18, 15, 5))
    second = make_ticket(site, at=local(2026, 11, 18, 10, 0))
    event(second, "promise.made", local(2026, 11, 18, 10, 0), due_at="2026-11-18T15:05:00")
    assert clock_of(first, "promise").due_at == local(2026, 11, 18, 15, 5)
    assert clock_of(second, "promise").due_at == local(2026, 11, 18, 15, 5)


def test_event_time_without_a_time_falls_back_to_the_duration(site: Any) -> None:
    _given_time_policy(site, calendar="24x7")
    missing = make_ticket(site, at=local(2026, 11, 18, 10, 0))
    event(missing, "promise.made", local(2026, 11, 18, 10, 0))
    garbled = make_ticket(site, at=local(2026, 11, 18, 10, 0))
    event(garbled, "promise.made", local(2026, 11, 18, 10, 0), due_at="下周一")
    assert clock_of(missing, "promise").due_at == local(2026, 11, 19, 10, 0)
    assert clock_of(garbled, "promise").due_at == local(2026, 11, 19, 10, 0)


def test_event_time_in_the_past_is_due_at_once(site: Any) -> None:
    _given_time_policy(site)
    ticket = make_ticket(site, at=local(2026, 11, 18, 10, 0))
    event(ticket, "promise.made", local(2026, 11, 18, 10, 0), due_at="2026-11-17T09:00:00+08:00")
    promise = clock_of(ticket, "promise")
    assert (promise.due_at, promise.warn_at) == (local(2026, 11, 18, 10, 0),) * 2


def test_cancel_event_stops_a_clock_without_meeting_it(site: Any) -> None:
    _given_time_policy(site)
    ticket = make_ticket(site, at=local(2026, 11, 18, 10, 0))
    event(ticket, "promise.made", local(2026, 11, 18, 10, 0), due_at="2026-11-19T12:00:00+08:00")
    event(ticket, "promise.replaced", local(2026, 11, 18, 11, 0))
    promise = clock_of(ticket, "promise")
    assert (promise.cancelled_at, promise.met_at, promise.met_event) == (
        local(2026, 11, 18, 11, 0),
        None,
        "",
    )
    assert (promise.status, promise.next_action_at) == ("cancelled", None)
    ticket.refresh_from_db()
    assert ticket.next_due_at == clock_of(ticket, "first_response").due_at


def test_a_replacing_event_may_cancel_a_clock_and_start_the_next(site: Any) -> None:
    """CP-7 pattern: an approved extension cancels the running clock of its kind and starts a
    new one due at the new time."""
    _given_time_policy(site, start_events=["promise.made", "promise.replaced"])
    ticket = make_ticket(site, at=local(2026, 11, 18, 10, 0))
    event(ticket, "promise.made", local(2026, 11, 18, 10, 0), due_at="2026-11-19T12:00:00+08:00")
    event(
        ticket, "promise.replaced", local(2026, 11, 18, 11, 0), due_at="2026-11-20T12:30:00+08:00"
    )
    rows = list(
        Clock.objects.filter(ticket=ticket, kind="promise")
        .order_by("pk")
        .values_list("due_at", "cancelled_at", "met_at")
    )
    assert rows == [
        (local(2026, 11, 19, 12, 0), local(2026, 11, 18, 11, 0), None),
        (local(2026, 11, 20, 12, 30), None, None),
    ]


def test_cancel_events_are_those_of_the_version_that_started_the_clock(site: Any) -> None:
    pol = _given_time_policy(site)
    ticket = make_ticket(site, at=local(2026, 11, 18, 10, 0))
    event(ticket, "promise.made", local(2026, 11, 18, 10, 0), due_at="2026-11-19T12:00:00+08:00")
    policy_update(policy=pol, changes={"cancel_events": []}, actor=None)
    event(ticket, "promise.replaced", local(2026, 11, 18, 11, 0))
    assert clock_of(ticket, "promise").cancelled_at == local(2026, 11, 18, 11, 0)
