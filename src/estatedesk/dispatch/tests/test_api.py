"""Dispatch API: board rows in board order with the page's filters, follow-ups."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from estatedesk.dispatch.models import FollowUp
from estatedesk.sla.tests.factories import event, local, make_ticket

pytestmark = pytest.mark.django_db

BOARD = "/api/v1/dispatch/board"


@pytest.fixture
def dispatcher(site: Any, make_staff: Any) -> Any:
    return make_staff(site, "dispatcher", username="disp")


def test_board_api_same_order_as_page_nulls_last(
    client: Any, site: Any, other_site: Any, dispatcher: Any
) -> None:
    later = make_ticket(site, at=local(2026, 11, 18, 12, 0))
    sooner = make_ticket(site, at=local(2026, 11, 18, 9, 0))
    event(sooner, "ticket.dispatch", local(2026, 11, 18, 9, 0))
    none = make_ticket(site, at=local(2026, 11, 18, 8, 0), kind="fire")
    make_ticket(other_site, at=local(2026, 11, 18, 8, 0))
    client.force_login(dispatcher)
    body = client.get(BOARD).json()
    assert [row["number"] for row in body["items"]] == [sooner.number, later.number, none.number]
    assert body["next_offset"] is None
    assert body["items"][0]["next_due_at"] == "2026-11-18T03:00:00Z"  # DS-3, 11:00 local
    assert body["items"][2]["next_due_at"] is None
    assert set(body["items"][0]) == {
        "id",
        "number",
        "site_id",
        "kind",
        "state",
        "urgency",
        "department_id",
        "assignee_id",
        "description",
        "received_at",
        "next_due_at",
    }


def test_board_api_pages_with_offset_and_filters(client: Any, site: Any, dispatcher: Any) -> None:
    tickets = [make_ticket(site, at=local(2026, 11, 18, 9, n)) for n in range(3)]
    make_ticket(site, at=local(2026, 11, 18, 9, 5), kind="consultation")
    client.force_login(dispatcher)
    first = client.get(BOARD, {"limit": 2, "kind": "repair"}).json()
    assert [r["id"] for r in first["items"]] == [tickets[0].pk, tickets[1].pk]
    assert first["next_offset"] == 2
    second = client.get(BOARD, {"limit": 2, "kind": "repair", "offset": 2}).json()
    assert [r["id"] for r in second["items"]] == [tickets[2].pk]


def test_board_api_query_count_same_for_1_and_20_rows(
    client: Any, site: Any, dispatcher: Any
) -> None:
    client.force_login(dispatcher)
    counts = []
    for rows in (1, 20):
        while len(client.get(BOARD).json()["items"]) < rows:
            make_ticket(site, at=local(2026, 11, 18, 9, 0))
        with CaptureQueriesContext(connection) as ctx:
            assert len(client.get(BOARD).json()["items"]) == rows
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_board_api_refuses_non_desk_staff(client: Any, site: Any, make_staff: Any) -> None:
    client.force_login(make_staff(site, "dept_staff", department_kind="cleaning"))
    response = client.get(BOARD)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_followup_api_creates_and_meets_clock_ds4(client: Any, site: Any, dispatcher: Any) -> None:
    ticket = make_ticket(site, at=local(2026, 11, 18, 9, 0))
    event(ticket, "ticket.dispatch", local(2026, 11, 18, 9, 0))
    client.force_login(dispatcher)
    with time_machine.travel(local(2026, 11, 18, 16, 0), tick=False):
        response = client.post(
            f"/api/v1/dispatch/tickets/{ticket.pk}/followups",
            {"which": "ds4", "arranged": True, "note": "明早 9 点更换水泵"},
            content_type="application/json",
        )
    assert response.status_code == 201
    assert response.json()["which"] == "ds4"
    assert ticket.clocks.get(kind="followup_second").met_at == local(2026, 11, 18, 16, 0)
    listed = client.get(f"/api/v1/dispatch/tickets/{ticket.pk}/followups").json()
    assert [f["note"] for f in listed] == ["明早 9 点更换水泵"]


def test_followup_api_bad_input_is_json_error_and_changes_nothing(
    client: Any, site: Any, dispatcher: Any
) -> None:
    ticket = make_ticket(site, at=local(2026, 11, 18, 9, 0))
    client.force_login(dispatcher)
    response = client.post(
        f"/api/v1/dispatch/tickets/{ticket.pk}/followups",
        {"which": "ds9", "note": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not FollowUp.objects.exists()
