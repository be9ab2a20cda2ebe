"""EM-2 under concurrency: sweeps overlapping on PostgreSQL page each level once, and an
acknowledgement racing a sweep never lets the next level be paged after it."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection, connections

from estatedesk.core.models import Event
from estatedesk.emergencies.enums import AckVia, ChainState, PageOutcome
from estatedesk.emergencies.models import EscalationChain, EscalationLevel, Page
from estatedesk.emergencies.services import page_acknowledge, page_escalate_due
from estatedesk.emergencies.tests.conftest import START, open_emergency
from estatedesk.notify.models import Notification
from estatedesk.org.enums import Role

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def _site_chain(site: Any) -> None:
    """The site's own chain: a transactional test cannot count on migration data surviving
    another transactional test's flush."""
    chain = EscalationChain.objects.create(site=site, name="测试呼叫链")
    for position, role in enumerate((Role.SITE_MANAGER, Role.DEPUTY_GM, Role.GM), start=1):
        EscalationLevel.objects.create(chain=chain, position=position, role=role)


def _together(*jobs: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = []

    def run(job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results.append(job())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_overlapping_sweeps_page_each_level_once_em2(site, staff):
    _site_chain(site)
    with time_machine.travel(START, tick=False):
        cases = [open_emergency(site, staff["dispatcher"]) for _n in range(5)]
    for minutes in (5, 10):
        now = START + dt.timedelta(minutes=minutes)
        results = _together(*(lambda now=now: page_escalate_due(now=now) for _n in range(2)))
        assert sum(results) == len(cases)
    for case in cases:
        assert [(p.level, p.outcome) for p in Page.objects.filter(case=case)] == [
            (1, PageOutcome.ESCALATED),
            (2, PageOutcome.ESCALATED),
            (3, PageOutcome.WAITING),
        ]
    for name in ("manager", "deputy", "gm"):
        pages = Notification.objects.filter(
            user=staff[name], topic="emergency.page", channel="inapp"
        )
        assert pages.count() == len(cases)
    assert Event.objects.filter(verb="emergency.escalated").count() == 2 * len(cases)
    assert Event.objects.filter(verb="emergency.paged").count() == 3 * len(cases)


def test_acknowledgement_racing_the_sweep_never_pages_past_it_em2(site, staff):
    _site_chain(site)
    with time_machine.travel(START, tick=False):
        case = open_emergency(site, staff["dispatcher"])
    page = case.pages.get()
    now = START + dt.timedelta(minutes=5)
    _together(
        lambda: page_escalate_due(now=now),
        lambda: page_acknowledge(page=page, actor=staff["manager"], via=AckVia.PAGE),
    )
    case.refresh_from_db()
    assert case.chain_state == ChainState.ACKNOWLEDGED
    levels = list(Page.objects.filter(case=case).values_list("level", "outcome"))
    # Either the acknowledgement came first (no level 2) or the sweep did and the
    # acknowledgement then stopped the level-2 page it had sent.
    assert levels in (
        [(1, PageOutcome.ACKNOWLEDGED)],
        [(1, PageOutcome.ACKNOWLEDGED), (2, PageOutcome.STOPPED)],
    )
    assert page_escalate_due(now=START + dt.timedelta(minutes=30)) == 0
    assert Page.objects.filter(case=case).count() == len(levels)
