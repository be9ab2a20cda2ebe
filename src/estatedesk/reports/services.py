"""Writes of the reports app: training (RP-8), surveys (RP-6), the yearly register archive
(RT-1), legal holds and the retention job (RT-1..RT-3).

Each function validates, writes in one transaction and records its audit event there; the
retention job records every removal as a ``RetentionRun`` row and an event in the same
transaction as the DELETE, and removes files only after that transaction commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from estatedesk.core import clock, events
from estatedesk.core.errors import Conflict, NotFound, ValidationFailed
from estatedesk.core.models import Event
from estatedesk.duty.models import DutyLogChain
from estatedesk.duty.services import log_prune
from estatedesk.notify.enums import Channel as NotifyChannel
from estatedesk.notify.services import notification_send
from estatedesk.org import roles
from estatedesk.org.enums import Relation
from estatedesk.org.models import Membership, Occupancy, Resident, Site, Unit
from estatedesk.reports import exports, selectors
from estatedesk.reports.enums import Procedure, QuestionKind, RecordClass, SurveyState
from estatedesk.reports.models import (
    RegisterArchive,
    RetentionRun,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    TrainingAttendance,
    TrainingSession,
)
from estatedesk.reports.periods import day_start
from estatedesk.sla import services as sla_services
from estatedesk.sla.models import Clock, ClockException
from estatedesk.tickets.enums import FINISHED_STATES
from estatedesk.tickets.models import Attachment, Ticket
from estatedesk.violations.enums import CaseState, Grade
from estatedesk.violations.models import Evidence, ViolationCase

MAX_CHOICES = 10
MAX_QUESTIONS = 30
TEXT_MAX = 1000
INVITE_BATCH = 200
REQUESTS_KEPT_YEARS = 2  # RT-1
RETENTION_BATCH = 500
RETENTION_MAX_PER_RUN = 5000


def _require(actor: Any, site_id: int, role_set: frozenset[str]) -> None:
    """Refuse with 404 (ids cannot be probed) unless the actor holds a role at the site."""
    if getattr(actor, "is_superuser", False):
        return
    if not roles.has_role(actor, site_id, role_set):
        raise NotFound()


# --- RP-8 training --------------------------------------------------------------------------


def _site_staff_ids(site: Site, user_ids: Iterable[int]) -> list[int]:
    wanted = {int(u) for u in user_ids}
    found = set(
        Membership.objects.filter(site=site, is_active=True, user_id__in=wanted).values_list(
            "user_id", flat=True
        )
    )
    if wanted - found:
        raise ValidationFailed(_("参训人员须为本管理处的在岗员工。"))
    return sorted(found)


@transaction.atomic
def training_session_create(
    *,
    site: Site,
    procedure: str,
    topic: str,
    held_on: dt.date,
    hours: Any,
    trainer: str,
    notes: str,
    attendee_ids: Iterable[int],
    actor: Any,
) -> TrainingSession:
    """RP-8: record a training of the site's staff on one family of procedures.

    Side effects, in order: the session, one attendance row per attendee, audit
    ``reports.training_recorded``.
    """
    _require(actor, site.pk, selectors.TRAINING_ROLES)
    topic, trainer = topic.strip(), trainer.strip()
    if procedure not in Procedure.values:
        raise ValidationFailed(_("请选择培训的规程。"))
    if not topic or not trainer:
        raise ValidationFailed(_("请填写培训主题和讲师。"))
    if held_on > clock.today():
        raise ValidationFailed(_("培训日期不能晚于今天：请在培训后登记。"))
    ids = _site_staff_ids(site, attendee_ids)
    if not ids:
        raise ValidationFailed(_("请至少选择一名参训人员。"))
    session = TrainingSession.objects.create(
        site=site,
        procedure=procedure,
        topic=topic,
        held_on=held_on,
        hours=hours,
        trainer=trainer,
        notes=notes.strip(),
        created_by=actor,
        created_at=clock.now(),
    )
    TrainingAttendance.objects.bulk_create(
        [TrainingAttendance(session=session, user_id=user_id) for user_id in ids]
    )
    events.record(
        verb="reports.training_recorded",
        subject=session,
        actor=actor,
        data={"procedure": procedure, "topic": topic, "attendees": ids},
    )
    return session


@transaction.atomic
def training_attendees_set(
    *, session: TrainingSession, attendee_ids: Iterable[int], actor: Any
) -> TrainingSession:
    """RP-8: correct who attended. Side effects: attendance rows added/removed, audit
    ``reports.training_attendees`` with the lists before and after."""
    _require(actor, session.site_id, selectors.TRAINING_ROLES)
    ids = _site_staff_ids(session.site, attendee_ids)
    if not ids:
        raise ValidationFailed(_("请至少选择一名参训人员。"))
    before = sorted(session.attendance.values_list("user_id", flat=True))
    session.attendance.exclude(user_id__in=ids).delete()
    TrainingAttendance.objects.bulk_create(
        [TrainingAttendance(session=session, user_id=u) for u in ids if u not in before]
    )
    events.record(
        verb="reports.training_attendees",
        subject=session,
        actor=actor,
        before={"attendees": before},
        after={"attendees": ids},
    )
    return session


# --- RP-6 satisfaction survey -----------------------------------------------------------------

# The survey workflow: action -> (from state, to state).
SURVEY_TRANSITIONS: dict[str, tuple[str, str]] = {
    "open": (SurveyState.DRAFT, SurveyState.OPEN),
    "close": (SurveyState.OPEN, SurveyState.CLOSED),
}


@transaction.atomic
def survey_create(
    *, site: Site, year: int, title: str, intro: str, closes_on: dt.date, actor: Any
) -> Survey:
    """RP-6: a draft survey of the site. Side effects: the survey, audit
    ``reports.survey_created``."""
    _require(actor, site.pk, selectors.SURVEY_ROLES)
    title = title.strip()
    if not title:
        raise ValidationFailed(_("请填写调查标题。"))
    if closes_on < clock.today():
        raise ValidationFailed(_("截止日期不能早于今天。"))
    survey = Survey.objects.create(
        site=site,
        year=year,
        title=title,
        intro=intro.strip(),
        closes_on=closes_on,
        created_by=actor,
        created_at=clock.now(),
    )
    events.record(verb="reports.survey_created", subject=survey, actor=actor, data={"title": title})
    return survey


def _clean_choices(kind: str, raw: Iterable[str]) -> list[str]:
    choices = list(dict.fromkeys(c.strip() for c in raw if c.strip()))
    if kind != QuestionKind.CHOICE:
        return []
    if not 2 <= len(choices) <= MAX_CHOICES:
        raise ValidationFailed(_("单选题须有 2 到 10 个选项。"))
    if any(len(c) > 100 for c in choices):
        raise ValidationFailed(_("每个选项最多 100 字。"))
    return choices


@transaction.atomic
def survey_question_add(
    *,
    survey: Survey,
    text: str,
    kind: str,
    choices: Iterable[str] = (),
    required: bool = True,
    actor: Any,
) -> SurveyQuestion:
    """Add a question to a draft survey (questions are fixed once it is open).
    Side effects: the question, audit ``reports.survey_question_added``."""
    _require(actor, survey.site_id, selectors.SURVEY_ROLES)
    locked = Survey.objects.select_for_update().get(pk=survey.pk)
    if locked.state != SurveyState.DRAFT:
        raise ValidationFailed(_("调查已发布，不能再修改问题。"))
    text = text.strip()
    if not text:
        raise ValidationFailed(_("请填写问题。"))
    if kind not in QuestionKind.values:
        raise ValidationFailed(_("请选择题型。"))
    count = locked.questions.count()
    if count >= MAX_QUESTIONS:
        raise ValidationFailed(_("一份调查最多 30 个问题。"))
    question = SurveyQuestion.objects.create(
        survey=locked,
        position=count + 1,
        text=text,
        kind=kind,
        choices=_clean_choices(kind, choices),
        required=required,
    )
    events.record(
        verb="reports.survey_question_added",
        subject=locked,
        actor=actor,
        data={"question": text, "kind": kind},
    )
    return question


@transaction.atomic
def survey_question_remove(*, question: SurveyQuestion, actor: Any) -> None:
    """Remove a question of a draft survey; the later ones move up. Side effects: the row
    deleted, positions renumbered, audit ``reports.survey_question_removed``."""
    survey = Survey.objects.select_for_update().get(pk=question.survey_id)
    _require(actor, survey.site_id, selectors.SURVEY_ROLES)
    if survey.state != SurveyState.DRAFT:
        raise ValidationFailed(_("调查已发布，不能再修改问题。"))
    text = question.text
    question.delete()
    rest = list(survey.questions.order_by("position"))
    for number, item in enumerate(rest, start=1):
        if item.position != number:
            item.position = number
            item.save(update_fields=["position"])
    events.record(
        verb="reports.survey_question_removed", subject=survey, actor=actor, data={"question": text}
    )


@transaction.atomic
def survey_transition(*, survey: Survey, action: str, version: int, actor: Any) -> Survey:
    """RP-6: publish a draft survey to the residents (``open``) or end it (``close``).

    Checks: the action and the survey's state (SURVEY_TRANSITIONS); to open, at least one
    question and a closing date not past. Compare-and-set on (state, version). Side effects:
    state, opened_at/closed_at, audit ``reports.survey_<action>``; once open, the invitation
    job sends each household an SMS with the link.
    """
    _require(actor, survey.site_id, selectors.SURVEY_ROLES)
    if action not in SURVEY_TRANSITIONS:
        raise ValidationFailed(_("未知的操作。"))
    source, target = SURVEY_TRANSITIONS[action]
    if survey.state != source:
        raise ValidationFailed(_("调查当前状态下不能执行此操作。"))
    now = clock.now()
    changes: dict[str, Any] = {"state": target}
    if action == "open":
        if not survey.questions.exists():
            raise ValidationFailed(_("请先添加问题再发布。"))
        if survey.closes_on < clock.today():
            raise ValidationFailed(_("截止日期已过，不能发布。"))
        changes["opened_at"] = now
    else:
        changes["closed_at"] = now
    updated = Survey.objects.filter(pk=survey.pk, state=source, version=version).update(
        version=F("version") + 1, **changes
    )
    if updated == 0:
        raise Conflict()
    survey.refresh_from_db()
    events.record(
        verb=f"reports.survey_{action}",
        subject=survey,
        actor=actor,
        before={"state": source},
        after={"state": target},
    )
    return survey


def survey_close_expired(*, now: dt.datetime) -> int:
    """RP-6: open surveys past their closing date end by themselves. Compare-and-set per
    survey (a manager closing it at the same moment wins quietly); audit
    ``reports.survey_close`` by the system. Returns how many were closed."""
    today = clock.localtime(now).date()
    closed = 0
    for survey in Survey.objects.filter(state=SurveyState.OPEN, closes_on__lt=today):
        with transaction.atomic():
            updated = Survey.objects.filter(
                pk=survey.pk, state=SurveyState.OPEN, version=survey.version
            ).update(state=SurveyState.CLOSED, closed_at=now, version=F("version") + 1)
            if updated:
                events.record(
                    verb="reports.survey_close",
                    subject=survey,
                    actor=None,
                    before={"state": SurveyState.OPEN},
                    after={"state": SurveyState.CLOSED},
                    data={"reason": "closes_on"},
                )
                closed += 1
    return closed


def _answer_value(question: SurveyQuestion, raw: Any) -> dict[str, Any] | None:
    """The stored fields of one answer, None when left empty; ValidationFailed if bad."""
    text = str(raw or "").strip()
    if not text:
        if question.required:
            raise ValidationFailed(
                _("请回答第 %(n)d 题：%(q)s") % {"n": question.position, "q": question.text}
            )
        return None
    if question.kind == QuestionKind.RATING:
        if text not in {"1", "2", "3", "4", "5"}:
            raise ValidationFailed(_("评分须为 1 到 5 分。"))
        return {"rating": int(text)}
    if question.kind == QuestionKind.CHOICE:
        if text not in question.choices:
            raise ValidationFailed(_("请从选项中选择。"))
        return {"choice": text}
    if len(text) > TEXT_MAX:
        raise ValidationFailed(_("意见最多 1000 字。"))
    return {"text": text}


@transaction.atomic
def survey_response_submit(
    *, survey: Survey, resident: Resident, unit_id: int, answers: dict[int, Any], actor: Any
) -> SurveyResponse:
    """RP-6: one household's answers. The resident must live in the unit; the survey must be
    open and not past its closing date; one response per unit (a second one, even by another
    member of the household, is refused and nothing is saved).

    Side effects: the response and its answers, audit ``reports.survey_answered``.
    """
    current = Survey.objects.filter(pk=survey.pk, site_id=resident.site_id).first()
    if current is None:
        raise NotFound()
    if current.state != SurveyState.OPEN or current.closes_on < clock.today():
        raise ValidationFailed(_("该调查已结束，感谢您的关注。"))
    unit = (
        Unit.objects.filter(
            pk=unit_id,
            occupancies__resident=resident,
            occupancies__move_out__isnull=True,
        )
        .select_related("building")
        .first()
    )
    if unit is None:
        raise ValidationFailed(_("请选择您居住的房屋。"))
    questions = list(current.questions.order_by("position"))
    values = {q.pk: _answer_value(q, answers.get(q.pk)) for q in questions}
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                survey=current,
                unit=unit,
                building=unit.building,
                resident=resident,
                submitted_at=clock.now(),
            )
    except IntegrityError:
        raise Conflict(
            _("您家（%(unit)s）已经提交过本次调查，每户一份。") % {"unit": unit.label}
        ) from None
    SurveyAnswer.objects.bulk_create(
        [
            SurveyAnswer(response=response, question_id=qid, **value)
            for qid, value in values.items()
            if value is not None
        ]
    )
    events.record(
        verb="reports.survey_answered",
        subject=current,
        actor=actor,
        data={"unit_id": unit.pk, "response_id": response.pk},
    )
    return response


def survey_invite_batch(*, survey: Survey, now: dt.datetime) -> int:
    """RP-6: send the next households of an open survey an SMS with the link (one occupant
    per unit, the owner first). Idempotent: a cursor on the unit id and a dedupe key per
    (survey, unit). Returns how many were queued."""
    units = list(
        selectors.households(survey.site_id)
        .filter(pk__gt=survey.invited_through_unit)
        .order_by("pk")
        .values_list("pk", flat=True)[:INVITE_BATCH]
    )
    order: dict[str, int] = {Relation.OWNER: 0, Relation.TENANT: 1, Relation.FAMILY: 2}
    candidates = (
        Occupancy.objects.filter(unit_id__in=units, move_out__isnull=True)
        .exclude(resident__phone="")
        .values_list("unit_id", "relation", "resident__phone", "resident_id")
        .order_by("unit_id", "resident_id")
    )
    best: dict[int, tuple[int, str]] = {}
    for unit_id, relation, number, _resident in candidates:
        rank = order.get(relation, 3)
        if unit_id not in best or rank < best[unit_id][0]:
            best[unit_id] = (rank, str(number))
    phones = {unit_id: number for unit_id, (_rank, number) in best.items()}
    url = reverse("reports:survey_answer", args=[survey.pk])
    sent = 0
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.state != SurveyState.OPEN or locked.invitations_done_at is not None:
            return 0
        for unit_id in units:
            recipient = phones.get(unit_id, "")
            if not recipient:
                continue
            sent += len(
                notification_send(
                    site=locked.site,
                    topic="reports.survey",
                    title=_("%(site)s住户满意度调查") % {"site": locked.site.name},
                    body=_("%(title)s：请在 %(day)s 前登录住户服务填写，每户一份。")
                    % {"title": locked.title, "day": locked.closes_on.isoformat()},
                    url=url,
                    phone=recipient,
                    channels=[NotifyChannel.SMS],
                    dedupe_key=f"survey:{locked.pk}:unit:{unit_id}",
                )
            )
        locked.invited += sent
        if units:
            locked.invited_through_unit = units[-1]
        if len(units) < INVITE_BATCH:
            locked.invitations_done_at = now
        locked.save(update_fields=["invited", "invited_through_unit", "invitations_done_at"])
    return sent


# --- RP-4 exception report ---------------------------------------------------------------------


@transaction.atomic
def exception_fill_for_clock(
    *, clock_row: Clock, cause: str, corrective_action: str, actor: Any
) -> ClockException:
    """RP-4: record why a missed clock was missed and the corrective action taken.

    The SLA sweep writes the exception row when it breaches a clock; a clock met late before
    any sweep saw it (a request logged after the fact, a sweep that was down) has none, so one
    is opened here with the same fields, then ``sla.services.exception_fill`` records the
    cause. Side effects, in order: the ClockException if missing with audit
    ``reports.exception_opened``; then those of ``exception_fill``.
    """
    _require(actor, clock_row.site_id, selectors.EXCEPTION_FILL_ROLES)
    missed = clock_row.breached_at is not None or (
        clock_row.met_at is not None and clock_row.met_at > clock_row.due_at
    )
    if not missed:
        raise ValidationFailed(_("该时限没有超时，无需填写异常原因。"))
    exception, created = ClockException.objects.get_or_create(
        clock=clock_row,
        defaults={
            "ticket_id": clock_row.ticket_id,
            "site_id": clock_row.site_id,
            "rule": clock_row.rule,
            "kind": clock_row.kind,
            "due_at": clock_row.due_at,
            "recorded_at": clock.now(),
            "summary": _("%(number)s %(rule)s 超时")
            % {
                "number": clock_row.ticket.number,
                "rule": clock_row.rule,
            },
        },
    )
    if created:
        events.record(
            verb="reports.exception_opened",
            subject=exception,
            actor=actor,
            site_id=clock_row.site_id,
            data={"clock_id": clock_row.pk, "rule": clock_row.rule},
        )
    return sla_services.exception_fill(
        exception=exception, cause=cause, corrective_action=corrective_action, actor=actor
    )


# --- legal hold -----------------------------------------------------------------------------


@transaction.atomic
def legal_hold_set(*, ticket: Ticket, hold: bool, reason: str, actor: Any) -> Ticket:
    """Keep a request past its retention period (or release it). The retention job never
    removes a ticket on legal hold. Side effects: ``Ticket.legal_hold``, audit
    ``ticket.legal_hold`` on the ticket (its timeline shows who and why)."""
    _require(actor, ticket.site_id, selectors.HOLD_ROLES)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_("请填写保全或解除的原因。"))
    current = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if current.legal_hold == hold:
        raise ValidationFailed(_("该工单已处于法律保全。") if hold else _("该工单没有法律保全。"))
    Ticket.objects.filter(pk=current.pk).update(legal_hold=hold)
    events.record(
        verb="ticket.legal_hold",
        subject=current,
        actor=actor,
        before={"legal_hold": not hold},
        after={"legal_hold": hold},
        data={"reason": reason},
    )
    current.legal_hold = hold
    return current


# --- RT-1 the yearly register archive ---------------------------------------------------------


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    return day_start(dt.date(year, 1, 1)), day_start(dt.date(year + 1, 1, 1))


def _year_tickets(site: Site, year: int) -> QuerySet[Ticket]:
    start, end = _year_bounds(year)
    # ticket_site_received index
    return Ticket.objects.filter(site=site, received_at__gte=start, received_at__lt=end)


def register_archive_create(*, site: Site, year: int, actor: Any = None) -> RegisterArchive:
    """RT-1 / RQ-13: archive the site's request register of ``year`` at the start of the next.

    Refuses the current or a future year, and a year already archived. Writes the xlsx and the
    printable HTML (streamed, any size), then in one transaction: the RegisterArchive with
    both SHA-256 sums, ``archived_at`` on the year's finished tickets (read-only from then on;
    tickets still open are marked by ``register_archive_catch_up`` when they finish), audit
    ``reports.register_archived``. The files are removed again if that transaction fails.
    """
    if actor is not None:
        _require(actor, site.pk, selectors.ARCHIVE_ROLES)
    if year >= clock.today().year:
        raise ValidationFailed(_("只能归档已结束的年度（次年初归档，RT-1）。"))
    if RegisterArchive.objects.filter(site=site, year=year).exists():
        raise ValidationFailed(_("%(year)d 年的登记表已归档。") % {"year": year})
    tickets = _year_tickets(site, year).order_by("received_at", "pk")
    count = tickets.count()
    open_count = tickets.exclude(state__in=FINISHED_STATES).count()
    xlsx = exports.write_register_xlsx(site, year, tickets)
    html = exports.write_register_html(site, year, tickets, count)
    try:
        with transaction.atomic():
            now = clock.now()
            archive = RegisterArchive.objects.create(
                site=site,
                year=year,
                ticket_count=count,
                open_count=open_count,
                xlsx_path=xlsx.path,
                xlsx_sha256=xlsx.sha256,
                xlsx_size=xlsx.size,
                html_path=html.path,
                html_sha256=html.sha256,
                html_size=html.size,
                created_at=now,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            marked = (
                _year_tickets(site, year)
                .filter(state__in=FINISHED_STATES, archived_at__isnull=True)
                .update(archived_at=now)
            )
            events.record(
                verb="reports.register_archived",
                subject=archive,
                actor=actor,
                site_id=site.pk,
                data={
                    "year": year,
                    "tickets": count,
                    "still_open": open_count,
                    "marked": marked,
                    "xlsx_sha256": xlsx.sha256,
                    "html_sha256": html.sha256,
                },
            )
    except Exception:
        exports.remove_file(xlsx.path)
        exports.remove_file(html.path)
        raise
    return archive


def register_archive_catch_up(*, archive: RegisterArchive, now: dt.datetime) -> int:
    """Mark archived the tickets of an archived year that have finished since (they were
    still open at the start of the year). Returns how many."""
    return (
        _year_tickets(archive.site, archive.year)
        .filter(state__in=FINISHED_STATES, archived_at__isnull=True)
        .update(archived_at=now)
    )


# --- RT-1..RT-3 retention ---------------------------------------------------------------------

POLICIES = {
    RecordClass.REQUESTS: "RT-1 / RQ-13：报事登记表次年初归档，保存 2 年；法律保全、投诉（RT-4）及紧急事件记录除外",
    RecordClass.REGISTER_ARCHIVE: "RT-1：年度登记表归档副本保存 2 年",
    RecordClass.DUTY_LOG: "RT-2 / DT-8：值班记录保存 3 年（保留链锚点，verify-log 仍可校验）",
    RecordClass.VIOLATIONS_GENERAL: "RT-3 / VI-12：一般违章记录自解决起保存 1 年",
    RecordClass.VIOLATIONS_MAJOR: "RT-3 / VI-12：重大违章记录自解决起保存 5 年",
}


@dataclass(frozen=True)
class Removal:
    removed: int
    kept_on_hold: int = 0
    details: dict[str, Any] | None = None


def _record_run(
    *,
    site: Site,
    record_class: str,
    cutoff: dt.date,
    removal: Removal,
    now: dt.datetime,
    actor: Any,
) -> RetentionRun:
    user = actor if getattr(actor, "is_authenticated", False) else None
    run = RetentionRun.objects.create(
        ran_at=now,
        site=site,
        record_class=record_class,
        policy=POLICIES[RecordClass(record_class)],
        cutoff=cutoff,
        removed=removal.removed,
        kept_on_hold=removal.kept_on_hold,
        details=removal.details or {},
        actor=user,
        actor_label=(user.get_username() if user else _("系统（保存期限）"))[:150],
    )
    events.record(
        verb="reports.retention_run",
        subject=run,
        actor=actor,
        site_id=site.pk,
        data={
            "record_class": record_class,
            "removed": removal.removed,
            "kept_on_hold": removal.kept_on_hold,
            "cutoff": cutoff.isoformat(),
        },
    )
    return run


def requests_cutoff(today: dt.date) -> dt.date:
    """RT-1: the register of year Y is archived at the start of Y+1 and kept 2 years, so on
    ``today`` the tickets received before 1 January of ``today.year - 2`` are past."""
    return dt.date(today.year - REQUESTS_KEPT_YEARS, 1, 1)


def _without_kept_by_other_records(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Leave out tickets another record keeps alive: anything pointing at a ticket with
    PROTECT (the complaint record, kept long-term by RT-4; emergency records; a child ticket)."""
    for rel in Ticket._meta.related_objects:
        if rel.on_delete is models.PROTECT:
            related = rel.related_model._base_manager.filter(  # type: ignore[union-attr]
                **{rel.field.name: OuterRef("pk")}
            )
            tickets = tickets.exclude(Exists(related))
    return tickets


def _delete_files_after_commit(paths: list[str]) -> None:
    def remove() -> None:
        for path in paths:
            exports.remove_file(path)

    if paths:
        transaction.on_commit(remove)


def _purge_requests(site: Site, cutoff: dt.date) -> Removal:
    """RT-1: remove archived tickets received before ``cutoff`` (batches in the caller's
    transaction), their cascaded rows, their audit events and, after commit, their files."""
    past = Ticket.objects.filter(site=site, received_at__lt=day_start(cutoff))
    held = past.filter(legal_hold=True).count()
    doomed = _without_kept_by_other_records(
        past.filter(legal_hold=False, archived_at__isnull=False)
    ).order_by("received_at", "pk")
    removed = 0
    first = last = ""
    while removed < RETENTION_MAX_PER_RUN:
        batch = list(doomed.values_list("pk", "number")[:RETENTION_BATCH])
        if not batch:
            break
        ids = [pk for pk, _number in batch]
        first = first or batch[0][1]
        last = batch[-1][1]
        files = [
            str(name)
            for name in Attachment.objects.filter(ticket_id__in=ids).values_list("file", flat=True)
        ]
        Event.objects.filter(subject_type="tickets.ticket", subject_id__in=ids).delete()
        Ticket.objects.filter(pk__in=ids).delete()
        _delete_files_after_commit(files)
        removed += len(ids)
    return Removal(removed, held, {"first": first, "last": last} if removed else {})


def _purge_register_archives(site: Site, today: dt.date) -> Removal:
    """RT-1: the archived copies go with the tickets, two years after the archiving; a year
    with a ticket on legal hold keeps its copy."""
    removed = held = 0
    years: list[int] = []
    for archive in RegisterArchive.objects.filter(
        site=site, year__lt=today.year - REQUESTS_KEPT_YEARS
    ).order_by("year"):
        if _year_tickets(site, archive.year).filter(legal_hold=True).exists():
            held += 1
            continue
        paths = [archive.xlsx_path, archive.html_path]
        Event.objects.filter(subject_type="reports.registerarchive", subject_id=archive.pk).delete()
        archive.delete()
        _delete_files_after_commit(paths)
        removed += 1
        years.append(archive.year)
    return Removal(removed, held, {"years": years} if years else {})


def _purge_violations(site: Site, today: dt.date, grade: str) -> Removal:
    """RT-3 / VI-12: resolved cases of ``grade`` past their ``retain_until``."""
    doomed = ViolationCase.objects.filter(
        site=site, grade=grade, state=CaseState.RESOLVED, retain_until__lt=today
    ).order_by("retain_until", "pk")
    removed = 0
    numbers: list[str] = []
    while removed < RETENTION_MAX_PER_RUN:
        batch = list(doomed.values_list("pk", "number")[:RETENTION_BATCH])
        if not batch:
            break
        ids = [pk for pk, _number in batch]
        files = list(Evidence.objects.filter(case_id__in=ids).values_list("path", flat=True))
        Event.objects.filter(subject_type="violations.violationcase", subject_id__in=ids).delete()
        ViolationCase.objects.filter(pk__in=ids).delete()
        _delete_files_after_commit(files)
        removed += len(ids)
        numbers = (numbers + [number for _pk, number in batch])[:20]
    return Removal(removed, 0, {"numbers": numbers} if removed else {})


def retention_run(*, now: dt.datetime, actor: Any = None) -> list[RetentionRun]:
    """RT-1..RT-3: remove every record past its period, site by site, class by class.

    Requests (RT-1): archived tickets received before 1 January two years back, except those
    on legal hold, complaints (RT-4: long-term) and tickets other records keep; the year's
    register archive goes at the same time. Duty log (RT-2): the duty app's ``log_prune``,
    which anchors the chain so ``estatedesk verify-log`` still passes. Violations (RT-3):
    resolved cases past ``retain_until`` (1 year general, 5 years major). Complaint records are
    never removed (RT-4); service slips go with their ticket (RT-5).

    Each (site, class) with something to remove is one transaction holding the DELETEs, its
    ``RetentionRun`` row and the audit event ``reports.retention_run``; files are deleted after
    it commits. At most RETENTION_MAX_PER_RUN rows per (site, class) per run: the next run
    goes on. Idempotent: a second run finds nothing.
    """
    today = clock.localtime(now).date()
    runs: list[RetentionRun] = []
    chained = set(DutyLogChain.objects.values_list("site_id", flat=True))
    steps: list[tuple[str, dt.date, Callable[[Site], Removal]]] = [
        (
            RecordClass.REQUESTS,
            requests_cutoff(today),
            lambda s: _purge_requests(s, requests_cutoff(today)),
        ),
        (
            RecordClass.REGISTER_ARCHIVE,
            requests_cutoff(today),
            lambda s: _purge_register_archives(s, today),
        ),
        (
            RecordClass.DUTY_LOG,
            today,
            lambda s: Removal(log_prune(site=s, today=today)) if s.pk in chained else Removal(0),
        ),
        (
            RecordClass.VIOLATIONS_GENERAL,
            today,
            lambda s: _purge_violations(s, today, Grade.GENERAL),
        ),
        (RecordClass.VIOLATIONS_MAJOR, today, lambda s: _purge_violations(s, today, Grade.MAJOR)),
    ]
    for site in Site.objects.order_by("pk"):
        for record_class, cutoff, step in steps:
            with transaction.atomic():
                removal = step(site)
                if removal.removed:
                    runs.append(
                        _record_run(
                            site=site,
                            record_class=record_class,
                            cutoff=cutoff,
                            removal=removal,
                            now=now,
                            actor=actor,
                        )
                    )
    return runs
