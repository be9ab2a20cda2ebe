"""Reads for triage: which model serves a site, training data, models and suggestions a user
may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncWeek

from estatedesk.core import clock
from estatedesk.core.errors import NotFound
from estatedesk.org import roles
from estatedesk.org.models import Company, Site
from estatedesk.triage import dataset, registry
from estatedesk.triage.classifier import Sample, TriageClassifier
from estatedesk.triage.models import Suggestion, TriageModel

# A company's own confirmed reports weigh three starter reports: its residents' words and its
# staff's routing choices should win where they differ from the generic starter set.
COMPANY_SAMPLE_WEIGHT = 3.0


def latest_model(company_id: int | None) -> TriageModel | None:
    """The company's newest model (index ``triage_model_latest``); None = use the starter."""
    if company_id is None:
        return None
    return TriageModel.objects.filter(company_id=company_id).order_by("-trained_at", "-id").first()


def classifier_for(site: Site | None) -> TriageClassifier:
    """The model that serves ``site``: its company's newest model when its file is readable,
    otherwise the starter model (so a new site gets suggestions on day one)."""
    record = latest_model(site.company_id if site is not None else None)
    if record is not None:
        loaded = registry.load(record.version, record.file_path)
        if loaded is not None:
            return loaded
    return registry.starter()


def confirmed_suggestions(company: Company) -> QuerySet[Suggestion]:
    return Suggestion.objects.filter(site__company=company, confirmed_at__isnull=False)


def training_samples(company: Company) -> list[Sample]:
    """The company's confirmed (or corrected) suggestions as weighted training samples."""
    rows = confirmed_suggestions(company).values_list(
        "text", "confirmed_kind", "confirmed_department", "confirmed_severity"
    )
    return [
        Sample(
            text=text,
            kind=kind,
            department=department,
            severity=severity,
            weight=COMPANY_SAMPLE_WEIGHT,
            trains_emergency=False,
        )
        for text, kind, department, severity in rows.order_by("confirmed_at", "id")
    ]


def companies_with_new_confirmations(
    *, trained_before: dt.datetime, confirmed_before: dt.datetime
) -> list[Company]:
    """The nightly retrain's candidates: companies whose newest model was trained before
    ``trained_before`` (or who have none) and who confirmed a suggestion after that model and
    before ``confirmed_before`` (the night's cut-off; later confirmations wait a night)."""
    latest = dict(
        TriageModel.objects.filter(company__isnull=False)
        .values_list("company_id")
        .annotate(last=Max("trained_at"))
        .values_list("company_id", "last")
    )
    confirmed = dict(
        Suggestion.objects.filter(confirmed_at__lt=confirmed_before)
        .values_list("site__company_id")
        .annotate(last=Max("confirmed_at"))
        .values_list("site__company_id", "last")
    )
    due_ids = [
        company_id
        for company_id, last_confirmed in confirmed.items()
        if (trained := latest.get(company_id)) is None
        or (trained < trained_before and last_confirmed > trained)
    ]
    return list(Company.objects.filter(pk__in=due_ids).order_by("pk"))


def models_for_user(user: Any) -> QuerySet[TriageModel]:
    """The starter runs and the models of the companies where the user supervises a site."""
    site_ids = roles.site_ids_with(user, roles.SUPERVISORS)
    company_ids = Site.objects.filter(pk__in=site_ids).values("company_id")
    return (
        TriageModel.objects.filter(Q(company__isnull=True) | Q(company_id__in=company_ids))
        .select_related("company")
        .order_by("-trained_at", "-id")
    )


def get_suggestion_for_user(
    user: Any, suggestion_id: int, role_set: frozenset[str] = roles.CS_DESK
) -> Suggestion:
    """The suggestion if the user holds one of ``role_set`` at its site; else 404."""
    suggestion = Suggestion.objects.select_related("site").filter(pk=suggestion_id).first()
    if suggestion is None or not roles.has_role(user, suggestion.site_id, role_set):
        raise NotFound()
    return suggestion


def starter_evaluation() -> dict[str, Any]:
    """The starter model's held-out scores, computed once per process (about 0.3 s)."""
    classifier = registry.starter()
    if not classifier.metrics:
        from estatedesk.triage.evaluation import evaluate

        classifier.metrics = evaluate(classifier, dataset.held_out_rows())
    return classifier.metrics


def current_models_for_user(user: Any) -> list[dict[str, Any]]:
    """Per company the user supervises a site of: the model serving it now (two queries)."""
    site_ids = roles.site_ids_with(user, roles.SUPERVISORS)
    newest = TriageModel.objects.filter(company_id=OuterRef("pk")).order_by("-trained_at", "-id")
    companies = (
        Company.objects.filter(sites__pk__in=site_ids)
        .distinct()
        .annotate(
            model_version=Subquery(newest.values("version")[:1]),
            model_trained_at=Subquery(newest.values("trained_at")[:1]),
        )
        .order_by("code")
    )
    pending = dict(
        Suggestion.objects.filter(site_id__in=site_ids, confirmed_at__isnull=False)
        .values_list("site__company_id")
        .annotate(count=Count("id"))
        .values_list("site__company_id", "count")
    )
    return [
        {
            "company": company,
            "version": company.model_version or registry.starter_version(),
            "trained_at": company.model_trained_at,
            "is_starter": company.model_version is None,
            "confirmed": pending.get(company.pk, 0),
        }
        for company in companies
    ]


@dataclass(frozen=True)
class WeekAccuracy:
    """One week (Monday, local time) of suggestions made for the given sites."""

    week: dt.date
    suggested: int
    confirmed: int
    kind_correct: int
    department_correct: int

    @property
    def kind_accuracy(self) -> float | None:
        return self.kind_correct / self.confirmed if self.confirmed else None

    @property
    def department_accuracy(self) -> float | None:
        return self.department_correct / self.confirmed if self.confirmed else None


def accuracy_by_week(
    site_ids: list[int] | set[int], start: dt.date, end: dt.date
) -> list[WeekAccuracy]:
    """Suggestion accuracy over time: per week of suggestion (Monday to Sunday, local time)
    from ``start`` to ``end`` (both days included), how many suggestions were made, how many
    staff confirmed or corrected, and how many of those kept the suggested kind (RQ-1) and
    department (RQ-4). Every week of the range is listed, oldest first; a week without
    confirmations has no accuracy. One aggregate query (index ``triage_sugg_site_created``).
    """
    zone = clock.local_zone()
    first = start - dt.timedelta(days=start.weekday())
    since = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    confirmed = Q(confirmed_at__isnull=False)
    rows = (
        Suggestion.objects.filter(site_id__in=list(site_ids), created_at__gte=since)
        .filter(created_at__lt=until)
        .annotate(week=TruncWeek("created_at", tzinfo=zone))
        .values("week")
        .annotate(
            suggested=Count("id"),
            confirmed=Count("id", filter=confirmed),
            kind_correct=Count("id", filter=confirmed & Q(confirmed_kind=F("kind"))),
            department_correct=Count(
                "id", filter=confirmed & Q(confirmed_department=F("department"))
            ),
        )
        .order_by("week")
    )
    by_week: dict[dt.date, dict[str, Any]] = {}
    for row in rows:
        week = row["week"]
        day = clock.localtime(week).date() if isinstance(week, dt.datetime) else week
        by_week[day] = row
    weeks = []
    day = first
    while day <= end:
        row = by_week.get(day, {})
        weeks.append(
            WeekAccuracy(
                week=day,
                suggested=row.get("suggested", 0),
                confirmed=row.get("confirmed", 0),
                kind_correct=row.get("kind_correct", 0),
                department_correct=row.get("department_correct", 0),
            )
        )
        day += dt.timedelta(days=7)
    return weeks
