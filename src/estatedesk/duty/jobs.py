"""Periodic jobs of the duty app; each takes ``now``, is idempotent and catches up.

- ``remind_roster`` (DT-1): from the 25th at 09:00 the CS supervisors are reminded once that
  next month's roster is not published; on the last day of the month at 09:00 the site manager
  is warned once if it still is not.
- ``flag_unsigned_logs`` (DT-11): a log day not signed by 10:00 on the next working morning is
  flagged once to the CS supervisors (the site manager when there is none).

"Once" is a ``DutyAlert`` row per (site, key) claimed in the same transaction as the
notification, so a second run, or two workers at once, send nothing more.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from estatedesk.core import clock
from estatedesk.core.calendar import WorkingCalendar, working_calendar
from estatedesk.duty import selectors
from estatedesk.duty.enums import RosterKind, RosterState
from estatedesk.duty.models import DutyAlert, DutyAssignment, LogSignoff, Roster
from estatedesk.duty.services import alert_once
from estatedesk.notify.services import notification_send
from estatedesk.org.enums import Role
from estatedesk.org.models import Site

ROSTER_REMINDER_DAY = 25
ROSTER_ALERT_TIME = dt.time(9, 0)
SIGNOFF_DUE_TIME = dt.time(10, 0)
SIGNOFF_LOOKBACK_DAYS = 7


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=clock.local_zone())


def _notify_roles(
    site: Site, role: str, *, topic: str, title: str, body: str, url: str, key: str
) -> None:
    for user in selectors.users_with_roles(site, frozenset({role})):
        notification_send(
            site=site,
            topic=topic,
            title=title,
            body=body,
            url=url,
            user=user,
            dedupe_key=f"duty:{key}:{site.pk}:{user.pk}",
        )


def remind_roster(*, now: dt.datetime) -> int:
    """DT-1 reminders and warnings about next month's roster; returns how many were sent.

    The CS roster is expected of every active site, the cleaners' roster of sites that keep
    one this month. Reads: the sites, the rosters of this and next month, the markers already
    claimed; then only the (site, kind) pairs still due are written.
    """
    local = clock.localtime(now)
    today = local.date()
    target = selectors.next_month(today)
    if local < _at(today.replace(day=ROSTER_REMINDER_DAY), ROSTER_ALERT_TIME):
        return 0
    warn = local >= _at(selectors.month_days(today)[-1], ROSTER_ALERT_TIME)
    month = f"{target:%Y-%m}"
    published = set(
        Roster.objects.filter(month=target, state=RosterState.PUBLISHED).values_list(
            "site_id", "kind"
        )
    )
    cleaning_now = set(
        Roster.objects.filter(
            month=selectors.month_start(today), kind=RosterKind.CLEANING
        ).values_list("site_id", flat=True)
    )
    keys = {
        (kind, step): f"{step}:{kind}:{month}"
        for kind in RosterKind.values
        for step in ("roster-reminder", "roster-missing")
    }
    claimed = set(DutyAlert.objects.filter(key__in=keys.values()).values_list("site_id", "key"))
    sent = 0
    for site in Site.objects.filter(is_active=True).order_by("pk"):
        for kind in RosterKind.values:
            if kind == RosterKind.CLEANING and site.pk not in cleaning_now:
                continue
            if (site.pk, kind) in published:
                continue
            label = RosterKind(kind).label
            url = reverse("duty:roster") + f"?site={site.pk}&kind={kind}&month={month}"
            steps = [("roster-reminder", Role.CS_SUPERVISOR)]
            if warn:
                steps.append(("roster-missing", Role.SITE_MANAGER))
            for step, role in steps:
                key = keys[(kind, step)]
                if (site.pk, key) in claimed:
                    continue
                with transaction.atomic():
                    if not alert_once(site=site, key=key):
                        continue
                    if step == "roster-reminder":
                        title = _("请在月底前发布 %(month)s %(kind)s表") % {
                            "month": month,
                            "kind": label,
                        }
                        body = _("客服中心主管须于每月底前编制完成下月值班安排表（DT-1）。")
                    else:
                        title = _("%(site)s %(month)s %(kind)s表今天截止仍未发布") % {
                            "site": site.name,
                            "month": month,
                            "kind": label,
                        }
                        body = _("请督促客服中心主管今天发布下月值班安排表（DT-1）。")
                    _notify_roles(
                        site,
                        role,
                        topic=f"duty.{step.replace('-', '_')}",
                        title=title,
                        body=body,
                        url=url,
                        key=key,
                    )
                    sent += 1
    return sent


def signoff_due_at(
    site: Site, day: dt.date, calendar: WorkingCalendar | None = None
) -> dt.datetime:
    """10:00 on the first working day after log day ``day`` ends (DT-11), never before the
    log day's end."""
    cal = calendar or working_calendar(site)
    morning = day + dt.timedelta(days=1)
    for _offset in range(40):
        if cal.is_working_day(morning):
            break
        morning += dt.timedelta(days=1)
    return max(_at(morning, SIGNOFF_DUE_TIME), selectors.log_day_bounds(site, day).end)


def flag_unsigned_logs(*, now: dt.datetime) -> int:
    """DT-11: flag each rostered log day still unsigned after its due time; returns how many
    log days were flagged.

    Three reads cover every site (rostered days of the lookback window, their signatures, the
    markers already claimed); calendars are built only for sites with a candidate day.
    """
    today = clock.localtime(now).date()
    oldest = today - dt.timedelta(days=SIGNOFF_LOOKBACK_DAYS + 1)
    rostered: dict[int, set[dt.date]] = defaultdict(set)
    for site_id, day in (
        DutyAssignment.objects.filter(
            kind=RosterKind.CS,
            roster__state=RosterState.PUBLISHED,
            site__is_active=True,
            day__gte=oldest,
            day__lt=today,
        )
        .values_list("site_id", "day")
        .distinct()
    ):
        rostered[site_id].add(day)
    if not rostered:
        return 0
    done = set(
        LogSignoff.objects.filter(site_id__in=rostered, day__gte=oldest).values_list(
            "site_id", "day"
        )
    )
    done |= {
        (site_id, dt.date.fromisoformat(key.removeprefix("log-unsigned:")))
        for site_id, key in DutyAlert.objects.filter(
            site_id__in=rostered,
            key__startswith="log-unsigned:",
            created_at__gte=_at(oldest, dt.time()),
        ).values_list("site_id", "key")
    }
    flagged = 0
    for site in Site.objects.filter(pk__in=rostered).order_by("pk"):
        current = selectors.log_day_of(site, now)
        candidates = sorted(
            day
            for day in rostered[site.pk]
            if day < current
            and day >= current - dt.timedelta(days=SIGNOFF_LOOKBACK_DAYS)
            and (site.pk, day) not in done
        )
        if not candidates:
            continue
        calendar = working_calendar(site)
        due = [day for day in candidates if signoff_due_at(site, day, calendar) <= now]
        if not due:
            continue
        with transaction.atomic():
            new = [day for day in due if alert_once(site=site, key=f"log-unsigned:{day}")]
            if not new:
                continue
            role = (
                Role.CS_SUPERVISOR
                if selectors.users_with_roles(site, frozenset({Role.CS_SUPERVISOR}))
                else Role.SITE_MANAGER
            )
            days_text = "、".join(f"{day:%m-%d}" for day in new)
            _notify_roles(
                site,
                role,
                topic="duty.log_unsigned",
                title=_("值班记录未签阅：%(days)s") % {"days": days_text},
                body=_("客服中心主管须每天上班时检查值班记录并签名确认（DT-11）。"),
                url=reverse("duty:signoff") + f"?site={site.pk}",
                key=f"log-unsigned:{new[0]}:{new[-1]}",
            )
            flagged += len(new)
    return flagged


PERIODIC = [(remind_roster, 3600), (flag_unsigned_logs, 600)]
