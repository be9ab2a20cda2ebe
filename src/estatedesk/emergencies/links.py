"""The signed acknowledgement link sent by SMS with a page (EM-2).

The link names one page and one paged person and carries a timestamped HMAC
(``django.core.signing.TimestampSigner`` with its own salt), so it works without a login but can
only acknowledge that page, as that person, until it expires. Opening it shows a confirmation
button; only the POST acknowledges, so an SMS app or a link scanner prefetching the URL cannot
acknowledge on the reader's behalf.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from estatedesk.core.errors import DeskError

SALT = "estatedesk.emergencies.page-ack"
MAX_AGE = dt.timedelta(hours=12)


class LinkInvalid(DeskError):
    code = "link_invalid"
    status = 400
    default_detail = _("确认链接无效，请登录系统确认或致电客服中心。")


class LinkExpired(DeskError):
    code = "link_expired"
    status = 400
    default_detail = _("确认链接已过期（有效期 12 小时），请登录系统确认或致电客服中心。")


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def ack_token(*, page_id: int, user_id: int) -> str:
    return _signer().sign(f"{page_id}.{user_id}")


def ack_path(*, page_id: int, user_id: int) -> str:
    return reverse("emergencies:ack_link", args=[ack_token(page_id=page_id, user_id=user_id)])


def ack_url(*, page_id: int, user_id: int) -> str:
    """The absolute link for the SMS (``SITE_URL`` + path)."""
    return settings.SITE_URL.rstrip("/") + ack_path(page_id=page_id, user_id=user_id)


def read_token(token: str) -> tuple[int, int]:
    """``(page_id, user_id)`` of a valid, unexpired token; LinkExpired / LinkInvalid otherwise."""
    try:
        value = _signer().unsign(token, max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise LinkExpired() from None
    except signing.BadSignature:
        raise LinkInvalid() from None
    page_id, _sep, user_id = value.partition(".")
    if not (page_id.isdigit() and user_id.isdigit()):
        raise LinkInvalid()
    return int(page_id), int(user_id)
