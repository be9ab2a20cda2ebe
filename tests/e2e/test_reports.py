"""End to end in a real browser on the demo data: the site manager's dashboard draws every
chart (ECharts, from JSON the page carries, no inline script) at desk and phone width, the
staff figures and the quarterly pack render, and a resident answers the satisfaction survey
on the phone after signing in like the portal (RP-5, RP-6, RP-7, RP-3)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.management import call_command

from estatedesk.notify.models import Notification
from estatedesk.org.demo import DEMO_PASSWORD
from estatedesk.org.models import Occupancy
from estatedesk.reports.models import Survey, SurveyResponse

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ALL_DRAWN = (
    "document.querySelectorAll('[data-chart-ready]').length"
    " === document.querySelectorAll('[data-chart]').length"
)


def _charts_drawn(page: Any) -> int:
    page.wait_for_function(ALL_DRAWN)
    count = page.locator("[data-chart]").count()
    assert page.locator("[data-chart] svg").count() == count
    return count


def test_dashboard_charts_kpis_pack_and_survey_in_the_browser_rp3_rp5_rp6_rp7(
    live_server: Any, new_page: Any, shot: Any, login: Any
) -> None:
    call_command("demo", stdout=io.StringIO())
    url = live_server.url
    errors: list[str] = []

    desk = new_page()
    desk.on("pageerror", lambda exc: errors.append(str(exc)))
    login(desk, "manager", DEMO_PASSWORD)
    desk.goto(url + "/reports/?period=month")
    assert _charts_drawn(desk) >= 12
    assert int(desk.locator("#sum-received").inner_text()) > 0
    shot(desk, "dashboard-desk")
    desk.goto(url + "/reports/?period=week")
    _charts_drawn(desk)
    shot(desk, "dashboard-week-desk")
    desk.goto(url + "/reports/kpis/")
    assert desk.locator("#kpi-people tbody tr").count() > 10
    shot(desk, "kpis-desk")
    desk.goto(url + "/reports/pack/")
    _charts_drawn(desk)
    shot(desk, "quarterly-pack-desk")
    desk.goto(url + "/reports/exceptions/")
    shot(desk, "exceptions-desk")

    phone = new_page(phone=True)
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    login(phone, "manager", DEMO_PASSWORD)
    phone.goto(url + "/reports/?period=month")
    assert _charts_drawn(phone) >= 12
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    shot(phone, "dashboard-phone")

    # A resident whose household has not answered yet signs in and answers on the phone.
    survey = Survey.objects.get()
    answered = set(SurveyResponse.objects.values_list("unit_id", flat=True))
    occupancy = (
        Occupancy.objects.filter(unit__site=survey.site, move_out__isnull=True)
        .exclude(unit_id__in=answered)
        .select_related("resident")
        .order_by("pk")
        .first()
    )
    assert occupancy is not None
    number = occupancy.resident.phone
    resident = new_page(phone=True)
    resident.on("pageerror", lambda exc: errors.append(str(exc)))
    resident.goto(url + "/r/login/")
    resident.fill("#id_phone", number)
    resident.get_by_role("button", name="获取验证码").click()
    resident.wait_for_url(url + "/r/login/code/")
    sms = Notification.objects.filter(phone=number, topic="portal.login_code").latest("id")
    code = re.search(r"\d{6}", sms.body)
    assert code is not None
    resident.fill("#id_code", code.group(0))
    resident.get_by_role("button", name="登录").click()
    resident.wait_for_url(url + "/r/")
    resident.goto(url + f"/reports/survey/{survey.pk}/")
    for label in resident.locator("#survey-form fieldset").all()[:3]:
        label.locator("label.btn").nth(3).click()
    resident.locator("#survey-form fieldset").nth(3).locator("label.btn").first.click()
    shot(resident, "survey-phone")
    resident.get_by_role("button", name="提交").click()
    resident.wait_for_url(url + "/reports/survey/")
    assert SurveyResponse.objects.filter(survey=survey, unit_id=occupancy.unit_id).exists()
    shot(resident, "survey-thanks-phone")
    assert errors == []
