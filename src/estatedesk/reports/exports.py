"""Files: a report table as xlsx, and the yearly register archive (RT-1) as xlsx and printable
HTML written straight to disk in a fixed memory budget.

Every cell goes through ``tickets.exports.safe_cell``: text a spreadsheet would read as a
formula (``=``, ``+``, ``-``, ``@`` ...) is quoted, so nothing typed by a resident runs."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from estatedesk.core import clock
from estatedesk.org.models import Site
from estatedesk.reports.figures import Table
from estatedesk.tickets.exports import safe_cell
from estatedesk.tickets.models import Ticket

ARCHIVE_DIR = "reports/registers"
CHUNK = 2000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_workbook(table: Table, *, heading: list[str]) -> Workbook:
    """One report table: the heading lines (site, period), the header row, the rows."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = table.title[:31].replace("/", "-").replace("（", "(").replace("）", ")")
    sheet.append([safe_cell(table.title)])
    sheet["A1"].font = Font(bold=True, size=13)
    for line in heading:
        sheet.append([safe_cell(line)])
    sheet.append([])
    sheet.append([safe_cell(str(c)) for c in table.columns])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append(
            [safe_cell(v if not isinstance(v, list) else "、".join(map(str, v))) for v in row]
        )
    if table.note:
        sheet.append([])
        sheet.append([safe_cell(table.note)])
    for index in range(len(table.columns)):
        sheet.column_dimensions[chr(ord("A") + index)].width = 22 if index == 0 else 14
    return book


# --- RT-1 register archive -------------------------------------------------------------------

COLUMNS = [
    gettext_lazy("工单号"),
    gettext_lazy("受理时间"),
    gettext_lazy("渠道"),
    gettext_lazy("类别"),
    gettext_lazy("问题描述"),
    gettext_lazy("地点"),
    gettext_lazy("发生时间"),
    gettext_lazy("涉及人员"),
    gettext_lazy("报事人"),
    gettext_lazy("联系电话"),
    gettext_lazy("受理人"),
    gettext_lazy("处理部门"),
    gettext_lazy("责任人"),
    gettext_lazy("状态"),
    gettext_lazy("完成时间"),
    gettext_lazy("销项时间"),
    gettext_lazy("评价"),
]


def _name(user: Any) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or "").strip() or user.get_username()


def _when(value: dt.datetime | None) -> str:
    return clock.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def register_rows(tickets: QuerySet[Ticket]) -> Iterator[list[Any]]:
    """The RQ-3 register fields of every ticket, in chunks (``iterator``), full contacts: the
    archive is the record itself, and only AR-3 roles may download it."""
    for t in tickets.select_related(
        "unit__building", "place", "receiver", "department", "assignee"
    ).iterator(chunk_size=CHUNK):
        yield [
            t.number,
            _when(t.received_at),
            t.get_channel_display(),
            t.get_kind_display(),
            t.description,
            t.location_label,
            _when(t.occurred_at),
            t.people_involved,
            t.reporter_name,
            t.reporter_phone,
            _name(t.receiver),
            str(t.department or ""),
            _name(t.assignee),
            t.get_state_display(),
            _when(t.resolved_at),
            _when(t.closed_at),
            t.rating or "",
        ]


@dataclass(frozen=True)
class WrittenFile:
    path: str  # relative to MEDIA_ROOT
    sha256: str
    size: int


def _target(site: Site, year: int, extension: str) -> tuple[str, Path]:
    relative = f"{ARCHIVE_DIR}/{site.code}-{year}-{secrets.token_hex(8)}.{extension}"
    absolute = Path(settings.MEDIA_ROOT) / relative
    absolute.parent.mkdir(parents=True, exist_ok=True)
    return relative, absolute


def _digest(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def write_register_xlsx(site: Site, year: int, tickets: QuerySet[Ticket]) -> WrittenFile:
    """《报事报修登记表》 of the year as xlsx (write-only workbook: rows stream to disk)."""
    relative, absolute = _target(site, year, "xlsx")
    book = Workbook(write_only=True)
    sheet = book.create_sheet(f"{year}")
    sheet.append(
        [safe_cell(_("%(site)s %(year)d 年报事报修登记表") % {"site": site.name, "year": year})]
    )
    sheet.append([safe_cell(_("归档时间：%(at)s") % {"at": _when(clock.now())})])
    sheet.append([str(c) for c in COLUMNS])
    for row in register_rows(tickets):
        sheet.append([safe_cell(v) for v in row])
    book.save(absolute)
    sha, size = _digest(absolute)
    return WrittenFile(relative, sha, size)


def _html_head(site: Site, year: int, count: int) -> str:
    title = escape(_("%(site)s %(year)d 年报事报修登记表") % {"site": site.name, "year": year})
    stamp = escape(
        _("归档时间：%(at)s；共 %(n)d 张工单。此文件为年度归档副本，内容不再改变（RT-1）。")
        % {"at": _when(clock.now()), "n": count}
    )
    header = "".join(f"<th>{escape(str(c))}</th>" for c in COLUMNS)
    return (
        '<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>"
        "body{font-family:sans-serif;font-size:11px;margin:12px}"
        "table{border-collapse:collapse;width:100%}"
        "th,td{border:1px solid #999;padding:2px 4px;vertical-align:top}"
        "th{background:#eee}thead{display:table-header-group}tr{page-break-inside:avoid}"
        "@page{size:A4 landscape;margin:10mm}"
        f"</style></head><body><h1>{title}</h1><p>{stamp}</p>"
        f"<table><thead><tr>{header}</tr></thead><tbody>\n"
    )


def _html_rows(rows: Iterator[list[Any]], out: IO[str]) -> None:
    for row in rows:
        out.write("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>\n")


def write_register_html(
    site: Site, year: int, tickets: QuerySet[Ticket], count: int
) -> WrittenFile:
    """The printable copy: a self-contained HTML page (no scripts), printed from the browser."""
    relative, absolute = _target(site, year, "html")
    with absolute.open("w", encoding="utf-8") as out:
        out.write(_html_head(site, year, count))
        _html_rows(register_rows(tickets), out)
        out.write("</tbody></table></body></html>\n")
    sha, size = _digest(absolute)
    return WrittenFile(relative, sha, size)


def media_path(relative: str) -> Path:
    """The absolute path of a stored file, refusing anything outside MEDIA_ROOT."""
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise ValueError("path outside MEDIA_ROOT")
    return path


def remove_file(relative: str) -> None:
    try:
        media_path(relative).unlink(missing_ok=True)
    except ValueError:
        return
