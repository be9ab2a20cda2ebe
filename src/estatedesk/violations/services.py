"""Every write on violation cases: one function per use case, in a transaction, with its
audit event. Authority (VI-9) is checked here with the rules predicates, so the pages and the
API refuse exactly the same things."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import IO, Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from estatedesk.core import clock, events, numbering
from estatedesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from estatedesk.notify.services import notification_send
from estatedesk.org.enums import Role
from estatedesk.org.models import Resident, Site, Unit
from estatedesk.org.selectors import staff_with_role
from estatedesk.violations import files, finance, rules
from estatedesk.violations.enums import (
    CASE_PREFIX,
    CHARGE_MEASURES,
    CS_MEASURES,
    DOCUMENT_PREFIX,
    GRADE_RULE,
    PENALTY_MEASURES,
    PERSUASION_MEASURES,
    RELATIONS_MEASURES,
    RETENTION_BY_GRADE,
    CaseState,
    DocumentKind,
    Grade,
    MeasureKind,
    ReinspectResult,
    TaskKind,
    ViolationKind,
    kind_of_subkind,
)
from estatedesk.violations.models import (
    CaseTask,
    Evidence,
    FinanceExport,
    Measure,
    ViolationCase,
    ViolationDocument,
    ViolationSettings,
)
from estatedesk.violations.selectors import (
    charges_for_month,
    due_reinspections,
    settings_for_site,
)
from estatedesk.violations.workflow import Action, next_state

MONEY_MAX = Decimal("99999999.99")


# --- helpers -------------------------------------------------------------------------------


def _day_code(at: dt.datetime) -> str:
    return clock.localtime(at).strftime("%y%m%d")


def _advance(case: ViolationCase, action: str, **changes: Any) -> None:
    """Compare-and-set the case to the workflow's next state, bumping its version.

    Zero rows means someone else changed the case since it was read: Conflict.
    """
    new_state = next_state(case.state, action)
    updated = ViolationCase.objects.filter(
        pk=case.pk, state=case.state, version=case.version
    ).update(state=new_state, version=case.version + 1, **changes)
    if not updated:
        raise Conflict()
    case.state = new_state
    case.version += 1
    for name, value in changes.items():
        setattr(case, name, value)


def _routed_user(site: Site, grade: str) -> Any:
    """VI-7: major violations go to the site manager, general ones to the CS supervisor."""
    role = Role.SITE_MANAGER if grade == Grade.MAJOR else Role.CS_SUPERVISOR
    membership = staff_with_role(site=site, role_set=frozenset({role})).first()
    return membership.user if membership is not None else None


def _case_url(case: ViolationCase) -> str:
    return reverse("violations:case_detail", args=[case.pk])


def _notify(
    *, case: ViolationCase, user: Any, topic: str, title: str, body: str, key: str, actor: Any
) -> None:
    """Queue an in-app (and preferred channels) message in the caller's transaction."""
    if user is None or (actor is not None and getattr(actor, "pk", None) == user.pk):
        return
    notification_send(
        site=case.site,
        topic=topic,
        title=title,
        body=body,
        url=_case_url(case),
        user=user,
        dedupe_key=key,
        actor=actor,
    )


def _require(allowed: bool, detail: str, code: str = "forbidden") -> None:
    if not allowed:
        raise PermissionDenied(detail, code=code)


def _money(amount: Decimal | None) -> Decimal | None:
    if amount is None:
        return None
    value = Decimal(amount).quantize(Decimal("0.01"))
    if value <= 0 or value > MONEY_MAX:
        raise ValidationFailed(_("金额须大于 0 元且不超过 99999999.99 元。"), code="amount_invalid")
    return value


def _check_ladder(case: ViolationCase, kind: str, reason: str) -> None:
    """VI-4 / VI-5: measures follow the ladder, persuasion and education first (VI-1);
    skipping a step needs a recorded reason.

    Going back down (talking again after a rectification notice) is normal and needs none.
    """
    ladder = case.ladder
    if kind not in ladder:
        raise ValidationFailed(
            _("“%(measure)s”不适用于“%(kind)s”。")
            % {"measure": MeasureKind(kind).label, "kind": case.get_kind_display()},
            code="measure_not_on_ladder",
        )
    done = set(case.measures.values_list("kind", flat=True))
    reached = max((ladder.index(k) for k in done if k in ladder), default=-1)
    rank = ladder.index(kind)
    if rank > reached + 1 and not reason.strip():
        expected = MeasureKind(ladder[reached + 1]).label
        raise ValidationFailed(
            _("按处理顺序应先采取“%(expected)s”；越级采取“%(measure)s”须填写越级原因。")
            % {"expected": expected, "measure": MeasureKind(kind).label},
            code="measure_out_of_order",
        )


def _next_seq(case: ViolationCase) -> int:
    last = case.measures.order_by("-seq").values_list("seq", flat=True).first()
    return (last or 0) + 1


def _create_task(
    *, case: ViolationCase, measure: Measure, kind: str, due_at: dt.datetime, actor: Any
) -> CaseTask:
    task = CaseTask.objects.create(
        case=case,
        site_id=case.site_id,
        measure=measure,
        kind=kind,
        due_at=due_at,
        assignee=case.assigned_to,
        created_at=clock.now(),
    )
    events.record(
        verb="violations.task_created",
        subject=case,
        actor=actor,
        data={"task": task.pk, "kind": kind, "due_at": due_at.isoformat()},
    )
    _notify(
        case=case,
        user=task.assignee,
        topic="violations.task",
        title=_("%(task)s：%(number)s") % {"task": task.get_kind_display(), "number": case.number},
        body=_("期限 %(due)s") % {"due": clock.localtime(due_at).strftime("%Y-%m-%d %H:%M")},
        key=f"violations:task:{task.pk}",
        actor=actor,
    )
    return task


def _issue_document(
    *,
    case: ViolationCase,
    kind: str,
    addressee: str,
    content: str,
    actor: Any,
    deadline: dt.datetime | None = None,
    scheduled_for: dt.datetime | None = None,
) -> ViolationDocument:
    now = clock.now()
    prefix = case.site.code + DOCUMENT_PREFIX[DocumentKind(kind)]
    document = ViolationDocument.objects.create(
        case=case,
        site_id=case.site_id,
        kind=kind,
        number=numbering.daily_number(prefix, _day_code(now)),
        addressee=addressee,
        content=content,
        deadline=deadline,
        scheduled_for=scheduled_for,
        issued_at=now,
        issued_by=actor,
    )
    events.record(
        verb="violations.document_issued",
        subject=case,
        actor=actor,
        data={"document": document.pk, "kind": kind, "number": document.number},
    )
    return document


def _addressee(case: ViolationCase) -> str:
    who = case.resident.name if case.resident else _("住户")
    return f"{case.unit.label} {who}"


# --- registration and grade ----------------------------------------------------------------


@transaction.atomic
def case_register(
    *,
    unit: Unit,
    resident: Resident | None,
    kind: str,
    sub_kind: str,
    location: str,
    occurred_at: dt.datetime,
    witness: str,
    description: str,
    onsite_persuasion: str,
    grade: str,
    causes_loss: bool,
    endangers_safety: bool,
    actor: Any,
) -> ViolationCase:
    """Register a violation reported to the CS center (VI-7) and route it.

    Validates the kind and sub-kind (VI-2) and the grade against its rule (VI-3). Side effects,
    in order: the case with its number (site code + WZ + yymmdd + counter) and retention class
    (VI-12); the on-the-spot persuasion already tried as the first measure; the audit event
    ``violations.case_registered``; a notification to the CS supervisor (general) or the site
    manager (major), who becomes the case's handler.
    """
    site = unit.site
    _require(
        bool(rules.may_register_at_site(actor, site)),
        _("只有客服中心人员可以登记违章（VI-7）。"),
    )
    if kind not in ViolationKind.values or kind_of_subkind(sub_kind) != kind:
        raise ValidationFailed(_("请选择与违章类别相符的违章情形。"), code="sub_kind_mismatch")
    if resident is not None and resident.site_id != site.pk:
        raise ValidationFailed(_("住户不属于该管理处。"), code="resident_other_site")
    _check_grade(grade, causes_loss=causes_loss, endangers_safety=endangers_safety)
    now = clock.now()
    if occurred_at > now:
        raise ValidationFailed(_("发现时间不能晚于现在。"), code="occurred_in_future")
    for label, value in (
        (_("地点"), location),
        (_("发现人"), witness),
        (_("违章情况"), description),
    ):
        if not value.strip():
            raise ValidationFailed(_("%(field)s不能为空。") % {"field": label}, code="required")
    case = ViolationCase(
        site=site,
        number=numbering.daily_number(site.code + CASE_PREFIX, _day_code(now)),
        unit=unit,
        resident=resident,
        kind=kind,
        sub_kind=sub_kind,
        location=location.strip(),
        occurred_at=occurred_at,
        witness=witness.strip(),
        description=description.strip(),
        onsite_persuasion=onsite_persuasion.strip(),
        grade=grade,
        causes_loss=causes_loss,
        endangers_safety=endangers_safety,
        state=CaseState.REGISTERED,
        assigned_to=_routed_user(site, grade),
        registered_by=actor,
        registered_at=now,
        retention_class=RETENTION_BY_GRADE[Grade(grade)],
    )
    case.retain_until = case.retain_until_for(grade, None)
    case.save()
    if case.onsite_persuasion:
        Measure.objects.create(
            case=case,
            site=site,
            seq=1,
            kind=MeasureKind.PERSUASION,
            details=case.onsite_persuasion,
            recorded_by=actor,
            recorded_at=now,
        )
    events.record(
        verb="violations.case_registered",
        subject=case,
        actor=actor,
        after={
            "number": case.number,
            "kind": kind,
            "sub_kind": sub_kind,
            "grade": grade,
            "retention_class": case.retention_class,
            "retain_until": case.retain_until,
            "assigned_to": case.assigned_to_id,
        },
    )
    _notify(
        case=case,
        user=case.assigned_to,
        topic="violations.assigned",
        title=_("新%(grade)s待处理：%(number)s")
        % {"grade": case.get_grade_display(), "number": case.number},
        body=f"{case.unit.label} {case.get_sub_kind_display()}：{case.description[:100]}",
        key=f"violations:assigned:{case.pk}:{case.grade}",
        actor=actor,
    )
    return case


def _check_grade(grade: str, *, causes_loss: bool, endangers_safety: bool) -> None:
    """VI-3: general exactly when there is no loss and no threat to public safety."""
    if grade not in Grade.values:
        raise ValidationFailed(_("请选择违章等级。"), code="grade_invalid")
    serious = causes_loss or endangers_safety
    if serious != (grade == Grade.MAJOR):
        raise ValidationFailed(
            _("违章等级与事实不符。%(rule)s") % {"rule": GRADE_RULE}, code="grade_rule"
        )


@transaction.atomic
def case_upgrade(
    *,
    case: ViolationCase,
    causes_loss: bool,
    endangers_safety: bool,
    reason: str,
    actor: Any,
) -> ViolationCase:
    """Upgrade a general violation to major when a loss or a safety threat comes to light
    (VI-3), re-route it to the site manager (VI-7) and change its retention class from 1 to 5
    years (VI-12, RT-3). Side effects: the case row (compare-and-set), the audit event
    ``violations.case_upgraded`` with the retention before and after, a notification to the
    site manager."""
    _require(
        bool(rules.is_case_supervisor(actor, case)),
        _("只有客服中心主管或管理处经理可以调整违章等级。"),
    )
    if case.grade != Grade.GENERAL:
        raise ValidationFailed(_("该违章已是重大违章。"), code="already_major")
    if not reason.strip():
        raise ValidationFailed(_("请填写升级原因。"), code="reason_required")
    _check_grade(Grade.MAJOR, causes_loss=causes_loss, endangers_safety=endangers_safety)
    before = {
        "grade": case.grade,
        "retention_class": case.retention_class,
        "retain_until": case.retain_until,
        "assigned_to": case.assigned_to_id,
    }
    manager = _routed_user(case.site, Grade.MAJOR)
    _advance(
        case,
        Action.UPGRADE,
        grade=Grade.MAJOR,
        causes_loss=causes_loss,
        endangers_safety=endangers_safety,
        retention_class=RETENTION_BY_GRADE[Grade.MAJOR],
        retain_until=case.retain_until_for(Grade.MAJOR, case.resolved_at),
        assigned_to=manager or case.assigned_to,
    )
    events.record(
        verb="violations.case_upgraded",
        subject=case,
        actor=actor,
        before=before,
        after={
            "grade": case.grade,
            "retention_class": case.retention_class,
            "retain_until": case.retain_until,
            "assigned_to": case.assigned_to_id,
        },
        data={"reason": reason.strip()},
    )
    _notify(
        case=case,
        user=case.assigned_to,
        topic="violations.assigned",
        title=_("违章升级为重大：%(number)s") % {"number": case.number},
        body=reason.strip()[:200],
        key=f"violations:assigned:{case.pk}:{case.grade}",
        actor=actor,
    )
    return case


# --- the ladder ----------------------------------------------------------------------------


@transaction.atomic
def measure_record(
    *,
    case: ViolationCase,
    kind: str,
    details: str,
    actor: Any,
    deadline: dt.datetime | None = None,
    out_of_order_reason: str = "",
) -> Measure:
    """Record persuasion (anyone at the site, VI-7/VI-9) or the CS center's written steps:
    rectification by a deadline (VI-4) and the fee reminder letter (VI-5).

    A step skipped on the ladder needs ``out_of_order_reason`` (VI-4). A rectification issues
    the numbered 《违章整改通知书》 and opens a re-inspection task due at the deadline. Side
    effects: the case (compare-and-set, registered -> handling), the measure, the notice and
    task for a rectification, the audit event ``violations.measure_recorded``.
    """
    if kind in PENALTY_MEASURES:
        raise ValidationFailed(
            _("处罚措施须由有权限的人员决定并签发。"), code="penalty_needs_decision"
        )
    if kind not in PERSUASION_MEASURES | CS_MEASURES:
        raise ValidationFailed(_("未知的处理措施。"), code="measure_unknown")
    if kind in PERSUASION_MEASURES:
        _require(bool(rules.is_case_staff(actor, case)), _("您不是该管理处的员工。"))
    else:
        _require(
            bool(rules.is_case_cs_desk(actor, case)),
            _("限期整改和催缴函由客服中心签发。"),
        )
    next_state(case.state, Action.MEASURE)
    if not details.strip():
        raise ValidationFailed(_("请填写情况说明。"), code="required")
    now = clock.now()
    if kind == MeasureKind.RECTIFICATION:
        if deadline is None:
            raise ValidationFailed(_("限期整改须填写整改期限。"), code="deadline_required")
        if deadline <= now:
            raise ValidationFailed(_("整改期限须晚于现在。"), code="deadline_past")
    else:
        deadline = None
    _check_ladder(case, kind, out_of_order_reason)
    _advance(case, Action.MEASURE)
    document = None
    if kind == MeasureKind.RECTIFICATION:
        document = _issue_document(
            case=case,
            kind=DocumentKind.RECTIFICATION_NOTICE,
            addressee=_addressee(case),
            content=details.strip(),
            deadline=deadline,
            actor=actor,
        )
    measure = Measure.objects.create(
        case=case,
        site_id=case.site_id,
        seq=_next_seq(case),
        kind=kind,
        details=details.strip(),
        out_of_order_reason=out_of_order_reason.strip(),
        deadline=deadline,
        document=document,
        recorded_by=actor,
        recorded_at=now,
    )
    events.record(
        verb="violations.measure_recorded",
        subject=case,
        actor=actor,
        data={
            "measure": measure.pk,
            "seq": measure.seq,
            "kind": kind,
            "out_of_order_reason": measure.out_of_order_reason,
            "deadline": deadline.isoformat() if deadline else None,
        },
    )
    if deadline is not None:
        _create_task(
            case=case, measure=measure, kind=TaskKind.REINSPECT, due_at=deadline, actor=actor
        )
    return measure


@transaction.atomic
def penalty_decide(
    *,
    case: ViolationCase,
    kind: str,
    details: str,
    actor: Any,
    amount: Decimal | None = None,
    out_of_order_reason: str = "",
    committee_support: str = "",
    notice: ViolationDocument | None = None,
) -> Measure:
    """Decide and sign a penalty; it takes effect at this signature (VI-10).

    Refused unless the actor holds the site's penalty authority (VI-9, default: the site
    manager). Compensation and late fees carry an amount (charged at month end, VI-10). Public
    criticism needs the owners' committee's support recorded (VI-8). A cut-off (VI-6) needs the
    covenant clause flag, the site manager himself and the written cut-off notice issued at
    least N (default 3) days before the announced time. Side effects: the case (compare-and-
    set), the signed measure, for compensation/public criticism/litigation a task to contact
    the resident and ease relations (VI-11; a cut-off gets it when executed), the audit event
    ``violations.penalty_decided``, a notification to the case's handler.
    """
    _require(
        bool(rules.may_decide_penalty(actor, case)),
        _("只有管理处授权的人员（默认管理处经理）可以决定处罚，其他人员只能劝导教育（VI-9）。"),
        code="penalty_not_authorized",
    )
    if kind not in PENALTY_MEASURES:
        raise ValidationFailed(_("这不是处罚措施，请用“记录措施”。"), code="not_a_penalty")
    next_state(case.state, Action.DECIDE)
    if not details.strip():
        raise ValidationFailed(_("请填写决定内容。"), code="required")
    if kind in CHARGE_MEASURES:
        if amount is None:
            raise ValidationFailed(_("请填写金额。"), code="amount_required")
        amount = _money(amount)
    else:
        amount = None
    settings = settings_for_site(case.site_id)
    scheduled_at = None
    if kind == MeasureKind.PUBLIC_CRITICISM and not committee_support.strip():
        raise ValidationFailed(
            _("公开批评须先取得业主委员会的支持，请记录支持情况（VI-8）。"),
            code="committee_support_required",
        )
    if kind == MeasureKind.CUTOFF:
        _check_cutoff_decision(case, settings, notice, actor)
        assert notice is not None
        scheduled_at = notice.scheduled_for
    else:
        notice = None
    _check_ladder(case, kind, out_of_order_reason)
    _advance(case, Action.DECIDE)
    now = clock.now()
    measure = Measure.objects.create(
        case=case,
        site_id=case.site_id,
        seq=_next_seq(case),
        kind=kind,
        details=details.strip(),
        out_of_order_reason=out_of_order_reason.strip(),
        amount=amount,
        document=notice,
        committee_support=committee_support.strip() if kind == MeasureKind.PUBLIC_CRITICISM else "",
        scheduled_at=scheduled_at,
        recorded_by=actor,
        recorded_at=now,
        signed_by=actor,
        signed_at=now,
    )
    events.record(
        verb="violations.penalty_decided",
        subject=case,
        actor=actor,
        data={
            "measure": measure.pk,
            "seq": measure.seq,
            "kind": kind,
            "amount": str(amount) if amount is not None else None,
            "out_of_order_reason": measure.out_of_order_reason,
        },
    )
    if kind in RELATIONS_MEASURES and kind != MeasureKind.CUTOFF:
        _relations_task(case, measure, settings, actor)
    _notify(
        case=case,
        user=case.assigned_to,
        topic="violations.decided",
        title=_("处罚决定已签发：%(number)s %(measure)s")
        % {"number": case.number, "measure": measure.get_kind_display()},
        body=measure.details[:200],
        key=f"violations:decided:{measure.pk}",
        actor=actor,
    )
    return measure


def _relations_task(
    case: ViolationCase, measure: Measure, settings: ViolationSettings, actor: Any
) -> None:
    """VI-11: after compensation, cut-off, public criticism or litigation, contact the resident."""
    due = clock.now() + dt.timedelta(days=settings.relations_followup_days)
    _create_task(case=case, measure=measure, kind=TaskKind.EASE_RELATIONS, due_at=due, actor=actor)


def _check_cutoff_decision(
    case: ViolationCase,
    settings: ViolationSettings,
    notice: ViolationDocument | None,
    actor: Any,
) -> None:
    """VI-6 preconditions known at decision time."""
    if not settings.covenant_allows_cutoff:
        raise ValidationFailed(
            _("本管理处的业主规约没有停水停电条款，不能停水停电（VI-6）。"),
            code="cutoff_not_in_covenant",
        )
    _require(
        bool(rules.may_decide_cutoff(actor, case)),
        _("停水停电须由管理处经理决定（VI-6）。"),
        code="cutoff_needs_site_manager",
    )
    if notice is None or notice.case_id != case.pk or notice.kind != DocumentKind.CUTOFF_NOTICE:
        raise ValidationFailed(
            _("停水停电前须先签发书面通知（VI-6）。"), code="cutoff_notice_missing"
        )
    _check_notice_lead(notice, settings, at=notice.scheduled_for)


def _check_notice_lead(
    notice: ViolationDocument, settings: ViolationSettings, *, at: dt.datetime | None
) -> None:
    days = settings.cutoff_notice_days
    if at is None or notice.issued_at > at - dt.timedelta(days=days):
        raise ValidationFailed(
            _("书面通知须在停水停电前至少 %(days)d 天发出（VI-6）。") % {"days": days},
            code="cutoff_notice_too_late",
        )


@transaction.atomic
def document_issue(
    *,
    case: ViolationCase,
    kind: str,
    content: str,
    actor: Any,
    addressee: str = "",
    scheduled_for: dt.datetime | None = None,
) -> ViolationDocument:
    """Issue and register a numbered 《协调单》 (VI-7) or the written cut-off notice (VI-6).

    (The 《违章整改通知书》 is issued by recording a rectification with its deadline.) A cut-off
    notice needs the covenant clause and announces a time at least N (default 3) days ahead.
    Side effects: the document (number site code + XT/TD + yymmdd + counter), the case's
    version, the audit event ``violations.document_issued``.
    """
    _require(bool(rules.is_case_cs_desk(actor, case)), _("文书由客服中心签发（VI-7）。"))
    if kind == DocumentKind.RECTIFICATION_NOTICE:
        raise ValidationFailed(
            _("违章整改通知书请通过“限期整改”措施签发。"), code="use_rectification"
        )
    if kind not in DocumentKind.values:
        raise ValidationFailed(_("未知的文书类别。"), code="document_kind_unknown")
    next_state(case.state, Action.ISSUE)
    if not content.strip():
        raise ValidationFailed(_("请填写文书内容。"), code="required")
    if kind == DocumentKind.CUTOFF_NOTICE:
        settings = settings_for_site(case.site_id)
        if not settings.covenant_allows_cutoff:
            raise ValidationFailed(
                _("本管理处的业主规约没有停水停电条款，不能停水停电（VI-6）。"),
                code="cutoff_not_in_covenant",
            )
        earliest = clock.now() + dt.timedelta(days=settings.cutoff_notice_days)
        if scheduled_for is None or scheduled_for < earliest:
            raise ValidationFailed(
                _("计划停水停电时间须在通知发出至少 %(days)d 天之后（VI-6）。")
                % {"days": settings.cutoff_notice_days},
                code="cutoff_notice_too_late",
            )
    else:
        scheduled_for = None
    _advance(case, Action.ISSUE)
    return _issue_document(
        case=case,
        kind=kind,
        addressee=addressee.strip() or _addressee(case),
        content=content.strip(),
        scheduled_for=scheduled_for,
        actor=actor,
    )


@transaction.atomic
def cutoff_visit_log(*, measure: Measure, note: str, actor: Any) -> Measure:
    """VI-6: log the visit that tells the resident, minutes before cutting, that it happens.

    Side effects: the measure's visit time and note, the audit event ``violations.cutoff_visit``.
    """
    case = measure.case
    _require(bool(rules.is_case_cs_desk(actor, case)), _("停水停电由客服中心执行（VI-10）。"))
    _check_cutoff_pending(measure)
    next_state(case.state, Action.EXECUTE)
    if not note.strip():
        raise ValidationFailed(_("请填写上门告知情况。"), code="required")
    now = clock.now()
    updated = Measure.objects.filter(pk=measure.pk, executed_at__isnull=True).update(
        visit_at=now, visit_note=note.strip()[:200]
    )
    if not updated:
        raise Conflict()
    measure.visit_at, measure.visit_note = now, note.strip()[:200]
    events.record(
        verb="violations.cutoff_visit",
        subject=case,
        actor=actor,
        data={"measure": measure.pk, "note": measure.visit_note},
    )
    return measure


def _check_cutoff_pending(measure: Measure) -> None:
    if measure.kind != MeasureKind.CUTOFF or measure.signed_at is None:
        raise ValidationFailed(_("这不是已签发的停水停电决定。"), code="not_a_cutoff")
    if measure.executed_at is not None:
        raise ValidationFailed(_("已执行停水停电。"), code="cutoff_done")


@transaction.atomic
def cutoff_execute(*, measure: Measure, actor: Any) -> Measure:
    """Cut water/electricity as decided (VI-6), executed by the CS center (VI-10).

    Refused unless, now: the covenant clause flag is still set; the written notice was issued
    at least N (default 3) days ago and its announced time has come; the visit was logged at
    least M (default 5) minutes ago. Side effects: the measure's execution time, the case's
    version, the VI-11 task to ease relations, the audit event ``violations.cutoff_executed``.
    """
    case = measure.case
    _require(bool(rules.is_case_cs_desk(actor, case)), _("停水停电由客服中心执行（VI-10）。"))
    _check_cutoff_pending(measure)
    settings = settings_for_site(case.site_id)
    if not settings.covenant_allows_cutoff:
        raise ValidationFailed(
            _("本管理处的业主规约没有停水停电条款，不能停水停电（VI-6）。"),
            code="cutoff_not_in_covenant",
        )
    now = clock.now()
    notice = measure.document
    if notice is None:
        raise ValidationFailed(
            _("停水停电前须先签发书面通知（VI-6）。"), code="cutoff_notice_missing"
        )
    _check_notice_lead(notice, settings, at=now)
    if measure.scheduled_at is not None and now < measure.scheduled_at:
        raise ValidationFailed(
            _("还未到通知中的停水停电时间 %(at)s。")
            % {"at": clock.localtime(measure.scheduled_at).strftime("%Y-%m-%d %H:%M")},
            code="cutoff_before_announced_time",
        )
    minutes = settings.cutoff_visit_minutes
    if measure.visit_at is None or measure.visit_at > now - dt.timedelta(minutes=minutes):
        raise ValidationFailed(
            _("停水停电前 %(minutes)d 分钟须上门告知住户，请先登记上门告知（VI-6）。")
            % {"minutes": minutes},
            code="cutoff_visit_missing",
        )
    _advance(case, Action.EXECUTE)
    updated = Measure.objects.filter(pk=measure.pk, executed_at__isnull=True).update(
        executed_at=now
    )
    if not updated:
        raise Conflict()
    measure.executed_at = now
    events.record(
        verb="violations.cutoff_executed", subject=case, actor=actor, data={"measure": measure.pk}
    )
    _relations_task(case, measure, settings, actor)
    return measure


@transaction.atomic
def case_resolve(*, case: ViolationCase, resolution: str, actor: Any) -> ViolationCase:
    """Close the case with its outcome (VI-7).

    Side effects, in order: the case (compare-and-set to resolved, resolution time, retain_until
    recomputed from it, VI-12); open re-inspections closed; for every cut-off in force a task
    to restore supply at once (VI-6) with a notification; the audit event
    ``violations.case_resolved``.
    """
    _require(
        bool(rules.is_case_supervisor(actor, case)),
        _("只有客服中心主管或管理处经理可以办结违章案件。"),
    )
    next_state(case.state, Action.RESOLVE)
    if not resolution.strip():
        raise ValidationFailed(_("请填写处理结果。"), code="required")
    now = clock.now()
    _advance(
        case,
        Action.RESOLVE,
        resolved_at=now,
        resolution=resolution.strip(),
        retain_until=case.retain_until_for(case.grade, now),
    )
    closed = CaseTask.objects.filter(
        case=case, kind=TaskKind.REINSPECT, done_at__isnull=True
    ).update(done_at=now, done_by=actor, note=_("案件已办结，复查结束。"))
    restores = []
    for measure in case.measures.filter(
        kind=MeasureKind.CUTOFF, executed_at__isnull=False, restored_at__isnull=True
    ):
        restores.append(
            _create_task(
                case=case, measure=measure, kind=TaskKind.RESTORE_SUPPLY, due_at=now, actor=actor
            ).pk
        )
    events.record(
        verb="violations.case_resolved",
        subject=case,
        actor=actor,
        after={
            "state": case.state,
            "resolution": case.resolution,
            "retain_until": case.retain_until,
        },
        data={"reinspections_closed": closed, "restore_tasks": restores},
    )
    return case


@transaction.atomic
def task_complete(*, task: CaseTask, actor: Any, result: str = "", note: str = "") -> CaseTask:
    """Complete a follow-up task: a re-inspection with its result (VI-4), supply restored
    (VI-6), the resident contacted (VI-11). Side effects: the task (compare-and-set on
    ``done_at``), for a restore the cut-off's restore time, the audit event
    ``violations.task_done``."""
    case = task.case
    _require(bool(rules.is_case_cs_desk(actor, case)), _("跟进任务由客服中心完成。"))
    if task.done_at is not None:
        raise ValidationFailed(_("该任务已完成。"), code="task_done")
    if task.kind == TaskKind.REINSPECT and result not in ReinspectResult.values:
        raise ValidationFailed(_("请选择复查结果。"), code="result_required")
    if task.kind != TaskKind.REINSPECT:
        result = ""
    if task.kind == TaskKind.EASE_RELATIONS and not note.strip():
        raise ValidationFailed(_("请填写与住户沟通的情况。"), code="required")
    now = clock.now()
    updated = CaseTask.objects.filter(pk=task.pk, done_at__isnull=True).update(
        done_at=now, done_by=actor, result=result, note=note.strip()
    )
    if not updated:
        raise Conflict()
    task.done_at, task.done_by, task.result, task.note = now, actor, result, note.strip()
    if task.kind == TaskKind.RESTORE_SUPPLY:
        Measure.objects.filter(pk=task.measure_id, restored_at__isnull=True).update(restored_at=now)
    events.record(
        verb="violations.task_done",
        subject=case,
        actor=actor,
        data={"task": task.pk, "kind": task.kind, "result": result, "note": task.note},
    )
    return task


# --- evidence, settings, finance --------------------------------------------------------------


@transaction.atomic
def evidence_add(*, case: ViolationCase, upload: IO[bytes], name: str, actor: Any) -> Evidence:
    """Attach a photo or PDF: type sniffed from its first bytes (JPEG/PNG/WebP/PDF), at most
    settings.UPLOAD_MAX_BYTES, stored under MEDIA_ROOT. Side effects: the file, the row, the
    audit event ``violations.evidence_added``."""
    _require(bool(rules.is_case_staff(actor, case)), _("您不是该管理处的员工。"))
    next_state(case.state, Action.EVIDENCE)
    stored = files.store_upload(upload, folder=f"violations/evidence/{case.site_id}/{case.pk}")
    item = Evidence.objects.create(
        case=case,
        site_id=case.site_id,
        path=stored.path,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        original_name=(name or "upload")[:200],
        uploaded_by=actor,
        uploaded_at=clock.now(),
    )
    events.record(
        verb="violations.evidence_added",
        subject=case,
        actor=actor,
        data={"evidence": item.pk, "sha256": item.sha256, "content_type": item.content_type},
    )
    return item


@transaction.atomic
def settings_update(
    *,
    site: Site,
    covenant_allows_cutoff: bool,
    penalty_roles: list[str],
    cutoff_notice_days: int,
    cutoff_visit_minutes: int,
    relations_followup_days: int,
    actor: Any,
) -> ViolationSettings:
    """Change the site's violation settings (VI-6 covenant flag, VI-9 penalty roles).

    The site manager always keeps the penalty authority. Side effects: the settings row
    (created on first change), the audit event ``violations.settings_changed`` (before/after).
    """
    _require(bool(rules.may_change_settings(actor, site)), _("只有管理处经理可以修改设置。"))
    allowed = {Role.SITE_MANAGER, *rules.OPTIONAL_PENALTY_ROLES}
    unknown = set(penalty_roles) - allowed
    if unknown:
        raise ValidationFailed(_("处罚权限只能授予客服中心主管或分管副总。"), code="roles_invalid")
    if cutoff_notice_days < 1 or cutoff_visit_minutes < 1 or relations_followup_days < 1:
        raise ValidationFailed(_("天数和分钟数须至少为 1。"), code="duration_invalid")
    row, _created = ViolationSettings.objects.select_for_update().get_or_create(site=site)
    fields = ["covenant_allows_cutoff", "penalty_roles", "cutoff_notice_days"]
    fields += ["cutoff_visit_minutes", "relations_followup_days"]
    before = {name: getattr(row, name) for name in fields}
    row.covenant_allows_cutoff = covenant_allows_cutoff
    row.penalty_roles = sorted({Role.SITE_MANAGER.value, *penalty_roles})
    row.cutoff_notice_days = cutoff_notice_days
    row.cutoff_visit_minutes = cutoff_visit_minutes
    row.relations_followup_days = relations_followup_days
    row.updated_at = clock.now()
    row.save(update_fields=[*fields, "updated_at"])
    events.record(
        verb="violations.settings_changed",
        subject=site,
        site_id=site.pk,
        actor=actor,
        before=before,
        after={name: getattr(row, name) for name in fields},
    )
    return row


@transaction.atomic
def finance_export_create(*, site: Site, month: dt.date, actor: Any) -> FinanceExport:
    """Copy the month's charges to residents for finance (VI-10) and keep the copy.

    Side effects, in order: the xlsx file under MEDIA_ROOT (formula-safe cells), the export
    row with a snapshot of every charge and the file's SHA-256, the audit event
    ``violations.finance_exported``.
    """
    _require(
        bool(rules.may_export_finance(actor, site)),
        _("只有财务、客服中心主管或管理处经理可以导出收费明细。"),
    )
    month = month.replace(day=1)
    if month > clock.today().replace(day=1):
        raise ValidationFailed(_("不能导出未来月份。"), code="month_in_future")
    rows = finance.charge_rows(charges_for_month(site=site, month=month))
    content = finance.build_workbook(site_name=site.name, month=month, rows=rows)
    stored = files.store_bytes(
        content,
        folder=f"violations/exports/{site.pk}",
        ext="xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    last = (
        FinanceExport.objects.filter(site=site, month=month)
        .order_by("-sequence")
        .values_list("sequence", flat=True)
        .first()
    )
    export = FinanceExport.objects.create(
        site=site,
        month=month,
        sequence=(last or 0) + 1,
        path=stored.path,
        sha256=stored.sha256,
        rows=len(rows),
        total=sum((Decimal(r["amount"]) for r in rows), Decimal("0")),
        snapshot=rows,
        created_by=actor,
        created_at=clock.now(),
    )
    events.record(
        verb="violations.finance_exported",
        subject=export,
        site_id=site.pk,
        actor=actor,
        data={
            "month": month.isoformat(),
            "rows": export.rows,
            "total": str(export.total),
            "sha256": export.sha256,
        },
    )
    return export


# --- jobs ------------------------------------------------------------------------------------


def rectification_overdue_flag(*, now: dt.datetime, batch: int = 200) -> int:
    """Flag re-inspections whose rectification deadline passed (VI-4) and notify their
    handler. Idempotent: each task is flagged once (compare-and-set on
    ``overdue_notified_at``), so a second run is a no-op; it catches up on anything due."""
    flagged = 0
    for task in list(due_reinspections(now)[:batch]):
        with transaction.atomic():
            if not CaseTask.objects.filter(pk=task.pk, overdue_notified_at__isnull=True).update(
                overdue_notified_at=now
            ):
                continue
            case = task.case
            events.record(
                verb="violations.rectification_overdue",
                subject=case,
                actor=None,
                data={"task": task.pk, "due_at": task.due_at.isoformat()},
            )
            body = _("%(unit)s 的整改期限 %(due)s 已过，请复查并决定下一步措施。") % {
                "unit": case.unit.label,
                "due": clock.localtime(task.due_at).strftime("%Y-%m-%d %H:%M"),
            }
            for user in {u.pk: u for u in (task.assignee, case.assigned_to) if u}.values():
                _notify(
                    case=case,
                    user=user,
                    topic="violations.overdue",
                    title=_("整改逾期：%(number)s") % {"number": case.number},
                    body=body,
                    key=f"violations:overdue:{task.pk}",
                    actor=None,
                )
            flagged += 1
    return flagged
