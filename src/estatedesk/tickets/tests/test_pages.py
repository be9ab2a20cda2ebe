"""Staff pages: intake, list, detail, actions, print forms, exports, access and masking."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from estatedesk.core import clock
from estatedesk.org.enums import Role
from estatedesk.org.tests.factories import ResidentFactory
from estatedesk.portal.services import resident_user
from estatedesk.tickets import services
from estatedesk.tickets.enums import TicketKind, TicketState
from estatedesk.tickets.models import Attachment, CallLog, PaidService, PriceItem, Ticket
from estatedesk.tickets.tests.helpers import PDF, act, png_bytes, upload

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 11, 23, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai


@pytest.fixture
def desk(client, assistant):
    client.force_login(assistant)
    return client


def _intake(site, **extra):
    data = {
        "site": site.pk,
        "channel": "hotline",
        "reporter_phone": "13912345678",
        "reporter_name": "张先生",
        "unit_label": "3栋-1201",
        "description": "厨房水管漏水",
        "kind": "repair",
        "urgency": "",
        "repair_class": "",
        "received_at": clock.localtime().strftime("%Y-%m-%dT%H:%M"),
    }
    data.update(extra)
    return data


def test_intake_page_creates_a_complete_ticket_in_one_screen_rq3(
    desk, site, unit, engineering, plumber
) -> None:
    page = desk.get("/tickets/new/")
    assert page.status_code == 200
    assert "新建工单" in page.content.decode()
    response = desk.post(
        "/tickets/new/",
        _intake(
            site,
            department=engineering.pk,
            assignee=plumber.pk,
            photos=[upload("leak.png", png_bytes())],
        ),
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    assert ticket.unit == unit and ticket.state == TicketState.DISPATCHED
    assert ticket.assignee == plumber
    assert Attachment.objects.filter(ticket=ticket).count() == 1
    assert CallLog.objects.get().ticket == ticket


@time_machine.travel(NOON, tick=False)
def test_intake_refuses_a_future_receipt_time_and_keeps_the_input_rq3(desk, site, unit) -> None:
    future = (clock.localtime() + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = desk.post("/tickets/new/", _intake(site, received_at=future))
    assert response.status_code == 200
    body = response.content.decode()
    assert "受理时间不能晚于现在" in body
    assert "厨房水管漏水" in body and "13912345678" in body
    assert Ticket.objects.count() == 0


def test_intake_unknown_unit_is_a_field_error(desk, site) -> None:
    response = desk.post("/tickets/new/", _intake(site, unit_label="9栋-9999"))
    assert response.status_code == 200
    assert "找不到该房号" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_typing_a_phone_finds_the_resident_units_and_recent_tickets(
    desk, site, unit, make_ticket
) -> None:
    resident = ResidentFactory(site=site, name="孙女士", phone="13055556666", unit=unit)
    make_ticket(reporter_phone="13055556666", resident=resident, description="门锁坏了")
    response = desk.get("/tickets/new/lookup/", {"reporter_phone": "1305555"})
    body = response.content.decode()
    assert "孙女士" in body and "3栋-1201" in body and "门锁坏了" in body
    assert desk.get("/tickets/new/lookup/", {"reporter_phone": "130"}).content.strip() == b""


def test_description_suggests_kind_and_department(desk, site, engineering) -> None:
    response = desk.get("/tickets/new/suggest/", {"description": "卫生间漏水", "site": site.pk})
    body = response.content.decode()
    assert "报修" in body and "工程维修部" in body
    assert f'"id_department": "{engineering.pk}"' in body


def _list_queries(client, count: int) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/tickets/")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == count
    return len(ctx.captured_queries)


def test_list_page_query_count_is_the_same_for_1_and_20_tickets(
    desk, make_ticket, assistant, engineering, plumber
) -> None:
    act(make_ticket(), "dispatch", assistant, department_id=engineering.pk, assignee_id=plumber.pk)
    one = _list_queries(desk, 1)
    for _ in range(19):
        ticket = make_ticket()
        act(ticket, "dispatch", assistant, department_id=engineering.pk, assignee_id=plumber.pk)
    assert _list_queries(desk, 20) == one


def test_list_filters_overdue_and_state(desk, make_ticket) -> None:
    late = make_ticket(description="已超时")
    make_ticket(description="未超时")
    Ticket.objects.filter(pk=late.pk).update(next_due_at=clock.now() - dt.timedelta(hours=1))
    response = desk.get("/tickets/", {"overdue": "on"})
    assert [t.pk for t in response.context["page"].object_list] == [late.pk]
    assert desk.get("/tickets/", {"state": "closed"}).context["page"].paginator.count == 0


def test_detail_shows_timeline_and_buttons_from_the_workflow(desk, make_ticket) -> None:
    ticket = make_ticket()
    body = desk.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "受理登记" in body and ticket.number in body
    assert 'id="btn-dispatch"' in body and 'id="btn-cancel"' not in body
    # a repair cannot be "answered" away: only consultations and other help (RQ-11)
    assert 'id="btn-answer"' not in body


def test_phone_is_masked_for_roles_without_personal_data(client, make_ticket, plumber) -> None:
    ticket = make_ticket()
    client.force_login(plumber)
    body = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "139****5678" in body and "13912345678" not in body


def test_other_sites_ticket_page_is_404(client, make_ticket, other_site, make_staff) -> None:
    ticket = make_ticket()
    client.force_login(make_staff(other_site, Role.DISPATCHER))
    assert client.get(f"/tickets/{ticket.pk}/").status_code == 404


def test_action_with_a_stale_version_tells_the_user_who_moved_first(
    desk, make_ticket, dispatcher, engineering
) -> None:
    ticket = make_ticket()
    act(ticket, "dispatch", dispatcher, department_id=engineering.pk)
    response = desk.post(
        f"/tickets/{ticket.pk}/act/dispatch/",
        {"version": 1, "department_id": engineering.pk},
        follow=True,
    )
    assert "已被他人处理" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).version == 2


def test_cleaner_cannot_cancel_through_the_page(client, make_ticket, cleaner) -> None:
    ticket = make_ticket()
    client.force_login(cleaner)
    response = client.post(
        f"/tickets/{ticket.pk}/act/cancel/",
        {"version": 1, "cancel_kind": "mistaken", "reason": "x"},
        follow=True,
    )
    assert "没有执行此操作的权限" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.RECEIVED


def test_worker_reports_completion_with_photos_and_dispatcher_prints_the_slip_ds5(
    client, make_ticket, assistant, dispatcher, engineering, plumber
) -> None:
    ticket = make_ticket()
    act(ticket, "dispatch", assistant, department_id=engineering.pk, assignee_id=plumber.pk)
    client.force_login(plumber)
    client.post(
        f"/tickets/{ticket.pk}/act/complete/",
        {"version": 2, "note": "更换水管", "materials": "PPR 管 2 米", "files": [upload()]},
    )
    assert Attachment.objects.get(ticket=ticket).purpose == "completion"
    client.force_login(dispatcher)
    client.post(f"/tickets/{ticket.pk}/act/close/", {"slip_confirmed": "on"})
    ticket.refresh_from_db()
    assert ticket.state == TicketState.CLOSED
    slip = client.get(f"/tickets/{ticket.pk}/slip/").content.decode()
    assert "服务单" in slip and f"{ticket.number}-1" in slip and "PPR 管 2 米" in slip


def test_attachments_are_served_only_to_those_who_may_see_the_ticket(
    client, make_ticket, site, other_site, make_staff, unit
) -> None:
    owner = ResidentFactory(site=site, unit=unit)
    ticket = make_ticket(resident=owner, unit=unit, files=[upload("p.pdf", PDF, "image/png")])
    attachment = Attachment.objects.get(ticket=ticket)
    assert attachment.content_type == "application/pdf"
    url = f"/tickets/attachments/{attachment.pk}/"
    client.force_login(make_staff(other_site, Role.SITE_MANAGER))
    assert client.get(url).status_code == 404
    client.force_login(resident_user(resident=owner))
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    stranger = ResidentFactory(site=site)
    client.force_login(resident_user(resident=stranger))
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_internal_attachments_are_hidden_from_the_resident(
    client, make_ticket, site, unit, assistant
) -> None:
    owner = ResidentFactory(site=site, unit=unit)
    ticket = make_ticket(resident=owner, unit=unit)
    [internal] = services.attachment_add(
        ticket_id=ticket.pk, actor=assistant, files=[upload()], purpose="internal"
    )
    client.force_login(resident_user(resident=owner))
    assert client.get(f"/tickets/attachments/{internal.pk}/").status_code == 404


@time_machine.travel(NOON, tick=False)
def test_register_prints_the_day_and_exports_xlsx_without_formulas_rq3_rq13(
    desk, make_ticket
) -> None:
    make_ticket(description='=HYPERLINK("http://evil","点我")', people_involved="@SUM(1)")
    page = desk.get("/tickets/register/", {"day_from": "2026-11-23"})
    body = page.content.decode()
    assert "报事报修登记表" in body and "HYPERLINK" in body
    response = desk.get("/tickets/register.xlsx", {"day_from": "2026-11-23"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    row = {h: c.value for h, c in zip(header, sheet[2], strict=True)}
    assert row["问题描述"] == '\'=HYPERLINK("http://evil","点我")'
    assert row["涉及人员"] == "'@SUM(1)"
    assert row["联系电话"] == "13912345678"
    assert sheet.max_row == 2


@time_machine.travel(NOON, tick=False)
def test_finance_exports_the_months_charges_rq12(
    client, site, make_ticket, assistant, engineering, plumber, finance
) -> None:
    item = PriceItem.objects.create(site=site, name="+疏通", price=Decimal("80"))
    ticket = make_ticket(kind=TicketKind.PAID_SERVICE)
    act(ticket, "dispatch", assistant, department_id=engineering.pk, assignee_id=plumber.pk)
    services.paid_service_quote(
        ticket_id=ticket.pk, actor=assistant, price_item_id=item.pk, quantity=1
    )
    services.paid_service_confirm(ticket_id=ticket.pk, actor=assistant)
    act(ticket, "complete", plumber, note="已疏通")
    assert PaidService.objects.get().charge_amount == Decimal("80.00")
    client.force_login(finance)
    page = client.get("/tickets/charges/", {"month": "2026-11"})
    assert page.status_code == 200 and "80.00" in page.content.decode()
    sheet = load_workbook(
        io.BytesIO(client.get("/tickets/charges.xlsx", {"month": "2026-11"}).content)
    ).active
    assert sheet.cell(2, 5).value == "'+疏通"
    assert sheet.cell(3, 1).value == "合计" and float(sheet.cell(3, 8).value) == 80.0
    assert client.get("/tickets/charges.xlsx", {"month": "2026-10"}).status_code == 200


def test_calls_page_logs_signs_and_prints_with_subtotals_cv1_cv3_cv4(desk, site) -> None:
    response = desk.post(
        "/tickets/calls/",
        {
            "site": site.pk,
            "kind": "visit",
            "caller_name": "周先生",
            "summary": "询问装修申请",
            "log_class": "consultation",
            "answer": "带身份证到客服中心",
            "done": "on",
        },
    )
    assert response.status_code == 302
    entry = CallLog.objects.get()
    assert entry.done_number.startswith(f"{site.code}-CV")
    listing = desk.get("/tickets/calls/").content.decode()
    assert "周先生" in listing and entry.done_number in listing
    printed = desk.get("/tickets/calls/print/").content.decode()
    assert "本页小计" in printed and "咨询：<strong>1</strong>" in printed


def test_written_reply_prints_as_a_letter_rq8(desk, make_ticket, assistant, supervisor) -> None:
    ticket = make_ticket(kind=TicketKind.CONSULTATION, channel="written", description="来函")
    assert desk.get(f"/tickets/{ticket.pk}/letter/").status_code == 404
    services.consultation_reply_draft(ticket_id=ticket.pk, actor=assistant, text="兹答复如下")
    services.consultation_reply_approve(ticket_id=ticket.pk, actor=supervisor)
    body = desk.get(f"/tickets/{ticket.pk}/letter/").content.decode()
    assert "答复函" in body and "兹答复如下" in body


def test_callbacks_page_lists_and_closes_low_ratings_rq10(
    client, make_ticket, assistant, engineering, plumber, supervisor
) -> None:
    ticket = make_ticket()
    act(ticket, "dispatch", assistant, department_id=engineering.pk, assignee_id=plumber.pk)
    act(ticket, "complete", plumber, note="修好")
    services.ticket_rate(ticket_id=ticket.pk, actor=assistant, rating=1, comment="很差")
    client.force_login(supervisor)
    body = client.get("/tickets/callbacks/").content.decode()
    assert ticket.number in body and "很差" in body
    callback = ticket.callbacks.get()
    client.post(f"/tickets/callbacks/{callback.pk}/done/", {"outcome": "已上门道歉"})
    callback.refresh_from_db()
    assert callback.outcome == "已上门道歉"
    client.force_login(assistant)
    assert client.get("/tickets/callbacks/").status_code == 403


def test_home_cards_per_role(client, make_ticket, assistant, dispatcher, plumber, engineering):
    ticket = make_ticket()
    act(ticket, "dispatch", assistant, department_id=engineering.pk, assignee_id=plumber.pk)
    client.force_login(plumber)
    cards = {c["title"]: c for c in client.get("/").context["cards"]}
    assert cards["我的待办"]["value"] == 1 and "新建工单" not in cards
    client.force_login(dispatcher)
    cards = {c["title"]: c for c in client.get("/").context["cards"]}
    assert cards["待派工"]["value"] == 0 and "新建工单" in cards
