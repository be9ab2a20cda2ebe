"""POST /api/v1/triage/suggest and /suggestions/{id}/confirm: staff only, site checked."""

from __future__ import annotations

import pytest

from estatedesk.core.events import for_subject
from estatedesk.triage import registry
from estatedesk.triage.models import Suggestion

pytestmark = pytest.mark.django_db


def _suggest(client, site_id, text="电梯关人了，3栋", channel="hotline"):
    return client.post(
        "/api/v1/triage/suggest",
        {"text": text, "channel": channel, "site_id": site_id},
        content_type="application/json",
    )


def test_staff_gets_and_records_a_suggestion_em1(client, site, plumber) -> None:
    client.force_login(plumber)
    response = _suggest(client, site.pk)
    assert response.status_code == 201
    body = response.json()
    suggestion = Suggestion.objects.get()
    assert body["id"] == suggestion.pk
    assert body["site_id"] == site.pk
    assert body["kind"] == "security_incident"
    assert body["kind_label"] == "治安/突发事件"
    assert body["department"] == "engineering"
    assert body["severity"] is None
    assert body["emergency"] == {
        "category": "lift_trapped",
        "label": "电梯困人",
        "phrase": "电梯关人",
        "source": "rule",
        "confidence": 1.0,
    }
    assert body["model_version"] == registry.starter_version()
    assert body["channel"] == "hotline"
    assert body["confirmed_kind"] is None
    assert for_subject(suggestion).get().verb == "triage.suggested"


def test_other_sites_suggestion_is_404_and_records_nothing(
    client, site, other_site, plumber
) -> None:
    client.force_login(plumber)
    response = _suggest(client, other_site.pk)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not Suggestion.objects.exists()


def test_anonymous_is_401(client, site) -> None:
    response = _suggest(client, site.pk)
    assert response.status_code == 401
    assert not Suggestion.objects.exists()


def test_empty_text_is_refused_with_a_chinese_message(client, site, plumber) -> None:
    client.force_login(plumber)
    response = _suggest(client, site.pk, text="  ")
    assert response.status_code == 400
    assert response.json() == {"code": "empty_text", "detail": "请填写报事内容。"}
    assert not Suggestion.objects.exists()


def test_cs_desk_confirms_a_correction_cp3(client, site, assistant) -> None:
    client.force_login(assistant)
    suggestion_id = _suggest(client, site.pk, text="保安说话太冲了").json()["id"]
    response = client.post(
        f"/api/v1/triage/suggestions/{suggestion_id}/confirm",
        {"kind": "complaint", "department": "security", "severity": "major"},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["confirmed_kind"], body["confirmed_department"], body["confirmed_severity"]) == (
        "complaint",
        "security",
        "major",
    )
    assert body["confirmed_at"] is not None


def test_confirm_without_severity_for_a_complaint_is_400_and_changes_nothing_cp3(
    client, site, assistant
) -> None:
    client.force_login(assistant)
    suggestion_id = _suggest(client, site.pk, text="保安说话太冲了").json()["id"]
    response = client.post(
        f"/api/v1/triage/suggestions/{suggestion_id}/confirm",
        {"kind": "complaint", "department": "security"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "severity_required"
    assert Suggestion.objects.get().confirmed_at is None


def test_department_staff_may_not_confirm(client, site, assistant, plumber) -> None:
    client.force_login(assistant)
    suggestion_id = _suggest(client, site.pk).json()["id"]
    client.force_login(plumber)
    response = client.post(
        f"/api/v1/triage/suggestions/{suggestion_id}/confirm",
        {"kind": "repair", "department": "engineering"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert Suggestion.objects.get().confirmed_at is None
