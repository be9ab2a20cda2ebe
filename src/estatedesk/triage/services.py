"""Triage: suggest kind, department and complaint severity for a resident's report, flag
emergencies, record suggestions, take staff confirmations and retrain on them.

The public interface other apps call (kept stable):
``suggest``, ``suggestion_record``, ``suggestion_confirm``, ``model_train``, and the result
types ``TriageResult`` / ``EmergencyHit``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from estatedesk.core import clock, events
from estatedesk.core.errors import Conflict, ValidationFailed
from estatedesk.org.enums import DepartmentKind
from estatedesk.org.models import Company, Site
from estatedesk.triage import dataset, registry, selectors
from estatedesk.triage.classifier import TriageClassifier, TriageResult
from estatedesk.triage.emergency import EmergencyHit
from estatedesk.triage.enums import Kind, Severity
from estatedesk.triage.evaluation import evaluate
from estatedesk.triage.models import Suggestion, TriageModel

__all__ = [
    "EmergencyHit",
    "TriageResult",
    "model_train",
    "suggest",
    "suggestion_confirm",
    "suggestion_record",
]

# Longer texts are letters; their first part carries the matter, and it bounds the latency.
MAX_TEXT_CHARS = 2000
# Stored with each model: the numbers only (the per-report lists stay in ``triage-eval``).
_METRIC_LISTS = ("missed_emergencies", "false_alarm_texts", "errors")


def _clean_text(text: str) -> str:
    value = (text or "").strip()
    if not value:
        raise ValidationFailed(_("请填写报事内容。"), code="empty_text")
    return value[:MAX_TEXT_CHARS]


def suggest(*, text: str, site: Site | None = None, channel: str = "") -> TriageResult:
    """Suggest kind (RQ-1), department (RQ-4) and, for complaints, severity (CP-3), each with a
    confidence, and run the high-recall emergency detector (EM-1: rules OR model).

    ``site`` picks its company's newest model (falling back to the starter model); without a
    site the starter model answers. ``channel`` (RQ-2) is accepted for the record but is not a
    feature: the starter set has no channel column to learn from. Writes nothing.
    """
    return selectors.classifier_for(site).predict(_clean_text(text))


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def suggestion_record(
    *,
    site: Site,
    text: str,
    result: TriageResult,
    actor: Any = None,
    channel: str = "",
    ticket: Any = None,
) -> Suggestion:
    """Store a suggestion made for ``site`` with its model version and, when the report was
    registered, the ticket it became (``ticket`` of the same site).

    Side effects: one Suggestion row; one ``triage.suggested`` audit event.
    """
    value = _clean_text(text)
    if ticket is not None and ticket.site_id != site.pk:
        raise ValidationFailed(_("工单不属于该管理处。"), code="other_site")
    hit = result.emergency
    suggestion = Suggestion.objects.create(
        site=site,
        ticket=ticket,
        text=value,
        text_hash=_hash(value),
        channel=channel[:20],
        kind=result.kind,
        kind_confidence=result.kind_confidence,
        department=result.department,
        department_confidence=result.department_confidence,
        severity=result.severity or "",
        severity_confidence=result.severity_confidence,
        emergency_category=hit.category if hit else "",
        emergency_phrase=hit.phrase[:100] if hit else "",
        emergency_source=hit.source if hit else "",
        emergency_confidence=hit.confidence if hit else None,
        model_version=result.model_version,
        created_at=clock.now(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    events.record(
        verb="triage.suggested",
        subject=suggestion,
        actor=actor,
        site_id=site.pk,
        after={
            "kind": suggestion.kind,
            "department": suggestion.department,
            "severity": suggestion.severity,
            "emergency": suggestion.emergency_category,
        },
        data={
            "model_version": suggestion.model_version,
            "ticket_id": suggestion.ticket_id,
            "emergency_phrase": suggestion.emergency_phrase,
        },
    )
    return suggestion


def _validate_labels(kind: str, department: str, severity: str | None) -> str:
    if kind not in Kind.values:
        raise ValidationFailed(_("请求类别无效。"), code="invalid_kind")
    if department not in DepartmentKind.values:
        raise ValidationFailed(_("部门无效。"), code="invalid_department")
    if kind == Kind.COMPLAINT:
        if severity not in Severity.values:
            raise ValidationFailed(
                _("投诉须确认等级：重大、重要或轻微。"), code="severity_required"
            )
        return str(severity)
    if severity:
        raise ValidationFailed(_("只有投诉才有等级。"), code="severity_not_allowed")
    return ""


@transaction.atomic
def suggestion_confirm(
    *,
    suggestion: Suggestion,
    kind: str,
    department: str,
    severity: str | None = None,
    actor: Any,
) -> Suggestion:
    """Record the labels staff confirmed or corrected; they become the company's training data
    (the correction is the training signal). Complaints need a CP-3 severity, other kinds none
    (RQ-1, RQ-4, CP-3). A later confirmation replaces an earlier one.

    Side effects: the Suggestion's confirmed_* fields; one ``triage.confirmed`` audit event
    with before/after and whether the suggestion was corrected.
    """
    confirmed_severity = _validate_labels(kind, department, severity)
    row = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    before = {
        "kind": row.confirmed_kind,
        "department": row.confirmed_department,
        "severity": row.confirmed_severity,
    }
    row.confirmed_kind = kind
    row.confirmed_department = department
    row.confirmed_severity = confirmed_severity
    row.confirmed_at = clock.now()
    row.confirmed_by = actor if getattr(actor, "is_authenticated", False) else None
    row.save(
        update_fields=[
            "confirmed_kind",
            "confirmed_department",
            "confirmed_severity",
            "confirmed_at",
            "confirmed_by",
        ]
    )
    events.record(
        verb="triage.confirmed",
        subject=row,
        actor=actor,
        site_id=row.site_id,
        before=before,
        after={"kind": kind, "department": department, "severity": confirmed_severity},
        data={"corrected": row.is_corrected, "model_version": row.model_version},
    )
    return row


def _stored_metrics(classifier: TriageClassifier) -> dict[str, Any]:
    metrics = evaluate(classifier, dataset.held_out_rows())
    return {key: value for key, value in metrics.items() if key not in _METRIC_LISTS}


def model_train(*, company: Company | None = None, now: dt.datetime) -> TriageModel:
    """Train and register a model.

    Without ``company``: the starter model (training split of the shipped set), registered
    once per version - a second call returns the existing row. With ``company``: the starter
    training split plus the company's confirmed suggestions (weighted, see selectors); its
    newest model then serves all its sites. Both are scored on the held-out split.

    Training (about a second) runs outside the database transaction so it never holds the
    write lock; only the row and its ``triage.model_trained`` audit event are written in one.
    Side effects: a joblib file under VAR_DIR/triage/, the TriageModel row, the audit event.
    """
    if company is None:
        classifier = registry.starter()
        existing = TriageModel.objects.filter(version=classifier.version).first()
        if existing is not None:
            return existing
        company_samples = 0
        path = registry.model_dir() / f"{classifier.version}.joblib"
        if not path.exists():
            registry.save(classifier, path)
    else:
        own = selectors.training_samples(company)
        number = TriageModel.objects.filter(company=company).count() + 1
        version = f"{company.code}-{number}"
        classifier = TriageClassifier(version=version).fit(registry.starter_samples() + own)
        company_samples = len(own)
        path = registry.company_model_path(version)
        registry.save(classifier, path)
    classifier.metrics = _stored_metrics(classifier)
    try:
        with transaction.atomic():
            record = TriageModel.objects.create(
                company=company,
                version=classifier.version,
                trained_at=now,
                n_samples=classifier.n_samples,
                n_company_samples=company_samples,
                metrics=classifier.metrics,
                file_path=str(path),
            )
            events.record(
                verb="triage.model_trained",
                subject=record,
                actor=None,
                actor_label=_("系统"),
                at=now,
                data={
                    "version": record.version,
                    "company": company.code if company else None,
                    "n_samples": record.n_samples,
                    "n_company_samples": company_samples,
                },
            )
    except IntegrityError as exc:
        if company is None:  # another process registered the same starter version first
            return TriageModel.objects.get(version=classifier.version)
        # Two trainings of one company raced for the same version number.
        raise Conflict(_("模型正在由其他任务训练，请稍后重试。")) from exc
    if company is not None:
        registry.remember(classifier, path)
    return record
