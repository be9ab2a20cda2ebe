"""A job killed mid-run is finished by the next run, and nothing is done twice.

The jobs run as real processes (``estatedesk sla-sweep``, ``notify.jobs.deliver`` through
``estatedesk shell``) on the test database and are SIGKILLed partway. Referenced, not repeated
here (docs/reliability.md): notify/tests/test_jobs.py (SMTP down then up with backoff, a crashed
run's row taken again after the lease, two overlapping runs) and sla/tests/test_sweep.py
(a second sweep is a no-op, overlapping sweeps)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.db import connection

from estatedesk.core.models import Event
from estatedesk.notify.enums import State
from estatedesk.notify.models import Notification
from estatedesk.notify.services import notification_send
from estatedesk.org.enums import DepartmentKind, Role
from estatedesk.sla.enums import LEVEL_BREACH
from estatedesk.sla.models import Clock, ClockAction
from estatedesk.tickets import services
from estatedesk.tickets.enums import Channel, TicketKind

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="a job process shares the database with the test: PostgreSQL only",
    ),
]

ESTATEDESK = str(Path(sys.executable).with_name("estatedesk"))
T0 = dt.datetime(2026, 11, 16, 10, 0, tzinfo=dt.UTC)


def _env(harness: Any, tmp_path: Path, app_name: str, **extra: str) -> dict[str, str]:
    url = harness.database_url(connection.settings_dict) + f"?application_name={app_name}"
    env = dict(os.environ, DATABASE_URL=url, ESTATEDESK_VAR_DIR=str(tmp_path), LOG_LEVEL="ERROR")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(extra)
    return env


def _waiting_on_a_lock(app_name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
            "AND xact_start IS NOT NULL AND wait_event_type = 'Lock'",
            [app_name],
        )
        return bool(cursor.fetchone()[0])


def _kill_when(proc: subprocess.Popen[bytes], ready: Any, timeout: float = 90) -> bool:
    """SIGKILL ``proc`` once ``ready()``; False if it ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if ready():
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            return True
        time.sleep(0.02)
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=30)
    return False


def test_sla_sweep_killed_mid_batch_is_finished_by_the_next_exactly_once(
    harness: Any, site: Any, make_staff: Any, tmp_path: Path
) -> None:
    desk = make_staff(site, Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE)
    make_staff(site, Role.CS_SUPERVISOR, DepartmentKind.CUSTOMER_SERVICE)
    make_staff(site, Role.SITE_MANAGER, DepartmentKind.MANAGEMENT)
    with time_machine.travel(T0, tick=False):
        for n in range(60):
            services.ticket_create(
                site=site,
                actor=desk,
                kind=TicketKind.REPAIR,
                channel=Channel.HOTLINE,
                description=f"漏水 {n}",
                reporter_name="张先生",
                reporter_phone="13912345678",
            )
    clocks = Clock.objects.filter(site=site).count()
    assert clocks >= 60
    env = _env(harness, tmp_path, "chaos-sweep")
    argv = [ESTATEDESK, "sla-sweep", "--now", (T0 + dt.timedelta(days=3)).isoformat()]

    # Another session holds the RP-4 exceptions table, so the sweep's batch waits inside its
    # transaction at that insert, however fast the machine: the kill lands mid-batch.
    with psycopg.connect(harness.database_url(connection.settings_dict)) as blocker:
        blocker.execute("LOCK TABLE sla_clockexception IN EXCLUSIVE MODE")
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        killed = _kill_when(proc, lambda: _waiting_on_a_lock("chaos-sweep"))
        blocker.rollback()
    assert killed, "the sweep ended unkilled"
    # The batch is one transaction: nothing of the killed run is left half-applied.
    assert ClockAction.objects.count() == 0
    assert Event.objects.filter(verb__startswith="clock.").count() == 0
    assert Notification.objects.filter(topic__startswith="sla").count() == 0

    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    breached = ClockAction.objects.filter(level=LEVEL_BREACH).count()
    assert breached == clocks
    assert Event.objects.filter(verb="clock.breached").count() == clocks
    per_level = Counter(ClockAction.objects.values_list("clock_id", "level"))
    assert max(per_level.values()) == 1
    actions, events, notes = (
        ClockAction.objects.count(),
        Event.objects.filter(verb__startswith="clock.").count(),
        Notification.objects.count(),
    )
    assert notes > 0
    again = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 0
    assert (
        ClockAction.objects.count(),
        Event.objects.filter(verb__startswith="clock.").count(),
        Notification.objects.count(),
    ) == (actions, events, notes)


class SlowInbox:
    """A local SMTP server that takes 0.2 s per message, so a kill lands mid-run."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.2)
        with self.lock:
            self.received.extend(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


def test_notify_deliver_killed_mid_run_sends_every_row_and_repeats_at_most_the_one_in_flight(
    harness: Any, site: Any, tmp_path: Path
) -> None:
    rows = []
    for n in range(30):
        rows += notification_send(
            site=site, topic="test", title=f"通知 {n}", body="", email=f"r{n}@example.test"
        )
    inbox = SlowInbox()
    port = harness.free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    env = _env(
        harness,
        tmp_path,
        "chaos-deliver",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
        NOTIFY_EMAIL_TRANSPORT="smtp",
    )
    run = (
        "import datetime as dt; from estatedesk.core import clock; "
        "from estatedesk.notify.jobs import deliver; "
        "print(deliver(now=clock.now() + dt.timedelta(minutes={minutes}), batch=100))"
    )
    try:
        proc = subprocess.Popen(
            [ESTATEDESK, "shell", "-c", run.format(minutes=0)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert _kill_when(proc, lambda: len(inbox.received) >= 8), "deliver ended unkilled"
        recorded_before_kill = set(
            Notification.objects.filter(state=State.SENT).values_list("email", flat=True)
        )
        claimed = Notification.objects.filter(state=State.SENDING).count()
        assert recorded_before_kill and claimed  # killed partway: some done, some claimed
        # The claimed rows wait for their lease (10 min); the next run after it takes them.
        done = subprocess.run(
            [ESTATEDESK, "shell", "-c", run.format(minutes=11)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
    finally:
        controller.stop()
    assert set(Notification.objects.values_list("state", flat=True)) == {State.SENT}
    counts = Counter(inbox.received)
    assert set(counts) == {row.email for row in rows}
    # A row recorded as sent is never sent again; only a message the killed run had handed
    # to the SMTP server but not yet recorded can arrive twice (at-least-once delivery).
    assert all(counts[email] == 1 for email in recorded_before_kill)
    assert sum(counts.values()) - len(rows) <= 1
