"""Excel exports: the request register (RQ-3, RQ-13) and the monthly charges (RQ-12).

Text typed by residents and staff ends up in these cells, so every string that a spreadsheet
would read as a formula (``=``, ``+``, ``-``, ``@``, tab, CR) is written with a leading
apostrophe-like quote character: the cell shows the text and never runs it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from estatedesk.core import clock, masking
from estatedesk.tickets.models import PaidService, Ticket

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: Any) -> Any:
    """A value safe to put in a cell: strings that would start a formula are quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    if isinstance(value, dt.datetime):
        return clock.localtime(value).replace(tzinfo=None)
    return value


def _sheet(book: Workbook, title: str, header: list[str]) -> Any:
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    return sheet


def register_workbook(rows: Iterable[Ticket], *, may_see: set[int]) -> Workbook:
    """《报事报修登记表》: one row per request with the RQ-3 fields and its outcome."""
    book = Workbook()
    header = [
        _("工单号"),
        _("受理时间"),
        _("渠道"),
        _("类别"),
        _("问题描述"),
        _("地点"),
        _("发生时间"),
        _("涉及人员"),
        _("报事人"),
        _("联系电话"),
        _("受理人"),
        _("处理部门"),
        _("责任人"),
        _("状态"),
        _("完成时间"),
        _("销项时间"),
        _("评价"),
    ]
    sheet = _sheet(book, str(_("报事报修登记表")), [str(h) for h in header])
    for t in rows:
        phone = masking.phone_for(t.reporter_phone, may_see=t.site_id in may_see)
        values = [
            t.number,
            t.received_at,
            t.get_channel_display(),
            t.get_kind_display(),
            t.description,
            t.location_label,
            t.occurred_at,
            t.people_involved,
            t.reporter_name,
            phone,
            _name(t.receiver),
            str(t.department or ""),
            _name(t.assignee),
            t.get_state_display(),
            t.resolved_at,
            t.closed_at,
            t.rating,
        ]
        sheet.append([safe_cell(v) for v in values])
    widths = [16, 17, 10, 10, 40, 18, 17, 14, 10, 14, 10, 12, 10, 10, 17, 17, 6]
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    return book


def charges_workbook(rows: Iterable[PaidService]) -> Workbook:
    """RQ-12: the month's paid-service charges for finance, with a total row."""
    book = Workbook()
    header = [
        _("工单号"),
        _("管理处"),
        _("房号/地点"),
        _("住户"),
        _("服务项目"),
        _("数量"),
        _("报价(元)"),
        _("实收(元)"),
        _("收费登记时间"),
    ]
    sheet = _sheet(book, str(_("有偿服务收费")), [str(h) for h in header])
    total = Decimal("0")
    for paid in rows:
        t = paid.ticket
        charge = paid.charge_amount or Decimal("0")
        total += charge
        values = [
            t.number,
            t.site.name,
            t.location_label,
            t.reporter_name,
            paid.price_item.name,
            paid.quantity,
            paid.quoted_amount,
            charge,
            paid.charged_at,
        ]
        sheet.append([safe_cell(v) for v in values])
    sheet.append([str(_("合计")), "", "", "", "", "", "", total, ""])
    for index, width in enumerate([16, 12, 16, 10, 20, 8, 10, 10, 18]):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    return book


def _name(user: Any) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or "").strip() or user.get_username()
