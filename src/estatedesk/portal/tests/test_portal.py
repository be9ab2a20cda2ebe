"""Resident portal: SMS sign-in, own tickets only, report with photos, confirm / reopen, rating
(RQ-10), quote confirmation (RQ-12), suggestion box (RP-6)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine

from estatedesk.core.errors import ValidationFailed
from estatedesk.notify.models import Notification
from estatedesk.org.enums import DepartmentKind, Role
from estatedesk.org.tests.factories import (
    BuildingFactory,
    DepartmentFactory,
    ResidentFactory,
    UnitFactory,
)
from estatedesk.portal import services
from estatedesk.portal.models import LoginCode, Suggestion
from estatedesk.tickets import services as ticket_services
from estatedesk.tickets.enums import Channel, TicketState
from estatedesk.tickets.models import Attachment, Callback, PaidService, PriceItem, Ticket

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 11, 23, 4, 0, tzinfo=dt.UTC)


def _code_sent_to(phone: str) -> str:
    sms = Notification.objects.filter(phone=phone, topic="portal.login_code").latest("id")
    match = re.search(r"\d{6}", sms.body)
    assert match is not None
    return match.group(0)


@pytest.fixture
def unit(site):
    return UnitFactory(building=BuildingFactory(site=site, name="2栋"), number="801")


@pytest.fixture
def owner(site, unit):
    return ResidentFactory(site=site, name="吴女士", phone="13800138000", unit=unit)


def sign_in(client, phone: str) -> None:
    client.post("/r/login/", {"phone": phone})
    client.post("/r/login/code/", {"code": _code_sent_to(phone)})


def test_sign_in_with_a_one_time_code_creates_and_links_a_user(client, owner) -> None:
    response = client.post("/r/login/", {"phone": "138 0013 8000"})
    assert response.status_code == 302 and response["Location"] == "/r/login/code/"
    code = _code_sent_to("13800138000")
    row = LoginCode.objects.get()
    assert code not in row.code_hash and len(row.code_hash) == 64
    response = client.post("/r/login/code/", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/r/"
    owner.refresh_from_db()
    assert owner.user is not None and not owner.user.has_usable_password()
    assert client.get("/r/").status_code == 200
    # the code is single-use
    client.post("/r/logout/")
    client.post("/r/login/code/", {"code": code})
    assert client.get("/r/").status_code == 302


def test_a_delivered_code_is_not_kept_in_the_outbox(owner) -> None:
    """The outbox row of a sent one-time code keeps recipient and time, not the code."""
    from estatedesk.core import clock
    from estatedesk.notify import jobs

    services.login_code_request(phone="13800138000", ip="10.0.0.1")
    code = _code_sent_to("13800138000")
    assert jobs.deliver(now=clock.now()) == 1
    sms = Notification.objects.get(topic="portal.login_code")
    assert (sms.state, sms.phone) == ("sent", "13800138000")
    assert code not in sms.body and sms.body == jobs.REDACTED_BODY


def test_code_expires_after_five_minutes(client, owner) -> None:
    with time_machine.travel(NOON, tick=False):
        services.login_code_request(phone="13800138000", ip="10.0.0.1")
        code = _code_sent_to("13800138000")
    later = NOON + dt.timedelta(minutes=5, seconds=1)
    with time_machine.travel(later, tick=False), pytest.raises(ValidationFailed):
        services.login_code_verify(phone="13800138000", code=code)


def test_five_wrong_codes_kill_the_code(owner) -> None:
    services.login_code_request(phone="13800138000", ip="10.0.0.1")
    code = _code_sent_to("13800138000")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(ValidationFailed):
            services.login_code_verify(phone="13800138000", code=wrong)
    with pytest.raises(ValidationFailed):
        services.login_code_verify(phone="13800138000", code=code)
    assert LoginCode.objects.get().attempts == 5


def test_codes_are_rate_limited_per_phone_and_per_ip(owner) -> None:
    with time_machine.travel(NOON, tick=False) as traveller:
        services.login_code_request(phone="13800138000", ip="10.0.0.1")
        with pytest.raises(services.TooManyRequests):
            services.login_code_request(phone="13800138000", ip="10.0.0.2")
        for _ in range(4):
            traveller.shift(dt.timedelta(minutes=2))
            services.login_code_request(phone="13800138000", ip="10.0.0.1")
        traveller.shift(dt.timedelta(minutes=2))
        with pytest.raises(services.TooManyRequests):
            services.login_code_request(phone="13800138000", ip="10.0.0.1")
    with time_machine.travel(NOON + dt.timedelta(minutes=20), tick=False):
        for n in range(15):
            services.login_code_request(phone=f"1370000{n:04d}", ip="10.0.0.1")
        with pytest.raises(services.TooManyRequests) as exc:
            services.login_code_request(phone="13699990000", ip="10.0.0.1")
    assert exc.value.status == 429


def test_unknown_number_gets_the_same_answer_but_no_sms(client) -> None:
    response = client.post("/r/login/", {"phone": "13512345678"})
    assert response.status_code == 302
    assert LoginCode.objects.count() == 1
    assert Notification.objects.filter(topic="portal.login_code").count() == 0


def test_resident_reports_with_photos_online_rq2(client, owner, unit, site, make_staff) -> None:
    from estatedesk.tickets.tests.helpers import png_bytes, upload

    dispatcher = make_staff(site, Role.DISPATCHER)
    sign_in(client, "13800138000")
    response = client.post(
        "/r/new/",
        {
            "kind": "repair",
            "unit": unit.pk,
            "description": "阳台地漏反水",
            "photos": [upload("a.png", png_bytes()), upload("b.png", png_bytes())],
        },
    )
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/r/t/{ticket.pk}/"
    assert ticket.channel == Channel.ONLINE and ticket.resident == owner
    assert (ticket.reporter_name, ticket.reporter_phone) == ("吴女士", "13800138000")
    assert ticket.receiver is None
    assert Attachment.objects.filter(ticket=ticket).count() == 2
    told = Notification.objects.get(user=dispatcher, topic="ticket.online")
    assert told.title == f"住户在线报事 {ticket.number}"
    page = client.get(f"/r/t/{ticket.pk}/").content.decode()
    assert "阳台地漏反水" in page and "受理登记" in page


def test_resident_cannot_report_for_someone_elses_unit(client, owner, site) -> None:
    other_unit = UnitFactory(building=BuildingFactory(site=site, name="9栋"), number="101")
    sign_in(client, "13800138000")
    response = client.post("/r/new/", {"kind": "repair", "unit": other_unit.pk, "description": "x"})
    assert response.status_code == 200
    assert Ticket.objects.count() == 0


def test_resident_sees_only_own_units_and_own_tickets(
    client, owner, unit, site, make_staff
) -> None:
    assistant = make_staff(site, Role.CS_ASSISTANT)
    base = {"site": site, "actor": assistant, "kind": "repair", "channel": "hotline"}
    household = ticket_services.ticket_create(
        **base, description="家人报的", reporter_name="家人", unit=unit
    )
    neighbour = ResidentFactory(site=site, phone="13900000001")
    others = ticket_services.ticket_create(
        **base, description="邻居的", reporter_name="邻居", resident=neighbour
    )
    sign_in(client, "13800138000")
    home = client.get("/r/").content.decode()
    assert "家人报的" in home and "邻居的" not in home
    assert client.get(f"/r/t/{household.pk}/").status_code == 200
    assert client.get(f"/r/t/{others.pk}/").status_code == 404
    assert client.get(f"/api/v1/tickets/{others.pk}").status_code == 404
    assert client.get("/tickets/").status_code == 403


def _finished(site, make_staff, owner, unit) -> Ticket:
    assistant = make_staff(site, Role.CS_ASSISTANT)
    worker = make_staff(site, Role.DEPT_STAFF, DepartmentKind.ENGINEERING)
    engineering = DepartmentFactory(site=site, kind=DepartmentKind.ENGINEERING)
    ticket = ticket_services.ticket_create(
        site=site,
        actor=assistant,
        kind="repair",
        channel="hotline",
        description="热水器不出热水",
        reporter_name=owner.name,
        reporter_phone=owner.phone,
        resident=owner,
        unit=unit,
    )
    for action, actor, payload in [
        ("dispatch", assistant, {"department_id": engineering.pk, "assignee_id": worker.pk}),
        ("complete", worker, {"note": "更换点火针"}),
    ]:
        ticket_services.ticket_transition(
            ticket_id=ticket.pk, action=action, actor=actor, payload=payload
        )
    return ticket


def test_resident_says_not_fixed_and_the_ticket_reopens(
    client, owner, unit, site, make_staff
) -> None:
    ticket = _finished(site, make_staff, owner, unit)
    sign_in(client, "13800138000")
    page = client.get(f"/r/t/{ticket.pk}/").content.decode()
    assert "更换点火针" in page and "没解决" in page
    client.post(f"/r/t/{ticket.pk}/reopen/", {"reason": "还是没有热水"})
    ticket.refresh_from_db()
    assert ticket.state == TicketState.IN_PROGRESS and ticket.reopened_count == 1


def test_resident_confirms_and_rates_low_which_opens_a_callback_rq10(
    client, owner, unit, site, make_staff
) -> None:
    ticket = _finished(site, make_staff, owner, unit)
    supervisor = make_staff(site, Role.CS_SUPERVISOR)
    sign_in(client, "13800138000")
    client.post(f"/r/t/{ticket.pk}/confirm/")
    client.post(f"/r/t/{ticket.pk}/rate/", {"rating": "2", "comment": "等了三天"})
    ticket.refresh_from_db()
    assert ticket.resident_confirmed_at is not None
    assert (ticket.rating, ticket.rating_comment) == (2, "等了三天")
    assert Callback.objects.get(ticket=ticket).reason == "住户评价 2 星：等了三天"
    assert Notification.objects.filter(user=supervisor, topic="callback.opened").exists()
    page = client.get(f"/r/t/{ticket.pk}/").content.decode()
    assert "提交评价" not in page and "等了三天" in page


def test_internal_notes_never_reach_the_portal_rq9(client, owner, unit, site, make_staff) -> None:
    ticket = _finished(site, make_staff, owner, unit)
    staff = make_staff(site, Role.DISPATCHER)
    ticket_services.note_add(
        ticket_id=ticket.pk, actor=staff, body="内部：师傅迟到", is_public=False
    )
    ticket_services.note_add(ticket_id=ticket.pk, actor=staff, body="明早复查", is_public=True)
    sign_in(client, "13800138000")
    page = client.get(f"/r/t/{ticket.pk}/").content.decode()
    assert "明早复查" in page and "师傅迟到" not in page
    events = client.get(f"/api/v1/tickets/{ticket.pk}/events").json()
    assert "师傅迟到" not in str(events)


def test_resident_confirms_the_quote_in_the_portal_rq12(
    client, owner, unit, site, make_staff
) -> None:
    assistant = make_staff(site, Role.CS_ASSISTANT)
    item = PriceItem.objects.create(site=site, name="开锁服务", price=Decimal("50"))
    ticket = ticket_services.ticket_create(
        site=site,
        actor=assistant,
        kind="paid_service",
        channel="hotline",
        description="开锁",
        reporter_name=owner.name,
        resident=owner,
        unit=unit,
    )
    ticket_services.paid_service_quote(
        ticket_id=ticket.pk, actor=assistant, price_item_id=item.pk, quantity="1"
    )
    sign_in(client, "13800138000")
    assert "确认报价" in client.get(f"/r/t/{ticket.pk}/").content.decode()
    client.post(f"/r/t/{ticket.pk}/quote/")
    paid = PaidService.objects.get(ticket=ticket)
    owner.refresh_from_db()
    assert paid.confirmed_via == "portal" and paid.confirmed_by == owner.user


def test_suggestion_box_and_reply_rp6(client, owner, site, make_staff) -> None:
    sign_in(client, "13800138000")
    client.post("/r/suggestions/", {"body": "建议增加儿童游乐设施"})
    suggestion = Suggestion.objects.get()
    assert suggestion.resident == owner and suggestion.site == site
    assistant = make_staff(site, Role.CS_ASSISTANT)
    services.suggestion_reply(suggestion_id=suggestion.pk, actor=assistant, reply="已列入明年计划")
    page = client.get("/r/suggestions/").content.decode()
    assert "已列入明年计划" in page
    assert Notification.objects.filter(topic="suggestion.replied", phone=owner.phone).exists()
