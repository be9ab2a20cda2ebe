"""The sweep: warnings at 80%, breaches recorded once with their RP-4 exception, escalations,
the DS-4 manager notice, overlapping sweeps, policy versions, a query count that grows neither
with open tickets nor with due clocks, and the limit of clocks per run."""

from __future__ import annotations

import datetime as dt
import threading
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from estatedesk.core.models import Event
from estatedesk.notify.models import Notification
from estatedesk.notify.services import notification_send
from estatedesk.sla import hooks
from estatedesk.sla.jobs import MAX_CLOCKS_PER_RUN, SweepResult, sweep, sweep_backlog
from estatedesk.sla.models import Clock, ClockAction, ClockException, SlaPolicy
from estatedesk.sla.services import policy_update
from estatedesk.sla.tests.factories import event, local, make_ticket

pytestmark = pytest.mark.django_db


def _notified(topic: str) -> list[str]:
    return sorted(
        Notification.objects.filter(topic=topic, channel="inapp").values_list(
            "user__username", flat=True
        )
    )


@pytest.fixture
def desk(site: Any, make_staff: Any) -> dict[str, Any]:
    return {
        "dispatcher": make_staff(site, "dispatcher", username="disp"),
        "supervisor": make_staff(site, "cs_supervisor", username="sup"),
        "manager": make_staff(site, "site_manager", username="mgr"),
    }


def test_clock_warns_at_80_percent_of_its_time_ds3(site: Any, desk: Any) -> None:
    at = local(2026, 11, 18, 9, 0)
    ticket = make_ticket(site, at=at)
    event(ticket, "ticket.dispatch", at)
    assert sweep(now=local(2026, 11, 18, 10, 35)) == SweepResult()
    result = sweep(now=local(2026, 11, 18, 10, 36))  # DS-3: 2 h, warned at 1 h 36 min
    assert (result.warned, result.breached) == (1, 0)
    ds3 = Clock.objects.get(ticket=ticket, kind="followup_first")
    assert ds3.warned_at == local(2026, 11, 18, 10, 36)
    assert ds3.breached_at is None
    assert (ds3.next_level, ds3.next_action_at) == (1, local(2026, 11, 18, 11, 0))
    assert _notified("sla.warning") == ["disp"]


def test_breach_recorded_once_with_exception_rp4_ds3(site: Any, desk: Any) -> None:
    at = local(2026, 11, 18, 9, 0)
    ticket = make_ticket(site, at=at)
    event(ticket, "ticket.dispatch", at)
    event(ticket, "followup.recorded", local(2026, 11, 18, 9, 30), which="ds4", arranged=True)
    first = sweep(now=local(2026, 11, 18, 11, 1))
    second = sweep(now=local(2026, 11, 18, 11, 2))
    # The warning was skipped (already breached when first swept).
    assert (first.warned, first.breached, first.exceptions) == (0, 1, 1)
    assert second == SweepResult()
    ds3 = Clock.objects.get(ticket=ticket, kind="followup_first")
    assert ds3.breached_at == local(2026, 11, 18, 11, 0)
    assert ds3.next_action_at is None
    assert list(ClockAction.objects.filter(clock=ds3).values_list("level", flat=True)) == [1]
    exc = ClockException.objects.get(clock=ds3)
    assert (exc.rule, exc.kind, exc.cause, exc.corrective_action) == (
        "DS-3",
        "followup_first",
        "",
        "",
    )
    assert Event.objects.filter(verb="clock.breached", subject_id=ticket.pk).count() == 1
    assert _notified("sla.breach") == ["disp", "sup"]


def test_ds4_breach_with_nothing_arranged_notifies_site_manager_and_records_it_ds4(
    site: Any, desk: Any
) -> None:
    at = local(2026, 11, 18, 16, 0)
    ticket = make_ticket(site, at=at)
    event(ticket, "ticket.dispatch", at)
    event(ticket, "followup.recorded", local(2026, 11, 18, 16, 45), which="ds3", arranged=False)
    result = sweep(now=local(2026, 11, 18, 17, 31))
    assert (result.breached, result.exceptions) == (1, 1)
    ds4 = Clock.objects.get(ticket=ticket, kind="followup_second")
    assert ds4.breached_at == local(2026, 11, 18, 17, 30)
    assert _notified("sla.breach") == ["disp", "mgr"]
    recorded = Event.objects.get(verb="clock.breached", subject_id=ticket.pk)
    assert recorded.data["rule"] == "DS-4"
    assert recorded.data["notified"] == ["dispatcher", "site_manager"]
    assert recorded.data["notified_users"] == [desk["dispatcher"].pk, desk["manager"].pk]
    assert ClockException.objects.get(clock=ds4).rule == "DS-4"


def test_level_claimed_by_another_sweep_is_not_acted_on_again(site: Any, desk: Any) -> None:
    at = local(2026, 11, 18, 10, 0)
    ticket = make_ticket(site, at=at)
    first = Clock.objects.get(ticket=ticket, kind="first_response")
    ClockAction.objects.create(clock=first, level=1, acted_at=at, sweep_token="other")
    result = sweep(now=local(2026, 11, 19, 10, 0))
    assert (result.breached, result.skipped) == (0, 1)
    assert not Notification.objects.filter(topic="sla.breach").exists()
    assert not ClockException.objects.exists()
    assert not Event.objects.filter(verb="clock.breached").exists()


def test_escalates_to_site_manager_after_the_breach_rq6(site: Any, desk: Any) -> None:
    at = local(2026, 11, 18, 10, 0)
    ticket = make_ticket(site, at=at)
    sweep(now=local(2026, 11, 19, 10, 0))
    assert sweep(now=local(2026, 11, 19, 13, 59)) == SweepResult()
    result = sweep(now=local(2026, 11, 19, 14, 0))  # RQ-6 default: site manager 4 h after
    assert result.escalated == 1
    first = Clock.objects.get(ticket=ticket, kind="first_response")
    assert list(first.actions.order_by("level").values_list("level", flat=True)) == [1, 2]
    assert first.next_action_at is None
    assert _notified("sla.escalation") == ["mgr"]


def test_met_clock_is_not_swept_rq6(site: Any, desk: Any) -> None:
    at = local(2026, 11, 18, 10, 0)
    ticket = make_ticket(site, at=at)
    event(ticket, "ticket.note_public", local(2026, 11, 18, 12, 0))
    assert sweep(now=local(2026, 11, 20, 10, 0)) == SweepResult()
    assert not ClockAction.objects.exists()


def test_paused_clock_is_not_swept_until_resumed(site: Any, desk: Any) -> None:
    at = local(2026, 11, 18, 9, 0)
    ticket = make_ticket(site, at=at)
    event(ticket, "ticket.dispatch", at)
    event(ticket, "ticket.wait_resident", local(2026, 11, 18, 9, 30))
    # DS-3 would have breached at 11:00; paused, it is not in the sweep's index.
    assert sweep(now=local(2026, 11, 18, 12, 0)) == SweepResult()
    event(ticket, "ticket.resume", local(2026, 11, 18, 13, 0))
    assert sweep(now=local(2026, 11, 18, 14, 29)).breached == 0
    assert sweep(now=local(2026, 11, 18, 14, 30)).breached == 1
    ds3 = Clock.objects.get(ticket=ticket, kind="followup_first")
    assert ds3.breached_at == local(2026, 11, 18, 14, 30)


def test_policy_change_makes_new_version_old_clocks_keep_theirs(
    site: Any, desk: Any, make_staff: Any
) -> None:
    at = local(2026, 11, 18, 10, 0)
    old = make_ticket(site, at=at)
    pol = SlaPolicy.objects.get(site__isnull=True, clock_kind="first_response")
    policy_update(
        policy=pol,
        changes={"duration": dt.timedelta(hours=12), "escalations": []},
        actor=None,
        note="试行 12 小时",
    )
    pol.refresh_from_db()
    assert pol.version == 2
    assert list(pol.versions.values_list("version", flat=True)) == [2, 1]
    updated = Event.objects.get(verb="sla.policy_updated", subject_id=pol.pk)
    assert updated.after["duration_seconds"] == 12 * 3600
    assert updated.before["duration_seconds"] == 24 * 3600
    new = make_ticket(site, at=at)
    old_clock = Clock.objects.get(ticket=old, kind="first_response")
    new_clock = Clock.objects.get(ticket=new, kind="first_response")
    assert (old_clock.policy_version, old_clock.due_at) == (1, local(2026, 11, 19, 10, 0))
    assert (new_clock.policy_version, new_clock.due_at) == (2, local(2026, 11, 18, 22, 0))
    sweep(now=local(2026, 11, 19, 14, 0))
    # The old clock escalates by version 1 (site manager after 4 h); the new has no steps.
    assert list(old_clock.actions.order_by("level").values_list("level", flat=True)) == [1, 2]
    assert list(new_clock.actions.values_list("level", flat=True)) == [1]


def test_policy_update_without_change_writes_nothing(site: Any) -> None:
    pol = SlaPolicy.objects.get(site__isnull=True, clock_kind="followup_first")
    policy_update(policy=pol, changes={"duration": dt.timedelta(hours=2)}, actor=None)
    pol.refresh_from_db()
    assert pol.version == 1
    assert not Event.objects.filter(verb="sla.policy_updated").exists()


def test_breach_hook_runs_once(site: Any, desk: Any) -> None:
    seen: list[int] = []

    @hooks.register("test.record_breach")
    def _record(item: Clock, now: dt.datetime) -> None:
        seen.append(item.pk)

    pol = SlaPolicy.objects.get(site__isnull=True, clock_kind="followup_first")
    policy_update(policy=pol, changes={"breach_hooks": ["test.record_breach"]}, actor=None)
    at = local(2026, 11, 18, 9, 0)
    ticket = make_ticket(site, at=at)
    event(ticket, "ticket.dispatch", at)
    sweep(now=local(2026, 11, 18, 11, 0))
    sweep(now=local(2026, 11, 18, 11, 1))
    assert seen == [Clock.objects.get(ticket=ticket, kind="followup_first").pk]


def _open_tickets(site: Any, count: int, at: dt.datetime) -> None:
    for _n in range(count):
        make_ticket(site, at=at)


def test_sweep_query_count_does_not_grow_with_open_tickets(site: Any, desk: Any) -> None:
    """10 vs 100 open tickets, the same 3 due: the sweep runs the same number of queries."""
    counts = []
    for extra in (10, 100):
        Clock.objects.all().delete()
        due_at = local(2026, 11, 18, 10, 0)
        _open_tickets(site, 3, due_at)
        _open_tickets(site, extra, local(2026, 11, 19, 9, 0))
        with CaptureQueriesContext(connection) as ctx:
            result = sweep(now=local(2026, 11, 19, 10, 0))
        assert result.breached == 3
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_sweep_queries_per_batch_do_not_grow_with_due_clocks(site: Any, desk: Any) -> None:
    """1 vs 20 clocks breaching at once, each telling two people: the same queries (claims,
    exceptions, audit events and notifications are bulk statements per batch)."""
    counts = []
    for due in (1, 20):
        Clock.objects.all().delete()
        _open_tickets(site, due, local(2026, 11, 18, 10, 0))
        with CaptureQueriesContext(connection) as ctx:
            result = sweep(now=local(2026, 11, 19, 10, 0))
        assert (result.clocks, result.breached, result.notifications) == (due, due, 2 * due)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_a_run_takes_at_most_its_limit_earliest_first_the_next_run_the_rest(
    site: Any, desk: Any
) -> None:
    tickets = [make_ticket(site, at=local(2026, 11, 18, 10, n)) for n in range(5)]
    now = local(2026, 11, 19, 10, 30)
    first = sweep(now=now, limit=3)
    assert (first.clocks, first.breached, first.notifications) == (3, 3, 6)
    breached = Clock.objects.filter(breached_at__isnull=False).order_by("ticket_id")
    assert [c.ticket_id for c in breached] == [t.pk for t in tickets[:3]]
    second = sweep(now=now, limit=3)
    assert (second.clocks, second.breached) == (2, 2)
    assert sweep(now=now, limit=3) == SweepResult()
    assert ClockException.objects.count() == 5


def test_the_default_run_limit_is_500_clocks() -> None:
    assert MAX_CLOCKS_PER_RUN == 500


def test_sweep_backlog_repeats_runs_until_nothing_is_due(site: Any, desk: Any) -> None:
    for n in range(5):
        make_ticket(site, at=local(2026, 11, 18, 10, n))
    result = sweep_backlog(now=local(2026, 11, 19, 10, 30), limit=2)
    assert (result.clocks, result.breached, result.exceptions) == (5, 5, 5)
    assert not Clock.objects.filter(next_action_at__lte=local(2026, 11, 19, 10, 30)).exists()


def test_breach_notifications_are_keyed_per_clock_level_and_recipient(site: Any, desk: Any) -> None:
    """Belt and braces beside the ClockAction claim: a notification already queued under the
    clock's key (a replayed sweep) is not queued twice; the audit event is the system's."""
    ticket = make_ticket(site, at=local(2026, 11, 18, 10, 0))
    first = Clock.objects.get(ticket=ticket, kind="first_response")
    key = f"clock:{first.pk}:level:1"
    notification_send(
        site=site,
        topic="sla.breach",
        title="已超时",
        body="",
        user=desk["dispatcher"],
        dedupe_key=key,
    )
    result = sweep(now=local(2026, 11, 19, 10, 0))
    assert (result.breached, result.notifications) == (1, 1)
    rows = Notification.objects.filter(topic="sla.breach").order_by("user__username")
    assert [(r.user.username, r.dedupe_key) for r in rows] == [("disp", key), ("sup", key)]
    recorded = Event.objects.get(verb="clock.breached", subject_id=ticket.pk)
    assert (recorded.actor, recorded.actor_label, recorded.subject_type) == (
        None,
        "系统",
        "tickets.ticket",
    )
    assert recorded.occurred_at == local(2026, 11, 19, 10, 0)
    queued = Event.objects.get(verb="notification.queued", subject_id=rows[1].pk)
    assert queued.data["dedupe_key"] == key


def test_sla_sweep_command_all_works_off_the_backlog(site: Any, desk: Any) -> None:
    make_ticket(site, at=local(2026, 11, 18, 10, 0))
    out = StringIO()
    call_command("sla_sweep", "--now", "2026-11-19T10:00:00+08:00", "--all", stdout=out)
    assert "clocks 1, warned 0, breached 1" in out.getvalue()


def test_sla_sweep_command_runs_at_given_time(site: Any, desk: Any) -> None:
    ticket = make_ticket(site, at=local(2026, 11, 18, 10, 0))
    out = StringIO()
    call_command("sla_sweep", "--now", "2026-11-19T10:00:00+08:00", stdout=out)
    assert "breached 1" in out.getvalue()
    assert Clock.objects.get(ticket=ticket).breached_at == local(2026, 11, 19, 10, 0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_overlapping_sweeps_notify_once(site: Any, desk: Any) -> None:
    at = local(2026, 11, 18, 10, 0)
    tickets = [make_ticket(site, at=at) for _n in range(20)]
    now = local(2026, 11, 19, 10, 0)
    barrier = threading.Barrier(4)
    results: list[SweepResult] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(sweep(now=now))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.breached for r in results) == 20
    assert ClockAction.objects.filter(level=1).count() == 20
    assert ClockException.objects.count() == 20
    # each breach notified the dispatcher and the supervisor exactly once
    assert Notification.objects.filter(topic="sla.breach", channel="inapp").count() == 40
    assert Event.objects.filter(verb="clock.breached").count() == len(tickets)
