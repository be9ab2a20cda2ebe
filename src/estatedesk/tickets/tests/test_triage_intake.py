"""The classifier at the intake desk: pre-filled kind and department (RQ-1, RQ-4), the
suggestion stored with the ticket and confirmed or corrected by what staff choose, and the
emergency detector sending the call to the emergency playbook (EM-1, EM-2)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from estatedesk.core import clock
from estatedesk.core.errors import PermissionDenied, ValidationFailed
from estatedesk.core.events import for_subject
from estatedesk.org.enums import DepartmentKind
from estatedesk.org.tests.factories import DepartmentFactory
from estatedesk.tickets import services
from estatedesk.tickets.enums import TicketKind, TicketState, Urgency
from estatedesk.tickets.models import Ticket
from estatedesk.tickets.tests.helpers import act
from estatedesk.triage import registry
from estatedesk.triage.models import Suggestion

pytestmark = pytest.mark.django_db

LEAK = "卫生间漏水，楼下天花板在滴水"
FIRE = "5栋楼道冒烟，可能着火了"


@pytest.fixture
def desk(client: Any, assistant: Any) -> Any:
    client.force_login(assistant)
    return client


@pytest.fixture
def security(site: Any) -> Any:
    return DepartmentFactory(site=site, kind=DepartmentKind.SECURITY)


def _intake(site: Any, **fields: Any) -> dict[str, Any]:
    data = {
        "site": site.pk,
        "channel": "hotline",
        "reporter_phone": "13912345678",
        "reporter_name": "张先生",
        "description": LEAK,
        "kind": "repair",
        "received_at": clock.localtime().strftime("%Y-%m-%dT%H:%M"),
    }
    data.update(fields)
    return data


def test_intake_prefills_the_classifiers_kind_and_department_rq1_rq4(
    desk: Any, site: Any, engineering: Any
) -> None:
    response = desk.get("/tickets/new/suggest/", {"description": LEAK, "site": site.pk})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="suggestion-box"' in body
    assert '"id_kind": "repair"' in body and '"id_urgency": "normal"' in body
    assert f'"id_department": "{engineering.pk}"' in body
    assert registry.starter_version() in body
    assert "HX-Trigger" not in response.headers
    assert Suggestion.objects.count() == 0  # typing records nothing


def test_intake_stores_the_suggestion_and_the_dispatch_confirms_it_rq4(
    desk: Any, site: Any, engineering: Any, assistant: Any
) -> None:
    response = desk.post("/tickets/new/", _intake(site, kind="repair", department=engineering.pk))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.state == TicketState.DISPATCHED
    suggestion = Suggestion.objects.get(ticket=ticket)
    assert (suggestion.kind, suggestion.department) == ("repair", "engineering")
    assert suggestion.model_version == registry.starter_version()
    assert suggestion.channel == "hotline"
    assert (suggestion.confirmed_kind, suggestion.confirmed_department) == (
        "repair",
        "engineering",
    )
    assert suggestion.confirmed_by == assistant
    assert not suggestion.is_corrected
    assert [e.verb for e in for_subject(suggestion)] == ["triage.suggested", "triage.confirmed"]
    detail = desk.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'id="triage-suggestion"' in detail and "已确认" in detail


def test_a_different_choice_at_intake_corrects_the_suggestion(
    desk: Any, site: Any, security: Any
) -> None:
    desk.post("/tickets/new/", _intake(site, kind="other_help", department=security.pk))
    suggestion = Suggestion.objects.get()
    assert (suggestion.confirmed_kind, suggestion.confirmed_department) == (
        "other_help",
        "security",
    )
    assert suggestion.is_corrected
    event = for_subject(suggestion).get(verb="triage.confirmed")
    assert event.data["corrected"] is True


def test_without_a_department_the_later_dispatch_confirms_rq4(
    desk: Any, site: Any, engineering: Any, dispatcher: Any
) -> None:
    desk.post("/tickets/new/", _intake(site))
    ticket = Ticket.objects.get()
    suggestion = Suggestion.objects.get(ticket=ticket)
    assert suggestion.confirmed_at is None
    act(ticket, "dispatch", dispatcher, department_id=engineering.pk)
    suggestion.refresh_from_db()
    assert (suggestion.confirmed_kind, suggestion.confirmed_department) == (
        "repair",
        "engineering",
    )
    assert suggestion.confirmed_by == dispatcher


def test_a_corrected_kind_corrects_the_suggestion_rq1(
    site: Any, make_ticket: Any, assistant: Any, engineering: Any
) -> None:
    ticket = services.intake_submit(
        site=site,
        actor=assistant,
        ticket_fields={
            "kind": TicketKind.REPAIR,
            "channel": "hotline",
            "description": "请问物业费可以用微信交吗",
            "reporter_name": "李女士",
            "reporter_phone": "13800001111",
        },
        department=engineering,
    )
    ticket.refresh_from_db()
    services.ticket_update(
        ticket_id=ticket.pk,
        actor=assistant,
        expected_version=ticket.version,
        changes={"kind": TicketKind.CONSULTATION},
    )
    ticket.refresh_from_db()
    assert ticket.kind == TicketKind.CONSULTATION
    assert ticket.consultation.mode == "oral"
    suggestion = Suggestion.objects.get(ticket=ticket)
    assert (suggestion.confirmed_kind, suggestion.confirmed_department) == (
        "consultation",
        "engineering",
    )


def test_kind_is_not_corrected_into_a_special_kind_em1(
    site: Any, make_ticket: Any, assistant: Any
) -> None:
    ticket = make_ticket()
    with pytest.raises(ValidationFailed) as caught:
        services.ticket_update(
            ticket_id=ticket.pk,
            actor=assistant,
            expected_version=ticket.version,
            changes={"kind": TicketKind.FIRE},
        )
    assert caught.value.code == "special_kind"
    ticket.refresh_from_db()
    assert ticket.kind == TicketKind.REPAIR


def test_an_emergency_text_on_intake_points_to_the_emergency_page_em1(desk: Any, site: Any) -> None:
    response = desk.get(
        "/tickets/new/suggest/", {"description": FIRE, "site": site.pk, "channel": "hotline"}
    )
    body = response.content.decode()
    assert response.headers["HX-Trigger"] == "intakeEmergency"
    assert 'id="emergency-box"' in body and "紧急情况：火情" in body
    assert 'action="/tickets/new/emergency/"' in body
    assert Suggestion.objects.count() == 0
    # The panel's button logs the suggestion and opens the emergencies intake pre-filled.
    go = desk.post(
        "/tickets/new/emergency/", {"site": site.pk, "description": FIRE, "channel": "hotline"}
    )
    assert go.status_code == 302
    url = urlsplit(go["Location"])
    assert url.path == "/emergencies/new/"
    assert parse_qs(url.query) == {"kind": ["fire"], "description": [FIRE]}
    suggestion = Suggestion.objects.get()
    assert (suggestion.emergency_category, suggestion.ticket) == ("fire", None)
    event = for_subject(suggestion).get()
    assert event.verb == "triage.suggested"
    assert event.after["emergency"] == "fire"
    assert Ticket.objects.count() == 0


def test_submitting_an_emergency_text_goes_to_the_playbook_not_a_ticket_em1(
    desk: Any, site: Any
) -> None:
    response = desk.post("/tickets/new/", _intake(site, description=FIRE, kind="repair"))
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert url.path == "/emergencies/new/"
    assert parse_qs(url.query)["kind"] == ["fire"]
    assert Ticket.objects.count() == 0
    assert Suggestion.objects.get().emergency_category == "fire"
    page = desk.get(response["Location"])
    assert page.status_code == 200
    assert FIRE in page.content.decode()  # the emergencies form is pre-filled


def test_checked_not_an_emergency_registers_an_everyday_ticket_em1(desk: Any, site: Any) -> None:
    text = "上个月楼道着火的事，想问问物业后来怎么处理的"
    response = desk.post(
        "/tickets/new/", _intake(site, description=text, kind="consultation", not_emergency="on")
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.kind, ticket.urgency) == (TicketKind.CONSULTATION, Urgency.NORMAL)
    assert Suggestion.objects.get().ticket == ticket


def test_emergency_divert_needs_the_cs_desk(site: Any, plumber: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.intake_emergency_divert(site=site, actor=plumber, description=FIRE)
    assert Suggestion.objects.count() == 0
