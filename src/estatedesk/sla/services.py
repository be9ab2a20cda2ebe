"""Writes of the SLA app: clocks following ticket events, policy changes, exception records.

``clocks_on_event`` is called by every ticket service inside its own transaction with the audit
verb it just recorded; it never commits on its own and never bumps ``Ticket.version``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from estatedesk.core import clock as desk_clock
from estatedesk.core import events
from estatedesk.core.calendar import calendar_for
from estatedesk.core.errors import NotFound, ValidationFailed
from estatedesk.org import roles
from estatedesk.org.models import ExternalParty, Site
from estatedesk.sla import policy as policy_rules
from estatedesk.sla.enums import Anchor, DeadlineRule
from estatedesk.sla.models import Clock, ClockException, SlaPolicy, SlaPolicyVersion
from estatedesk.tickets import workflow
from estatedesk.tickets.enums import STATE_GROUP, StateGroup
from estatedesk.tickets.models import Ticket

PAUSE_EVENT = "ticket.wait_resident"
# The ticket is finished: every clock still running stops without being met.
CANCEL_EVENTS = frozenset({"ticket.cancel", "ticket.close"})


def _resumes(event: str) -> bool:
    """A workflow event whose target state is not paused ends a wait on the resident."""
    if not event.startswith("ticket."):
        return False
    transition = workflow.find(event.removeprefix("ticket."))
    if transition is None or transition.target is None:
        return False
    return STATE_GROUP[transition.target] != StateGroup.PAUSED


def clocks_on_event(
    *,
    ticket: Ticket,
    event: str,
    at: dt.datetime,
    actor: Any = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Move ``ticket``'s clocks for one audit event (call inside the ticket service's transaction).

    Side effects, in order:
    1. running clocks whose meet events match are met (``met_at``, ``met_by``); those whose
       cancel events match are cancelled (``cancelled_at``, not met: another commitment
       replaced them, e.g. a complaint upgraded or its limit extended, CP-3/CP-7);
    2. ``ticket.wait_resident`` pauses the pausable running clocks not yet breached; an event
       leaving the wait (``ticket.resume``, ``ticket.complete`` ...) resumes them and shifts
       ``due_at``/``warn_at`` by the time paused;
    3. ``ticket.cancel``/``ticket.close`` cancel every clock still running;
    4. clocks of the site's active policies whose start event and conditions match start, one
       per policy at a time (RQ-5, RQ-6, RQ-8, DS-3, DS-4, CV-2 Q ... per the seeded policies);
    5. ``Ticket.next_due_at`` is set to the earliest due time of the running, unpaused clocks
       (a queryset update: no version bump, no audit event; the clocks themselves are the record).
    """
    data = dict(data or {})
    running = list(Clock.objects.running().filter(ticket_id=ticket.pk).order_by("due_at", "pk"))
    still_running: list[Clock] = []
    for item in running:
        if policy_rules.event_matches_any(item.meet_events, event, data):
            _meet(item, at=at, actor=actor, event=event)
        elif policy_rules.event_matches_any(item.cancel_events, event, data):
            _cancel(item, at=at)
        else:
            still_running.append(item)

    if event == PAUSE_EVENT:
        for item in still_running:
            if item.pausable and item.paused_at is None and item.breached_at is None:
                item.paused_at = at
                item.next_action_at = None
                item.save(update_fields=["paused_at", "next_action_at"])
    elif _resumes(event):
        paused = [item for item in still_running if item.paused_at is not None]
        if paused:
            _resume(paused, at=at)

    if event in CANCEL_EVENTS:
        for item in still_running:
            _cancel(item, at=at)
        still_running = []
    else:
        running_kinds = {item.kind for item in still_running}
        for pol in policy_rules.policies_for_site(ticket.site_id):
            if pol.clock_kind in running_kinds:
                continue
            if not policy_rules.event_matches_any(pol.start_events, event, data):
                continue
            if not policy_rules.conditions_match(pol.conditions, ticket, data):
                continue
            started = clock_start(ticket=ticket, policy=pol, at=at, data=data)
            still_running.append(started)
            running_kinds.add(pol.clock_kind)

    refresh_next_due(ticket, still_running)


def refresh_next_due(ticket: Ticket, open_clocks: Iterable[Clock]) -> None:
    dues = [c.due_at for c in open_clocks if c.paused_at is None and c.met_at is None]
    next_due = min(dues) if dues else None
    Ticket.objects.filter(pk=ticket.pk).update(next_due_at=next_due)
    ticket.next_due_at = next_due


def _meet(item: Clock, *, at: dt.datetime, actor: Any, event: str) -> None:
    item.met_at = at
    item.met_by = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    item.met_event = event[:80]
    item.next_action_at = None
    fields = ["met_at", "met_by", "met_event", "next_action_at"]
    if item.paused_at is not None:
        item.paused_seconds += max(0, int((at - item.paused_at).total_seconds()))
        item.paused_at = None
        fields += ["paused_seconds", "paused_at"]
    item.save(update_fields=fields)


def _cancel(item: Clock, *, at: dt.datetime) -> None:
    """Stop a clock without meeting it; the timeliness rate (DS-9) leaves it out unless it had
    already breached."""
    item.cancelled_at = at
    item.next_action_at = None
    fields = ["cancelled_at", "next_action_at"]
    if item.paused_at is not None:
        item.paused_seconds += max(0, int((at - item.paused_at).total_seconds()))
        item.paused_at = None
        fields += ["paused_seconds", "paused_at"]
    item.save(update_fields=fields)


def _resume(paused: list[Clock], *, at: dt.datetime) -> None:
    """Shift each paused clock's deadlines by the time it waited on the resident."""
    escalations = policy_rules.escalations_for(paused)
    for item in paused:
        assert item.paused_at is not None
        waited = max(dt.timedelta(0), at - item.paused_at)
        item.paused_seconds += int(waited.total_seconds())
        item.due_at += waited
        if item.warn_at is not None:
            item.warn_at += waited
        item.paused_at = None
        level, when = policy_rules.next_pending(item, escalations[item.pk], item.next_level)
        item.next_level = level
        item.next_action_at = when
        item.save(
            update_fields=[
                "paused_seconds",
                "due_at",
                "warn_at",
                "paused_at",
                "next_level",
                "next_action_at",
            ]
        )


def clock_start(
    *, ticket: Ticket, policy: SlaPolicy, at: dt.datetime, data: dict[str, Any] | None = None
) -> Clock:
    """Start ``policy``'s clock on ``ticket``; the deadline is fixed now (style: stored columns).

    The due time follows the policy's deadline rule on its calendar: a duration (RQ-5 5 min,
    RQ-6 24 h/48 h, RQ-8 oral 2 h, DS-3 2 h), working days (RQ-8 written: 2), the end of the
    working day (DS-4), the outside unit's committed hours (CV-2 Q) or the exact time the
    event gives under the policy's ``due_at_key`` (the resident's reasonable deadline, CP-5;
    an approved extension, CP-7). The warning falls when ``warn_ratio`` of the time is used
    (default 80%).
    """
    data = data or {}
    start = at
    if policy.anchor == Anchor.RECEIVED and ticket.received_at is not None:
        start = ticket.received_at
    site = ticket.site  # one query unless the caller loaded it (ticket services do)
    calendar = calendar_for(site, policy.calendar)
    hours = (
        external_committed_hours(data, site_id=ticket.site_id)
        if policy.deadline_rule == DeadlineRule.EXTERNAL_COMMITTED
        else None
    )
    given = (
        policy_rules.event_due_at(data, policy.due_at_key)
        if policy.deadline_rule == DeadlineRule.EVENT_TIME
        else None
    )
    due_at, warn_at = policy_rules.deadline(
        policy, calendar=calendar, site=site, start=start, committed_hours=hours, given_due=given
    )
    item = Clock(
        ticket=ticket,
        site_id=ticket.site_id,
        kind=policy.clock_kind,
        rule=policy.rule,
        policy=policy,
        policy_version=policy.version,
        meet_events=list(policy.meet_events),
        cancel_events=list(policy.cancel_events or []),
        pausable=policy.pausable,
        started_at=start,
        due_at=due_at,
        warn_at=warn_at,
    )
    level, when = policy_rules.next_pending(item, list(policy.escalations or []), 0)
    item.next_level = level
    item.next_action_at = when
    item.save(force_insert=True)
    return item


def external_committed_hours(data: dict[str, Any], *, site_id: int) -> int | None:
    """CV-2 Q: the hours the outside unit committed to, given in the event or on the unit."""
    given: Any = data.get("committed_hours")
    if given not in (None, ""):
        try:
            hours = int(given)
        except (TypeError, ValueError):
            hours = 0
        if hours > 0:
            return hours
    party_id: Any = data.get("external_party_id")
    if party_id in (None, ""):
        return None
    return (
        ExternalParty.objects.filter(pk=party_id, site_id=site_id)
        .values_list("committed_response_hours", flat=True)
        .first()
    )


# --- policies ---------------------------------------------------------------------------------

EDITABLE_FIELDS = (
    "name",
    "rule",
    "start_events",
    "meet_events",
    "cancel_events",
    "conditions",
    "anchor",
    "deadline_rule",
    "calendar",
    "duration",
    "working_days",
    "due_at_key",
    "warn_ratio",
    "pausable",
    "warn_notify",
    "breach_notify",
    "breach_exception",
    "breach_hooks",
    "escalations",
    "is_active",
)


def _may_edit_policy(user: Any, site_id: int | None) -> bool:
    if user is None:
        return True  # migrations, commands and the demo act as the system
    if getattr(user, "is_superuser", False):
        return True
    return site_id is not None and roles.has_role(user, site_id, roles.SUPERVISORS)


@transaction.atomic
def policy_create(
    *, site: Site | None, clock_kind: str, actor: Any = None, note: str = "", **fields: Any
) -> SlaPolicy:
    """Create a policy (a company default when ``site`` is None, else a site's override).

    Side effects: the policy row (version 1), its version snapshot, audit ``sla.policy_created``.
    """
    if not _may_edit_policy(actor, site.pk if site else None):
        raise NotFound()
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(_("未知字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    pol = SlaPolicy(site=site, clock_kind=clock_kind.strip(), **fields)
    policy_rules.validate(pol)
    if SlaPolicy.objects.filter(site=site, clock_kind=pol.clock_kind).exists():
        raise ValidationFailed(_("该管理处已有同类时限规则，请直接修改。"))
    pol.version = 1
    pol.updated_at = desk_clock.now()
    pol.save(force_insert=True)
    _snapshot(pol, actor=actor, note=note)
    events.record(
        verb="sla.policy_created",
        subject=pol,
        actor=actor,
        site_id=pol.site_id,
        after=policy_rules.snapshot(pol),
    )
    return pol


@transaction.atomic
def policy_update(
    *, policy: SlaPolicy, changes: dict[str, Any], actor: Any = None, note: str = ""
) -> SlaPolicy:
    """Change a policy; it gets a new version and snapshot, running clocks keep theirs.

    Side effects: the row with ``version`` + 1, a ``SlaPolicyVersion``, audit
    ``sla.policy_updated`` with before/after. No change: nothing is written.
    """
    if not _may_edit_policy(actor, policy.site_id):
        raise NotFound()
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(_("未知字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    locked = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
    before = policy_rules.snapshot(locked)
    for name, value in changes.items():
        setattr(locked, name, value)
    policy_rules.validate(locked)
    after = policy_rules.snapshot(locked)
    if after == before:
        return locked
    locked.version += 1
    locked.updated_at = desk_clock.now()
    locked.save(update_fields=[*changes, "version", "updated_at"])
    _snapshot(locked, actor=actor, note=note)
    changed = sorted(k for k in after if after[k] != before.get(k))
    events.record(
        verb="sla.policy_updated",
        subject=locked,
        actor=actor,
        site_id=locked.site_id,
        before={k: before.get(k) for k in changed},
        after={k: after[k] for k in changed},
        data={"version": locked.version, "note": note},
    )
    policy.__dict__.update({k: getattr(locked, k) for k in [*changes, "version", "updated_at"]})
    return locked


def _snapshot(pol: SlaPolicy, *, actor: Any, note: str) -> SlaPolicyVersion:
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return SlaPolicyVersion.objects.create(
        policy=pol,
        version=pol.version,
        snapshot=policy_rules.snapshot(pol),
        changed_at=pol.updated_at or desk_clock.now(),
        changed_by=user,
        note=note[:200],
    )


# --- RP-4 exception records -------------------------------------------------------------------


@transaction.atomic
def exception_fill(
    *, exception: ClockException, cause: str, corrective_action: str, actor: Any
) -> ClockException:
    """RP-4: the supervisor records why a limit was missed and the corrective action taken.

    Side effects: the exception's cause/corrective action/filled_by/filled_at, audit
    ``sla.exception_filled``.
    """
    if not (
        getattr(actor, "is_superuser", False)
        or roles.has_role(actor, exception.site_id, roles.SUPERVISORS)
    ):
        raise NotFound()
    cause = cause.strip()
    corrective_action = corrective_action.strip()
    if not cause or not corrective_action:
        raise ValidationFailed(_("请填写原因和纠正措施（RP-4）。"))
    before = {"cause": exception.cause, "corrective_action": exception.corrective_action}
    exception.cause = cause
    exception.corrective_action = corrective_action
    exception.filled_by = actor
    exception.filled_at = desk_clock.now()
    exception.save(update_fields=["cause", "corrective_action", "filled_by", "filled_at"])
    events.record(
        verb="sla.exception_filled",
        subject=exception,
        actor=actor,
        site_id=exception.site_id,
        before=before,
        after={"cause": cause, "corrective_action": corrective_action},
    )
    return exception
