"""Periodic jobs of the triage app; each takes ``now``, is idempotent and catches up.

- ``retrain_due``: the nightly retrain. A company is due after 02:00 local time when staff
  confirmed a suggestion before that 02:00 and after its newest model, and that model is at
  least 23 hours old (so a manual ``triage-train`` late in the evening is not repeated a few
  hours later). Confirmations after 02:00 wait for the next night. One company per call; a night with several due companies is
  worked through on the following ticks, and a night the server was down is caught up the
  next time it runs.
"""

from __future__ import annotations

import datetime as dt
import logging

from estatedesk.core import clock
from estatedesk.triage import selectors
from estatedesk.triage.services import model_train

log = logging.getLogger(__name__)

RETRAIN_AT = dt.time(2, 0)
MIN_MODEL_AGE = dt.timedelta(hours=23)


def last_boundary(now: dt.datetime) -> dt.datetime:
    """The most recent 02:00 local time at or before ``now``."""
    local = clock.localtime(now)
    today = dt.datetime.combine(local.date(), RETRAIN_AT, tzinfo=clock.local_zone())
    return today if local >= today else today - dt.timedelta(days=1)


def retrain_due(*, now: dt.datetime) -> bool:
    """Retrain the first due company's model; returns whether one was trained."""
    boundary = last_boundary(now)
    due = selectors.companies_with_new_confirmations(
        trained_before=min(boundary, now - MIN_MODEL_AGE), confirmed_before=boundary
    )
    if not due:
        return False
    company = due[0]
    record = model_train(company=company, now=now)
    log.info("triage model %s trained for %s", record.version, company.code)
    return True


PERIODIC = [(retrain_due, 600)]
