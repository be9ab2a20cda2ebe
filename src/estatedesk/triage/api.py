"""Triage API: suggest kind/department/severity for a report (recorded with its model
version) and confirm or correct a suggestion. Staff only, checked per site."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from estatedesk.org import roles
from estatedesk.org.selectors import get_site_for_user
from estatedesk.triage import selectors, services
from estatedesk.triage.models import Suggestion

router = Router(tags=["triage"])


class SuggestIn(Schema):
    text: str = Field(..., max_length=services.MAX_TEXT_CHARS)
    channel: str = Field("", max_length=20)
    site_id: int


class EmergencyOut(Schema):
    category: str
    label: str
    phrase: str
    source: str
    confidence: float | None


class SuggestionOut(Schema):
    id: int
    site_id: int
    text: str
    channel: str
    kind: str
    kind_label: str
    kind_confidence: float
    department: str
    department_label: str
    department_confidence: float
    severity: str | None
    severity_confidence: float | None
    emergency: EmergencyOut | None
    model_version: str
    created_at: dt.datetime
    confirmed_kind: str | None
    confirmed_department: str | None
    confirmed_severity: str | None
    confirmed_at: dt.datetime | None


def _out(suggestion: Suggestion) -> SuggestionOut:
    emergency = None
    if suggestion.emergency_category:
        emergency = EmergencyOut(
            category=suggestion.emergency_category,
            label=suggestion.get_emergency_category_display(),
            phrase=suggestion.emergency_phrase,
            source=suggestion.emergency_source,
            confidence=suggestion.emergency_confidence,
        )
    return SuggestionOut(
        id=suggestion.pk,
        site_id=suggestion.site_id,
        text=suggestion.text,
        channel=suggestion.channel,
        kind=suggestion.kind,
        kind_label=suggestion.get_kind_display(),
        kind_confidence=suggestion.kind_confidence,
        department=suggestion.department,
        department_label=suggestion.get_department_display(),
        department_confidence=suggestion.department_confidence,
        severity=suggestion.severity or None,
        severity_confidence=suggestion.severity_confidence,
        emergency=emergency,
        model_version=suggestion.model_version,
        created_at=suggestion.created_at,
        confirmed_kind=suggestion.confirmed_kind or None,
        confirmed_department=suggestion.confirmed_department or None,
        confirmed_severity=suggestion.confirmed_severity or None,
        confirmed_at=suggestion.confirmed_at,
    )


@router.post(
    "/suggest",
    response={201: SuggestionOut},
    summary="Suggest kind, department, complaint severity and emergency for a report",
)
def suggest(request: HttpRequest, payload: SuggestIn) -> Status:
    site = get_site_for_user(request.user, payload.site_id, roles.ALL_STAFF)
    result = services.suggest(text=payload.text, site=site, channel=payload.channel)
    suggestion = services.suggestion_record(
        site=site, text=payload.text, result=result, actor=request.user, channel=payload.channel
    )
    return Status(201, _out(suggestion))


class ConfirmIn(Schema):
    kind: str
    department: str
    severity: str | None = None


@router.post(
    "/suggestions/{suggestion_id}/confirm",
    response=SuggestionOut,
    summary="Confirm or correct a suggestion; confirmed labels train the company's model",
)
def confirm(request: HttpRequest, suggestion_id: int, payload: ConfirmIn) -> SuggestionOut:
    suggestion = selectors.get_suggestion_for_user(request.user, suggestion_id, roles.CS_DESK)
    updated = services.suggestion_confirm(
        suggestion=suggestion,
        kind=payload.kind,
        department=payload.department,
        severity=payload.severity,
        actor=request.user,
    )
    return _out(updated)
