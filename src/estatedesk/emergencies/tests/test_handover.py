"""EM-4 "the dispatcher stays": an unsettled emergency the outgoing officer holds blocks their
handover (through the duty app's handover hook) until it is settled or taken over."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from estatedesk.core.calendar import DutyShift
from estatedesk.duty.enums import HandoverState
from estatedesk.duty.models import DutyLogEntry, Handover
from estatedesk.duty.services import (
    HandoverRefused,
    handover_acknowledge_log,
    handover_complete,
    handover_record_counts,
    handover_start,
    handover_take_over,
)
from estatedesk.duty.tests.factories import at, post_items, roster_with
from estatedesk.emergencies.handover import open_items, shift_activity
from estatedesk.emergencies.services import (
    emergency_settle,
    emergency_sign_off,
    emergency_take_over,
)
from estatedesk.emergencies.tests.conftest import open_emergency

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests-1"
TUE, WED = dt.date(2026, 11, 17), dt.date(2026, 11, 18)
NIGHT = at(2026, 11, 17, 21, 0)
BEFORE_SHIFT = at(2026, 11, 18, 17, 25)


@pytest.fixture
def duty_site(site, staff):
    """``dispatcher`` had Tuesday night, ``officer2`` takes Wednesday night."""
    roster_with(site, {TUE: staff["dispatcher"], WED: staff["officer2"]})
    post_items(site)
    return site


def _night_emergency(site, officer):
    with time_machine.travel(NIGHT, tick=False):
        return open_emergency(site, officer)


def _ready(handover, incoming):
    handover_record_counts(
        handover=handover,
        version=handover.version,
        counts={c.pk: (c.expected, "") for c in handover.counts.all()},
        actor=incoming,
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


def _complete(handover, incoming):
    return handover_complete(
        handover=handover,
        version=handover.version,
        outgoing_password=PASSWORD,
        incoming_password=PASSWORD,
        actor=incoming,
    )


def test_handover_refused_while_the_outgoing_officers_emergency_is_unsettled_em4(duty_site, staff):
    case = _night_emergency(duty_site, staff["dispatcher"])
    with time_machine.travel(BEFORE_SHIFT, tick=False):
        handover = _ready(
            handover_start(site=duty_site, actor=staff["officer2"]), staff["officer2"]
        )
        version = handover.version
        with pytest.raises(HandoverRefused) as refused:
            _complete(handover, staff["officer2"])
    title = f"紧急事件 {case.ticket.number} 火警/火灾 尚未平息（负责人 {staff['dispatcher'].get_full_name()}）"
    assert refused.value.extra["blocking"] == [title]
    handover.refresh_from_db()
    assert (handover.state, handover.version, handover.completed_at) == (
        HandoverState.OPEN,
        version,
        None,
    )


def test_taking_the_emergency_over_lets_the_handover_through_em4(duty_site, staff):
    case = _night_emergency(duty_site, staff["dispatcher"])
    with time_machine.travel(BEFORE_SHIFT, tick=False):
        handover = handover_start(site=duty_site, actor=staff["officer2"])
        line = handover.lines.get(source="emergencies")
        assert (line.ref, line.important, line.blocking) == (f"emergency:{case.pk}", True, True)
        emergency_take_over(case=case, actor=staff["officer2"])
        _ready(Handover.objects.get(pk=handover.pk), staff["officer2"])
        done = _complete(Handover.objects.get(pk=handover.pk), staff["officer2"])
    assert done.state == HandoverState.COMPLETED
    line = done.lines.get(source="emergencies")
    assert (line.blocking, line.important, line.carried_to) == (False, True, staff["officer2"])


def test_settled_emergency_no_longer_blocks_and_is_handed_over_for_sign_off_em4_em5(
    duty_site, staff
):
    case = _night_emergency(duty_site, staff["dispatcher"])
    with time_machine.travel(at(2026, 11, 17, 23, 0), tick=False):
        emergency_settle(case=case, actor=staff["dispatcher"], note="误报，已复位")
    shift = DutyShift(at(2026, 11, 18, 17, 30), at(2026, 11, 19, 8, 30))
    [item] = open_items(site=duty_site, shift=shift)
    assert (item.blocking, item.important, item.title) == (
        False,
        False,
        f"紧急事件 {case.ticket.number} 火警/火灾 已平息，待经理签字结案",
    )
    with time_machine.travel(BEFORE_SHIFT, tick=False):
        handover = _ready(
            handover_start(site=duty_site, actor=staff["officer2"]), staff["officer2"]
        )
        assert _complete(handover, staff["officer2"]).state == HandoverState.COMPLETED
        case.refresh_from_db()
        emergency_sign_off(case=case, actor=staff["manager"])
    assert open_items(site=duty_site, shift=shift) == []


def test_emergency_held_by_someone_else_is_important_but_not_blocking_em4(duty_site, staff):
    case = _night_emergency(duty_site, staff["dispatcher"])
    with time_machine.travel(at(2026, 11, 18, 9, 0), tick=False):
        emergency_take_over(case=case, actor=staff["supervisor"])
    with time_machine.travel(BEFORE_SHIFT, tick=False):
        handover = handover_start(site=duty_site, actor=staff["officer2"])
    line = handover.lines.get(source="emergencies")
    assert (line.important, line.blocking) == (True, False)


def test_shift_activity_lists_emergencies_opened_and_settled_in_the_shift_em4(duty_site, staff):
    case = _night_emergency(duty_site, staff["dispatcher"])
    with time_machine.travel(at(2026, 11, 17, 22, 0), tick=False):
        emergency_settle(case=case, actor=staff["dispatcher"], note="已处理")
    found = shift_activity(
        site=duty_site, start=at(2026, 11, 17, 17, 30), end=at(2026, 11, 18, 8, 30)
    )
    assert [(a.title, a.at) for a in found] == [
        (f"启动紧急事件 {case.ticket.number} 火警/火灾", NIGHT),
        (f"紧急事件平息 {case.ticket.number} 火警/火灾", at(2026, 11, 17, 22, 0)),
    ]
