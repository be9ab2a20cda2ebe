"""The workflow: transitions through ticket_transition only, compare-and-set, guards, routing
and referral (RQ-4, RQ-7, CV-2), closing with the service slip (DS-5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from estatedesk.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)
from estatedesk.core.models import Event
from estatedesk.notify.models import Notification
from estatedesk.org.enums import DepartmentKind, Role
from estatedesk.tickets import services, workflow
from estatedesk.tickets.enums import CancelKind, ReferralKind, RepairClass, TicketState
from estatedesk.tickets.models import Referral, ServiceSlip, Ticket
from estatedesk.tickets.tests.helpers import act

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 11, 23, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai, a Monday


def test_dispatch_routes_to_department_and_person_and_tells_them_rq4(
    make_ticket, assistant, engineering, plumber
) -> None:
    ticket = make_ticket()
    act(ticket, "dispatch", assistant, department_id=engineering.pk, assignee_id=plumber.pk)
    ticket.refresh_from_db()
    assert ticket.state == TicketState.DISPATCHED
    assert (ticket.department, ticket.assignee) == (engineering, plumber)
    assert ticket.version == 2
    event = Event.objects.get(verb="ticket.dispatch", subject_id=ticket.pk)
    assert event.before["state"] == "received" and event.after["state"] == "dispatched"
    assert event.data["department"] == engineering.name
    inbox = Notification.objects.filter(user=plumber, topic="ticket.dispatched")
    assert inbox.count() == 1 and ticket.number in inbox.get().title
    sms = Notification.objects.get(topic="ticket.progress", channel="sms")
    assert sms.phone == "13912345678"


def test_urgent_dispatch_tells_the_person_responsible_and_the_site_manager_ds2(
    site, make_ticket, make_staff, assistant, engineering, plumber
) -> None:
    """DS-2: the person responsible is told; an urgent matter also goes to the site manager at
    once, a normal one does not."""
    manager = make_staff(site, Role.SITE_MANAGER)
    urgent = make_ticket(urgency="urgent", description="电梯困人")
    normal = make_ticket()
    for ticket in (urgent, normal):
        act(ticket, "dispatch", assistant, department_id=engineering.pk, assignee_id=plumber.pk)
    told = Notification.objects.filter(topic="ticket.dispatched")
    assert sorted(told.filter(user=plumber).values_list("title", flat=True)) == sorted(
        f"新派工单 {t.number}" for t in (urgent, normal)
    )
    assert list(told.filter(user=manager).values_list("title", flat=True)) == [
        f"新派工单 {urgent.number}"
    ]


def test_dispatch_needs_a_department_of_the_site_rq4(make_ticket, assistant, other_site) -> None:
    from estatedesk.org.tests.factories import DepartmentFactory

    ticket = make_ticket()
    with pytest.raises(ValidationFailed):
        act(ticket, "dispatch", assistant)
    foreign = DepartmentFactory(site=other_site, kind=DepartmentKind.ENGINEERING)
    with pytest.raises(ValidationFailed):
        act(ticket, "dispatch", assistant, department_id=foreign.pk)
    ticket.refresh_from_db()
    assert ticket.state == TicketState.RECEIVED and ticket.version == 1


def test_stale_version_is_a_conflict_with_the_current_state(
    make_ticket, assistant, dispatcher, engineering
) -> None:
    ticket = make_ticket()
    act(ticket, "dispatch", dispatcher, department_id=engineering.pk)
    with pytest.raises(Conflict) as exc:
        services.ticket_transition(
            ticket_id=ticket.pk,
            action="dispatch",
            actor=assistant,
            expected_version=1,
            payload={"department_id": engineering.pk},
        )
    assert exc.value.status == 409
    assert exc.value.as_dict()["state"] == "dispatched"
    assert exc.value.as_dict()["version"] == 2
    assert Event.objects.filter(verb="ticket.dispatch", subject_id=ticket.pk).count() == 1


def test_compare_and_set_loses_when_the_row_moved_underneath(
    make_ticket, assistant, engineering
) -> None:
    ticket = make_ticket()
    # Someone else's transaction moved the row after this one read it.
    Ticket.objects.filter(pk=ticket.pk).update(version=5, state=TicketState.IN_PROGRESS)
    ticket.state, ticket.version = TicketState.RECEIVED, 1
    with pytest.raises(Conflict):
        services._cas(ticket, expected_state=TicketState.RECEIVED, changes={"urgency": "urgent"})
    assert Ticket.objects.get(pk=ticket.pk).urgency == "normal"


def test_action_not_allowed_in_state_is_refused(make_ticket, dispatcher) -> None:
    ticket = make_ticket()
    with pytest.raises(TransitionNotAllowed) as exc:
        act(ticket, "close", dispatcher, slip_confirmed=True)
    assert exc.value.as_dict()["state"] == "received"
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.RECEIVED


def test_cleaner_cannot_cancel(make_ticket, cleaner) -> None:
    ticket = make_ticket()
    assert "cancel" not in {t.action for t in workflow.allowed_actions(ticket, cleaner)}
    with pytest.raises(PermissionDenied):
        act(ticket, "cancel", cleaner, cancel_kind=CancelKind.MISTAKEN, reason="误报")
    ticket.refresh_from_db()
    assert ticket.state == TicketState.RECEIVED and ticket.cancel_reason == ""


def test_staff_of_another_site_get_not_found(make_ticket, other_site, make_staff) -> None:
    ticket = make_ticket()
    stranger = make_staff(other_site, Role.SITE_MANAGER)
    with pytest.raises(NotFound):
        act(ticket, "cancel", stranger, cancel_kind=CancelKind.MISTAKEN, reason="x")


def test_worker_completes_and_dispatcher_closes_with_the_slip_ds5(
    make_ticket, assistant, dispatcher, engineering, plumber
) -> None:
    ticket = make_ticket()
    act(ticket, "dispatch", assistant, department_id=engineering.pk, assignee_id=plumber.pk)
    act(ticket, "start", plumber)
    act(ticket, "complete", plumber, note="更换三通阀", materials="三通阀 1 个")
    ticket.refresh_from_db()
    assert ticket.state == TicketState.DONE and ticket.resolved_at is not None
    slip = ServiceSlip.objects.get(ticket=ticket)
    assert slip.number == f"{ticket.number}-1"
    assert (slip.work_done, slip.materials, slip.worker) == ("更换三通阀", "三通阀 1 个", plumber)
    assert Notification.objects.filter(topic="ticket.completed", channel="sms").count() == 1
    with pytest.raises(ValidationFailed) as exc:
        act(ticket, "close", dispatcher)
    assert "服务单" in exc.value.detail
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.DONE
    act(ticket, "close", dispatcher, slip_confirmed=True)
    ticket.refresh_from_db()
    slip.refresh_from_db()
    assert ticket.state == TicketState.CLOSED and ticket.closed_at is not None
    assert (slip.confirmed_by, slip.confirmed_at) == (dispatcher, ticket.closed_at)


def test_worker_cannot_close_their_own_case_ds5(
    make_ticket, assistant, engineering, plumber
) -> None:
    ticket = make_ticket()
    act(ticket, "dispatch", assistant, department_id=engineering.pk, assignee_id=plumber.pk)
    act(ticket, "complete", plumber, note="修好了")
    with pytest.raises(PermissionDenied):
        act(ticket, "close", plumber, slip_confirmed=True)


def test_complete_needs_what_was_done(make_ticket, assistant, engineering, plumber) -> None:
    ticket = make_ticket()
    act(ticket, "dispatch", assistant, department_id=engineering.pk, assignee_id=plumber.pk)
    with pytest.raises(ValidationFailed):
        act(ticket, "complete", plumber, note="  ")
    assert ServiceSlip.objects.count() == 0


def test_refer_to_outside_unit_records_committed_time_q_cv2(make_ticket, assistant, vendor) -> None:
    with time_machine.travel(NOON, tick=False):
        ticket = make_ticket(description="宽带断网")
        act(
            ticket,
            "refer",
            assistant,
            referral_kind=ReferralKind.OUTSIDE,
            external_party_id=vendor.pk,
            note="已告知住户宽带报修电话",
        )
    ticket.refresh_from_db()
    referral = Referral.objects.get(ticket=ticket)
    assert ticket.state == TicketState.REFERRED and ticket.repair_class == RepairClass.OUTSIDE
    assert referral.committed_due_at == NOON + dt.timedelta(hours=24)
    assert referral.created_by == assistant


def test_q_referral_is_chased_once_a_day_until_it_reports_cv2(
    make_ticket, assistant, dispatcher, vendor
) -> None:
    from estatedesk.tickets.jobs import chase_referrals

    with time_machine.travel(NOON, tick=False):
        ticket = make_ticket()
        act(ticket, "refer", assistant, referral_kind="Q", external_party_id=vendor.pk)
    assert chase_referrals(now=NOON + dt.timedelta(hours=23)) == 0
    assert chase_referrals(now=NOON + dt.timedelta(hours=25)) == 1
    assert chase_referrals(now=NOON + dt.timedelta(hours=26)) == 0
    chase = Notification.objects.get(user=dispatcher, topic="referral.chase")
    assert vendor.name in chase.title
    referral = Referral.objects.get(ticket=ticket)
    services.referral_report(referral_id=referral.pk, actor=assistant, report="已上门修复")
    assert chase_referrals(now=NOON + dt.timedelta(hours=60)) == 0
    referral.refresh_from_db()
    assert referral.chase_count == 1 and referral.report == "已上门修复"
    assert Event.objects.filter(verb="referral.reported", subject_id=ticket.pk).count() == 1


def test_warranty_referral_names_the_engineer_z_cv2(make_ticket, assistant) -> None:
    ticket = make_ticket(description="外墙渗水")
    with pytest.raises(ValidationFailed):
        act(ticket, "refer", assistant, referral_kind="Z", referred_to="开发商")
    act(ticket, "refer", assistant, referral_kind="Z", referred_to="开发商", engineer="周工")
    ticket.refresh_from_db()
    assert ticket.repair_class == RepairClass.WARRANTY
    assert Referral.objects.get(ticket=ticket).engineer == "周工"


def test_coordination_referral_marks_gt_and_complex_cv2(make_ticket, assistant) -> None:
    ticket = make_ticket(description="楼上漏水到楼下，需要协调")
    act(ticket, "refer", assistant, referral_kind="GT", referred_to="1301 住户")
    ticket.refresh_from_db()
    assert ticket.repair_class == RepairClass.COORDINATION and ticket.is_complex


def test_not_ours_needs_a_recorded_referral_rq7(make_ticket, supervisor, assistant) -> None:
    ticket = make_ticket(description="燃气表问题")
    with pytest.raises(ValidationFailed) as exc:
        act(ticket, "cancel", supervisor, cancel_kind=CancelKind.NOT_OURS, reason="燃气公司负责")
    assert "RQ-7" in exc.value.detail
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.RECEIVED
    act(ticket, "refer", assistant, referral_kind="other", referred_to="燃气公司 96777")
    act(ticket, "cancel", supervisor, cancel_kind=CancelKind.NOT_OURS, reason="燃气公司负责")
    ticket.refresh_from_db()
    assert ticket.state == TicketState.CANCELLED and ticket.cancel_kind == CancelKind.NOT_OURS


def test_referral_needs_a_party_rq7(make_ticket, assistant) -> None:
    ticket = make_ticket()
    with pytest.raises(ValidationFailed):
        act(ticket, "refer", assistant, referral_kind="other")
    assert Referral.objects.count() == 0


def test_reopen_sends_back_to_work_and_counts(
    make_ticket, assistant, dispatcher, engineering, plumber
) -> None:
    ticket = make_ticket()
    act(ticket, "dispatch", assistant, department_id=engineering.pk, assignee_id=plumber.pk)
    act(ticket, "complete", plumber, note="修好了")
    act(ticket, "reopen", assistant, reason="住户说还在漏")
    ticket.refresh_from_db()
    assert ticket.state == TicketState.IN_PROGRESS
    assert ticket.reopened_count == 1 and ticket.resolved_at is None
    assert Notification.objects.filter(user=plumber, topic="ticket.reopened").count() == 1
    act(ticket, "complete", plumber, note="更换密封圈")
    assert list(ServiceSlip.objects.filter(ticket=ticket).values_list("number", flat=True)) == [
        f"{ticket.number}-1",
        f"{ticket.number}-2",
    ]


def test_every_change_is_on_the_timeline_rq13(
    make_ticket, assistant, dispatcher, engineering, plumber
) -> None:
    ticket = make_ticket()
    act(ticket, "dispatch", assistant, department_id=engineering.pk, assignee_id=plumber.pk)
    act(ticket, "start", plumber)
    services.note_add(ticket_id=ticket.pk, actor=plumber, body="需要买配件")
    act(ticket, "complete", plumber, note="修好了")
    act(ticket, "close", dispatcher, slip_confirmed=True)
    verbs = list(
        Event.objects.filter(subject_type="tickets.ticket", subject_id=ticket.pk)
        .order_by("occurred_at", "id")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "ticket.created",
        "ticket.dispatch",
        "ticket.start",
        "ticket.note_internal",
        "ticket.complete",
        "ticket.close",
    ]


def test_start_by_department_member_takes_the_ticket(
    make_ticket, assistant, engineering, plumber
) -> None:
    ticket = make_ticket()
    act(ticket, "dispatch", assistant, department_id=engineering.pk)
    act(ticket, "start", plumber)
    ticket.refresh_from_db()
    assert ticket.assignee == plumber and ticket.state == TicketState.IN_PROGRESS


def test_paid_service_charge_recorded_on_completion_rq12(
    make_ticket, assistant, engineering, plumber, site
) -> None:
    from estatedesk.tickets.models import PaidService, PriceItem

    item = PriceItem.objects.create(site=site, name="疏通下水道", price=Decimal("80.00"))
    ticket = make_ticket(kind="paid_service", description="疏通厨房下水道")
    act(ticket, "dispatch", assistant, department_id=engineering.pk, assignee_id=plumber.pk)
    services.paid_service_quote(
        ticket_id=ticket.pk, actor=plumber, price_item_id=item.pk, quantity="1"
    )
    services.paid_service_confirm(ticket_id=ticket.pk, actor=assistant)
    act(ticket, "complete", plumber, note="已疏通", charge="60")
    paid = PaidService.objects.get(ticket=ticket)
    assert paid.charge_amount == Decimal("60.00") and paid.charged_by == plumber
    assert ServiceSlip.objects.get(ticket=ticket).charge_amount == Decimal("60.00")
