"""Shift handover: counting, reading the log, taking over open items, anomalies, both
passwords, refusal while important work is open, the supervisor's override (DT-9, DT-10)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from estatedesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from estatedesk.duty.chain import verify_site
from estatedesk.duty.enums import HandoverState, LogEntryKind
from estatedesk.duty.models import DutyLogEntry, Handover, HandoverCount, HandoverLine
from estatedesk.duty.selectors import carried_items, open_handover
from estatedesk.duty.services import (
    HandoverRefused,
    handover_acknowledge_log,
    handover_add_anomaly,
    handover_cancel,
    handover_complete,
    handover_override,
    handover_readiness,
    handover_record_counts,
    handover_start,
    handover_take_over,
    log_entry_append,
    log_entry_close,
)
from estatedesk.duty.tests.factories import at, post_items, roster_with

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests-1"
TUE, WED = dt.date(2026, 11, 17), dt.date(2026, 11, 18)
BEFORE_SHIFT = at(2026, 11, 18, 17, 25)  # the incoming officer arrives 5 minutes early


@pytest.fixture
def duty_site(site, officer, officer2):
    """``officer`` had Tuesday night, ``officer2`` takes Wednesday night."""
    roster_with(site, {TUE: officer, WED: officer2})
    post_items(site)
    return site


@pytest.fixture
def clock_at_handover():
    with time_machine.travel(BEFORE_SHIFT, tick=False) as traveller:
        yield traveller


def _night_log(site, officer, *, emergency=False):
    with time_machine.travel(at(2026, 11, 17, 21, 0), tick=False):
        log_entry_append(site=site, kind=LogEntryKind.CALL, text="来电咨询停车", actor=officer)
        follow = log_entry_append(
            site=site,
            kind=LogEntryKind.CALL,
            text="3栋1201 漏水，工程部明早处理",
            actor=officer,
            important=True,
            follow_up=True,
        )
        alarm = None
        if emergency:
            alarm = log_entry_append(
                site=site, kind=LogEntryKind.EMERGENCY, text="B2 车库烟感报警", actor=officer
            )
    return follow, alarm


def _counts_ok(handover):
    return {c.pk: (c.expected, "") for c in handover.counts.all()}


def _prepare(handover, incoming):
    """Counts match, log read, every item taken over."""
    handover_record_counts(
        handover=handover, version=handover.version, counts=_counts_ok(handover), actor=incoming
    )
    handover_acknowledge_log(
        handover=handover,
        version=handover.version,
        through_seq=DutyLogEntry.objects.filter(site=handover.site).count(),
        actor=incoming,
    )
    handover_take_over(
        handover=handover,
        version=handover.version,
        taken=set(handover.lines.values_list("pk", flat=True)),
        notes={},
        actor=incoming,
    )
    return handover


def test_full_handover_carries_open_items_to_the_incoming_officer_dt9(
    duty_site, officer, officer2, clock_at_handover
):
    follow, _ = _night_log(duty_site, officer)
    handover = handover_start(site=duty_site, actor=officer2)
    assert (handover.outgoing_id, handover.incoming_id) == (officer.pk, officer2.pk)
    assert (handover.shift_start, handover.shift_end) == (
        at(2026, 11, 18, 17, 30),
        at(2026, 11, 19, 8, 30),
    )
    assert [(c.name, c.expected, c.counted) for c in handover.counts.all()] == [
        ("对讲机", 4, None),
        ("灭火器", 2, None),
        ("水瓶", 2, None),
    ]
    line = handover.lines.get()
    assert (line.source, line.ref, line.important, line.blocking) == (
        "duty",
        f"log:{follow.seq}",
        True,
        False,
    )
    _prepare(handover, officer2)
    handover_add_anomaly(
        handover=handover,
        version=handover.version,
        area="大堂",
        description="玻璃门闭门器松动",
        explanation="白天已报修，待工程部更换",
        actor=officer2,
    )
    handover_complete(
        handover=handover,
        version=handover.version,
        outgoing_password=PASSWORD,
        incoming_password=PASSWORD,
        actor=officer2,
    )
    handover.refresh_from_db()
    assert handover.state == HandoverState.COMPLETED
    assert handover.completed_at == BEFORE_SHIFT
    assert [item.title for item in carried_items(officer2, duty_site)] == [line.title]
    assert HandoverLine.objects.get(pk=line.pk).carried_to_id == officer2.pk
    record = DutyLogEntry.objects.filter(site=duty_site).order_by("-seq").first()
    assert record.kind == LogEntryKind.HANDOVER and record.author_id == officer2.pk
    assert "区域异常 1 项" in record.text and "移交未完成事项 1 项" in record.text
    assert verify_site(duty_site).ok
    assert open_handover(duty_site) is None


def test_inventory_difference_needs_the_outgoing_explanation_and_is_recorded_dt9(
    duty_site, officer2, clock_at_handover
):
    handover = handover_start(site=duty_site, actor=officer2)
    counts = _counts_ok(handover)
    radios = handover.counts.get(name="对讲机")
    counts[radios.pk] = (3, "")
    version = handover.version
    with pytest.raises(ValidationFailed, match="对讲机"):
        handover_record_counts(handover=handover, version=version, counts=counts, actor=officer2)
    assert HandoverCount.objects.get(pk=radios.pk).counted is None
    assert Handover.objects.get(pk=handover.pk).version == version
    counts[radios.pk] = (3, "一台送修，维修单在抽屉")
    handover_record_counts(handover=handover, version=version, counts=counts, actor=officer2)
    radios.refresh_from_db()
    assert (radios.counted, radios.explanation) == (3, "一台送修，维修单在抽屉")
    assert handover_readiness(Handover.objects.get(pk=handover.pk)).unexplained == []


def test_handover_refused_with_an_open_emergency_until_the_supervisor_overrides_dt10_em4(
    duty_site, officer, officer2, supervisor, clock_at_handover
):
    _follow, alarm = _night_log(duty_site, officer, emergency=True)
    handover = _prepare(handover_start(site=duty_site, actor=officer2), officer2)
    version = handover.version
    with pytest.raises(HandoverRefused) as refused:
        handover_complete(
            handover=handover,
            version=version,
            outgoing_password=PASSWORD,
            incoming_password=PASSWORD,
            actor=officer2,
        )
    assert refused.value.extra["blocking"] == [f"#{alarm.seq} 紧急事件：B2 车库烟感报警"]
    handover.refresh_from_db()
    assert (handover.state, handover.version, handover.completed_at) == (
        HandoverState.OPEN,
        version,
        None,
    )
    with pytest.raises(PermissionDenied):
        handover_override(handover=handover, version=version, reason="我自己决定", actor=officer2)
    handover_override(
        handover=handover,
        version=version,
        reason="消防已到场处置，由保安队长现场跟进",
        actor=supervisor,
    )
    handover_complete(
        handover=handover,
        version=handover.version,
        outgoing_password=PASSWORD,
        incoming_password=PASSWORD,
        actor=officer2,
    )
    handover.refresh_from_db()
    assert (handover.state, handover.override_by_id) == (HandoverState.COMPLETED, supervisor.pk)
    assert handover.override_reason == "消防已到场处置，由保安队长现场跟进"
    assert "经主管" in DutyLogEntry.objects.filter(site=duty_site).order_by("-seq").first().text


def test_settled_emergency_no_longer_blocks_dt10_em4(
    duty_site, officer, officer2, clock_at_handover
):
    _follow, alarm = _night_log(duty_site, officer, emergency=True)
    handover = handover_start(site=duty_site, actor=officer2)
    log_entry_close(entry=alarm, text="误报，已复位", actor=officer)
    _prepare(handover, officer2)
    handover_complete(
        handover=handover,
        version=handover.version,
        outgoing_password=PASSWORD,
        incoming_password=PASSWORD,
        actor=officer2,
    )
    assert Handover.objects.get(pk=handover.pk).state == HandoverState.COMPLETED


def test_important_item_not_taken_over_refuses_the_handover_dt10(
    duty_site, officer, officer2, clock_at_handover
):
    _night_log(duty_site, officer)
    handover = _prepare(handover_start(site=duty_site, actor=officer2), officer2)
    handover_take_over(
        handover=handover, version=handover.version, taken=set(), notes={}, actor=officer2
    )
    with pytest.raises(HandoverRefused, match="3栋1201"):
        handover_complete(
            handover=handover,
            version=handover.version,
            outgoing_password=PASSWORD,
            incoming_password=PASSWORD,
            actor=officer2,
        )
    assert Handover.objects.get(pk=handover.pk).state == HandoverState.OPEN


def test_wrong_password_is_refused_and_nothing_changes_dt9(duty_site, officer2, clock_at_handover):
    handover = _prepare(handover_start(site=duty_site, actor=officer2), officer2)
    version = handover.version
    entries = DutyLogEntry.objects.count()
    for outgoing, incoming, who in (("wrong", PASSWORD, "交班人"), (PASSWORD, "", "接班人")):
        with pytest.raises(PermissionDenied, match=f"{who}密码不正确"):
            handover_complete(
                handover=handover,
                version=version,
                outgoing_password=outgoing,
                incoming_password=incoming,
                actor=officer2,
            )
    handover.refresh_from_db()
    assert (handover.state, handover.version) == (HandoverState.OPEN, version)
    assert DutyLogEntry.objects.count() == entries


def test_two_submissions_of_the_same_handover_one_wins_the_other_conflicts_dt9(
    duty_site, officer2, clock_at_handover
):
    handover = _prepare(handover_start(site=duty_site, actor=officer2), officer2)
    other_screen = Handover.objects.get(pk=handover.pk)
    handover_complete(
        handover=handover,
        version=handover.version,
        outgoing_password=PASSWORD,
        incoming_password=PASSWORD,
        actor=officer2,
    )
    with pytest.raises(Conflict):
        handover_complete(
            handover=other_screen,
            version=other_screen.version,
            outgoing_password=PASSWORD,
            incoming_password=PASSWORD,
            actor=officer2,
        )
    assert DutyLogEntry.objects.filter(kind=LogEntryKind.HANDOVER).count() == 1


def test_only_the_rostered_incoming_officer_starts_and_completes_dt9(
    duty_site, officer, officer2, supervisor, clock_at_handover
):
    with pytest.raises(PermissionDenied):
        handover_start(site=duty_site, actor=supervisor)
    handover = _prepare(handover_start(site=duty_site, actor=officer2), officer2)
    with pytest.raises(PermissionDenied):
        handover_complete(
            handover=handover,
            version=handover.version,
            outgoing_password=PASSWORD,
            incoming_password=PASSWORD,
            actor=officer,
        )
    assert handover_start(site=duty_site, actor=officer2).pk == handover.pk


def test_too_early_to_take_over_dt9(duty_site, officer2):
    with time_machine.travel(at(2026, 11, 18, 16, 0), tick=False), pytest.raises(PermissionDenied):
        handover_start(site=duty_site, actor=officer2)
    assert not Handover.objects.exists()


def test_new_log_entry_after_reading_must_be_read_again_dt9(
    duty_site, officer, officer2, clock_at_handover
):
    handover = _prepare(handover_start(site=duty_site, actor=officer2), officer2)
    log_entry_append(site=duty_site, kind=LogEntryKind.NOTE, text="补记：钥匙已归还", actor=officer)
    with pytest.raises(ValidationFailed, match="阅读"):
        handover_complete(
            handover=handover,
            version=handover.version,
            outgoing_password=PASSWORD,
            incoming_password=PASSWORD,
            actor=officer2,
        )
    assert Handover.objects.get(pk=handover.pk).state == HandoverState.OPEN


def test_anomaly_needs_the_outgoing_explanation_dt9(duty_site, officer2, clock_at_handover):
    handover = handover_start(site=duty_site, actor=officer2)
    with pytest.raises(ValidationFailed, match="交班人的解释"):
        handover_add_anomaly(
            handover=handover,
            version=handover.version,
            area="车库",
            description="B2 照明不亮",
            explanation=" ",
            actor=officer2,
        )
    assert not handover.anomalies.exists()


def test_cancelled_handover_can_be_started_again(
    duty_site, officer2, supervisor, clock_at_handover
):
    handover = handover_start(site=duty_site, actor=officer2)
    handover_cancel(handover=handover, version=handover.version, reason="点错了", actor=supervisor)
    assert Handover.objects.get(pk=handover.pk).state == HandoverState.CANCELLED
    again = handover_start(site=duty_site, actor=officer2)
    assert again.pk != handover.pk and again.state == HandoverState.OPEN
