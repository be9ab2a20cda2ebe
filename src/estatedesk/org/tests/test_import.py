"""Import of buildings, units and residents from xlsx: all or nothing."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from estatedesk.core.models import Event
from estatedesk.org.enums import Role
from estatedesk.org.models import Building, Occupancy, Resident, Unit
from estatedesk.org.services import IMPORT_COLUMNS, ImportFailed, units_import

pytestmark = pytest.mark.django_db


def xlsx(rows: list[list[object]], header: list[str] = IMPORT_COLUMNS) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


GOOD = [
    ["1栋", 12, "1201", 89.5, "已入住", "张伟", "13800138000", "业主", "2024-05-01"],
    ["1栋", 12, "1202", 96, "空置", None, None, None, None],
    ["2栋", 3, "301", None, "已入住", "李娜", "13900139000", "租户", None],
    ["2栋", 3, "301", None, "已入住", "李小娜", "13900139001", "家庭成员", None],
]


def test_good_file_imports_everything(site, make_staff) -> None:
    supervisor = make_staff(site, Role.CS_SUPERVISOR)
    result = units_import(site=site, file=xlsx(GOOD), actor=supervisor)
    assert (result.rows, result.buildings, result.units, result.residents) == (4, 2, 3, 3)
    assert sorted(Building.objects.filter(site=site).values_list("name", flat=True)) == [
        "1栋",
        "2栋",
    ]
    assert Unit.objects.get(site=site, number="1202").status == "vacant"
    assert Occupancy.objects.get(resident__phone="13900139001").relation == "family"
    assert Event.objects.filter(verb="org.units_imported", site=site).count() == 1


def test_reimport_is_idempotent(site, make_staff) -> None:
    supervisor = make_staff(site, Role.CS_SUPERVISOR)
    units_import(site=site, file=xlsx(GOOD), actor=supervisor)
    again = units_import(site=site, file=xlsx(GOOD), actor=supervisor)
    assert (again.buildings, again.units, again.residents) == (0, 0, 0)
    assert Unit.objects.filter(site=site).count() == 3


def test_bad_file_reports_every_bad_row_and_imports_nothing(site, make_staff) -> None:
    supervisor = make_staff(site, Role.CS_SUPERVISOR)
    rows = [
        GOOD[0],
        ["", "十二", "1203", -3, "已入住", "王五", "abc", "业主", "2024/05/01"],
        ["3栋", 1, "101", None, "拆除", None, None, None, None],
        GOOD[0],
    ]
    with pytest.raises(ImportFailed) as caught:
        units_import(site=site, file=xlsx(rows), actor=supervisor)
    errors = dict(caught.value.errors)
    assert sorted(errors) == [3, 4, 5]
    assert "楼栋不能为空" in errors[3] and "楼层必须是整数" in errors[3]
    assert "手机号“abc”无效" in errors[3] and "入住日期须为 YYYY-MM-DD" in errors[3]
    assert "状态“拆除”无效" in errors[4]
    assert "与第 2 行重复" in errors[5]
    assert Building.objects.filter(site=site).count() == 0
    assert Resident.objects.filter(site=site).count() == 0
    assert not Event.objects.filter(verb="org.units_imported").exists()


def test_wrong_header_is_refused(site, make_staff) -> None:
    supervisor = make_staff(site, Role.CS_SUPERVISOR)
    with pytest.raises(ImportFailed) as caught:
        units_import(site=site, file=xlsx(GOOD, header=["a", "b"]), actor=supervisor)
    assert caught.value.errors == [(1, "表头与模板不一致")]


def test_not_an_xlsx_is_refused(site, make_staff) -> None:
    supervisor = make_staff(site, Role.CS_SUPERVISOR)
    with pytest.raises(ImportFailed):
        units_import(site=site, file=io.BytesIO(b"not a spreadsheet"), actor=supervisor)
    assert Unit.objects.count() == 0


def test_import_page_shows_row_errors(client, site, make_staff) -> None:
    supervisor = make_staff(site, Role.CS_SUPERVISOR)
    client.force_login(supervisor)
    upload = xlsx([["", 1, "101", None, "已入住", None, None, None, None]])
    upload.name = "units.xlsx"
    response = client.post("/org/import/", {"site": site.pk, "file": upload})
    assert response.status_code == 200
    body = response.content.decode()
    assert "楼栋不能为空" in body and 'id="import-errors"' in body
    assert Unit.objects.count() == 0


def test_import_page_refuses_a_cleaner(client, site, make_staff) -> None:
    cleaner = make_staff(site, Role.DEPT_STAFF, "cleaning")
    client.force_login(cleaner)
    assert client.get("/org/import/").status_code == 403


def test_template_download_is_the_expected_header(client, site, make_staff) -> None:
    from openpyxl import load_workbook

    client.force_login(make_staff(site, Role.CS_SUPERVISOR))
    response = client.get("/org/import/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == IMPORT_COLUMNS
