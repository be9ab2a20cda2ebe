"""Jobs: next month's roster reminder and warning (DT-1), unsigned logs at 10:00 (DT-11)."""

from __future__ import annotations

import datetime as dt

import pytest

from estatedesk.core.errors import Conflict, ValidationFailed
from estatedesk.duty.enums import LogEntryKind, RosterKind
from estatedesk.duty.jobs import PERIODIC, flag_unsigned_logs, remind_roster
from estatedesk.duty.models import DutyAlert, LogSignoff
from estatedesk.duty.services import log_entry_append, log_signoff
from estatedesk.duty.tests.factories import at, roster_with
from estatedesk.notify.models import Notification

pytestmark = pytest.mark.django_db


def _sent(topic):
    return list(Notification.objects.filter(topic=topic).values_list("user_id", "title"))


def test_jobs_are_registered():
    assert [(job.__name__, seconds) for job, seconds in PERIODIC] == [
        ("remind_roster", 3600),
        ("flag_unsigned_logs", 600),
    ]


def test_roster_reminder_from_the_25th_once_only_dt1(site, supervisor, manager, time_machine):
    time_machine.move_to(at(2026, 11, 24, 18, 0), tick=False)
    assert remind_roster(now=at(2026, 11, 24, 18, 0)) == 0
    assert _sent("duty.roster_reminder") == []
    time_machine.move_to(at(2026, 11, 25, 9, 30), tick=False)
    assert remind_roster(now=at(2026, 11, 25, 9, 30)) == 1
    assert remind_roster(now=at(2026, 11, 25, 10, 30)) == 0
    assert remind_roster(now=at(2026, 11, 27, 9, 30)) == 0
    assert _sent("duty.roster_reminder") == [(supervisor.pk, "请在月底前发布 2026-12 客服值班表")]
    assert _sent("duty.roster_missing") == []


def test_manager_warned_on_the_last_day_once_only_dt1(site, supervisor, manager, time_machine):
    time_machine.move_to(at(2026, 11, 30, 9, 5), tick=False)
    assert remind_roster(now=at(2026, 11, 30, 9, 5)) == 2  # the reminder catches up, the warning
    assert remind_roster(now=at(2026, 11, 30, 15, 0)) == 0
    assert _sent("duty.roster_missing") == [
        (manager.pk, f"{site.name} 2026-12 客服值班表今天截止仍未发布")
    ]
    assert len(_sent("duty.roster_reminder")) == 1


def test_no_reminder_when_next_months_roster_is_published_dt1(
    site, supervisor, manager, officer, time_machine
):
    roster_with(site, {dt.date(2026, 12, 1): officer})
    time_machine.move_to(at(2026, 11, 30, 10, 0), tick=False)
    assert remind_roster(now=at(2026, 11, 30, 10, 0)) == 0
    assert not Notification.objects.filter(topic__startswith="duty.roster_").exists()


def test_cleaners_roster_reminded_only_where_the_site_keeps_one_dt12(
    site, supervisor, make_staff, time_machine
):
    from estatedesk.org.enums import DepartmentKind, Role

    cleaner = make_staff(site, Role.DEPT_STAFF, DepartmentKind.CLEANING)
    roster_with(site, {dt.date(2026, 11, 3): cleaner}, kind=RosterKind.CLEANING)
    time_machine.move_to(at(2026, 11, 26, 9, 30), tick=False)
    assert remind_roster(now=at(2026, 11, 26, 9, 30)) == 2
    assert sorted(title for _u, title in _sent("duty.roster_reminder")) == [
        "请在月底前发布 2026-12 保洁值班表",
        "请在月底前发布 2026-12 客服值班表",
    ]


def test_unsigned_log_is_flagged_at_10_on_the_next_working_morning_once_dt11(
    site, supervisor, officer, time_machine
):
    roster_with(site, {dt.date(2026, 11, 18): officer})  # Wednesday night
    time_machine.move_to(at(2026, 11, 18, 22, 0), tick=False)
    log_entry_append(site=site, kind=LogEntryKind.CALL, text="夜间来电", actor=officer)
    assert flag_unsigned_logs(now=at(2026, 11, 19, 9, 59)) == 0
    assert flag_unsigned_logs(now=at(2026, 11, 19, 10, 0)) == 1
    assert flag_unsigned_logs(now=at(2026, 11, 19, 10, 10)) == 0
    assert _sent("duty.log_unsigned") == [(supervisor.pk, "值班记录未签阅：11-18")]
    assert DutyAlert.objects.filter(site=site, key="log-unsigned:2026-11-18").count() == 1


def test_signed_log_is_not_flagged_dt11(site, supervisor, officer, time_machine):
    roster_with(site, {dt.date(2026, 11, 18): officer})
    time_machine.move_to(at(2026, 11, 19, 9, 0), tick=False)
    signed = log_signoff(site=site, day=dt.date(2026, 11, 18), comment="已阅", actor=supervisor)
    assert (signed.entry_count, signed.through_seq) == (0, 0)
    with pytest.raises(Conflict):
        log_signoff(site=site, day=dt.date(2026, 11, 18), actor=supervisor)
    assert flag_unsigned_logs(now=at(2026, 11, 19, 10, 30)) == 0
    assert _sent("duty.log_unsigned") == []


def test_log_of_a_friday_night_is_due_on_monday_morning_dt11(
    site, supervisor, officer, time_machine
):
    roster_with(site, {dt.date(2026, 11, 20): officer, dt.date(2026, 11, 21): officer})
    time_machine.move_to(at(2026, 11, 21, 10, 30), tick=False)
    assert flag_unsigned_logs(now=at(2026, 11, 21, 10, 30)) == 0  # Saturday: no working morning
    time_machine.move_to(at(2026, 11, 23, 10, 0), tick=False)
    assert flag_unsigned_logs(now=at(2026, 11, 23, 10, 0)) == 2
    assert _sent("duty.log_unsigned") == [(supervisor.pk, "值班记录未签阅：11-20、11-21")]


def test_an_unfinished_log_day_cannot_be_signed_dt11(site, supervisor, time_machine):
    time_machine.move_to(at(2026, 11, 18, 20, 0), tick=False)
    with pytest.raises(ValidationFailed):
        log_signoff(site=site, day=dt.date(2026, 11, 18), actor=supervisor)
    assert not LogSignoff.objects.exists()
