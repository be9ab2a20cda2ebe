"""Duty pages: access by role and site, forms that keep input, the handover wizard end to end,
query counts of the lists (DT-1, DT-5, DT-8, DT-9, DT-11)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from estatedesk.duty.enums import ChangeKind, HandoverState, LogEntryKind, RosterKind, RosterState
from estatedesk.duty.models import DutyAssignment, DutyLogEntry, Handover, LogSignoff, Roster
from estatedesk.duty.services import (
    duty_change_request,
    handover_start,
    log_entry_append,
)
from estatedesk.duty.tests.factories import at, post_items, roster_with
from estatedesk.org.enums import DepartmentKind, Role

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests-1"
NIGHT = at(2026, 11, 18, 20, 0)


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


def _write(site, user, n):
    for i in range(n):
        log_entry_append(site=site, kind=LogEntryKind.CALL, text=f"来电 {i}", actor=user)


def test_log_page_adds_an_entry_and_keeps_input_on_error_dt8(client, site, officer):
    client.force_login(officer)
    with time_machine.travel(NIGHT, tick=False):
        empty = client.get(f"/duty/?site={site.pk}")
        assert "这一天还没有值班记录" in empty.content.decode()
        bad = client.post(f"/duty/?site={site.pk}", {"kind": "visit", "text": "   "})
        assert bad.status_code == 200
        assert 'value="visit" selected' in bad.content.decode()
        assert not DutyLogEntry.objects.exists()
        ok = client.post(
            f"/duty/?site={site.pk}",
            {"kind": "visit", "text": "住户来访咨询装修", "important": "on"},
        )
        assert ok.status_code == 302 and ok["Location"].endswith("#entry-1")
        page = client.get(f"/duty/?site={site.pk}").content.decode()
    entry = DutyLogEntry.objects.get()
    assert (entry.kind, entry.text, entry.important, entry.author_id) == (
        "visit",
        "住户来访咨询装修",
        True,
        officer.pk,
    )
    assert 'id="entry-1"' in page and "住户来访咨询装修" in page


def test_log_page_query_count_does_not_grow_with_entries_dt8(client, site, officer):
    client.force_login(officer)
    url = f"/duty/?site={site.pk}"
    with time_machine.travel(NIGHT, tick=False):
        _write(site, officer, 1)
        one = _queries(client, url)
        _write(site, officer, 19)
        twenty = _queries(client, url)
    assert one == twenty


def test_entry_page_appends_a_correction_dt8(client, site, officer):
    client.force_login(officer)
    with time_machine.travel(NIGHT, tick=False):
        _write(site, officer, 1)
        entry = DutyLogEntry.objects.get()
        refused = client.post(
            f"/duty/entries/{entry.pk}/", {"action": "correct", "text": "改正内容", "reason": ""}
        )
        assert refused.status_code == 200 and "改正内容" in refused.content.decode()
        done = client.post(
            f"/duty/entries/{entry.pk}/",
            {"action": "correct", "text": "改正内容", "reason": "房号记错"},
        )
    correction = DutyLogEntry.objects.get(seq=2)
    assert done.status_code == 302 and done["Location"] == f"/duty/entries/{correction.pk}/"
    assert (correction.corrects_id, correction.text) == (entry.pk, "改正内容")
    assert DutyLogEntry.objects.get(pk=entry.pk).text == "来电 0"


def test_other_sites_entries_and_log_are_not_found(client, site, other_site, officer, make_staff):
    stranger = make_staff(other_site, Role.DISPATCHER)
    with time_machine.travel(NIGHT, tick=False):
        _write(site, officer, 1)
    client.force_login(stranger)
    assert client.get(f"/duty/entries/{DutyLogEntry.objects.get().pk}/").status_code == 404
    assert client.get(f"/duty/?site={site.pk}").status_code == 404
    assert client.get(f"/duty/print/log/2026-11-18/?site={site.pk}").status_code == 404


def test_cleaner_may_read_the_roster_but_not_the_log(client, site, make_staff):
    cleaner = make_staff(site, Role.DEPT_STAFF, DepartmentKind.CLEANING)
    client.force_login(cleaner)
    assert client.get("/duty/").status_code == 403
    assert client.get(f"/duty/roster/?site={site.pk}&kind=cleaning").status_code == 200


def test_supervisor_builds_and_publishes_the_roster_from_the_grid_dt1(
    client, site, supervisor, officer, officer2
):
    client.force_login(supervisor)
    with time_machine.travel(at(2026, 11, 26, 10, 0), tick=False):
        base = {"site": site.pk, "kind": "cs", "month": "2026-12"}
        assign = client.post(
            "/duty/roster/assign/", base | {"day": "2026-12-01", "user": officer.pk}
        )
        assert assign.status_code == 302 and assign["Location"].endswith("#day-1")
        client.post("/duty/roster/fill/", base | {"users": [officer2.pk, officer.pk]})
        roster = Roster.objects.get(site=site, kind=RosterKind.CS, month=dt.date(2026, 12, 1))
        assert roster.assignments.count() == 31
        assert DutyAssignment.objects.get(roster=roster, day=dt.date(2026, 12, 2)).user == officer2
        page = client.get(f"/duty/roster/?site={site.pk}&kind=cs&month=2026-12").content.decode()
        assert 'id="roster-publish"' in page
        client.post(f"/duty/roster/{roster.pk}/publish/", {"version": roster.version})
        printable = client.get(f"/duty/print/roster/?site={site.pk}&kind=cs&month=2026-12")
    roster.refresh_from_db()
    assert roster.state == RosterState.PUBLISHED
    assert "客户服务中心值班安排表" in printable.content.decode()


def test_officer_sees_the_grid_without_edit_controls(client, site, officer):
    roster_with(site, {dt.date(2026, 11, 18): officer})
    client.force_login(officer)
    page = client.get(f"/duty/roster/?site={site.pk}&month=2026-11").content.decode()
    assert 'id="roster-grid"' in page and 'id="roster-publish"' not in page
    assert "assign-18" not in page
    response = client.post(
        "/duty/roster/assign/",
        {
            "site": site.pk,
            "kind": "cs",
            "month": "2026-11",
            "day": "2026-11-19",
            "user": officer.pk,
        },
    )
    assert response.status_code == 403
    assert DutyAssignment.objects.count() == 1


def test_leave_request_and_approval_pages_dt5(client, site, supervisor, officer, officer2):
    roster = roster_with(site, {dt.date(2026, 11, 18): officer})
    assignment = roster.assignments.get()
    with time_machine.travel(at(2026, 11, 16, 9, 0), tick=False):
        client.force_login(officer)
        mine = client.get(f"/duty/changes/?site={site.pk}").content.decode()
        assert f"/duty/changes/new/{assignment.pk}/" in mine
        client.post(
            f"/duty/changes/new/{assignment.pk}/",
            {"kind": "swap", "substitute": officer2.pk, "reason": "家中有事"},
        )
        change = assignment.changes.get()
        client.force_login(supervisor)
        client.post(
            f"/duty/changes/{change.pk}/",
            {"action": "approve", "version": change.version, "substitute": officer2.pk},
        )
    assert DutyAssignment.objects.get(pk=assignment.pk).user_id == officer2.pk


def test_change_list_query_count_does_not_grow(client, site, supervisor, officer, officer2):
    days = {dt.date(2026, 11, d): officer for d in range(1, 21)}
    roster = roster_with(site, days)
    client.force_login(supervisor)
    rows = list(roster.assignments.order_by("day"))
    with time_machine.travel(at(2026, 10, 30, 9, 0), tick=False):
        duty_change_request(assignment=rows[0], kind=ChangeKind.LEAVE, reason="x", actor=officer)
        one = _queries(client, f"/duty/changes/?site={site.pk}")
        for row in rows[1:]:
            duty_change_request(assignment=row, kind=ChangeKind.LEAVE, reason="x", actor=officer)
        twenty = _queries(client, f"/duty/changes/?site={site.pk}")
    assert one == twenty


def test_on_call_page_lists_and_adds_dt7(client, site, supervisor, manager, officer):
    client.force_login(supervisor)
    empty = client.get(f"/duty/oncall/?site={site.pk}").content.decode()
    assert 'id="oncall-empty"' in empty
    response = client.post(
        f"/duty/oncall/?site={site.pk}",
        {
            "site": site.pk,
            "role": "manager",
            "user": manager.pk,
            "phone": "13800000001",
            "priority": 1,
        },
    )
    assert response.status_code == 302
    client.force_login(officer)
    page = client.get(f"/duty/oncall/?site={site.pk}").content.decode()
    assert "tel:13800000001" in page and 'id="oncall-form"' not in page


def test_handover_wizard_end_to_end_with_stable_ids_dt9(client, site, officer, officer2):
    roster_with(site, {dt.date(2026, 11, 17): officer, dt.date(2026, 11, 18): officer2})
    items = post_items(site)
    client.force_login(officer2)
    with time_machine.travel(at(2026, 11, 18, 17, 25), tick=False):
        home = client.get(f"/duty/handover/?site={site.pk}").content.decode()
        assert 'id="handover-start-form"' in home and 'id="handover-start"' in home
        started = client.post(f"/duty/handover/?site={site.pk}", {"site": site.pk, "outgoing": ""})
        handover = Handover.objects.get()
        assert started["Location"] == f"/duty/handover/{handover.pk}/"
        url = started["Location"]
        page = client.get(url).content.decode()
        assert 'id="handover-counts-form"' in page and 'id="handover-step-counts"' in page
        counts = {c.post_item_id: c.pk for c in handover.counts.all()}
        data = {"action": "counts", "version": 0}
        for item in items:
            data[f"counted_{counts[item.pk]}"] = item.quantity
        data[f"counted_{counts[items[0].pk]}"] = 3
        refused = client.post(url, data).content.decode()
        assert "请交班人说明去向" in refused and 'value="3"' in refused
        data[f"explanation_{counts[items[0].pk]}"] = "一台充电中"
        assert client.post(url, data)["Location"] == f"{url}?step=log"
        log_page = client.get(f"{url}?step=log").content.decode()
        assert 'id="handover-log-ack"' in log_page
        client.post(url, {"action": "log", "version": 1, "through_seq": 0})
        assert 'id="handover-items-empty"' in client.get(f"{url}?step=items").content.decode()
        client.post(
            url,
            {
                "action": "anomaly",
                "version": 2,
                "area": "大堂",
                "description": "灯不亮",
                "explanation": "已报修",
            },
        )
        confirm = client.get(f"{url}?step=confirm").content.decode()
        assert 'id="handover-confirm-form"' in confirm and 'id="id_outgoing_password"' in confirm
        wrong = client.post(
            url,
            {
                "action": "complete",
                "version": 3,
                "outgoing_password": "nope",
                "incoming_password": PASSWORD,
            },
        ).content.decode()
        assert "交班人密码不正确" in wrong
        assert Handover.objects.get().state == HandoverState.OPEN
        done = client.post(
            url,
            {
                "action": "complete",
                "version": 3,
                "outgoing_password": PASSWORD,
                "incoming_password": PASSWORD,
            },
        )
        assert done.status_code == 302
        summary = client.get(url).content.decode()
        printable = client.get(f"/duty/print/handover/{handover.pk}/").content.decode()
    assert Handover.objects.get().state == HandoverState.COMPLETED
    assert 'data-state="completed"' in summary
    assert "交接班记录" in printable and "一台充电中" in printable and "灯不亮" in printable


def test_handover_history_query_count_does_not_grow(client, site, officer, officer2):
    days = {dt.date(2026, 11, d): (officer2 if d % 2 else officer) for d in range(1, 22)}
    roster_with(site, days)
    client.force_login(officer)

    def one_handover(day):
        incoming = days[day]
        with time_machine.travel(
            dt.datetime.combine(day, dt.time(17, 25), tzinfo=at(2026, 1, 1).tzinfo), tick=False
        ):
            h = handover_start(site=site, actor=incoming)
            Handover.objects.filter(pk=h.pk).update(state=HandoverState.CANCELLED)

    one_handover(dt.date(2026, 11, 2))
    one = _queries(client, f"/duty/handover/?site={site.pk}")
    for d in range(3, 22):
        one_handover(dt.date(2026, 11, d))
    twenty = _queries(client, f"/duty/handover/?site={site.pk}")
    assert Handover.objects.count() == 20
    assert one == twenty


def test_supervisor_signs_the_night_log_dt11(client, site, supervisor, officer):
    with time_machine.travel(NIGHT, tick=False):
        _write(site, officer, 2)
    client.force_login(supervisor)
    with time_machine.travel(at(2026, 11, 19, 9, 0), tick=False):
        listing = client.get(f"/duty/signoff/?site={site.pk}").content.decode()
        assert 'id="signoff-2026-11-18"' in listing
        day = client.get(f"/duty/signoff/2026-11-18/?site={site.pk}").content.decode()
        assert 'id="signoff-form"' in day and "来电 1" in day
        client.post(
            f"/duty/signoff/2026-11-18/?site={site.pk}", {"site": site.pk, "comment": "已阅"}
        )
        printable = client.get(f"/duty/print/log/2026-11-18/?site={site.pk}").content.decode()
    signed = LogSignoff.objects.get()
    assert (signed.day, signed.entry_count, signed.through_seq, signed.comment) == (
        dt.date(2026, 11, 18),
        2,
        2,
        "已阅",
    )
    assert "值班记录" in printable and "来电 0" in printable and "主管签阅" in printable


def test_officer_cannot_open_the_signoff_page_dt11(client, site, officer):
    client.force_login(officer)
    assert client.get(f"/duty/signoff/?site={site.pk}").status_code == 403


def test_home_card_shows_the_shift_and_open_items(client, site, officer):
    roster_with(site, {dt.date(2026, 11, 18): officer})
    client.force_login(officer)
    with time_machine.travel(NIGHT, tick=False):
        log_entry_append(
            site=site, kind=LogEntryKind.EVENT, text="电梯困人", actor=officer, follow_up=True
        )
        page = client.get("/").content.decode()
    assert "值班 · " in page and "当前班次 17:30–08:30" in page


def test_nav_lists_the_duty_pages_for_the_cs_desk(client, site, officer):
    client.force_login(officer)
    page = client.get("/duty/roster/").content.decode()
    for label in ("值班记录", "交接班", "值班表", "请假调班", "值班联络表"):
        assert label in page
    assert "值班记录签阅" not in page
