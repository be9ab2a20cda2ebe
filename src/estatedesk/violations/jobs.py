"""Periodic jobs: flag rectification deadlines that passed without re-inspection (VI-4)."""

from __future__ import annotations

import datetime as dt

from estatedesk.violations.services import rectification_overdue_flag


def flag_overdue_rectifications(*, now: dt.datetime) -> int:
    """Idempotent and catching up: every due, unflagged re-inspection is flagged once."""
    return rectification_overdue_flag(now=now)


PERIODIC = [(flag_overdue_rectifications, 300)]
