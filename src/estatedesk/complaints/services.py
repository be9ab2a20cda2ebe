"""Every write of the complaints app.

Each service runs in one transaction and, in this order: checks who may act (the complaint
workflow table and roles at the complaint's site), validates, moves the ticket through the
ticket services where the complaint's step is also a ticket step (dispatch, start, refer,
complete, close), writes with a compare-and-set on the complaint's (pk, stage, version), writes
its audit event (core.events.record, verb ``complaint.*``), tells the SLA engine the same verb
(sla.services.clocks_on_event, which starts, meets and cancels the complaint clocks seeded by
migrations 0002 and 0003) and queues the notifications (notify.services.notification_send).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from estatedesk.complaints import clocks, selectors, stats, workflow
from estatedesk.complaints.enums import (
    CapaState,
    ExtensionState,
    NonPropertyKind,
    QualityConclusion,
    ReportVia,
    Satisfaction,
    Scope,
    Severity,
    Stage,
    SummaryState,
    TellVia,
    UpgradeReason,
    Validity,
)
from estatedesk.complaints.models import (
    Complaint,
    CorrectiveAction,
    ExtensionRequest,
    MonthlyComplaintSummary,
    QualityCheck,
    ReturnVisit,
    WeeklyComplaintReport,
)
from estatedesk.core import clock, events
from estatedesk.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)
from estatedesk.notify.services import notification_send
from estatedesk.org import roles
from estatedesk.org.enums import Role
from estatedesk.org.models import Department, ExternalParty, Membership, Site
from estatedesk.sla.services import clocks_on_event
from estatedesk.tickets import services as ticket_services
from estatedesk.tickets.enums import TicketKind, TicketState
from estatedesk.tickets.models import Ticket
from estatedesk.triage.similarity import similarity

TEXT_MAX = 4000
# CP-5: who a major / important complaint is reported to (or anyone above them).
REPORT_TO: dict[str, frozenset[str]] = {
    Severity.MAJOR: frozenset({Role.SITE_MANAGER, *roles.EXECUTIVES}),
    Severity.IMPORTANT: roles.EXECUTIVES,
}
# Ticket states in which the department's work can be completed (tickets workflow "complete").
COMPLETABLE = frozenset(
    {
        TicketState.DISPATCHED,
        TicketState.IN_PROGRESS,
        TicketState.WAITING_RESIDENT,
        TicketState.REFERRED,
    }
)


# --- helpers --------------------------------------------------------------------------------


def _label(user: Any) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or "").strip() or user.get_username()


def _text(value: Any, *, label: str, required: bool = True, limit: int = TEXT_MAX) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(_("请填写%(field)s。") % {"field": label})
    if len(text) > limit:
        raise ValidationFailed(_("%(field)s过长（最多 %(n)d 字）。") % {"field": label, "n": limit})
    return text


def _url(complaint: Complaint) -> str:
    return reverse("complaints:detail", args=[complaint.pk])


def _tell(
    users: Iterable[Any],
    *,
    site: Site,
    topic: str,
    title: str,
    body: str,
    url: str,
    actor: Any,
    dedupe_key: str = "",
) -> list[str]:
    """In-app notices (plus each user's own channels) to ``users``; returns their names."""
    told: list[str] = []
    seen: set[int] = set()
    for user in users:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        notification_send(
            site=site,
            topic=topic,
            title=title,
            body=body,
            url=url,
            user=user,
            dedupe_key=dedupe_key,
            actor=actor,
        )
        told.append(_label(user))
    return told


def _snapshot(c: Complaint) -> dict[str, Any]:
    return {"stage": c.stage, "severity": c.severity, "version": c.version}


def _load(complaint_id: int) -> Complaint:
    found = (
        Complaint.objects.select_related("ticket", "ticket__site", "site", "department")
        .filter(pk=complaint_id)
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def _visible(actor: Any, site_id: int) -> None:
    """Outside the actor's sites the object does not exist for them (404, not 403)."""
    if not roles.has_role(actor, site_id, roles.ALL_STAFF):
        raise NotFound()


def _check(
    c: Complaint, name: str, actor: Any, expected_version: int | None = None
) -> frozenset[str]:
    """The workflow table's checks for action ``name``: visible (else 404), version current,
    ticket not finished and stage allowed (409), capacity held (403), guard (400)."""
    action = workflow.find(name)
    if action is None:
        raise ValidationFailed(_("未知的操作：%(a)s") % {"a": name}, code="unknown_action")
    _visible(actor, c.site_id)
    if expected_version is not None and int(expected_version) != c.version:
        raise Conflict()
    if not c.ticket.is_active:
        raise TransitionNotAllowed(_("该投诉的工单已结束。"), stage=c.stage)
    if c.stage not in action.source:
        raise TransitionNotAllowed(
            _("投诉当前进度为「%(stage)s」，不能执行「%(action)s」。")
            % {"stage": c.get_stage_display(), "action": action.label},
            stage=c.stage,
        )
    held = workflow.capacities(c, actor)
    if not held & action.capacities:
        raise PermissionDenied()
    if action.guard is not None:
        problem = action.guard(c)
        if problem:
            raise ValidationFailed(problem, code="guard")
    return held


def _cas(c: Complaint, *, changes: dict[str, Any], now: dt.datetime) -> None:
    """Compare-and-set on (pk, stage, version): zero rows means someone moved first."""
    changes["updated_at"] = now
    rows = Complaint.objects.filter(pk=c.pk, stage=c.stage, version=c.version).update(
        version=F("version") + 1, **changes
    )
    if rows == 0:
        raise Conflict(_("该投诉已被他人处理，请刷新后重试。"))
    for field, value in changes.items():
        setattr(c, field, value)
    c.version += 1


def _record(
    c: Complaint,
    verb: str,
    *,
    actor: Any,
    at: dt.datetime,
    before: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    clock_data: dict[str, Any] | None = None,
    clock_at: dt.datetime | None = None,
) -> None:
    """The audit event on the ticket (so the ticket timeline shows it) and the same verb to
    the SLA engine, which starts and meets the complaint clocks (from ``clock_at`` when the
    commitment counts from another instant, e.g. the receipt of a call logged later)."""
    events.record(
        verb=verb,
        subject=c.ticket,
        actor=actor,
        before=before,
        after=_snapshot(c),
        data=data,
        at=at,
    )
    start = clock_at or at
    clocks_on_event(
        ticket=c.ticket,
        event=verb,
        at=start,
        actor=actor,
        data=clock_data if clock_data is not None else clocks.event_data(c, at=start),
    )


def _move_ticket(c: Complaint, action: str, actor: Any, **payload: Any) -> None:
    ticket_services.ticket_transition(
        ticket_id=c.ticket_id, action=action, actor=actor, payload=payload
    )
    c.ticket.refresh_from_db()


def _leaders(c: Complaint) -> list[Any]:
    """CP-6: the responsible leaders of a major or important complaint: the complained
    department's head and the site manager; CP-5: an important one also goes to the area
    manager."""
    users = selectors.users_with_roles(c.site_id, {Role.SITE_MANAGER})
    if c.department_id is not None:
        users += selectors.users_with_roles(
            c.site_id, {Role.DEPT_HEAD}, department_id=c.department_id
        )
    if c.severity == Severity.IMPORTANT:
        users += selectors.users_with_roles(c.site_id, {Role.AREA_MANAGER})
    return users


# --- intake (CP-1, CP-2, CP-4, CP-6, CP-11) ---------------------------------------------------


@dataclass(frozen=True)
class ComplaintDetail:
    """What the receiver records about a complaint besides the ticket's register fields."""

    validity: str
    severity: str
    scope: str
    demand: str
    apology: str
    invalid_reason: str = ""
    non_property_kind: str = ""
    external_party_id: int | None = None
    referred_to: str = ""
    department_id: int | None = None
    complained_person: str = ""
    reasonable_deadline: dt.datetime | None = None
    contact_note: str = ""


@dataclass(frozen=True)
class _Checked:
    department: Department | None
    party: ExternalParty | None


def _validate_detail(site: Site, d: ComplaintDetail, *, now: dt.datetime) -> _Checked:
    """CP-2 validity and scope, CP-3 severity, CP-4 the record, RQ-7 a referral target."""
    if d.validity not in Validity.values:
        raise ValidationFailed(_("请选择投诉是否有效（CP-2）。"))
    if d.severity not in Severity.values:
        raise ValidationFailed(_("请选择投诉等级（CP-3）。"))
    if d.scope not in Scope.values:
        raise ValidationFailed(_("请选择投诉性质（CP-2）。"))
    _text(d.demand, label=_("住户诉求"))
    _text(d.apology, label=_("致歉记录（CP-4）"))
    _text(d.complained_person, label=_("被投诉人"), required=False, limit=50)
    _text(d.contact_note, label=_("联系方式说明"), required=False, limit=100)
    if d.validity == Validity.INVALID:
        _text(d.invalid_reason, label=_("无效原因"), limit=300)
    if d.reasonable_deadline is not None and d.reasonable_deadline <= now:
        raise ValidationFailed(_("住户要求的合理期限须晚于现在。"))
    department = None
    if d.department_id is not None:
        department = Department.objects.filter(pk=d.department_id, site_id=site.pk).first()
        if department is None:
            raise ValidationFailed(_("被投诉部门不属于该管理处。"))
    party = None
    if d.scope == Scope.NON_PROPERTY:
        if d.non_property_kind not in NonPropertyKind.values:
            raise ValidationFailed(_("请选择非物业服务类别（开发商遗留问题或售楼承诺）。"))
        if d.external_party_id is not None:
            party = ExternalParty.objects.filter(pk=d.external_party_id, site_id=site.pk).first()
            if party is None:
                raise ValidationFailed(_("责任单位不属于该管理处。"))
        referred_to = _text(d.referred_to, label=_("责任方"), required=False, limit=200)
        if d.validity == Validity.VALID and party is None and not referred_to:
            raise ValidationFailed(_("非物业服务类投诉须转介给责任方并记录（RQ-7 严禁推诿）。"))
    elif d.validity == Validity.VALID and department is None:
        raise ValidationFailed(_("请选择被投诉部门（CP-6 意见表送达该部门）。"))
    return _Checked(department, party)


def _require_desk(site_id: int, actor: Any) -> None:
    if not roles.has_role(actor, site_id, roles.CS_DESK):
        raise PermissionDenied(_("只有客服中心人员可以受理投诉。"))


@transaction.atomic
def complaint_create(
    *,
    site: Site,
    actor: Any,
    ticket_fields: dict[str, Any],
    detail: ComplaintDetail,
    files: Iterable[Any] = (),
) -> Complaint:
    """Receive a complaint by hotline, visit, letter or in writing (CP-1, CP-4, CP-11).

    Side effects, in order: the ticket of kind complaint through ``tickets.services.
    intake_submit`` (the RQ-3 register and, for calls and visits, the CV-1 log); then as
    ``complaint_register``.
    """
    _require_desk(site.pk, actor)
    _validate_detail(site, detail, now=clock.now())
    fields = {**ticket_fields, "kind": TicketKind.COMPLAINT}
    ticket = ticket_services.intake_submit(
        site=site, actor=actor, ticket_fields=fields, files=files
    )
    return _open(ticket, detail, actor=actor)


@transaction.atomic
def complaint_register(*, ticket_id: int, actor: Any, detail: ComplaintDetail) -> Complaint:
    """CP-11: complete the complaint record of a complaint ticket that arrived another way
    (letter, the resident portal, the general intake). Side effects as ``_open``."""
    ticket = Ticket.objects.select_related("site").filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound()
    _visible(actor, ticket.site_id)
    _require_desk(ticket.site_id, actor)
    if ticket.kind != TicketKind.COMPLAINT:
        raise ValidationFailed(_("该工单不是投诉。"))
    if Complaint.objects.filter(ticket_id=ticket.pk).exists():
        raise Conflict(_("该投诉已登记。"))
    if ticket.state not in COMPLETABLE | {TicketState.RECEIVED}:
        raise TransitionNotAllowed(_("工单已处理完毕或已结束，不能再登记为投诉。"))
    return _open(ticket, detail, actor=actor)


def _open(ticket: Ticket, detail: ComplaintDetail, *, actor: Any) -> Complaint:
    """The complaint record of ``ticket`` and the start of its cycle.

    Side effects, in order: the ticket dispatched to the complained department (CP-6, a valid
    property-service complaint) or referred to the responsible party (RQ-7, a valid
    non-property one); the Complaint row with its CP-3 upgrade deadline; event
    ``complaint.received`` and its clocks (CP-5, CP-6, CP-7); the complaint form to the
    department (CP-6) and, for major and important ones, to the responsible leaders (CP-5,
    CP-6); the CP-3 repeat check, which links the same resident's complaints about the same
    matter and upgrades this one at the threshold.
    """
    now = clock.now()
    site = ticket.site
    checked = _validate_detail(site, detail, now=now)
    valid = detail.validity == Validity.VALID
    if valid and detail.scope == Scope.PROPERTY:
        stage = Stage.FORM_SENT
        if ticket.state == TicketState.RECEIVED:
            ticket_services.ticket_transition(
                ticket_id=ticket.pk,
                action="dispatch",
                actor=actor,
                payload={"department_id": checked.department.pk if checked.department else None},
            )
    elif valid:
        stage = Stage.REFERRED
        ticket_services.ticket_transition(
            ticket_id=ticket.pk,
            action="refer",
            actor=actor,
            payload={
                "referral_kind": "other",
                "external_party_id": checked.party.pk if checked.party else None,
                "referred_to": detail.referred_to,
                "note": detail.demand,
            },
        )
    else:
        stage = Stage.INVALID
    ticket.refresh_from_db()
    cfg = selectors.settings_for(site.pk)
    complaint = Complaint.objects.create(
        ticket=ticket,
        site=site,
        received_at=ticket.received_at,
        validity=detail.validity,
        invalid_reason=detail.invalid_reason.strip() if not valid else "",
        scope=detail.scope,
        non_property_kind=detail.non_property_kind if detail.scope == Scope.NON_PROPERTY else "",
        severity=detail.severity,
        initial_severity=detail.severity,
        upgrade_due_at=_add_months(ticket.received_at, cfg.overdue_months) if valid else None,
        department=checked.department,
        complained_person=detail.complained_person.strip(),
        demand=detail.demand.strip(),
        reasonable_deadline=detail.reasonable_deadline,
        contact_note=detail.contact_note.strip(),
        apology=detail.apology.strip(),
        stage=stage,
        form_sent_at=now if stage == Stage.FORM_SENT else None,
        leaders_copied_at=now if valid and detail.severity != Severity.MINOR else None,
        created_at=now,
        updated_at=now,
    )
    _record(
        complaint,
        "complaint.received",
        actor=actor,
        at=now,
        clock_at=ticket.received_at,
        data={
            "validity": complaint.validity,
            "scope": complaint.scope,
            "severity": complaint.severity,
            "department": checked.department.name if checked.department else "",
            "person": complaint.complained_person,
            "deadline": detail.reasonable_deadline.isoformat()
            if detail.reasonable_deadline
            else None,
        },
    )
    _notify_intake(complaint, actor=actor)
    _link_same_matter(complaint, actor=actor, now=now)
    return complaint


def _add_months(value: dt.datetime, months: int) -> dt.datetime:
    """``value`` plus calendar months in the local zone, the day clipped to the month's end."""
    local = clock.localtime(value)
    month_index = local.month - 1 + months
    year, month = local.year + month_index // 12, month_index % 12 + 1
    last_day = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return local.replace(year=year, month=month, day=min(local.day, last_day))


def _notify_intake(c: Complaint, *, actor: Any) -> None:
    number = c.ticket.number
    what = c.ticket.description[:80]
    if c.stage == Stage.FORM_SENT:
        _tell(
            selectors.department_recipients(c.site_id, c.ticket.department_id),
            site=c.site,
            topic="complaint.form",
            title=_("《住户投诉意见表》待签收：%(number)s") % {"number": number},
            body=_("%(severity)s · %(what)s。请在 15 分钟内签收（CP-6）。")
            % {"severity": c.get_severity_display(), "what": what},
            url=_url(c),
            actor=actor,
            dedupe_key=f"complaint.form:{c.pk}",
        )
    if c.leaders_copied_at is not None:
        _copy_leaders(c, actor=actor)


def _copy_leaders(c: Complaint, *, actor: Any) -> list[str]:
    """CP-5 / CP-6: a major complaint reaches the site manager the same day, an important one
    the area manager within 2 hours; both go to the responsible leaders."""
    if c.severity == Severity.MAJOR:
        title = _("重大投诉 %(number)s，请当日知悉（CP-5）")
    else:
        title = _("重要投诉 %(number)s，请 2 小时内知悉（CP-5）")
    return _tell(
        _leaders(c),
        site=c.site,
        topic="complaint.leaders",
        title=title % {"number": c.ticket.number},
        body=_("被投诉部门：%(dept)s。%(what)s")
        % {"dept": c.department.name if c.department else "-", "what": c.ticket.description[:80]},
        url=_url(c),
        actor=actor,
        dedupe_key=f"complaint.leaders:{c.pk}:{c.severity}",
    )


# --- CP-3 automatic upgrades ----------------------------------------------------------------


def _same_matter(c: Complaint, other: Complaint, threshold: float) -> bool:
    if c.department_id is not None and c.department_id == other.department_id:
        return True
    return similarity(c.ticket.description, other.ticket.description) >= threshold


def _link_same_matter(c: Complaint, *, actor: Any, now: dt.datetime) -> None:
    """CP-3: the same resident (or unit, or phone) raising the same matter again - the same
    complained department or similar text - within the window is linked; reaching the count
    (default 3 times in 30 days, this one included) upgrades this complaint to major."""
    ticket = c.ticket
    who = []
    if ticket.resident_id:
        who.append(Q(ticket__resident_id=ticket.resident_id))
    if ticket.unit_id:
        who.append(Q(ticket__unit_id=ticket.unit_id))
    if ticket.reporter_phone:
        who.append(Q(ticket__reporter_phone=ticket.reporter_phone))
    if not who:
        return
    same_person = who[0]
    for extra in who[1:]:
        same_person |= extra
    cfg = selectors.settings_for(c.site_id)
    since = c.received_at - dt.timedelta(days=cfg.repeat_window_days)
    candidates = (
        Complaint.objects.filter(
            same_person,
            site_id=c.site_id,
            validity=Validity.VALID,
            received_at__gte=since,
            received_at__lte=c.received_at,
        )
        .exclude(pk=c.pk)
        .select_related("ticket")
        .order_by("received_at", "pk")
    )
    matches = [o for o in candidates if _same_matter(c, o, cfg.similarity_threshold)]
    if not matches:
        return
    c.related.add(*matches)
    events.record(
        verb="complaint.linked",
        subject=ticket,
        actor=actor,
        data={"related": [o.ticket.number for o in matches], "window_days": cfg.repeat_window_days},
        at=now,
    )
    if c.is_valid and len(matches) + 1 >= cfg.repeat_count:
        _upgrade(
            c,
            reason=UpgradeReason.REPEATED,
            at=now,
            actor=actor,
            data={"times": len(matches) + 1, "related": [o.ticket.number for o in matches]},
        )


def _upgrade(
    c: Complaint, *, reason: str, at: dt.datetime, actor: Any, data: dict[str, Any]
) -> bool:
    """CP-3: the complaint becomes major; the clocks of its old severity are cancelled
    (replaced, not met) and those of major start (SLA policies cancel on and start from
    ``complaint.upgraded``). False when it is
    already major or someone changed it first (so a repeated job run is a no-op)."""
    old = c.severity
    if old == Severity.MAJOR or not c.is_valid:
        return False
    rows = Complaint.objects.filter(pk=c.pk, version=c.version, severity=old).update(
        severity=Severity.MAJOR,
        upgraded_at=at,
        upgrade_reason=reason,
        upgrade_due_at=None,
        leaders_copied_at=at,
        version=F("version") + 1,
        updated_at=at,
    )
    if rows == 0:
        return False
    c.severity = Severity.MAJOR
    c.upgraded_at = at
    c.upgrade_reason = reason
    c.upgrade_due_at = None
    c.leaders_copied_at = at
    c.version += 1
    _record(
        c,
        "complaint.upgraded",
        actor=actor,
        at=at,
        before={"severity": old},
        data={"reason": reason, "from": old, "to": Severity.MAJOR, **data},
    )
    _copy_leaders(c, actor=actor)
    return True


@transaction.atomic
def complaint_upgrade_overdue(*, complaint_id: int, now: dt.datetime) -> bool:
    """CP-3: a valid complaint not resolved one month (site setting) after receipt becomes
    major. Idempotent: the upgrade clears ``upgrade_due_at``, and a complaint handled,
    finished or already major in the meantime only has its deadline cleared."""
    c = Complaint.objects.select_related("ticket", "site", "department").filter(pk=complaint_id)
    complaint = c.first()
    if complaint is None or complaint.upgrade_due_at is None or complaint.upgrade_due_at > now:
        return False
    due = (
        complaint.is_valid
        and complaint.handled_at is None
        and complaint.ticket.is_active
        and complaint.severity != Severity.MAJOR
    )
    if not due:
        Complaint.objects.filter(pk=complaint.pk, version=complaint.version).update(
            upgrade_due_at=None
        )
        return False
    return _upgrade(
        complaint,
        reason=UpgradeReason.OVERDUE,
        at=now,
        actor=None,
        data={"received_at": complaint.received_at.isoformat()},
    )


# --- the form cycle (CP-5..CP-9) --------------------------------------------------------------


@transaction.atomic
def complaint_sign(
    *, complaint_id: int, actor: Any, expected_version: int | None = None
) -> Complaint:
    """CP-6: the complained department's recipient signs for the complaint form.

    Side effects: the ticket ``start`` (in progress, the signer its assignee when it had
    none), stage ``signed`` with who and when, event ``complaint.form_signed`` (meets the
    15-minute clock)."""
    c = _load(complaint_id)
    _check(c, "sign", actor, expected_version)
    now = clock.now()
    before = _snapshot(c)
    if c.ticket.state in {TicketState.RECEIVED, TicketState.DISPATCHED}:
        _move_ticket(c, "start", actor)
    _cas(
        c, changes={"stage": Stage.SIGNED, "form_signed_at": now, "form_signed_by": actor}, now=now
    )
    _record(c, "complaint.form_signed", actor=actor, at=now, before=before)
    return c


@transaction.atomic
def complaint_report(
    *,
    complaint_id: int,
    actor: Any,
    reported_to_id: int | None = None,
    via: str = ReportVia.SYSTEM,
) -> Complaint:
    """CP-5: a major complaint is reported to the site manager the same day, an important one
    to the area manager within 2 hours. The desk records whom it told and how; a manager
    opening the complaint records it themselves (``reported_to_id`` empty).

    Side effects: the report fields, event ``complaint.reported`` (meets the CP-5 clock)."""
    c = _load(complaint_id)
    _check(c, "report", actor)
    if via not in ReportVia.values:
        raise ValidationFailed(_("请选择报告方式。"))
    target = actor
    if reported_to_id is not None:
        membership = (
            Membership.objects.filter(
                user_id=reported_to_id, site_id=c.site_id, is_active=True, user__is_active=True
            )
            .select_related("user")
            .first()
        )
        if membership is None:
            raise ValidationFailed(_("报告对象不是本管理处的在岗人员。"))
        target = membership.user
    wanted = REPORT_TO[c.severity]
    if not roles.has_role(target, c.site_id, wanted):
        if c.severity == Severity.MAJOR:
            raise ValidationFailed(_("重大投诉须当日报告管理处经理（CP-5）。"))
        raise ValidationFailed(_("重要投诉须在 2 小时内报告区域经理（CP-5）。"))
    now = clock.now()
    before = _snapshot(c)
    _cas(c, changes={"reported_at": now, "reported_to": target, "report_via": via}, now=now)
    _record(
        c,
        "complaint.reported",
        actor=actor,
        at=now,
        before=before,
        data={"to": _label(target), "to_id": target.pk, "via": via},
    )
    return c


@transaction.atomic
def complaint_answer(*, complaint_id: int, actor: Any, answer: str) -> Complaint:
    """CP-7: a major complaint gets a clear answer to the complainant within 2 days.
    Side effects: the answer, event ``complaint.answered`` (meets that clock)."""
    c = _load(complaint_id)
    _check(c, "answer", actor)
    text = _text(answer, label=_("答复内容"))
    now = clock.now()
    before = _snapshot(c)
    _cas(c, changes={"answer": text, "answered_at": now, "answered_by": actor}, now=now)
    _record(c, "complaint.answered", actor=actor, at=now, before=before, data={"answer": text})
    return c


@transaction.atomic
def extension_request(
    *, complaint_id: int, actor: Any, reason: str, until: dt.datetime
) -> ExtensionRequest:
    """CP-7: the department asks to handle beyond the limit; a minor complaint's request goes
    to the CS supervisor, an important one's to the site manager; major ones cannot be
    extended. Side effects: the pending request, event ``complaint.extension_requested``,
    notices to the approvers."""
    c = _load(complaint_id)
    _check(c, "request_extension", actor)
    text = _text(reason, label=_("延期原因"), limit=1000)
    now = clock.now()
    if until <= now:
        raise ValidationFailed(_("申请延至的时间须晚于现在。"))
    current = selectors.handling_clock(c)
    if current is not None and until <= current.due_at:
        raise ValidationFailed(
            _("申请延至的时间须晚于当前处理期限 %(due)s。")
            % {"due": clock.localtime(current.due_at).strftime("%Y-%m-%d %H:%M")}
        )
    role = c.extension_approver_role
    assert role is not None  # the workflow guard refused major complaints
    try:
        with transaction.atomic():
            extension = ExtensionRequest.objects.create(
                complaint=c,
                site_id=c.site_id,
                requested_by=actor,
                requested_at=now,
                reason=text,
                until=until,
                approver_role=role,
            )
    except IntegrityError:
        raise Conflict(_("已有待审批的延期申请。")) from None
    events.record(
        verb="complaint.extension_requested",
        subject=c.ticket,
        actor=actor,
        data={
            "extension_id": extension.pk,
            "until": until.isoformat(),
            "reason": text,
            "approver_role": role,
        },
        at=now,
    )
    approvers = selectors.users_with_roles(c.site_id, {role})
    _tell(
        approvers,
        site=c.site,
        topic="complaint.extension",
        title=_("投诉 %(number)s 申请延期，待您审批（CP-7）") % {"number": c.ticket.number},
        body=_("申请延至 %(until)s：%(reason)s")
        % {"until": clock.localtime(until).strftime("%m-%d %H:%M"), "reason": text[:80]},
        url=_url(c),
        actor=actor,
        dedupe_key=f"complaint.extension:{extension.pk}",
    )
    return extension


@transaction.atomic
def extension_decide(
    *, extension_id: int, actor: Any, approve: bool, note: str = ""
) -> ExtensionRequest:
    """CP-7: the approver decides an extension: the CS supervisor (or the site manager) for a
    minor complaint, only the site manager for an important one. Anyone else is refused and
    nothing changes.

    Side effects: the decision; when approved, event ``complaint.extended``, which cancels the
    running handling clock (replaced, not met: DS-9 leaves it out) and starts the extended one
    due exactly at the approved time; when rejected, event ``complaint.extension_rejected``; a notice to the
    requester."""
    extension = (
        ExtensionRequest.objects.select_related(
            "complaint", "complaint__ticket", "complaint__site", "requested_by"
        )
        .filter(pk=extension_id)
        .first()
    )
    if extension is None:
        raise NotFound()
    _visible(actor, extension.site_id)
    c = extension.complaint
    if not workflow.may_decide_extension(c, actor, extension.approver_role):
        if extension.approver_role == Role.SITE_MANAGER:
            raise PermissionDenied(_("重要投诉的延期须由管理处经理审批（CP-7）。"))
        raise PermissionDenied(_("轻微投诉的延期须由客服中心主管审批（CP-7）。"))
    if extension.state != ExtensionState.PENDING:
        raise Conflict(_("该延期申请已审批。"))
    note = _text(note, label=_("审批意见"), required=not approve, limit=300)
    now = clock.now()
    if approve:
        if c.stage != Stage.SIGNED or not c.ticket.is_active:
            raise ValidationFailed(_("投诉已不在处理中，无需延期。"))
        if c.extension_approver_role != extension.approver_role:
            raise ValidationFailed(_("投诉等级已变化，该延期申请不能批准，请驳回。"))
        if extension.until <= now:
            raise ValidationFailed(_("申请延至的时间已过，请驳回后重新申请。"))
    state = ExtensionState.APPROVED if approve else ExtensionState.REJECTED
    rows = ExtensionRequest.objects.filter(pk=extension.pk, state=ExtensionState.PENDING).update(
        state=state, decided_by=actor, decided_at=now, decision_note=note
    )
    if rows == 0:
        raise Conflict(_("该延期申请已审批。"))
    extension.state = state
    extension.decided_by = actor
    extension.decided_at = now
    extension.decision_note = note
    data = {"extension_id": extension.pk, "until": extension.until.isoformat(), "note": note}
    if approve:
        clock_data = clocks.event_data(c, at=now)
        clock_data[clocks.DUE_AT] = extension.until.isoformat()  # due exactly then (CP-7)
        _record(c, "complaint.extended", actor=actor, at=now, data=data, clock_data=clock_data)
        title = _("投诉 %(number)s 的延期申请已批准")
    else:
        events.record(
            verb="complaint.extension_rejected", subject=c.ticket, actor=actor, data=data, at=now
        )
        title = _("投诉 %(number)s 的延期申请被驳回")
    _tell(
        [extension.requested_by],
        site=c.site,
        topic="complaint.extension",
        title=title % {"number": c.ticket.number},
        body=note
        or _("延至 %(until)s")
        % {"until": clock.localtime(extension.until).strftime("%m-%d %H:%M")},
        url=_url(c),
        actor=actor,
    )
    return extension


@transaction.atomic
def complaint_handle(
    *,
    complaint_id: int,
    actor: Any,
    handling: str,
    caused_by_substandard_work: bool = False,
    expected_version: int | None = None,
) -> Complaint:
    """CP-8: the department records its handling on the form; it must return the form and the
    complainant must be told the same day. DS-8: it says whether substandard work caused it.

    Side effects: the ticket ``complete`` (the service slip of the handling), stage
    ``handled``, the CP-3 upgrade deadline cleared, event ``complaint.handled`` (meets the
    CP-5/CP-7 handling clocks, starts the CP-8 same-day clocks), a notice to the receiver and
    the dispatchers."""
    c = _load(complaint_id)
    _check(c, "handle", actor, expected_version)
    text = _text(handling, label=_("处理情况"))
    now = clock.now()
    before = _snapshot(c)
    if c.ticket.state in COMPLETABLE:
        _move_ticket(c, "complete", actor, note=text)
    _cas(
        c,
        changes={
            "stage": Stage.HANDLED,
            "handling": text,
            "handled_at": now,
            "handled_by": actor,
            "caused_by_substandard_work": bool(caused_by_substandard_work),
            "upgrade_due_at": None,
        },
        now=now,
    )
    _record(
        c,
        "complaint.handled",
        actor=actor,
        at=now,
        before=before,
        data={"handling": text, "substandard": bool(caused_by_substandard_work)},
    )
    receivers = [c.ticket.receiver] if c.ticket.receiver_id else []
    receivers += selectors.users_with_roles(c.site_id, {Role.DISPATCHER})
    _tell(
        receivers,
        site=c.site,
        topic="complaint.handled",
        title=_("投诉 %(number)s 已处理，请当日收回意见表并告知投诉人（CP-8）")
        % {"number": c.ticket.number},
        body=text[:120],
        url=_url(c),
        actor=actor,
    )
    return c


@transaction.atomic
def complaint_form_return(*, complaint_id: int, actor: Any, note: str = "") -> Complaint:
    """CP-8: the receiver takes back the form, logs it in 《投诉处置记录表》 and reports to the
    CS supervisor. Side effects: stage ``returned``, event ``complaint.form_returned`` (meets
    the same-day return clock), a notice to the CS supervisors."""
    c = _load(complaint_id)
    _check(c, "return_form", actor)
    text = _text(note, label=_("备注"), required=False, limit=500)
    now = clock.now()
    before = _snapshot(c)
    _cas(
        c,
        changes={"stage": Stage.RETURNED, "form_returned_at": now, "form_returned_by": actor},
        now=now,
    )
    _record(c, "complaint.form_returned", actor=actor, at=now, before=before, data={"note": text})
    _tell(
        selectors.users_with_roles(c.site_id, {Role.CS_SUPERVISOR}),
        site=c.site,
        topic="complaint.returned",
        title=_("投诉 %(number)s 的处置已登记（CP-8）") % {"number": c.ticket.number},
        body=c.handling[:120],
        url=_url(c),
        actor=actor,
    )
    return c


@transaction.atomic
def complaint_tell(*, complaint_id: int, actor: Any, via: str, note: str) -> Complaint:
    """CP-8: the complainant is told the result the same day, by phone or a visit; a referred
    (RQ-7) or invalid (CP-2) complaint is explained to them.

    Side effects: the ticket completed with what was said (started first if it was only
    received), stage ``told``, event ``complaint.complainant_told`` (meets the CP-8 clock; for
    major and important complaints starts the CP-9 return-visit clock), the return-visit task
    for major and important complaints."""
    c = _load(complaint_id)
    _check(c, "tell", actor)
    if via not in TellVia.values:
        raise ValidationFailed(_("请选择告知方式。"))
    text = _text(note, label=_("告知内容及住户意见"))
    now = clock.now()
    before = _snapshot(c)
    if c.ticket.state == TicketState.RECEIVED:
        _move_ticket(c, "start", actor)
    if c.ticket.state in COMPLETABLE:
        _move_ticket(c, "complete", actor, note=text)
    _cas(
        c,
        changes={
            "stage": Stage.TOLD,
            "told_at": now,
            "told_by": actor,
            "told_via": via,
            "told_note": text,
        },
        now=now,
    )
    _record(
        c,
        "complaint.complainant_told",
        actor=actor,
        at=now,
        before=before,
        data={"via": via, "note": text},
    )
    if c.needs_return_visit:
        visit_clock = selectors.running_clock(c, (clocks.RETURN_VISIT,))
        ReturnVisit.objects.get_or_create(
            complaint=c,
            defaults={
                "site_id": c.site_id,
                "created_at": now,
                "due_at": visit_clock.due_at if visit_clock else None,
            },
        )
    return c


@transaction.atomic
def return_visit_record(
    *, complaint_id: int, actor: Any, via: str, result: str, satisfaction: str
) -> ReturnVisit:
    """CP-9: the return visit of a major or important complaint, with its result and the
    resident's satisfaction. Side effects: the visit's result, stage ``visited``, event
    ``complaint.visited`` (meets the CP-9 clock); a dissatisfied resident is reported to the
    CS supervisor and the site manager."""
    c = _load(complaint_id)
    _check(c, "visit", actor)
    if via not in TellVia.values:
        raise ValidationFailed(_("请选择回访方式。"))
    if satisfaction not in Satisfaction.values:
        raise ValidationFailed(_("请选择住户满意度。"))
    text = _text(result, label=_("回访情况"))
    now = clock.now()
    before = _snapshot(c)
    visit, _created = ReturnVisit.objects.get_or_create(
        complaint=c, defaults={"site_id": c.site_id, "created_at": now}
    )
    visit.done_at = now
    visit.done_by = actor
    visit.via = via
    visit.result = text
    visit.satisfaction = satisfaction
    visit.save(update_fields=["done_at", "done_by", "via", "result", "satisfaction"])
    _cas(c, changes={"stage": Stage.VISITED}, now=now)
    _record(
        c,
        "complaint.visited",
        actor=actor,
        at=now,
        before=before,
        data={"via": via, "result": text, "satisfaction": satisfaction},
    )
    if satisfaction == Satisfaction.DISSATISFIED:
        _tell(
            selectors.users_with_roles(c.site_id, {Role.CS_SUPERVISOR, Role.SITE_MANAGER}),
            site=c.site,
            topic="complaint.dissatisfied",
            title=_("投诉 %(number)s 回访不满意") % {"number": c.ticket.number},
            body=text[:120],
            url=_url(c),
            actor=actor,
        )
    return visit


@transaction.atomic
def complaint_close(*, complaint_id: int, actor: Any, note: str = "") -> Complaint:
    """DS-5 / CP-9: the dispatcher closes the complaint once the complainant was told and, for
    major and important complaints, visited. Side effects: the ticket ``close`` (signs the
    handling's service slip, stops every clock still running), stage ``closed``, event
    ``complaint.closed``."""
    c = _load(complaint_id)
    _check(c, "close", actor)
    text = _text(note, label=_("备注"), required=False, limit=500)
    now = clock.now()
    before = _snapshot(c)
    _move_ticket(c, "close", actor, slip_confirmed=True, note=text)
    _cas(c, changes={"stage": Stage.CLOSED, "closed_at": now}, now=now)
    events.record(
        verb="complaint.closed",
        subject=c.ticket,
        actor=actor,
        before=before,
        after=_snapshot(c),
        data={"note": text},
        at=now,
    )
    return c


# --- CP-10 / DS-8 corrective and preventive action ------------------------------------------


@transaction.atomic
def capa_file(
    *,
    complaint_id: int,
    actor: Any,
    nonconformity: str,
    cause: str,
    correction: str,
    prevention: str,
    owner_id: int,
    due_date: dt.date,
) -> CorrectiveAction:
    """CP-10 / DS-8: file the corrective and preventive action report of a major or important
    complaint, or of one caused by substandard work, with the quality department.

    Side effects: the report (state open), event ``capa.filed``, notices to the site's
    quality department and the owner."""
    c = _load(complaint_id)
    _visible(actor, c.site_id)
    if not c.needs_capa:
        raise ValidationFailed(
            _("只有重大、重要投诉和因工作不合格引起的投诉需要纠正与预防措施报告。")
        )
    if not workflow.may_file_capa(c, actor):
        raise PermissionDenied(_("纠正与预防措施报告由主管、部门负责人或经理提交。"))
    if CorrectiveAction.objects.filter(complaint=c).exists():
        raise Conflict(_("该投诉已提交纠正与预防措施报告。"))
    if due_date < clock.today():
        raise ValidationFailed(_("完成期限不能早于今天。"))
    membership = (
        Membership.objects.filter(
            user_id=owner_id, site_id=c.site_id, is_active=True, user__is_active=True
        )
        .select_related("user")
        .first()
    )
    if membership is None:
        raise ValidationFailed(_("责任人须为本管理处的在岗员工。"))
    now = clock.now()
    try:
        with transaction.atomic():
            capa = CorrectiveAction.objects.create(
                complaint=c,
                site_id=c.site_id,
                reason=c.capa_reason,
                nonconformity=_text(nonconformity, label=_("不合格事实")),
                cause=_text(cause, label=_("原因分析")),
                correction=_text(correction, label=_("纠正措施")),
                prevention=_text(prevention, label=_("预防措施")),
                owner=membership.user,
                due_date=due_date,
                filed_by=actor,
                filed_at=now,
            )
    except IntegrityError:
        raise Conflict(_("该投诉已提交纠正与预防措施报告。")) from None
    events.record(
        verb="capa.filed",
        subject=capa,
        actor=actor,
        site_id=c.site_id,
        after={"state": capa.state},
        data={"complaint": c.ticket.number, "reason": capa.reason, "owner": _label(capa.owner)},
        at=now,
    )
    _tell(
        [*selectors.users_with_roles(c.site_id, {Role.QUALITY}), capa.owner],
        site=c.site,
        topic="complaint.capa",
        title=_("纠正与预防措施报告：投诉 %(number)s") % {"number": c.ticket.number},
        body=_("责任人 %(owner)s，完成期限 %(due)s。")
        % {"owner": _label(capa.owner), "due": due_date.isoformat()},
        url=_url(c),
        actor=actor,
    )
    return capa


def _load_capa(capa_id: int, actor: Any) -> CorrectiveAction:
    capa = (
        CorrectiveAction.objects.select_related(
            "complaint", "complaint__ticket", "complaint__site", "owner", "filed_by"
        )
        .filter(pk=capa_id)
        .first()
    )
    if capa is None:
        raise NotFound()
    _visible(actor, capa.site_id)
    return capa


def _capa_cas(capa: CorrectiveAction, *, expected: str, changes: dict[str, Any]) -> None:
    rows = CorrectiveAction.objects.filter(pk=capa.pk, state=expected, version=capa.version).update(
        version=F("version") + 1, **changes
    )
    if rows == 0:
        raise Conflict(_("该报告已被他人处理，请刷新后重试。"))
    for field, value in changes.items():
        setattr(capa, field, value)
    capa.version += 1


@transaction.atomic
def capa_implement(*, capa_id: int, actor: Any, note: str) -> CorrectiveAction:
    """CP-10: the owner (or whoever filed such reports) records that the actions were taken.
    Side effects: state ``implemented``, event ``capa.implemented``, a notice to quality."""
    capa = _load_capa(capa_id, actor)
    if capa.owner_id != actor.pk and not workflow.may_file_capa(capa.complaint, actor):
        raise PermissionDenied()
    if capa.state != CapaState.OPEN:
        raise TransitionNotAllowed(_("该报告不在整改中。"), state=capa.state)
    text = _text(note, label=_("实施情况"))
    now = clock.now()
    _capa_cas(
        capa,
        expected=CapaState.OPEN,
        changes={
            "state": CapaState.IMPLEMENTED,
            "implementation_note": text,
            "implemented_by": actor,
            "implemented_at": now,
        },
    )
    events.record(
        verb="capa.implemented",
        subject=capa,
        actor=actor,
        site_id=capa.site_id,
        before={"state": CapaState.OPEN},
        after={"state": capa.state},
        data={"note": text},
        at=now,
    )
    _tell(
        selectors.users_with_roles(capa.site_id, {Role.QUALITY}),
        site=capa.complaint.site,
        topic="complaint.capa",
        title=_("纠正与预防措施已实施，待验证：投诉 %(number)s")
        % {"number": capa.complaint.ticket.number},
        body=text[:120],
        url=_url(capa.complaint),
        actor=actor,
    )
    return capa


@transaction.atomic
def capa_verify(*, capa_id: int, actor: Any, verification: str, accept: bool) -> CorrectiveAction:
    """CP-10: only the quality department verifies the actions and closes the report; a
    failed verification sends it back to the owner. Anyone else is refused, nothing changes.
    Side effects: state ``closed`` (or ``open``), event ``capa.closed`` (``capa.returned``),
    a notice to the owner."""
    capa = _load_capa(capa_id, actor)
    if not roles.has_role(actor, capa.site_id, {Role.QUALITY}):
        raise PermissionDenied(_("只有品质部可以验证并关闭纠正与预防措施报告（CP-10）。"))
    if capa.state != CapaState.IMPLEMENTED:
        raise TransitionNotAllowed(_("责任人尚未报告实施情况，不能验证。"), state=capa.state)
    text = _text(verification, label=_("验证结果"))
    now = clock.now()
    if accept:
        changes = {
            "state": CapaState.CLOSED,
            "verification": text,
            "verified_by": actor,
            "closed_at": now,
        }
        verb, title = "capa.closed", _("纠正与预防措施已验证关闭：投诉 %(number)s")
    else:
        changes = {"state": CapaState.OPEN, "verification": text}
        verb, title = "capa.returned", _("纠正与预防措施验证未通过：投诉 %(number)s")
    _capa_cas(capa, expected=CapaState.IMPLEMENTED, changes=changes)
    events.record(
        verb=verb,
        subject=capa,
        actor=actor,
        site_id=capa.site_id,
        before={"state": CapaState.IMPLEMENTED},
        after={"state": capa.state},
        data={"verification": text},
        at=now,
    )
    _tell(
        [capa.owner, capa.filed_by],
        site=capa.complaint.site,
        topic="complaint.capa",
        title=title % {"number": capa.complaint.ticket.number},
        body=text[:120],
        url=_url(capa.complaint),
        actor=actor,
    )
    return capa


# --- reviews: RP-1 weekly statistics, DS-7 quality check and monthly summary ------------------


def week_bounds(saturday: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """RP-1: the report of Saturday ``saturday`` covers the seven days before it (local)."""
    end = dt.datetime.combine(saturday, dt.time.min, tzinfo=clock.local_zone())
    return end - dt.timedelta(days=7), end


def latest_saturday(now: dt.datetime) -> dt.date:
    """The most recent Saturday on or before ``now`` (local date)."""
    today = clock.localtime(now).date()
    return today - dt.timedelta(days=(today.weekday() - 5) % 7)


@transaction.atomic
def weekly_report_generate(
    *, site: Site, saturday: dt.date, now: dt.datetime
) -> WeeklyComplaintReport | None:
    """RP-1: the weekly complaint statistics and analysis, delivered to each site manager.
    None when the site already has the report of that Saturday (unique per site and day).

    Side effects: the report with its figures and analysis, a notice to every site manager
    (deduplicated per report), event ``complaints.weekly_report``."""
    if WeeklyComplaintReport.objects.filter(site=site, saturday=saturday).exists():
        return None
    start, end = week_bounds(saturday)
    figures = stats.period_figures(site_id=site.pk, start=start, end=end)
    lines = stats.analysis(figures, period_label=_("本周"), previous_label=_("上周"))
    try:
        with transaction.atomic():
            report = WeeklyComplaintReport.objects.create(
                site=site,
                saturday=saturday,
                period_start=start,
                period_end=end,
                figures=figures,
                analysis=lines,
                generated_at=now,
            )
    except IntegrityError:
        return None
    told = _tell(
        selectors.users_with_roles(site.pk, {Role.SITE_MANAGER}),
        site=site,
        topic="complaints.weekly_report",
        title=_("投诉周报（%(start)s 至 %(end)s）")
        % {
            "start": start.date().isoformat(),
            "end": (end - dt.timedelta(days=1)).date().isoformat(),
        },
        body=" ".join(lines[:3]),
        url=reverse("complaints:weekly_detail", args=[report.pk]),
        actor=None,
        dedupe_key=f"complaints.weekly:{report.pk}",
    )
    report.recipients = told
    report.delivered_at = now if told else None
    report.save(update_fields=["recipients", "delivered_at"])
    events.record(
        verb="complaints.weekly_report",
        subject=report,
        actor=None,
        site_id=site.pk,
        data={"saturday": saturday.isoformat(), "total": figures["total"], "recipients": told},
        at=now,
    )
    return report


@transaction.atomic
def quality_check_record(
    *,
    report_id: int,
    actor: Any,
    conclusion: str,
    findings: str,
    actions: str = "",
    complaint_ids: Iterable[int] = (),
) -> QualityCheck:
    """DS-7: the site manager's weekly check of complaint handling quality, on that week's
    report. Side effects: the check with the complaints sampled, event
    ``complaints.quality_checked``."""
    report = WeeklyComplaintReport.objects.filter(pk=report_id).first()
    if report is None:
        raise NotFound()
    _visible(actor, report.site_id)
    if not roles.has_role(actor, report.site_id, {Role.SITE_MANAGER}):
        raise PermissionDenied(_("每周投诉处理质量检查由管理处经理记录（DS-7）。"))
    if QualityCheck.objects.filter(report=report).exists():
        raise Conflict(_("本周已记录质量检查。"))
    if conclusion not in QualityConclusion.values:
        raise ValidationFailed(_("请选择检查结论。"))
    sampled = list(Complaint.objects.filter(pk__in=list(complaint_ids), site_id=report.site_id))
    now = clock.now()
    try:
        with transaction.atomic():
            check = QualityCheck.objects.create(
                report=report,
                site_id=report.site_id,
                checked_by=actor,
                checked_at=now,
                conclusion=conclusion,
                findings=_text(findings, label=_("检查情况")),
                actions=_text(actions, label=_("改进要求"), required=False),
            )
    except IntegrityError:
        raise Conflict(_("本周已记录质量检查。")) from None
    check.complaints.set(sampled)
    events.record(
        verb="complaints.quality_checked",
        subject=report,
        actor=actor,
        site_id=report.site_id,
        data={"conclusion": conclusion, "complaints": [c.pk for c in sampled]},
        at=now,
    )
    return check


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = clock.local_zone()
    start = dt.datetime(month.year, month.month, 1, tzinfo=zone)
    end = dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=zone)
    return start, end


def previous_month(now: dt.datetime) -> dt.date:
    first = clock.localtime(now).date().replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def _month_figures(site_id: int, month: dt.date) -> dict[str, Any]:
    start, end = month_bounds(month)
    figures = stats.period_figures(site_id=site_id, start=start, end=end, with_rows=True)
    figures["analysis"] = stats.analysis(figures, period_label=_("本月"), previous_label=_("上月"))
    return figures


@transaction.atomic
def monthly_summary_generate(
    *, site: Site, month: dt.date, now: dt.datetime
) -> MonthlyComplaintSummary | None:
    """DS-7 / RP-2: draft 《投诉调度记录月总结表》 of ``month`` for the dispatcher to write up.
    None when it exists. Side effects: the draft with the month's figures and rows, a notice
    to the dispatchers, event ``complaints.monthly_summary``."""
    month = month.replace(day=1)
    if MonthlyComplaintSummary.objects.filter(site=site, month=month).exists():
        return None
    try:
        with transaction.atomic():
            summary = MonthlyComplaintSummary.objects.create(
                site=site, month=month, figures=_month_figures(site.pk, month), generated_at=now
            )
    except IntegrityError:
        return None
    _tell(
        selectors.users_with_roles(site.pk, {Role.DISPATCHER}),
        site=site,
        topic="complaints.monthly_summary",
        title=_("请撰写 %(month)s 投诉调度记录月总结（DS-7）") % {"month": f"{month:%Y-%m}"},
        body=" ".join(summary.figures["analysis"][:2]),
        url=reverse("complaints:monthly_detail", args=[summary.pk]),
        actor=None,
        dedupe_key=f"complaints.monthly:{summary.pk}",
    )
    events.record(
        verb="complaints.monthly_summary",
        subject=summary,
        actor=None,
        site_id=site.pk,
        data={"month": month.isoformat(), "total": summary.figures["total"]},
        at=now,
    )
    return summary


def _summary_cas(
    summary: MonthlyComplaintSummary, *, expected: str, changes: dict[str, Any]
) -> None:
    rows = MonthlyComplaintSummary.objects.filter(
        pk=summary.pk, state=expected, version=summary.version
    ).update(version=F("version") + 1, **changes)
    if rows == 0:
        raise Conflict(_("该月总结已被他人修改，请刷新后重试。"))
    for field, value in changes.items():
        setattr(summary, field, value)
    summary.version += 1


def _load_summary(summary_id: int, actor: Any) -> MonthlyComplaintSummary:
    summary = MonthlyComplaintSummary.objects.select_related("site").filter(pk=summary_id).first()
    if summary is None:
        raise NotFound()
    _visible(actor, summary.site_id)
    return summary


@transaction.atomic
def monthly_summary_submit(
    *, summary_id: int, actor: Any, text: str, expected_version: int | None = None
) -> MonthlyComplaintSummary:
    """DS-7: the dispatcher writes up the month (figures refreshed) and submits it to the site
    manager; it may be revised until the manager signs. Side effects: the summary text and
    fresh figures, state ``submitted``, event ``complaints.monthly_submitted``, a notice to
    the site managers."""
    summary = _load_summary(summary_id, actor)
    if not roles.has_role(actor, summary.site_id, roles.DISPATCHERS):
        raise PermissionDenied(_("月总结由调度员撰写（DS-7）。"))
    if summary.state == SummaryState.SIGNED:
        raise TransitionNotAllowed(_("经理已签字，月总结不能再修改。"), state=summary.state)
    if expected_version is not None and int(expected_version) != summary.version:
        raise Conflict(_("该月总结已被他人修改，请刷新后重试。"))
    body = _text(text, label=_("调度员总结"))
    now = clock.now()
    _summary_cas(
        summary,
        expected=summary.state,
        changes={
            "state": SummaryState.SUBMITTED,
            "dispatcher_summary": body,
            "figures": _month_figures(summary.site_id, summary.month),
            "submitted_by": actor,
            "submitted_at": now,
        },
    )
    events.record(
        verb="complaints.monthly_submitted",
        subject=summary,
        actor=actor,
        site_id=summary.site_id,
        data={"month": summary.month.isoformat()},
        at=now,
    )
    _tell(
        selectors.users_with_roles(summary.site_id, {Role.SITE_MANAGER}),
        site=summary.site,
        topic="complaints.monthly_summary",
        title=_("%(month)s 投诉调度记录月总结待您审阅签字（DS-7）")
        % {"month": f"{summary.month:%Y-%m}"},
        body=body[:120],
        url=reverse("complaints:monthly_detail", args=[summary.pk]),
        actor=actor,
    )
    return summary


@transaction.atomic
def monthly_summary_sign(*, summary_id: int, actor: Any, comment: str) -> MonthlyComplaintSummary:
    """DS-7 / RP-2: the site manager comments on and signs the monthly summary.
    Side effects: the comment and signature, state ``signed``, event
    ``complaints.monthly_signed``, a notice to the dispatcher who wrote it."""
    summary = _load_summary(summary_id, actor)
    if not roles.has_role(actor, summary.site_id, {Role.SITE_MANAGER}):
        raise PermissionDenied(_("月总结由管理处经理审阅签字（DS-7）。"))
    if summary.state != SummaryState.SUBMITTED:
        raise TransitionNotAllowed(_("调度员提交后才能签字。"), state=summary.state)
    body = _text(comment, label=_("经理意见"))
    now = clock.now()
    _summary_cas(
        summary,
        expected=SummaryState.SUBMITTED,
        changes={
            "state": SummaryState.SIGNED,
            "manager_comment": body,
            "signed_by": actor,
            "signed_at": now,
        },
    )
    events.record(
        verb="complaints.monthly_signed",
        subject=summary,
        actor=actor,
        site_id=summary.site_id,
        data={"month": summary.month.isoformat(), "comment": body},
        at=now,
    )
    _tell(
        [summary.submitted_by],
        site=summary.site,
        topic="complaints.monthly_summary",
        title=_("%(month)s 投诉调度记录月总结经理已签字") % {"month": f"{summary.month:%Y-%m}"},
        body=body[:120],
        url=reverse("complaints:monthly_detail", args=[summary.pk]),
        actor=actor,
    )
    return summary
