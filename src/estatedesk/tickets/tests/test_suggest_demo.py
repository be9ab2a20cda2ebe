"""Intake suggestions from the classifier (RQ-1, RQ-4, EM-1) and the demo data (every kind in every state)."""

from __future__ import annotations

import pytest

from estatedesk.core.models import Event
from estatedesk.org.enums import DepartmentKind
from estatedesk.tickets.enums import TicketKind, TicketState, Urgency
from estatedesk.tickets.models import Ticket
from estatedesk.tickets.suggest import suggest, ticket_kind_for, triage_kind
from estatedesk.triage import registry
from estatedesk.triage.classifier import TriageResult
from estatedesk.triage.emergency import EmergencyHit
from estatedesk.triage.enums import EmergencyCategory


@pytest.mark.parametrize(
    ("text", "kind", "department", "urgency"),
    [
        (
            "卫生间漏水，楼下天花板在滴水",
            TicketKind.REPAIR,
            DepartmentKind.ENGINEERING,
            Urgency.NORMAL,
        ),
        ("5栋楼道冒烟，可能着火了", TicketKind.FIRE, DepartmentKind.SECURITY, Urgency.URGENT),
        ("我家老人晕倒了", TicketKind.EMERGENCY_MEDICAL, DepartmentKind.SECURITY, Urgency.URGENT),
        ("有人在车库打架", TicketKind.SECURITY_INCIDENT, DepartmentKind.SECURITY, Urgency.URGENT),
        (
            "请问装修要办什么手续",
            TicketKind.CONSULTATION,
            DepartmentKind.ENGINEERING,
            Urgency.NORMAL,
        ),
        ("楼道垃圾两天没清", TicketKind.COMPLAINT, DepartmentKind.CLEANING, Urgency.NORMAL),
    ],
)
def test_classifier_suggests_kind_department_and_urgency_rq1_rq4_em1(
    text, kind, department, urgency
) -> None:
    found = suggest(text)
    assert found is not None
    assert (found.kind, found.department_kind, found.urgency) == (kind, department, urgency)
    assert found.model_version == registry.starter_version()


@pytest.mark.parametrize(
    ("category", "model_kind", "ticket_kind"),
    [
        (EmergencyCategory.FIRE, "disaster", TicketKind.FIRE),
        (EmergencyCategory.SMOKE, "repair", TicketKind.FIRE),
        (EmergencyCategory.GAS, "repair", TicketKind.PUBLIC_SAFETY),
        (EmergencyCategory.LIFT_TRAPPED, "security_incident", TicketKind.PUBLIC_SAFETY),
        (EmergencyCategory.FLOODING, "disaster", TicketKind.DISASTER),
        (EmergencyCategory.FIGHT, "security_incident", TicketKind.SECURITY_INCIDENT),
        (EmergencyCategory.THEFT, "security_incident", TicketKind.SECURITY_INCIDENT),
        (EmergencyCategory.INJURY, "security_incident", TicketKind.ACCIDENT),
        (EmergencyCategory.INJURY, "emergency_medical", TicketKind.EMERGENCY_MEDICAL),
        (EmergencyCategory.COLLAPSE, "repair", TicketKind.ACCIDENT),
        (EmergencyCategory.MEDICAL, "other_help", TicketKind.EMERGENCY_MEDICAL),
    ],
)
def test_emergency_category_chooses_the_em1_kind_em1(category, model_kind, ticket_kind) -> None:
    result = TriageResult(
        kind=model_kind,
        kind_confidence=0.9,
        department="security",
        department_confidence=0.9,
        severity=None,
        severity_confidence=None,
        emergency=EmergencyHit(category=category, phrase="x", source="rule", confidence=1.0),
        model_version="v",
    )
    assert ticket_kind_for(result) == ticket_kind


def test_confirmed_ticket_kinds_map_back_to_the_classifier_kinds_rq1() -> None:
    assert triage_kind(TicketKind.FIRE) == "disaster"
    assert triage_kind(TicketKind.ACCIDENT) == "security_incident"
    assert triage_kind(TicketKind.PUBLIC_SAFETY) == "security_incident"
    assert triage_kind(TicketKind.URGENT_ORDER) is None
    assert triage_kind(TicketKind.REPAIR) == "repair"


def test_no_text_no_suggestion() -> None:
    assert suggest("   ") is None


@pytest.mark.django_db
def test_demo_has_every_kind_in_every_state_through_the_services() -> None:
    from estatedesk.org.demo import seed_organisation
    from estatedesk.tickets import demo

    site = seed_organisation()
    lines = demo.seed(site=site)
    assert lines[0].startswith("工单 96 张")
    pairs = set(Ticket.objects.filter(site=site).values_list("kind", "state"))
    assert pairs == {(k, s) for k in TicketKind.values for s in TicketState.values}
    created = Event.objects.filter(verb="ticket.created", site=site).count()
    assert created == 96
    assert Ticket.objects.filter(site=site).active().exclude(next_due_at=None).exists()
    assert demo.seed(site=site) == ["工单已存在，跳过"]
    assert Ticket.objects.filter(site=site).count() == 96
