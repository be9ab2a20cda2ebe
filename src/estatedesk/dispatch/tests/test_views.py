"""The dispatcher board page, its htmx partial, the follow-up page and the review pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from estatedesk.dispatch.models import FollowUp, ReviewItem
from estatedesk.dispatch.services import review_item_assess, review_open
from estatedesk.org.tests.factories import DepartmentFactory
from estatedesk.sla.tests.factories import event, local, make_ticket

pytestmark = pytest.mark.django_db

NOW = local(2026, 11, 18, 17, 0)


@pytest.fixture
def dispatcher(site: Any, make_staff: Any) -> Any:
    return make_staff(site, "dispatcher", username="disp")


def _numbers(html: str) -> list[str]:
    return re.findall(
        r'id="ticket-\d+">\s*<td class="text-nowrap"><a href="[^"]+">([A-Z0-9]+)</a>', html
    )


def _dispatched(site: Any, at: Any, **fields: Any) -> Any:
    ticket = make_ticket(site, at=at, **fields)
    event(ticket, "ticket.dispatch", at)
    return ticket


def test_board_sorts_by_next_due_time_nulls_last_with_amber_and_red_ds3(
    client: Any, site: Any, dispatcher: Any
) -> None:
    red = _dispatched(site, local(2026, 11, 18, 14, 0))  # DS-3 due 16:00: late
    amber = _dispatched(site, local(2026, 11, 18, 15, 20))  # DS-3 warns 16:56, due 17:20
    calm = make_ticket(site, at=local(2026, 11, 18, 16, 50))  # RQ-6 due tomorrow
    no_clock = make_ticket(site, at=local(2026, 11, 18, 9, 0), kind="fire")
    closed = make_ticket(site, at=local(2026, 11, 18, 9, 0), state="closed")
    client.force_login(dispatcher)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("dispatch:board"))
    html = response.content.decode()
    assert response.status_code == 200
    assert _numbers(html) == [red.number, amber.number, calm.number, no_clock.number]
    assert closed.number not in html
    assert f'class="row-red" id="ticket-{red.pk}"' in html
    assert f'class="row-amber" id="ticket-{amber.pk}"' in html
    assert f'class="" id="ticket-{calm.pk}"' in html
    assert 'data-due="2026-11-18T16:00:00+08:00"' in html
    assert 'hx-trigger="every 30s"' in html
    assert "已超时 1" in html


def test_board_htmx_request_gets_the_rows_only(client: Any, site: Any, dispatcher: Any) -> None:
    make_ticket(site, at=local(2026, 11, 18, 9, 0))
    client.force_login(dispatcher)
    response = client.get(reverse("dispatch:board"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.startswith('<div id="board"')
    assert "<html" not in html


def test_board_filters_department_kind_and_mine(
    client: Any, site: Any, dispatcher: Any, make_staff: Any
) -> None:
    engineering = DepartmentFactory(site=site, kind="engineering")
    cleaning = DepartmentFactory(site=site, kind="cleaning")
    repair = make_ticket(site, at=local(2026, 11, 18, 9, 0), department=engineering)
    litter = make_ticket(site, at=local(2026, 11, 18, 9, 5), department=cleaning, kind="other_help")
    mine = make_ticket(site, at=local(2026, 11, 18, 9, 10), receiver=dispatcher)
    client.force_login(dispatcher)
    url = reverse("dispatch:board")
    assert _numbers(client.get(url, {"department": engineering.pk}).content.decode()) == [
        repair.number
    ]
    assert _numbers(client.get(url, {"kind": "other_help"}).content.decode()) == [litter.number]
    assert _numbers(client.get(url, {"mine": "on"}).content.decode()) == [mine.number]


def test_board_shows_only_the_users_sites(
    client: Any, site: Any, other_site: Any, dispatcher: Any
) -> None:
    theirs = make_ticket(other_site, at=local(2026, 11, 18, 9, 0))
    client.force_login(dispatcher)
    html = client.get(reverse("dispatch:board")).content.decode()
    assert theirs.number not in html
    assert "没有未结工单" in html


def test_board_refuses_workers_and_residents(client: Any, site: Any, make_staff: Any) -> None:
    client.force_login(make_staff(site, "dept_staff", department_kind="engineering"))
    assert client.get(reverse("dispatch:board")).status_code == 403


def test_board_query_count_same_for_1_and_20_rows(client: Any, site: Any, dispatcher: Any) -> None:
    client.force_login(dispatcher)
    url = reverse("dispatch:board")
    counts = []
    for rows in (1, 20):
        while len(_numbers(client.get(url).content.decode())) < rows:
            _dispatched(site, local(2026, 11, 18, 10, 0), department=DepartmentFactory(site=site))
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert len(_numbers(response.content.decode())) == rows
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_followup_page_records_and_returns_to_board_ds3(
    client: Any, site: Any, dispatcher: Any
) -> None:
    ticket = _dispatched(site, local(2026, 11, 18, 9, 0))
    client.force_login(dispatcher)
    url = reverse("dispatch:followup", args=[ticket.pk])
    page = client.get(url, {"which": "ds3", "next": "/dispatch/?kind=repair"})
    assert page.status_code == 200
    assert 'value="ds3" selected' in page.content.decode()
    response = client.post(
        url,
        {
            "which": "ds3",
            "arranged": "on",
            "note": "已确认 10:30 上门",
            "next": "/dispatch/?kind=repair",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/dispatch/?kind=repair"
    assert FollowUp.objects.get(ticket=ticket).note == "已确认 10:30 上门"


def test_followup_bad_input_keeps_what_was_typed(client: Any, site: Any, dispatcher: Any) -> None:
    ticket = _dispatched(site, local(2026, 11, 18, 9, 0))
    client.force_login(dispatcher)
    response = client.post(
        reverse("dispatch:followup", args=[ticket.pk]),
        {"which": "nonsense", "note": "住户不在家", "next": "https://evil.example/"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "住户不在家" in html
    assert "evil.example" not in html
    assert not FollowUp.objects.exists()


def test_followup_page_of_other_site_is_404(
    client: Any, site: Any, other_site: Any, dispatcher: Any
) -> None:
    ticket = make_ticket(other_site, at=local(2026, 11, 18, 9, 0))
    client.force_login(dispatcher)
    assert client.get(reverse("dispatch:followup", args=[ticket.pk])).status_code == 404


def test_review_pages_flow_ds6(client: Any, site: Any, dispatcher: Any, make_staff: Any) -> None:
    case = make_ticket(site, at=local(2026, 11, 17, 10, 0))
    manager = make_staff(site, "site_manager", username="mgr")
    client.force_login(dispatcher)
    with time_machine.travel(local(2026, 11, 23, 9, 0), tick=True):
        opened = client.post(reverse("dispatch:review_open"), {"site": site.pk})
        assert opened.status_code == 302
        item = ReviewItem.objects.get(ticket=case)
        listing = client.get(reverse("dispatch:reviews")).content.decode()
        assert "2026-11-16" in listing
        bad = client.post(
            reverse("dispatch:item_assess", args=[item.pk]),
            {f"i{item.pk}-verdict": "cannot_handle", f"i{item.pk}-note": ""},
        )
        assert bad.status_code == 400
        assert "无法处理的工单请说明原因" in bad.content.decode()
        review_item_assess(
            item_id=item.pk, verdict="cannot_handle", note="业主拒绝入户", actor=dispatcher
        )
        client.force_login(manager)
        confirm = client.post(
            reverse("dispatch:item_confirm", args=[item.pk]),
            {f"c{item.pk}-new_approach": "请业委会协调入户"},
        )
        assert confirm.status_code == 302
        detail = client.get(reverse("dispatch:review", args=[item.review_id])).content.decode()
    assert "请业委会协调入户" in detail


def test_review_of_other_site_is_404(
    client: Any, site: Any, other_site: Any, make_staff: Any
) -> None:
    review = review_open(site_id=other_site.pk, actor=None)
    client.force_login(make_staff(site, "dispatcher"))
    assert client.get(reverse("dispatch:review", args=[review.pk])).status_code == 404
