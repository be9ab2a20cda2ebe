"""DS-9 timeliness and the SLA API."""

from __future__ import annotations

from typing import Any

import pytest

from estatedesk.org.tests.factories import DepartmentFactory
from estatedesk.sla.jobs import sweep
from estatedesk.sla.selectors import timeliness
from estatedesk.sla.tests.factories import event, local, make_ticket

pytestmark = pytest.mark.django_db


def _week(site: Any) -> dict[str, Any]:
    engineering = DepartmentFactory(site=site, kind="engineering")
    cleaning = DepartmentFactory(site=site, kind="cleaning")
    on_time = make_ticket(site, at=local(2026, 11, 16, 9, 0), department=engineering)
    event(on_time, "ticket.note_public", local(2026, 11, 16, 10, 0))
    late = make_ticket(site, at=local(2026, 11, 16, 9, 0), department=engineering)
    missed = make_ticket(site, at=local(2026, 11, 17, 9, 0), department=cleaning)
    sweep(now=local(2026, 11, 18, 12, 0))
    event(late, "ticket.note_public", local(2026, 11, 18, 12, 0))  # met after its breach
    cancelled = make_ticket(site, at=local(2026, 11, 17, 9, 0), department=cleaning)
    event(cancelled, "ticket.cancel", local(2026, 11, 17, 10, 0))
    make_ticket(site, at=local(2026, 11, 18, 11, 0), department=cleaning)  # still running
    return {"missed": missed}


def test_timeliness_by_kind_counts_met_and_missed_ds9(site: Any, other_site: Any) -> None:
    _week(site)
    make_ticket(other_site, at=local(2026, 11, 16, 9, 0))
    rows = timeliness([site.pk], local(2026, 11, 16, 0, 0), local(2026, 11, 23, 0, 0))
    assert rows == [
        {"kind": "first_response", "met": 1, "missed": 2, "pending": 1, "total": 3, "rate": 0.3333}
    ]


def test_timeliness_by_department_and_day_ds9(site: Any) -> None:
    _week(site)
    rows = timeliness(
        [site.pk], local(2026, 11, 16, 0, 0), local(2026, 11, 23, 0, 0), ("department", "day")
    )
    assert [
        (r["department"], r["day"].date().isoformat(), r["met"], r["missed"]) for r in rows
    ] == [
        ("工程维修部", "2026-11-17", 1, 1),
        ("保洁部", "2026-11-18", 0, 1),
        ("保洁部", "2026-11-19", 0, 0),
    ]


def test_timeliness_leaves_out_cancelled_clocks_but_not_breaches_before_it_ds9(
    site: Any,
) -> None:
    """A clock cancelled in time (the ticket withdrawn, or replaced by a policy's cancel
    event) was neither kept nor missed; one cancelled after it breached stays missed: the
    breach happened and has its RP-4 record."""
    withdrawn = make_ticket(site, at=local(2026, 11, 16, 9, 0))
    event(withdrawn, "ticket.cancel", local(2026, 11, 16, 10, 0))
    late = make_ticket(site, at=local(2026, 11, 16, 9, 0))
    sweep(now=local(2026, 11, 17, 9, 0))
    event(late, "ticket.cancel", local(2026, 11, 17, 10, 0))
    rows = timeliness([site.pk], local(2026, 11, 16, 0, 0), local(2026, 11, 23, 0, 0))
    assert rows == [
        {"kind": "first_response", "met": 0, "missed": 1, "pending": 0, "total": 1, "rate": 0.0}
    ]


def test_clocks_api_lists_a_tickets_clocks(client: Any, site: Any, make_staff: Any) -> None:
    ticket = make_ticket(site, at=local(2026, 11, 18, 9, 0))
    event(ticket, "ticket.dispatch", local(2026, 11, 18, 9, 0))
    client.force_login(make_staff(site, "cs_assistant"))
    body = client.get(f"/api/v1/sla/tickets/{ticket.pk}/clocks").json()
    assert [(c["rule"], c["status"]) for c in body] == [
        ("DS-3", "running"),
        ("DS-4", "running"),
        ("RQ-6", "met"),
    ]


def test_clocks_api_other_site_is_404(
    client: Any, site: Any, other_site: Any, make_staff: Any
) -> None:
    ticket = make_ticket(other_site, at=local(2026, 11, 18, 9, 0))
    client.force_login(make_staff(site, "dispatcher"))
    assert client.get(f"/api/v1/sla/tickets/{ticket.pk}/clocks").status_code == 404


def test_timeliness_api_groups_by_rule_ds9(client: Any, site: Any, make_staff: Any) -> None:
    _week(site)
    client.force_login(make_staff(site, "site_manager"))
    body = client.get(
        "/api/v1/sla/timeliness",
        {
            "start": "2026-11-16T00:00:00+08:00",
            "end": "2026-11-23T00:00:00+08:00",
            "group_by": "rule",
        },
    ).json()
    assert [(r["rule"], r["met"], r["missed"]) for r in body] == [("RQ-6", 1, 2)]


def test_policies_api_lists_defaults(client: Any, site: Any, make_staff: Any) -> None:
    client.force_login(make_staff(site, "dispatcher"))
    body = client.get("/api/v1/sla/policies", {"site": site.pk}).json()
    # other apps (complaints: CP-*) add their own defaults beside these
    assert sorted(p["rule"] for p in body if p["rule"][:2] in {"RQ", "DS", "CV"}) == [
        "CV-2",
        "DS-3",
        "DS-4",
        "RQ-5",
        "RQ-6",
        "RQ-6",
        "RQ-8",
        "RQ-8",
    ]
