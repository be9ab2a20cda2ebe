"""Writes of the notification outbox: queue (send), mark read, retry, preferences.

Other apps call ``notification_send`` inside their own transaction (e.g. a ticket assigned,
a clock due or breached, a resident told of progress, RQ-9); the rows commit or roll back with
the change that caused them and are delivered after commit.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from estatedesk.core import clock, events
from estatedesk.core.errors import ValidationFailed
from estatedesk.core.models import Event
from estatedesk.notify import conf
from estatedesk.notify.enums import DUE_STATES, Channel, State
from estatedesk.notify.models import Notification, NotificationPreference
from estatedesk.notify.selectors import get_notification_for_user, preference_for

TITLE_MAX = 200
TOPIC_MAX = 50
URL_MAX = 500
DEDUPE_MAX = 200


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


def _default_channels(
    *, user: Any, phone: str, email: str, pref: NotificationPreference | None
) -> list[str]:
    """In-app for a user always, plus the outside channels the user switched on; SMS for a
    bare phone; e-mail for a bare address."""
    chosen: list[str] = []
    if user is not None:
        chosen.append(Channel.INAPP)
        if pref is not None:
            if pref.sms_enabled and pref.phone:
                chosen.append(Channel.SMS)
            if pref.email_enabled and (pref.email or getattr(user, "email", "")):
                chosen.append(Channel.EMAIL)
            if pref.wecom_enabled and conf.get().wecom_webhook:
                chosen.append(Channel.WECOM)
    if phone and Channel.SMS not in chosen:
        chosen.append(Channel.SMS)
    if email and Channel.EMAIL not in chosen:
        chosen.append(Channel.EMAIL)
    return chosen


def _address(
    channel: str, *, user: Any, phone: str, email: str, pref: NotificationPreference | None
) -> tuple[str, str, str] | None:
    """``(recipient_key, phone, email)`` of the row for ``channel``, None if unreachable."""
    pref_phone = pref.phone if pref is not None else ""
    pref_email = (pref.email if pref is not None else "") or getattr(user, "email", "") or ""
    the_phone = phone or pref_phone
    the_email = email or pref_email
    if channel == Channel.INAPP:
        return (f"user:{user.pk}", "", "") if user is not None else None
    if channel == Channel.SMS:
        return (f"phone:{_digits(the_phone)}", the_phone, "") if _digits(the_phone) else None
    if channel == Channel.EMAIL:
        return (f"email:{the_email.strip().lower()}", "", the_email.strip()) if the_email else None
    # WeCom group robot and console: one group/log, keyed by whoever the message is for.
    if user is not None:
        return f"user:{user.pk}", the_phone, ""
    if the_phone:
        return f"phone:{_digits(the_phone)}", the_phone, ""
    if the_email:
        return f"email:{the_email.strip().lower()}", "", the_email.strip()
    return None


@dataclass(frozen=True)
class Message:
    """One message to one recipient: the arguments of ``notification_send``, for
    ``notification_send_many``."""

    site: Any
    topic: str
    title: str
    body: str = ""
    url: str = ""
    user: Any = None
    phone: str = ""
    email: str = ""
    channels: Sequence[str] | None = None
    dedupe_key: str = ""


def _checked(message: Message) -> tuple[str, str]:
    """The message's topic and title, cleaned; ValidationFailed for what cannot be queued."""
    topic = (message.topic or "").strip()
    title = " ".join((message.title or "").split())
    if not topic:
        raise ValidationFailed(_("通知类别不能为空。"))
    if not title:
        raise ValidationFailed(_("通知标题不能为空。"))
    if message.user is None and not message.phone and not message.email:
        raise ValidationFailed(_("通知没有接收人。"))
    if len(message.dedupe_key) > DEDUPE_MAX:
        raise ValidationFailed(_("去重键过长。"))
    if len(message.url) > URL_MAX:
        raise ValidationFailed(_("链接过长。"))
    if message.channels is not None:
        unknown = sorted(set(message.channels) - set(Channel.values))
        if unknown:
            raise ValidationFailed(_("未知的通知渠道：%(names)s") % {"names": ", ".join(unknown)})
    return topic, title


def _rows(
    message: Message,
    *,
    topic: str,
    title: str,
    pref: NotificationPreference | None,
    now: dt.datetime,
    token: str = "",
) -> list[Notification]:
    """The unsaved outbox rows of ``message``: one per wanted channel it has an address for."""
    user, phone, email = message.user, message.phone, message.email
    wanted = (
        list(dict.fromkeys(message.channels))
        if message.channels is not None
        else _default_channels(user=user, phone=phone, email=email, pref=pref)
    )
    rows: list[Notification] = []
    for channel in wanted:
        address = _address(channel, user=user, phone=phone, email=email, pref=pref)
        if address is None:
            continue
        recipient_key, row_phone, row_email = address
        rows.append(
            Notification(
                site=message.site,
                channel=channel,
                user=user,
                phone=row_phone,
                email=row_email,
                recipient_key=recipient_key,
                topic=_cut(topic, TOPIC_MAX),
                title=_cut(title, TITLE_MAX),
                body=message.body or "",
                url=message.url,
                dedupe_key=message.dedupe_key,
                queue_token=token,
                state=State.PENDING,
                next_attempt_at=now,
                created_at=now,
            )
        )
    return rows


def _queued_data(rows: list[Notification], *, topic: str, dedupe_key: str) -> dict[str, Any]:
    """The data of the audit event ``notification.queued`` of one message's rows."""
    return {
        "ids": [row.pk for row in rows],
        "channels": [row.channel for row in rows],
        "topic": topic,
        "recipient": rows[0].recipient_key,
        "dedupe_key": dedupe_key,
    }


@transaction.atomic
def notification_send(
    *,
    site: Any,
    topic: str,
    title: str,
    body: str,
    url: str = "",
    user: Any = None,
    phone: str = "",
    email: str = "",
    channels: list[str] | None = None,
    dedupe_key: str = "",
    actor: Any = None,
) -> list[Notification]:
    """Queue one message to one recipient on its channels, in the caller's transaction.

    ``user=`` (staff): the in-app inbox always, plus the outside channels the user switched on
    in their preferences; ``phone=`` (a resident, RQ-9 progress): SMS; ``email=``: e-mail.
    ``channels`` overrides the choice (a channel without an address for the recipient is
    skipped). ``dedupe_key``: a row already queued with the same key, channel and recipient is
    not queued again (unique constraint ``notify_dedupe``), so a repeated call returns [].

    Side effects, in order: one outbox row per channel (state ``pending``); one audit event
    ``notification.queued``; after commit, in-app rows are marked sent at once (the row is the
    inbox entry), outside channels wait for ``jobs.deliver`` (every 10 s).
    """
    message = Message(
        site=site,
        topic=topic,
        title=title,
        body=body,
        url=url,
        user=user,
        phone=phone,
        email=email,
        channels=channels,
        dedupe_key=dedupe_key,
    )
    topic, title = _checked(message)
    pref = preference_for(user) if user is not None else None
    created: list[Notification] = []
    for row in _rows(message, topic=topic, title=title, pref=pref, now=clock.now()):
        if dedupe_key and _already_queued(row):
            continue
        try:
            # A savepoint, so losing the race on notify_dedupe keeps the caller's transaction.
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            if not dedupe_key:
                raise
            continue
        created.append(row)

    if created:
        events.record(
            verb="notification.queued",
            subject=created[0],
            actor=actor,
            site_id=getattr(site, "pk", None),
            data=_queued_data(created, topic=topic, dedupe_key=dedupe_key),
        )
        inapp_ids = [row.pk for row in created if row.channel == Channel.INAPP]
        if inapp_ids:
            transaction.on_commit(lambda: inapp_mark_sent(ids=inapp_ids))
    return created


@transaction.atomic
def notification_send_many(*, messages: Sequence[Message], actor: Any = None) -> list[Notification]:
    """Queue many messages at once, each as ``notification_send`` would, in a fixed number of
    queries whatever their number (the SLA sweep tells hundreds of recipients per batch).

    Every message is checked first; one bad message queues nothing (ValidationFailed). The
    staff recipients' preferences are read in one query. Side effects, in order: the rows
    without a dedupe key in one bulk insert; the rows with one in another that ignores
    conflicts on ``notify_dedupe`` (a row already queued with the same key, channel and
    recipient is not queued again, also when a concurrent transaction wins the key), then the
    rows this call queued are read back by its own ``queue_token`` (``notify_due`` index);
    one audit event ``notification.queued`` per message that queued rows, in one bulk
    insert; after commit, the in-app rows are marked sent in one update. Returns the queued
    rows, message by message.
    """
    checked = [(message, *_checked(message)) for message in messages]
    user_ids = {m.user.pk for m in messages if m.user is not None and m.user.pk is not None}
    prefs = (
        {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=user_ids)}
        if user_ids
        else {}
    )
    now = clock.now()
    token = uuid.uuid4().hex
    planned: list[tuple[Message, str, list[Notification]]] = []
    for message, topic, title in checked:
        pref = prefs.get(message.user.pk) if message.user is not None else None
        mark = token if message.dedupe_key else ""
        rows = _rows(message, topic=topic, title=title, pref=pref, now=now, token=mark)
        planned.append((message, topic, rows))
    plain = [row for _m, _t, rows in planned for row in rows if not row.dedupe_key]
    keyed = [row for _m, _t, rows in planned for row in rows if row.dedupe_key]
    if plain:
        # Nothing to conflict with: the rows come back with their ids (PostgreSQL, SQLite).
        Notification.objects.bulk_create(plain)
    won: dict[tuple[str, str, str], Notification] = {}
    if keyed:
        Notification.objects.bulk_create(keyed, ignore_conflicts=True)
        # Spelled as the notify_due index's condition, so SQLite uses the partial index too.
        mine = Notification.objects.filter(
            state__in=DUE_STATES, next_attempt_at=now, queue_token=token
        )
        won = {(row.channel, row.recipient_key, row.dedupe_key): row for row in mine}
    created: list[Notification] = []
    audit: list[Event] = []
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    label = _actor_label(user)
    for message, topic, rows in planned:
        queued = []
        for row in rows:
            if not row.dedupe_key:
                queued.append(row)
                continue
            found = won.pop((row.channel, row.recipient_key, row.dedupe_key), None)
            if found is not None:
                queued.append(found)
        if not queued:
            continue
        created.extend(queued)
        audit.append(
            Event(
                occurred_at=now,
                site_id=getattr(message.site, "pk", None),
                actor=user,
                actor_label=label,
                verb="notification.queued",
                subject_type=Notification._meta.label_lower,
                subject_id=queued[0].pk,
                data=_queued_data(queued, topic=topic, dedupe_key=message.dedupe_key),
            )
        )
    Event.objects.bulk_create(audit)
    inapp_ids = [row.pk for row in created if row.channel == Channel.INAPP]
    if inapp_ids:
        transaction.on_commit(lambda: inapp_mark_sent(ids=inapp_ids))
    return created


def _actor_label(user: Any) -> str:
    """As ``core.events.record`` labels an actor: the full name or username, else 系统."""
    if user is None:
        return "系统"
    full = (user.get_full_name() or "").strip() if hasattr(user, "get_full_name") else ""
    return str(full or user.get_username())[:150]


def _already_queued(row: Notification) -> bool:
    return Notification.objects.filter(
        channel=row.channel, recipient_key=row.recipient_key, dedupe_key=row.dedupe_key
    ).exists()


def inapp_mark_sent(*, ids: Iterable[int]) -> int:
    """After commit: in-app rows need no transport, they are delivered by existing."""
    now = clock.now()
    return Notification.objects.filter(
        pk__in=list(ids), channel=Channel.INAPP, state=State.PENDING
    ).update(state=State.SENT, sent_at=now, attempts=1, next_attempt_at=None)


@transaction.atomic
def notification_mark_read(*, notification_id: int, user: Any) -> Notification:
    """Mark one of the user's own in-app notifications read (404 for anyone else's).

    Side effects: ``read_at`` set (kept if already read); audit event ``notification.read``.
    """
    notification = get_notification_for_user(user, notification_id)
    if notification.read_at is not None:
        return notification
    now = clock.now()
    updated = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=now
    )
    if updated:
        notification.read_at = now
        events.record(verb="notification.read", subject=notification, actor=user, data={"at": now})
    else:
        notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def notification_mark_all_read(*, user: Any) -> int:
    """Mark every unread in-app notification of the user read; returns how many.

    Side effects: ``read_at`` set on those rows; one audit event ``notification.read_all``
    (on the newest of them) when there were any.
    """
    now = clock.now()
    unread = Notification.objects.filter(user=user, channel=Channel.INAPP, read_at__isnull=True)
    newest = unread.order_by("-created_at", "-id").first()
    if newest is None:
        return 0
    count = unread.update(read_at=now)
    events.record(
        verb="notification.read_all",
        subject=newest,
        actor=user,
        data={"count": count, "at": now},
    )
    return count


@transaction.atomic
def notification_retry(*, notification_id: int, actor: Any) -> Notification:
    """Admin "retry now": put a failed or dead row back in the queue for the next run.

    The attempt counter is kept, so a dead row gets one more try (and is dead again if that
    fails too). Sent rows are refused. Side effects: state ``pending``, ``next_attempt_at`` now;
    audit event ``notification.retry``.
    """
    notification = Notification.objects.get(pk=notification_id)
    if notification.state not in (State.FAILED, State.DEAD, State.PENDING):
        raise ValidationFailed(_("只有发送失败的通知可以重试。"))
    now = clock.now()
    before = {"state": notification.state}
    notification.state = State.PENDING
    notification.next_attempt_at = now
    notification.save(update_fields=["state", "next_attempt_at"])
    events.record(
        verb="notification.retry",
        subject=notification,
        actor=actor,
        before=before,
        after={"state": State.PENDING},
    )
    return notification


@transaction.atomic
def preference_update(
    *,
    user: Any,
    phone: str,
    email: str,
    sms_enabled: bool,
    email_enabled: bool,
    wecom_enabled: bool,
    actor: Any,
) -> NotificationPreference:
    """Save the user's outside channels. SMS needs a phone, e-mail an address (own or account).

    Side effects: the preference row created or updated; audit event ``notification.preference``.
    """
    phone = phone.strip()
    email = email.strip()
    if sms_enabled and not _digits(phone):
        raise ValidationFailed(_("开启短信通知需要填写手机号。"))
    if email_enabled and not (email or getattr(user, "email", "")):
        raise ValidationFailed(_("开启邮件通知需要填写邮箱。"))
    pref, _created = NotificationPreference.objects.get_or_create(user=user)
    fields = {
        "phone": phone,
        "email": email,
        "sms_enabled": sms_enabled,
        "email_enabled": email_enabled,
        "wecom_enabled": wecom_enabled,
    }
    before = {name: getattr(pref, name) for name in fields}
    for name, value in fields.items():
        setattr(pref, name, value)
    pref.updated_at = clock.now()
    pref.save(update_fields=[*fields, "updated_at"])
    events.record(
        verb="notification.preference",
        subject=pref,
        actor=actor,
        before=before,
        after=fields,
    )
    return pref


def retry_delay(attempts: int) -> dt.timedelta:
    """Backoff after the ``attempts``-th failure: base, 2x, 4x ... capped (1, 2, 4 ... 60 min)."""
    settings = conf.get()
    seconds = settings.retry_base_seconds * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, settings.retry_cap_seconds))
