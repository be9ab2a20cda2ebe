"""The month-end charges workbook sent to finance (VI-10).

Cells are written as values only; any text a person typed that a spreadsheet could take for a
formula (starting with = + - @, or a tab/carriage return) is prefixed with an apostrophe.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from estatedesk.core import clock
from estatedesk.violations.models import Measure

COLUMNS = [
    "序号",
    "案件编号",
    "房号",
    "住户",
    "违章类别",
    "收费项目",
    "金额(元)",
    "签发人",
    "生效时间",
    "说明",
]
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: Any) -> Any:
    """Neutralise spreadsheet formula injection in a text cell; numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def charge_rows(charges: Iterable[Measure]) -> list[dict[str, Any]]:
    """The snapshot kept with the export: one plain dict per charge."""
    rows = []
    for index, m in enumerate(charges, start=1):
        case = m.case
        signer = m.signed_by
        rows.append(
            {
                "index": index,
                "measure_id": m.pk,
                "case_number": case.number,
                "unit": case.unit.label,
                "resident": case.resident.name if case.resident else "",
                "kind": str(case.get_kind_display()),
                "item": str(m.get_kind_display()),
                "amount": str(m.amount),
                "signed_by": (signer.get_full_name() or signer.get_username()) if signer else "",
                "signed_at": clock.localtime(m.signed_at).strftime("%Y-%m-%d %H:%M")
                if m.signed_at
                else "",
                "details": m.details,
            }
        )
    return rows


def build_workbook(*, site_name: str, month: dt.date, rows: list[dict[str, Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"{month:%Y-%m}"
    sheet.append([safe_text(f"{site_name} 住户违章收费明细 {month:%Y年%m月}")])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(COLUMNS)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    total = Decimal("0")
    for row in rows:
        amount = Decimal(row["amount"])
        total += amount
        sheet.append(
            [
                row["index"],
                safe_text(row["case_number"]),
                safe_text(row["unit"]),
                safe_text(row["resident"]),
                safe_text(row["kind"]),
                safe_text(row["item"]),
                amount,
                safe_text(row["signed_by"]),
                safe_text(row["signed_at"]),
                safe_text(row["details"]),
            ]
        )
        sheet.cell(row=sheet.max_row, column=7).number_format = "0.00"
    sheet.append(["合计", None, None, None, None, None, total])
    sheet.cell(row=sheet.max_row, column=7).number_format = "0.00"
    sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    for letter, width in zip("ABCDEFGHIJ", (6, 18, 12, 10, 14, 12, 10, 10, 17, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
