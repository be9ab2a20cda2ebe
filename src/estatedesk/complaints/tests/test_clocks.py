"""The complaint clocks (SLA policies seeded by migration 0002) with time moved by
time-machine: CP-5 intake commitments, CP-6 the form signed within 15 minutes, CP-7 handling
limits, CP-8 same-day return and telling, CP-9 the return visit - across the end of the
working day, a weekend, the National Day holiday and a 调休 Saturday."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from estatedesk.complaints import clocks, services
from estatedesk.complaints.enums import Severity, TellVia
from estatedesk.complaints.tests.conftest import local
from estatedesk.sla import policy as policy_rules
from estatedesk.sla.jobs import sweep
from estatedesk.sla.models import Clock, SlaPolicy

pytestmark = pytest.mark.django_db


def clock_of(complaint: Any, kind: str) -> Clock:
    return Clock.objects.get(ticket_id=complaint.ticket_id, kind=kind)


def kinds_of(complaint: Any) -> set[str]:
    return set(
        Clock.objects.filter(ticket_id=complaint.ticket_id, kind__in=clocks.ALL_KINDS).values_list(
            "kind", flat=True
        )
    )


def test_seeded_complaint_policies_are_valid_sla_policies_cp5_cp9(db: Any) -> None:
    policies = SlaPolicy.objects.filter(site__isnull=True, clock_kind__in=clocks.ALL_KINDS)
    assert sorted(p.clock_kind for p in policies) == sorted(clocks.ALL_KINDS)
    for pol in policies:
        policy_rules.validate(pol)


def test_form_signed_within_15_working_minutes_across_the_weekend_cp6(
    make_complaint: Any, plumber: Any
) -> None:
    with time_machine.travel(local(2026, 11, 20, 17, 20), tick=False):  # a Friday
        complaint = make_complaint()
    sign = clock_of(complaint, clocks.FORM_SIGN)
    assert (sign.rule, sign.due_at) == ("CP-6", local(2026, 11, 23, 8, 35))
    with time_machine.travel(local(2026, 11, 23, 8, 31), tick=False):
        services.complaint_sign(complaint_id=complaint.pk, actor=plumber)
    sign.refresh_from_db()
    assert (sign.status, sign.met_by) == ("met", plumber)


def test_form_not_signed_in_time_is_breached_by_the_sweep_cp6(
    make_complaint: Any, supervisor: Any
) -> None:
    with time_machine.travel(local(2026, 11, 18, 10, 0), tick=False):
        complaint = make_complaint()
    with time_machine.travel(local(2026, 11, 18, 10, 16), tick=False):
        sweep(now=local(2026, 11, 18, 10, 16))
    sign = clock_of(complaint, clocks.FORM_SIGN)
    assert (sign.status, sign.breached_at) == ("breached", local(2026, 11, 18, 10, 15))


def test_major_complaint_reaches_the_site_manager_the_same_day_cp5(
    make_complaint: Any, manager: Any
) -> None:
    with time_machine.travel(local(2026, 11, 18, 10, 0), tick=False):
        complaint = make_complaint(severity=Severity.MAJOR)
    report = clock_of(complaint, clocks.REPORT_MANAGER)
    assert (report.rule, report.due_at) == ("CP-5", local(2026, 11, 18, 17, 30))
    assert clocks.REPORT_AREA not in kinds_of(complaint)
    with time_machine.travel(local(2026, 11, 18, 11, 0), tick=False):
        services.complaint_report(complaint_id=complaint.pk, actor=manager)
    report.refresh_from_db()
    assert (report.status, report.met_at) == ("met", local(2026, 11, 18, 11, 0))


def test_major_complaint_received_after_hours_is_due_next_working_day_end_cp5(
    make_complaint: Any,
) -> None:
    with time_machine.travel(local(2026, 11, 20, 19, 0), tick=False):  # Friday evening
        complaint = make_complaint(severity=Severity.MAJOR)
    assert clock_of(complaint, clocks.REPORT_MANAGER).due_at == local(2026, 11, 23, 17, 30)


def test_important_complaint_reaches_the_area_manager_within_2_working_hours_cp5(
    make_complaint: Any,
) -> None:
    with time_machine.travel(local(2026, 11, 18, 16, 30), tick=False):
        complaint = make_complaint(severity=Severity.IMPORTANT)
    report = clock_of(complaint, clocks.REPORT_AREA)
    assert (report.rule, report.due_at) == ("CP-5", local(2026, 11, 19, 9, 30))


def test_minor_complaint_resolved_within_2_working_days_across_a_tiaoxiu_saturday_cp7(
    make_complaint: Any,
) -> None:
    # Friday 2026-10-09; Saturday 10-10 is a 调休 working day
    with time_machine.travel(local(2026, 10, 9, 10, 0), tick=False):
        complaint = make_complaint()
    handling = clock_of(complaint, clocks.HANDLING_MINOR)
    assert (handling.rule, handling.due_at) == ("CP-7", local(2026, 10, 12, 10, 0))
    assert clocks.DEADLINE_MINOR not in kinds_of(complaint)


def test_minor_complaint_limit_skips_the_national_day_holiday_cp7(make_complaint: Any) -> None:
    with time_machine.travel(local(2026, 9, 30, 10, 0), tick=False):
        complaint = make_complaint()
    assert clock_of(complaint, clocks.HANDLING_MINOR).due_at == local(2026, 10, 9, 10, 0)


def test_minor_complaint_with_the_residents_reasonable_deadline_follows_it_cp5(
    make_complaint: Any,
) -> None:
    with time_machine.travel(local(2026, 11, 18, 10, 0), tick=False):
        complaint = make_complaint(reasonable_deadline=local(2026, 11, 22, 12, 0))
    deadline = clock_of(complaint, clocks.DEADLINE_MINOR)
    assert (deadline.rule, deadline.due_at) == ("CP-5", local(2026, 11, 22, 12, 0))
    assert clocks.HANDLING_MINOR not in kinds_of(complaint)


def test_important_complaint_handled_within_3_working_days_cp7(
    make_complaint: Any, plumber: Any
) -> None:
    with time_machine.travel(local(2026, 11, 18, 10, 0), tick=False):
        complaint = make_complaint(severity=Severity.IMPORTANT)
    handling = clock_of(complaint, clocks.HANDLING_IMPORTANT)
    assert handling.due_at == local(2026, 11, 23, 10, 0)  # Wed + 3 working days, over a weekend
    with time_machine.travel(local(2026, 11, 18, 10, 5), tick=False):
        services.complaint_sign(complaint_id=complaint.pk, actor=plumber)
    with time_machine.travel(local(2026, 11, 24, 9, 0), tick=False):
        services.complaint_handle(complaint_id=complaint.pk, actor=plumber, handling="已处理")
    handling.refresh_from_db()
    assert (handling.status, handling.met_at) == ("met_late", local(2026, 11, 24, 9, 0))


def test_major_complaint_answered_in_2_days_and_resolved_in_10_cp7(
    make_complaint: Any, assistant: Any
) -> None:
    with time_machine.travel(local(2026, 11, 18, 10, 0), tick=False):
        complaint = make_complaint(severity=Severity.MAJOR)
    answer = clock_of(complaint, clocks.ANSWER_MAJOR)
    resolve = clock_of(complaint, clocks.HANDLING_MAJOR)
    assert answer.due_at == local(2026, 11, 20, 10, 0)
    assert resolve.due_at == local(2026, 12, 2, 10, 0)
    with time_machine.travel(local(2026, 11, 19, 11, 0), tick=False):
        services.complaint_answer(
            complaint_id=complaint.pk, actor=assistant, answer="已约定周五上门维修"
        )
    answer.refresh_from_db()
    resolve.refresh_from_db()
    assert answer.status == "met"
    assert resolve.status == "running"


def test_form_returned_and_complainant_told_the_same_day_cp8(
    make_complaint: Any, plumber: Any, assistant: Any
) -> None:
    with time_machine.travel(local(2026, 11, 18, 10, 0), tick=False):
        complaint = make_complaint()
        services.complaint_sign(complaint_id=complaint.pk, actor=plumber)
    with time_machine.travel(local(2026, 11, 18, 16, 0), tick=False):
        services.complaint_handle(complaint_id=complaint.pk, actor=plumber, handling="已处理")
    back = clock_of(complaint, clocks.FORM_RETURN)
    tell = clock_of(complaint, clocks.TELL)
    assert (back.rule, back.due_at) == ("CP-8", local(2026, 11, 18, 17, 30))
    assert tell.due_at == local(2026, 11, 18, 17, 30)
    with time_machine.travel(local(2026, 11, 18, 16, 20), tick=False):
        services.complaint_form_return(complaint_id=complaint.pk, actor=assistant)
        services.complaint_tell(
            complaint_id=complaint.pk, actor=assistant, via=TellVia.PHONE, note="已告知"
        )
    back.refresh_from_db()
    tell.refresh_from_db()
    assert (back.status, tell.status) == ("met", "met")
    # a minor complaint gets no return visit (CP-9)
    assert clocks.RETURN_VISIT not in kinds_of(complaint)


def test_handled_after_closing_time_is_returned_by_the_next_working_day_cp8(
    make_complaint: Any, plumber: Any
) -> None:
    with time_machine.travel(local(2026, 11, 20, 10, 0), tick=False):
        complaint = make_complaint()
        services.complaint_sign(complaint_id=complaint.pk, actor=plumber)
    with time_machine.travel(local(2026, 11, 20, 18, 0), tick=False):  # Friday evening
        services.complaint_handle(complaint_id=complaint.pk, actor=plumber, handling="已处理")
    assert clock_of(complaint, clocks.FORM_RETURN).due_at == local(2026, 11, 23, 17, 30)


def test_return_visit_of_a_major_complaint_within_3_working_days_cp9(
    make_complaint: Any, plumber: Any, assistant: Any, manager: Any
) -> None:
    with time_machine.travel(local(2026, 11, 18, 10, 0), tick=False):
        complaint = make_complaint(severity=Severity.MAJOR)
        services.complaint_sign(complaint_id=complaint.pk, actor=plumber)
        services.complaint_handle(complaint_id=complaint.pk, actor=plumber, handling="已处理")
        services.complaint_form_return(complaint_id=complaint.pk, actor=assistant)
        services.complaint_tell(
            complaint_id=complaint.pk, actor=assistant, via=TellVia.VISIT, note="已当面告知"
        )
    visit = clock_of(complaint, clocks.RETURN_VISIT)
    assert (visit.rule, visit.due_at) == ("CP-9", local(2026, 11, 23, 10, 0))
    with time_machine.travel(local(2026, 11, 19, 10, 0), tick=False):
        services.return_visit_record(
            complaint_id=complaint.pk,
            actor=assistant,
            via=TellVia.PHONE,
            result="住户满意",
            satisfaction="satisfied",
        )
    visit.refresh_from_db()
    assert visit.status == "met"


def test_invalid_complaint_starts_no_complaint_clock_cp2(make_complaint: Any) -> None:
    complaint = make_complaint(
        validity="invalid", invalid_reason="个人不合理要求", department_id=None
    )
    assert kinds_of(complaint) == set()


def test_residents_reasonable_deadline_is_kept_to_the_minute_cp5(
    make_complaint: Any,
) -> None:
    """Received 10:00, the resident asks for 11-22 12:20: due at 12:20, not at 13:00 (whole
    hours from receipt, as the clock used to count)."""
    with time_machine.travel(local(2026, 11, 18, 10, 0), tick=False):
        complaint = make_complaint(reasonable_deadline=local(2026, 11, 22, 12, 20))
    deadline = clock_of(complaint, clocks.DEADLINE_MINOR)
    assert (deadline.started_at, deadline.due_at) == (
        local(2026, 11, 18, 10, 0),
        local(2026, 11, 22, 12, 20),
    )
    # 24x7 and no rounding: the warning at 80% of the 4 days 2 h 20 min
    assert deadline.warn_at == local(2026, 11, 21, 16, 40)
    sweep(now=local(2026, 11, 22, 12, 19))
    deadline.refresh_from_db()
    assert deadline.breached_at is None
    sweep(now=local(2026, 11, 22, 12, 20))
    deadline.refresh_from_db()
    assert deadline.breached_at == local(2026, 11, 22, 12, 20)


def test_policies_run_given_times_and_cancel_superseded_clocks_cp5_cp7(db: Any) -> None:
    """Migration 0003: the resident's deadline and an extension fall due at the time the event
    gives; an upgrade or an extension cancels the clock it replaces instead of meeting it."""
    policies = {
        p.clock_kind: p
        for p in SlaPolicy.objects.filter(site__isnull=True, clock_kind__in=clocks.ALL_KINDS)
    }
    for kind in (clocks.DEADLINE_MINOR, clocks.HANDLING_EXTENDED):
        assert (policies[kind].deadline_rule, policies[kind].due_at_key) == ("event_time", "due_at")
    superseded = {
        clocks.HANDLING_MINOR,
        clocks.DEADLINE_MINOR,
        clocks.HANDLING_IMPORTANT,
        clocks.HANDLING_EXTENDED,
    }
    for kind in superseded:
        assert policies[kind].meet_events == ["complaint.handled"]
        assert policies[kind].cancel_events == ["complaint.upgraded", "complaint.extended"]
    assert policies[clocks.REPORT_AREA].meet_events == ["complaint.reported"]
    assert policies[clocks.REPORT_AREA].cancel_events == ["complaint.upgraded"]
    for pol in policies.values():
        assert not set(pol.meet_events) & set(clocks.SUPERSEDING_EVENTS)
    for kind in (*superseded, clocks.REPORT_AREA):
        pol = policies[kind]
        snapshot = pol.versions.get(version=pol.version).snapshot
        assert (snapshot["meet_events"], snapshot["cancel_events"]) == (
            pol.meet_events,
            pol.cancel_events,
        )
