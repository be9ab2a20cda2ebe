"""Consultations (RQ-5, RQ-8), progress notes (RQ-6, RQ-9), ratings (RQ-10), other help
(RQ-11), paid services (RQ-12) through the services."""

from __future__ import annotations

from decimal import Decimal

import pytest

from estatedesk.core.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from estatedesk.core.models import Event
from estatedesk.notify.models import Notification
from estatedesk.sla.models import Clock
from estatedesk.tickets import services, timeline
from estatedesk.tickets.enums import Channel, ConfirmVia, TicketKind, TicketState
from estatedesk.tickets.models import Callback, Consultation, PaidService, PriceItem, Ticket
from estatedesk.tickets.selectors import timeline as events_of
from estatedesk.tickets.tests.helpers import act

pytestmark = pytest.mark.django_db


def _verbs(ticket: Ticket) -> list[str]:
    return list(
        Event.objects.filter(subject_type="tickets.ticket", subject_id=ticket.pk)
        .order_by("id")
        .values_list("verb", flat=True)
    )


# --- consultations --------------------------------------------------------------------------


def test_oral_consultation_answered_at_once_rq5(make_ticket, assistant) -> None:
    ticket = make_ticket(kind=TicketKind.CONSULTATION, description="物业费怎么交")
    act(ticket, "answer", assistant, answer="可在客服中心或线上缴纳。")
    ticket.refresh_from_db()
    assert ticket.state == TicketState.DONE
    consultation = Consultation.objects.get(ticket=ticket)
    assert consultation.answer == "可在客服中心或线上缴纳。"
    assert consultation.answered_by == assistant
    sms = Notification.objects.get(topic="ticket.answered")
    assert "线上缴纳" in sms.body


def test_ask_the_supervisor_starts_the_reply_clock_rq5_rq8(
    make_ticket, assistant, supervisor
) -> None:
    ticket = make_ticket(kind=TicketKind.CONSULTATION, description="车位能否转租")
    services.consultation_escalate(ticket_id=ticket.pk, actor=assistant, question="车位转租规定？")
    assert Clock.objects.filter(ticket=ticket, kind="supervisor_reply").exists()
    assert Notification.objects.filter(user=supervisor, topic="consultation.escalated").exists()
    with pytest.raises(TransitionNotAllowed):
        services.consultation_escalate(ticket_id=ticket.pk, actor=assistant, question="再问")
    with pytest.raises(PermissionDenied):
        services.consultation_supervisor_answer(ticket_id=ticket.pk, actor=assistant, answer="x")
    services.consultation_supervisor_answer(
        ticket_id=ticket.pk, actor=supervisor, answer="可以，需业主书面同意。"
    )
    clock_row = Clock.objects.get(ticket=ticket, kind="supervisor_reply")
    assert clock_row.met_at is not None
    assert Notification.objects.filter(user=assistant, topic="consultation.answered").exists()
    act(ticket, "answer", assistant, answer="可以，需业主书面同意。")
    assert _verbs(ticket) == [
        "ticket.created",
        "consultation.escalated",
        "consultation.answered",
        "ticket.answer",
    ]


def test_written_consultation_needs_the_supervisors_approved_reply_rq8(
    make_ticket, assistant, supervisor
) -> None:
    ticket = make_ticket(
        kind=TicketKind.CONSULTATION, channel=Channel.LETTER, description="来函询问维修基金"
    )
    with pytest.raises(ValidationFailed) as exc:
        act(ticket, "answer", assistant, answer="口头答复")
    assert "RQ-8" in exc.value.detail
    services.consultation_reply_draft(ticket_id=ticket.pk, actor=assistant, text="维修基金……")
    with pytest.raises(PermissionDenied):
        services.consultation_reply_approve(ticket_id=ticket.pk, actor=assistant)
    services.consultation_reply_approve(ticket_id=ticket.pk, actor=supervisor)
    ticket.refresh_from_db()
    consultation = Consultation.objects.get(ticket=ticket)
    assert ticket.state == TicketState.DONE
    assert consultation.answer == "维修基金……"
    assert consultation.reply_approved_by == supervisor
    assert _verbs(ticket) == [
        "ticket.created",
        "consultation.written_registered",
        "consultation.reply_drafted",
        "consultation.reply_approved",
        "ticket.answer",
    ]
    assert Clock.objects.get(ticket=ticket, kind="consult_written").met_at is not None


def test_confidential_answer_is_hidden_from_the_resident_rq8(make_ticket, assistant) -> None:
    ticket = make_ticket(kind=TicketKind.CONSULTATION, description="邻居的联系方式")
    act(ticket, "answer", assistant, answer="涉及隐私，不能提供。已转告邻居。", confidential=True)
    ticket.refresh_from_db()
    assert ticket.confidential
    entries = timeline.entries(events_of(ticket), for_resident=True, confidential=True)
    texts = " ".join(e.text for e in entries)
    assert "隐私" not in texts and "请联系客服中心" in texts
    sms = Notification.objects.get(topic="ticket.answered")
    assert "隐私" not in sms.body


def test_only_consultations_and_other_help_are_answered_directly_rq11(
    make_ticket, assistant
) -> None:
    repair = make_ticket()
    with pytest.raises(ValidationFailed):
        act(repair, "answer", assistant, answer="自己修")
    help_request = make_ticket(kind=TicketKind.OTHER_HELP, description="借梯子")
    act(help_request, "answer", assistant, answer="已借出梯子，用后归还前台。")
    assert Ticket.objects.get(pk=help_request.pk).state == TicketState.DONE


# --- progress notes -------------------------------------------------------------------------


def test_public_notes_reach_the_resident_internal_notes_never_rq9(make_ticket, plumber) -> None:
    ticket = make_ticket()
    services.note_add(ticket_id=ticket.pk, actor=plumber, body="配件明天到", is_public=True)
    services.note_add(ticket_id=ticket.pk, actor=plumber, body="住户脾气急，注意沟通")
    entries = timeline.entries(events_of(ticket), for_resident=True, confidential=False)
    texts = [e.text for e in entries]
    assert "配件明天到" in texts and "住户脾气急，注意沟通" not in texts
    sms = Notification.objects.filter(topic="ticket.note", channel="sms")
    assert [n.body for n in sms] == ["配件明天到"]


def test_proposed_solution_meets_the_48_hour_clock_rq6(make_ticket, assistant) -> None:
    ticket = make_ticket(is_complex=True, description="地下室长期渗水")
    assert Clock.objects.get(ticket=ticket, kind="solution").met_at is None
    services.note_add(
        ticket_id=ticket.pk, actor=assistant, body="方案：外墙防水重做", is_solution=True
    )
    assert Clock.objects.get(ticket=ticket, kind="solution").met_at is not None
    assert "ticket.solution_proposed" in _verbs(ticket)


def test_resident_cannot_write_staff_notes(make_ticket, resident) -> None:
    from estatedesk.portal.services import resident_user

    ticket = make_ticket(resident=resident)
    user = resident_user(resident=resident)
    with pytest.raises(PermissionDenied):
        services.note_add(ticket_id=ticket.pk, actor=user, body="我来写")


# --- rating and call-back -------------------------------------------------------------------


def _done_ticket(make_ticket, assistant, engineering, plumber) -> Ticket:
    ticket = make_ticket()
    act(ticket, "dispatch", assistant, department_id=engineering.pk, assignee_id=plumber.pk)
    act(ticket, "complete", plumber, note="修好了")
    return ticket


def test_low_rating_opens_a_callback_for_the_supervisor_rq10(
    make_ticket, assistant, engineering, plumber, supervisor
) -> None:
    ticket = _done_ticket(make_ticket, assistant, engineering, plumber)
    services.ticket_rate(ticket_id=ticket.pk, actor=assistant, rating=2, comment="来得太晚")
    callback = Callback.objects.get(ticket=ticket)
    assert callback.reason == "住户评价 2 星：来得太晚"
    assert Notification.objects.filter(user=supervisor, topic="callback.opened").count() == 1
    services.callback_complete(callback_id=callback.pk, actor=supervisor, outcome="已致歉")
    callback.refresh_from_db()
    assert callback.done_by == supervisor and callback.outcome == "已致歉"


def test_good_rating_opens_no_callback_and_rating_is_once_rq10(
    make_ticket, assistant, engineering, plumber
) -> None:
    ticket = _done_ticket(make_ticket, assistant, engineering, plumber)
    services.ticket_rate(ticket_id=ticket.pk, actor=assistant, rating=4)
    assert Callback.objects.count() == 0
    with pytest.raises(TransitionNotAllowed):
        services.ticket_rate(ticket_id=ticket.pk, actor=assistant, rating=1)
    assert Ticket.objects.get(pk=ticket.pk).rating == 4


def test_rating_needs_a_finished_ticket_and_1_to_5_rq10(make_ticket, assistant) -> None:
    ticket = make_ticket()
    with pytest.raises(TransitionNotAllowed):
        services.ticket_rate(ticket_id=ticket.pk, actor=assistant, rating=5)
    with pytest.raises(ValidationFailed):
        services.ticket_rate(ticket_id=ticket.pk, actor=assistant, rating=6)
    assert Ticket.objects.get(pk=ticket.pk).rating is None


def test_worker_cannot_record_a_rating(make_ticket, assistant, engineering, plumber) -> None:
    ticket = _done_ticket(make_ticket, assistant, engineering, plumber)
    with pytest.raises(PermissionDenied):
        services.ticket_rate(ticket_id=ticket.pk, actor=plumber, rating=5)


# --- paid services --------------------------------------------------------------------------


@pytest.fixture
def price(site) -> PriceItem:
    return PriceItem.objects.create(site=site, name="安装晾衣架", price=Decimal("60.00"))


def test_paid_work_cannot_start_before_the_residents_confirmation_rq12(
    make_ticket, assistant, engineering, plumber, price
) -> None:
    ticket = make_ticket(kind=TicketKind.PAID_SERVICE, description="安装晾衣架")
    act(ticket, "dispatch", assistant, department_id=engineering.pk, assignee_id=plumber.pk)
    with pytest.raises(ValidationFailed) as exc:
        act(ticket, "start", plumber)
    assert "RQ-12" in exc.value.detail
    services.paid_service_quote(
        ticket_id=ticket.pk, actor=plumber, price_item_id=price.pk, quantity="2"
    )
    with pytest.raises(ValidationFailed):
        act(ticket, "start", plumber)
    with pytest.raises(ValidationFailed):
        act(ticket, "complete", plumber, note="装好了")
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.DISPATCHED
    services.paid_service_confirm(ticket_id=ticket.pk, actor=assistant)
    act(ticket, "start", plumber)
    paid = PaidService.objects.get(ticket=ticket)
    assert paid.quoted_amount == Decimal("120.00")
    assert paid.confirmed_via == ConfirmVia.STAFF


def test_quote_comes_from_the_sites_price_list_rq12(
    make_ticket, assistant, price, other_site
) -> None:
    foreign = PriceItem.objects.create(site=other_site, name="外站项目", price=Decimal("1"))
    ticket = make_ticket(kind=TicketKind.PAID_SERVICE)
    with pytest.raises(ValidationFailed):
        services.paid_service_quote(
            ticket_id=ticket.pk, actor=assistant, price_item_id=foreign.pk, quantity="1"
        )
    services.paid_service_quote(
        ticket_id=ticket.pk, actor=assistant, price_item_id=price.pk, quantity="1"
    )
    sms = Notification.objects.get(topic="paid.quoted", channel="sms")
    assert "60.00" in sms.body
    repair = make_ticket()
    with pytest.raises(ValidationFailed):
        services.paid_service_quote(
            ticket_id=repair.pk, actor=assistant, price_item_id=price.pk, quantity="1"
        )


def test_confirmed_quote_cannot_be_changed_rq12(make_ticket, assistant, price) -> None:
    ticket = make_ticket(kind=TicketKind.PAID_SERVICE)
    services.paid_service_quote(
        ticket_id=ticket.pk, actor=assistant, price_item_id=price.pk, quantity="1"
    )
    services.paid_service_confirm(ticket_id=ticket.pk, actor=assistant)
    with pytest.raises(TransitionNotAllowed):
        services.paid_service_quote(
            ticket_id=ticket.pk, actor=assistant, price_item_id=price.pk, quantity="3"
        )
    assert PaidService.objects.get(ticket=ticket).quantity == Decimal("1.00")
