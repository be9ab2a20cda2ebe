"""Rosters, leave and swaps, who is on duty, the on-call list (DT-1, DT-2, DT-5, DT-7, DT-12)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from estatedesk.core.errors import (
    Conflict,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)
from estatedesk.duty.enums import ChangeKind, ChangeState, OnCallRole, RosterKind, RosterState
from estatedesk.duty.handover_items import collect_shift_activity
from estatedesk.duty.models import DutyAssignment, DutyChange, Roster
from estatedesk.duty.selectors import current_shift, on_call_for, on_duty_now
from estatedesk.duty.services import (
    duty_change_approve,
    duty_change_reject,
    duty_change_request,
    on_call_add,
    roster_assign,
    roster_fill_rotation,
    roster_open,
    roster_publish,
)
from estatedesk.duty.tests.factories import at, roster_with
from estatedesk.notify.models import Notification
from estatedesk.org.enums import DepartmentKind, DutyModeChoice, Role

pytestmark = pytest.mark.django_db

WED = dt.date(2026, 11, 18)  # a working day
SAT = dt.date(2026, 11, 21)  # a rest day


def test_shifts_follow_the_sites_duty_hours_evenings_and_rest_days_dt2(site, supervisor, officer):
    roster = roster_open(site=site, kind=RosterKind.CS, month=WED, actor=supervisor)
    weekday = roster_assign(roster=roster, day=WED, user=officer, actor=supervisor)
    weekend = roster_assign(roster=roster, day=SAT, user=officer, actor=supervisor)
    assert (weekday.starts_at, weekday.ends_at) == (
        at(2026, 11, 18, 17, 30),
        at(2026, 11, 19, 8, 30),
    )
    assert (weekend.starts_at, weekend.ends_at) == (
        at(2026, 11, 21, 8, 30),
        at(2026, 11, 22, 8, 30),
    )


def test_round_the_clock_site_has_24_hour_shifts_every_day_dt2(site, supervisor, officer):
    site.duty_mode = DutyModeChoice.ROUND_THE_CLOCK
    site.save(update_fields=["duty_mode"])
    roster = roster_open(site=site, kind=RosterKind.CS, month=WED, actor=supervisor)
    row = roster_assign(roster=roster, day=WED, user=officer, actor=supervisor)
    assert (row.starts_at, row.ends_at) == (at(2026, 11, 18, 8, 30), at(2026, 11, 19, 8, 30))


def test_cleaners_roster_takes_cleaning_staff_only_dt12(site, supervisor, officer, make_staff):
    cleaner = make_staff(site, Role.DEPT_STAFF, DepartmentKind.CLEANING)
    roster = roster_open(site=site, kind=RosterKind.CLEANING, month=WED, actor=supervisor)
    roster_assign(roster=roster, day=WED, user=cleaner, actor=supervisor)
    with pytest.raises(ValidationFailed):
        roster_assign(roster=roster, day=WED, user=officer, actor=supervisor)
    assert list(roster.assignments.values_list("user_id", flat=True)) == [cleaner.pk]


def test_publish_needs_every_day_covered_then_notifies_the_rostered_dt1(
    site, supervisor, officer, officer2
):
    roster = roster_open(site=site, kind=RosterKind.CS, month=WED, actor=supervisor)
    roster_assign(roster=roster, day=WED, user=officer, actor=supervisor)
    with pytest.raises(ValidationFailed, match="值班表有空缺"):
        roster_publish(roster=roster, version=roster.version, actor=supervisor)
    assert Roster.objects.get(pk=roster.pk).state == RosterState.DRAFT
    assert roster_fill_rotation(roster=roster, users=[officer, officer2], actor=supervisor) == 29
    roster_publish(roster=roster, version=roster.version, actor=supervisor)
    roster.refresh_from_db()
    assert (roster.state, roster.published_by_id) == (RosterState.PUBLISHED, supervisor.pk)
    assert set(
        Notification.objects.filter(topic="duty.roster_published").values_list("user_id", flat=True)
    ) == {officer.pk, officer2.pk}
    with pytest.raises(TransitionNotAllowed):
        roster_publish(roster=roster, version=roster.version, actor=supervisor)


def test_an_officer_cannot_edit_the_roster_dt5(site, supervisor, officer, officer2):
    roster = roster_with(site, {WED: officer})
    with pytest.raises(PermissionDenied):
        roster_assign(roster=roster, day=WED, user=officer2, actor=officer)
    with pytest.raises(PermissionDenied):
        roster_open(site=site, kind=RosterKind.CS, month=WED, actor=officer)
    assert list(roster.assignments.values_list("user_id", flat=True)) == [officer.pk]


def test_on_duty_now_follows_the_published_roster_only(site, officer, officer2):
    roster_with(site, {WED: officer})
    roster_with(site, {WED: officer2}, kind=RosterKind.CLEANING, state=RosterState.DRAFT)
    assert on_duty_now(site, at(2026, 11, 18, 20, 0)) == [officer]
    assert on_duty_now(site, at(2026, 11, 18, 12, 0)) == []  # staffed day hours
    assert on_duty_now(site, at(2026, 11, 18, 20, 0), kind=RosterKind.CLEANING) == []
    assert current_shift(site, at(2026, 11, 19, 7, 0)).start == at(2026, 11, 18, 17, 30)
    assert current_shift(site, at(2026, 11, 19, 9, 0)) is None


def test_a_swap_without_approval_changes_nothing_dt5(site, supervisor, officer, officer2):
    roster = roster_with(site, {WED: officer})
    assignment = roster.assignments.get()
    with time_machine.travel(at(2026, 11, 17, 10, 0), tick=False):
        change = duty_change_request(
            assignment=assignment,
            kind=ChangeKind.SWAP,
            reason="家中有事",
            substitute=officer2,
            actor=officer,
        )
    assert change.state == ChangeState.PENDING
    assert on_duty_now(site, at(2026, 11, 18, 20, 0)) == [officer]
    # Neither the requester nor the colleague may approve it, or edit the roster instead.
    with pytest.raises(PermissionDenied):
        duty_change_approve(change=change, version=change.version, actor=officer2)
    with pytest.raises(PermissionDenied):
        roster_assign(roster=roster, day=WED, user=officer2, actor=officer)
    assert DutyAssignment.objects.get(pk=assignment.pk).user_id == officer.pk
    assert DutyChange.objects.get(pk=change.pk).state == ChangeState.PENDING
    assert Notification.objects.filter(topic="duty.change_requested", user=supervisor).count() == 1


def test_approved_substitution_changes_who_is_on_duty_dt5(site, supervisor, officer, officer2):
    roster = roster_with(site, {WED: officer})
    assignment = roster.assignments.get()
    with time_machine.travel(at(2026, 11, 17, 10, 0), tick=False):
        change = duty_change_request(
            assignment=assignment, kind=ChangeKind.LEAVE, reason="病假", actor=officer
        )
        with pytest.raises(ValidationFailed, match="请指定顶班人"):
            duty_change_approve(change=change, version=change.version, actor=supervisor)
        same_change_elsewhere = DutyChange.objects.get(pk=change.pk)
        duty_change_approve(
            change=change, version=change.version, substitute=officer2, actor=supervisor
        )
        with pytest.raises(Conflict):
            duty_change_approve(
                change=same_change_elsewhere,
                version=same_change_elsewhere.version,
                substitute=officer2,
                actor=supervisor,
            )
    change.refresh_from_db()
    assert (change.state, change.substitute_id, change.decided_by_id) == (
        ChangeState.APPROVED,
        officer2.pk,
        supervisor.pk,
    )
    row = DutyAssignment.objects.get(pk=assignment.pk)
    assert (row.user_id, row.planned_user_id) == (officer2.pk, officer.pk)
    assert on_duty_now(site, at(2026, 11, 18, 20, 0)) == [officer2]
    activity = collect_shift_activity(
        site=site, start=at(2026, 11, 17, 8, 30), end=at(2026, 11, 18, 8, 30)
    )
    assert [(a.source, a.title) for a in activity] == [
        ("duty", "11-18 值班由 dispatcher 改为 dispatcher（请假）")
    ]


def test_rejected_request_keeps_the_roster_dt5(site, supervisor, officer):
    roster = roster_with(site, {WED: officer})
    with time_machine.travel(at(2026, 11, 17, 10, 0), tick=False):
        change = duty_change_request(
            assignment=roster.assignments.get(), kind=ChangeKind.LEAVE, reason="事假", actor=officer
        )
        with pytest.raises(ValidationFailed):
            duty_change_reject(change=change, version=change.version, note=" ", actor=supervisor)
        duty_change_reject(change=change, version=change.version, note="人手不足", actor=supervisor)
    assert DutyChange.objects.get(pk=change.pk).state == ChangeState.REJECTED
    assert on_duty_now(site, at(2026, 11, 18, 20, 0)) == [officer]


def test_only_ones_own_shift_can_be_asked_for_dt5(site, officer, officer2):
    roster = roster_with(site, {WED: officer})
    with (
        time_machine.travel(at(2026, 11, 17, 10, 0), tick=False),
        pytest.raises(PermissionDenied),
    ):
        duty_change_request(
            assignment=roster.assignments.get(), kind=ChangeKind.LEAVE, reason="x", actor=officer2
        )
    assert not DutyChange.objects.exists()


def test_on_call_list_in_priority_order_then_role_holders_dt7(
    site, supervisor, manager, make_staff
):
    deputy = make_staff(site, Role.SITE_MANAGER, DepartmentKind.MANAGEMENT, username="deputy-m")
    sec_head = make_staff(site, Role.DEPT_HEAD, DepartmentKind.SECURITY, username="han")
    on_call_add(
        site=site,
        role=OnCallRole.MANAGER,
        user=deputy,
        phone="13800000002",
        priority=2,
        actor=supervisor,
    )
    on_call_add(
        site=site,
        role=OnCallRole.MANAGER,
        user=manager,
        phone="13800000001",
        priority=1,
        valid_until=dt.date(2026, 11, 30),
        actor=supervisor,
    )
    during = on_call_for(site, "site_manager", at(2026, 11, 20, 22, 0))
    assert [(c.user, c.phone, c.source) for c in during] == [
        (manager, "13800000001", "list"),
        (deputy, "13800000002", "list"),
    ]
    after = on_call_for(site, OnCallRole.MANAGER, at(2026, 12, 1, 22, 0))
    assert [c.user for c in after] == [deputy]
    # Nobody listed for security: the department head at the site.
    assert [(c.user, c.source) for c in on_call_for(site, "security")] == [(sec_head, "membership")]
    with pytest.raises(ValueError):
        on_call_for(site, "plumber")


def test_only_supervisors_maintain_the_on_call_list_dt7(site, officer, manager):
    with pytest.raises(PermissionDenied):
        on_call_add(site=site, role=OnCallRole.MANAGER, user=manager, phone="138", actor=officer)
