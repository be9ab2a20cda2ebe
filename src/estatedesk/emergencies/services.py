"""Every write of the emergencies app (EM-1..EM-7). Nothing else changes a case.

Each service runs in one transaction and, in this order: checks who may act (roles at the
case's site), validates, writes with a compare-and-set on the case's (pk, state, version), moves
the emergency's Ticket only through ``tickets.services`` (``intake_submit``, ``ticket_create``,
``ticket_transition``), writes its audit event on the ticket (``core.events.record``, so the
ticket's timeline is the emergency's) and tells the SLA engine the same verb
(``sla.services.clocks_on_event``: a site may time any emergency step with a policy), then
queues its notifications (``notify.services.notification_send``, delivered after commit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from estatedesk.core import clock, events
from estatedesk.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)
from estatedesk.emergencies import links, selectors
from estatedesk.emergencies.enums import (
    CASE_TRANSITIONS,
    DEFAULT_DEPARTMENT,
    DEPARTMENT_FOR_KIND,
    EMERGENCY_KINDS,
    RESPONDER_ORDER,
    SUPERVISOR_DECIDES_KINDS,
    AckVia,
    CaseState,
    ChainState,
    PageOutcome,
    ResponderStatus,
    Severity,
)
from estatedesk.emergencies.models import (
    EmergencyCase,
    EscalationLevel,
    Instruction,
    Page,
    PageRecipient,
    Responder,
    StepRecord,
)
from estatedesk.notify.selectors import preference_for
from estatedesk.notify.services import notification_send
from estatedesk.org import roles
from estatedesk.org.enums import DepartmentKind, Role
from estatedesk.org.models import Department, Membership, PublicPlace, Resident, Site, Unit
from estatedesk.sla.services import clocks_on_event
from estatedesk.tickets import services as ticket_services
from estatedesk.tickets.enums import ACTIVE_STATES, Channel, TicketKind, TicketState, Urgency
from estatedesk.tickets.models import Ticket

NOTE_MAX = 2000
SWEEP_BATCH = 200
# Ticket states from which settling the emergency reports the ticket complete.
COMPLETABLE_STATES = frozenset(
    {
        TicketState.DISPATCHED,
        TicketState.IN_PROGRESS,
        TicketState.WAITING_RESIDENT,
        TicketState.REFERRED,
    }
)
EMERGENCY_CHANNELS = frozenset({Channel.HOTLINE, Channel.VISIT, Channel.INTERNAL})


# --- helpers ------------------------------------------------------------------------------------


def _name(user: Any) -> str:
    return selectors.person_name(user)


def _local(value: dt.datetime) -> str:
    return clock.localtime(value).strftime("%m-%d %H:%M")


def case_url(case: EmergencyCase) -> str:
    return reverse("emergencies:detail", args=[case.pk])


def _require(
    user: Any, site_id: int, role_set: frozenset[str] | set[str], detail: Any = None
) -> None:
    """NotFound for someone with no role at the site (ids cannot be probed), PermissionDenied
    for site staff without one of ``role_set``."""
    if roles.has_role(user, site_id, role_set):
        return
    if not roles.has_role(user, site_id, roles.ALL_STAFF):
        raise NotFound()
    raise PermissionDenied(detail)


def _lock_case(case_id: int) -> EmergencyCase:
    """The case row, locked until commit (PostgreSQL; SQLite transactions are IMMEDIATE and
    serialise writers anyway). Every service and the sweep lock the case before its pages, so
    the lock order is the same everywhere and they cannot deadlock."""
    case = (
        EmergencyCase.objects.select_for_update(of=("self",))
        .select_related("ticket", "site")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound()
    return case


def _cas(case: EmergencyCase, *, changes: dict[str, Any], to_state: str | None = None) -> None:
    """Compare-and-set on (pk, state, version): zero rows means someone else moved first."""
    if to_state is not None:
        if to_state not in CASE_TRANSITIONS[case.state]:
            raise TransitionNotAllowed()
        changes = {**changes, "state": to_state}
    rows = EmergencyCase.objects.filter(pk=case.pk, state=case.state, version=case.version).update(
        version=F("version") + 1, **changes
    )
    if rows == 0:
        raise Conflict(_("该紧急事件已被他人更新，请刷新后重试。"))
    for name, value in changes.items():
        setattr(case, name, value)
    case.version += 1


def _record(
    case: EmergencyCase,
    verb: str,
    actor: Any,
    note: str,
    *,
    at: dt.datetime,
    data: dict[str, Any] | None = None,
) -> None:
    """The audit event on the emergency's ticket, then the same verb to the SLA engine."""
    payload = {"case_id": case.pk, "note": note, **(data or {})}
    events.record(
        verb=verb, subject=case.ticket, actor=actor, site_id=case.site_id, data=payload, at=at
    )
    clocks_on_event(ticket=case.ticket, event=verb, at=at, actor=actor, data=payload)


def _tell(
    case: EmergencyCase,
    users: Iterable[Any],
    *,
    topic: str,
    title: str,
    body: str,
    actor: Any,
    sms: bool = False,
) -> None:
    """In-app (and, for urgent news, SMS to the phone in the user's preferences)."""
    channels = ["inapp", "sms"] if sms else ["inapp"]
    seen: set[int] = set()
    for user in users:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        notification_send(
            site=case.site,
            topic=topic,
            title=title,
            body=body,
            url=case_url(case),
            user=user,
            channels=channels,
            actor=actor,
        )


def _holder(case: EmergencyCase) -> Any:
    return case.taken_over_by if case.taken_over_by_id else case.opened_by


def _kind_label(case: EmergencyCase) -> str:
    return str(case.ticket.get_kind_display())


def _text(value: str, *, limit: int = NOTE_MAX) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise ValidationFailed(_("内容过长（最多 %(n)d 字）。") % {"n": limit})
    return text


# --- opening (EM-1, EM-2, EM-6, EM-7) -------------------------------------------------------------


def _department_for(site: Site, kind: str) -> Department:
    """RQ-4: emergencies go to the security department (EM-7 runs its procedures), urgent
    orders to the management office; a site lacking that department uses the next one."""
    found = {d.kind: d for d in Department.objects.filter(site=site)}
    wanted = DEPARTMENT_FOR_KIND.get(kind, DEFAULT_DEPARTMENT)
    for department_kind in (
        wanted,
        DepartmentKind.SECURITY,
        DepartmentKind.MANAGEMENT,
        DepartmentKind.CUSTOMER_SERVICE,
    ):
        if department_kind in found:
            return found[department_kind]
    raise ValidationFailed(_("该管理处尚未设置保安部、管理处或客服中心部门，无法派出紧急事件。"))


@transaction.atomic
def emergency_open(
    *,
    site: Site,
    actor: Any,
    kind: str,
    description: str,
    reporter_name: str,
    reporter_phone: str = "",
    location_text: str = "",
    unit: Unit | None = None,
    place: PublicPlace | None = None,
    resident: Resident | None = None,
    people_involved: str = "",
    occurred_at: dt.datetime | None = None,
    severity: str = Severity.SERIOUS,
    channel: str = Channel.HOTLINE,
) -> EmergencyCase:
    """The duty officer opens an emergency in one step (EM-1, EM-4).

    Validates: an emergency kind (EM-1); for emergency medical the patient's phone and address
    are asked and recorded first (EM-6). Side effects, in order: the ticket through
    ``tickets.services.intake_submit`` (number, RQ-3 register, calls log, dispatch to the
    security department); the case, opened by ``actor``; a copy of the playbook's steps (EM-6,
    EM-7), the contact step done at once with the address and phone; event
    ``emergency.opened``; then, for emergency medical, the CS supervisor told at once when
    serious (EM-6: minor cases afterwards, the manager when the supervisor decides), and for
    every other kind the escalation chain's first level paged (EM-2).
    """
    _require(actor, site.pk, roles.CS_DESK, _("只有客服中心人员可以启动紧急事件。"))
    if kind not in EMERGENCY_KINDS:
        raise ValidationFailed(_("请选择紧急事件类别（EM-1）。"), code="not_an_emergency")
    if severity not in Severity.values:
        raise ValidationFailed(_("请选择严重程度。"))
    if channel not in EMERGENCY_CHANNELS:
        raise ValidationFailed(_("请选择有效的渠道。"))
    reporter_phone = (reporter_phone or "").strip()
    location_text = (location_text or "").strip()
    if kind == TicketKind.EMERGENCY_MEDICAL:
        if not reporter_phone:
            raise ValidationFailed(
                _("急救病人须先问清并记录联系电话（EM-6）。"), code="phone_required"
            )
        if unit is None and place is None and not location_text:
            raise ValidationFailed(
                _("急救病人须先问清并记录病人所在地址（EM-6）。"), code="address_required"
            )
    department = _department_for(site, kind)
    ticket = ticket_services.intake_submit(
        site=site,
        actor=actor,
        ticket_fields={
            "kind": kind,
            "channel": channel,
            "description": description,
            "reporter_name": reporter_name,
            "reporter_phone": reporter_phone,
            "unit": unit,
            "place": place,
            "location_text": location_text,
            "resident": resident,
            "people_involved": people_involved,
            "occurred_at": occurred_at,
            "urgency": Urgency.URGENT,
        },
        department=department,
    )
    now = clock.now()
    playbook = selectors.playbook_for(site, kind)
    case = EmergencyCase.objects.create(
        ticket=ticket,
        site=site,
        severity=severity,
        opened_by=actor,
        opened_at=now,
        playbook=playbook,
        procedure=playbook.procedure if playbook is not None else "",
    )
    if playbook is not None:
        StepRecord.objects.bulk_create(
            [
                StepRecord(
                    case=case,
                    step=step,
                    position=step.position,
                    branch=step.branch,
                    text=step.text,
                    detail=step.detail,
                    chooses_branch=step.chooses_branch,
                    records_contact=step.records_contact,
                )
                for step in playbook.steps.order_by("position")
            ]
        )
        contact = _("地址：%(address)s；电话：%(phone)s") % {
            "address": ticket.location_label or "-",
            "phone": reporter_phone or "-",
        }
        StepRecord.objects.filter(case=case, records_contact=True).update(
            done_at=now, done_by=actor, note=contact
        )
    _record(
        case,
        "emergency.opened",
        actor,
        _("%(kind)s（%(severity)s），执行%(procedure)s")
        % {
            "kind": _kind_label(case),
            "severity": Severity(severity).label,
            "procedure": case.procedure or _("（无预案）"),
        },
        at=now,
        data={"kind": kind, "severity": severity, "playbook_id": getattr(playbook, "pk", None)},
    )
    if kind in SUPERVISOR_DECIDES_KINDS:
        if severity == Severity.SERIOUS:
            _tell_supervisors(case, actor=actor, now=now, afterwards=False)
    else:
        _chain_start(case, actor=actor, now=now)
    return case


def _tell_supervisors(
    case: EmergencyCase, *, actor: Any, now: dt.datetime, afterwards: bool
) -> None:
    """EM-6: serious emergency-medical cases are reported to the CS supervisor at once, minor
    ones afterwards (when settled); the on-call CS head first (DT-7)."""
    contacts = selectors.recipients_for(case.site, Role.CS_SUPERVISOR, now)
    ticket = case.ticket
    title = (
        _("事后报告：%(kind)s %(number)s 已处置")
        if afterwards
        else _("【紧急】%(kind)s %(number)s，请知悉")
    ) % {"kind": _kind_label(case), "number": ticket.number}
    body = _("%(location)s · %(text)s。是否上报经理由您决定（EM-6）。") % {
        "location": ticket.location_label,
        "text": ticket.description[:80],
    }
    for contact in contacts:
        notification_send(
            site=case.site,
            topic="emergency.supervisor",
            title=title,
            body=body,
            url=case_url(case),
            user=contact.user,
            phone=contact.phone,
            channels=["inapp"] if afterwards else ["inapp", "sms"],
            actor=actor,
        )
    _cas(case, changes={"supervisor_told_at": now})
    _record(
        case,
        "emergency.supervisor_told",
        actor,
        (
            _("轻微：事后报告客服主管 %(names)s")
            if afterwards
            else _("严重：立即报告客服主管 %(names)s")
        )
        % {"names": "、".join(_name(c.user) for c in contacts) or _("（无主管）")},
        at=now,
        data={"afterwards": afterwards, "users": [c.user.pk for c in contacts]},
    )


# --- the escalation chain (EM-2) ---------------------------------------------------------------


def _chain_start(case: EmergencyCase, *, actor: Any, now: dt.datetime) -> None:
    _cas(case, changes={"chain_state": ChainState.RUNNING, "chain_started_at": now})
    _page_from(case, selectors.chain_levels(case.site), after=0, actor=actor, now=now)


def _page_from(
    case: EmergencyCase, levels: list[EscalationLevel], *, after: int, actor: Any, now: dt.datetime
) -> Page | None:
    """Page the first level after position ``after`` that has someone to page; a level with
    nobody holding its role is recorded as skipped and the next one is paged at once. When no
    level is left the chain is exhausted. The Page insert is the claim: a second sweep
    inserting the same (case, level) fails on ``page_once_per_level``."""
    for level in (lv for lv in levels if lv.position > after):
        page = Page.objects.create(
            case=case,
            level=level.position,
            role=level.role,
            label=level.display_label,
            paged_at=now,
            due_at=now + dt.timedelta(minutes=level.timeout_minutes),
        )
        contacts = selectors.recipients_for(case.site, level.role, now)
        if not contacts:
            Page.objects.filter(pk=page.pk).update(outcome=PageOutcome.SKIPPED, closed_at=now)
            _record(
                case,
                "emergency.level_skipped",
                None,
                _("第 %(level)d 级 %(label)s：无人可呼叫，越级")
                % {
                    "level": level.position,
                    "label": page.label,
                },
                at=now,
                data={"level": level.position, "page_id": page.pk},
            )
            continue
        _send_page(case, page, contacts, actor=actor)
        _record(
            case,
            "emergency.paged",
            actor,
            _("第 %(level)d 级 %(label)s：%(names)s，%(minutes)d 分钟内确认")
            % {
                "level": level.position,
                "label": page.label,
                "names": "、".join(_name(c.user) for c in contacts),
                "minutes": level.timeout_minutes,
            },
            at=now,
            data={
                "level": level.position,
                "page_id": page.pk,
                "users": [c.user.pk for c in contacts],
                "due_at": page.due_at,
            },
        )
        return page
    _chain_exhausted(case, actor=actor, now=now)
    return None


def _send_page(case: EmergencyCase, page: Page, contacts: list[Any], *, actor: Any) -> None:
    """One in-app page per person (its link opens the case page, where they acknowledge) and,
    where a phone is known (on-call list, else the person's notification settings), an SMS
    carrying the signed acknowledgement link (``links``)."""
    ticket = case.ticket
    minutes = int((page.due_at - page.paged_at).total_seconds() // 60)
    title = _("【紧急】%(kind)s %(number)s 请确认收到") % {
        "kind": _kind_label(case),
        "number": ticket.number,
    }
    summary = _("%(location)s · %(text)s。请在 %(minutes)d 分钟内确认收到。") % {
        "location": ticket.location_label or "-",
        "text": ticket.description[:60],
        "minutes": minutes,
    }
    for contact in contacts:
        pref = preference_for(contact.user)
        phone = contact.phone or (pref.phone if pref is not None else "")
        PageRecipient.objects.create(
            page=page, user=contact.user, phone=phone, source=contact.source
        )
        notification_send(
            site=case.site,
            topic="emergency.page",
            title=title,
            body=summary,
            url=case_url(case),
            user=contact.user,
            channels=["inapp"],
            dedupe_key=f"emergency-page:{page.pk}:{contact.user.pk}",
            actor=actor,
        )
        if phone:
            link = links.ack_url(page_id=page.pk, user_id=contact.user.pk)
            notification_send(
                site=case.site,
                topic="emergency.page",
                title=title,
                body=_("%(summary)s 确认收到：%(link)s") % {"summary": summary, "link": link},
                url=link,
                user=contact.user,
                phone=phone,
                channels=["sms"],
                dedupe_key=f"emergency-page:{page.pk}:{contact.user.pk}",
                actor=actor,
            )


def _chain_exhausted(case: EmergencyCase, *, actor: Any, now: dt.datetime) -> None:
    """Nobody at any level acknowledged: the post holder and the CS supervisors are told to
    keep calling by phone."""
    _cas(case, changes={"chain_state": ChainState.EXHAUSTED})
    supervisors = [c.user for c in selectors.recipients_for(case.site, Role.CS_SUPERVISOR, now)]
    _tell(
        case,
        [_holder(case), *supervisors],
        topic="emergency.unanswered",
        title=_("【紧急】%(number)s 各级领导均未确认收到") % {"number": case.ticket.number},
        body=_("请立即电话联系经理及公司领导，并在事件页面代记确认。"),
        actor=actor,
        sms=True,
    )
    _record(
        case,
        "emergency.chain_exhausted",
        actor,
        _("各级均未在时限内确认，已通知值班员和客服中心主管电话联系"),
        at=now,
    )


@transaction.atomic
def emergency_report_up(*, case: EmergencyCase, actor: Any) -> EmergencyCase:
    """EM-6: for emergency medical the CS supervisor decides the manager must know; the
    escalation chain starts (EM-2). Side effects: chain running, first level paged, event
    ``emergency.reported_up``."""
    _require(actor, case.site_id, roles.SUPERVISORS, _("由客服中心主管决定是否上报经理（EM-6）。"))
    case = _lock_case(case.pk)
    if case.state == CaseState.CLOSED:
        raise TransitionNotAllowed(_("该事件已结案。"))
    if case.chain_state != ChainState.NOT_STARTED:
        raise ValidationFailed(_("已在逐级呼叫，无需重复上报。"), code="chain_started")
    now = clock.now()
    _record(case, "emergency.reported_up", actor, _("主管决定上报经理"), at=now)
    _chain_start(case, actor=actor, now=now)
    return case


def page_escalate_due(*, now: dt.datetime) -> int:
    """The sweep (EM-2): every page still waiting past its deadline moves the chain to the next
    level; returns how many pages it moved on. Reads only the partial index
    ``page_waiting_due``; idempotent and catching up - a level is paged with its full timeout
    from the moment the sweep pages it, so a sweep that was down pages the next level at once
    and the one after only when that one too went unanswered."""
    due = list(
        Page.objects.filter(outcome=PageOutcome.WAITING, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", "case_id")[:SWEEP_BATCH]
    )
    moved = 0
    for page_id, case_id in due:
        if _escalate_one(page_id=page_id, case_id=case_id, now=now):
            moved += 1
    return moved


@transaction.atomic
def _escalate_one(*, page_id: int, case_id: int, now: dt.datetime) -> bool:
    """One overdue page: lock the case, re-read the page under the lock (an acknowledgement or
    an overlapping sweep may have moved it), mark it escalated and page the next level.

    Two sweeps overlapping: on PostgreSQL the second waits for the case lock and then finds
    the page no longer waiting; should it get past anyway, its insert of the next level's page
    fails on the unique (case, level) constraint and its savepoint rolls back, so every level is
    paged - and notified - once."""
    case = _lock_case(case_id)
    page = (
        Page.objects.select_for_update()
        .filter(pk=page_id, outcome=PageOutcome.WAITING, due_at__lte=now)
        .first()
    )
    if page is None:
        return False
    if case.chain_state != ChainState.RUNNING:
        Page.objects.filter(pk=page.pk).update(outcome=PageOutcome.STOPPED, closed_at=now)
        return False
    levels = selectors.chain_levels(case.site)
    has_next = any(level.position > page.level for level in levels)
    Page.objects.filter(pk=page.pk).update(
        outcome=PageOutcome.ESCALATED if has_next else PageOutcome.UNANSWERED, closed_at=now
    )
    _record(
        case,
        "emergency.escalated",
        None,
        _("第 %(level)d 级 %(label)s %(minutes)d 分钟内无人确认")
        % {
            "level": page.level,
            "label": page.label,
            "minutes": int((page.due_at - page.paged_at).total_seconds() // 60),
        },
        at=now,
        data={"level": page.level, "page_id": page.pk},
    )
    try:
        with transaction.atomic():
            _page_from(case, levels, after=page.level, actor=None, now=now)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def page_acknowledge(*, page: Page, actor: Any, via: str, on_behalf_of: Any = None) -> Page:
    """A paged leader confirms they know (EM-2); the acknowledgement stops the chain.

    From the case page or inbox (``page``), the API (``api``) or the signed SMS link (``sms``)
    the person paged acknowledges for themselves (or another holder of the level's role at the
    site); with ``phone`` the CS desk records that a paged person confirmed by phone
    (``on_behalf_of``). Acknowledging twice is a no-op. Side effects, in order: the page
    acknowledged (even one already escalated: a late answer still counts); the case's
    ``acknowledged_at`` and chain state ``acknowledged`` with every other waiting page
    stopped; event ``emergency.acknowledged``; the post holder told.
    """
    if via not in AckVia.values:
        raise ValidationFailed(_("未知的确认方式。"))
    case = _lock_case(page.case_id)
    page = Page.objects.select_for_update().get(pk=page.pk)
    recipient_ids = set(page.recipients.values_list("user_id", flat=True))
    recorder = None
    if via == AckVia.PHONE:
        _require(actor, case.site_id, roles.CS_DESK, _("只有客服中心可以代记电话确认。"))
        if on_behalf_of is None or on_behalf_of.pk not in recipient_ids:
            raise ValidationFailed(_("请选择电话中确认收到的被呼叫人。"))
        acknowledger, recorder = on_behalf_of, actor
    else:
        if actor.pk not in recipient_ids and not roles.has_role(
            actor, case.site_id, frozenset({page.role})
        ):
            _require(actor, case.site_id, frozenset(), _("只有被呼叫人本人可以确认收到。"))
        acknowledger = actor
    if case.state == CaseState.CLOSED:
        raise TransitionNotAllowed(_("该事件已结案。"))
    if page.acknowledged_at is not None:
        return page
    now = clock.now()
    page.outcome = PageOutcome.ACKNOWLEDGED
    page.acknowledged_at = now
    page.acknowledged_by = acknowledger
    page.ack_via = via
    page.ack_recorded_by = recorder
    page.closed_at = page.closed_at or now
    page.save(
        update_fields=[
            "outcome",
            "acknowledged_at",
            "acknowledged_by",
            "ack_via",
            "ack_recorded_by",
            "closed_at",
        ]
    )
    first = case.acknowledged_at is None
    if first:
        _cas(
            case,
            changes={
                "acknowledged_at": now,
                "acknowledged_by": acknowledger,
                "chain_state": ChainState.ACKNOWLEDGED,
            },
        )
        Page.objects.filter(case=case, outcome=PageOutcome.WAITING).update(
            outcome=PageOutcome.STOPPED, closed_at=now
        )
    note = _("第 %(level)d 级 %(label)s %(name)s 确认收到（%(via)s）") % {
        "level": page.level,
        "label": page.label,
        "name": _name(acknowledger),
        "via": AckVia(via).label,
    }
    if recorder is not None:
        note += _("，%(name)s 代记") % {"name": _name(recorder)}
    _record(
        case,
        "emergency.acknowledged",
        acknowledger,
        note,
        at=now,
        data={"level": page.level, "page_id": page.pk, "via": via, "stops_chain": first},
    )
    _tell(
        case,
        [_holder(case)],
        topic="emergency.acknowledged",
        title=_("%(name)s 已确认收到 %(number)s")
        % {
            "name": _name(acknowledger),
            "number": case.ticket.number,
        },
        body=note,
        actor=acknowledger,
    )
    return page


def page_acknowledge_by_link(*, token: str) -> Page:
    """The signed SMS link (EM-2): it names one page and one paged person, works without a
    login, acknowledges only that page, and expires (``links.MAX_AGE``)."""
    page_id, user_id = links.read_token(token)
    recipient = (
        PageRecipient.objects.filter(page_id=page_id, user_id=user_id, user__is_active=True)
        .select_related("user", "page")
        .first()
    )
    if recipient is None:
        raise links.LinkInvalid()
    return page_acknowledge(page=recipient.page, actor=recipient.user, via=AckVia.SMS)


# --- playbook (EM-6, EM-7) ---------------------------------------------------------------------


@transaction.atomic
def step_record(
    *, case: EmergencyCase, record: StepRecord, actor: Any, note: str = "", branch: str = ""
) -> StepRecord:
    """Record one playbook step as done now (EM-6, EM-7: the request records which procedure ran
    and its steps); the reporting and follow-up steps may still be recorded after the event
    settled, until the sign-off. A step that asks the way to proceed (emergency medical: hospital, call 120,
    short-term care) needs ``branch``, which fixes the case's branch; a branch's steps wait for
    that choice. Side effects: the step's time, person and note; the case's branch; event
    ``emergency.step_done``."""
    _require(actor, case.site_id, roles.CS_DESK, _("只有客服中心人员可以记录预案执行。"))
    case = _lock_case(case.pk)
    record = StepRecord.objects.select_for_update().get(pk=record.pk, case=case)
    if case.state == CaseState.CLOSED:
        raise TransitionNotAllowed(_("该事件已结案，不能再记录预案步骤。"))
    if record.done_at is not None:
        raise ValidationFailed(
            _("该步骤已于 %(at)s 完成。") % {"at": _local(record.done_at)}, code="step_done"
        )
    if record.branch and record.branch != case.branch:
        raise ValidationFailed(
            _("请先选定处置方式，再执行该方式的步骤。")
            if not case.branch
            else _("该步骤不属于已选定的处置方式。"),
            code="wrong_branch",
        )
    note = _text(note)
    now = clock.now()
    data: dict[str, Any] = {"position": record.position, "step_id": record.pk}
    if record.chooses_branch:
        labels = case.playbook.branch_labels if case.playbook is not None else {}
        if branch not in labels:
            raise ValidationFailed(_("请选择处置方式。"), code="branch_required")
        _cas(case, changes={"branch": branch, "branch_label": labels[branch]})
        note = labels[branch] + (f"：{note}" if note else "")
        data["branch"] = branch
    record.done_at = now
    record.done_by = actor
    record.note = note
    record.save(update_fields=["done_at", "done_by", "note"])
    _record(
        case,
        "emergency.step_done",
        actor,
        f"{record.position}. {record.text}" + (f" — {note}" if note else ""),
        at=now,
        data=data,
    )
    return record


# --- responders (EM-3) ---------------------------------------------------------------------------


@transaction.atomic
def responders_notify(
    *, case: EmergencyCase, users: Iterable[Any], actor: Any, note: str = ""
) -> list[Responder]:
    """EM-3: the dispatcher tells the people responsible in one action; each then confirms they
    know, are on the way, are on site, and reports back. People already told are skipped.
    Side effects: one Responder row each; an in-app and SMS message each; event
    ``emergency.responders_notified``."""
    _require(actor, case.site_id, roles.CS_DESK, _("只有客服中心人员可以通知责任人。"))
    case = _lock_case(case.pk)
    if case.state == CaseState.CLOSED:
        raise TransitionNotAllowed(_("该事件已结案。"))
    wanted = {user.pk: user for user in users}
    if not wanted:
        raise ValidationFailed(_("请选择要通知的责任人。"))
    staff = set(
        Membership.objects.filter(
            site_id=case.site_id, user_id__in=list(wanted), is_active=True, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    if set(wanted) - staff:
        raise ValidationFailed(_("所选人员不是本管理处的在岗员工。"))
    existing = set(case.responders.values_list("user_id", flat=True))
    new = [user for pk, user in wanted.items() if pk not in existing]
    if not new:
        raise ValidationFailed(_("所选人员均已通知过。"), code="already_notified")
    note = _text(note, limit=300)
    duties = {c.user.pk: c.duty for c in selectors.responder_candidates(case.site)}
    now = clock.now()
    rows = [
        Responder(
            case=case,
            user=user,
            duty=duties.get(user.pk, "")[:60],
            notified_at=now,
            notified_by=actor,
        )
        for user in new
    ]
    Responder.objects.bulk_create(rows)
    ticket = case.ticket
    _tell(
        case,
        new,
        topic="emergency.responder",
        title=_("【紧急】%(kind)s %(number)s，请立即到场")
        % {
            "kind": _kind_label(case),
            "number": ticket.number,
        },
        body=_("%(location)s · %(text)s %(note)s 到场后请在事件页面确认并反馈。")
        % {
            "location": ticket.location_label or "-",
            "text": ticket.description[:60],
            "note": note,
        },
        actor=actor,
        sms=True,
    )
    _record(
        case,
        "emergency.responders_notified",
        actor,
        _("已通知：%(names)s") % {"names": "、".join(_name(u) for u in new)}
        + (f"（{note}）" if note else ""),
        at=now,
        data={"users": [u.pk for u in new]},
    )
    return list(case.responders.filter(user_id__in=[u.pk for u in new]).select_related("user"))


STATUS_FIELD: dict[str, str] = {
    ResponderStatus.KNOWS: "knows_at",
    ResponderStatus.ON_WAY: "on_way_at",
    ResponderStatus.ARRIVED: "arrived_at",
    ResponderStatus.REPORTED: "reported_at",
}


@transaction.atomic
def responder_update(*, responder: Responder, status: str, actor: Any, note: str = "") -> Responder:
    """EM-3: a responder confirms they know, are on the way, are on site, or reports back (the
    CS desk may record it for them after a phone call). The status only moves forward; a
    report needs its text. Side effects: the status and its time; event
    ``emergency.responder_status``; the post holder told of arrivals and reports."""
    case = responder.case
    if actor.pk != responder.user_id:
        _require(actor, case.site_id, roles.CS_DESK, _("只有本人或客服中心可以更新到场情况。"))
    if status not in STATUS_FIELD:
        raise ValidationFailed(_("请选择有效的状态。"))
    case = _lock_case(case.pk)
    if case.state == CaseState.CLOSED:
        raise TransitionNotAllowed(_("该事件已结案。"))
    current = Responder.objects.select_for_update().get(pk=responder.pk)
    if RESPONDER_ORDER.index(status) <= RESPONDER_ORDER.index(current.status):
        raise ValidationFailed(
            _("当前状态为「%(state)s」，只能向前更新。")
            % {"state": ResponderStatus(current.status).label},
            code="status_backwards",
        )
    note = _text(note)
    if status == ResponderStatus.REPORTED and not note:
        raise ValidationFailed(_("请填写现场情况反馈。"), code="report_required")
    now = clock.now()
    current.status = status
    setattr(current, STATUS_FIELD[status], now)
    fields = ["status", STATUS_FIELD[status]]
    if status == ResponderStatus.REPORTED:
        current.report = note
        fields.append("report")
    current.save(update_fields=fields)
    label = str(ResponderStatus(status).label)
    text = _("%(name)s：%(status)s") % {"name": _name(current.user), "status": label}
    if note:
        text += f" — {note}"
    if actor.pk != current.user_id:
        text += _("（%(name)s 代记）") % {"name": _name(actor)}
    _record(
        case,
        "emergency.responder_status",
        actor,
        text,
        at=now,
        data={"responder_id": current.pk, "user_id": current.user_id, "status": status},
    )
    if status in {ResponderStatus.ARRIVED, ResponderStatus.REPORTED}:
        _tell(
            case,
            [_holder(case)],
            topic="emergency.responder",
            title=_("%(number)s：%(text)s") % {"number": case.ticket.number, "text": text[:80]},
            body=note,
            actor=actor,
        )
    return current


# --- leaders' instructions (EM-5) -----------------------------------------------------------------


@transaction.atomic
def instruction_create(
    *,
    case: EmergencyCase,
    actor: Any,
    text: str,
    owner: Any,
    due_at: dt.datetime | None,
    given_by: Any = None,
    given_by_name: str = "",
) -> Instruction:
    """EM-5 (件件立项): every instruction a leader gives becomes its own tracked item - a
    sub-ticket of the emergency (internal channel, parent = the emergency's ticket) dispatched
    to its owner's department and to the owner, with a deadline. Side effects, in order: the
    sub-ticket (``tickets.services.ticket_create``), its ``dispatch`` (the owner is told by the
    tickets app), the Instruction row, event ``emergency.instruction_created``."""
    _require(actor, case.site_id, roles.DISPATCHERS, _("领导指示由调度员/值班员记录立项。"))
    case = _lock_case(case.pk)
    if case.state == CaseState.CLOSED:
        raise TransitionNotAllowed(_("该事件已结案。"))
    text = _text(text, limit=1000)
    if not text:
        raise ValidationFailed(_("请填写指示内容。"))
    if given_by is not None:
        if not roles.has_role(given_by, case.site_id, roles.MANAGERS | roles.SUPERVISORS):
            raise ValidationFailed(_("指示领导须是本管理处的主管或领导。"))
        leader_name = _name(given_by)
    else:
        leader_name = (given_by_name or "").strip()[:50]
    if not leader_name:
        raise ValidationFailed(_("请写明是哪位领导的指示。"), code="leader_required")
    now = clock.now()
    if due_at is None or due_at <= now:
        raise ValidationFailed(_("请填写晚于现在的完成期限。"), code="due_required")
    if owner is None:
        raise ValidationFailed(_("请选择责任人。"))
    department_id = selectors.owner_department_id(case.site, owner)
    if department_id is None:
        raise ValidationFailed(_("责任人须是本管理处有所属部门的在岗员工。"), code="owner_invalid")
    sub = ticket_services.ticket_create(
        site=case.site,
        actor=actor,
        kind=TicketKind.OTHER_HELP,
        channel=Channel.INTERNAL,
        description=_("【领导指示】%(text)s（%(leader)s，紧急事件 %(number)s）")
        % {
            "text": text,
            "leader": leader_name,
            "number": case.ticket.number,
        },
        reporter_name=leader_name,
        location_text=case.ticket.location_label[:200],
        urgency=Urgency.URGENT,
        parent=case.ticket,
    )
    sub = ticket_services.ticket_transition(
        ticket_id=sub.pk,
        action="dispatch",
        actor=actor,
        payload={
            "department_id": department_id,
            "assignee_id": owner.pk,
            "note": _("领导指示，期限 %(due)s") % {"due": _local(due_at)},
        },
    )
    instruction = Instruction.objects.create(
        case=case,
        ticket=sub,
        given_by=given_by,
        given_by_name=leader_name,
        text=text,
        owner=owner,
        due_at=due_at,
        created_by=actor,
        created_at=now,
    )
    _record(
        case,
        "emergency.instruction_created",
        actor,
        _("%(leader)s：%(text)s → %(number)s（责任人 %(owner)s，期限 %(due)s）")
        % {
            "leader": leader_name,
            "text": text,
            "number": sub.number,
            "owner": _name(owner),
            "due": _local(due_at),
        },
        at=now,
        data={"instruction_id": instruction.pk, "sub_ticket": sub.number},
    )
    return instruction


def instruction_overdue_remind(*, now: dt.datetime) -> int:
    """EM-5 follow-up: an instruction whose sub-ticket is still open past its deadline is
    reported once to its owner and the emergency's post holder. Idempotent (the
    ``overdue_notified_at`` marker, set by compare-and-set) and catching up."""
    due = list(
        Instruction.objects.filter(
            overdue_notified_at__isnull=True, due_at__lte=now, ticket__state__in=ACTIVE_STATES
        )
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return sum(1 for pk in due if _remind_one(instruction_id=pk, now=now))


@transaction.atomic
def _remind_one(*, instruction_id: int, now: dt.datetime) -> bool:
    if not Instruction.objects.filter(pk=instruction_id, overdue_notified_at__isnull=True).update(
        overdue_notified_at=now
    ):
        return False
    instruction = Instruction.objects.select_related(
        "case__ticket", "case__site", "case__opened_by", "case__taken_over_by", "ticket", "owner"
    ).get(pk=instruction_id)
    case = instruction.case
    text = _("领导指示 %(number)s 已过期限 %(due)s 仍未办结：%(text)s") % {
        "number": instruction.ticket.number,
        "due": _local(instruction.due_at),
        "text": instruction.text[:60],
    }
    _tell(
        case,
        [instruction.owner, _holder(case)],
        topic="emergency.instruction_overdue",
        title=_("领导指示逾期：%(number)s") % {"number": instruction.ticket.number},
        body=text,
        actor=None,
    )
    _record(
        case,
        "emergency.instruction_overdue",
        None,
        text,
        at=now,
        data={"instruction_id": instruction.pk},
    )
    return True


# --- the post, settling and signing off (EM-4, EM-5) ---------------------------------------------


@transaction.atomic
def emergency_take_over(*, case: EmergencyCase, actor: Any) -> EmergencyCase:
    """EM-4: the dispatcher may not leave the post until the event has settled or someone
    takes over. Another CS desk member takes the emergency over; from then on their handover,
    not the opener's, is the one it holds. Side effects: ``taken_over_by``/``at``; event
    ``emergency.taken_over``; the previous holder told."""
    _require(actor, case.site_id, roles.CS_DESK, _("只有客服中心值班人员可以接手紧急事件。"))
    case = _lock_case(case.pk)
    if case.state != CaseState.OPEN:
        raise TransitionNotAllowed(_("事件已平息，无需接手。"))
    if case.holder_id == actor.pk:
        raise ValidationFailed(_("您已在负责该事件。"), code="already_holder")
    previous = _holder(case)
    now = clock.now()
    _cas(case, changes={"taken_over_by": actor, "taken_over_at": now})
    _record(
        case,
        "emergency.taken_over",
        actor,
        _("%(old)s → %(new)s") % {"old": _name(previous), "new": _name(actor)},
        at=now,
        data={"from": previous.pk, "to": actor.pk},
    )
    _tell(
        case,
        [previous],
        topic="emergency.taken_over",
        title=_("%(name)s 已接手 %(number)s")
        % {"name": _name(actor), "number": case.ticket.number},
        body=_("您可以办理交接班了。"),
        actor=actor,
    )
    return case


@transaction.atomic
def emergency_settle(*, case: EmergencyCase, actor: Any, note: str) -> EmergencyCase:
    """EM-4: the event has settled - recorded by the officer holding the post (or a CS
    supervisor/site manager) with the outcome. Side effects, in order: state ``settled``; a
    running chain stops (pages still waiting stop); the ticket reported complete with the
    outcome (``ticket_transition("complete")``, its service slip); event
    ``emergency.settled``; for a minor emergency-medical case the CS supervisor told now
    (EM-6: afterwards); the site managers asked to sign off (EM-5)."""
    _require(actor, case.site_id, roles.CS_DESK, _("只有客服中心人员可以确认事件平息。"))
    case = _lock_case(case.pk)
    if case.state != CaseState.OPEN:
        raise TransitionNotAllowed(_("事件已平息。"))
    if actor.pk != case.holder_id and not roles.has_role(actor, case.site_id, roles.SUPERVISORS):
        raise PermissionDenied(_("由负责该事件的值班员（或客服中心主管）确认平息（EM-4）。"))
    note = _text(note)
    if not note:
        raise ValidationFailed(_("请填写处置结果。"), code="note_required")
    now = clock.now()
    changes: dict[str, Any] = {"settled_at": now, "settled_by": actor, "settle_note": note}
    if case.chain_state == ChainState.RUNNING:
        changes["chain_state"] = ChainState.STOPPED
    _cas(case, changes=changes, to_state=CaseState.SETTLED)
    Page.objects.filter(case=case, outcome=PageOutcome.WAITING).update(
        outcome=PageOutcome.STOPPED, closed_at=now
    )
    ticket = Ticket.objects.get(pk=case.ticket_id)
    if ticket.state in COMPLETABLE_STATES:
        ticket_services.ticket_transition(
            ticket_id=ticket.pk, action="complete", actor=actor, payload={"note": note}
        )
    case.ticket.refresh_from_db()
    _record(case, "emergency.settled", actor, note, at=now)
    if (
        case.ticket.kind in SUPERVISOR_DECIDES_KINDS
        and case.severity == Severity.MINOR
        and case.supervisor_told_at is None
    ):
        _tell_supervisors(case, actor=actor, now=now, afterwards=True)
    managers = [c.user for c in selectors.recipients_for(case.site, Role.SITE_MANAGER, now)]
    _tell(
        case,
        managers,
        topic="emergency.sign_off",
        title=_("%(number)s 已平息，请签字结案") % {"number": case.ticket.number},
        body=note[:120],
        actor=actor,
    )
    return case


@transaction.atomic
def emergency_sign_off(*, case: EmergencyCase, actor: Any, note: str = "") -> EmergencyCase:
    """EM-5: the case closes only with the site manager's signed consent, and only after every
    sub-ticket (each leader's instruction) is closed. Refused to anyone but a site manager of
    the case's site, before the event has settled, and while a sub-ticket is open. Side
    effects, in order: state ``closed`` with ``signed_off_by``/``at``; the ticket closed
    (``ticket_transition("close")``, signing its service slip; this stops its clocks); event
    ``emergency.signed_off``."""
    _require(
        actor,
        case.site_id,
        frozenset({Role.SITE_MANAGER}),
        _("只有管理处经理可以签字结案（EM-5）。"),
    )
    case = _lock_case(case.pk)
    if case.state == CaseState.OPEN:
        raise TransitionNotAllowed(_("事件尚未平息，不能签字结案。"), code="not_settled")
    if case.state == CaseState.CLOSED:
        raise TransitionNotAllowed(_("该事件已签字结案。"))
    open_subs = list(
        Ticket.objects.filter(parent_id=case.ticket_id, state__in=ACTIVE_STATES)
        .order_by("number")
        .values_list("number", flat=True)
    )
    if open_subs:
        raise ValidationFailed(
            _("还有 %(n)d 项领导指示/子工单未销项：%(numbers)s。全部销项后才能签字结案（EM-5）。")
            % {"n": len(open_subs), "numbers": "、".join(open_subs)},
            code="open_sub_tickets",
            open=open_subs,
        )
    note = _text(note)
    now = clock.now()
    _cas(
        case,
        changes={"signed_off_at": now, "signed_off_by": actor, "sign_off_note": note},
        to_state=CaseState.CLOSED,
    )
    ticket = Ticket.objects.get(pk=case.ticket_id)
    if ticket.state == TicketState.DONE:
        ticket_services.ticket_transition(
            ticket_id=ticket.pk,
            action="close",
            actor=actor,
            payload={"slip_confirmed": True, "note": note or _("经理签字同意结案")},
        )
    case.ticket.refresh_from_db()
    _record(
        case,
        "emergency.signed_off",
        actor,
        note or _("经理签字同意结案"),
        at=now,
    )
    return case


def close_refusal(ticket: Ticket, payload: dict[str, Any]) -> str | None:
    """EM-5 guard for the tickets workflow's ``close``: an emergency's ticket closes only once
    the site manager has signed off (``emergency_sign_off`` closes it itself)."""
    found = list(
        EmergencyCase.objects.filter(ticket_id=ticket.pk).values_list("signed_off_at", flat=True)
    )
    if found and found[0] is None:
        return str(_("紧急事件须经管理处经理签字同意后才能结案（EM-5）。"))
    return None
