"""Every write of the duty app: rosters, leave and swaps, on-call list, the duty log, handover,
the supervisor's sign-off and the idempotency markers of the jobs.

Each function is one use case in one transaction: it checks the actor's role at the site,
validates, writes with ``update_fields`` or compare-and-set, and records its audit event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from estatedesk.core import clock, events
from estatedesk.core.calendar import DutyShift, duty_hours
from estatedesk.core.errors import (
    Conflict,
    DeskError,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)
from estatedesk.duty import selectors
from estatedesk.duty.chain import compute_hash
from estatedesk.duty.enums import (
    CHANGE_TRANSITIONS,
    HANDOVER_TRANSITIONS,
    LOG_WRITABLE_KINDS,
    REPORT_ROLES,
    ChangeKind,
    ChangeState,
    HandoverState,
    LogEntryKind,
    OnCallRole,
    ReportTo,
    RosterKind,
    RosterState,
)
from estatedesk.duty.handover_items import collect_open_items
from estatedesk.duty.models import (
    GENESIS_HASH,
    LOG_RETENTION_YEARS,
    DutyAlert,
    DutyAssignment,
    DutyChange,
    DutyLogAnchor,
    DutyLogChain,
    DutyLogEntry,
    Handover,
    HandoverAnomaly,
    HandoverCount,
    HandoverLine,
    LogSignoff,
    OnCallEntry,
    PostItem,
    Roster,
)
from estatedesk.org import roles
from estatedesk.org.enums import Role
from estatedesk.org.models import Site
from estatedesk.org.selectors import staff_with_role

TEXT_MAX = 4000
PASSWORD_ATTEMPTS = 5
PASSWORD_LOCK_SECONDS = 15 * 60


class HandoverRefused(DeskError):
    """DT-10: important work is unfinished, so the shift may not be handed over."""

    code = "handover_refused"
    status = 409
    default_detail = gettext_lazy("重要工作未处理完毕，不允许交班。")


def _require(actor: Any, site_id: int, role_set: frozenset[str]) -> None:
    if not roles.has_role(actor, site_id, role_set):
        raise PermissionDenied()


def _name(user: Any) -> str:
    return selectors.person_name(user)


# --- roster (DT-1, DT-2, DT-12) -----------------------------------------------------------


@transaction.atomic
def roster_open(*, site: Site, kind: str, month: dt.date, actor: Any) -> Roster:
    """The draft roster of ``kind`` for ``month`` at ``site``, created on first use (DT-1).

    Side effects: a ``duty.roster_created`` event when it is new.
    """
    _require(actor, site.pk, selectors.SUPERVISOR_ROLES)
    if kind not in RosterKind.values:
        raise ValidationFailed(_("未知的值班表类别。"))
    first = selectors.month_start(month)
    try:
        with transaction.atomic():
            roster, created = Roster.objects.get_or_create(
                site=site, kind=kind, month=first, defaults={"created_at": clock.now()}
            )
    except IntegrityError:
        roster, created = Roster.objects.get(site=site, kind=kind, month=first), False
    if created:
        events.record(
            verb="duty.roster_created",
            subject=roster,
            actor=actor,
            data={"kind": kind, "month": first.isoformat()},
        )
    return roster


def _check_eligible(roster: Roster, user: Any) -> None:
    if not selectors.eligible_staff(roster.site, roster.kind).filter(pk=user.pk).exists():
        raise ValidationFailed(
            _("%(name)s 不能排入该值班表（不是本管理处的值班人员）。") % {"name": _name(user)}
        )


def _shift_for(roster: Roster, day: dt.date) -> DutyShift:
    if selectors.month_start(day) != roster.month:
        raise ValidationFailed(_("日期不在该值班表的月份内。"))
    return duty_hours(roster.site).shift_of_day(day)


@transaction.atomic
def roster_assign(*, roster: Roster, day: dt.date, user: Any, actor: Any) -> DutyAssignment:
    """Put ``user`` on ``day``'s shift (times from the site's duty hours, DT-2).

    Only the supervisor edits a roster, so no officer can change who is on duty on their own
    (DT-5). On a published roster the change is also recorded as an approved ``adjust``
    change, so the leave/swap history shows it. Side effects: ``duty.roster_assigned`` event.
    """
    _require(actor, roster.site_id, selectors.SUPERVISOR_ROLES)
    _check_eligible(roster, user)
    shift = _shift_for(roster, day)
    if DutyAssignment.objects.filter(roster=roster, day=day, user=user).exists():
        raise ValidationFailed(_("%(name)s 已排在该日。") % {"name": _name(user)})
    assignment = DutyAssignment.objects.create(
        roster=roster,
        site_id=roster.site_id,
        kind=roster.kind,
        day=day,
        starts_at=shift.start,
        ends_at=shift.end,
        user=user,
        planned_user=user,
    )
    if roster.is_published:
        now = clock.now()
        DutyChange.objects.create(
            site_id=roster.site_id,
            assignment=assignment,
            kind=ChangeKind.ADJUST,
            state=ChangeState.APPROVED,
            requested_by=actor,
            original_user=user,
            substitute=user,
            reason=_("主管增排"),
            created_at=now,
            decided_by=actor,
            decided_at=now,
        )
    events.record(
        verb="duty.roster_assigned",
        subject=assignment,
        actor=actor,
        data={"roster": roster.pk, "day": day.isoformat(), "user": user.pk},
    )
    return assignment


@transaction.atomic
def roster_unassign(*, assignment: DutyAssignment, actor: Any) -> None:
    """Take a person off a day of a roster (supervisor only). A past or running shift, or one
    with a handover, stays as the record of who was on duty."""
    _require(actor, assignment.site_id, selectors.SUPERVISOR_ROLES)
    if assignment.starts_at <= clock.now():
        raise ValidationFailed(_("已开始或已结束的班次不能删除。"))
    if assignment.handovers.exists():
        raise ValidationFailed(_("该班次已有交接记录，不能删除。"))
    events.record(
        verb="duty.roster_unassigned",
        subject=assignment,
        actor=actor,
        data={
            "roster": assignment.roster_id,
            "day": assignment.day.isoformat(),
            "user": assignment.user_id,
        },
    )
    assignment.delete()


@transaction.atomic
def roster_fill_rotation(
    *, roster: Roster, users: list[Any], actor: Any, skip_filled: bool = True
) -> int:
    """Fill the month by rotating ``users`` day by day (empty days only by default).
    Returns how many assignments were created."""
    _require(actor, roster.site_id, selectors.SUPERVISOR_ROLES)
    if not users:
        raise ValidationFailed(_("请至少选择一名值班人员。"))
    for user in users:
        _check_eligible(roster, user)
    filled = set(roster.assignments.values_list("day", flat=True))
    hours = duty_hours(roster.site)
    created = 0
    index = 0
    for day in selectors.month_days(roster.month):
        if skip_filled and day in filled:
            continue
        user = users[index % len(users)]
        index += 1
        if DutyAssignment.objects.filter(roster=roster, day=day, user=user).exists():
            continue
        shift = hours.shift_of_day(day)
        DutyAssignment.objects.create(
            roster=roster,
            site_id=roster.site_id,
            kind=roster.kind,
            day=day,
            starts_at=shift.start,
            ends_at=shift.end,
            user=user,
            planned_user=user,
        )
        created += 1
    events.record(
        verb="duty.roster_filled",
        subject=roster,
        actor=actor,
        data={"users": [u.pk for u in users], "created": created},
    )
    return created


@transaction.atomic
def roster_publish(*, roster: Roster, version: int, actor: Any) -> Roster:
    """Publish the roster (DT-1): the CS roster must cover every day of the month.

    Shift times are recomputed from the site's duty hours and calendar at publication (a
    holiday entered after drafting still counts). Side effects, in order: compare-and-set
    draft -> published; ``duty.roster_published`` event; one notification per rostered person.
    """
    _require(actor, roster.site_id, selectors.SUPERVISOR_ROLES)
    if roster.state != RosterState.DRAFT:
        raise TransitionNotAllowed(_("该值班表已发布。"))
    hours = duty_hours(roster.site)
    rows = list(roster.assignments.select_related("user"))
    if roster.kind == RosterKind.CS:
        covered = {row.day for row in rows}
        missing = [day for day in selectors.month_days(roster.month) if day not in covered]
        if missing:
            raise ValidationFailed(
                _("值班表有空缺：%(days)s。每天都须安排值班人员。")
                % {"days": "、".join(f"{d.day}日" for d in missing)}
            )
    elif not rows:
        raise ValidationFailed(_("值班表是空的。"))
    now = clock.now()
    updated = Roster.objects.filter(pk=roster.pk, state=RosterState.DRAFT, version=version).update(
        state=RosterState.PUBLISHED,
        version=version + 1,
        published_at=now,
        published_by=actor,
    )
    if not updated:
        raise Conflict()
    for row in rows:
        shift = hours.shift_of_day(row.day)
        if (row.starts_at, row.ends_at) != (shift.start, shift.end):
            row.starts_at, row.ends_at = shift.start, shift.end
            row.save(update_fields=["starts_at", "ends_at"])
    roster.refresh_from_db()
    events.record(
        verb="duty.roster_published",
        subject=roster,
        actor=actor,
        before={"state": RosterState.DRAFT},
        after={"state": RosterState.PUBLISHED},
        data={"assignments": len(rows)},
    )
    from estatedesk.notify.services import notification_send

    title = _("%(month)s %(kind)s已发布") % {
        "month": f"{roster.month:%Y-%m}",
        "kind": roster.get_kind_display(),
    }
    for user in {row.user_id: row.user for row in rows}.values():
        days = "、".join(f"{r.day.day}日" for r in rows if r.user_id == user.pk)
        notification_send(
            site=roster.site,
            topic="duty.roster_published",
            title=title,
            body=_("您的值班日期：%(days)s") % {"days": days},
            url=reverse("duty:roster")
            + f"?site={roster.site_id}&kind={roster.kind}&month={roster.month:%Y-%m}",
            user=user,
            dedupe_key=f"duty:roster-published:{roster.pk}:{user.pk}",
            actor=actor,
        )
    return roster


# --- leave and swaps (DT-5) ---------------------------------------------------------------


@transaction.atomic
def duty_change_request(
    *,
    assignment: DutyAssignment,
    kind: str,
    reason: str,
    actor: Any,
    substitute: Any = None,
) -> DutyChange:
    """Ask the supervisor for leave or a swap of one's own shift (DT-5).

    Nothing changes on the roster until the supervisor approves: the request is only a
    request. A swap names the colleague who would take the shift. Side effects:
    ``duty.change_requested`` event; a notification to the site's CS supervisors.
    """
    if assignment.user_id != actor.pk:
        raise PermissionDenied(_("只能为自己的班次申请请假或调班。"))
    if kind not in (ChangeKind.LEAVE, ChangeKind.SWAP):
        raise ValidationFailed(_("请选择请假或调班。"))
    if assignment.ends_at <= clock.now():
        raise ValidationFailed(_("该班次已结束。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写原因。"))
    if kind == ChangeKind.SWAP:
        if substitute is None:
            raise ValidationFailed(_("调班须写明由谁顶班。"))
        if substitute.pk == actor.pk:
            raise ValidationFailed(_("顶班人不能是自己。"))
        _check_eligible(assignment.roster, substitute)
    if DutyChange.objects.filter(assignment=assignment, state=ChangeState.PENDING).exists():
        raise Conflict(_("该班次已有待审批的申请。"))
    change = DutyChange.objects.create(
        site_id=assignment.site_id,
        assignment=assignment,
        kind=kind,
        requested_by=actor,
        original_user=assignment.user,
        substitute=substitute,
        reason=reason[:1000],
        created_at=clock.now(),
    )
    events.record(
        verb="duty.change_requested",
        subject=change,
        actor=actor,
        data={
            "kind": kind,
            "assignment": assignment.pk,
            "substitute": getattr(substitute, "pk", None),
        },
    )
    from estatedesk.notify.services import notification_send

    for member in selectors.users_with_roles(assignment.site, frozenset({Role.CS_SUPERVISOR})):
        notification_send(
            site=assignment.site,
            topic="duty.change_requested",
            title=_("%(name)s 申请%(kind)s：%(day)s")
            % {
                "name": _name(actor),
                "kind": change.get_kind_display(),
                "day": f"{assignment.day:%m-%d}",
            },
            body=reason,
            url=reverse("duty:changes") + f"?site={assignment.site_id}",
            user=member,
            dedupe_key=f"duty:change:{change.pk}:{member.pk}",
            actor=actor,
        )
    return change


def _move_change(change: DutyChange, *, version: int, to: str, **fields: Any) -> None:
    if to not in CHANGE_TRANSITIONS[change.state]:
        raise TransitionNotAllowed()
    updated = DutyChange.objects.filter(pk=change.pk, state=change.state, version=version).update(
        state=to, version=version + 1, **fields
    )
    if not updated:
        raise Conflict()


@transaction.atomic
def duty_change_approve(
    *,
    change: DutyChange,
    version: int,
    actor: Any,
    substitute: Any = None,
    note: str = "",
) -> DutyChange:
    """The supervisor approves leave (choosing the substitute) or a swap (DT-5): the substitute
    takes the shift, which is what changes who is on duty.

    Side effects, in order: compare-and-set on the change and on the assignment (someone else
    changing either first is a Conflict); ``duty.change_approved`` event; notifications to the
    requester and the substitute.
    """
    _require(actor, change.site_id, selectors.SUPERVISOR_ROLES)
    if actor.pk == change.requested_by_id and not roles.has_role(
        actor, change.site_id, frozenset({Role.SITE_MANAGER})
    ):
        raise PermissionDenied(_("不能审批自己的申请，请由其他主管或经理审批。"))
    substitute = substitute or change.substitute
    if substitute is None:
        raise ValidationFailed(_("请指定顶班人。"))
    now = clock.now()
    # Compare-and-set first: a second approver working from the same version gets a Conflict,
    # not a validation message computed from the roster the first one just changed.
    _move_change(
        change,
        version=version,
        to=ChangeState.APPROVED,
        substitute=substitute,
        decided_by=actor,
        decided_at=now,
        decision_note=(note or "").strip()[:200],
    )
    assignment = (
        DutyAssignment.objects.select_for_update()
        .select_related("roster", "site")
        .get(pk=change.assignment_id)
    )
    if substitute.pk == assignment.user_id:
        raise ValidationFailed(_("顶班人不能是原值班人。"))
    _check_eligible(assignment.roster, substitute)
    if assignment.ends_at <= now:
        raise ValidationFailed(_("该班次已结束。"))
    if (
        DutyAssignment.objects.filter(roster=assignment.roster, day=assignment.day, user=substitute)
        .exclude(pk=assignment.pk)
        .exists()
    ):
        raise ValidationFailed(_("%(name)s 当天已在值班表上。") % {"name": _name(substitute)})
    moved = DutyAssignment.objects.filter(
        pk=assignment.pk, user_id=change.original_user_id, version=assignment.version
    ).update(user=substitute, version=F("version") + 1)
    if not moved:
        raise Conflict(_("该班次已被调整，请刷新后重试。"))
    change.refresh_from_db()
    events.record(
        verb="duty.change_approved",
        subject=change,
        actor=actor,
        before={"user": change.original_user_id},
        after={"user": substitute.pk},
        data={"assignment": assignment.pk, "kind": change.kind},
    )
    from estatedesk.notify.services import notification_send

    for user in {change.requested_by, substitute}:
        notification_send(
            site=assignment.site,
            topic="duty.change_decided",
            title=_("%(day)s 值班已调整：由 %(name)s 顶班")
            % {"day": f"{assignment.day:%m-%d}", "name": _name(substitute)},
            body=change.decision_note,
            url=reverse("duty:changes") + f"?site={assignment.site_id}",
            user=user,
            dedupe_key=f"duty:change-decided:{change.pk}:{user.pk}",
            actor=actor,
        )
    return change


@transaction.atomic
def duty_change_reject(*, change: DutyChange, version: int, note: str, actor: Any) -> DutyChange:
    """The supervisor refuses a leave or swap request; the roster stays as it is (DT-5)."""
    _require(actor, change.site_id, selectors.SUPERVISOR_ROLES)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_("驳回时请写明理由。"))
    _move_change(
        change,
        version=version,
        to=ChangeState.REJECTED,
        decided_by=actor,
        decided_at=clock.now(),
        decision_note=note[:200],
    )
    change.refresh_from_db()
    events.record(verb="duty.change_rejected", subject=change, actor=actor, data={"note": note})
    from estatedesk.notify.services import notification_send

    notification_send(
        site=change.assignment.site,
        topic="duty.change_decided",
        title=_("%(day)s 的%(kind)s申请被驳回")
        % {"day": f"{change.assignment.day:%m-%d}", "kind": change.get_kind_display()},
        body=note,
        url=reverse("duty:changes") + f"?site={change.site_id}",
        user=change.requested_by,
        dedupe_key=f"duty:change-decided:{change.pk}:{change.requested_by_id}",
        actor=actor,
    )
    return change


@transaction.atomic
def duty_change_withdraw(*, change: DutyChange, version: int, actor: Any) -> DutyChange:
    if change.requested_by_id != actor.pk:
        raise PermissionDenied(_("只能撤回自己的申请。"))
    _move_change(change, version=version, to=ChangeState.WITHDRAWN)
    change.refresh_from_db()
    events.record(verb="duty.change_withdrawn", subject=change, actor=actor)
    return change


# --- on-call list (DT-7) ------------------------------------------------------------------


@transaction.atomic
def on_call_add(
    *,
    site: Site,
    role: str,
    user: Any,
    phone: str,
    actor: Any,
    priority: int = 1,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    note: str = "",
) -> OnCallEntry:
    """Put someone on the on-call list (DT-7). Side effects: ``duty.on_call_added`` event."""
    _require(actor, site.pk, selectors.SUPERVISOR_ROLES)
    if role not in OnCallRole.values:
        raise ValidationFailed(_("未知的值班联络职责。"))
    if not roles.has_role(user, site.pk, roles.ALL_STAFF):
        raise ValidationFailed(_("%(name)s 不是本管理处的员工。") % {"name": _name(user)})
    phone = (phone or "").strip()
    if not phone:
        raise ValidationFailed(_("请填写手机号，值班联络人须保持手机畅通。"))
    if valid_from and valid_until and valid_until < valid_from:
        raise ValidationFailed(_("截止日期不能早于生效日期。"))
    if OnCallEntry.objects.filter(site=site, role=role, user=user).exists():
        raise ValidationFailed(_("%(name)s 已在该职责的联络表中。") % {"name": _name(user)})
    entry = OnCallEntry.objects.create(
        site=site,
        role=role,
        user=user,
        phone=phone,
        priority=priority,
        valid_from=valid_from,
        valid_until=valid_until,
        note=(note or "").strip()[:100],
    )
    events.record(
        verb="duty.on_call_added",
        subject=entry,
        actor=actor,
        after={"role": role, "user": user.pk, "priority": priority},
    )
    return entry


@transaction.atomic
def on_call_remove(*, entry: OnCallEntry, actor: Any) -> None:
    _require(actor, entry.site_id, selectors.SUPERVISOR_ROLES)
    events.record(
        verb="duty.on_call_removed",
        subject=entry,
        actor=actor,
        before={"role": entry.role, "user": entry.user_id, "phone": entry.phone},
    )
    entry.delete()


# --- the duty log (DT-8, RT-2) ------------------------------------------------------------


def _lock_chain(site: Site) -> DutyLogChain:
    """The site's chain head, locked until the caller's transaction ends. Concurrent appends
    queue here (PostgreSQL row lock; SQLite takes its write lock at BEGIN IMMEDIATE)."""
    if not DutyLogChain.objects.filter(site=site).exists():
        try:
            with transaction.atomic():
                DutyLogChain.objects.create(site=site)
        except IntegrityError:
            pass  # a concurrent first append created it; lock that one
    return DutyLogChain.objects.select_for_update().get(site=site)


def _retention_date(recorded_at: dt.datetime) -> dt.date:
    local = clock.localtime(recorded_at).date()
    try:
        return local.replace(year=local.year + LOG_RETENTION_YEARS)
    except ValueError:  # 29 February
        return local.replace(year=local.year + LOG_RETENTION_YEARS, day=28)


def _append(
    *,
    site: Site,
    kind: str,
    text: str,
    actor: Any,
    occurred_at: dt.datetime | None = None,
    important: bool = False,
    follow_up: bool = False,
    reason: str = "",
    corrects: DutyLogEntry | None = None,
    closes: DutyLogEntry | None = None,
) -> DutyLogEntry:
    head = _lock_chain(site)
    now = clock.now()
    entry = DutyLogEntry(
        site=site,
        seq=head.last_seq + 1,
        kind=kind,
        occurred_at=occurred_at or now,
        recorded_at=now,
        author=actor,
        author_name=_name(actor)[:150],
        text=text,
        important=important,
        follow_up=follow_up,
        reason=reason,
        corrects=corrects,
        closes=closes,
        retention_until=_retention_date(now),
        prev_hash=head.last_hash or GENESIS_HASH,
    )
    entry.hash = compute_hash(entry.content(), entry.prev_hash)
    entry.save(force_insert=True)
    head.last_seq = entry.seq
    head.last_hash = entry.hash
    head.save(update_fields=["last_seq", "last_hash"])
    return entry


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("请填写记录内容。"))
    if len(text) > TEXT_MAX:
        raise ValidationFailed(_("记录内容不能超过 %(max)d 字。") % {"max": TEXT_MAX})
    return text


@transaction.atomic
def log_entry_append(
    *,
    site: Site,
    kind: str,
    text: str,
    actor: Any,
    occurred_at: dt.datetime | None = None,
    important: bool = False,
    follow_up: bool = False,
    report_to: str = "",
) -> DutyLogEntry:
    """Write one entry of the duty log (DT-8): a call, visit, event, emergency, action (a
    temporary protective measure or staff called from another department, DT-6) ...

    ``report_to`` (DT-4): a difficult problem is reported to the CS supervisors, a serious one
    to the site managers, in the same transaction; the entry is then important.

    The entry takes the next number of the site's chain and the hash of the previous entry
    under the chain-head lock, so concurrent writers keep one valid chain. It is kept 3 years
    (RT-2, ``retention_until``). An open emergency entry blocks the handover (EM-4), an entry
    needing follow-up is carried over to the next officer. Side effects: the entry, the chain
    head, a ``duty.log_appended`` event.
    """
    _require(actor, site.pk, selectors.LOG_ROLES)
    if kind not in LOG_WRITABLE_KINDS:
        raise ValidationFailed(_("请选择记录类别。"))
    if report_to not in ReportTo.values:
        raise ValidationFailed(_("请选择报告对象。"))
    text = _clean_text(text)
    now = clock.now()
    if occurred_at is not None and occurred_at > now + dt.timedelta(minutes=5):
        raise ValidationFailed(_("发生时间不能晚于现在。"))
    entry = _append(
        site=site,
        kind=kind,
        text=text,
        actor=actor,
        occurred_at=occurred_at,
        important=important or bool(report_to),
        follow_up=follow_up or kind == LogEntryKind.EMERGENCY,
    )
    reported = _report_entry(entry, report_to, actor) if report_to else 0
    events.record(
        verb="duty.log_appended",
        subject=entry,
        actor=actor,
        data={
            "seq": entry.seq,
            "kind": kind,
            "important": entry.important,
            "report_to": report_to,
            "reported": reported,
        },
    )
    return entry


def _report_entry(entry: DutyLogEntry, report_to: str, actor: Any) -> int:
    """DT-4: tell every active holder of the role at the site; the number told."""
    from estatedesk.notify.services import notification_send

    holders = list(staff_with_role(site=entry.site, role_set=frozenset({REPORT_ROLES[report_to]})))
    url = reverse("duty:log") + f"?site={entry.site_id}#entry-{entry.seq}"
    for membership in holders:
        notification_send(
            site=entry.site,
            topic="duty.reported",
            title=_("值班报告：%(kind)s（第 %(seq)d 条）")
            % {"kind": entry.get_kind_display(), "seq": entry.seq},
            body=f"{_name(actor)}：{entry.text[:120]}",
            url=url,
            user=membership.user,
            actor=actor,
        )
    return len(holders)


def _lock_target(entry: DutyLogEntry) -> DutyLogEntry:
    """Re-read ``entry`` after the chain lock so a concurrent correction/closure is seen."""
    return DutyLogEntry.objects.select_related("correction", "closure").get(pk=entry.pk)


@transaction.atomic
def log_entry_correct(
    *,
    entry: DutyLogEntry,
    text: str,
    reason: str,
    actor: Any,
    important: bool | None = None,
    follow_up: bool | None = None,
) -> DutyLogEntry:
    """Correct an entry by appending a new one that points at it (DT-8: no entry is altered).

    Only the latest version can be corrected (a correction of a correction is fine). The
    correction carries the follow-up on unless told otherwise. Side effects: the correction
    entry, ``duty.log_corrected`` event.
    """
    _require(actor, entry.site_id, selectors.LOG_ROLES)
    text = _clean_text(text)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请写明更正原因。"))
    if entry.kind in (LogEntryKind.HANDOVER, LogEntryKind.CLOSURE):
        raise ValidationFailed(_("交接班和办结记录不能更正，请另写一条记录说明。"))
    _lock_chain(entry.site)
    current = _lock_target(entry)
    if hasattr(current, "correction"):
        raise Conflict(
            _("该记录已被第 %(seq)d 条更正，请更正最新的记录。") % {"seq": current.correction.seq}
        )
    # A correction of an item already closed does not reopen it unless asked to.
    still_open = current.follow_up and not hasattr(current, "closure")
    correction = _append(
        site=entry.site,
        kind=current.kind,
        text=text,
        actor=actor,
        occurred_at=current.occurred_at,
        important=current.important if important is None else important,
        follow_up=still_open if follow_up is None else follow_up,
        reason=reason[:200],
        corrects=current,
    )
    events.record(
        verb="duty.log_corrected",
        subject=correction,
        actor=actor,
        data={"seq": correction.seq, "corrects": entry.seq, "reason": reason},
    )
    return correction


@transaction.atomic
def log_entry_close(*, entry: DutyLogEntry, text: str, actor: Any) -> DutyLogEntry:
    """Record that a follow-up (or emergency) is finished: a new entry pointing at it, which
    takes it off the open items (DT-10, EM-4). Side effects: the entry, ``duty.log_closed``."""
    _require(actor, entry.site_id, selectors.LOG_ROLES)
    text = _clean_text(text)
    _lock_chain(entry.site)
    current = _lock_target(entry)
    if not current.follow_up:
        raise ValidationFailed(_("该记录不需要跟进，无需办结。"))
    if hasattr(current, "correction"):
        raise Conflict(_("该记录已被更正，请办结最新的记录。"))
    if hasattr(current, "closure"):
        raise Conflict(_("该记录已于第 %(seq)d 条办结。") % {"seq": current.closure.seq})
    closure = _append(
        site=entry.site,
        kind=LogEntryKind.CLOSURE,
        text=text,
        actor=actor,
        closes=current,
    )
    events.record(
        verb="duty.log_closed",
        subject=closure,
        actor=actor,
        data={"seq": closure.seq, "closes": entry.seq},
    )
    return closure


@transaction.atomic
def log_prune(*, site: Site, actor: Any = None, today: dt.date | None = None) -> int:
    """Remove the entries past their retention date (RT-2: kept 3 years) from the start of the
    site's chain, and anchor the chain at the first kept entry so ``verify-log`` still passes.

    Only a prefix is removed: pruning stops at the first entry still to be kept. On
    PostgreSQL the append-only trigger lets these DELETEs through only under the
    transaction-local ``estatedesk.duty_log_prune`` flag and only for expired rows. Side
    effects, in order: a ``DutyLogAnchor``, the DELETE, a ``duty.log_pruned`` event. Returns
    how many entries were removed.
    """
    if actor is not None:
        _require(actor, site.pk, selectors.SUPERVISOR_ROLES)
    cutoff = today or clock.today()
    head = _lock_chain(site)
    entries = DutyLogEntry.objects.filter(site=site)
    first_kept = (
        entries.filter(retention_until__gte=cutoff)
        .order_by("seq")
        .values_list("seq", flat=True)
        .first()
    )
    upto = (first_kept - 1) if first_kept is not None else head.last_seq
    doomed = entries.filter(seq__lte=upto)
    count = doomed.count()
    if count == 0:
        return 0
    last_removed_hash = entries.filter(seq=upto).values_list("hash", flat=True).get()
    anchor = DutyLogAnchor.objects.create(
        site=site,
        seq=upto + 1,
        prev_hash=last_removed_hash,
        pruned_count=count,
        pruned_at=clock.now(),
        pruned_by=_name(actor) if actor is not None else _("系统（保存期限）"),
    )
    table = DutyLogEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL estatedesk.duty_log_prune = 'on'")
        cursor.execute(f"DELETE FROM {table} WHERE site_id = %s AND seq <= %s", [site.pk, upto])  # noqa: S608 - table name from model meta
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL estatedesk.duty_log_prune = 'off'")
    events.record(
        verb="duty.log_pruned",
        subject=anchor,
        actor=actor,
        site_id=site.pk,
        data={"through_seq": upto, "count": count, "cutoff": cutoff.isoformat()},
    )
    return count


# --- handover (DT-9, DT-10) ---------------------------------------------------------------


def _bump(handover: Handover, version: int) -> None:
    """Compare-and-set on the handover: a second person submitting the same step (or the
    final confirmation) with the same version gets a Conflict; nothing of theirs is written."""
    if handover.state != HandoverState.OPEN:
        raise TransitionNotAllowed(_("该交接班已结束。"))
    updated = Handover.objects.filter(
        pk=handover.pk, state=HandoverState.OPEN, version=version
    ).update(version=version + 1)
    if not updated:
        raise Conflict(_("交接班已被他人更新，请刷新后重试。"))
    handover.version = version + 1


def _require_incoming(handover: Handover, actor: Any) -> None:
    if handover.incoming_id != actor.pk:
        raise PermissionDenied(_("只有接班人可以办理此步骤。"))


def _sync_lines(handover: Handover) -> list[HandoverLine]:
    """Bring the handover's items up to date with every app's open items: new ones added,
    settled ones dropped, flags refreshed; what the incoming officer ticked is kept."""
    shift = DutyShift(handover.shift_start, handover.shift_end)
    current = {(i.source, i.ref): i for i in collect_open_items(site=handover.site, shift=shift)}
    lines = {(line.source, line.ref): line for line in handover.lines.all()}
    for key, stale in lines.items():
        if key not in current:
            stale.delete()
    result = []
    for key, item in current.items():
        line = lines.get(key)
        if line is None:
            line = HandoverLine.objects.create(
                handover=handover,
                source=item.source[:30],
                ref=item.ref[:60],
                title=item.title[:200],
                url=item.url[:300],
                important=item.important,
                blocking=item.blocking,
            )
        else:
            fresh = (item.title[:200], item.url[:300], item.important, item.blocking)
            if (line.title, line.url, line.important, line.blocking) != fresh:
                line.title, line.url, line.important, line.blocking = fresh
                line.save(update_fields=["title", "url", "important", "blocking"])
        result.append(line)
    return result


@transaction.atomic
def handover_start(*, site: Site, actor: Any, outgoing: Any = None) -> Handover:
    """The incoming officer, on the published roster for the shift that is running or starts
    within the hour, starts taking over (DT-9).

    The outgoing officer defaults to whoever was on the roster for the previous shift. The
    post items to count and the shift's open items are copied in. Starting again returns the
    handover already open for the same person and shift. Side effects: the handover, its
    counts and items, a ``duty.handover_started`` event.
    """
    _require(actor, site.pk, selectors.LOG_ROLES)
    assignment = selectors.assignment_for_incoming(site, actor)
    if assignment is None:
        raise PermissionDenied(_("您不在当前或即将开始的值班班次上，不能接班。"))
    existing = selectors.open_handover(site)
    if existing is not None:
        if existing.incoming_id == actor.pk and existing.assignment_id == assignment.pk:
            return existing
        raise Conflict(
            _("%(name)s 的交接班正在进行中，请先完成或取消。") % {"name": _name(existing.incoming)}
        )
    if Handover.objects.filter(assignment=assignment, state=HandoverState.COMPLETED).exists():
        raise ValidationFailed(_("本班次已完成交接。"))
    if outgoing is None:
        previous = selectors.previous_assignment(assignment)
        outgoing = previous.user if previous is not None else None
    if outgoing is None:
        raise ValidationFailed(_("请指定交班人。"))
    if outgoing.pk == actor.pk:
        raise ValidationFailed(_("交班人和接班人不能是同一人。"))
    if not roles.has_role(outgoing, site.pk, selectors.LOG_ROLES):
        raise ValidationFailed(_("交班人须是本管理处客服中心的员工。"))
    last = selectors.last_completed_handover(site)
    hours = duty_hours(site)
    log_from = (
        last.completed_at
        if last is not None and last.completed_at is not None
        else hours.shift_of_day(assignment.day - dt.timedelta(days=1)).start
    )
    now = clock.now()
    try:
        with transaction.atomic():
            handover = Handover.objects.create(
                site=site,
                assignment=assignment,
                shift_start=assignment.starts_at,
                shift_end=assignment.ends_at,
                log_from=log_from,
                incoming=actor,
                outgoing=outgoing,
                started_at=now,
            )
    except IntegrityError as exc:
        raise Conflict(_("另一交接班刚刚开始，请刷新。")) from exc
    HandoverCount.objects.bulk_create(
        [
            HandoverCount(handover=handover, post_item=item, name=item.name, expected=item.quantity)
            for item in PostItem.objects.filter(site=site, is_active=True).order_by(
                "sort_order", "name"
            )
        ]
    )
    lines = _sync_lines(handover)
    events.record(
        verb="duty.handover_started",
        subject=handover,
        actor=actor,
        data={"outgoing": outgoing.pk, "assignment": assignment.pk, "items": len(lines)},
    )
    return handover


@transaction.atomic
def handover_record_counts(
    *,
    handover: Handover,
    version: int,
    counts: Mapping[int, tuple[int, str]],
    actor: Any,
) -> Handover:
    """Record the count of every post item (DT-9). A count that differs from the inventory
    needs the outgoing officer's explanation of where the item went; all or nothing."""
    _require_incoming(handover, actor)
    rows = list(handover.counts.all())
    problems = []
    for row in rows:
        if row.pk not in counts:
            problems.append(_("请清点“%(name)s”。") % {"name": row.name})
            continue
        counted, explanation = counts[row.pk]
        if counted is None or counted < 0:
            problems.append(_("“%(name)s”的数量无效。") % {"name": row.name})
        elif counted != row.expected and not (explanation or "").strip():
            problems.append(
                _("“%(name)s”应有 %(expected)d，实点 %(counted)d，请交班人说明去向。")
                % {"name": row.name, "expected": row.expected, "counted": counted}
            )
    if problems:
        raise ValidationFailed(" ".join(problems))
    _bump(handover, version)
    differences = []
    for row in rows:
        counted, explanation = counts[row.pk]
        row.counted = counted
        row.explanation = (explanation or "").strip()[:200] if counted != row.expected else ""
        row.save(update_fields=["counted", "explanation"])
        if counted != row.expected:
            differences.append(
                {
                    "item": row.name,
                    "expected": row.expected,
                    "counted": counted,
                    "why": row.explanation,
                }
            )
    handover.inventory_checked_at = clock.now()
    handover.save(update_fields=["inventory_checked_at"])
    events.record(
        verb="duty.handover_counted",
        subject=handover,
        actor=actor,
        data={"items": len(rows), "differences": differences},
    )
    return handover


@transaction.atomic
def handover_acknowledge_log(
    *, handover: Handover, version: int, through_seq: int, actor: Any
) -> Handover:
    """The incoming officer has read the previous shift's log up to entry ``through_seq``
    (DT-9). An entry written after that must be read again before confirming."""
    _require_incoming(handover, actor)
    latest = selectors.last_seq(handover.site)
    if through_seq < 0 or through_seq > latest:
        raise ValidationFailed(_("阅读位置无效，请刷新。"))
    _bump(handover, version)
    handover.log_read_through = through_seq
    handover.log_read_at = clock.now()
    handover.save(update_fields=["log_read_through", "log_read_at"])
    events.record(
        verb="duty.handover_log_read", subject=handover, actor=actor, data={"through": through_seq}
    )
    return handover


@transaction.atomic
def handover_refresh_items(*, handover: Handover, version: int, actor: Any) -> list[HandoverLine]:
    """Re-read every app's open items into the handover (settled ones drop off)."""
    _require(actor, handover.site_id, selectors.LOG_ROLES)
    _bump(handover, version)
    return _sync_lines(handover)


@transaction.atomic
def handover_take_over(
    *,
    handover: Handover,
    version: int,
    taken: Iterable[int],
    notes: Mapping[int, str],
    actor: Any,
) -> Handover:
    """The incoming officer ticks the items they take over, with what must be followed up
    (DT-9). Every important item must be ticked before the handover can complete."""
    _require_incoming(handover, actor)
    taken_ids = set(taken)
    lines = list(handover.lines.all())
    known = {line.pk for line in lines}
    if taken_ids - known:
        raise ValidationFailed(_("事项列表已变化，请刷新。"))
    _bump(handover, version)
    for line in lines:
        wanted = (line.pk in taken_ids, (notes.get(line.pk) or "").strip()[:200])
        if (line.taken_over, line.note) != wanted:
            line.taken_over, line.note = wanted
            line.save(update_fields=["taken_over", "note"])
    events.record(
        verb="duty.handover_items_taken",
        subject=handover,
        actor=actor,
        data={"taken": sorted(taken_ids), "items": len(lines)},
    )
    return handover


@transaction.atomic
def handover_add_anomaly(
    *,
    handover: Handover,
    version: int,
    area: str,
    description: str,
    explanation: str,
    actor: Any,
) -> HandoverAnomaly:
    """Record an anomaly found in the area with the outgoing officer's explanation (DT-9)."""
    _require_incoming(handover, actor)
    area, description, explanation = (
        (area or "").strip(),
        (description or "").strip(),
        (explanation or "").strip(),
    )
    if not area or not description:
        raise ValidationFailed(_("请填写区域和异常情况。"))
    if not explanation:
        raise ValidationFailed(_("请记录交班人的解释。"))
    _bump(handover, version)
    anomaly = HandoverAnomaly.objects.create(
        handover=handover,
        area=area[:80],
        description=description[:300],
        explanation=explanation[:300],
        recorded_at=clock.now(),
    )
    events.record(
        verb="duty.handover_anomaly",
        subject=handover,
        actor=actor,
        data={"area": anomaly.area, "description": anomaly.description},
    )
    return anomaly


@transaction.atomic
def handover_remove_anomaly(
    *, handover: Handover, version: int, anomaly_id: int, actor: Any
) -> None:
    """Remove an anomaly entered by mistake while the handover is still open."""
    _require_incoming(handover, actor)
    anomaly = handover.anomalies.filter(pk=anomaly_id).first()
    if anomaly is None:
        raise NotFound()
    _bump(handover, version)
    events.record(
        verb="duty.handover_anomaly_removed",
        subject=handover,
        actor=actor,
        before={"area": anomaly.area, "description": anomaly.description},
    )
    anomaly.delete()


@transaction.atomic
def handover_override(*, handover: Handover, version: int, reason: str, actor: Any) -> Handover:
    """The CS supervisor lets the handover go ahead although important work is open (DT-10),
    with a recorded reason. Side effects: compare-and-set, ``duty.handover_overridden`` event
    listing the open items at that moment."""
    _require(actor, handover.site_id, selectors.SUPERVISOR_ROLES)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationFailed(_("请写明授权交班的理由（至少 4 个字）。"))
    _bump(handover, version)
    handover.override_by = actor
    handover.override_reason = reason[:1000]
    handover.override_at = clock.now()
    handover.save(update_fields=["override_by", "override_reason", "override_at"])
    lines = list(handover.lines.all())
    events.record(
        verb="duty.handover_overridden",
        subject=handover,
        actor=actor,
        data={
            "reason": reason,
            "blocking": [line.title for line in lines if line.blocking],
            "untaken": [line.title for line in lines if line.important and not line.taken_over],
        },
    )
    return handover


def _check_password(handover: Handover, user: Any, raw: str, label: str) -> None:
    """Check a password typed on the handover screen; never stored. Five wrong tries lock that
    person's confirmation of this handover for 15 minutes."""
    key = f"duty:handover-pw:{handover.pk}:{user.pk}"
    failures = cache.get(key, 0)
    if failures >= PASSWORD_ATTEMPTS:
        raise PermissionDenied(_("%(who)s密码错误次数过多，请 15 分钟后再试。") % {"who": label})
    if not raw or not user.check_password(raw):
        cache.set(key, failures + 1, PASSWORD_LOCK_SECONDS)
        raise PermissionDenied(_("%(who)s密码不正确。") % {"who": label})
    cache.delete(key)


@dataclass(frozen=True)
class HandoverReadiness:
    """What still stands between the handover and completion (shown by the confirm step)."""

    uncounted: list[str]
    unexplained: list[str]
    log_unread: bool
    blocking: list[str]
    untaken: list[str]
    overridden: bool

    @property
    def work_open(self) -> bool:
        return bool(self.blocking or self.untaken)

    @property
    def ready(self) -> bool:
        return (
            not self.uncounted
            and not self.unexplained
            and not self.log_unread
            and (not self.work_open or self.overridden)
        )


def handover_readiness(
    handover: Handover, lines: list[HandoverLine] | None = None
) -> HandoverReadiness:
    counts = list(handover.counts.all())
    lines = list(handover.lines.all()) if lines is None else lines
    latest = selectors.last_seq(handover.site)
    return HandoverReadiness(
        uncounted=[c.name for c in counts if c.counted is None],
        unexplained=[
            c.name
            for c in counts
            if c.counted is not None and c.counted != c.expected and not c.explanation
        ],
        log_unread=handover.log_read_through is None or handover.log_read_through < latest,
        blocking=[line.title for line in lines if line.blocking],
        untaken=[line.title for line in lines if line.important and not line.taken_over],
        overridden=handover.override_at is not None,
    )


@transaction.atomic
def handover_complete(
    *,
    handover: Handover,
    version: int,
    outgoing_password: str,
    incoming_password: str,
    actor: Any,
) -> Handover:
    """Both officers confirm with their own password on the incoming officer's screen and the
    duty passes (DT-9, DT-10).

    Refused while an item is blocking (an unsettled emergency, EM-4) or an important item is
    not taken over, unless the supervisor overrode; refused until every post item is counted
    (differences explained) and the previous log is read to its last entry. Two people
    submitting at once: the compare-and-set lets one win, the other gets a Conflict. Side
    effects, in order: state open -> completed; the open items become the incoming officer's
    (``carried_to``); a handover entry in the duty log; a ``duty.handover_completed`` event.
    """
    _require_incoming(handover, actor)
    if HandoverState.COMPLETED not in HANDOVER_TRANSITIONS[handover.state]:
        raise TransitionNotAllowed(_("该交接班已结束。"))
    _check_password(handover, handover.outgoing, outgoing_password, _("交班人"))
    _check_password(handover, handover.incoming, incoming_password, _("接班人"))
    now = clock.now()
    updated = Handover.objects.filter(
        pk=handover.pk, state=HandoverState.OPEN, version=version
    ).update(state=HandoverState.COMPLETED, version=version + 1, completed_at=now)
    if not updated:
        raise Conflict(_("交接班已被他人提交或更新，请刷新后查看。"))
    handover.refresh_from_db()
    lines = _sync_lines(handover)
    readiness = handover_readiness(handover, lines)
    if readiness.uncounted or readiness.unexplained:
        raise ValidationFailed(_("公物尚未清点完毕或差异未说明。"))
    if readiness.log_unread:
        raise ValidationFailed(_("请先阅读上一班的值班记录（有新记录）。"))
    if readiness.work_open and not readiness.overridden:
        raise HandoverRefused(
            _("重要工作未处理完毕，不允许交班：%(items)s。如确需交班，请客服中心主管授权。")
            % {"items": "；".join(readiness.blocking + readiness.untaken)},
            blocking=readiness.blocking,
            untaken=readiness.untaken,
        )
    HandoverLine.objects.filter(handover=handover).update(carried_to=handover.incoming)
    handover.refresh_from_db()
    counts = list(handover.counts.all())
    differences = [c for c in counts if c.counted != c.expected]
    summary = _(
        "交接班：%(out)s 交 %(in)s。公物 %(items)d 项，差异 %(diff)d 项；区域异常 %(anom)d 项；"
        "移交未完成事项 %(lines)d 项。"
    ) % {
        "out": _name(handover.outgoing),
        "in": _name(handover.incoming),
        "items": len(counts),
        "diff": len(differences),
        "anom": handover.anomalies.count(),
        "lines": len(lines),
    }
    if handover.override_at is not None:
        summary += _("经主管 %(name)s 授权：%(reason)s") % {
            "name": _name(handover.override_by),
            "reason": handover.override_reason,
        }
    _append(site=handover.site, kind=LogEntryKind.HANDOVER, text=summary, actor=handover.incoming)
    events.record(
        verb="duty.handover_completed",
        subject=handover,
        actor=actor,
        before={"state": HandoverState.OPEN},
        after={"state": HandoverState.COMPLETED},
        data={
            "outgoing": handover.outgoing_id,
            "incoming": handover.incoming_id,
            "carried": [line.pk for line in lines],
            "overridden": handover.override_at is not None,
        },
    )
    return handover


@transaction.atomic
def handover_cancel(*, handover: Handover, version: int, reason: str, actor: Any) -> Handover:
    """Cancel a handover started by mistake (the incoming officer or a supervisor)."""
    if handover.incoming_id != actor.pk:
        _require(actor, handover.site_id, selectors.SUPERVISOR_ROLES)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请写明取消原因。"))
    if handover.state != HandoverState.OPEN:
        raise TransitionNotAllowed(_("该交接班已结束。"))
    updated = Handover.objects.filter(
        pk=handover.pk, state=HandoverState.OPEN, version=version
    ).update(state=HandoverState.CANCELLED, version=version + 1, cancelled_reason=reason[:200])
    if not updated:
        raise Conflict()
    handover.refresh_from_db()
    events.record(
        verb="duty.handover_cancelled",
        subject=handover,
        actor=actor,
        before={"state": HandoverState.OPEN},
        after={"state": HandoverState.CANCELLED},
        data={"reason": reason},
    )
    return handover


# --- supervisor sign-off (DT-11) ----------------------------------------------------------


@transaction.atomic
def log_signoff(*, site: Site, day: dt.date, actor: Any, comment: str = "") -> LogSignoff:
    """The CS supervisor reads and signs one finished log day (DT-11). Side effects: the
    signature (through the last entry of that day), ``duty.log_signed`` event."""
    _require(actor, site.pk, selectors.SUPERVISOR_ROLES)
    bounds = selectors.log_day_bounds(site, day)
    if bounds.end > clock.now():
        raise ValidationFailed(_("该值班日尚未结束，不能签阅。"))
    rows = DutyLogEntry.objects.filter(
        site=site, recorded_at__gte=bounds.start, recorded_at__lt=bounds.end
    )
    seqs = list(rows.values_list("seq", flat=True))
    try:
        with transaction.atomic():
            signoff = LogSignoff.objects.create(
                site=site,
                day=day,
                period_start=bounds.start,
                period_end=bounds.end,
                through_seq=max(seqs) if seqs else 0,
                entry_count=len(seqs),
                signed_by=actor,
                signed_at=clock.now(),
                comment=(comment or "").strip()[:300],
            )
    except IntegrityError as exc:
        raise Conflict(_("该值班日的记录已签阅。")) from exc
    events.record(
        verb="duty.log_signed",
        subject=signoff,
        actor=actor,
        data={"day": day.isoformat(), "entries": len(seqs)},
    )
    return signoff


# --- job markers --------------------------------------------------------------------------


def alert_once(*, site: Site, key: str) -> bool:
    """Claim the marker ``key`` for ``site``; True only for the first caller (jobs stay
    idempotent even when two workers run them at once). Call inside the job's transaction."""
    try:
        with transaction.atomic():
            DutyAlert.objects.create(site=site, key=key[:120], created_at=clock.now())
    except IntegrityError:
        return False
    return True
