"""suggest / suggestion_record / suggestion_confirm / model_train (RQ-1, RQ-4, CP-3)."""

from __future__ import annotations

import datetime as dt

import pytest

from estatedesk.core.errors import ValidationFailed
from estatedesk.core.events import for_subject
from estatedesk.org.tests.factories import CompanyFactory, SiteFactory
from estatedesk.triage import registry, selectors
from estatedesk.triage.enums import EmergencyCategory, Kind
from estatedesk.triage.models import Suggestion, TriageModel
from estatedesk.triage.services import (
    model_train,
    suggest,
    suggestion_confirm,
    suggestion_record,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)


def test_suggest_without_site_uses_the_starter_model_rq1_rq4() -> None:
    result = suggest(text="电梯里有人被困")
    assert result.model_version == registry.starter_version()
    assert result.kind == Kind.SECURITY_INCIDENT
    assert result.department == "engineering"
    assert result.emergency is not None
    assert result.emergency.category == EmergencyCategory.LIFT_TRAPPED
    assert result.emergency.phrase == "电梯里有人被困"
    assert result.emergency.label == "电梯困人"


def test_suggest_refuses_empty_text() -> None:
    with pytest.raises(ValidationFailed) as caught:
        suggest(text="   ")
    assert caught.value.code == "empty_text"


def test_record_stores_suggestion_with_version_and_audit_event(site, assistant) -> None:
    result = suggest(text="物业费算错了，多收了我几百块", site=site)
    suggestion = suggestion_record(
        site=site,
        text="物业费算错了，多收了我几百块",
        result=result,
        actor=assistant,
        channel="hotline",
    )
    suggestion.refresh_from_db()
    assert suggestion.kind == Kind.COMPLAINT
    assert suggestion.department == "finance"
    assert suggestion.severity == "important"
    assert suggestion.model_version == registry.starter_version()
    assert suggestion.channel == "hotline"
    assert suggestion.created_by == assistant
    assert suggestion.confirmed_at is None
    [event] = for_subject(suggestion)
    assert event.verb == "triage.suggested"
    assert event.site_id == site.pk
    assert event.after["kind"] == "complaint"


def _record(site, actor, text):
    return suggestion_record(
        site=site, text=text, result=suggest(text=text, site=site), actor=actor
    )


def test_confirm_records_labels_and_correction_event_cp3(site, assistant) -> None:
    suggestion = _record(site, assistant, "小区车位太少，晚上没地方停")
    confirmed = suggestion_confirm(
        suggestion=suggestion,
        kind="complaint",
        department="management",
        severity="minor",
        actor=assistant,
    )
    assert (
        confirmed.confirmed_kind,
        confirmed.confirmed_department,
        confirmed.confirmed_severity,
    ) == (
        "complaint",
        "management",
        "minor",
    )
    assert confirmed.confirmed_by == assistant
    assert confirmed.is_corrected
    event = for_subject(suggestion).get(verb="triage.confirmed")
    assert event.before == {"kind": "", "department": "", "severity": ""}
    assert event.after == {"kind": "complaint", "department": "management", "severity": "minor"}
    assert event.data["corrected"] is True


@pytest.mark.parametrize(
    ("kind", "department", "severity", "code"),
    [
        ("complaint", "security", None, "severity_required"),
        ("repair", "engineering", "minor", "severity_not_allowed"),
        ("fire", "security", None, "invalid_kind"),
        ("repair", "plumbing", None, "invalid_department"),
    ],
)
def test_confirm_refuses_bad_labels_and_changes_nothing_cp3(
    site, assistant, kind, department, severity, code
) -> None:
    suggestion = _record(site, assistant, "保安态度很差")
    with pytest.raises(ValidationFailed) as caught:
        suggestion_confirm(
            suggestion=suggestion,
            kind=kind,
            department=department,
            severity=severity,
            actor=assistant,
        )
    assert caught.value.code == code
    suggestion.refresh_from_db()
    assert suggestion.confirmed_at is None
    assert suggestion.confirmed_kind == ""
    assert not for_subject(suggestion).filter(verb="triage.confirmed").exists()


def test_correction_changes_the_next_training(site, assistant) -> None:
    """The correction is the training signal: confirm one report with other labels several
    times, retrain the company's model, and its prediction for that report follows."""
    text = "小区门口的石狮子被人用油漆涂花了"
    before = suggest(text=text, site=site)
    target_kind = Kind.OTHER_HELP if before.kind != Kind.OTHER_HELP else Kind.CONSULTATION
    target_department = "cleaning" if before.department != "cleaning" else "quality"
    for _ in range(5):
        suggestion_confirm(
            suggestion=_record(site, assistant, text),
            kind=target_kind,
            department=target_department,
            actor=assistant,
        )
    record = model_train(company=site.company, now=NOW)
    assert record.version == f"{site.company.code}-1"
    assert record.n_company_samples == 5
    assert record.n_samples == registry.starter().n_samples + 5
    assert record.metrics["kind_accuracy"] >= 0.9
    after = suggest(text=text, site=site)
    assert after.model_version == record.version
    assert (after.kind, after.department) == (target_kind, target_department)
    # Another company keeps the starter model and its old answer.
    stranger = SiteFactory(company=CompanyFactory(code="OTHR", name="别家物业"))
    elsewhere = suggest(text=text, site=stranger)
    assert elsewhere.model_version == registry.starter_version()
    assert (elsewhere.kind, elsewhere.department) == (before.kind, before.department)
    assert for_subject(record).get().verb == "triage.model_trained"


def test_company_model_versions_count_up_and_newest_serves(site) -> None:
    first = model_train(company=site.company, now=NOW)
    second = model_train(company=site.company, now=NOW + dt.timedelta(days=1))
    assert (first.version, second.version) == ("TEST-1", "TEST-2")
    assert first.file_path != second.file_path
    assert selectors.classifier_for(site).version == "TEST-2"


def test_missing_model_file_falls_back_to_the_starter(site, tmp_path) -> None:
    TriageModel.objects.create(
        company=site.company,
        version="TEST-9",
        trained_at=NOW,
        n_samples=1,
        metrics={},
        file_path=str(tmp_path / "gone.joblib"),
    )
    assert suggest(text="3栋停水了", site=site).model_version == registry.starter_version()


def test_starter_training_is_registered_once() -> None:
    first = model_train(now=NOW)
    again = model_train(now=NOW + dt.timedelta(hours=1))
    assert first.pk == again.pk
    assert first.company is None
    assert first.version == registry.starter_version()
    assert first.metrics["emergency_recall"] == 1.0
    assert "errors" not in first.metrics
    assert TriageModel.objects.count() == 1
    assert Suggestion.objects.count() == 0
