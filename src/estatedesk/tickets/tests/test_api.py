"""The tickets API: create (idempotent), list (lean, paginated), get, update and actions with
optimistic concurrency, notes, attachments, rating; errors as JSON {code, detail}."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from estatedesk.core.models import IdempotencyRecord
from estatedesk.org.enums import Role
from estatedesk.org.services import api_token_create
from estatedesk.tickets.enums import TicketState
from estatedesk.tickets.models import Attachment, Ticket
from estatedesk.tickets.tests.helpers import PNG, act, upload

pytestmark = pytest.mark.django_db

URL = "/api/v1/tickets/"


def _body(site, **extra):
    data = {
        "site_id": site.pk,
        "kind": "repair",
        "channel": "hotline",
        "description": "客厅灯不亮",
        "reporter_name": "赵先生",
        "reporter_phone": "13700001234",
    }
    data.update(extra)
    return data


@pytest.fixture
def api(client, assistant):
    client.force_login(assistant)
    return client


def post(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def test_create_returns_the_ticket_rq3(api, site) -> None:
    response = post(api, URL, _body(site))
    assert response.status_code == 201
    body = response.json()
    assert body["number"].startswith(site.code)
    assert body["state"] == "received" and body["version"] == 1
    assert body["reporter_phone"] == "13700001234"
    assert {"action": "dispatch", "label": "派工"} in body["actions"]


def test_retried_create_with_same_idempotency_key_yields_one_ticket(api, site) -> None:
    first = post(api, URL, _body(site), HTTP_IDEMPOTENCY_KEY="call-7781")
    second = post(api, URL, _body(site), HTTP_IDEMPOTENCY_KEY="call-7781")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Ticket.objects.count() == 1
    third = post(api, URL, _body(site), HTTP_IDEMPOTENCY_KEY="call-7782")
    assert third.json()["id"] != first.json()["id"]
    assert Ticket.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_same_key_create_one_ticket(site, assistant) -> None:
    _token, raw = api_token_create(user=assistant, name="cti", actor=assistant)
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def send() -> None:
        try:
            barrier.wait()
            response = Client().post(
                URL,
                json.dumps(_body(site)),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {raw}",
                HTTP_IDEMPOTENCY_KEY="same-call",
            )
            assert response.status_code == 201, response.content
            results.append(response.json()["id"])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1
    assert Ticket.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_errors_are_json_with_code_and_detail(api, site) -> None:
    response = post(api, URL, _body(site, description=" "))
    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "detail": "请填写问题描述。"}
    assert Ticket.objects.count() == 0


def test_stale_version_on_action_is_409_with_current_state(api, site, engineering) -> None:
    ticket = Ticket.objects.get(pk=post(api, URL, _body(site)).json()["id"])
    url = f"{URL}{ticket.pk}/actions/dispatch"
    ok = post(api, url, {"version": 1, "payload": {"department_id": engineering.pk}})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = post(api, f"{URL}{ticket.pk}/actions/start", {"version": 1})
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict"
    assert stale.json()["state"] == "dispatched" and stale.json()["version"] == 2
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.DISPATCHED


def test_patch_with_stale_version_is_409(api, site) -> None:
    ticket_id = post(api, URL, _body(site)).json()["id"]
    ok = api.patch(
        f"{URL}{ticket_id}",
        json.dumps({"version": 1, "urgency": "urgent", "is_complex": True}),
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert (ok.json()["urgency"], ok.json()["is_complex"], ok.json()["version"]) == (
        "urgent",
        True,
        2,
    )
    stale = api.patch(
        f"{URL}{ticket_id}",
        json.dumps({"version": 1, "description": "改"}),
        content_type="application/json",
    )
    assert stale.status_code == 409
    assert Ticket.objects.get(pk=ticket_id).description == "客厅灯不亮"


def test_list_filters_and_paginates(api, site, make_ticket) -> None:
    for _ in range(3):
        make_ticket()
    make_ticket(kind="complaint", description="投诉噪音")
    response = api.get(URL, {"kind": "repair", "limit": 2})
    body = response.json()
    assert body["count"] == 3 and len(body["items"]) == 2 and body["limit"] == 2
    page2 = api.get(URL, {"kind": "repair", "limit": 2, "offset": 2}).json()
    assert len(page2["items"]) == 1
    assert api.get(URL, {"q": "噪音"}).json()["count"] == 1


def test_list_masks_phones_for_roles_without_personal_data(client, site, make_ticket, plumber):
    make_ticket()
    client.force_login(plumber)
    item = client.get(URL).json()["items"][0]
    assert item["reporter_phone"] == "139****5678"


def _query_count(client, django_assert_max_num_queries, count: int) -> int:
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(conn) as ctx:
        response = client.get(URL)
    assert response.status_code == 200
    assert len(response.json()["items"]) == count
    return len(ctx.captured_queries)


def test_list_query_count_is_the_same_for_1_and_20_tickets(
    api, make_ticket, engineering, plumber, assistant, django_assert_max_num_queries
) -> None:
    ticket = make_ticket()
    act(ticket, "dispatch", assistant, department_id=engineering.pk, assignee_id=plumber.pk)
    one = _query_count(api, django_assert_max_num_queries, 1)
    for _ in range(19):
        other = make_ticket()
        act(other, "dispatch", assistant, department_id=engineering.pk, assignee_id=plumber.pk)
    twenty = _query_count(api, django_assert_max_num_queries, 20)
    assert one == twenty
    # session, user, roles, then the page and its count
    assert twenty <= 5


def test_other_sites_ticket_is_404(client, other_site, make_staff, make_ticket) -> None:
    ticket = make_ticket()
    client.force_login(make_staff(other_site, Role.CS_ASSISTANT))
    response = client.get(f"{URL}{ticket.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_notes_and_attachments_and_rating(
    api, make_ticket, assistant, engineering, plumber, dispatcher
) -> None:
    ticket = make_ticket()
    note = post(api, f"{URL}{ticket.pk}/notes", {"body": "已联系住户", "public": True})
    assert note.status_code == 201 and note.json()["public"] is True
    files = api.post(f"{URL}{ticket.pk}/attachments", {"files": [upload()], "purpose": "progress"})
    assert files.status_code == 201, files.content
    assert files.json()[0]["content_type"] == "image/png"
    assert Attachment.objects.get(ticket=ticket).size == len(PNG)
    bad = api.post(
        f"{URL}{ticket.pk}/attachments", {"files": [upload("a.png", b"GIF89a" + b"0" * 20)]}
    )
    assert bad.status_code == 400 and bad.json()["code"] == "upload_type"
    act(ticket, "dispatch", assistant, department_id=engineering.pk, assignee_id=plumber.pk)
    act(ticket, "complete", plumber, note="已修复")
    rated = post(api, f"{URL}{ticket.pk}/rating", {"rating": 5, "comment": "好"})
    assert rated.status_code == 200 and rated.json()["rating"] == 5
    again = post(api, f"{URL}{ticket.pk}/rating", {"rating": 1})
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    events = api.get(f"{URL}{ticket.pk}/events").json()
    assert [e["verb"] for e in events][:3] == [
        "ticket.created",
        "ticket.note_public",
        "ticket.attachment_added",
    ]
