"""Suggestion accuracy over time (RQ-1, RQ-4): per week, how many suggestions staff confirmed
and how many kept the suggested kind and department."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from estatedesk.org.tests.factories import SiteFactory
from estatedesk.triage import selectors
from estatedesk.triage.services import suggest, suggestion_confirm, suggestion_record

pytestmark = pytest.mark.django_db

# Mondays in Shanghai; 23:30 local on Sunday 29 Nov still belongs to the week of the 23rd.
WEEK1 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
SUNDAY_NIGHT = dt.datetime(2026, 11, 29, 15, 30, tzinfo=dt.UTC)
WEEK2 = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


def _suggest(site: Any, actor: Any, text: str, at: dt.datetime) -> Any:
    with time_machine.travel(at, tick=False):
        return suggestion_record(
            site=site, text=text, result=suggest(text=text, site=site), actor=actor
        )


def test_accuracy_by_week_counts_confirmed_and_correct_suggestions_rq1_rq4(
    site: Any, assistant: Any
) -> None:
    leak = _suggest(site, assistant, "厨房水管漏水", WEEK1)
    assert (leak.kind, leak.department) == ("repair", "engineering")
    suggestion_confirm(suggestion=leak, kind="repair", department="engineering", actor=assistant)
    late = _suggest(site, assistant, "卫生间马桶堵了", SUNDAY_NIGHT)
    suggestion_confirm(suggestion=late, kind="repair", department="cleaning", actor=assistant)
    _suggest(site, assistant, "电梯按钮坏了", WEEK1)  # never confirmed
    wrong = _suggest(site, assistant, "门口的灯不亮", WEEK2)
    suggestion_confirm(
        suggestion=wrong, kind="consultation", department="security", actor=assistant
    )
    elsewhere = SiteFactory(code="OTH")
    _suggest(elsewhere, assistant, "厨房水管漏水", WEEK1)

    weeks = selectors.accuracy_by_week([site.pk], dt.date(2026, 11, 17), dt.date(2026, 12, 6))
    assert [
        (w.week, w.suggested, w.confirmed, w.kind_correct, w.department_correct) for w in weeks
    ] == [
        (dt.date(2026, 11, 16), 0, 0, 0, 0),
        (dt.date(2026, 11, 23), 3, 2, 2, 1),
        (dt.date(2026, 11, 30), 1, 1, 0, 0),
    ]
    assert (weeks[0].kind_accuracy, weeks[1].kind_accuracy, weeks[1].department_accuracy) == (
        None,
        1.0,
        0.5,
    )
    assert weeks[2].kind_accuracy == 0.0


def test_accuracy_is_one_query(site: Any, assistant: Any) -> None:
    _suggest(site, assistant, "厨房水管漏水", WEEK1)
    with CaptureQueriesContext(connection) as ctx:
        selectors.accuracy_by_week([site.pk], dt.date(2026, 9, 1), dt.date(2026, 12, 6))
    assert len(ctx.captured_queries) == 1


def test_triage_page_shows_the_weekly_accuracy_table(
    client: Any, site: Any, supervisor: Any, assistant: Any
) -> None:
    with time_machine.travel(WEEK2 + dt.timedelta(days=2), tick=False):
        row = _suggest(site, assistant, "厨房水管漏水", WEEK2)
        suggestion_confirm(suggestion=row, kind="repair", department="engineering", actor=assistant)
        client.force_login(supervisor)
        body = client.get("/triage/").content.decode()
    assert 'id="accuracy-table"' in body
    assert "<td>2026-11-30</td><td>1</td><td>1</td>" in body
    assert "1.000（1/1）" in body
