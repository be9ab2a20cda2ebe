"""VI-10: the month-end export of charges to residents, its kept copy and formula safety."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from openpyxl import load_workbook

from estatedesk.core import clock
from estatedesk.core.errors import PermissionDenied
from estatedesk.core.models import Event
from estatedesk.org.tests.factories import ResidentFactory
from estatedesk.violations import services
from estatedesk.violations.enums import MeasureKind
from estatedesk.violations.finance import safe_text
from estatedesk.violations.models import FinanceExport
from estatedesk.violations.tests.factories import arrears_case, make_case

pytestmark = pytest.mark.django_db

MARCH = dt.datetime(2026, 3, 10, 10, 0, tzinfo=clock.local_zone())
APRIL = dt.datetime(2026, 4, 1, 0, 30, tzinfo=clock.local_zone())


def _compensation(site, staff, amount: str, details: str = "赔偿维修费", resident=None):
    case = make_case(site, staff["assistant"], onsite_persuasion="劝阻", resident=resident)
    services.penalty_decide(
        case=case,
        kind=MeasureKind.COMPENSATION,
        details=details,
        amount=Decimal(amount),
        out_of_order_reason="已造成损失",
        actor=staff["manager"],
    )
    return case


def _late_fee(site, staff, amount: str):
    case = arrears_case(site, staff["assistant"], onsite_persuasion="沟通")
    services.measure_record(
        case=case, kind=MeasureKind.REMINDER_LETTER, details="催缴函", actor=staff["assistant"]
    )
    services.penalty_decide(
        case=case,
        kind=MeasureKind.LATE_FEE,
        details="滞纳金",
        amount=Decimal(amount),
        actor=staff["manager"],
    )
    return case


def _rows(path: Path) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(path.read_bytes())).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_finance_export_lists_the_months_charges_and_keeps_the_copy_vi10(
    site, staff, settings
) -> None:
    with time_machine.travel(MARCH, tick=False):
        first = _compensation(site, staff, "1200.5")
        second = _late_fee(site, staff, "86.40")
        make_case(site, staff["assistant"], onsite_persuasion="劝阻")  # no charge
    with time_machine.travel(APRIL, tick=False):
        _compensation(site, staff, "999")  # April: not in March's export
        export = services.finance_export_create(
            site=site, month=dt.date(2026, 3, 17), actor=staff["finance"]
        )
    assert (export.month, export.sequence, export.rows, export.total) == (
        dt.date(2026, 3, 1),
        1,
        2,
        Decimal("1286.90"),
    )
    path = Path(settings.MEDIA_ROOT) / export.path
    assert hashlib.sha256(path.read_bytes()).hexdigest() == export.sha256
    rows = _rows(path)
    assert rows[0][0] == f"{site.name} 住户违章收费明细 2026年03月"
    assert rows[1][:7] == ("序号", "案件编号", "房号", "住户", "违章类别", "收费项目", "金额(元)")
    assert rows[2][:7] == (
        1,
        first.number,
        first.unit.label,
        first.resident.name,
        "装修违章",
        "赔偿损失",
        1200.5,
    )
    assert rows[2][7:9] == (staff["manager"].get_full_name(), "2026-03-10 10:00")
    assert rows[3][:7] == (
        2,
        second.number,
        second.unit.label,
        second.resident.name,
        "无故拒交管理费",
        "收取滞纳金",
        86.4,
    )
    assert rows[4][0] == "合计" and rows[4][6] == pytest.approx(1286.9)
    assert len(rows) == 5
    assert [r["case_number"] for r in export.snapshot] == [first.number, second.number]
    event = Event.objects.get(verb="violations.finance_exported")
    assert event.data == {
        "month": "2026-03-01",
        "rows": 2,
        "total": "1286.90",
        "sha256": export.sha256,
    }


def test_a_second_export_of_the_month_is_a_new_kept_copy_vi10(site, staff) -> None:
    with time_machine.travel(MARCH, tick=False):
        _compensation(site, staff, "10")
        first = services.finance_export_create(
            site=site, month=dt.date(2026, 3, 1), actor=staff["finance"]
        )
        _compensation(site, staff, "20")
        second = services.finance_export_create(
            site=site, month=dt.date(2026, 3, 1), actor=staff["supervisor"]
        )
    assert (first.sequence, first.rows, second.sequence, second.rows) == (1, 1, 2, 2)
    assert first.path != second.path


def test_formula_injection_is_neutralised_in_the_export(site, staff, settings) -> None:
    resident = ResidentFactory(site=site, name="@SUM(A1)")
    with time_machine.travel(MARCH, tick=False):
        _compensation(site, staff, "50", details='=HYPERLINK("http://x","y")', resident=resident)
        export = services.finance_export_create(
            site=site, month=dt.date(2026, 3, 1), actor=staff["finance"]
        )
    row = _rows(Path(settings.MEDIA_ROOT) / export.path)[2]
    assert row[3] == "'@SUM(A1)"
    assert row[9] == '\'=HYPERLINK("http://x","y")'
    assert [safe_text(v) for v in ("+1", "-1", "\tx", "ok", 5)] == ["'+1", "'-1", "'\tx", "ok", 5]


def test_guard_cannot_export_charges(site, staff) -> None:
    with pytest.raises(PermissionDenied):
        services.finance_export_create(site=site, month=dt.date(2026, 3, 1), actor=staff["guard"])
    assert FinanceExport.objects.count() == 0


def test_finance_page_exports_and_downloads_the_kept_copy_vi10(client, site, staff) -> None:
    with time_machine.travel(MARCH, tick=False):
        case = _compensation(site, staff, "120")
    client.force_login(staff["finance"])
    with time_machine.travel(APRIL, tick=False):
        preview = client.get(f"/violations/finance/?site={site.pk}&month=2026-03")
        assert preview.status_code == 200
        assert case.number in preview.content.decode()
        response = client.post("/violations/finance/", {"site": site.pk, "month": "2026-03"})
    assert response.status_code == 302
    export = FinanceExport.objects.get()
    download = client.get(f"/violations/finance/{export.pk}/download/")
    assert download.status_code == 200
    content = download.content
    assert hashlib.sha256(content).hexdigest() == export.sha256
    assert load_workbook(io.BytesIO(content)).worksheets[0]["G3"].value == 120


def test_finance_page_refused_for_a_guard(client, site, staff) -> None:
    client.force_login(staff["guard"])
    assert client.get("/violations/finance/").status_code == 403
    assert (
        client.post("/violations/finance/", {"site": site.pk, "month": "2026-03"}).status_code
        == 403
    )
    assert FinanceExport.objects.count() == 0
