"""Periodic jobs of the archives app; each takes ``now``, is idempotent and catches up.

- ``flag_overdue_keys`` (AR-5): every open key loan past its due time is flagged once and the
  lender and borrower are notified; a loan already flagged is never picked again (the partial
  index ``keyloan_overdue_due`` holds only open, unflagged loans).
"""

from __future__ import annotations

import datetime as dt

from estatedesk.archives import selectors, services

BATCH = 200


def flag_overdue_keys(*, now: dt.datetime) -> int:
    """AR-5: flag and notify overdue key loans; returns how many this run flagged."""
    due = list(selectors.overdue_loans_to_flag(now).values_list("pk", flat=True)[:BATCH])
    flagged = 0
    for loan_id in due:
        if services.key_loan_flag_overdue(loan_id=loan_id, now=now) is not None:
            flagged += 1
    return flagged


PERIODIC = [(flag_overdue_keys, 300)]
