"""The complaint cycle through the services: intake (CP-1, CP-2, CP-4, CP-11), the form sent,
signed, handled, returned, the complainant told and visited (CP-6, CP-8, CP-9), closing; who
may take each step."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from estatedesk.complaints import services
from estatedesk.complaints.enums import Satisfaction, Scope, Severity, Stage, TellVia, Validity
from estatedesk.complaints.models import Complaint, ReturnVisit
from estatedesk.complaints.tests.conftest import local
from estatedesk.core.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from estatedesk.core.models import Event
from estatedesk.notify.models import Notification
from estatedesk.tickets import services as ticket_services
from estatedesk.tickets.enums import Channel, TicketKind, TicketState
from estatedesk.tickets.models import CallLog, Referral, Ticket

pytestmark = pytest.mark.django_db

WEDNESDAY = local(2026, 11, 18, 10, 0)


def test_valid_property_complaint_is_dispatched_and_the_form_sent_cp4_cp6(
    make_complaint: Any, engineering: Any, eng_head: Any, assistant: Any
) -> None:
    with time_machine.travel(WEDNESDAY, tick=False):
        complaint = make_complaint(complained_person="维修工小王")
    ticket = complaint.ticket
    assert (ticket.kind, ticket.state, ticket.department_id) == (
        TicketKind.COMPLAINT,
        TicketState.DISPATCHED,
        engineering.pk,
    )
    assert complaint.stage == Stage.FORM_SENT
    assert complaint.form_sent_at == WEDNESDAY
    assert complaint.apology == "非常抱歉给您带来不便。"
    assert complaint.complained_person == "维修工小王"
    assert complaint.received_at == WEDNESDAY
    # CV-1: the hotline call is in the calls-and-visits log
    assert CallLog.objects.filter(ticket=ticket).count() == 1
    assert Event.objects.filter(subject_id=ticket.pk, verb="complaint.received").count() == 1
    form_notice = Notification.objects.get(topic="complaint.form", user=eng_head)
    assert form_notice.title == f"《住户投诉意见表》待签收：{ticket.number}"
    # a minor complaint is not copied to the leaders (CP-6: major and important only)
    assert complaint.leaders_copied_at is None
    assert not Notification.objects.filter(topic="complaint.leaders").exists()


def test_important_complaint_goes_to_the_leaders_and_area_manager_cp5_cp6(
    make_complaint: Any, manager: Any, area_manager: Any, eng_head: Any
) -> None:
    with time_machine.travel(WEDNESDAY, tick=False):
        complaint = make_complaint(severity=Severity.IMPORTANT)
    assert complaint.leaders_copied_at == WEDNESDAY
    told = set(
        Notification.objects.filter(topic="complaint.leaders").values_list("user_id", flat=True)
    )
    assert told == {manager.pk, area_manager.pk, eng_head.pk}


def test_invalid_complaint_needs_its_reason_and_creates_nothing_cp2(make_complaint: Any) -> None:
    with pytest.raises(ValidationFailed):
        make_complaint(validity=Validity.INVALID, invalid_reason="")
    assert Ticket.objects.count() == 0
    assert Complaint.objects.count() == 0


def test_valid_complaint_needs_the_complained_department_cp6(make_complaint: Any) -> None:
    with pytest.raises(ValidationFailed):
        make_complaint(department_id=None)
    assert Ticket.objects.count() == 0


def test_non_property_complaint_is_referred_to_the_developer_cp2_rq7(
    make_complaint: Any, developer: Any
) -> None:
    complaint = make_complaint(
        scope=Scope.NON_PROPERTY,
        non_property_kind="developer_defect",
        external_party_id=developer.pk,
        department_id=None,
        description="外墙渗水，开发商交房遗留问题",
    )
    assert complaint.stage == Stage.REFERRED
    assert complaint.ticket.state == TicketState.REFERRED
    referral = Referral.objects.get(ticket=complaint.ticket)
    assert referral.external_party_id == developer.pk
    assert complaint.form_sent_at is None


def test_non_property_complaint_without_a_responsible_party_is_refused_rq7(
    make_complaint: Any,
) -> None:
    with pytest.raises(ValidationFailed):
        make_complaint(
            scope=Scope.NON_PROPERTY, non_property_kind="sales_promise", department_id=None
        )
    assert Ticket.objects.count() == 0


def test_only_the_cs_desk_receives_complaints_cp1(make_complaint: Any, plumber: Any) -> None:
    with pytest.raises(PermissionDenied):
        make_complaint(actor=plumber)
    assert Ticket.objects.count() == 0


def test_a_letter_or_portal_complaint_ticket_is_registered_the_same_way_cp11(
    site: Any, assistant: Any, engineering: Any
) -> None:
    ticket = ticket_services.ticket_create(
        site=site,
        actor=assistant,
        kind=TicketKind.COMPLAINT,
        channel=Channel.LETTER,
        description="来信投诉：保洁不及时",
        reporter_name="李女士",
    )
    complaint = services.complaint_register(
        ticket_id=ticket.pk,
        actor=assistant,
        detail=services.ComplaintDetail(
            validity=Validity.VALID,
            severity=Severity.MINOR,
            scope=Scope.PROPERTY,
            demand="加强保洁",
            apology="抱歉。",
            department_id=engineering.pk,
        ),
    )
    assert complaint.ticket_id == ticket.pk
    assert complaint.stage == Stage.FORM_SENT
    ticket.refresh_from_db()
    assert ticket.state == TicketState.DISPATCHED


def test_full_cycle_of_an_important_complaint_cp6_cp8_cp9(
    make_complaint: Any,
    plumber: Any,
    assistant: Any,
    dispatcher: Any,
    area_manager: Any,
    supervisor: Any,
) -> None:
    with time_machine.travel(WEDNESDAY, tick=False):
        complaint = make_complaint(severity=Severity.IMPORTANT)
    with time_machine.travel(local(2026, 11, 18, 10, 10), tick=False):
        complaint = services.complaint_sign(complaint_id=complaint.pk, actor=plumber)
    assert (complaint.stage, complaint.form_signed_by) == (Stage.SIGNED, plumber)
    assert complaint.ticket.state == TicketState.IN_PROGRESS
    with time_machine.travel(local(2026, 11, 18, 10, 30), tick=False):
        services.complaint_report(complaint_id=complaint.pk, actor=area_manager)
    with time_machine.travel(local(2026, 11, 19, 15, 0), tick=False):
        complaint = services.complaint_handle(
            complaint_id=complaint.pk, actor=plumber, handling="已上门制止装修噪音并告知作业时间"
        )
    assert complaint.stage == Stage.HANDLED
    assert complaint.ticket.state == TicketState.DONE
    assert complaint.upgrade_due_at is None
    with time_machine.travel(local(2026, 11, 19, 16, 0), tick=False):
        complaint = services.complaint_form_return(complaint_id=complaint.pk, actor=assistant)
    assert Notification.objects.filter(topic="complaint.returned", user=supervisor).count() == 1
    with time_machine.travel(local(2026, 11, 19, 16, 30), tick=False):
        complaint = services.complaint_tell(
            complaint_id=complaint.pk, actor=assistant, via=TellVia.PHONE, note="住户表示理解"
        )
    assert complaint.stage == Stage.TOLD
    visit = ReturnVisit.objects.get(complaint=complaint)
    assert visit.done_at is None
    assert visit.due_at == local(2026, 11, 24, 16, 30)  # CP-9: 3 working days
    # closing before the return visit is refused (CP-9)
    with pytest.raises(ValidationFailed):
        services.complaint_close(complaint_id=complaint.pk, actor=dispatcher)
    with time_machine.travel(local(2026, 11, 20, 9, 0), tick=False):
        services.return_visit_record(
            complaint_id=complaint.pk,
            actor=assistant,
            via=TellVia.PHONE,
            result="噪音已解决",
            satisfaction=Satisfaction.SATISFIED,
        )
    with time_machine.travel(local(2026, 11, 20, 9, 30), tick=False):
        complaint = services.complaint_close(complaint_id=complaint.pk, actor=dispatcher)
    assert complaint.stage == Stage.CLOSED
    assert complaint.ticket.state == TicketState.CLOSED
    verbs = list(
        Event.objects.filter(subject_id=complaint.ticket_id, verb__startswith="complaint.")
        .order_by("occurred_at", "id")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "complaint.received",
        "complaint.form_signed",
        "complaint.reported",
        "complaint.handled",
        "complaint.form_returned",
        "complaint.complainant_told",
        "complaint.visited",
        "complaint.closed",
    ]


def test_only_the_complained_department_signs_for_the_form_cp6(
    make_complaint: Any, assistant: Any, cleaner: Any
) -> None:
    complaint = make_complaint()
    for outsider in (assistant, cleaner):
        with pytest.raises(PermissionDenied):
            services.complaint_sign(complaint_id=complaint.pk, actor=outsider)
    complaint.refresh_from_db()
    assert (complaint.stage, complaint.form_signed_at, complaint.version) == (
        Stage.FORM_SENT,
        None,
        1,
    )


def test_handling_before_signing_is_refused_cp6(make_complaint: Any, plumber: Any) -> None:
    complaint = make_complaint()
    with pytest.raises(TransitionNotAllowed):
        services.complaint_handle(complaint_id=complaint.pk, actor=plumber, handling="已处理")
    complaint.refresh_from_db()
    assert complaint.stage == Stage.FORM_SENT


def test_important_complaint_is_reported_to_the_area_manager_not_the_site_manager_cp5(
    make_complaint: Any, assistant: Any, manager: Any, area_manager: Any
) -> None:
    complaint = make_complaint(severity=Severity.IMPORTANT)
    with pytest.raises(ValidationFailed):
        services.complaint_report(
            complaint_id=complaint.pk, actor=assistant, reported_to_id=manager.pk, via="phone"
        )
    complaint.refresh_from_db()
    assert complaint.reported_at is None
    complaint = services.complaint_report(
        complaint_id=complaint.pk, actor=assistant, reported_to_id=area_manager.pk, via="phone"
    )
    assert complaint.reported_to == area_manager


def test_invalid_complaint_is_explained_and_completed_cp2_cp8(
    make_complaint: Any, assistant: Any
) -> None:
    complaint = make_complaint(
        validity=Validity.INVALID, invalid_reason="要求物业赔偿邻居噪音", department_id=None
    )
    assert complaint.stage == Stage.INVALID
    assert complaint.ticket.state == TicketState.RECEIVED
    assert complaint.upgrade_due_at is None
    complaint = services.complaint_tell(
        complaint_id=complaint.pk, actor=assistant, via=TellVia.PHONE, note="已耐心解释"
    )
    assert complaint.stage == Stage.TOLD
    assert complaint.ticket.state == TicketState.DONE
    assert not ReturnVisit.objects.exists()
