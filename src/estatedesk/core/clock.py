"""The one source of "now" (style: time comes from one place so tests can move it)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def now() -> dt.datetime:
    """Current aware UTC time; time-machine moves it in tests."""
    return timezone.now()


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def localtime(value: dt.datetime | None = None) -> dt.datetime:
    """``value`` (default now) in the site's zone, Asia/Shanghai."""
    return (value or now()).astimezone(local_zone())


def today() -> dt.date:
    return localtime().date()
