"""Writes for the organisation: the unit/resident import and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from estatedesk.core import clock, events
from estatedesk.core.errors import NotFound, ValidationFailed
from estatedesk.org.enums import Relation, UnitStatus
from estatedesk.org.models import (
    ApiToken,
    Building,
    Occupancy,
    Resident,
    Site,
    Unit,
    phone_validator,
)

IMPORT_COLUMNS = [
    "楼栋",
    "楼层",
    "房号",
    "建筑面积",
    "状态",
    "住户姓名",
    "手机",
    "关系",
    "入住日期",
]
_STATUS_BY_LABEL = {str(label): value for value, label in UnitStatus.choices}
_RELATION_BY_LABEL = {str(label): value for value, label in Relation.choices}
MAX_IMPORT_ROWS = 20000


class ImportFailed(ValidationFailed):
    code = "import_failed"

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        self.errors = errors
        summary = _("导入失败：%(count)d 行有误，未导入任何数据。") % {"count": len(errors)}
        super().__init__(summary, errors=[{"row": row, "reason": reason} for row, reason in errors])


@dataclass
class ImportResult:
    buildings: int = 0
    units: int = 0
    residents: int = 0
    rows: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def import_template() -> Workbook:
    """The xlsx template offered for download, with one example row."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "房屋住户"
    sheet.append(IMPORT_COLUMNS)
    sheet.append(["1栋", 12, "1201", 89.5, "已入住", "张伟", "13800138000", "业主", "2024-05-01"])
    for column in "ABCDEFGHI":
        sheet.column_dimensions[column].width = 14
    return book


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_row(values: list[Any]) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    cells = [_text(v) for v in (values + [None] * len(IMPORT_COLUMNS))[: len(IMPORT_COLUMNS)]]
    building, floor, number, area, status, name, phone, relation, move_in = cells
    row: dict[str, Any] = {"building": building, "number": number, "name": name, "phone": phone}
    if not building:
        problems.append(_("楼栋不能为空"))
    if not number:
        problems.append(_("房号不能为空"))
    try:
        row["floor"] = int(floor)
    except ValueError:
        problems.append(_("楼层必须是整数"))
    try:
        row["area"] = Decimal(area) if area else None
        if row["area"] is not None and row["area"] <= 0:
            problems.append(_("建筑面积必须大于 0"))
    except InvalidOperation:
        problems.append(_("建筑面积必须是数字"))
    row["status"] = _STATUS_BY_LABEL.get(status or "已入住")
    if row["status"] is None:
        problems.append(_("状态“%(value)s”无效") % {"value": status})
    if name or phone:
        if not name:
            problems.append(_("有手机号时住户姓名不能为空"))
        if not phone:
            problems.append(_("有住户姓名时手机不能为空"))
        else:
            try:
                phone_validator(phone)
            except Exception:
                problems.append(_("手机号“%(value)s”无效") % {"value": phone})
        row["relation"] = _RELATION_BY_LABEL.get(relation or "业主")
        if row["relation"] is None:
            problems.append(_("关系“%(value)s”无效") % {"value": relation})
        row["move_in"] = None
        if move_in:
            try:
                row["move_in"] = dt.date.fromisoformat(move_in[:10])
            except ValueError:
                problems.append(_("入住日期须为 YYYY-MM-DD"))
    return row, problems


@transaction.atomic
def units_import(*, site: Site, file: IO[bytes], actor: Any) -> ImportResult:
    """Import buildings, units and residents from the xlsx template.

    All or nothing: every bad row is reported by its row number and reason, and when any row is
    bad nothing is written. Existing buildings and units are matched by name and number; a
    resident is matched by phone within the site. Writes one ``org.units_imported`` event.
    """
    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:
        raise ImportFailed([(0, _("无法读取文件，请使用 .xlsx 模板"))]) from exc
    sheet = book.worksheets[0]
    parsed: list[tuple[int, dict[str, Any]]] = []
    errors: list[tuple[int, str]] = []
    seen: dict[tuple[str, str, str], int] = {}
    for index, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if index == 1:
            header = [_text(v) for v in values[: len(IMPORT_COLUMNS)]]
            if header != IMPORT_COLUMNS:
                raise ImportFailed([(1, _("表头与模板不一致"))])
            continue
        if all(v is None or _text(v) == "" for v in values):
            continue
        if index > MAX_IMPORT_ROWS:
            errors.append((index, _("超过最大行数 %(max)d") % {"max": MAX_IMPORT_ROWS}))
            break
        row, problems = _parse_row(list(values))
        key = (row["building"], row["number"], row["phone"])
        if key in seen:
            problems.append(_("与第 %(row)d 行重复") % {"row": seen[key]})
        seen[key] = index
        if problems:
            errors.append((index, "；".join(problems)))
        else:
            parsed.append((index, row))
    if errors:
        raise ImportFailed(errors)
    if not parsed:
        raise ImportFailed([(2, _("文件中没有数据行"))])

    result = ImportResult(rows=len(parsed))
    buildings = {b.name: b for b in Building.objects.filter(site=site)}
    residents = {r.phone: r for r in Resident.objects.filter(site=site)}
    for _index, row in parsed:
        building = buildings.get(row["building"])
        if building is None:
            building = Building.objects.create(site=site, name=row["building"], floors=row["floor"])
            buildings[building.name] = building
            result.buildings += 1
        unit, created = Unit.objects.get_or_create(
            building=building,
            number=row["number"],
            defaults={
                "site": site,
                "floor": row["floor"],
                "area": row["area"],
                "status": row["status"],
            },
        )
        result.units += int(created)
        if row["name"]:
            resident = residents.get(row["phone"])
            if resident is None:
                resident = Resident.objects.create(site=site, name=row["name"], phone=row["phone"])
                residents[resident.phone] = resident
                result.residents += 1
            Occupancy.objects.get_or_create(
                resident=resident,
                unit=unit,
                defaults={"relation": row["relation"], "move_in": row["move_in"]},
            )
    events.record(
        verb="org.units_imported",
        subject=site,
        site_id=site.pk,
        actor=actor,
        data={
            "rows": result.rows,
            "buildings": result.buildings,
            "units": result.units,
            "residents": result.residents,
        },
    )
    return result


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: Any, name: str, actor: Any) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and only its hash is stored."""
    if not name.strip():
        raise ValidationFailed(_("请填写令牌名称。"))
    raw = "ed_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip(), prefix=raw[3:11], key_hash=_hash(raw), created_at=clock.now()
    )
    events.record(
        verb="org.api_token_created", subject=token, actor=actor, data={"name": token.name}
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token_id: int, user: Any, actor: Any) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=user).first()
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        events.record(verb="org.api_token_revoked", subject=token, actor=actor)
    return token


def api_token_authenticate(raw: str) -> Any | None:
    """The user of an active token, or None. Updates last use at most once a minute."""
    if not raw or not raw.startswith("ed_"):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
