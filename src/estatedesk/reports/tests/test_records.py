"""RT-1 / RQ-13: the yearly archive of the request register (frozen xlsx + printable copy with
their SHA-256, the year's tickets marked archived), its download, and legal holds."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from estatedesk.core.errors import NotFound, ValidationFailed
from estatedesk.core.models import Event
from estatedesk.org.enums import Role
from estatedesk.reports import jobs, services
from estatedesk.reports.models import RegisterArchive
from estatedesk.reports.tests.conftest import at
from estatedesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_2025(desk: Any, units: list[Any]) -> dict[str, Any]:
    done = desk.ticket(at(2025, 3, 2, 9, 0), unit=units[0], description="=cmd|' /C calc'!A0")
    desk.dispatch(done, at(2025, 3, 2, 9, 30))
    desk.complete(done, at(2025, 3, 2, 12, 0))
    desk.act(done, "close", "dispatcher", at(2025, 3, 2, 13, 0), slip_confirmed=True)
    still_open = desk.ticket(at(2025, 12, 31, 22, 0), unit=units[1])
    next_year = desk.ticket(at(2026, 1, 1, 0, 30), unit=units[2])
    return {"done": done, "open": still_open, "next_year": next_year}


def _sha(relative: str) -> str:
    return hashlib.sha256((Path(settings.MEDIA_ROOT) / relative).read_bytes()).hexdigest()


def test_the_job_archives_last_years_register_at_the_start_of_the_year_rt1(site, year_2025):
    with time_machine.travel(at(2026, 1, 1, 1, 0), tick=False):
        assert jobs.archive_registers(now=at(2026, 1, 1, 1, 0)) == 1
        assert jobs.archive_registers(now=at(2026, 1, 1, 2, 0)) == 0
    archive = RegisterArchive.objects.get(site=site, year=2025)
    assert (archive.ticket_count, archive.open_count) == (2, 1)
    assert archive.xlsx_sha256 == _sha(archive.xlsx_path)
    assert archive.html_sha256 == _sha(archive.html_path)
    book = load_workbook(Path(settings.MEDIA_ROOT) / archive.xlsx_path)
    rows = list(book.active.iter_rows(values_only=True))
    assert [row[0] for row in rows[3:]] == [year_2025["done"].number, year_2025["open"].number]
    assert rows[3][4] == "'=cmd|' /C calc'!A0"  # a formula typed by someone stays text
    html = (Path(settings.MEDIA_ROOT) / archive.html_path).read_text(encoding="utf-8")
    assert year_2025["open"].number in html and "<script" not in html
    assert "=cmd|&#x27; /C calc&#x27;!A0" in html
    marked = dict(Ticket.objects.values_list("pk", "archived_at"))
    assert marked[year_2025["done"].pk] == at(2026, 1, 1, 1, 0)
    assert marked[year_2025["open"].pk] is None  # still open: marked when it finishes
    assert marked[year_2025["next_year"].pk] is None
    assert Event.objects.filter(verb="reports.register_archived").count() == 1


def test_a_ticket_finished_after_the_archive_is_marked_archived_then_rt1(site, desk, year_2025):
    with time_machine.travel(at(2026, 1, 2, 9, 0), tick=False):
        services.register_archive_create(site=site, year=2025)
    desk.dispatch(year_2025["open"], at(2026, 1, 3, 9, 0))
    desk.complete(year_2025["open"], at(2026, 1, 3, 10, 0))
    desk.act(year_2025["open"], "close", "dispatcher", at(2026, 1, 3, 11, 0), slip_confirmed=True)
    with time_machine.travel(at(2026, 1, 3, 12, 0), tick=False):
        jobs.archive_registers(now=at(2026, 1, 3, 12, 0))
    year_2025["open"].refresh_from_db()
    assert year_2025["open"].archived_at == at(2026, 1, 3, 12, 0)


def test_the_current_year_and_a_second_archive_are_refused_rt1(site, people, year_2025):
    with time_machine.travel(at(2026, 1, 2, 9, 0), tick=False):
        with pytest.raises(ValidationFailed):
            services.register_archive_create(site=site, year=2026, actor=people["manager"])
        services.register_archive_create(site=site, year=2025, actor=people["manager"])
        with pytest.raises(ValidationFailed):
            services.register_archive_create(site=site, year=2025, actor=people["manager"])
        with pytest.raises(NotFound):
            services.register_archive_create(site=site, year=2024, actor=people["quality"])
    assert RegisterArchive.objects.count() == 1


def test_archive_download_for_roles_that_may_see_contacts_only_rt1_ar3(
    client, site, people, year_2025
):
    with time_machine.travel(at(2026, 1, 2, 9, 0), tick=False):
        archive = services.register_archive_create(site=site, year=2025)
    client.force_login(people["manager"])
    xlsx = client.get(f"/reports/records/archives/{archive.pk}/xlsx/")
    assert xlsx.status_code == 200
    assert hashlib.sha256(b"".join(xlsx.streaming_content)).hexdigest() == archive.xlsx_sha256
    html = client.get(f"/reports/records/archives/{archive.pk}/html/")
    assert html["Content-Security-Policy"].startswith("default-src 'none'")
    client.force_login(people["quality"])
    assert client.get(f"/reports/records/archives/{archive.pk}/xlsx/").status_code == 403


def test_archive_of_another_site_is_404(client, site, other_site, make_staff, year_2025):
    with time_machine.travel(at(2026, 1, 2, 9, 0), tick=False):
        archive = services.register_archive_create(site=site, year=2025)
    client.force_login(make_staff(other_site, Role.SITE_MANAGER))
    assert client.get(f"/reports/records/archives/{archive.pk}/xlsx/").status_code == 404


def test_manager_archives_a_missed_year_from_the_records_page_rt1(client, site, people, year_2025):
    client.force_login(people["manager"])
    with time_machine.travel(at(2026, 2, 1, 9, 0), tick=False):
        response = client.post("/reports/records/archive/", {"site": site.pk, "year": 2025})
    assert response.status_code == 302
    assert RegisterArchive.objects.filter(site=site, year=2025).exists()
    page = client.get("/reports/records/", {"site": site.pk})
    assert "2025" in page.content.decode()


def test_legal_hold_is_set_with_a_reason_and_recorded_on_the_ticket(client, site, people, desk):
    ticket = desk.ticket(at(2026, 3, 2, 9, 0))
    client.force_login(people["manager"])
    response = client.post(
        "/reports/records/hold/",
        {"site": site.pk, "number": ticket.number.lower(), "hold": "1", "reason": "法院调取"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.legal_hold is True
    event = Event.objects.get(verb="ticket.legal_hold", subject_id=ticket.pk)
    assert event.data == {"reason": "法院调取"}
    client.post(
        "/reports/records/hold/",
        {"site": site.pk, "number": ticket.number, "hold": "1", "reason": "再次"},
    )
    assert Event.objects.filter(verb="ticket.legal_hold").count() == 1


def test_legal_hold_needs_a_reason_and_the_right_role(site, people, desk):
    ticket = desk.ticket(at(2026, 3, 2, 9, 0))
    with pytest.raises(ValidationFailed):
        services.legal_hold_set(ticket=ticket, hold=True, reason=" ", actor=people["manager"])
    with pytest.raises(NotFound):
        services.legal_hold_set(ticket=ticket, hold=True, reason="x", actor=people["supervisor"])
    ticket.refresh_from_db()
    assert ticket.legal_hold is False


def test_records_page_costs_the_same_queries_at_1_and_20_runs(client, site, people):
    from estatedesk.reports.enums import RecordClass
    from estatedesk.reports.models import RetentionRun

    def runs(n: int) -> None:
        for i in range(n):
            RetentionRun.objects.create(
                ran_at=at(2026, 1, 1, 1, i % 60),
                site=site,
                record_class=RecordClass.DUTY_LOG,
                policy="RT-2",
                cutoff=at(2026, 1, 1).date(),
                removed=1,
                actor_label="系统",
            )

    client.force_login(people["manager"])

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/reports/records/").status_code == 200
        return len(captured)

    runs(1)
    one = count()
    runs(19)
    assert count() == one
