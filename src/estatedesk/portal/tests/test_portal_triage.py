"""The resident only describes: the classifier suggests the kind (RQ-1) and department (RQ-4),
recorded for the dispatcher to confirm; an emergency-looking report shows the hotline and
tells the dispatchers at once (EM-1, EM-2)."""

from __future__ import annotations

from typing import Any

import pytest

from estatedesk.notify.models import Notification
from estatedesk.org.enums import DepartmentKind, Role
from estatedesk.org.tests.factories import (
    BuildingFactory,
    DepartmentFactory,
    ResidentFactory,
    UnitFactory,
)
from estatedesk.portal.tests.test_portal import sign_in
from estatedesk.tickets import services as ticket_services
from estatedesk.tickets.enums import Channel, TicketKind, Urgency
from estatedesk.tickets.models import Ticket
from estatedesk.triage import registry
from estatedesk.triage.models import Suggestion

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(site: Any) -> Any:
    return UnitFactory(building=BuildingFactory(site=site, name="2栋"), number="801")


@pytest.fixture
def owner(site: Any, unit: Any) -> Any:
    return ResidentFactory(site=site, name="吴女士", phone="13800138000", unit=unit)


def test_report_form_has_no_kind_picker_rq1(client: Any, owner: Any) -> None:
    sign_in(client, "13800138000")
    body = client.get("/r/new/").content.decode()
    assert 'name="kind"' not in body
    assert 'name="description"' in body


def test_portal_report_without_kind_gets_the_suggested_kind_rq1_rq4(
    client: Any, owner: Any, unit: Any, site: Any, make_staff: Any
) -> None:
    dispatcher = make_staff(site, Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE)
    engineering = DepartmentFactory(site=site, kind=DepartmentKind.ENGINEERING)
    sign_in(client, "13800138000")
    response = client.post("/r/new/", {"unit": unit.pk, "description": "厨房水管漏水，地上都湿了"})
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/r/t/{ticket.pk}/"
    assert (ticket.kind, ticket.channel, ticket.urgency) == (
        TicketKind.REPAIR,
        Channel.ONLINE,
        Urgency.NORMAL,
    )
    suggestion = Suggestion.objects.get(ticket=ticket)
    assert (suggestion.kind, suggestion.department, suggestion.channel) == (
        "repair",
        "engineering",
        "online",
    )
    assert suggestion.model_version == registry.starter_version()
    assert suggestion.confirmed_at is None  # the dispatcher confirms
    assert not Notification.objects.filter(topic="ticket.online_emergency").exists()
    ticket_services.ticket_transition(
        ticket_id=ticket.pk,
        action="dispatch",
        actor=dispatcher,
        payload={"department_id": engineering.pk},
    )
    suggestion.refresh_from_db()
    assert (suggestion.confirmed_kind, suggestion.confirmed_department) == (
        "repair",
        "engineering",
    )
    assert 'id="hotline-card"' not in client.get(f"/r/t/{ticket.pk}/").content.decode()


def test_emergency_looking_report_shows_the_hotline_and_tells_dispatchers_at_once_em2(
    client: Any, owner: Any, unit: Any, site: Any, make_staff: Any
) -> None:
    site.phone = "0755-88886666"
    site.save(update_fields=["phone"])
    dispatcher = make_staff(site, Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE)
    sign_in(client, "13800138000")
    response = client.post(
        "/r/new/", {"unit": unit.pk, "description": "楼道里好大的烟，好像着火了"}
    )
    ticket = Ticket.objects.get()
    assert ticket.urgency == Urgency.URGENT
    assert ticket.kind in {TicketKind.REPAIR, TicketKind.OTHER_HELP, TicketKind.COMPLAINT}
    assert Suggestion.objects.get(ticket=ticket).emergency_category == "fire"
    urgent = Notification.objects.filter(user=dispatcher, topic="ticket.online_emergency")
    assert list(urgent.values_list("channel", flat=True)) == ["inapp"]  # no phone on file: in-app
    assert urgent.get().title == f"【紧急】住户在线报事 {ticket.number}：火情"
    page = client.get(response["Location"]).content.decode()
    assert 'id="hotline-card"' in page
    assert 'href="tel:0755-88886666"' in page and "已通知值班调度员" in page
