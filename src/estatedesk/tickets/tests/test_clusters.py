"""Duplicate clusters: several reports of one incident ("3栋停水", "三号楼没水了") join the
earliest open report as its parent; the parent's public progress reaches every linked
reporter (RQ-9); the board reads one row per incident with a count (cluster_counts)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from estatedesk.core.errors import ValidationFailed
from estatedesk.core.events import for_subject
from estatedesk.notify.models import Notification
from estatedesk.org.tests.factories import BuildingFactory, SiteFactory, UnitFactory
from estatedesk.tickets import selectors, services
from estatedesk.tickets.enums import TicketState
from estatedesk.tickets.models import Ticket
from estatedesk.tickets.tests.helpers import act

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


@pytest.fixture
def building3(site: Any) -> Any:
    return BuildingFactory(site=site, name="3栋")


def _unit(building: Any, number: str) -> Any:
    return building.units.filter(number=number).first() or UnitFactory(
        building=building, number=number
    )


def _report(make_ticket: Any, text: str, unit: Any, phone: str, **extra: Any) -> Any:
    return make_ticket(description=text, unit=unit, reporter_phone=phone, **extra)


def test_three_reports_of_one_outage_form_a_cluster_and_a_parent_update_reaches_all_rq9(
    site: Any, make_ticket: Any, building3: Any, assistant: Any, engineering: Any, plumber: Any
) -> None:
    with time_machine.travel(MONDAY, tick=False):
        first = _report(make_ticket, "3栋停水", _unit(building3, "1201"), "13900000001")
    with time_machine.travel(MONDAY + dt.timedelta(minutes=20), tick=False):
        offers = selectors.similar_open_tickets(
            site_id=site.pk, text="三号楼没水了", unit=_unit(building3, "502")
        )
        assert [(t.pk, round(score, 2)) for t, score in offers] == [(first.pk, 1.0)]
        second = _report(
            make_ticket,
            "三号楼没水了",
            _unit(building3, "502"),
            "13900000002",
            parent=first,
            cluster=True,
        )
    with time_machine.travel(MONDAY + dt.timedelta(minutes=40), tick=False):
        third = _report(make_ticket, "3号楼怎么又停水了啊", _unit(building3, "803"), "13900000003")
        # Offered the incident: joining through the second report links to its parent.
        [(offered, _score)] = selectors.similar_open_tickets(
            site_id=site.pk, text=third.description, unit=third.unit, exclude_id=third.pk
        )
        assert offered.pk == first.pk
        services.ticket_join_incident(ticket_id=third.pk, parent_id=second.pk, actor=assistant)
    third.refresh_from_db()
    second.refresh_from_db()
    assert (second.parent_id, third.parent_id) == (first.pk, first.pk)
    assert second.cluster_joined_at is not None and third.cluster_joined_at is not None
    assert selectors.cluster_counts([first.pk, second.pk, third.pk]) == {first.pk: 2}
    assert [t.pk for t in selectors.cluster_children(first)] == [second.pk, third.pk]
    assert for_subject(third).get(verb="ticket.joined_incident").data["number"] == first.number
    assert list(
        for_subject(first)
        .filter(verb="ticket.incident_report_added")
        .values_list("data__number", flat=True)
    ) == [second.number, third.number]

    act(first, "dispatch", assistant, department_id=engineering.pk, assignee_id=plumber.pk)
    Notification.objects.all().delete()
    services.note_add(
        ticket_id=first.pk, actor=plumber, body="水泵故障，预计 14:00 恢复供水", is_public=True
    )
    notes = Notification.objects.filter(topic="ticket.note", channel="sms")
    assert sorted(notes.values_list("phone", flat=True)) == [
        "13900000001",
        "13900000002",
        "13900000003",
    ]
    assert set(notes.values_list("body", flat=True)) == {"水泵故障，预计 14:00 恢复供水"}

    act(first, "start", plumber)
    act(first, "complete", plumber, note="已更换水泵，恢复供水")
    done = Notification.objects.filter(topic="ticket.completed", channel="sms")
    assert sorted(done.values_list("phone", flat=True)) == [
        "13900000001",
        "13900000002",
        "13900000003",
    ]


def test_a_reporter_who_called_twice_is_told_once(
    site: Any, make_ticket: Any, building3: Any, plumber: Any
) -> None:
    first = _report(make_ticket, "3栋停水", _unit(building3, "1201"), "13900000001")
    for n in (2, 3):
        _report(
            make_ticket,
            "3栋停水了",
            _unit(building3, "1201"),
            "13900000009",
            parent=first,
            cluster=True,
        )
        assert n
    services.note_add(ticket_id=first.pk, actor=plumber, body="正在抢修", is_public=True)
    phones = Notification.objects.filter(topic="ticket.note").values_list("phone", flat=True)
    assert sorted(phones) == ["13900000001", "13900000009"]


def test_other_buildings_and_old_or_closed_reports_are_not_offered(
    site: Any, make_ticket: Any, building3: Any, dispatcher: Any, supervisor: Any
) -> None:
    building5 = BuildingFactory(site=site, name="5栋")
    with time_machine.travel(MONDAY - dt.timedelta(hours=49), tick=False):
        _report(make_ticket, "3栋停水", _unit(building3, "101"), "13900000001")
    with time_machine.travel(MONDAY, tick=False):
        _report(make_ticket, "3栋停水", _unit(building5, "101"), "13900000002")
        cancelled = _report(make_ticket, "3栋停水", _unit(building3, "102"), "13900000003")
        act(cancelled, "cancel", supervisor, cancel_kind="duplicate", reason="重复登记")
        assert (
            selectors.similar_open_tickets(
                site_id=site.pk, text="三号楼没水了", unit=_unit(building3, "502")
            )
            == []
        )


def test_joining_is_refused_across_sites_and_for_a_parent_with_reports(
    site: Any, make_ticket: Any, building3: Any, assistant: Any
) -> None:
    first = _report(make_ticket, "3栋停水", _unit(building3, "1201"), "13900000001")
    second = _report(
        make_ticket, "3栋没水", _unit(building3, "502"), "13900000002", parent=first, cluster=True
    )
    other = _report(make_ticket, "3栋停水", _unit(building3, "803"), "13900000003")
    with pytest.raises(ValidationFailed) as caught:
        services.ticket_join_incident(ticket_id=first.pk, parent_id=other.pk, actor=assistant)
    assert caught.value.code == "is_parent"
    stranger_site = SiteFactory(code="OTH")
    stranger = Ticket.objects.create(
        site=stranger_site,
        number="OTH0001",
        kind="repair",
        channel="hotline",
        description="停水",
        reporter_name="王",
        received_at=MONDAY,
        created_at=MONDAY,
        updated_at=MONDAY,
    )
    with pytest.raises(ValidationFailed) as caught:
        services.ticket_join_incident(ticket_id=other.pk, parent_id=stranger.pk, actor=assistant)
    assert caught.value.code == "other_site"
    other.refresh_from_db()
    first.refresh_from_db()
    assert (other.parent_id, first.parent_id) == (None, None)
    services.ticket_leave_incident(ticket_id=second.pk, actor=assistant)
    second.refresh_from_db()
    assert (second.parent_id, second.cluster_joined_at) == (None, None)
    assert selectors.cluster_counts([first.pk]) == {}


def test_emergency_sub_tickets_are_not_clusters(site: Any, make_ticket: Any) -> None:
    emergency = make_ticket(description="3栋停水")
    make_ticket(description="领导指示：3栋停水抢修", parent=emergency, channel="internal")
    assert selectors.cluster_counts([emergency.pk]) == {}


def test_cluster_counts_query_count_is_the_same_for_1_and_20_parents(
    site: Any, make_ticket: Any
) -> None:
    def parents(n: int) -> list[int]:
        ids = []
        for _ in range(n):
            parent = make_ticket(description="3栋停水")
            make_ticket(description="3栋没水", parent=parent, cluster=True)
            ids.append(parent.pk)
        return ids

    one = parents(1)
    with CaptureQueriesContext(connection) as first:
        assert selectors.cluster_counts(one) == {one[0]: 1}
    twenty = parents(20)
    with CaptureQueriesContext(connection) as second:
        assert selectors.cluster_counts(twenty) == dict.fromkeys(twenty, 1)
    assert len(first.captured_queries) == len(second.captured_queries) == 1


def test_intake_joins_the_chosen_incident_and_the_detail_page_shows_it(
    client: Any, site: Any, make_ticket: Any, building3: Any, assistant: Any
) -> None:
    from estatedesk.core import clock

    _unit(building3, "1201")
    _unit(building3, "502")
    first = _report(make_ticket, "3栋停水", building3.units.get(number="1201"), "13900000001")
    client.force_login(assistant)
    panel = client.get(
        "/tickets/new/suggest/",
        {"description": "三号楼没水了", "site": site.pk, "unit_label": "3栋-502"},
    ).content.decode()
    assert 'id="similar-box"' in panel and first.number in panel
    assert f'"id_parent": "{first.pk}"' in panel
    response = client.post(
        "/tickets/new/",
        {
            "site": site.pk,
            "channel": "hotline",
            "reporter_phone": "13900000002",
            "reporter_name": "李女士",
            "unit_label": "3栋-502",
            "description": "三号楼没水了",
            "kind": "repair",
            "received_at": clock.localtime().strftime("%Y-%m-%dT%H:%M"),
            "parent": first.pk,
        },
    )
    assert response.status_code == 302
    child = Ticket.objects.get(reporter_phone="13900000002")
    assert (child.parent_id, child.state) == (first.pk, TicketState.RECEIVED)
    assert child.in_cluster
    body = client.get(f"/tickets/{first.pk}/").content.decode()
    assert 'id="incident-children"' in body and child.number in body


def test_the_board_shows_an_open_incident_as_one_row_with_a_count(
    client: Any, site: Any, make_ticket: Any, building3: Any, dispatcher: Any, supervisor: Any
) -> None:
    first = _report(make_ticket, "3栋停水", _unit(building3, "1201"), "13900000001")
    second = _report(
        make_ticket,
        "三号楼没水了",
        _unit(building3, "502"),
        "13900000002",
        parent=first,
        cluster=True,
    )
    third = _report(
        make_ticket,
        "3号楼停水",
        _unit(building3, "803"),
        "13900000003",
        parent=first,
        cluster=True,
    )
    client.force_login(dispatcher)
    body = client.get("/dispatch/").content.decode()
    assert f'id="ticket-{first.pk}"' in body and 'id="cluster-count-' in body
    assert f'id="cluster-count-{first.pk}"' in body and ">+2</span>" in body
    assert f'id="ticket-{second.pk}"' not in body and f'id="ticket-{third.pk}"' not in body
    # Once the incident's parent is finished, the joined reports are listed to be closed.
    act(first, "cancel", supervisor, cancel_kind="withdrawn", reason="已恢复供水")
    body = client.get("/dispatch/").content.decode()
    assert f'id="ticket-{second.pk}"' in body and f'id="ticket-{third.pk}"' in body
    assert 'id="cluster-count-' not in body
