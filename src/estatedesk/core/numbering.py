"""Human-readable numbers (e.g. ``BS2611230001``), unique under concurrent writers."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from estatedesk.core.models import Sequence


def next_value(key: str) -> int:
    """Increment and return the counter ``key``.

    The UPDATE takes the row lock (PostgreSQL) or the database write lock (SQLite, IMMEDIATE
    transactions) and holds it until the caller's transaction commits, so two concurrent intakes
    can never read the same value. The first use of a key creates the row; a racing creator
    loses on the unique constraint and retries the UPDATE.
    """
    with transaction.atomic():
        for _attempt in range(3):
            if Sequence.objects.filter(key=key).update(value=F("value") + 1):
                return Sequence.objects.filter(key=key).values_list("value", flat=True).get()
            try:
                with transaction.atomic():
                    Sequence.objects.create(key=key, value=1)
                return 1
            except IntegrityError:
                continue
    raise RuntimeError(f"could not allocate a number for {key}")


def daily_number(prefix: str, day_code: str, *, width: int = 4) -> str:
    """``prefix + yymmdd + zero-padded counter of that day``."""
    value = next_value(f"{prefix}:{day_code}")
    return f"{prefix}{day_code}{value:0{width}d}"
