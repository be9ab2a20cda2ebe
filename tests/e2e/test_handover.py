"""A full shift handover in the browser (DT-9, DT-10): the incoming officer counts the post's
items (one missing, explained), reads and acknowledges the previous log, takes over the open
item, records an anomaly, and both officers confirm with their own passwords."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from estatedesk.duty.enums import HandoverState, LogEntryKind
from estatedesk.duty.models import Handover, HandoverLine
from estatedesk.duty.services import log_entry_append
from estatedesk.duty.tests.factories import at, post_items, roster_with
from estatedesk.org.enums import DepartmentKind, Role

PASSWORD = "pass-for-tests-1"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_full_handover_in_the_browser_dt9_dt10(
    live_server, new_page, shot, login, site, make_staff
):
    outgoing = make_staff(site, Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE, username="li")
    incoming = make_staff(site, Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE, username="zhao")
    for user, name in ((outgoing, "李强"), (incoming, "赵敏")):
        user.first_name = name
        user.save(update_fields=["first_name"])
    roster_with(site, {dt.date(2026, 11, 17): outgoing, dt.date(2026, 11, 18): incoming})
    items = post_items(site)
    walkie_talkies = items[0]
    with time_machine.travel(at(2026, 11, 18, 7, 40), tick=False):
        log_entry_append(
            site=site,
            kind=LogEntryKind.CALL,
            text="3栋 1201 住户来电：卫生间漏水，已通知工程部，待上门。",
            actor=outgoing,
            follow_up=True,
        )

    with time_machine.travel(at(2026, 11, 18, 17, 22), tick=True):
        page = new_page()
        login(page, "zhao", PASSWORD)
        page.goto(f"{live_server.url}/duty/handover/?site={site.pk}")
        shot(page, "start")
        page.click("#handover-start")
        page.wait_for_selector("#handover-step-counts")

        handover = Handover.objects.get()
        counts = {c.post_item_id: c.pk for c in handover.counts.all()}
        for item in items:
            page.fill(f"#count-{counts[item.pk]}", str(item.quantity))
        page.fill(f"#count-{counts[walkie_talkies.pk]}", "3")
        page.fill(f"#explanation-{counts[walkie_talkies.pk]}", "一台在保安岗充电")
        shot(page, "counts")
        page.click("#handover-counts-submit")
        page.wait_for_selector("#handover-log-ack")
        assert "卫生间漏水" in page.inner_text("#handover-step-log")
        shot(page, "previous-log")
        page.click("#handover-log-ack")

        page.wait_for_selector("#handover-step-items")
        line = HandoverLine.objects.get(handover=handover)
        page.check(f"#take-{line.pk}")
        page.fill(f"#note-{line.pk}", "明早 9 点前回访住户")
        shot(page, "open-items")
        page.click("#handover-items-submit")

        page.goto(f"{live_server.url}/duty/handover/{handover.pk}/?step=anomalies")
        page.fill("#id_area", "大堂")
        page.fill("#id_description", "东侧吊灯不亮")
        page.fill("#id_explanation", "已报工程部，明天更换")
        page.click("#handover-anomaly-submit")
        page.wait_for_selector("#handover-anomalies")
        shot(page, "anomalies")

        page.click("#handover-to-confirm")
        page.wait_for_selector("#handover-confirm-form")
        page.fill("#id_outgoing_password", PASSWORD)
        page.fill("#id_incoming_password", PASSWORD)
        shot(page, "confirm")
        page.click("#handover-complete")
        page.wait_for_selector('#handover-status[data-state="completed"]')
        shot(page, "completed")

        phone = new_page(phone=True)
        login(phone, "zhao", PASSWORD)
        phone.goto(f"{live_server.url}/duty/handover/{handover.pk}/")
        shot(phone, "completed-phone")
        page.goto(f"{live_server.url}/duty/print/handover/{handover.pk}/")
        shot(page, "print")
        printed = page.inner_text("body")

    handover.refresh_from_db()
    assert handover.state == HandoverState.COMPLETED
    count = handover.counts.get(post_item=walkie_talkies)
    assert (count.counted, count.explanation) == (3, "一台在保安岗充电")
    line.refresh_from_db()
    assert line.taken_over
    assert "东侧吊灯不亮" in printed and "一台在保安岗充电" in printed
