"""CP-3 automatic upgrades: a valid complaint unresolved after one month becomes major (the
job, idempotent); the same resident raising the same matter again within the window is linked
and, at the threshold (default 3 times in 30 days), upgraded. Each upgrade is an audit event
and restarts the clocks of the new severity."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from estatedesk.complaints import clocks, jobs, services
from estatedesk.complaints.enums import Severity, UpgradeReason
from estatedesk.complaints.models import Complaint, ComplaintSettings
from estatedesk.complaints.tests.conftest import local
from estatedesk.core.models import Event
from estatedesk.notify.models import Notification
from estatedesk.org.tests.factories import ResidentFactory
from estatedesk.sla.models import Clock

pytestmark = pytest.mark.django_db

RECEIVED = local(2026, 10, 15, 10, 0)


def upgrade_events(complaint: Any) -> list[dict[str, Any]]:
    return list(
        Event.objects.filter(subject_id=complaint.ticket_id, verb="complaint.upgraded").values(
            "before", "after", "data"
        )
    )


def test_unresolved_valid_complaint_becomes_major_after_one_month_cp3(
    make_complaint: Any, manager: Any
) -> None:
    with time_machine.travel(RECEIVED, tick=False):
        complaint = make_complaint()
    assert complaint.upgrade_due_at == local(2026, 11, 15, 10, 0)
    with time_machine.travel(local(2026, 11, 15, 9, 59), tick=False):
        assert jobs.upgrade_overdue_complaints(now=local(2026, 11, 15, 9, 59)) == 0
    at = local(2026, 11, 15, 10, 0)  # a Sunday
    with time_machine.travel(at, tick=False):
        assert jobs.upgrade_overdue_complaints(now=at) == 1
        assert jobs.upgrade_overdue_complaints(now=at) == 0
    complaint.refresh_from_db()
    assert (complaint.severity, complaint.initial_severity) == (Severity.MAJOR, Severity.MINOR)
    assert (complaint.upgraded_at, complaint.upgrade_reason) == (at, UpgradeReason.OVERDUE)
    assert complaint.upgrade_due_at is None
    [event] = upgrade_events(complaint)
    assert event["before"] == {"severity": "minor"}
    assert event["data"]["reason"] == "overdue"
    # the minor clock was superseded (cancelled, not met: DS-9 leaves it out); major clocks
    # restart from the upgrade
    minor = Clock.objects.get(ticket_id=complaint.ticket_id, kind=clocks.HANDLING_MINOR)
    assert (minor.cancelled_at, minor.met_at, minor.met_event) == (at, None, "")
    assert minor.status == "cancelled"
    major = Clock.objects.get(ticket_id=complaint.ticket_id, kind=clocks.HANDLING_MAJOR)
    assert (major.started_at, major.due_at) == (at, local(2026, 11, 27, 17, 30))
    report = Clock.objects.get(ticket_id=complaint.ticket_id, kind=clocks.REPORT_MANAGER)
    assert report.due_at == local(2026, 11, 16, 17, 30)
    assert Notification.objects.filter(topic="complaint.leaders", user=manager).count() == 1


def test_a_handled_complaint_is_not_upgraded_cp3(make_complaint: Any, plumber: Any) -> None:
    with time_machine.travel(RECEIVED, tick=False):
        complaint = make_complaint()
        services.complaint_sign(complaint_id=complaint.pk, actor=plumber)
    with time_machine.travel(local(2026, 11, 14, 10, 0), tick=False):
        services.complaint_handle(complaint_id=complaint.pk, actor=plumber, handling="已处理")
    at = local(2026, 11, 20, 10, 0)
    assert jobs.upgrade_overdue_complaints(now=at) == 0
    complaint.refresh_from_db()
    assert complaint.severity == Severity.MINOR
    assert upgrade_events(complaint) == []


def test_overdue_month_clips_to_the_last_day_of_a_short_month_cp3(make_complaint: Any) -> None:
    with time_machine.travel(local(2026, 1, 31, 9, 0), tick=False):
        complaint = make_complaint()
    assert complaint.upgrade_due_at == local(2026, 2, 28, 9, 0)


def test_third_complaint_about_the_same_matter_in_30_days_is_major_and_linked_cp3(
    make_complaint: Any, manager: Any
) -> None:
    with time_machine.travel(local(2026, 11, 1, 10, 0), tick=False):
        first = make_complaint(description="电梯又坏了，困在里面十分钟")
    with time_machine.travel(local(2026, 11, 10, 10, 0), tick=False):
        second = make_complaint(description="电梯经常停运")
    second.refresh_from_db()
    assert second.severity == Severity.MINOR
    assert list(second.related.values_list("pk", flat=True)) == [first.pk]
    with time_machine.travel(local(2026, 11, 20, 10, 0), tick=False):
        third = make_complaint(description="电梯故障第三次投诉")
    third.refresh_from_db()
    assert (third.severity, third.upgrade_reason) == (Severity.MAJOR, UpgradeReason.REPEATED)
    assert sorted(third.related.values_list("pk", flat=True)) == [first.pk, second.pk]
    [event] = upgrade_events(third)
    assert event["data"]["times"] == 3
    assert event["data"]["related"] == [first.ticket.number, second.ticket.number]
    assert Clock.objects.filter(ticket_id=third.ticket_id, kind=clocks.HANDLING_MAJOR).exists()
    first.refresh_from_db()
    assert first.severity == Severity.MINOR


def test_complaints_outside_the_window_do_not_count_cp3(make_complaint: Any) -> None:
    with time_machine.travel(local(2026, 9, 1, 10, 0), tick=False):
        make_complaint()
    with time_machine.travel(local(2026, 11, 10, 10, 0), tick=False):
        make_complaint()
    with time_machine.travel(local(2026, 11, 20, 10, 0), tick=False):
        third = make_complaint()
    third.refresh_from_db()
    assert third.severity == Severity.MINOR
    assert third.related.count() == 1


def test_similar_text_about_another_department_is_the_same_matter_cp3(
    make_complaint: Any, cleaning: Any
) -> None:
    ComplaintSettings.objects.create(site=cleaning.site, repeat_count=2, repeat_window_days=7)
    with time_machine.travel(local(2026, 11, 16, 10, 0), tick=False):
        first = make_complaint(description="3栋门口垃圾没人清理，臭味很大")
    with time_machine.travel(local(2026, 11, 18, 10, 0), tick=False):
        second = make_complaint(
            description="三号楼门口垃圾没人清理 臭味很大", department_id=cleaning.pk
        )
    second.refresh_from_db()
    assert second.severity == Severity.MAJOR
    assert list(second.related.values_list("pk", flat=True)) == [first.pk]


def test_another_residents_complaint_is_not_the_same_matter_cp3(
    make_complaint: Any, site: Any
) -> None:
    ComplaintSettings.objects.create(site=site, repeat_count=2)
    neighbour = ResidentFactory(site=site, phone="13700000000")
    make_complaint()
    other = make_complaint(
        resident=neighbour, unit=neighbour.units.first(), reporter_phone=neighbour.phone
    )
    other.refresh_from_db()
    assert other.severity == Severity.MINOR
    assert other.related.count() == 0
    assert Complaint.objects.filter(severity=Severity.MAJOR).count() == 0
