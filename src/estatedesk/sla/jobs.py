"""The SLA sweep: warn, breach and escalate the clocks that are due, each level exactly once.

Runs every 30 s in the scheduler thread of ``estatedesk serve`` and as a Celery beat task in
production (both from ``PERIODIC``), and by hand as ``estatedesk sla-sweep [--now ISO-TIME]
[--all]``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import DateTimeField, ExpressionWrapper, F
from django.urls import reverse
from django.utils.translation import gettext as _

from estatedesk.core import clock as desk_clock
from estatedesk.core.models import Event
from estatedesk.notify.services import Message, notification_send_many
from estatedesk.org.models import Membership
from estatedesk.sla import hooks
from estatedesk.sla import policy as policy_rules
from estatedesk.sla.enums import (
    FIRST_ESCALATION_LEVEL,
    LEVEL_BREACH,
    LEVEL_WARN,
    RECIPIENT_ASSIGNEE,
    RECIPIENT_RECEIVER,
)
from estatedesk.sla.models import Clock, ClockAction, ClockException

# The actor label core.events.record gives an event without a user.
SYSTEM_LABEL = "系统"

# One batch is one transaction holding its clocks' row locks; a run takes at most
# MAX_CLOCKS_PER_RUN due clocks, and the rest wait for the next run (every 30 s), so one run's
# time and the locks it holds stay bounded however large a backlog is (docs/sla.md).
BATCH_SIZE = 500
MAX_CLOCKS_PER_RUN = 500


class SweepResult(NamedTuple):
    """What one sweep did (a tuple, so Celery can serialise it). ``clocks``: due clocks taken;
    when it equals the run's limit, more may be due."""

    warned: int = 0
    breached: int = 0
    escalated: int = 0
    exceptions: int = 0
    notifications: int = 0
    skipped: int = 0
    clocks: int = 0

    def __add__(self, other: object) -> SweepResult:
        assert isinstance(other, SweepResult)
        return SweepResult(*(a + b for a, b in zip(self, other, strict=True)))


def sweep(*, now: dt.datetime, limit: int = MAX_CLOCKS_PER_RUN) -> SweepResult:
    """Process the clocks whose next level is due at ``now``, earliest first, in batches, at
    most ``limit`` of them; the next run (30 s later) takes the rest.

    Reads only the partial index ``clock_next_action`` (clocks with a pending level), so the
    cost follows what is due, not how many tickets are open; a batch costs a fixed number of
    queries whatever its size (plus one per breach hook). Catching up: a clock several levels
    behind gets them all in one pass (a warning is skipped once it has already breached).
    """
    total = SweepResult()
    while total.clocks < limit:
        wanted = min(BATCH_SIZE, limit - total.clocks)
        result = _sweep_batch(now=now, limit=wanted)
        total += result
        if result.clocks < wanted:
            break
    return total


def sweep_backlog(*, now: dt.datetime, limit: int = MAX_CLOCKS_PER_RUN) -> SweepResult:
    """Sweep run after run until nothing is due at ``now`` (``estatedesk sla-sweep --all``).

    Stops early when a full run acted on nothing (its clocks all claimed by another sweep)."""
    total = SweepResult()
    while True:
        result = sweep(now=now, limit=limit)
        total += result
        acted = result.warned + result.breached + result.escalated
        if result.clocks < limit or not acted:
            return total


@transaction.atomic
def _sweep_batch(*, now: dt.datetime, limit: int) -> SweepResult:
    """One batch in one transaction: claim levels, act, move the clocks on.

    A fixed number of queries for the whole batch (about a dozen, plus one per breach hook).
    Side effects, in order: ``ClockAction`` rows (one per clock and level, inserted ignoring
    conflicts; only rows carrying this sweep's token are acted on, so an overlapping sweep
    does nothing twice); for a warning ``warned_at``; for a breach ``breached_at`` and its
    breach hooks; notifications to the policies' recipients (``notification_send_many``, with
    a dedupe key per clock, level and recipient); an audit event ``clock.warned``/
    ``clock.breached``/``clock.escalated`` on each ticket; the RP-4 ``ClockException`` of each
    breach whose policy records one; each clock's next level and ``next_action_at``.
    """
    query = (
        Clock.objects.due_for_action(now)
        .select_related("ticket", "ticket__assignee", "ticket__receiver", "site")
        .order_by("next_action_at", "pk")
    )
    if connection.features.has_select_for_update_skip_locked:
        # PostgreSQL: overlapping sweeps take disjoint clocks; a ticket service meeting one of
        # these clocks waits for this batch to commit instead of being overwritten by it.
        query = query.select_for_update(skip_locked=True, of=("self",))
    due = list(query[:limit])
    if not due:
        return SweepResult()
    snapshots = policy_rules.snapshots_for(due)

    plans: dict[int, list[int]] = {}
    for item in due:
        escalations = snapshots[item].get("escalations", [])
        levels: list[int] = []
        level = item.next_level
        while True:
            level, when = policy_rules.next_pending(item, escalations, level)
            if when is None or when > now:
                break
            if not (level == LEVEL_WARN and item.due_at <= now):
                levels.append(level)
            level += 1
        plans[item.pk] = levels
        item.next_level, item.next_action_at = level, when

    token = uuid.uuid4().hex
    ClockAction.objects.bulk_create(
        [
            ClockAction(clock=item, level=level, acted_at=now, sweep_token=token)
            for item in due
            for level in plans[item.pk]
        ],
        ignore_conflicts=True,
    )
    claimed: dict[int, set[int]] = {}
    for clock_id, level in ClockAction.objects.filter(
        clock_id__in=list(plans), sweep_token=token
    ).values_list("clock_id", "level"):
        claimed.setdefault(clock_id, set()).add(level)
    wanted = sum(len(levels) for levels in plans.values())
    skipped = wanted - sum(len(levels) for levels in claimed.values())

    recipients = _Recipients(due, snapshots)
    warned = breached = escalated = 0
    exceptions: list[ClockException] = []
    messages: list[Message] = []
    audit: list[Event] = []
    breaches: list[tuple[Clock, dict[str, Any]]] = []
    for item in due:
        snap = snapshots[item]
        for level in sorted(claimed.get(item.pk, ())):
            if level == LEVEL_WARN:
                item.warned_at = now
                warned += 1
                notify = snap.get("warn_notify", [])
                verb = "clock.warned"
            elif level == LEVEL_BREACH:
                item.breached_at = item.due_at
                breached += 1
                notify = snap.get("breach_notify", [])
                verb = "clock.breached"
                breaches.append((item, snap))
                if snap.get("breach_exception", True):
                    exceptions.append(_exception(item, snap, now))
            else:
                step = _step(snap, level)
                notify = step.get("notify", [])
                escalated += 1
                verb = "clock.escalated"
            users = recipients.users(item, notify)
            messages.extend(_messages(item, snap, level, users))
            audit.append(
                Event(
                    occurred_at=now,
                    site_id=item.site_id,
                    actor=None,
                    actor_label=SYSTEM_LABEL,
                    verb=verb,
                    subject_type=item.ticket._meta.label_lower,
                    subject_id=item.ticket_id,
                    data={
                        "clock_id": item.pk,
                        "rule": item.rule,
                        "kind": item.kind,
                        "level": level,
                        "due_at": item.due_at,
                        "notified": sorted(notify),
                        "notified_users": sorted(u.pk for u in users),
                    },
                )
            )

    for item, snap in breaches:
        for name in snap.get("breach_hooks", []):
            hook = hooks.get(name)
            if hook is not None:
                hook(item, now)
    queued = notification_send_many(messages=messages) if messages else []
    Event.objects.bulk_create(audit)
    if exceptions:
        ClockException.objects.bulk_create(exceptions, ignore_conflicts=True)
    # A clock whose levels another sweep claimed is left to that sweep's update.
    mine = [item for item in due if claimed.get(item.pk, set()) == set(plans[item.pk])]
    _move_on(mine, claimed, now)
    return SweepResult(
        warned=warned,
        breached=breached,
        escalated=escalated,
        exceptions=len(exceptions),
        notifications=len({(row.dedupe_key, row.user_id) for row in queued}),
        skipped=skipped,
        clocks=len(due),
    )


def _move_on(clocks: list[Clock], claimed: dict[int, set[int]], now: dt.datetime) -> None:
    """Write each clock's new level: one UPDATE per kind of move, not a CASE per row.

    The new values are constants or the clock's own columns (``breached_at`` = ``due_at``,
    ``next_action_at`` = ``warn_at``, ``due_at`` or ``due_at`` + the step's delay), so every
    clock that moved alike shares one statement: a few per batch, however many clocks (a
    bulk_update would build four expressions per clock).
    """
    moves: dict[tuple[bool, bool, int, str, dt.timedelta], list[int]] = {}
    for item in clocks:
        levels = claimed.get(item.pk, set())
        if item.next_action_at is None:
            anchor, delay = "", dt.timedelta(0)
        elif item.next_level == LEVEL_WARN:
            anchor, delay = "warn_at", dt.timedelta(0)
        else:
            anchor, delay = "due_at", item.next_action_at - item.due_at
        key = (LEVEL_WARN in levels, LEVEL_BREACH in levels, item.next_level, anchor, delay)
        moves.setdefault(key, []).append(item.pk)
    for (warned, breached, level, anchor, delay), ids in moves.items():
        values: dict[str, Any] = {"next_level": level, "next_action_at": None}
        if anchor:
            values["next_action_at"] = (
                ExpressionWrapper(F(anchor) + delay, output_field=DateTimeField())
                if delay
                else F(anchor)
            )
        if warned:
            values["warned_at"] = now
        if breached:
            values["breached_at"] = F("due_at")
        Clock.objects.filter(pk__in=ids).update(**values)


def _step(snap: dict[str, Any], level: int) -> dict[str, Any]:
    steps = snap.get("escalations", [])
    index = level - FIRST_ESCALATION_LEVEL
    return steps[index] if 0 <= index < len(steps) else {}


def _exception(item: Clock, snap: dict[str, Any], now: dt.datetime) -> ClockException:
    """RP-4: a request not handled as required; cause and corrective action come later."""
    return ClockException(
        clock=item,
        ticket_id=item.ticket_id,
        site_id=item.site_id,
        rule=item.rule,
        kind=item.kind,
        due_at=item.due_at,
        recorded_at=now,
        summary=_("%(number)s %(name)s 超时")
        % {"number": item.ticket.number, "name": snap.get("name", item.kind)},
    )


class _Recipients:
    """Staff to notify, resolved for a whole batch with one membership query."""

    def __init__(self, due: list[Clock], snapshots: dict[Clock, dict[str, Any]]) -> None:
        roles: set[str] = set()
        for snap in snapshots.values():
            roles.update(snap.get("warn_notify", []))
            roles.update(snap.get("breach_notify", []))
            for step in snap.get("escalations", []):
                roles.update(step.get("notify", []))
        roles -= {RECIPIENT_ASSIGNEE, RECIPIENT_RECEIVER}
        self.by_site_role: dict[tuple[int, str], list[Any]] = {}
        if roles:
            rows = (
                Membership.objects.filter(
                    site_id__in={item.site_id for item in due},
                    role__in=roles,
                    is_active=True,
                    user__is_active=True,
                )
                .select_related("user")
                .order_by("user_id")
            )
            for row in rows:
                self.by_site_role.setdefault((row.site_id, row.role), []).append(row.user)

    def users(self, item: Clock, names: list[str]) -> list[Any]:
        found: dict[int, Any] = {}
        for name in names:
            if name == RECIPIENT_ASSIGNEE:
                people = [item.ticket.assignee] if item.ticket.assignee else []
            elif name == RECIPIENT_RECEIVER:
                people = [item.ticket.receiver] if item.ticket.receiver else []
            else:
                people = self.by_site_role.get((item.site_id, name), [])
            for person in people:
                if person.is_active:
                    found.setdefault(person.pk, person)
        return list(found.values())


def _messages(item: Clock, snap: dict[str, Any], level: int, users: list[Any]) -> list[Message]:
    """The notifications of one level of a clock, one per user; the dedupe key per clock,
    level and recipient keeps them single even if the level were ever acted on twice."""
    if not users:
        return []
    ticket = item.ticket
    name = snap.get("name", item.kind)
    due = desk_clock.localtime(item.due_at).strftime("%m-%d %H:%M")
    if level == LEVEL_WARN:
        title = _("即将超时：%(number)s %(name)s") % {"number": ticket.number, "name": name}
        topic = "sla.warning"
    elif level == LEVEL_BREACH:
        title = _("已超时：%(number)s %(name)s") % {"number": ticket.number, "name": name}
        topic = "sla.breach"
    else:
        title = _("超时升级：%(number)s %(name)s") % {"number": ticket.number, "name": name}
        topic = "sla.escalation"
    body = _("%(rule)s 时限 %(due)s。%(text)s") % {
        "rule": item.rule,
        "due": due,
        "text": ticket.description[:120],
    }
    url = reverse("tickets:detail", args=[ticket.pk])
    return [
        Message(
            site=item.site,
            topic=topic,
            title=title,
            body=body,
            url=url,
            user=user,
            dedupe_key=f"clock:{item.pk}:level:{level}",
        )
        for user in users
    ]


PERIODIC = [(sweep, 30)]
