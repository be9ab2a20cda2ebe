"""What the intake screen and the portal suggest for a report: the triage classifier's kind,
department and emergency, mapped onto ticket kinds (RQ-1, RQ-4, EM-1). The receiver decides;
the suggestion only pre-fills the form.

The classifier knows the eight RQ-1 kinds. The EM-1 kinds it never suggests (fire, public
safety, accident, urgent order) come from the emergency detector's category instead; and a
confirmed ticket kind maps back onto the RQ-1 kind the classifier learns from
(``triage_kind``).
"""

from __future__ import annotations

from dataclasses import dataclass

from estatedesk.org.enums import DepartmentKind
from estatedesk.org.models import Site
from estatedesk.tickets.enums import SPECIAL_KINDS, TicketKind, Urgency
from estatedesk.triage import services as triage
from estatedesk.triage.enums import EmergencyCategory, Kind, Severity

# EM-1: which emergency kind each detector category opens. Collapse and injury are a
# personal-injury accident unless the classifier reads the report as a patient (急救病人).
EMERGENCY_KINDS: dict[str, str] = {
    EmergencyCategory.FIRE: TicketKind.FIRE,
    EmergencyCategory.SMOKE: TicketKind.FIRE,
    EmergencyCategory.GAS: TicketKind.PUBLIC_SAFETY,
    EmergencyCategory.ELECTRIC: TicketKind.PUBLIC_SAFETY,
    EmergencyCategory.LIFT_TRAPPED: TicketKind.PUBLIC_SAFETY,
    EmergencyCategory.FLOODING: TicketKind.DISASTER,
    EmergencyCategory.FIGHT: TicketKind.SECURITY_INCIDENT,
    EmergencyCategory.THEFT: TicketKind.SECURITY_INCIDENT,
    EmergencyCategory.COLLAPSE: TicketKind.ACCIDENT,
    EmergencyCategory.INJURY: TicketKind.ACCIDENT,
    EmergencyCategory.MEDICAL: TicketKind.EMERGENCY_MEDICAL,
}
_PATIENT_CATEGORIES = frozenset({EmergencyCategory.COLLAPSE, EmergencyCategory.INJURY})

# A confirmed ticket kind as the RQ-1 kind the classifier learns (RQ-1 counts fire among the
# disasters, accidents and public-safety events among the security incidents). An urgent
# order from leadership is no resident's report: it teaches nothing.
TRIAGE_KIND_OF: dict[str, str | None] = {
    **{kind: kind for kind in Kind.values},
    TicketKind.FIRE: Kind.DISASTER,
    TicketKind.PUBLIC_SAFETY: Kind.SECURITY_INCIDENT,
    TicketKind.ACCIDENT: Kind.SECURITY_INCIDENT,
    TicketKind.URGENT_ORDER: None,
}


@dataclass(frozen=True)
class IntakeSuggestion:
    """The classifier's answer for one report, in ticket terms."""

    result: triage.TriageResult
    kind: str
    department_kind: str
    urgency: str

    @property
    def kind_label(self) -> str:
        return str(TicketKind(self.kind).label)

    @property
    def department_label(self) -> str:
        return str(DepartmentKind(self.department_kind).label)

    @property
    def kind_confidence(self) -> float:
        return self.result.kind_confidence

    @property
    def department_confidence(self) -> float:
        return self.result.department_confidence

    @property
    def severity_label(self) -> str:
        severity = self.result.severity
        return str(Severity(severity).label) if severity else ""

    @property
    def emergency(self) -> triage.EmergencyHit | None:
        return self.result.emergency

    @property
    def is_emergency(self) -> bool:
        return self.result.emergency is not None

    @property
    def model_version(self) -> str:
        return self.result.model_version


def ticket_kind_for(result: triage.TriageResult) -> str:
    """The ticket kind to pre-fill: the emergency's EM-1 kind when the detector fired, else
    the classifier's RQ-1 kind (every RQ-1 kind is a ticket kind)."""
    hit = result.emergency
    if hit is None:
        return result.kind
    if hit.category in _PATIENT_CATEGORIES and result.kind == Kind.EMERGENCY_MEDICAL:
        return TicketKind.EMERGENCY_MEDICAL
    return EMERGENCY_KINDS.get(hit.category, TicketKind.SECURITY_INCIDENT)


def from_result(result: triage.TriageResult) -> IntakeSuggestion:
    kind = ticket_kind_for(result)
    urgent = kind in SPECIAL_KINDS or result.emergency is not None
    return IntakeSuggestion(
        result=result,
        kind=kind,
        department_kind=result.department,
        urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
    )


def suggest(text: str, *, site: Site | None = None, channel: str = "") -> IntakeSuggestion | None:
    """The suggestion for ``text`` from the model serving ``site``; None for an empty text.
    Writes nothing (the intake records the suggestion with the ticket it becomes)."""
    if not (text or "").strip():
        return None
    return from_result(triage.suggest(text=text, site=site, channel=channel))


def triage_kind(ticket_kind: str) -> str | None:
    """The RQ-1 kind a confirmed ticket kind teaches the classifier (None: nothing)."""
    return TRIAGE_KIND_OF.get(ticket_kind)
