"""End to end in a real browser: a resident reports a leak with a photo on the phone, the CS
assistant dispatches it, the plumber completes it, the dispatcher signs the service slip and
closes it (DS-5), and the resident rates it (RQ-10)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest

from estatedesk.notify.models import Notification
from estatedesk.org.enums import DepartmentKind, Role
from estatedesk.org.tests.factories import (
    BuildingFactory,
    DepartmentFactory,
    ResidentFactory,
    SiteFactory,
    UnitFactory,
    make_staff,
)
from estatedesk.tickets.enums import TicketState
from estatedesk.tickets.models import Attachment, ServiceSlip, Ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-for-tests-1"


def _photo(tmp_path: Path, name: str, colour: tuple[int, int, int]) -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), colour)
    ImageDraw.Draw(image).rectangle((200, 150, 440, 330), outline=(255, 255, 255), width=12)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return path


def _open_action(page: Any, action: str) -> Any:
    """Click an action button and wait until its form has finished sliding open."""
    page.click(f"#btn-{action}")
    page.locator(f"#act-{action}.show").wait_for()
    return page.locator(f"#act-{action} form")


def _latest_code(phone: str) -> str:
    sms = Notification.objects.filter(phone=phone, topic="portal.login_code").latest("id")
    match = re.search(r"\d{6}", sms.body)
    assert match is not None
    return match.group(0)


def test_resident_report_to_rating_in_the_browser_rq9_rq10_ds5(
    live_server: Any, new_page: Any, shot: Any, login: Any, tmp_path: Path
) -> None:
    site = SiteFactory(name="示例花园", code="SF")
    engineering = DepartmentFactory(site=site, kind=DepartmentKind.ENGINEERING)
    DepartmentFactory(site=site, kind=DepartmentKind.CUSTOMER_SERVICE)
    unit = UnitFactory(building=BuildingFactory(site=site, name="3栋"), number="1201")
    resident = ResidentFactory(site=site, name="吴女士", phone="13800138000", unit=unit)
    make_staff(site, Role.CS_ASSISTANT, DepartmentKind.CUSTOMER_SERVICE, username="assistant")
    make_staff(site, Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE, username="dispatcher")
    plumber = make_staff(site, Role.DEPT_STAFF, DepartmentKind.ENGINEERING, username="plumber")
    plumber.first_name, plumber.last_name = "马师傅", ""
    plumber.save()
    url = live_server.url

    # 1. The resident signs in on the phone with an SMS code and reports with a photo.
    phone = new_page(phone=True)
    phone.goto(url + "/r/")
    phone.fill("#id_phone", "13800138000")
    shot(phone, "portal-login")
    phone.get_by_role("button", name="获取验证码").click()
    phone.wait_for_url(url + "/r/login/code/")
    phone.fill("#id_code", _latest_code("13800138000"))
    shot(phone, "portal-code")
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(url + "/r/")
    shot(phone, "portal-home-empty")
    phone.click("#report-button")
    phone.fill("#id_description", "厨房水槽下水管漏水，地面有积水")
    phone.set_input_files("#id_photos", str(_photo(tmp_path, "leak.jpg", (40, 90, 160))))
    shot(phone, "portal-report-form")
    phone.get_by_role("button", name="提交").click()
    phone.wait_for_url(re.compile(r".*/r/t/\d+/$"))
    ticket = Ticket.objects.get()
    assert ticket.resident == resident and ticket.unit == unit
    assert ticket.kind == "repair"  # suggested by the classifier; the resident only describes
    assert Attachment.objects.filter(ticket=ticket, purpose="report").count() == 1
    assert phone.locator("#photos img").count() == 1
    shot(phone, "portal-ticket-received")

    # 2. The CS assistant sees it in the list and dispatches it to the plumber.
    desk = new_page()
    login(desk, "assistant", PASSWORD)
    desk.goto(url + "/tickets/")
    shot(desk, "assistant-list")
    desk.get_by_role("link", name=ticket.number).click()
    form = _open_action(desk, "dispatch")
    form.locator("select[name=department_id]").select_option(str(engineering.pk))
    form.locator("select[name=assignee_id]").select_option(str(plumber.pk))
    shot(desk, "assistant-dispatch")
    desk.click("#submit-dispatch")
    desk.wait_for_selector(".alert-success")
    ticket.refresh_from_db()
    assert ticket.state == TicketState.DISPATCHED and ticket.assignee == plumber

    # 3. The plumber starts and reports completion with a photo (phone).
    worker = new_page(phone=True)
    login(worker, "plumber", PASSWORD)
    shot(worker, "plumber-home")
    worker.goto(f"{url}/tickets/{ticket.pk}/")
    _open_action(worker, "start")
    worker.click("#submit-start")
    worker.wait_for_selector(".alert-success")
    done = _open_action(worker, "complete")
    done.locator("textarea[name=note]").fill("更换下水管接头，已试水无渗漏")
    done.locator("input[name=materials]").fill("PVC 接头 1 个")
    done.locator("input[name=files]").set_input_files(
        str(_photo(tmp_path, "fixed.jpg", (40, 140, 80)))
    )
    shot(worker, "plumber-complete-form")
    worker.click("#submit-complete")
    worker.wait_for_selector(".alert-success")
    shot(worker, "plumber-completed")
    ticket.refresh_from_db()
    assert ticket.state == TicketState.DONE

    # 4. The dispatcher signs the service slip and closes the case (DS-5), then prints it.
    boss = new_page()
    login(boss, "dispatcher", PASSWORD)
    boss.goto(f"{url}/tickets/{ticket.pk}/")
    _open_action(boss, "close")
    boss.check("#slip-confirmed")
    shot(boss, "dispatcher-close")
    boss.click("#submit-close")
    boss.wait_for_selector(".alert-success")
    shot(boss, "dispatcher-closed")
    boss.goto(f"{url}/tickets/{ticket.pk}/slip/")
    assert boss.locator("#slip").inner_text().count("PVC 接头 1 个") == 1
    shot(boss, "service-slip")
    ticket.refresh_from_db()
    slip = ServiceSlip.objects.get(ticket=ticket)
    assert ticket.state == TicketState.CLOSED and slip.confirmed_at is not None

    # 5. The resident sees the progress, confirms and rates five stars.
    phone.goto(f"{url}/r/t/{ticket.pk}/")
    assert "更换下水管接头" in phone.locator("#portal-timeline").inner_text()
    phone.click("#confirm-button")
    phone.wait_for_selector(".alert-success")
    phone.check("#rating-5")
    phone.fill("#rate-form textarea[name=comment]", "师傅很专业，谢谢")
    shot(phone, "portal-rate")
    phone.get_by_role("button", name="提交评价").click()
    phone.wait_for_selector(".alert-success")
    shot(phone, "portal-rated")
    ticket.refresh_from_db()
    assert (ticket.rating, ticket.rating_comment) == (5, "师傅很专业，谢谢")
    assert ticket.resident_confirmed_at is not None
    phone.goto(url + "/r/")
    shot(phone, "portal-home")


def test_hotline_intake_finds_the_caller_and_suggests_the_department_rq3_rq4(
    live_server: Any, new_page: Any, shot: Any, login: Any
) -> None:
    site = SiteFactory(name="示例花园", code="SF")
    engineering = DepartmentFactory(site=site, kind=DepartmentKind.ENGINEERING)
    unit = UnitFactory(building=BuildingFactory(site=site, name="5栋"), number="603")
    ResidentFactory(site=site, name="钱先生", phone="13912340000", unit=unit)
    make_staff(site, Role.CS_ASSISTANT, DepartmentKind.CUSTOMER_SERVICE, username="assistant")

    page = new_page()
    login(page, "assistant", PASSWORD)
    page.goto(live_server.url + "/tickets/new/")
    page.locator("#id_reporter_phone").press_sequentially("1391234", delay=30)
    lookup = page.locator("#lookup button", has_text="5栋-603")
    lookup.wait_for()
    lookup.click()
    assert page.input_value("#id_reporter_name") == "钱先生"
    assert page.input_value("#id_unit_label") == "5栋-603"
    page.locator("#id_description").press_sequentially("卫生间漏水", delay=30)
    page.locator("#suggestion-box").wait_for()
    shot(page, "intake-lookup-and-suggestion")
    page.locator("#suggestion-box button").click()
    assert page.input_value("#id_kind") == "repair"
    assert page.input_value("#id_department") == str(engineering.pk)
    page.fill("#id_reporter_phone", "13912340000")
    page.click("#intake-submit")
    page.wait_for_url(re.compile(r".*/tickets/\d+/$"))
    shot(page, "intake-created")
    ticket = Ticket.objects.get()
    assert ticket.unit == unit and ticket.resident is not None
    assert ticket.state == TicketState.DISPATCHED and ticket.department == engineering
    assert ticket.call_logs.count() == 1
