"""Reads of the reports app: who may see which site's reports, the RP-4 exception list, the
surveys (RP-6), training (RP-8) and the records (RT-1..RT-3)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from estatedesk.core import clock
from estatedesk.core.errors import NotFound
from estatedesk.org import roles
from estatedesk.org.enums import Role
from estatedesk.org.models import Occupancy, Resident, Site, Unit
from estatedesk.reports.enums import QuestionKind, SurveyState
from estatedesk.reports.models import (
    RegisterArchive,
    RetentionRun,
    Survey,
    SurveyAnswer,
    SurveyResponse,
    TrainingSession,
)
from estatedesk.reports.periods import Period
from estatedesk.sla.models import Clock
from estatedesk.tickets.models import Ticket

# Reports are read by the CS supervisor, the site manager, the executives and quality.
REPORT_ROLES = roles.SUPERVISORS | roles.MANAGERS | frozenset({Role.QUALITY})
# RP-4: the CS supervisor (or the site manager) records cause and corrective action.
EXCEPTION_FILL_ROLES = roles.SUPERVISORS
# RP-6 / RP-8: surveys and training are run by the CS supervisor, managers and quality.
SURVEY_ROLES = REPORT_ROLES
TRAINING_ROLES = REPORT_ROLES
# RT-1: the archived register holds residents' phones, so only roles that may see personal
# data (AR-3) among the report readers download it.
ARCHIVE_ROLES = REPORT_ROLES & roles.PERSONAL_DATA
# A legal hold keeps a record past its period: the site manager, executives or quality.
HOLD_ROLES = roles.MANAGERS | frozenset({Role.QUALITY})
PAGE_SIZE = 50


@dataclass(frozen=True)
class Scope:
    """The sites a report covers: one site, or every site the user reads reports of."""

    sites: tuple[Site, ...]
    site: Site | None

    @property
    def site_ids(self) -> list[int]:
        return [self.site.pk] if self.site is not None else [s.pk for s in self.sites]

    @property
    def key(self) -> str:
        return str(self.site.pk) if self.site is not None else "all"

    @property
    def is_company(self) -> bool:
        return self.site is None

    @property
    def label(self) -> str:
        return self.site.name if self.site is not None else _("全公司（我可查看的管理处）")


def report_sites(user: Any, role_set: frozenset[str] = REPORT_ROLES) -> list[Site]:
    return list(Site.objects.filter(pk__in=roles.site_ids_with(user, role_set)).order_by("code"))


def scope_for(
    user: Any,
    raw: str | None,
    *,
    role_set: frozenset[str] = REPORT_ROLES,
    allow_company: bool = True,
) -> Scope:
    """The scope chosen by the ``site`` parameter: a site id the user holds ``role_set`` at
    (else 404, so ids cannot be probed), ``all``, or by default the user's only site."""
    sites = tuple(report_sites(user, role_set))
    if not sites:
        raise NotFound()
    if not raw:
        if len(sites) == 1 or not allow_company:
            return Scope(sites, sites[0])
        return Scope(sites, None)
    if raw == "all" and allow_company:
        return Scope(sites, None)
    try:
        wanted = int(raw)
    except ValueError:
        raise NotFound() from None
    for site in sites:
        if site.pk == wanted:
            return Scope(sites, site)
    raise NotFound()


# --- RP-4 exception report ------------------------------------------------------------------


def missed_clocks(
    site_ids: list[int], period: Period, *, unfilled_only: bool = False
) -> QuerySet[Clock]:
    """Every clock due in the period that was missed (breached, or met after its due time),
    with its ticket and its exception record; earliest first."""
    qs = (
        Clock.objects.filter(site_id__in=site_ids, due_at__gte=period.start, due_at__lt=period.end)
        .filter(Q(breached_at__isnull=False) | Q(met_at__gt=F("due_at")))
        .select_related(
            "ticket", "ticket__department", "ticket__assignee", "exception", "exception__filled_by"
        )
    )
    if unfilled_only:
        qs = qs.filter(Q(exception__isnull=True) | Q(exception__filled_at__isnull=True))
    return qs.order_by("due_at", "pk")


def get_missed_clock_for_user(user: Any, clock_id: int, role_set: frozenset[str]) -> Clock:
    found = (
        Clock.objects.filter(pk=clock_id, site_id__in=roles.site_ids_with(user, role_set))
        .select_related("ticket", "site", "exception", "exception__filled_by")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


# --- RP-8 training --------------------------------------------------------------------------


def training_sessions(site_ids: list[int]) -> QuerySet[TrainingSession]:
    return (
        TrainingSession.objects.filter(site_id__in=site_ids)
        .select_related("site")
        .annotate(attendee_count=Count("attendance"))
        .order_by("-held_on", "-pk")
    )


def get_training_for_user(user: Any, pk: int) -> TrainingSession:
    found = (
        TrainingSession.objects.filter(pk=pk, site_id__in=roles.site_ids_with(user, TRAINING_ROLES))
        .select_related("site", "created_by")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def attendees_of(session: TrainingSession) -> list[Any]:
    return [a.user for a in session.attendance.select_related("user").order_by("user__username")]


# --- RP-6 surveys ---------------------------------------------------------------------------


def surveys_for(site_ids: list[int]) -> QuerySet[Survey]:
    return (
        Survey.objects.filter(site_id__in=site_ids)
        .select_related("site")
        .annotate(response_count=Count("responses"))
        .order_by("-year", "-pk")
    )


def get_survey_for_user(user: Any, pk: int) -> Survey:
    found = (
        Survey.objects.filter(pk=pk, site_id__in=roles.site_ids_with(user, SURVEY_ROLES))
        .select_related("site")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def resident_units(resident: Resident) -> list[Unit]:
    """The units the resident currently lives in (one answer per household, RP-6)."""
    return [
        o.unit
        for o in Occupancy.objects.filter(resident=resident, move_out__isnull=True)
        .select_related("unit__building")
        .order_by("unit__building__sort_order", "unit__building__name", "unit__number")
    ]


def open_surveys_for(resident: Resident) -> QuerySet[Survey]:
    return Survey.objects.filter(
        site_id=resident.site_id, state=SurveyState.OPEN, closes_on__gte=clock.today()
    ).order_by("closes_on", "pk")


def get_survey_for_resident(resident: Resident, pk: int) -> Survey:
    """An open survey of the resident's site; anything else is 404."""
    found = open_surveys_for(resident).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def answered_units(survey: Survey, units: list[Unit]) -> set[int]:
    return set(
        SurveyResponse.objects.filter(survey=survey, unit__in=units).values_list(
            "unit_id", flat=True
        )
    )


def answered_pairs(surveys: list[Survey], units: list[Unit]) -> set[tuple[int, int]]:
    """(survey id, unit id) of the households among ``units`` that answered ``surveys``."""
    return set(
        SurveyResponse.objects.filter(survey__in=surveys, unit__in=units).values_list(
            "survey_id", "unit_id"
        )
    )


def households(site_id: int) -> QuerySet[Unit]:
    """Units with someone living in them: the households a survey asks."""
    lived_in = Occupancy.objects.filter(unit_id=OuterRef("pk"), move_out__isnull=True)
    return Unit.objects.filter(site_id=site_id).filter(Exists(lived_in))


def survey_results(survey: Survey) -> dict[str, Any]:
    """RP-6 results: response rate overall and per building, the average of each rating
    question overall and per building, the spread of choice answers, the latest comments.
    A fixed number of queries whatever the number of answers."""
    questions = list(survey.questions.order_by("position"))
    per_building = {
        row["building_id"]: row
        for row in households(survey.site_id)
        .values("building_id", "building__name", "building__sort_order")
        .annotate(households=Count("pk"))
        .order_by()
    }
    for row in (
        SurveyResponse.objects.filter(survey=survey)
        .values("building_id", "building__name", "building__sort_order")
        .annotate(responses=Count("pk"))
        .order_by()
    ):
        per_building.setdefault(row["building_id"], {**row, "households": 0})
        per_building[row["building_id"]]["responses"] = row["responses"]
    averages: dict[tuple[int, int | None], float] = {}
    answers = SurveyAnswer.objects.filter(response__survey=survey, rating__isnull=False)
    for row in answers.values("question_id", "response__building_id").annotate(a=Avg("rating")):
        averages[(row["question_id"], row["response__building_id"])] = round(row["a"], 2)
    for row in answers.values("question_id").annotate(a=Avg("rating")):
        averages[(row["question_id"], None)] = round(row["a"], 2)
    choices: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        SurveyAnswer.objects.filter(response__survey=survey)
        .exclude(choice="")
        .values("question_id", "choice")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        choices[row["question_id"]][row["choice"]] = row["n"]
    comments = list(
        SurveyAnswer.objects.filter(response__survey=survey)
        .exclude(text="")
        .select_related("question", "response__unit__building")
        .order_by("-response__submitted_at", "-pk")[:PAGE_SIZE]
    )
    buildings = sorted(
        per_building.values(), key=lambda r: (r["building__sort_order"], r["building__name"])
    )
    rating_questions = [q for q in questions if q.kind == QuestionKind.RATING]
    building_rows = []
    for b in buildings:
        responses = b.get("responses", 0)
        building_rows.append(
            {
                "name": b["building__name"],
                "households": b["households"],
                "responses": responses,
                "rate": round(100 * responses / b["households"], 1) if b["households"] else None,
                "averages": [averages.get((q.pk, b["building_id"])) for q in rating_questions],
            }
        )
    total_households = sum(b["households"] for b in buildings)
    total_responses = sum(b.get("responses", 0) for b in buildings)
    return {
        "questions": questions,
        "rating_questions": rating_questions,
        "overall": [averages.get((q.pk, None)) for q in rating_questions],
        "buildings": building_rows,
        "households": total_households,
        "responses": total_responses,
        "rate": round(100 * total_responses / total_households, 1) if total_households else None,
        "choices": [
            (q, sorted(choices.get(q.pk, {}).items(), key=lambda kv: -kv[1]))
            for q in questions
            if q.kind == QuestionKind.CHOICE
        ],
        "comments": comments,
    }


# --- RT records -----------------------------------------------------------------------------


def register_archives(site_ids: list[int]) -> QuerySet[RegisterArchive]:
    return (
        RegisterArchive.objects.filter(site_id__in=site_ids)
        .select_related("site", "created_by")
        .order_by("-year", "site__code")
    )


def get_archive_for_user(user: Any, pk: int) -> RegisterArchive:
    found = (
        RegisterArchive.objects.filter(pk=pk, site_id__in=roles.site_ids_with(user, ARCHIVE_ROLES))
        .select_related("site")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def retention_runs(site_ids: list[int]) -> QuerySet[RetentionRun]:
    return (
        RetentionRun.objects.filter(site_id__in=site_ids)
        .select_related("site")
        .order_by("-ran_at", "-pk")
    )


def held_tickets(site_ids: list[int]) -> QuerySet[Ticket]:
    return (
        Ticket.objects.filter(site_id__in=site_ids, legal_hold=True)
        .select_related("site")
        .order_by("received_at", "pk")
    )


def get_ticket_by_number_for_user(user: Any, number: str, role_set: frozenset[str]) -> Ticket:
    found = (
        Ticket.objects.filter(
            number=number.strip().upper(), site_id__in=roles.site_ids_with(user, role_set)
        )
        .select_related("site")
        .first()
    )
    if found is None:
        raise NotFound(_("没有找到该工单号，或您无权操作。"))
    return found
