"""Pages: the list, the "open emergency" shortcut, the case page and its actions, home cards;
access by role and site; query counts that do not grow with rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from estatedesk.emergencies.enums import AckVia, CaseState, ChainState, ResponderStatus
from estatedesk.emergencies.models import EmergencyCase, StepRecord
from estatedesk.emergencies.services import (
    emergency_settle,
    instruction_create,
    responders_notify,
)
from estatedesk.emergencies.tests.conftest import START, open_emergency
from estatedesk.org.enums import Role
from estatedesk.tickets.enums import TicketKind

pytestmark = pytest.mark.django_db


def _list_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_list_query_count_does_not_grow_with_rows(client, site, staff, frozen):
    open_emergency(site, staff["dispatcher"])
    client.force_login(staff["manager"])
    one = _list_queries(client, "/emergencies/")
    for _ in range(19):
        open_emergency(site, staff["dispatcher"])
    twenty = _list_queries(client, "/emergencies/")
    assert one == twenty


def test_list_shows_open_emergencies_and_an_empty_state(client, site, staff, frozen):
    client.force_login(staff["dispatcher"])
    empty = client.get("/emergencies/").content.decode()
    assert "现在没有进行中的紧急事件" in empty
    case = open_emergency(site, staff["dispatcher"])
    body = client.get("/emergencies/").content.decode()
    assert case.ticket.number in body and "逐级呼叫中" in body
    assert case.ticket.number not in client.get("/emergencies/?scope=closed").content.decode()


def test_open_shortcut_creates_the_emergency_and_shows_its_page_em1(client, site, staff, frozen):
    client.force_login(staff["dispatcher"])
    assert client.get("/emergencies/new/").status_code == 200
    response = client.post(
        "/emergencies/new/",
        {
            "site": site.pk,
            "kind": TicketKind.FIRE,
            "severity": "serious",
            "channel": "hotline",
            "reporter_name": "张先生",
            "reporter_phone": "13800001111",
            "location_text": "3栋地下车库",
            "description": "车库有浓烟",
        },
    )
    case = EmergencyCase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/emergencies/{case.pk}/"
    assert (case.ticket.description, case.chain_state) == ("车库有浓烟", ChainState.RUNNING)
    page = client.get(response["Location"]).content.decode()
    assert "《保安部消防应急处理程序》" in page
    assert f'hx-get="/emergencies/{case.pk}/live/"' in page
    assert "data-due=" in page


def test_open_shortcut_keeps_the_input_when_refused_em6(client, site, staff, frozen):
    client.force_login(staff["dispatcher"])
    response = client.post(
        "/emergencies/new/",
        {
            "site": site.pk,
            "kind": TicketKind.EMERGENCY_MEDICAL,
            "severity": "serious",
            "channel": "hotline",
            "reporter_name": "李女士",
            "reporter_phone": "",
            "location_text": "6栋803",
            "description": "老人晕倒，呼吸急促",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "急救病人须先问清并记录联系电话（EM-6）。" in body
    assert "老人晕倒，呼吸急促" in body and "6栋803" in body
    assert EmergencyCase.objects.count() == 0


def test_workers_cannot_open_emergencies_and_other_sites_see_404(
    client, site, other_site, staff, make_staff, frozen
):
    client.force_login(staff["guard"])
    assert client.get("/emergencies/new/").status_code == 403
    case = open_emergency(site, staff["dispatcher"])
    client.force_login(make_staff(other_site, Role.SITE_MANAGER))
    assert client.get(f"/emergencies/{case.pk}/").status_code == 404
    assert client.get(f"/emergencies/{case.pk}/live/").status_code == 404
    page = case.pages.get()
    assert client.post(f"/emergencies/{case.pk}/pages/{page.pk}/ack/").status_code == 404
    page.refresh_from_db()
    assert page.acknowledged_at is None


def test_paged_manager_acknowledges_from_the_case_page_em2(client, site, staff, frozen):
    case = open_emergency(site, staff["dispatcher"])
    client.force_login(staff["manager"])
    body = client.get(f"/emergencies/{case.pk}/").content.decode()
    assert "您被呼叫（管理处经理），请确认已知悉" in body
    page = case.pages.get()
    response = client.post(f"/emergencies/{case.pk}/pages/{page.pk}/ack/")
    assert response.status_code == 302
    page.refresh_from_db()
    assert (page.acknowledged_by, page.ack_via) == (staff["manager"], AckVia.PAGE)


def test_dispatcher_records_steps_responders_and_instructions_from_the_page_em3_em5_em6(
    client, site, staff, frozen
):
    case = open_emergency(
        site,
        staff["dispatcher"],
        kind=TicketKind.EMERGENCY_MEDICAL,
        location_text="6栋803",
        reporter_phone="13800000803",
    )
    client.force_login(staff["dispatcher"])
    choose = StepRecord.objects.get(case=case, position=3)
    client.post(f"/emergencies/{case.pk}/steps/{choose.pk}/", {"branch": "call_120"})
    call = StepRecord.objects.get(case=case, position=9)
    response = client.post(f"/emergencies/{case.pk}/steps/{call.pk}/", {"note": "已拨打 120"})
    assert response["Location"] == f"/emergencies/{case.pk}/#step-{call.pk}"
    call.refresh_from_db()
    assert (call.done_at, call.note) == (START, "已拨打 120")
    response = client.post(
        f"/emergencies/{case.pk}/responders/",
        {"users": [staff["guard_leader"].pk, staff["sec_head"].pk], "note": "到大门口"},
    )
    assert response.status_code == 302
    assert case.responders.count() == 2
    bad = client.post(
        f"/emergencies/{case.pk}/instructions/",
        {"text": "安排人员陪同家属", "owner": staff["guard_leader"].pk, "due_at": ""},
    )
    assert bad.status_code == 400
    assert "安排人员陪同家属" in bad.content.decode()
    good = client.post(
        f"/emergencies/{case.pk}/instructions/",
        {
            "given_by": staff["manager"].pk,
            "text": "安排人员陪同家属",
            "owner": staff["guard_leader"].pk,
            "due_at": "2026-11-18T09:00",
        },
    )
    assert good.status_code == 302
    assert case.instructions.get().owner == staff["guard_leader"]


def test_responder_confirms_arrival_from_the_case_page_em3(client, site, staff, frozen):
    case = open_emergency(site, staff["dispatcher"])
    responders_notify(case=case, users=[staff["guard"]], actor=staff["dispatcher"])
    client.force_login(staff["guard"])
    body = client.get(f"/emergencies/{case.pk}/").content.decode()
    assert "我的到场情况" in body
    row = case.responders.get()
    client.post(f"/emergencies/{case.pk}/responders/{row.pk}/", {"status": "arrived"})
    row.refresh_from_db()
    assert (row.status, row.arrived_at) == (ResponderStatus.ARRIVED, START)


def test_sign_off_refused_on_the_page_keeps_the_note_em5(client, site, staff, frozen):
    case = open_emergency(site, staff["dispatcher"])
    instruction_create(
        case=case,
        actor=staff["dispatcher"],
        text="复查烟感",
        owner=staff["eng_head"],
        due_at=START + dt.timedelta(hours=4),
        given_by=staff["deputy"],
    )
    emergency_settle(case=case, actor=staff["dispatcher"], note="误报")
    client.force_login(staff["dispatcher"])
    assert client.post(f"/emergencies/{case.pk}/sign-off/", {"note": "x"}).status_code == 403
    client.force_login(staff["manager"])
    response = client.post(f"/emergencies/{case.pk}/sign-off/", {"note": "同意结案，注意复查"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "还有 1 项领导指示/子工单未销项" in body and "同意结案，注意复查" in body
    case.refresh_from_db()
    assert case.state == CaseState.SETTLED


def test_home_cards_show_open_emergencies_and_my_pages(client, site, staff, frozen):
    open_emergency(site, staff["dispatcher"])
    client.force_login(staff["manager"])
    body = client.get("/").content.decode()
    assert "紧急呼叫待您确认" in body and "进行中的紧急事件" in body
    client.force_login(staff["guard"])
    assert "进行中的紧急事件" not in client.get("/").content.decode()


def test_home_cards_mark_pages_waiting_for_me_as_urgent_em2(rf, site, staff, frozen):
    from estatedesk.emergencies.home import cards

    request = rf.get("/")
    request.user = staff["manager"]
    assert [(c["title"], c["value"], c["urgent"]) for c in cards(request)] == [
        ("进行中的紧急事件", 0, False)
    ]
    open_emergency(site, staff["dispatcher"])
    request.user = type(staff["manager"]).objects.get(pk=staff["manager"].pk)
    assert [(c["title"], c["value"], c["urgent"]) for c in cards(request)] == [
        ("紧急呼叫待您确认", 1, True),
        ("进行中的紧急事件", 1, True),
    ]
