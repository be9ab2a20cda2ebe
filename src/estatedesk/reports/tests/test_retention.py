"""Retention (RT-1..RT-4): what goes when, what stays (legal hold, complaints, open cases), that
every removal is recorded, and that the duty log still verifies after old entries go."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from estatedesk.complaints.enums import Scope, Severity, Validity
from estatedesk.complaints.services import ComplaintDetail, complaint_create
from estatedesk.core import clock
from estatedesk.core.models import Event
from estatedesk.duty.chain import verify_site
from estatedesk.duty.enums import LogEntryKind
from estatedesk.duty.models import DutyLogAnchor, DutyLogEntry
from estatedesk.duty.services import log_entry_append
from estatedesk.reports import services
from estatedesk.reports.enums import RecordClass
from estatedesk.reports.models import RegisterArchive, RetentionRun, TicketFact
from estatedesk.reports.tests.conftest import at
from estatedesk.tickets.models import Attachment, ServiceSlip, Ticket
from estatedesk.violations import services as violation_services
from estatedesk.violations.enums import Grade
from estatedesk.violations.models import ViolationCase
from estatedesk.violations.tests.factories import make_case

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _run(when: Any) -> list[RetentionRun]:
    with time_machine.travel(when, tick=False):
        return services.retention_run(now=clock.now())


def _case(site: Any, actor: Any, grade: str, when: Any, *, resolve: bool = True) -> ViolationCase:
    with time_machine.travel(when, tick=False):
        case = make_case(site, actor, grade=grade)
        if resolve:
            case = violation_services.case_resolve(case=case, resolution="已整改", actor=actor)
    return case


def test_a_major_violation_is_kept_at_four_years_and_removed_after_five_rt3(site, people):
    case = _case(site, people["supervisor"], Grade.MAJOR, at(2019, 3, 1, 10, 0))
    assert case.retain_until.isoformat() == "2024-03-01"
    assert _run(at(2023, 3, 1, 3, 0)) == []
    assert ViolationCase.objects.filter(pk=case.pk).exists()
    (run,) = _run(at(2024, 3, 2, 3, 0))
    assert not ViolationCase.objects.filter(pk=case.pk).exists()
    assert (run.record_class, run.removed, run.site_id) == (
        RecordClass.VIOLATIONS_MAJOR,
        1,
        site.pk,
    )
    assert run.details == {"numbers": [case.number]}
    assert not Event.objects.filter(subject_type="violations.violationcase", subject_id=case.pk)
    assert Event.objects.filter(verb="reports.retention_run", subject_id=run.pk).count() == 1


def test_a_general_violation_is_removed_at_thirteen_months_rt3(site, people):
    case = _case(site, people["supervisor"], Grade.GENERAL, at(2025, 1, 10, 10, 0))
    assert _run(at(2025, 12, 10, 3, 0)) == []
    (run,) = _run(at(2026, 2, 10, 3, 0))
    assert run.record_class == RecordClass.VIOLATIONS_GENERAL
    assert not ViolationCase.objects.filter(pk=case.pk).exists()


def test_an_open_violation_case_is_never_removed(site, people):
    case = _case(site, people["supervisor"], Grade.GENERAL, at(2019, 1, 10, 10, 0), resolve=False)
    assert _run(at(2026, 2, 10, 3, 0)) == []
    assert ViolationCase.objects.filter(pk=case.pk).exists()


@pytest.fixture
def year_2023(site: Any, desk: Any, people: Any, units: list[Any], engineering: Any) -> dict:
    """Requests of 2023: a plain one with a photo, one put on legal hold, a complaint
    (RT-4) and a parent whose child ticket of 2025 is still kept; archived in January 2024."""

    def closed(**fields: Any) -> Ticket:
        ticket = desk.ticket(at(2023, 5, 10, 9, 0), **fields)
        desk.dispatch(ticket, at(2023, 5, 10, 10, 0))
        desk.complete(ticket, at(2023, 5, 10, 11, 0))
        desk.act(ticket, "close", "dispatcher", at(2023, 5, 10, 12, 0), slip_confirmed=True)
        return ticket

    photo = SimpleUploadedFile("leak.png", PNG, content_type="image/png")
    plain = closed(unit=units[0], files=[photo])
    held = closed(unit=units[1])
    parent = closed(unit=units[2])
    with time_machine.travel(at(2023, 5, 11, 9, 0), tick=False):
        complaint = complaint_create(
            site=site,
            actor=people["assistant"],
            ticket_fields={
                "channel": "hotline",
                "description": "物业没有处理噪音",
                "reporter_name": "李女士",
                "unit": units[3],
            },
            detail=ComplaintDetail(
                validity=Validity.VALID,
                severity=Severity.MINOR,
                scope=Scope.PROPERTY,
                demand="请处理",
                apology="抱歉",
                department_id=engineering.pk,
            ),
        )
    child = desk.ticket(at(2025, 6, 1, 9, 0), unit=units[2], parent=parent)
    with time_machine.travel(at(2024, 1, 2, 1, 0), tick=False):
        services.register_archive_create(site=site, year=2023)
    # The complaint's own cycle is the complaints app's; here it stands finished and archived.
    Ticket.objects.filter(pk=complaint.ticket_id).update(state="closed", archived_at=at(2024, 1, 2))
    with time_machine.travel(at(2024, 2, 1, 9, 0), tick=False):
        services.legal_hold_set(ticket=held, hold=True, reason="诉讼证据", actor=people["manager"])
    return {
        "plain": plain,
        "held": held,
        "parent": parent,
        "child": child,
        "complaint": complaint.ticket,
    }


def test_a_request_on_legal_hold_is_kept_and_the_rest_go_after_two_years_rt1(
    site, year_2023, django_capture_on_commit_callbacks
):
    photo = Attachment.objects.get(ticket=year_2023["plain"])
    photo_path = Path(settings.MEDIA_ROOT) / photo.file.name
    assert photo_path.exists()
    assert _run(at(2025, 12, 31, 3, 0)) == []
    with django_capture_on_commit_callbacks(execute=True):
        runs = _run(at(2026, 1, 5, 3, 0))
    (run,) = runs
    assert (run.record_class, run.removed, run.kept_on_hold) == (RecordClass.REQUESTS, 1, 1)
    assert run.cutoff.isoformat() == "2024-01-01"
    assert run.details == {"first": year_2023["plain"].number, "last": year_2023["plain"].number}
    remaining = set(Ticket.objects.values_list("pk", flat=True))
    assert year_2023["plain"].pk not in remaining
    assert {year_2023[k].pk for k in ("held", "parent", "child", "complaint")} <= remaining
    assert not photo_path.exists()
    assert not Event.objects.filter(subject_type="tickets.ticket", subject_id=year_2023["plain"].pk)
    assert not TicketFact.objects.filter(ticket_id=year_2023["plain"].pk).exists()
    # The register copy stays while a ticket of its year is on legal hold.
    assert RegisterArchive.objects.filter(site=site, year=2023).exists()
    assert _run(at(2026, 1, 6, 3, 0)) == []


def test_released_hold_lets_the_ticket_and_the_register_copy_go_rt1(site, people, year_2023):
    archive = RegisterArchive.objects.get(site=site, year=2023)
    files = [Path(settings.MEDIA_ROOT) / p for p in (archive.xlsx_path, archive.html_path)]
    with time_machine.travel(at(2026, 1, 5, 9, 0), tick=False):
        services.legal_hold_set(
            ticket=year_2023["held"], hold=False, reason="诉讼结束", actor=people["manager"]
        )
    runs = _run(at(2026, 1, 6, 3, 0))
    assert sorted((r.record_class, r.removed) for r in runs) == [
        (RecordClass.REGISTER_ARCHIVE, 1),
        (RecordClass.REQUESTS, 2),
    ]
    assert not RegisterArchive.objects.filter(site=site, year=2023).exists()
    assert all(f.exists() for f in files)  # removed after commit; the test transaction stays open


def test_duty_log_entries_go_after_three_years_and_verify_log_still_passes_rt2(
    site, people, capsys
):
    officer = people["dispatcher"]
    with time_machine.travel(at(2022, 6, 1, 20, 0), tick=False):
        for n in range(3):
            log_entry_append(site=site, kind=LogEntryKind.CALL, text=f"来电 {n}", actor=officer)
    with time_machine.travel(at(2024, 1, 10, 20, 0), tick=False):
        for n in range(2):
            log_entry_append(site=site, kind=LogEntryKind.NOTE, text=f"记录 {n}", actor=officer)
    assert _run(at(2025, 5, 31, 3, 0)) == []
    (run,) = _run(at(2025, 6, 2, 3, 0))
    assert (run.record_class, run.removed) == (RecordClass.DUTY_LOG, 3)
    assert list(DutyLogEntry.objects.filter(site=site).values_list("seq", flat=True)) == [4, 5]
    assert DutyLogAnchor.objects.get(site=site).seq == 4
    assert verify_site(site).ok
    call_command("verify_log", site=site.code)
    assert f"OK {site.code}" in capsys.readouterr().out


def test_service_slips_are_filed_and_removed_with_their_closed_case_rt5_ds5(site, year_2023):
    """RT-5: the slip confirmed at closing (DS-5) belongs to its case: kept while the case is
    (legal hold), gone with it."""
    slips = ServiceSlip.objects.filter(ticket__in=[year_2023["plain"], year_2023["held"]])
    assert sorted(slips.values_list("ticket__state", flat=True)) == ["closed", "closed"]
    _run(at(2026, 1, 5, 3, 0))
    assert list(ServiceSlip.objects.filter(ticket_id=year_2023["held"].pk)) != []
    assert not ServiceSlip.objects.filter(ticket_id=year_2023["plain"].pk).exists()


def test_complaint_records_are_never_removed_rt4(site, year_2023):
    _run(at(2030, 1, 5, 3, 0))
    assert Ticket.objects.filter(pk=year_2023["complaint"].pk).exists()


def test_the_retention_command_prints_what_it_removed(site, people, capsys):
    _case(site, people["supervisor"], Grade.GENERAL, at(2024, 1, 10, 10, 0))
    with time_machine.travel(at(2025, 3, 1, 3, 0), tick=False):
        call_command("retention_run")
    assert "violations_general: removed 1" in capsys.readouterr().out
