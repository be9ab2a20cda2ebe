"""Delivery of the outbox: ``deliver`` runs every 10 seconds (scheduler thread or Celery beat).

Each run claims up to ``batch`` due rows in a short transaction, sends them outside it, then
records each outcome. Two runs at once never send one row twice: on PostgreSQL the claim reads
with ``FOR UPDATE SKIP LOCKED`` so the second run skips rows the first holds, and the claim
moves them to ``sending``; on SQLite the claim transaction is IMMEDIATE, so the two claims
queue on the write lock and the second sees the rows already ``sending``.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import connection, transaction
from django.db.models import F

from estatedesk.core import clock, events
from estatedesk.notify import conf
from estatedesk.notify.channels import adapter_for
from estatedesk.notify.enums import DUE_STATES, Channel, State
from estatedesk.notify.models import Notification
from estatedesk.notify.services import retry_delay

log = logging.getLogger(__name__)

# A claimed row whose run died (process killed mid-send) is taken again after this lease. It
# is far longer than an adapter's network timeout, so a live run always finishes first.
CLAIM_LEASE = dt.timedelta(minutes=10)
ERROR_MAX = 2000


def claim(*, now: dt.datetime, batch: int) -> list[Notification]:
    """Move up to ``batch`` due rows to ``sending`` (one attempt each) and return them."""
    with transaction.atomic():
        due = Notification.objects.filter(state__in=DUE_STATES, next_attempt_at__lte=now).order_by(
            "next_attempt_at", "id"
        )  # the partial index notify_due
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        rows = list(due[:batch])
        if not rows:
            return []
        Notification.objects.filter(pk__in=[row.pk for row in rows]).update(
            state=State.SENDING,
            attempts=F("attempts") + 1,
            next_attempt_at=now + CLAIM_LEASE,
        )
    for row in rows:
        row.state = State.SENDING
        row.attempts += 1
    return rows


# Topics whose body is a secret once delivered (a resident's one-time login code): the sent
# row keeps who and when, not the code, so nobody reading the outbox can sign in as them.
CONFIDENTIAL_TOPICS = frozenset({"portal.login_code"})
REDACTED_BODY = "（已发送，内容不保留）"


def _record_success(row: Notification) -> None:
    with transaction.atomic():
        sent_at = clock.now()
        changes = {"state": State.SENT, "sent_at": sent_at, "next_attempt_at": None}
        if row.topic in CONFIDENTIAL_TOPICS:
            changes["body"] = REDACTED_BODY
        updated = Notification.objects.filter(
            pk=row.pk, state=State.SENDING, attempts=row.attempts
        ).update(last_error="", **changes)
        if updated and row.channel != Channel.INAPP:
            events.record(
                verb="notification.sent",
                subject=row,
                actor=None,
                data={"channel": row.channel, "attempts": row.attempts, "to": row.recipient_key},
            )


def _record_failure(row: Notification, error: str) -> None:
    with transaction.atomic():
        at = clock.now()
        dead = row.attempts >= conf.get().max_attempts
        state = State.DEAD if dead else State.FAILED
        updated = Notification.objects.filter(
            pk=row.pk, state=State.SENDING, attempts=row.attempts
        ).update(
            state=state,
            last_error=error[:ERROR_MAX],
            next_attempt_at=None if dead else at + retry_delay(row.attempts),
        )
        if updated and dead:
            events.record(
                verb="notification.dead",
                subject=row,
                actor=None,
                data={"channel": row.channel, "attempts": row.attempts, "error": error[:500]},
            )


def deliver(*, now: dt.datetime, batch: int = 100) -> int:
    """Send the rows due at ``now``; returns how many were tried.

    Idempotent and catching up: a row is tried when its ``next_attempt_at`` has passed and it
    is pending, failed (retry with backoff 1, 2, 4 ... 60 min) or claimed by a run that died.
    After ``NOTIFY_MAX_ATTEMPTS`` failures it is ``dead`` and stays in the admin for a retry.
    """
    rows = claim(now=now, batch=batch)
    for row in rows:
        try:
            adapter_for(row.channel)(row)
        except Exception as exc:
            log.warning("notification #%s via %s failed: %s", row.pk, row.channel, exc)
            _record_failure(row, f"{type(exc).__name__}: {exc}")
        else:
            _record_success(row)
    return len(rows)


PERIODIC = [(deliver, 10)]
