"""A complaint ticket closes by the complaint's own cycle (CP-8, CP-9): the tickets "close"
defers to the complaints workflow; and the ticket timeline reads complaint, CAPA and
emergency events with their labels."""

from __future__ import annotations

from typing import Any

import pytest

from estatedesk.complaints import services as complaint_services
from estatedesk.complaints.enums import Satisfaction, Scope, Severity, Stage, TellVia, Validity
from estatedesk.core.errors import ValidationFailed
from estatedesk.core.events import for_subject
from estatedesk.org.tests.factories import ResidentFactory
from estatedesk.tickets import selectors, services, timeline
from estatedesk.tickets.enums import Channel, TicketState

pytestmark = pytest.mark.django_db


@pytest.fixture
def told_complaint(site: Any, assistant: Any, plumber: Any, engineering: Any, unit: Any) -> Any:
    """An important complaint handled and told to the complainant; its return visit is due."""
    resident = ResidentFactory(site=site, name="张先生", phone="13912345678", unit=unit)
    complaint = complaint_services.complaint_create(
        site=site,
        actor=assistant,
        ticket_fields={
            "channel": Channel.HOTLINE,
            "description": "维修工上门弄脏了地板也不清理",
            "reporter_name": resident.name,
            "reporter_phone": resident.phone,
            "unit": unit,
            "resident": resident,
        },
        detail=complaint_services.ComplaintDetail(
            validity=Validity.VALID,
            severity=Severity.IMPORTANT,
            scope=Scope.PROPERTY,
            demand="请赔礼道歉并清理",
            apology="非常抱歉给您带来不便。",
            department_id=engineering.pk,
        ),
    )
    complaint_services.complaint_sign(complaint_id=complaint.pk, actor=plumber)
    complaint_services.complaint_handle(
        complaint_id=complaint.pk, actor=plumber, handling="已上门清理并道歉"
    )
    complaint_services.complaint_form_return(complaint_id=complaint.pk, actor=assistant)
    return complaint_services.complaint_tell(
        complaint_id=complaint.pk, actor=assistant, via=TellVia.PHONE, note="住户表示接受"
    )


def test_tickets_close_of_a_complaint_waits_for_the_return_visit_cp9(
    client: Any, told_complaint: Any, dispatcher: Any
) -> None:
    ticket = told_complaint.ticket
    assert ticket.state == TicketState.DONE
    client.force_login(dispatcher)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert f'href="/complaints/{told_complaint.pk}/"' in page
    response = client.post(
        f"/tickets/{ticket.pk}/act/close/", {"slip_confirmed": "on", "version": ticket.version}
    )
    assert response.status_code == 302
    shown = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "重大、重要投诉须先回访才能销项（CP-9）" in shown
    assert f"/complaints/{told_complaint.pk}/" in shown
    ticket.refresh_from_db()
    told_complaint.refresh_from_db()
    assert (ticket.state, told_complaint.stage) == (TicketState.DONE, Stage.TOLD)
    # Straight through the workflow (API, other callers) the guard refuses too.
    with pytest.raises(ValidationFailed) as caught:
        services.ticket_transition(
            ticket_id=ticket.pk, action="close", actor=dispatcher, payload={"slip_confirmed": True}
        )
    assert f"/complaints/{told_complaint.pk}/" in caught.value.detail
    assert not for_subject(ticket).filter(verb="ticket.close").exists()


def test_after_the_visit_the_tickets_close_closes_the_complaint_cp9_ds5(
    told_complaint: Any, assistant: Any, dispatcher: Any
) -> None:
    complaint_services.return_visit_record(
        complaint_id=told_complaint.pk,
        actor=assistant,
        via=TellVia.PHONE,
        result="住户满意",
        satisfaction=Satisfaction.SATISFIED,
    )
    services.ticket_act(
        ticket_id=told_complaint.ticket_id,
        action="close",
        actor=dispatcher,
        payload={"slip_confirmed": True, "note": "回访满意"},
    )
    told_complaint.refresh_from_db()
    assert told_complaint.stage == Stage.CLOSED
    assert told_complaint.ticket.state == TicketState.CLOSED
    verbs = list(for_subject(told_complaint.ticket).values_list("verb", flat=True))
    assert verbs.count("complaint.closed") == 1 and verbs.count("ticket.close") == 1


def test_the_ticket_timeline_labels_complaint_events(told_complaint: Any) -> None:
    entries = timeline.entries(
        selectors.timeline(told_complaint.ticket), for_resident=False, confidential=False
    )
    labels = {entry.verb: entry.label for entry in entries}
    assert labels["complaint.received"] == "投诉受理"
    assert labels["complaint.form_signed"] == "部门签收意见表"
    assert labels["complaint.complainant_told"] == "告知投诉人"
    assert not [e.verb for e in entries if e.label == e.verb]


def test_emergency_and_sla_verbs_have_labels() -> None:
    assert timeline._label("emergency.opened") == "启动紧急事件"
    assert timeline._label("clock.breached") == "超时"
    assert timeline._label("capa.filed") == "提交纠正与预防措施"
    assert timeline._label("something.else") == "something.else"
