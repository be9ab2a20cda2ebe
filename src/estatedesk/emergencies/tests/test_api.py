"""API: list and read emergencies, acknowledge, steps, responders, instructions, take over,
settle, sign off; JSON refusals with codes; 404 outside the user's sites."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from estatedesk.emergencies.enums import AckVia, CaseState, ChainState
from estatedesk.emergencies.models import EmergencyCase, StepRecord
from estatedesk.emergencies.tests.conftest import START, open_emergency
from estatedesk.org.enums import Role
from estatedesk.tickets.enums import TicketKind
from estatedesk.tickets.services import ticket_transition

pytestmark = pytest.mark.django_db


def _post(client, url: str, payload: dict | None = None):
    return client.post(url, payload or {}, content_type="application/json")


def test_api_list_query_count_does_not_grow_with_rows(client, site, staff, frozen):
    open_emergency(site, staff["dispatcher"])
    client.force_login(staff["supervisor"])
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/emergencies/cases").json()["count"] == 1
    for _ in range(19):
        open_emergency(site, staff["dispatcher"])
    with CaptureQueriesContext(connection) as twenty:
        data = client.get("/api/v1/emergencies/cases?limit=50").json()
    assert (data["count"], len(data["items"])) == (20, 20)
    assert len(one.captured_queries) == len(twenty.captured_queries)


def test_api_open_and_read_an_emergency_em1(client, site, staff, frozen):
    client.force_login(staff["dispatcher"])
    response = _post(
        client,
        "/api/v1/emergencies/cases",
        {
            "site_id": site.pk,
            "kind": TicketKind.DISASTER,
            "description": "暴雨，地下车库入口进水",
            "reporter_name": "巡逻岗",
            "location_text": "地下车库入口",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["state"], body["chain_state"], body["holder"]) == (
        TicketKind.DISASTER,
        CaseState.OPEN,
        ChainState.RUNNING,
        staff["dispatcher"].get_full_name(),
    )
    assert [(p["level"], p["label"], p["recipients"]) for p in body["pages"]] == [
        (1, "管理处经理", [staff["manager"].get_full_name()])
    ]
    assert len(body["steps"]) == 9
    again = client.get(f"/api/v1/emergencies/cases/{body['id']}").json()
    assert again["number"] == body["number"]


def test_api_refusals_are_json_with_codes_and_change_nothing_em6(client, site, staff, frozen):
    client.force_login(staff["dispatcher"])
    response = _post(
        client,
        "/api/v1/emergencies/cases",
        {
            "site_id": site.pk,
            "kind": TicketKind.EMERGENCY_MEDICAL,
            "description": "晕倒",
            "reporter_name": "家属",
            "location_text": "6栋803",
        },
    )
    assert response.status_code == 400
    assert response.json()["code"] == "phone_required"
    assert EmergencyCase.objects.count() == 0


def test_api_user_of_another_site_gets_404(client, site, other_site, staff, make_staff, frozen):
    case = open_emergency(site, staff["dispatcher"])
    client.force_login(make_staff(other_site, Role.SITE_MANAGER))
    assert client.get(f"/api/v1/emergencies/cases/{case.pk}").status_code == 404
    page = case.pages.get()
    response = _post(client, f"/api/v1/emergencies/pages/{page.pk}/acknowledge")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert client.get("/api/v1/emergencies/cases").json()["count"] == 0
    page.refresh_from_db()
    assert page.acknowledged_at is None


def test_api_acknowledge_stops_the_chain_em2(client, site, staff, frozen):
    case = open_emergency(site, staff["dispatcher"])
    page = case.pages.get()
    client.force_login(staff["manager"])
    response = _post(client, f"/api/v1/emergencies/pages/{page.pk}/acknowledge")
    assert response.status_code == 200
    assert (response.json()["outcome"], response.json()["ack_via"]) == ("acknowledged", "api")
    case.refresh_from_db()
    assert (case.chain_state, case.acknowledged_by) == (ChainState.ACKNOWLEDGED, staff["manager"])


def test_api_desk_records_phone_acknowledgement_em2(client, site, staff, frozen):
    case = open_emergency(site, staff["dispatcher"])
    page = case.pages.get()
    client.force_login(staff["dispatcher"])
    response = _post(
        client,
        f"/api/v1/emergencies/pages/{page.pk}/acknowledge",
        {"on_behalf_of_id": staff["manager"].pk},
    )
    assert response.status_code == 200
    page.refresh_from_db()
    assert (page.ack_via, page.acknowledged_by, page.ack_recorded_by) == (
        AckVia.PHONE,
        staff["manager"],
        staff["dispatcher"],
    )


def test_api_full_flow_steps_responders_instruction_settle_sign_off_em3_em4_em5_em7(
    client, site, staff, frozen
):
    case = open_emergency(site, staff["dispatcher"])
    client.force_login(staff["dispatcher"])
    step = StepRecord.objects.get(case=case, position=1)
    done = _post(
        client, f"/api/v1/emergencies/cases/{case.pk}/steps/{step.pk}", {"note": "12 楼楼道"}
    )
    assert (done.status_code, done.json()["note"]) == (200, "12 楼楼道")
    told = _post(
        client,
        f"/api/v1/emergencies/cases/{case.pk}/responders",
        {"user_ids": [staff["guard_leader"].pk]},
    )
    assert told.status_code == 201
    responder_id = told.json()[0]["id"]
    client.force_login(staff["guard_leader"])
    arrived = _post(
        client, f"/api/v1/emergencies/responders/{responder_id}/status", {"status": "arrived"}
    )
    assert (arrived.status_code, arrived.json()["status"]) == (200, "arrived")
    client.force_login(staff["dispatcher"])
    instruction = _post(
        client,
        f"/api/v1/emergencies/cases/{case.pk}/instructions",
        {
            "text": "排查 5 栋烟感",
            "owner_id": staff["eng_head"].pk,
            "due_at": (START + dt.timedelta(days=1)).isoformat(),
            "given_by_id": staff["deputy"].pk,
        },
    )
    assert instruction.status_code == 201
    sub_id = instruction.json()["ticket_id"]
    taken = _post(client, f"/api/v1/emergencies/cases/{case.pk}/take-over")
    assert (taken.status_code, taken.json()["code"]) == (400, "already_holder")
    settled = _post(client, f"/api/v1/emergencies/cases/{case.pk}/settle", {"note": "误报"})
    assert settled.json()["state"] == CaseState.SETTLED
    client.force_login(staff["manager"])
    refused = _post(client, f"/api/v1/emergencies/cases/{case.pk}/sign-off")
    assert (refused.status_code, refused.json()["code"]) == (400, "open_sub_tickets")
    ticket_transition(ticket_id=sub_id, action="start", actor=staff["eng_head"])
    ticket_transition(
        ticket_id=sub_id, action="complete", actor=staff["eng_head"], payload={"note": "已排查"}
    )
    ticket_transition(
        ticket_id=sub_id, action="close", actor=staff["dispatcher"], payload={"slip_confirmed": 1}
    )
    signed = _post(client, f"/api/v1/emergencies/cases/{case.pk}/sign-off", {"note": "同意"})
    assert signed.status_code == 200
    assert (signed.json()["state"], signed.json()["signed_off_by"]) == (
        CaseState.CLOSED,
        staff["manager"].get_full_name(),
    )


def test_api_sign_off_by_the_dispatcher_is_forbidden_em5(client, site, staff, frozen):
    case = open_emergency(site, staff["dispatcher"])
    client.force_login(staff["dispatcher"])
    _post(client, f"/api/v1/emergencies/cases/{case.pk}/settle", {"note": "误报"})
    response = _post(client, f"/api/v1/emergencies/cases/{case.pk}/sign-off")
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    case.refresh_from_db()
    assert (case.state, case.signed_off_at) == (CaseState.SETTLED, None)
