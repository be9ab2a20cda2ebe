"""DS-6: from Monday on, every site has the review of last week's still-open cases ready."""

from __future__ import annotations

import datetime as dt

from estatedesk.core import clock
from estatedesk.dispatch.models import WeeklyReview
from estatedesk.dispatch.services import last_week_monday, review_open
from estatedesk.org.models import Site


def open_weekly_reviews(*, now: dt.datetime) -> int:
    """Open last week's review for every active site that has none yet; returns how many.

    Catching up: it looks at "the week before the current one", so a job that did not run on
    Monday opens the review on Tuesday; the unique (site, week) row makes a rerun a no-op.
    """
    week_start = last_week_monday(clock.localtime(now).date())
    done = set(WeeklyReview.objects.filter(week_start=week_start).values_list("site_id", flat=True))
    opened = 0
    for site_id in Site.objects.filter(is_active=True).values_list("pk", flat=True):
        if site_id not in done:
            review_open(site_id=site_id, actor=None, week_start=week_start)
            opened += 1
    return opened


PERIODIC = [(open_weekly_reviews, 3600)]
