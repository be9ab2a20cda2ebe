"""Crash safety under load: gunicorn's processes are SIGKILLed mid-load and restarted while API
clients create tickets with retries and an ``Idempotency-Key``; afterwards every ticket a
client was told about exists exactly once and ``estatedesk check-integrity`` finds nothing.

The long version is ``scripts/chaos/crash_load.py`` (``make chaos``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from estatedesk.org.enums import DepartmentKind, Role
from estatedesk.org.services import api_token_create
from estatedesk.tickets.models import Ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="a real server shares the database with the test: PostgreSQL only",
    ),
]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reliability"
TICKETS = 200
CLIENTS = 6
KILLS = 2


def test_sigkill_mid_load_loses_and_duplicates_no_ticket(
    harness: Any, site: Any, make_staff: Any, tmp_path: Path
) -> None:
    desk = make_staff(site, Role.CS_ASSISTANT, DepartmentKind.CUSTOMER_SERVICE)
    _token, raw = api_token_create(user=desk, name="chaos", actor=desk)
    env = harness.production_env(
        database_url=harness.database_url(connection.settings_dict), var_dir=tmp_path
    )
    server = harness.Server(env=env, port=harness.free_port(), log_path=tmp_path / "server.log")
    server.start()
    try:
        stats = harness.run_load(
            server=server,
            token=raw,
            site_id=site.pk,
            tickets=TICKETS,
            clients=CLIENTS,
            kills=KILLS,
            max_seconds=90,
        )
    finally:
        server.stop()
    summary = stats.as_dict()
    result = harness.verify_tickets(site_id=site.pk, stats=stats)
    report = harness.check_integrity(env)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "crash_load.json").write_text(
        json.dumps({"load": summary, "tickets": result, "integrity": report}, indent=2)
    )
    assert [k["kind"] for k in stats.kills] == ["all", "workers"], summary
    assert all(k["processes"] >= 1 for k in stats.kills), summary
    assert (summary["acked"], summary["refused"], summary["given_up"]) == (TICKETS, 0, 0), summary
    assert summary["statuses"] == {"201": TICKETS}, summary
    assert result == {
        "tickets_in_db": TICKETS,
        "acked": TICKETS,
        "lost": 0,
        "lost_samples": [],
        "duplicated": 0,
        "duplicated_samples": [],
        "created_but_not_acked": 0,
    }
    assert Ticket.objects.filter(site=site).count() == TICKETS
    assert report["exit_code"] == 0, report
    checked = {c["name"]: c["checked"] for c in report["checks"]}
    assert checked["ticket_created_event"] == TICKETS
    assert checked["ticket_clocks"] == TICKETS
