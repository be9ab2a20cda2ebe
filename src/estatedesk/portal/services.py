"""Writes of the resident portal: sign-in by one-time code, and the suggestion box (RP-6).

Tickets reported, confirmed and rated in the portal go through ``tickets.services`` like any
other ticket change."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from estatedesk.core import clock, events
from estatedesk.core.errors import DeskError, NotFound, PermissionDenied, ValidationFailed
from estatedesk.notify.services import notification_send
from estatedesk.org import roles
from estatedesk.org.models import Resident
from estatedesk.portal.models import LoginCode, Suggestion
from estatedesk.tickets.selectors import resident_of, users_with_roles

CODE_TTL = dt.timedelta(minutes=5)
CODE_MAX_ATTEMPTS = 5
RESEND_AFTER = dt.timedelta(seconds=60)
PER_PHONE_PER_HOUR = 5
PER_IP_PER_HOUR = 20


class TooManyRequests(DeskError):
    code = "rate_limited"
    status = 429
    default_detail = gettext_lazy("请求过于频繁，请稍后再试。")


def normalize_phone(phone: str) -> str:
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def _hash(phone: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"portal-login:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _residents(phone: str) -> list[Resident]:
    return list(Resident.objects.filter(phone=phone).select_related("site", "user").order_by("pk"))


@transaction.atomic
def login_code_request(*, phone: str, ip: str | None) -> None:
    """Send a one-time sign-in code by SMS to a resident's registered phone.

    Rate limits: one code per phone per minute and 5 per hour; 20 per IP address per hour.
    An unknown number is answered the same way (a row is written, nothing is sent), so the
    page cannot be used to find out who lives here.

    Side effects: a LoginCode row (hash only, expires in 5 minutes); for a known resident, an
    SMS through notify (console in development) and event ``portal.code_sent``."""
    phone = normalize_phone(phone)
    if not 7 <= len(phone) <= 15:
        raise ValidationFailed(_("请输入正确的手机号码。"))
    now = clock.now()
    hour_ago = now - dt.timedelta(hours=1)
    recent = LoginCode.objects.filter(phone=phone, created_at__gte=hour_ago)
    if recent.filter(created_at__gt=now - RESEND_AFTER).exists():
        raise TooManyRequests(_("验证码已发送，请 1 分钟后再试。"))
    if recent.count() >= PER_PHONE_PER_HOUR:
        raise TooManyRequests(_("该号码本小时获取验证码次数过多，请稍后再试。"))
    if ip and LoginCode.objects.filter(ip=ip, created_at__gte=hour_ago).count() >= PER_IP_PER_HOUR:
        raise TooManyRequests()
    code = f"{secrets.randbelow(10**6):06d}"
    row = LoginCode.objects.create(
        phone=phone,
        code_hash=_hash(phone, code),
        ip=ip or None,
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    residents = _residents(phone)
    if not residents:
        return
    resident = residents[0]
    notification_send(
        site=resident.site,
        topic="portal.login_code",
        title=_("住户服务登录验证码"),
        body=_("您的验证码是 %(code)s，5 分钟内有效。如非本人操作请忽略。") % {"code": code},
        phone=phone,
        channels=["sms"],
    )
    events.record(
        verb="portal.code_sent",
        subject=resident,
        actor=None,
        actor_label=str(_("住户")),
        data={"code_id": row.pk},
        at=now,
    )


def login_code_verify(*, phone: str, code: str) -> Any:
    """Check a code and return the resident's Django user (created and linked on first use).

    A wrong code counts against the latest code of the number; after 5 wrong tries it is
    dead. The count is committed even when the check fails (no surrounding transaction)."""
    phone = normalize_phone(phone)
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    now = clock.now()
    row = (
        LoginCode.objects.filter(phone=phone, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at", "-pk")
        .first()
    )
    invalid = ValidationFailed(_("验证码错误或已过期，请重新获取。"), code="bad_code")
    if row is None or row.attempts >= CODE_MAX_ATTEMPTS:
        raise invalid
    LoginCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
    if not hmac.compare_digest(row.code_hash, _hash(phone, code)):
        raise invalid
    return _sign_in(row=row, phone=phone, now=now)


@transaction.atomic
def _sign_in(*, row: LoginCode, phone: str, now: dt.datetime) -> Any:
    used = LoginCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now)
    if not used:
        raise ValidationFailed(_("验证码已使用，请重新获取。"), code="bad_code")
    residents = _residents(phone)
    if not residents:
        raise ValidationFailed(_("该号码未登记为住户，请联系客服中心。"), code="not_resident")
    resident = next((r for r in residents if r.user_id), residents[0])
    user = resident_user(resident=resident)
    events.record(verb="portal.signed_in", subject=resident, actor=user, at=now)
    return user


def resident_user(*, resident: Resident) -> Any:
    """The Django user a resident signs in as (created on first sign-in, no password)."""
    if resident.user_id:
        return resident.user
    user_model = get_user_model()
    user = user_model.objects.filter(username=f"resident-{resident.pk}").first()
    if user is None:
        user = user_model(username=f"resident-{resident.pk}", first_name=resident.name)
        user.set_unusable_password()
        user.save()
    resident.user = user
    resident.save(update_fields=["user"])
    return user


@transaction.atomic
def suggestion_create(*, actor: Any, body: str) -> Suggestion:
    """RP-6: a resident's opinion for the improvement plan.

    Side effects: the Suggestion; event ``suggestion.created``; in-app message to the CS
    supervisors of the resident's site."""
    resident = resident_of(actor)
    if resident is None:
        raise PermissionDenied()
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(_("请填写意见或建议。"))
    if len(body) > 2000:
        raise ValidationFailed(_("内容过长（最多 2000 字）。"))
    now = clock.now()
    suggestion = Suggestion.objects.create(
        site=resident.site, resident=resident, body=body, created_at=now
    )
    events.record(verb="suggestion.created", subject=suggestion, actor=actor, at=now)
    for user in users_with_roles(resident.site_id, roles.SUPERVISORS):
        notification_send(
            site=resident.site,
            topic="suggestion.created",
            title=_("住户意见箱有新建议"),
            body=body[:120],
            url="/tickets/suggestions/",
            user=user,
            actor=actor,
        )
    return suggestion


@transaction.atomic
def suggestion_reply(*, suggestion_id: int, actor: Any, reply: str) -> Suggestion:
    """RP-6: the CS center answers a suggestion; the resident reads it in the portal.

    Side effects: reply fields; event ``suggestion.replied``; SMS to the resident."""
    suggestion = Suggestion.objects.select_related("site", "resident").filter(pk=suggestion_id)
    row = suggestion.first()
    if row is None or not roles.has_role(actor, row.site_id, roles.ALL_STAFF):
        raise NotFound()
    if not roles.has_role(actor, row.site_id, roles.CS_DESK):
        raise PermissionDenied()
    if row.replied_at is not None:
        raise ValidationFailed(_("该建议已答复。"))
    reply = (reply or "").strip()
    if not reply:
        raise ValidationFailed(_("请填写答复内容。"))
    now = clock.now()
    row.reply = reply[:2000]
    row.replied_by = actor
    row.replied_at = now
    row.save(update_fields=["reply", "replied_by", "replied_at"])
    events.record(verb="suggestion.replied", subject=row, actor=actor, at=now)
    if row.resident is not None and row.resident.phone:
        notification_send(
            site=row.site,
            topic="suggestion.replied",
            title=_("您的意见建议已答复"),
            body=row.reply[:70],
            phone=row.resident.phone,
            channels=["sms"],
            actor=actor,
        )
    return row
