"""Policy rules without the database: the due time an event gives and what a policy with the
``event_time`` rule or cancel events must say to be accepted."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from estatedesk.core.errors import ValidationFailed
from estatedesk.sla import policy as policy_rules
from estatedesk.sla.enums import DeadlineRule
from estatedesk.sla.models import SlaPolicy
from estatedesk.sla.tests.factories import local


def _policy(**fields: Any) -> SlaPolicy:
    values: dict[str, Any] = {
        "clock_kind": "promise",
        "rule": "CP-7",
        "name": "约定时间前办结",
        "start_events": ["promise.made"],
        "meet_events": ["promise.kept"],
        "deadline_rule": DeadlineRule.EVENT_TIME,
        "due_at_key": "due_at",
        "duration": dt.timedelta(hours=24),
    }
    values.update(fields)
    return SlaPolicy(**values)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-19T16:41:00+08:00", local(2026, 11, 19, 16, 41)),
        ("2026-11-19T08:41:00Z", local(2026, 11, 19, 16, 41)),
        ("2026-11-19T16:41:00", local(2026, 11, 19, 16, 41)),  # no offset: local time
        (local(2026, 11, 19, 16, 41), local(2026, 11, 19, 16, 41)),
        ("", None),
        ("下周一", None),
        (None, None),
        (17, None),
    ],
)
def test_event_due_at_reads_iso_times_and_datetimes(value: Any, expected: Any) -> None:
    assert policy_rules.event_due_at({"due_at": value}, "due_at") == expected


def test_event_due_at_without_a_key_is_none() -> None:
    assert policy_rules.event_due_at({"due_at": "2026-11-19T16:41:00+08:00"}, "") is None


def test_event_time_policy_is_valid_with_key_and_fallback() -> None:
    policy_rules.validate(_policy(cancel_events=["promise.replaced"]))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"due_at_key": ""},
            "请填写事件中给出截止时间的字段（小写字母、数字和下划线，如 due_at）。",
        ),
        (
            {"due_at_key": "Due-At"},
            "请填写事件中给出截止时间的字段（小写字母、数字和下划线，如 due_at）。",
        ),
        ({"duration": None}, "请填写事件未给出截止时间时的默认时长。"),
        ({"cancel_events": "promise.replaced"}, "取消事件须为事件列表。"),
        (
            {"cancel_events": ["Promise replaced"]},
            "取消事件格式应为 动作 或 动作:键=值：Promise replaced",
        ),
        ({"cancel_events": ["promise.kept"]}, "同一事件不能既算达成又算取消：promise.kept"),
    ],
)
def test_policy_refused_when_event_time_or_cancel_events_are_wrong(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        policy_rules.validate(_policy(**fields))
    assert refused.value.detail == message


def test_snapshot_keeps_cancel_events_and_due_at_key() -> None:
    snap = policy_rules.snapshot(_policy(cancel_events=["promise.replaced"]))
    assert (snap["cancel_events"], snap["deadline_rule"], snap["due_at_key"]) == (
        ["promise.replaced"],
        "event_time",
        "due_at",
    )
