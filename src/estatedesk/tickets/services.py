"""Every write of the tickets app. Nothing else changes a ticket.

Each service runs in one transaction and, in this order: checks who may act (workflow
capacities at the ticket's site), validates, writes with a compare-and-set on the ticket's
(pk, state, version) where the ticket changes, writes its audit event (core.events.record),
tells the SLA engine (sla.services.clocks_on_event, with the event's verb) and queues the
notifications (notify.services.notification_send, delivered after commit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from estatedesk.core import clock, events, numbering
from estatedesk.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)
from estatedesk.notify.services import notification_send
from estatedesk.org import roles
from estatedesk.org.enums import DepartmentKind, Role
from estatedesk.org.models import Department, ExternalParty, Membership, PublicPlace, Resident, Site
from estatedesk.org.models import Unit as OrgUnit
from estatedesk.sla.services import clocks_on_event
from estatedesk.tickets import selectors, workflow
from estatedesk.tickets import suggest as intake_suggest
from estatedesk.tickets.enums import (
    REFERRAL_REPAIR_CLASS,
    SPECIAL_KINDS,
    AttachmentPurpose,
    CallKind,
    CallLink,
    Channel,
    ConfirmVia,
    ConsultationMode,
    LogClass,
    ReferralKind,
    RepairClass,
    TicketKind,
    TicketState,
    Urgency,
)
from estatedesk.tickets.models import (
    Attachment,
    Callback,
    CallLog,
    Consultation,
    Note,
    PaidService,
    PriceItem,
    Referral,
    ServiceSlip,
    Ticket,
)
from estatedesk.tickets.uploads import check_upload
from estatedesk.triage import services as triage
from estatedesk.triage.enums import Kind as TriageKind
from estatedesk.triage.models import Suggestion as TriageSuggestion

# Channels staff log on the resident's behalf (RQ-2); "online" is the resident's own.
STAFF_CHANNELS = frozenset(
    {Channel.HOTLINE, Channel.VISIT, Channel.WRITTEN, Channel.LETTER, Channel.INTERNAL}
)
RESIDENT_KINDS = frozenset(
    {
        TicketKind.REPAIR,
        TicketKind.COMPLAINT,
        TicketKind.CONSULTATION,
        TicketKind.OTHER_HELP,
        TicketKind.PAID_SERVICE,
    }
)
CALLBACK_HOURS = 24
RATING_CALLBACK_MAX = 2  # RQ-10: ratings of 1 or 2 open a call-back task
MAX_FILES_PER_UPLOAD = 9


# --- helpers --------------------------------------------------------------------------------


def _clocks(ticket: Ticket, event: str, at: dt.datetime, actor: Any, data: dict[str, Any]) -> None:
    """Tell the SLA engine about ``event`` (same transaction; it starts/stops clocks)."""
    clocks_on_event(ticket=ticket, event=event, at=at, actor=actor, data=data)


def _label(user: Any) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or "").strip() or user.get_username()


def _snapshot(ticket: Ticket) -> dict[str, Any]:
    return {
        "state": ticket.state,
        "version": ticket.version,
        "department_id": ticket.department_id,
        "assignee_id": ticket.assignee_id,
        "urgency": ticket.urgency,
        "is_complex": ticket.is_complex,
        "repair_class": ticket.repair_class,
    }


def _text(payload: dict[str, Any], key: str, limit: int | None = None) -> str:
    value = str(payload.get(key) or "").strip()
    if limit is not None and len(value) > limit:
        raise ValidationFailed(_("内容过长（最多 %(n)d 字）。") % {"n": limit})
    return value


def _int_or_none(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(_("编号无效。")) from None


def _money(value: Any, *, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("%(field)s 不是有效的金额。") % {"field": field}) from None
    if amount < 0 or amount >= Decimal("100000000"):
        raise ValidationFailed(_("%(field)s 超出范围。") % {"field": field})
    return amount


def _portal_url(ticket: Ticket) -> str:
    return reverse("portal:ticket", args=[ticket.pk])


def _staff_url(ticket: Ticket) -> str:
    return reverse("tickets:detail", args=[ticket.pk])


def _resident_phone(ticket: Ticket) -> str:
    if ticket.reporter_phone:
        return ticket.reporter_phone
    return ticket.resident.phone if ticket.resident_id and ticket.resident else ""


def _tell_resident(ticket: Ticket, *, topic: str, title: str, body: str, actor: Any) -> None:
    """RQ-9: the resident is told of progress by SMS (the portal shows the same timeline)."""
    phone = _resident_phone(ticket)
    if not phone:
        return
    notification_send(
        site=ticket.site,
        topic=topic,
        title=title,
        body=body,
        url=_portal_url(ticket),
        phone=phone,
        channels=["sms"],
        actor=actor,
    )


def _tell_staff(
    users: Iterable[Any], ticket: Ticket, *, topic: str, title: str, body: str, actor: Any
) -> None:
    for user in users:
        notification_send(
            site=ticket.site,
            topic=topic,
            title=title,
            body=body,
            url=_staff_url(ticket),
            user=user,
            actor=actor,
        )


def _lock_ticket(ticket_id: int) -> Ticket:
    ticket = Ticket.objects.select_related("site", "resident").filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound()
    return ticket


def _require(ticket: Ticket, actor: Any, allowed: set[str] | frozenset[str]) -> frozenset[str]:
    """The actor's capacities towards ``ticket``; NotFound if they may not see it at all,
    PermissionDenied if they see it but hold none of ``allowed``."""
    held = workflow.capacities(ticket, actor)
    if not held & allowed:
        if not held and not selectors.may_view(actor, ticket):
            raise NotFound()
        raise PermissionDenied()
    return held


def _cas(ticket: Ticket, *, expected_state: str, changes: dict[str, Any]) -> None:
    """Compare-and-set on (pk, state, version): zero rows means someone moved first."""
    now = changes.setdefault("updated_at", clock.now())
    rows = Ticket.objects.filter(pk=ticket.pk, state=expected_state, version=ticket.version).update(
        version=F("version") + 1, **changes
    )
    if rows == 0:
        raise _conflict(ticket.pk)
    for field, value in changes.items():
        setattr(ticket, field, value)
    ticket.version += 1
    ticket.updated_at = now


def _conflict(ticket_id: int) -> Conflict:
    row = Ticket.objects.filter(pk=ticket_id).values("state", "version").first()
    current: dict[str, Any] = dict(row) if row else {}
    state = current.get("state", "")
    return Conflict(
        _("该工单已被他人处理，当前状态为「%(state)s」，请刷新后重试。")
        % {"state": TicketState(state).label if state else "-"},
        state=state,
        version=current.get("version"),
    )


def _check_version(ticket: Ticket, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != ticket.version:
        raise _conflict(ticket.pk)


# --- intake ---------------------------------------------------------------------------------


def _may_create(*, site: Site, actor: Any, channel: str) -> Resident | None:
    """Staff at the CS desk log hotline, visit, written and letter requests (RQ-2); any staff
    member opens internal ones; a resident reports online for their own site."""
    if channel == Channel.ONLINE:
        resident = selectors.resident_of(actor)
        if resident is None or resident.site_id != site.pk:
            if roles.has_role(actor, site.pk, roles.CS_DESK):
                return None
            raise PermissionDenied(_("只有住户本人可以在线报事。"))
        return resident
    if channel == Channel.INTERNAL:
        if not roles.has_role(actor, site.pk, roles.ALL_STAFF):
            raise PermissionDenied()
        return None
    if not roles.has_role(actor, site.pk, roles.CS_DESK):
        raise PermissionDenied(_("只有客服中心人员可以登记来电来访。"))
    return None


@transaction.atomic
def ticket_create(
    *,
    site: Site,
    actor: Any,
    kind: str,
    channel: str,
    description: str,
    reporter_name: str = "",
    reporter_phone: str = "",
    unit: OrgUnit | None = None,
    place: PublicPlace | None = None,
    location_text: str = "",
    occurred_at: dt.datetime | None = None,
    people_involved: str = "",
    resident: Resident | None = None,
    received_at: dt.datetime | None = None,
    urgency: str = "",
    is_complex: bool = False,
    confidential: bool = False,
    repair_class: str = "",
    parent: Ticket | None = None,
    cluster: bool = False,
    files: Iterable[Any] = (),
) -> Ticket:
    """Register a request with the RQ-3 register fields.

    ``parent`` with ``cluster=True``: the report joins that open incident as one more report
    of it (the incident's parent when ``parent`` itself is a joined report).

    RQ-1 kind, RQ-2 channel, RQ-3 register fields: description, location (a unit or a public
    place), time of occurrence, people involved, reporter and contact, receiver and receipt
    time - staff may set the receipt time earlier than now when logging a call after the
    fact, never in the future. A resident (online) reports for their own units only.

    Side effects, in order: the number ``<site code><yymmdd><4 digits>`` (core.numbering,
    unique under concurrency); the Ticket; a Consultation row for consultations (written when
    the channel is written or letter, RQ-8); attachments; event ``ticket.created`` (and
    ``consultation.written_registered``); the SLA clocks of those events; for an online
    report, an in-app message to the site's dispatchers.
    """
    now = clock.now()
    portal_resident = _may_create(site=site, actor=actor, channel=channel)
    if kind not in TicketKind.values:
        raise ValidationFailed(_("请选择有效的类别。"))
    if channel not in Channel.values:
        raise ValidationFailed(_("请选择有效的渠道。"))
    description = (description or "").strip()
    if not description:
        raise ValidationFailed(_("请填写问题描述。"))
    if portal_resident is not None:
        if kind not in RESIDENT_KINDS:
            raise ValidationFailed(_("紧急情况请直接拨打服务热线。"))
        resident = portal_resident
        reporter_name = reporter_name or resident.name
        reporter_phone = reporter_phone or resident.phone
        received_at = now
        if unit is not None and not resident.occupancies.filter(unit=unit).exists():
            raise NotFound()
    reporter_name = (reporter_name or "").strip()
    if not reporter_name:
        raise ValidationFailed(_("请填写报事人。"))
    if unit is not None and unit.site_id != site.pk:
        raise ValidationFailed(_("房屋不属于该管理处。"))
    if place is not None and place.site_id != site.pk:
        raise ValidationFailed(_("公共区域不属于该管理处。"))
    if resident is not None and resident.site_id != site.pk:
        raise ValidationFailed(_("住户不属于该管理处。"))
    if parent is not None and parent.site_id != site.pk:
        raise ValidationFailed(_("关联工单不属于该管理处。"))
    cluster_parent = parent if cluster else None
    if cluster_parent is not None:
        cluster_parent = _incident_root(cluster_parent)
        parent = cluster_parent
    received_at = received_at or now
    if received_at > now:
        raise ValidationFailed(_("受理时间不能晚于现在。"), code="received_in_future")
    if occurred_at is not None and occurred_at > now:
        raise ValidationFailed(_("发生时间不能晚于现在。"))
    if repair_class and repair_class not in RepairClass.values:
        raise ValidationFailed(_("请选择有效的报修分类。"))
    if not urgency:
        urgency = Urgency.URGENT if kind in SPECIAL_KINDS else Urgency.NORMAL
    if urgency not in Urgency.values:
        raise ValidationFailed(_("请选择有效的紧急程度。"))
    uploads = list(files)
    if len(uploads) > MAX_FILES_PER_UPLOAD:
        raise ValidationFailed(_("一次最多上传 %(n)d 个文件。") % {"n": MAX_FILES_PER_UPLOAD})
    checked = [(upload, check_upload(upload)) for upload in uploads]

    day = clock.localtime(received_at).strftime("%y%m%d")
    ticket = Ticket.objects.create(
        site=site,
        number=numbering.daily_number(site.code, day),
        kind=kind,
        channel=channel,
        urgency=urgency,
        is_complex=is_complex,
        confidential=confidential,
        description=description,
        unit=unit,
        place=place,
        location_text=(location_text or "").strip(),
        occurred_at=occurred_at,
        people_involved=(people_involved or "").strip(),
        resident=resident,
        reporter_name=reporter_name,
        reporter_phone=(reporter_phone or "").strip(),
        receiver=actor if portal_resident is None else None,
        received_at=received_at,
        created_at=now,
        updated_at=now,
        repair_class=repair_class,
        parent=parent,
        cluster_joined_at=now if cluster_parent is not None else None,
    )
    consultation = None
    if kind == TicketKind.CONSULTATION:
        written = channel in {Channel.WRITTEN, Channel.LETTER}
        consultation = Consultation.objects.create(
            ticket=ticket, mode=ConsultationMode.WRITTEN if written else ConsultationMode.ORAL
        )
    for upload, content_type in checked:
        _store_attachment(ticket, upload, content_type, AttachmentPurpose.REPORT, actor, now)
    data = {
        "kind": kind,
        "channel": channel,
        "urgency": urgency,
        "is_complex": is_complex,
        "number": ticket.number,
        "location": ticket.location_label,
        "attachments": len(checked),
        "received_at": received_at.isoformat(),
    }
    if cluster_parent is not None:
        data["parent"] = cluster_parent.number
    events.record(
        verb="ticket.created",
        subject=ticket,
        actor=actor,
        after=_snapshot(ticket),
        data=data,
        at=now,
    )
    if cluster_parent is not None:
        _record_joined(cluster_parent, ticket, actor, now)
    _clocks(
        ticket,
        "ticket.created",
        received_at,
        actor,
        {"kind": kind, "channel": channel, "urgency": urgency, "is_complex": is_complex},
    )
    if consultation is not None and consultation.mode == ConsultationMode.WRITTEN:
        events.record(verb="consultation.written_registered", subject=ticket, actor=actor, at=now)
        _clocks(ticket, "consultation.written_registered", received_at, actor, {})
    if portal_resident is not None:
        # Nobody took this call: the dispatchers are told a resident reported online (DS-1).
        _tell_staff(
            selectors.users_with_roles(site.pk, roles.DISPATCHERS),
            ticket,
            topic="ticket.online",
            title=_("住户在线报事 %(number)s") % {"number": ticket.number},
            body=f"{ticket.get_kind_display()} · {ticket.location_label} · {description[:80]}",
            actor=actor,
        )
    return ticket


def log_class_for(ticket: Ticket) -> str:
    """CV-2: the log class of the ticket a call created or updated."""
    if ticket.kind == TicketKind.COMPLAINT:
        return LogClass.COMPLAINT
    if ticket.kind == TicketKind.CONSULTATION:
        return LogClass.CONSULTATION
    if ticket.kind == TicketKind.REPAIR:
        by_class: dict[str, str] = {
            RepairClass.WARRANTY: LogClass.WARRANTY,
            RepairClass.OUTSIDE: LogClass.OUTSIDE,
            RepairClass.COORDINATION: LogClass.COORDINATION,
            RepairClass.COMPLAINT: LogClass.COMPLAINT,
        }
        return by_class.get(ticket.repair_class, LogClass.NORMAL)
    return LogClass.OTHER


@transaction.atomic
def intake_submit(
    *,
    site: Site,
    actor: Any,
    ticket_fields: dict[str, Any],
    files: Iterable[Any] = (),
    answer_now: str = "",
    confidential_answer: bool = False,
    department: Department | None = None,
    assignee: Any = None,
    triage_result: triage.TriageResult | None = None,
) -> Ticket:
    """The hotline/visit intake screen in one step (RQ-2, RQ-5, CV-1).

    ``triage_result``: what the classifier suggested for the description (computed here when
    not given); it is stored with the ticket and the receiver's choice confirms or corrects it.

    Side effects, in order: ``ticket_create``; the triage suggestion linked to the ticket
    (event ``triage.suggested``); for a consultation answered at once, the ``answer``
    transition (RQ-5/RQ-8) and the confirmation of the suggestion with the receiver's kind
    and the customer-service department; else, when a department was chosen, the
    ``dispatch`` transition (RQ-4), which confirms the suggestion; for hotline and visit
    channels, the calls-and-visits log entry linked to the new ticket (CV-1), marked done
    when the call was answered on the spot (CV-3).
    """
    ticket = ticket_create(site=site, actor=actor, files=files, **ticket_fields)
    result = triage_result or triage.suggest(
        text=ticket.description, site=site, channel=ticket.channel
    )
    triage.suggestion_record(
        site=site,
        text=ticket.description,
        result=result,
        actor=actor,
        channel=ticket.channel,
        ticket=ticket,
    )
    if answer_now.strip():
        ticket_transition(
            ticket_id=ticket.pk,
            action="answer",
            actor=actor,
            payload={"answer": answer_now, "confidential": confidential_answer},
        )
        _triage_confirm(ticket, actor, department_kind=DepartmentKind.CUSTOMER_SERVICE)
    elif department is not None:
        ticket_transition(
            ticket_id=ticket.pk,
            action="dispatch",
            actor=actor,
            payload={
                "department_id": department.pk,
                "assignee_id": getattr(assignee, "pk", None),
            },
        )
    if ticket.channel in {Channel.HOTLINE, Channel.VISIT}:
        ticket.refresh_from_db()
        call_log_add(
            site=site,
            actor=actor,
            kind=CallKind.CALL if ticket.channel == Channel.HOTLINE else CallKind.VISIT,
            occurred_at=ticket.received_at,
            caller_name=ticket.reporter_name,
            caller_phone=ticket.reporter_phone,
            unit=ticket.unit,
            summary=ticket.description,
            log_class=log_class_for(ticket),
            answer="" if ticket.confidential else answer_now.strip(),
            ticket=ticket,
            ticket_link=CallLink.CREATED,
            done=bool(answer_now.strip()),
        )
    return ticket


@transaction.atomic
def ticket_report_online(
    *,
    site: Site,
    actor: Any,
    description: str,
    unit: OrgUnit | None = None,
    place: PublicPlace | None = None,
    files: Iterable[Any] = (),
) -> tuple[Ticket, TriageSuggestion]:
    """A resident's own report in the portal (RQ-2 online): the resident only describes; the
    classifier suggests the kind (RQ-1) and department (RQ-4), recorded with the ticket for
    the dispatcher to confirm when dispatching. The portal registers only general kinds, so a
    special kind suggested becomes "other help". A report the emergency detector flags (EM-1)
    is urgent and the site's dispatchers are told at once, in-app and by SMS (EM-2: by the
    fastest means), while the portal shows the resident the hotline.

    Side effects, in order: ``ticket_create`` (with its message to the dispatchers); the
    triage suggestion linked to the ticket (event ``triage.suggested``); for an emergency,
    event ``ticket.emergency_flagged`` and the urgent messages to the dispatchers.
    """
    text = (description or "").strip()
    if not text:
        raise ValidationFailed(_("请填写问题描述。"))
    result = triage.suggest(text=text, site=site, channel=Channel.ONLINE)
    kind = intake_suggest.ticket_kind_for(result)
    if kind not in RESIDENT_KINDS:
        kind = result.kind if result.kind in RESIDENT_KINDS else TicketKind.OTHER_HELP
    hit = result.emergency
    ticket = ticket_create(
        site=site,
        actor=actor,
        kind=kind,
        channel=Channel.ONLINE,
        description=text,
        unit=unit,
        place=place,
        urgency=Urgency.URGENT if hit is not None else "",
        files=files,
    )
    suggestion = triage.suggestion_record(
        site=site, text=text, result=result, actor=actor, channel=Channel.ONLINE, ticket=ticket
    )
    if hit is not None:
        data = {"category": hit.category, "label": hit.label, "phrase": hit.phrase}
        events.record(verb="ticket.emergency_flagged", subject=ticket, actor=actor, data=data)
        for user in selectors.users_with_roles(site.pk, roles.DISPATCHERS):
            notification_send(
                site=site,
                topic="ticket.online_emergency",
                title=_("【紧急】住户在线报事 %(number)s：%(label)s")
                % {"number": ticket.number, "label": hit.label},
                body=f"{ticket.location_label} · {text[:80]} · {ticket.reporter_phone}",
                url=_staff_url(ticket),
                user=user,
                channels=["inapp", "sms"],
                dedupe_key=f"online-emergency:{ticket.pk}",
                actor=actor,
            )
    return ticket, suggestion


@transaction.atomic
def intake_emergency_divert(
    *,
    site: Site,
    actor: Any,
    description: str,
    channel: str = Channel.HOTLINE,
    triage_result: triage.TriageResult | None = None,
) -> tuple[TriageSuggestion, str]:
    """EM-1 / EM-2: the description at the intake desk reads as an emergency, so the call is
    not logged as an everyday ticket: it goes to the emergency playbook (the emergencies
    app's intake) at once. The suggestion that fired is logged.

    Returns the recorded suggestion and the emergency kind to open. Side effects: the
    Suggestion row and its ``triage.suggested`` audit event (category and phrase that fired).
    """
    if not roles.has_role(actor, site.pk, roles.CS_DESK):
        raise PermissionDenied(_("只有客服中心人员可以登记来电来访。"))
    text = (description or "").strip()
    if not text:
        raise ValidationFailed(_("请填写问题描述。"))
    result = triage_result or triage.suggest(text=text, site=site, channel=channel)
    suggestion = triage.suggestion_record(
        site=site, text=text, result=result, actor=actor, channel=channel
    )
    return suggestion, intake_suggest.ticket_kind_for(result)


def _complaint_severity(ticket: Ticket) -> str | None:
    """CP-3: the severity the complaints app registered for a complaint ticket, if any."""
    try:
        complaint = ticket.complaint
    except ObjectDoesNotExist:
        return None
    return str(complaint.severity) or None


def _triage_confirm(ticket: Ticket, actor: Any, *, department_kind: str | None = None) -> None:
    """The training signal: staff chose or changed the kind (RQ-1) or department (RQ-4) of a
    ticket whose report has a triage suggestion, so the suggestion is confirmed or corrected
    with the ticket's kind (as the classifier's RQ-1 kind) and its department's kind.

    Nothing happens without a suggestion, without a department, for an urgent order (no
    resident's report), for a complaint whose CP-3 severity is not registered yet, or when
    the labels are those already confirmed. Side effects: ``triage.suggestion_confirm``.
    """
    suggestion = (
        TriageSuggestion.objects.filter(ticket=ticket).order_by("-created_at", "-id").first()
    )
    kind = intake_suggest.triage_kind(ticket.kind)
    if suggestion is None or kind is None:
        return
    if department_kind is None:
        if ticket.department_id is None:
            return
        department = Department.objects.filter(pk=ticket.department_id).first()
        if department is None:
            return
        department_kind = department.kind
    severity = _complaint_severity(ticket) if kind == TriageKind.COMPLAINT else None
    if kind == TriageKind.COMPLAINT and severity is None:
        return
    labels = (kind, department_kind, severity or "")
    current = (
        suggestion.confirmed_kind,
        suggestion.confirmed_department,
        suggestion.confirmed_severity,
    )
    if suggestion.confirmed_at is not None and current == labels:
        return
    triage.suggestion_confirm(
        suggestion=suggestion,
        kind=kind,
        department=department_kind,
        severity=severity,
        actor=actor,
    )


# --- duplicate clusters: one incident, several reports ---------------------------------------


def _incident_root(ticket: Ticket) -> Ticket:
    """The parent standing for the incident (a joined report points at it); it must be open."""
    root = ticket.parent if ticket.in_cluster and ticket.parent is not None else ticket
    if not root.is_active:
        raise ValidationFailed(_("该事件已结束，不能再并入。"), code="incident_finished")
    return root


def _record_joined(parent: Ticket, child: Ticket, actor: Any, now: dt.datetime) -> None:
    events.record(
        verb="ticket.incident_report_added",
        subject=parent,
        actor=actor,
        data={"child_id": child.pk, "number": child.number},
        at=now,
    )


@transaction.atomic
def ticket_join_incident(
    *, ticket_id: int, parent_id: int, actor: Any, expected_version: int | None = None
) -> Ticket:
    """Link an open report to an open incident of the same site as one more report of it
    (another resident's "三号楼没水了" after "3栋停水"). The incident is the earliest open
    report: its parent ticket; the links are one level deep, so joining a report that itself
    joined an incident links to that incident's parent. A parent that has reports of its own
    cannot join another incident. RQ-9: the parent's public progress then reaches every linked
    reporter.

    Side effects: the report's ``parent``/``cluster_joined_at`` (compare-and-set); events
    ``ticket.joined_incident`` on the report and ``ticket.incident_report_added`` on the parent.
    """
    ticket = _lock_ticket(ticket_id)
    _require(ticket, actor, {workflow.DESK})
    _check_version(ticket, expected_version)
    target = Ticket.objects.select_related("parent").filter(pk=parent_id).first()
    if target is None or target.site_id != ticket.site_id:
        raise ValidationFailed(_("请选择本管理处的未结束工单。"), code="other_site")
    parent = _incident_root(target)
    if not ticket.is_active:
        raise TransitionNotAllowed(_("已结束的工单不能并入事件。"), state=ticket.state)
    if parent.pk == ticket.pk:
        raise ValidationFailed(_("工单不能并入自己。"), code="same_ticket")
    if ticket.parent_id is not None and not ticket.in_cluster:
        raise ValidationFailed(_("该工单是其他工单的子工单，不能并入事件。"), code="sub_ticket")
    if Ticket.objects.filter(parent=ticket, cluster_joined_at__isnull=False).exists():
        raise ValidationFailed(
            _("该工单已是事件主单，已有其他报事并入，不能再并入其他事件。"), code="is_parent"
        )
    if ticket.parent_id == parent.pk:
        return ticket
    now = clock.now()
    before = {"parent_id": ticket.parent_id}
    _cas(
        ticket,
        expected_state=ticket.state,
        changes={"parent": parent, "cluster_joined_at": now, "updated_at": now},
    )
    events.record(
        verb="ticket.joined_incident",
        subject=ticket,
        actor=actor,
        before=before,
        after={"parent_id": parent.pk},
        data={"parent_id": parent.pk, "number": parent.number},
        at=now,
    )
    _record_joined(parent, ticket, actor, now)
    return ticket


@transaction.atomic
def ticket_leave_incident(
    *, ticket_id: int, actor: Any, expected_version: int | None = None
) -> Ticket:
    """Undo a wrong link: the report stands on its own again.

    Side effects: ``parent``/``cluster_joined_at`` cleared (compare-and-set); event
    ``ticket.left_incident`` on the report."""
    ticket = _lock_ticket(ticket_id)
    _require(ticket, actor, {workflow.DESK})
    _check_version(ticket, expected_version)
    if not ticket.in_cluster:
        raise ValidationFailed(_("该工单没有并入事件。"), code="not_in_cluster")
    parent_id = ticket.parent_id
    parent_number = ticket.parent.number if ticket.parent is not None else ""
    now = clock.now()
    _cas(
        ticket,
        expected_state=ticket.state,
        changes={"parent": None, "cluster_joined_at": None, "updated_at": now},
    )
    events.record(
        verb="ticket.left_incident",
        subject=ticket,
        actor=actor,
        before={"parent_id": parent_id},
        after={"parent_id": None},
        data={"parent_id": parent_id, "number": parent_number},
        at=now,
    )
    return ticket


def _tell_incident_reporters(
    parent: Ticket, *, topic: str, title: str, body: str, actor: Any, key: str
) -> None:
    """RQ-9 for a duplicate cluster: the incident's public progress reaches every reporter
    linked to it, one SMS per phone (the parent's own reporter is told by the caller; a phone
    that reported twice is told once: same ``dedupe_key`` per phone and message)."""
    told = {_digits(_resident_phone(parent))}
    children = Ticket.objects.filter(parent=parent, cluster_joined_at__isnull=False)
    for child in children.select_related("resident").order_by("received_at", "id"):
        phone = _resident_phone(child)
        digits = _digits(phone)
        if not digits or digits in told:
            continue
        told.add(digits)
        notification_send(
            site=parent.site,
            topic=topic,
            title=title,
            body=body,
            url=_portal_url(child),
            phone=phone,
            channels=["sms"],
            dedupe_key=f"incident:{parent.pk}:{key}",
            actor=actor,
        )


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone or "" if ch.isdigit())


@transaction.atomic
def ticket_update(
    *, ticket_id: int, actor: Any, expected_version: int | None, changes: dict[str, Any]
) -> Ticket:
    """Correct register fields (RQ-13: the record stays complete; before/after audited).

    Compare-and-set on the version the editor saw: a stale version is a Conflict (409).
    The kind (RQ-1) may be corrected between general kinds only (special requests go through
    the emergency playbook); a consultation gets or loses its consultation record, and a
    corrected kind confirms or corrects the report's triage suggestion (the training signal).
    """
    editable = {
        "kind",
        "description",
        "urgency",
        "is_complex",
        "confidential",
        "repair_class",
        "location_text",
        "people_involved",
        "occurred_at",
        "reporter_name",
        "reporter_phone",
    }
    unknown = set(changes) - editable
    if unknown:
        raise ValidationFailed(
            _("不能修改这些字段：%(f)s") % {"f": ", ".join(sorted(unknown))}, code="not_editable"
        )
    ticket = _lock_ticket(ticket_id)
    _require(ticket, actor, {workflow.DESK})
    _check_version(ticket, expected_version)
    if not ticket.is_active:
        raise TransitionNotAllowed(_("已结束的工单不能修改。"), state=ticket.state)
    if "description" in changes and not str(changes["description"]).strip():
        raise ValidationFailed(_("请填写问题描述。"))
    if "reporter_name" in changes and not str(changes["reporter_name"]).strip():
        raise ValidationFailed(_("请填写报事人。"))
    if "urgency" in changes and changes["urgency"] not in Urgency.values:
        raise ValidationFailed(_("请选择有效的紧急程度。"))
    if changes.get("repair_class") and changes["repair_class"] not in RepairClass.values:
        raise ValidationFailed(_("请选择有效的报修分类。"))
    if changes.get("occurred_at") and changes["occurred_at"] > clock.now():
        raise ValidationFailed(_("发生时间不能晚于现在。"))
    before = {field: getattr(ticket, field) for field in changes}
    diff = {f: v for f, v in changes.items() if before[f] != v}
    if not diff:
        return ticket
    if "kind" in diff:
        _check_kind_correction(ticket, str(diff["kind"]))
    _cas(ticket, expected_state=ticket.state, changes=dict(diff))
    now = ticket.updated_at
    events.record(
        verb="ticket.updated",
        subject=ticket,
        actor=actor,
        before={f: before[f] for f in diff},
        after=diff,
        at=now,
    )
    _clocks(ticket, "ticket.updated", now, actor, {"changed": sorted(diff)})
    if "kind" in diff:
        _consultation_follows_kind(ticket, actor, now)
        _triage_confirm(ticket, actor)
    return ticket


def _check_kind_correction(ticket: Ticket, kind: str) -> None:
    """RQ-1: a kind is corrected between general kinds, never away from what already hangs
    on the old kind (a registered complaint, a quote, a consultation in progress)."""
    if kind not in TicketKind.values:
        raise ValidationFailed(_("请选择有效的类别。"), code="invalid_kind")
    if kind in SPECIAL_KINDS or ticket.kind in SPECIAL_KINDS:
        raise ValidationFailed(
            _("特别求助（急救、治安、灾害等）请按紧急事件处置，不能在此改类别。"),
            code="special_kind",
        )
    if ticket.kind == TicketKind.COMPLAINT and _registered_complaint(ticket.pk) is not None:
        raise ValidationFailed(_("已登记为投诉，请在投诉页面处理。"), code="complaint_registered")
    if (
        ticket.kind == TicketKind.PAID_SERVICE
        and PaidService.objects.filter(ticket=ticket).exists()
    ):
        raise ValidationFailed(_("已有报价的有偿服务不能改类别。"), code="quoted")
    consultation = Consultation.objects.filter(ticket=ticket).first()
    if consultation is not None and (
        consultation.escalated_at or consultation.answered_at or consultation.reply_draft
    ):
        raise ValidationFailed(_("咨询已请示或已答复，不能改类别。"), code="consultation_started")


def _consultation_follows_kind(ticket: Ticket, actor: Any, now: dt.datetime) -> None:
    """A ticket corrected to a consultation gets its consultation record (written for the
    written and letter channels, RQ-8); one corrected away loses its untouched record."""
    if ticket.kind != TicketKind.CONSULTATION:
        Consultation.objects.filter(ticket=ticket).delete()
        return
    written = ticket.channel in {Channel.WRITTEN, Channel.LETTER}
    _row, created = Consultation.objects.get_or_create(
        ticket=ticket,
        defaults={"mode": ConsultationMode.WRITTEN if written else ConsultationMode.ORAL},
    )
    if created and written:
        events.record(verb="consultation.written_registered", subject=ticket, actor=actor, at=now)
        _clocks(ticket, "consultation.written_registered", now, actor, {})


# --- workflow -------------------------------------------------------------------------------


@transaction.atomic
def ticket_transition(
    *,
    ticket_id: int,
    action: str,
    actor: Any,
    expected_version: int | None = None,
    payload: dict[str, Any] | None = None,
) -> Ticket:
    """Take one workflow action on a ticket - the only way a ticket's state changes.

    Checks, in order: the action exists; the actor may see the ticket (else NotFound);
    ``expected_version`` (if given) is current (else Conflict, 409, with the current state);
    the action is allowed in the current state (TransitionNotAllowed); the actor holds one of
    its capacities (PermissionDenied); the table's guard (ValidationFailed). Then the
    compare-and-set update, the action's child rows (service slip, referral, answer),
    event ``ticket.<action>``, the SLA clocks of that event and the notifications.
    """
    payload = dict(payload or {})
    transition = workflow.find(action)
    if transition is None:
        raise ValidationFailed(_("未知的操作：%(a)s") % {"a": action}, code="unknown_action")
    ticket = _lock_ticket(ticket_id)
    held = workflow.capacities(ticket, actor)
    if not held and not selectors.may_view(actor, ticket):
        raise NotFound()
    _check_version(ticket, expected_version)
    if ticket.state not in transition.source:
        raise TransitionNotAllowed(
            _("工单当前状态为「%(state)s」，不能执行「%(action)s」。")
            % {"state": ticket.get_state_display(), "action": transition.label},
            state=ticket.state,
            version=ticket.version,
        )
    if not held & transition.capacities:
        raise PermissionDenied()
    if transition.guard is not None:
        problem = transition.guard(ticket, payload)
        if problem:
            raise ValidationFailed(problem, code="guard")

    now = clock.now()
    before = _snapshot(ticket)
    old_state = ticket.state
    handler = _HANDLERS[action]
    changes, data, after_cas = handler(ticket, actor, payload, now, held)
    if transition.target is not None:
        changes["state"] = transition.target
    changes["updated_at"] = now
    _cas(ticket, expected_state=old_state, changes=changes)
    if after_cas is not None:
        data.update(after_cas(ticket) or {})
    verb = f"ticket.{action}"
    events.record(
        verb=verb,
        subject=ticket,
        actor=actor,
        before=before,
        after=_snapshot(ticket),
        data=data,
        at=now,
    )
    _clocks(ticket, verb, now, actor, data)
    _NOTIFY.get(action, _no_notice)(ticket, actor, data)
    if action in {"dispatch", "reassign"}:
        _triage_confirm(ticket, actor)
    return ticket


@transaction.atomic
def ticket_act(
    *,
    ticket_id: int,
    action: str,
    actor: Any,
    expected_version: int | None = None,
    payload: dict[str, Any] | None = None,
) -> Ticket:
    """A workflow action from the tickets pages or API. Closing a registered complaint defers
    to the complaint workflow (CP-8, CP-9, DS-5): it is refused with the reason and the
    complaint page's address unless the complaint's own ``close`` checks pass, and then runs
    as ``complaints.services.complaint_close``, so the complaint's stage, clocks and record
    close with the ticket. Every other action is ``ticket_transition``.
    """
    if action == "close":
        complaint = _registered_complaint(ticket_id)
        if complaint is not None:
            from estatedesk.complaints import services as complaint_services

            ticket = _lock_ticket(ticket_id)
            if not workflow.capacities(ticket, actor) and not selectors.may_view(actor, ticket):
                raise NotFound()
            _check_version(ticket, expected_version)
            problem = workflow.complaint_close_problem(ticket)
            if problem:
                raise ValidationFailed(problem, code="complaint_workflow")
            complaint_services.complaint_close(
                complaint_id=complaint.pk,
                actor=actor,
                note=str((payload or {}).get("note") or ""),
            )
            return _lock_ticket(ticket_id)
    return ticket_transition(
        ticket_id=ticket_id,
        action=action,
        actor=actor,
        expected_version=expected_version,
        payload=payload,
    )


def _registered_complaint(ticket_id: int) -> Any:
    ticket = Ticket.objects.filter(pk=ticket_id, kind=TicketKind.COMPLAINT).first()
    if ticket is None:
        return None
    try:
        return ticket.complaint
    except ObjectDoesNotExist:
        return None


_Handled = tuple[dict[str, Any], dict[str, Any], Any]


def _routing(ticket: Ticket, payload: dict[str, Any]) -> tuple[Department, Any]:
    department_id = _int_or_none(payload.get("department_id")) or ticket.department_id
    department = (
        Department.objects.filter(pk=department_id, site_id=ticket.site_id).first()
        if department_id is not None
        else None
    )
    if department is None:
        raise ValidationFailed(_("请选择本管理处的处理部门。"))
    assignee = None
    assignee_id = _int_or_none(payload.get("assignee_id"))
    if assignee_id is not None:
        membership = (
            Membership.objects.filter(
                user_id=assignee_id, site_id=ticket.site_id, is_active=True, user__is_active=True
            )
            .select_related("user")
            .first()
        )
        if membership is None:
            raise ValidationFailed(_("责任人不是本管理处的在岗员工。"))
        assignee = membership.user
    return department, assignee


def _on_dispatch(
    ticket: Ticket, actor: Any, payload: dict[str, Any], now: dt.datetime, held: frozenset[str]
) -> _Handled:
    """RQ-4 / DS-2: to a department and (optionally) the person responsible."""
    department, assignee = _routing(ticket, payload)
    data = {
        "department_id": department.pk,
        "department": department.name,
        "assignee_id": getattr(assignee, "pk", None),
        "assignee": _label(assignee),
        "note": _text(payload, "note", 500),
    }
    return {"department": department, "assignee": assignee}, data, None


def _on_reassign(
    ticket: Ticket, actor: Any, payload: dict[str, Any], now: dt.datetime, held: frozenset[str]
) -> _Handled:
    changes, data, _after = _on_dispatch(ticket, actor, payload, now, held)
    data["reason"] = _text(payload, "reason", 500)
    data["previous_assignee"] = ticket.assignee_id
    return changes, data, None


def _on_start(
    ticket: Ticket, actor: Any, payload: dict[str, Any], now: dt.datetime, held: frozenset[str]
) -> _Handled:
    changes: dict[str, Any] = {}
    if ticket.assignee_id is None and workflow.DEPARTMENT in held:
        changes["assignee"] = actor
    return changes, {"assignee": _label(changes.get("assignee") or ticket.assignee)}, None


def _on_reason(
    ticket: Ticket, actor: Any, payload: dict[str, Any], now: dt.datetime, held: frozenset[str]
) -> _Handled:
    return {}, {"reason": _text(payload, "reason", 500)}, None


def _on_resume(
    ticket: Ticket, actor: Any, payload: dict[str, Any], now: dt.datetime, held: frozenset[str]
) -> _Handled:
    return {}, {"note": _text(payload, "note", 500)}, None


def _on_refer(
    ticket: Ticket, actor: Any, payload: dict[str, Any], now: dt.datetime, held: frozenset[str]
) -> _Handled:
    """RQ-7 / CV-2: record who the request was handed to (Q outside unit with its committed
    response time, Z developer's warranty to the named engineer, GT long coordination)."""
    kind = str(payload.get("referral_kind") or ReferralKind.OTHER)
    if kind not in ReferralKind.values:
        raise ValidationFailed(_("请选择转介类别。"))
    party = None
    party_id = _int_or_none(payload.get("external_party_id"))
    if party_id is not None:
        party = ExternalParty.objects.filter(pk=party_id, site_id=ticket.site_id).first()
        if party is None:
            raise ValidationFailed(_("外部单位不属于该管理处。"))
    referred_to = _text(payload, "referred_to", 200)
    engineer = _text(payload, "engineer", 100)
    if kind == ReferralKind.OUTSIDE and party is None:
        raise ValidationFailed(_("Q 类须选择外部单位（CV-2）。"))
    if kind == ReferralKind.WARRANTY and not engineer:
        raise ValidationFailed(_("Z 类须写明开发商指定的保修工程师（CV-2）。"))
    committed = now + dt.timedelta(hours=party.committed_response_hours) if party else None
    note = _text(payload, "note", 2000)
    changes: dict[str, Any] = {}
    if kind in REFERRAL_REPAIR_CLASS and ticket.kind == TicketKind.REPAIR:
        changes["repair_class"] = REFERRAL_REPAIR_CLASS[kind]
    if kind == ReferralKind.COORDINATION:
        changes["is_complex"] = True

    def create(t: Ticket) -> dict[str, Any]:
        referral = Referral.objects.create(
            ticket=t,
            kind=kind,
            external_party=party,
            referred_to=referred_to,
            engineer=engineer,
            note=note,
            committed_due_at=committed,
            created_by=actor,
            created_at=now,
        )
        return {"referral_id": referral.pk}

    data = {
        "referral_kind": kind,
        "external_party_id": getattr(party, "pk", None),
        "party": str(party or referred_to),
        "engineer": engineer,
        "committed_due_at": committed.isoformat() if committed else None,
        "committed_hours": party.committed_response_hours if party else None,
        "note": note,
    }
    return changes, data, create


def _on_complete(
    ticket: Ticket, actor: Any, payload: dict[str, Any], now: dt.datetime, held: frozenset[str]
) -> _Handled:
    """DS-5: the person responsible reports completion: notes, materials and, for a paid
    service (RQ-12), the charge; this writes the service slip the dispatcher will sign."""
    work_done = _text(payload, "note", 4000)
    materials = _text(payload, "materials", 300)
    charge = _money(payload.get("charge"), field=_("收费金额"))
    paid = PaidService.objects.filter(ticket=ticket).first()
    if paid is not None and charge is None:
        charge = paid.quoted_amount
    photos = list(payload.get("files") or [])
    if len(photos) > MAX_FILES_PER_UPLOAD:
        raise ValidationFailed(_("一次最多上传 %(n)d 个文件。") % {"n": MAX_FILES_PER_UPLOAD})
    checked = [(upload, check_upload(upload)) for upload in photos]

    def create(t: Ticket) -> dict[str, Any]:
        for upload, content_type in checked:
            _store_attachment(t, upload, content_type, AttachmentPurpose.COMPLETION, actor, now)
        sequence = ServiceSlip.objects.filter(ticket=t).count() + 1
        slip = ServiceSlip.objects.create(
            ticket=t,
            number=f"{t.number}-{sequence}",
            work_done=work_done,
            materials=materials,
            charge_amount=charge,
            worker=actor,
            reported_at=now,
        )
        if paid is not None:
            PaidService.objects.filter(pk=paid.pk).update(
                charge_amount=charge, charged_at=now, charged_by=actor
            )
        return {"slip": slip.number}

    data = {
        "photos": len(checked),
        "note": work_done,
        "materials": materials,
        "charge": str(charge) if charge is not None else None,
    }
    return {"resolved_at": now}, data, create


def _on_answer(
    ticket: Ticket, actor: Any, payload: dict[str, Any], now: dt.datetime, held: frozenset[str]
) -> _Handled:
    """RQ-5 / RQ-8: the answer is recorded; a confidential one is hidden from the portal; a
    written consultation is answered only by the reply its CS supervisor approved."""
    answer = _text(payload, "answer", 4000)
    confidential = bool(payload.get("confidential")) or ticket.confidential
    consultation = Consultation.objects.filter(ticket=ticket).first()
    if (
        consultation is not None
        and consultation.mode == ConsultationMode.WRITTEN
        and consultation.reply_approved_at is None
    ):
        raise ValidationFailed(_("书面咨询须由客服主管审批书面答复后办结（RQ-8）。"))

    def record(t: Ticket) -> dict[str, Any]:
        Consultation.objects.update_or_create(
            ticket=t,
            defaults={"answer": answer, "answered_at": now, "answered_by": actor},
            create_defaults={
                "mode": ConsultationMode.ORAL,
                "answer": answer,
                "answered_at": now,
                "answered_by": actor,
            },
        )
        return {}

    data = {"answer": answer, "confidential": confidential}
    return {"resolved_at": now, "confidential": confidential}, data, record


def _on_close(
    ticket: Ticket, actor: Any, payload: dict[str, Any], now: dt.datetime, held: frozenset[str]
) -> _Handled:
    """DS-5: the dispatcher received and signed the service slip; the case is closed."""

    def sign(t: Ticket) -> dict[str, Any]:
        slip = ServiceSlip.objects.filter(ticket=t).order_by("-reported_at", "-id").first()
        if slip is None:
            return {}
        ServiceSlip.objects.filter(pk=slip.pk).update(confirmed_by=actor, confirmed_at=now)
        return {"slip": slip.number}

    return {"closed_at": now}, {"note": _text(payload, "note", 500)}, sign


def _on_reopen(
    ticket: Ticket, actor: Any, payload: dict[str, Any], now: dt.datetime, held: frozenset[str]
) -> _Handled:
    changes = {
        "resolved_at": None,
        "closed_at": None,
        "resident_confirmed_at": None,
        "reopened_count": ticket.reopened_count + 1,
    }
    by_resident = workflow.RESIDENT in held and not held - {workflow.RESIDENT}
    return changes, {"reason": _text(payload, "reason", 500), "by_resident": by_resident}, None


def _on_cancel(
    ticket: Ticket, actor: Any, payload: dict[str, Any], now: dt.datetime, held: frozenset[str]
) -> _Handled:
    reason = _text(payload, "reason", 200)
    kind = str(payload.get("cancel_kind"))
    return {"cancel_kind": kind, "cancel_reason": reason}, {"kind": kind, "reason": reason}, None


_HANDLERS = {
    "dispatch": _on_dispatch,
    "reassign": _on_reassign,
    "start": _on_start,
    "wait_resident": _on_reason,
    "resume": _on_resume,
    "refer": _on_refer,
    "complete": _on_complete,
    "answer": _on_answer,
    "close": _on_close,
    "reopen": _on_reopen,
    "cancel": _on_cancel,
}


def _no_notice(ticket: Ticket, actor: Any, data: dict[str, Any]) -> None:
    return None


def _notice_dispatch(ticket: Ticket, actor: Any, data: dict[str, Any]) -> None:
    """DS-2: the person responsible is told; without one, the department's leaders. An urgent
    matter also goes to the site manager at once."""
    if ticket.assignee is not None:
        users = [ticket.assignee]
    else:
        users = [
            m.user
            for m in Membership.objects.filter(
                site_id=ticket.site_id,
                department=ticket.department,
                role__in=[Role.TEAM_LEADER, Role.DEPT_HEAD],
                is_active=True,
            ).select_related("user")
        ]
    if ticket.urgency == Urgency.URGENT:
        told = {user.pk for user in users}
        managers = selectors.users_with_roles(ticket.site_id, frozenset({Role.SITE_MANAGER}))
        users += [user for user in managers if user.pk not in told]
    _tell_staff(
        users,
        ticket,
        topic="ticket.dispatched",
        title=_("新派工单 %(number)s") % {"number": ticket.number},
        body=f"{ticket.get_kind_display()} · {ticket.location_label} · {ticket.description[:80]}",
        actor=actor,
    )


def _notice_complete(ticket: Ticket, actor: Any, data: dict[str, Any]) -> None:
    _tell_resident(
        ticket,
        topic="ticket.completed",
        title=_("您的报事 %(number)s 已处理完成") % {"number": ticket.number},
        body=_("处理情况：%(note)s。请在住户服务页面确认或评价。") % {"note": data["note"][:60]},
        actor=actor,
    )
    _tell_incident_reporters(
        ticket,
        topic="ticket.completed",
        title=_("您报告的问题（事件 %(number)s）已处理完成") % {"number": ticket.number},
        body=_("处理情况：%(note)s。") % {"note": data["note"][:60]},
        actor=actor,
        key=f"complete:{ticket.version}",
    )


def _notice_answer(ticket: Ticket, actor: Any, data: dict[str, Any]) -> None:
    body = (
        _("您的咨询已答复，详情请联系客服中心。")
        if data["confidential"]
        else _("答复：%(answer)s") % {"answer": data["answer"][:60]}
    )
    _tell_resident(
        ticket,
        topic="ticket.answered",
        title=_("您的咨询 %(number)s 已答复") % {"number": ticket.number},
        body=body,
        actor=actor,
    )


def _notice_progress(ticket: Ticket, actor: Any, data: dict[str, Any]) -> None:
    labels: dict[str, Any] = {
        TicketState.DISPATCHED: _("已派工，维修人员将与您联系"),
        TicketState.IN_PROGRESS: _("正在处理"),
        TicketState.REFERRED: _("已转交责任单位处理"),
        TicketState.WAITING_RESIDENT: _("需要您的配合，请留意来电"),
    }
    _tell_resident(
        ticket,
        topic="ticket.progress",
        title=_("您的报事 %(number)s 进展") % {"number": ticket.number},
        body=str(labels.get(ticket.state, ticket.get_state_display())),
        actor=actor,
    )


def _notice_reopen(ticket: Ticket, actor: Any, data: dict[str, Any]) -> None:
    users = [ticket.assignee] if ticket.assignee is not None else []
    users += selectors.users_with_roles(ticket.site_id, frozenset({Role.DISPATCHER}))
    _tell_staff(
        {u.pk: u for u in users}.values(),
        ticket,
        topic="ticket.reopened",
        title=_("工单 %(number)s 被退回重新处理") % {"number": ticket.number},
        body=data["reason"],
        actor=actor,
    )


def _notice_dispatch_and_progress(ticket: Ticket, actor: Any, data: dict[str, Any]) -> None:
    _notice_dispatch(ticket, actor, data)
    _notice_progress(ticket, actor, data)


_NOTIFY = {
    "dispatch": _notice_dispatch_and_progress,
    "reassign": _notice_dispatch,
    "wait_resident": _notice_progress,
    "refer": _notice_progress,
    "complete": _notice_complete,
    "answer": _notice_answer,
    "reopen": _notice_reopen,
}


# --- notes and attachments ------------------------------------------------------------------


@transaction.atomic
def note_add(
    *, ticket_id: int, actor: Any, body: str, is_public: bool = False, is_solution: bool = False
) -> Note:
    """RQ-9 progress notes: public ones are shown to (and sent to) the resident, internal ones
    never. RQ-6: a note marked as the proposed solution of a complex problem is public and
    stops its 48-hour clock.

    Side effects: the Note; event ``ticket.solution_proposed`` / ``ticket.note_public`` /
    ``ticket.note_internal``; its clocks; an SMS to the resident for public notes."""
    ticket = _lock_ticket(ticket_id)
    if not roles.has_role(actor, ticket.site_id, roles.ALL_STAFF):
        if selectors.may_view(actor, ticket):
            raise PermissionDenied()
        raise NotFound()
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(_("请填写记录内容。"))
    if len(body) > 4000:
        raise ValidationFailed(_("内容过长（最多 %(n)d 字）。") % {"n": 4000})
    is_public = is_public or is_solution
    now = clock.now()
    note = Note.objects.create(
        ticket=ticket,
        author=actor,
        author_label=_label(actor),
        body=body,
        is_public=is_public,
        is_solution=is_solution,
        created_at=now,
    )
    if is_solution:
        verb = "ticket.solution_proposed"
    elif is_public:
        verb = "ticket.note_public"
    else:
        verb = "ticket.note_internal"
    events.record(
        verb=verb,
        subject=ticket,
        actor=actor,
        data={"note_id": note.pk, "body": body, "public": is_public},
        at=now,
    )
    _clocks(ticket, verb, now, actor, {"note_id": note.pk})
    if is_public:
        _tell_resident(
            ticket,
            topic="ticket.note",
            title=_("您的报事 %(number)s 有新进展") % {"number": ticket.number},
            body=body[:70],
            actor=actor,
        )
        _tell_incident_reporters(
            ticket,
            topic="ticket.note",
            title=_("您报告的问题（事件 %(number)s）有新进展") % {"number": ticket.number},
            body=body[:70],
            actor=actor,
            key=f"note:{note.pk}",
        )
    return note


def _store_attachment(
    ticket: Ticket, upload: Any, content_type: str, purpose: str, actor: Any, now: dt.datetime
) -> Attachment:
    attachment = Attachment(
        ticket=ticket,
        original_name=(getattr(upload, "name", "") or "file")[-200:],
        content_type=content_type,
        size=upload.size,
        purpose=purpose,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        uploaded_at=now,
    )
    attachment.file.save("upload", upload, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_add(
    *, ticket_id: int, actor: Any, files: Iterable[Any], purpose: str = AttachmentPurpose.REPORT
) -> list[Attachment]:
    """Images and PDFs of a ticket (type sniffed from the bytes, size capped by
    settings.UPLOAD_MAX_BYTES, stored under MEDIA_ROOT with a random name). Staff of the site
    add any purpose; a resident adds report photos to their own active ticket.

    Side effects: the files and rows; event ``ticket.attachment_added``."""
    ticket = _lock_ticket(ticket_id)
    held = workflow.capacities(ticket, actor)
    is_staff = roles.has_role(actor, ticket.site_id, roles.ALL_STAFF)
    if not is_staff:
        if workflow.RESIDENT not in held:
            raise NotFound()
        if purpose != AttachmentPurpose.REPORT or not ticket.is_active:
            raise PermissionDenied()
    if purpose not in AttachmentPurpose.values:
        raise ValidationFailed(_("请选择附件用途。"))
    uploads = list(files)
    if not uploads:
        raise ValidationFailed(_("请选择要上传的文件。"))
    if len(uploads) > MAX_FILES_PER_UPLOAD:
        raise ValidationFailed(_("一次最多上传 %(n)d 个文件。") % {"n": MAX_FILES_PER_UPLOAD})
    checked = [(upload, check_upload(upload)) for upload in uploads]
    now = clock.now()
    stored = [_store_attachment(ticket, u, ct, purpose, actor, now) for u, ct in checked]
    events.record(
        verb="ticket.attachment_added",
        subject=ticket,
        actor=actor,
        data={
            "ids": [a.pk for a in stored],
            "names": [a.original_name for a in stored],
            "purpose": purpose,
        },
        at=now,
    )
    return stored


# --- consultations (RQ-5, RQ-8) -------------------------------------------------------------


def _consultation(ticket: Ticket) -> Consultation:
    consultation = Consultation.objects.filter(ticket=ticket).first()
    if consultation is None:
        raise ValidationFailed(_("该工单不是咨询。"), code="not_consultation")
    return consultation


@transaction.atomic
def consultation_escalate(*, ticket_id: int, actor: Any, question: str) -> Consultation:
    """RQ-5 / RQ-8: the receiver cannot answer and asks the CS supervisor (never guess); the
    supervisor's reply clock starts (5 minutes / 2 hours, per the site's SLA policy).

    Side effects: event ``consultation.escalated``; its clocks; in-app message to the site's
    CS supervisors (the site manager when there is none)."""
    ticket = _lock_ticket(ticket_id)
    _require(ticket, actor, {workflow.DESK})
    consultation = _consultation(ticket)
    if not ticket.is_active or consultation.answered_at is not None:
        raise TransitionNotAllowed(_("该咨询已答复。"), state=ticket.state)
    if consultation.awaiting_supervisor:
        raise TransitionNotAllowed(_("已请示主管，正在等待答复。"), state=ticket.state)
    question = (question or "").strip() or ticket.description
    now = clock.now()
    consultation.escalated_at = now
    consultation.escalated_by = actor
    consultation.escalation_question = question[:2000]
    consultation.supervisor_answer = ""
    consultation.supervisor_answered_at = None
    consultation.save(
        update_fields=[
            "escalated_at",
            "escalated_by",
            "escalation_question",
            "supervisor_answer",
            "supervisor_answered_at",
        ]
    )
    events.record(
        verb="consultation.escalated",
        subject=ticket,
        actor=actor,
        data={"question": consultation.escalation_question, "mode": consultation.mode},
        at=now,
    )
    _clocks(ticket, "consultation.escalated", now, actor, {"mode": consultation.mode})
    supervisors = selectors.users_with_roles(
        ticket.site_id, frozenset({Role.CS_SUPERVISOR})
    ) or selectors.users_with_roles(ticket.site_id, roles.SUPERVISORS)
    _tell_staff(
        supervisors,
        ticket,
        topic="consultation.escalated",
        title=_("咨询请示 %(number)s") % {"number": ticket.number},
        body=consultation.escalation_question[:120],
        actor=actor,
    )
    return consultation


@transaction.atomic
def consultation_supervisor_answer(*, ticket_id: int, actor: Any, answer: str) -> Consultation:
    """RQ-5 / RQ-8: the CS supervisor replies to the receiver, who then answers the resident.

    Side effects: event ``consultation.answered``; its clocks; in-app message to the receiver
    who asked."""
    ticket = _lock_ticket(ticket_id)
    _require(ticket, actor, {workflow.SUPERVISOR})
    consultation = _consultation(ticket)
    if not consultation.awaiting_supervisor:
        raise TransitionNotAllowed(_("没有待答复的请示。"), state=ticket.state)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationFailed(_("请填写答复内容。"))
    now = clock.now()
    consultation.supervisor_answer = answer[:4000]
    consultation.supervisor_answered_at = now
    consultation.supervisor = actor
    consultation.save(update_fields=["supervisor_answer", "supervisor_answered_at", "supervisor"])
    events.record(
        verb="consultation.answered",
        subject=ticket,
        actor=actor,
        data={"answer": consultation.supervisor_answer},
        at=now,
    )
    _clocks(ticket, "consultation.answered", now, actor, {})
    if consultation.escalated_by is not None:
        _tell_staff(
            [consultation.escalated_by],
            ticket,
            topic="consultation.answered",
            title=_("主管已答复咨询 %(number)s") % {"number": ticket.number},
            body=consultation.supervisor_answer[:120],
            actor=actor,
        )
    return consultation


@transaction.atomic
def consultation_reply_draft(*, ticket_id: int, actor: Any, text: str) -> Consultation:
    """RQ-8 written consultations: the written reply is drafted for the supervisor's approval.

    Side effects: event ``consultation.reply_drafted``; in-app message to CS supervisors."""
    ticket = _lock_ticket(ticket_id)
    _require(ticket, actor, {workflow.DESK})
    consultation = _consultation(ticket)
    if consultation.mode != ConsultationMode.WRITTEN:
        raise ValidationFailed(_("口头咨询不需要书面答复。"))
    if consultation.reply_approved_at is not None or not ticket.is_active:
        raise TransitionNotAllowed(_("书面答复已审批。"), state=ticket.state)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("请填写书面答复内容。"))
    now = clock.now()
    consultation.reply_draft = text[:8000]
    consultation.reply_drafted_by = actor
    consultation.reply_drafted_at = now
    consultation.save(update_fields=["reply_draft", "reply_drafted_by", "reply_drafted_at"])
    events.record(
        verb="consultation.reply_drafted",
        subject=ticket,
        actor=actor,
        data={"text": consultation.reply_draft},
        at=now,
    )
    _tell_staff(
        selectors.users_with_roles(ticket.site_id, roles.SUPERVISORS),
        ticket,
        topic="consultation.reply_drafted",
        title=_("书面答复待审批 %(number)s") % {"number": ticket.number},
        body=text[:120],
        actor=actor,
    )
    return consultation


@transaction.atomic
def consultation_reply_approve(
    *, ticket_id: int, actor: Any, expected_version: int | None = None
) -> Ticket:
    """RQ-8: the CS supervisor approves the written reply; the consultation is answered with it.

    Side effects: event ``consultation.reply_approved`` and its clocks; then the ``answer``
    transition (event ``ticket.answer``) carrying the approved text."""
    ticket = _lock_ticket(ticket_id)
    _require(ticket, actor, {workflow.SUPERVISOR})
    _check_version(ticket, expected_version)
    consultation = _consultation(ticket)
    if consultation.mode != ConsultationMode.WRITTEN or not consultation.reply_draft:
        raise ValidationFailed(_("没有待审批的书面答复。"))
    if consultation.reply_approved_at is not None:
        raise TransitionNotAllowed(_("书面答复已审批。"), state=ticket.state)
    now = clock.now()
    consultation.reply_approved_by = actor
    consultation.reply_approved_at = now
    consultation.save(update_fields=["reply_approved_by", "reply_approved_at"])
    events.record(verb="consultation.reply_approved", subject=ticket, actor=actor, at=now)
    _clocks(ticket, "consultation.reply_approved", now, actor, {})
    return ticket_transition(
        ticket_id=ticket.pk,
        action="answer",
        actor=actor,
        payload={"answer": consultation.reply_draft, "confidential": ticket.confidential},
    )


# --- paid services (RQ-12) ------------------------------------------------------------------


@transaction.atomic
def paid_service_quote(
    *, ticket_id: int, actor: Any, price_item_id: Any, quantity: Any, note: str = ""
) -> PaidService:
    """RQ-12: quote from the site's price list; a new quote replaces an unconfirmed one.

    Side effects: the PaidService row; event ``paid.quoted``; SMS to the resident asking for
    confirmation."""
    ticket = _lock_ticket(ticket_id)
    _require(ticket, actor, {workflow.DESK, workflow.DEPARTMENT, workflow.ASSIGNEE})
    if ticket.kind != TicketKind.PAID_SERVICE:
        raise ValidationFailed(_("只有有偿服务工单需要报价。"))
    if not ticket.is_active:
        raise TransitionNotAllowed(state=ticket.state)
    item_id = _int_or_none(price_item_id)
    item = (
        PriceItem.objects.filter(pk=item_id, site_id=ticket.site_id, is_active=True).first()
        if item_id is not None
        else None
    )
    if item is None:
        raise ValidationFailed(_("请从本管理处价目表中选择服务项目。"))
    qty = _money(quantity, field=_("数量"))
    if qty is None or qty <= 0:
        raise ValidationFailed(_("数量须大于 0。"))
    existing = PaidService.objects.filter(ticket=ticket).first()
    if existing is not None and existing.is_confirmed:
        raise TransitionNotAllowed(_("住户已确认报价，不能再修改。"), state=ticket.state)
    now = clock.now()
    amount = (item.price * qty).quantize(Decimal("0.01"))
    paid, _created = PaidService.objects.update_or_create(
        ticket=ticket,
        defaults={
            "price_item": item,
            "quantity": qty,
            "quoted_amount": amount,
            "quote_note": (note or "").strip()[:300],
            "quoted_at": now,
            "quoted_by": actor,
        },
    )
    events.record(
        verb="paid.quoted",
        subject=ticket,
        actor=actor,
        data={
            "item": item.name,
            "quantity": str(qty),
            "amount": str(amount),
            "note": paid.quote_note,
        },
        at=now,
    )
    _tell_resident(
        ticket,
        topic="paid.quoted",
        title=_("有偿服务报价 %(number)s") % {"number": ticket.number},
        body=_("%(item)s × %(qty)s，共 %(amount)s 元。请在住户服务页面确认后安排上门。")
        % {"item": item.name, "qty": qty.normalize(), "amount": amount},
        actor=actor,
    )
    return paid


@transaction.atomic
def paid_service_confirm(*, ticket_id: int, actor: Any) -> PaidService:
    """RQ-12: the resident's confirmation of the quote, before any work starts - given in the
    portal by the resident or recorded by CS staff after a call or visit.

    Side effects: event ``paid.confirmed``; in-app message to the assignee / dispatchers."""
    ticket = _lock_ticket(ticket_id)
    held = _require(ticket, actor, {workflow.RESIDENT, workflow.DESK})
    paid = PaidService.objects.filter(ticket=ticket).first()
    if paid is None:
        raise ValidationFailed(_("还没有报价。"))
    if paid.is_confirmed:
        raise TransitionNotAllowed(_("报价已确认。"), state=ticket.state)
    if not ticket.is_active:
        raise TransitionNotAllowed(state=ticket.state)
    via = ConfirmVia.STAFF if workflow.DESK in held else ConfirmVia.PORTAL
    now = clock.now()
    paid.confirmed_at = now
    paid.confirmed_via = via
    paid.confirmed_by = actor
    paid.save(update_fields=["confirmed_at", "confirmed_via", "confirmed_by"])
    events.record(
        verb="paid.confirmed",
        subject=ticket,
        actor=actor,
        data={"via": via, "amount": str(paid.quoted_amount)},
        at=now,
    )
    users = [ticket.assignee] if ticket.assignee is not None else []
    users = users or selectors.users_with_roles(ticket.site_id, frozenset({Role.DISPATCHER}))
    _tell_staff(
        users,
        ticket,
        topic="paid.confirmed",
        title=_("住户已确认报价 %(number)s，可以上门") % {"number": ticket.number},
        body=f"{paid.price_item.name} ¥{paid.quoted_amount}",
        actor=actor,
    )
    return paid


# --- after completion: resident confirmation, rating, call-back (RQ-10) ----------------------


@transaction.atomic
def ticket_resident_confirm(*, ticket_id: int, actor: Any) -> Ticket:
    """The resident confirms the work is done (portal, or recorded by CS staff).

    Side effects: ``resident_confirmed_at``; event ``ticket.resident_confirmed``."""
    ticket = _lock_ticket(ticket_id)
    _require(ticket, actor, {workflow.RESIDENT, workflow.DESK})
    if ticket.state not in {TicketState.DONE, TicketState.CLOSED}:
        raise TransitionNotAllowed(_("工单尚未完成。"), state=ticket.state)
    if ticket.resident_confirmed_at is not None:
        return ticket
    now = clock.now()
    _cas(ticket, expected_state=ticket.state, changes={"resident_confirmed_at": now})
    events.record(verb="ticket.resident_confirmed", subject=ticket, actor=actor, at=now)
    _clocks(ticket, "ticket.resident_confirmed", now, actor, {})
    return ticket


@transaction.atomic
def ticket_rate(*, ticket_id: int, actor: Any, rating: Any, comment: str = "") -> Ticket:
    """RQ-10: the resident rates the result 1-5 with a comment (in the portal, or CS staff
    record it from a call); once per ticket. A rating of 1 or 2 opens a call-back task for
    the CS supervisor.

    Side effects: the rating; event ``ticket.rated`` and its clocks; for 1-2, a Callback, event
    ``callback.opened`` and in-app messages to the site's supervisors."""
    ticket = _lock_ticket(ticket_id)
    _require(ticket, actor, {workflow.RESIDENT, workflow.DESK})
    try:
        value = int(rating)
    except (TypeError, ValueError):
        raise ValidationFailed(_("评价须为 1 到 5 星。")) from None
    if not 1 <= value <= 5:
        raise ValidationFailed(_("评价须为 1 到 5 星。"))
    if ticket.state not in {TicketState.DONE, TicketState.CLOSED}:
        raise TransitionNotAllowed(_("工单完成后才能评价。"), state=ticket.state)
    if ticket.rating is not None:
        raise TransitionNotAllowed(_("该工单已评价。"), state=ticket.state, code="already_rated")
    comment = (comment or "").strip()[:500]
    now = clock.now()
    _cas(
        ticket,
        expected_state=ticket.state,
        changes={"rating": value, "rating_comment": comment, "rated_at": now},
    )
    events.record(
        verb="ticket.rated",
        subject=ticket,
        actor=actor,
        data={"rating": value, "comment": comment},
        at=now,
    )
    _clocks(ticket, "ticket.rated", now, actor, {"rating": value})
    if value <= RATING_CALLBACK_MAX:
        callback = Callback.objects.create(
            site_id=ticket.site_id,
            ticket=ticket,
            reason=_("住户评价 %(n)d 星：%(comment)s") % {"n": value, "comment": comment or "-"},
            created_at=now,
            due_at=now + dt.timedelta(hours=CALLBACK_HOURS),
        )
        events.record(
            verb="callback.opened",
            subject=ticket,
            actor=actor,
            data={"callback_id": callback.pk, "rating": value},
            at=now,
        )
        _tell_staff(
            selectors.users_with_roles(ticket.site_id, roles.SUPERVISORS),
            ticket,
            topic="callback.opened",
            title=_("差评回访 %(number)s（%(n)d 星）") % {"number": ticket.number, "n": value},
            body=comment[:120],
            actor=actor,
        )
    return ticket


@transaction.atomic
def callback_complete(*, callback_id: int, actor: Any, outcome: str) -> Callback:
    """RQ-10: the CS supervisor calls the resident back and records the outcome.

    Side effects: ``done_at``/``done_by``/``outcome``; event ``callback.done`` on the ticket."""
    callback = Callback.objects.select_related("ticket").filter(pk=callback_id).first()
    if callback is None or not roles.has_role(actor, callback.site_id, roles.ALL_STAFF):
        raise NotFound()
    if not roles.has_role(actor, callback.site_id, roles.SUPERVISORS):
        raise PermissionDenied()
    if callback.done_at is not None:
        raise TransitionNotAllowed(_("该回访已完成。"))
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationFailed(_("请填写回访结果。"))
    now = clock.now()
    callback.done_at = now
    callback.done_by = actor
    callback.outcome = outcome[:2000]
    callback.save(update_fields=["done_at", "done_by", "outcome"])
    events.record(
        verb="callback.done",
        subject=callback.ticket,
        actor=actor,
        data={"callback_id": callback.pk, "outcome": callback.outcome},
        at=now,
    )
    return callback


# --- referrals (RQ-7, CV-2) -----------------------------------------------------------------


@transaction.atomic
def referral_report(*, referral_id: int, actor: Any, report: str) -> Referral:
    """CV-2 Q: the outside unit (or engineer, or coordination) reported its status; chasing
    stops and the SLA clock of the referral is met.

    Side effects: ``reported_at``/``report``; event ``referral.reported`` on the ticket and
    its clocks."""
    referral = Referral.objects.select_related("ticket", "ticket__site").filter(pk=referral_id)
    row = referral.first()
    if row is None:
        raise NotFound()
    _require(row.ticket, actor, {workflow.DESK, workflow.DEPT_LEAD})
    if row.reported_at is not None:
        raise TransitionNotAllowed(_("已登记反馈。"))
    report = (report or "").strip()
    if not report:
        raise ValidationFailed(_("请填写反馈情况。"))
    now = clock.now()
    row.reported_at = now
    row.report = report[:2000]
    row.reported_by = actor
    row.save(update_fields=["reported_at", "report", "reported_by"])
    data = {"referral_id": row.pk, "report": row.report, "party": row.party_label}
    events.record(verb="referral.reported", subject=row.ticket, actor=actor, data=data, at=now)
    _clocks(row.ticket, "referral.reported", now, actor, {"referral_id": row.pk})
    return row


@transaction.atomic
def referral_chase(*, referral_id: int, now: dt.datetime) -> bool:
    """CV-2 Q: a referral past its committed time without a report is chased; the dispatchers
    are told to call the unit. Idempotent per day (``last_chased_at``); returns whether it
    chased.

    Side effects: ``last_chased_at``/``chase_count``; event ``referral.chased``; in-app message
    to the site's dispatchers (deduplicated per referral and day)."""
    row = Referral.objects.select_related("ticket", "ticket__site", "external_party").get(
        pk=referral_id
    )
    if row.reported_at is not None:
        return False
    if row.last_chased_at is not None and row.last_chased_at > now - dt.timedelta(hours=24):
        return False
    updated = Referral.objects.filter(pk=row.pk, last_chased_at=row.last_chased_at).update(
        last_chased_at=now, chase_count=F("chase_count") + 1
    )
    if not updated:
        return False
    events.record(
        verb="referral.chased",
        subject=row.ticket,
        actor=None,
        data={"referral_id": row.pk, "party": row.party_label, "count": row.chase_count + 1},
        at=now,
    )
    day = clock.localtime(now).strftime("%Y%m%d")
    for user in selectors.users_with_roles(row.ticket.site_id, roles.DISPATCHERS):
        notification_send(
            site=row.ticket.site,
            topic="referral.chase",
            title=_("请催办 %(party)s：工单 %(number)s 已超承诺时限")
            % {"party": row.party_label, "number": row.ticket.number},
            body=str(row.external_party.phone if row.external_party else row.referred_to),
            url=_staff_url(row.ticket),
            user=user,
            dedupe_key=f"referral-chase:{row.pk}:{day}",
        )
    return True


# --- calls and visits log (CV-1..CV-4) ------------------------------------------------------


@transaction.atomic
def call_log_add(
    *,
    site: Site,
    actor: Any,
    kind: str,
    caller_name: str,
    summary: str,
    log_class: str,
    caller_phone: str = "",
    unit: OrgUnit | None = None,
    answer: str = "",
    ticket: Ticket | None = None,
    ticket_link: str = "",
    occurred_at: dt.datetime | None = None,
    done: bool = False,
) -> CallLog:
    """CV-1: every call and visit is recorded completely and truthfully, linked to the ticket
    it created or updated, and classed (CV-2). A consultation answered on the spot is an
    entry with its answer, done at once (CV-3).

    Side effects: the entry; event ``calllog.created``; when ``done``, ``call_log_done``."""
    if not roles.has_role(actor, site.pk, roles.CS_DESK):
        raise PermissionDenied(_("只有客服中心人员可以登记来电来访。"))
    if kind not in CallKind.values:
        raise ValidationFailed(_("请选择来电或来访。"))
    if log_class not in LogClass.values:
        raise ValidationFailed(_("请选择分类。"))
    caller_name = (caller_name or "").strip()
    summary = (summary or "").strip()
    if not caller_name:
        raise ValidationFailed(_("请填写来电来访人。"))
    if not summary:
        raise ValidationFailed(_("请填写内容摘要。"))
    if unit is not None and unit.site_id != site.pk:
        raise ValidationFailed(_("房屋不属于该管理处。"))
    if ticket is not None and ticket.site_id != site.pk:
        raise ValidationFailed(_("工单不属于该管理处。"))
    if ticket is None:
        ticket_link = CallLink.NONE
    elif ticket_link not in {CallLink.CREATED, CallLink.UPDATED}:
        ticket_link = CallLink.UPDATED
    now = clock.now()
    occurred_at = occurred_at or now
    if occurred_at > now:
        raise ValidationFailed(_("时间不能晚于现在。"))
    entry = CallLog.objects.create(
        site=site,
        kind=kind,
        occurred_at=occurred_at,
        caller_name=caller_name[:50],
        caller_phone=(caller_phone or "").strip()[:20],
        unit=unit,
        summary=summary[:4000],
        log_class=log_class,
        answer=(answer or "").strip()[:4000],
        ticket=ticket,
        ticket_link=ticket_link,
        received_by=actor,
        created_at=now,
    )
    events.record(
        verb="calllog.created",
        subject=entry,
        actor=actor,
        site_id=site.pk,
        data={
            "kind": kind,
            "class": log_class,
            "ticket": ticket.number if ticket else None,
            "link": ticket_link,
        },
        at=now,
    )
    if done:
        call_log_done(entry_id=entry.pk, actor=actor)
        entry.refresh_from_db()
    return entry


@transaction.atomic
def call_log_done(*, entry_id: int, actor: Any) -> CallLog:
    """CV-3: a finished item is marked done, signed (by the actor) and numbered; the number
    ``<site code>-CV<yy>-<5 digits>`` counts per site and year.

    Side effects: done fields (compare-and-set on ``done_at IS NULL``); event ``calllog.done``."""
    entry = CallLog.objects.select_related("site").filter(pk=entry_id).first()
    if entry is None or not roles.has_role(actor, entry.site_id, roles.ALL_STAFF):
        raise NotFound()
    if not roles.has_role(actor, entry.site_id, roles.CS_DESK):
        raise PermissionDenied()
    if entry.done_at is not None:
        raise Conflict(_("该记录已销项。"), code="already_done")
    now = clock.now()
    year = clock.localtime(now).strftime("%y")
    value = numbering.next_value(f"{entry.site.code}:CV:{year}")
    number = f"{entry.site.code}-CV{year}-{value:05d}"
    updated = CallLog.objects.filter(pk=entry.pk, done_at__isnull=True).update(
        done_at=now, done_by=actor, done_number=number
    )
    if not updated:
        raise Conflict(_("该记录已销项。"), code="already_done")
    entry.done_at, entry.done_by, entry.done_number = now, actor, number
    events.record(
        verb="calllog.done",
        subject=entry,
        actor=actor,
        site_id=entry.site_id,
        data={"number": number},
        at=now,
    )
    return entry
