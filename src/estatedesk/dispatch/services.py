"""Writes of the dispatch app: follow-ups (DS-3, DS-4) and the Monday review (DS-6)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from estatedesk.core import clock, events
from estatedesk.core.errors import Conflict, NotFound, ValidationFailed
from estatedesk.dispatch.enums import FollowUpKind, ReviewStatus, ReviewVerdict
from estatedesk.dispatch.models import FollowUp, ReviewItem, WeeklyReview
from estatedesk.org import roles
from estatedesk.org.enums import Role
from estatedesk.org.models import Membership, Site
from estatedesk.sla.services import clocks_on_event
from estatedesk.tickets.enums import ACTIVE_STATES
from estatedesk.tickets.models import Ticket

NOTE_MAX = 500
SITE_MANAGERS = frozenset({Role.SITE_MANAGER})


def _user(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def followup_record(
    *, ticket_id: int, which: str, arranged: bool, note: str, actor: Any
) -> FollowUp:
    """DS-3 / DS-4: the dispatcher chases a case and records what was found.

    Side effects, in order: the ticket row is locked (a transition waits for us); a FollowUp
    row; audit ``followup.recorded`` on the ticket; ``clocks_on_event("followup.recorded")``
    meets the DS-3 or DS-4 clock; DS-4 with nothing arranged: every site manager of the site is
    notified, the follow-up is marked ``manager_notified`` and audit
    ``followup.manager_notified`` records it.
    """
    site_ids = roles.site_ids_with(actor, roles.DISPATCHERS)
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("site")
        .filter(pk=ticket_id, site_id__in=site_ids)
        .first()
    )
    if ticket is None:
        raise NotFound()
    if which not in FollowUpKind.values:
        raise ValidationFailed(_("请选择跟进类别。"))
    if ticket.state not in ACTIVE_STATES:
        raise ValidationFailed(_("该工单已结束，无需跟进。"), code="ticket_finished")
    note = " ".join((note or "").split())
    if not note:
        raise ValidationFailed(_("请填写跟进情况。"))
    if len(note) > NOTE_MAX:
        raise ValidationFailed(_("跟进情况最多 %(n)d 字。") % {"n": NOTE_MAX})
    now = clock.now()
    followup = FollowUp.objects.create(
        ticket=ticket,
        site_id=ticket.site_id,
        which=which,
        arranged=bool(arranged),
        note=note,
        recorded_by=actor,
        recorded_at=now,
    )
    data = {"which": which, "arranged": bool(arranged), "note": note, "followup_id": followup.pk}
    events.record(verb="followup.recorded", subject=ticket, actor=actor, data=data, at=now)
    clocks_on_event(
        ticket=ticket,
        event="followup.recorded",
        at=now,
        actor=actor,
        data={"which": which, "arranged": bool(arranged)},
    )
    if which == FollowUpKind.DS4 and not arranged:
        _tell_site_managers(ticket, followup, actor)
    return followup


def _tell_site_managers(ticket: Ticket, followup: FollowUp, actor: Any) -> None:
    """DS-4: nothing arranged by the second follow-up -> the site manager is told, recorded."""
    from estatedesk.notify.services import notification_send

    managers = [
        m.user
        for m in Membership.objects.filter(
            site_id=ticket.site_id, role=Role.SITE_MANAGER, is_active=True, user__is_active=True
        ).select_related("user")
    ]
    for manager in managers:
        notification_send(
            site=ticket.site,
            topic="dispatch.not_arranged",
            title=_("下班前仍未安排：%(number)s") % {"number": ticket.number},
            body=followup.note,
            url=reverse("tickets:detail", args=[ticket.pk]),
            user=manager,
            dedupe_key=f"ds4-unarranged:{followup.pk}:{manager.pk}",
            actor=actor,
        )
    followup.manager_notified = True
    followup.save(update_fields=["manager_notified"])
    events.record(
        verb="followup.manager_notified",
        subject=ticket,
        actor=actor,
        data={"followup_id": followup.pk, "managers": sorted(m.pk for m in managers)},
        at=followup.recorded_at,
    )


# --- DS-6 weekly review -----------------------------------------------------------------------


def last_week_monday(today: dt.date) -> dt.date:
    """The Monday of the week before the one ``today`` is in."""
    return today - dt.timedelta(days=today.weekday() + 7)


@transaction.atomic
def review_open(*, site_id: int, actor: Any, week_start: dt.date | None = None) -> WeeklyReview:
    """DS-6: open the review of the cases received in the week from ``week_start`` (default:
    last week) that are still open; opening twice returns the same review.

    Side effects: the WeeklyReview row, one ReviewItem per still-open case, audit
    ``review.opened``. ``actor`` None is the Monday job.
    """
    if actor is not None and not roles.has_role(actor, site_id, roles.DISPATCHERS):
        raise NotFound()
    site = Site.objects.filter(pk=site_id).first()
    if site is None:
        raise NotFound()
    week_start = week_start or last_week_monday(clock.today())
    if week_start.weekday() != 0:
        raise ValidationFailed(_("回顾周须从周一开始。"))
    existing = WeeklyReview.objects.filter(site_id=site_id, week_start=week_start).first()
    if existing is not None:
        return existing
    now = clock.now()
    try:
        with transaction.atomic():
            review = WeeklyReview.objects.create(
                site=site, week_start=week_start, opened_by=_user(actor), opened_at=now
            )
    except IntegrityError:
        # Someone (the job or another dispatcher) opened it first.
        return WeeklyReview.objects.get(site_id=site_id, week_start=week_start)
    zone = clock.local_zone()
    start = dt.datetime.combine(week_start, dt.time.min, tzinfo=zone)
    end = start + dt.timedelta(days=7)
    open_cases = Ticket.objects.filter(
        site_id=site_id, received_at__gte=start, received_at__lt=end, state__in=ACTIVE_STATES
    ).values_list("pk", "state")
    ReviewItem.objects.bulk_create(
        [ReviewItem(review=review, ticket_id=pk, state_at_review=state) for pk, state in open_cases]
    )
    events.record(
        verb="review.opened",
        subject=review,
        actor=actor,
        site_id=site_id,
        data={"week_start": week_start.isoformat(), "items": review.items.count()},
        at=now,
    )
    return review


def _lock_item(item_id: int, actor: Any, role_set: frozenset[str]) -> ReviewItem:
    item = (
        ReviewItem.objects.select_for_update(of=("self",))
        .select_related("review", "ticket")
        .filter(pk=item_id, review__site_id__in=roles.site_ids_with(actor, role_set))
        .first()
    )
    if item is None:
        raise NotFound()
    if item.review.status == ReviewStatus.DONE:
        raise Conflict(_("该回顾已完成，不能再修改。"))
    return item


@transaction.atomic
def review_item_assess(*, item_id: int, verdict: str, note: str, actor: Any) -> ReviewItem:
    """DS-6: the dispatcher's verdict on one case: on track, or cannot be handled (then the
    site manager must confirm a new approach).

    Side effects: verdict/note/reviewed_by/reviewed_at; audit ``review.item_assessed``.
    """
    item = _lock_item(item_id, actor, roles.DISPATCHERS)
    if verdict not in {ReviewVerdict.ON_TRACK, ReviewVerdict.CANNOT_HANDLE}:
        raise ValidationFailed(_("请选择回顾结论。"))
    note = " ".join((note or "").split())[:NOTE_MAX]
    if verdict == ReviewVerdict.CANNOT_HANDLE and not note:
        raise ValidationFailed(_("无法处理的工单请说明原因。"))
    if item.confirmed_at is not None:
        raise Conflict(_("经理已确认新方案，不能再修改结论。"))
    before = {"verdict": item.verdict, "note": item.note}
    item.verdict = verdict
    item.note = note
    item.reviewed_by = actor
    item.reviewed_at = clock.now()
    item.save(update_fields=["verdict", "note", "reviewed_by", "reviewed_at"])
    events.record(
        verb="review.item_assessed",
        subject=item.review,
        actor=actor,
        site_id=item.review.site_id,
        before=before,
        after={"verdict": verdict, "note": note},
        data={"item_id": item.pk, "ticket_id": item.ticket_id},
    )
    return item


@transaction.atomic
def review_item_confirm(*, item_id: int, new_approach: str, actor: Any) -> ReviewItem:
    """DS-6: the site manager confirms the new approach for a case that cannot be handled.

    Side effects: new_approach/confirmed_by/confirmed_at; audit ``review.approach_confirmed``
    on the ticket (so its timeline shows the decision).
    """
    item = _lock_item(item_id, actor, SITE_MANAGERS)
    if item.verdict != ReviewVerdict.CANNOT_HANDLE:
        raise ValidationFailed(_("只有“无法处理”的工单需要确认新方案。"))
    new_approach = (new_approach or "").strip()
    if not new_approach:
        raise ValidationFailed(_("请填写新的处理方案。"))
    if item.confirmed_at is not None:
        raise Conflict(_("新方案已确认。"))
    now = clock.now()
    item.new_approach = new_approach[:4000]
    item.confirmed_by = actor
    item.confirmed_at = now
    item.save(update_fields=["new_approach", "confirmed_by", "confirmed_at"])
    events.record(
        verb="review.approach_confirmed",
        subject=item.ticket,
        actor=actor,
        data={"review_id": item.review_id, "item_id": item.pk, "new_approach": item.new_approach},
        at=now,
    )
    return item


@transaction.atomic
def review_complete(*, review_id: int, actor: Any) -> WeeklyReview:
    """DS-6: close the review once every case has a verdict and every case that cannot be
    handled has its confirmed new approach.

    Side effects: status done, completed_by/at; audit ``review.completed``.
    """
    review = (
        WeeklyReview.objects.select_for_update()
        .filter(pk=review_id, site_id__in=roles.site_ids_with(actor, roles.DISPATCHERS))
        .first()
    )
    if review is None:
        raise NotFound()
    if review.status == ReviewStatus.DONE:
        raise Conflict(_("该回顾已完成。"))
    pending = review.items.filter(verdict=ReviewVerdict.PENDING).count()
    unconfirmed = review.items.filter(
        verdict=ReviewVerdict.CANNOT_HANDLE, confirmed_at__isnull=True
    ).count()
    if pending or unconfirmed:
        raise ValidationFailed(
            _("还有 %(p)d 件未回顾、%(u)d 件待经理确认新方案。") % {"p": pending, "u": unconfirmed}
        )
    now = clock.now()
    review.status = ReviewStatus.DONE
    review.completed_by = actor
    review.completed_at = now
    review.save(update_fields=["status", "completed_by", "completed_at"])
    events.record(verb="review.completed", subject=review, actor=actor, at=now)
    return review
