"""The emergency-medical "call 120" branch in the browser (EM-6, with EM-2, EM-3, EM-4): the
dispatcher opens the emergency from the shortcut, walks the playbook (the contact step is
already recorded, the branch is chosen, each step's time is kept), notifies the security
leaders; the CS supervisor reports up and the manager acknowledges on a phone; the guard leader
confirms arrival on a phone; the dispatcher settles the event."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps

from estatedesk.core import clock
from estatedesk.emergencies.enums import CaseState, ChainState, ResponderStatus
from estatedesk.emergencies.models import EmergencyCase, StepRecord
from estatedesk.org.enums import DepartmentKind, Role
from estatedesk.tickets.enums import TicketKind

PASSWORD = "pass-for-tests-1"


@pytest.fixture
def defaults(db):
    """The default chain and playbooks (a transactional test may follow another's flush)."""
    seed = importlib.import_module(
        "estatedesk.emergencies.migrations.0002_default_chain_and_playbooks"
    ).seed
    seed(django_apps, None)


@pytest.fixture
def people(site, make_staff):
    found = {}
    for username, name, role, department in (
        ("li", "李强", Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE),
        ("chen", "陈静", Role.CS_SUPERVISOR, DepartmentKind.CUSTOMER_SERVICE),
        ("liu", "刘洋", Role.SITE_MANAGER, DepartmentKind.MANAGEMENT),
        ("han", "韩勇", Role.DEPT_HEAD, DepartmentKind.SECURITY),
        ("yang", "杨刚", Role.TEAM_LEADER, DepartmentKind.SECURITY),
    ):
        user = make_staff(site, role, department, username=username)
        user.first_name = name
        user.save(update_fields=["first_name"])
        found[username] = user
    return found


def _step(case, position):
    return StepRecord.objects.get(case=case, position=position)


def _done(page, case, position, note=""):
    record = _step(case, position)
    if note:
        page.fill(f"#step-{record.pk} input[name=note]", note)
    page.click(f"#step-{record.pk} button")
    page.wait_for_selector(f"#step-{record.pk}.em-step-done")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_emergency_medical_call_120_branch_em6(
    live_server, new_page, shot, login, site, people, defaults
):
    # Real time: the browser's countdowns (static/web/app.js) read the browser's own clock.
    start = clock.now()
    desk = new_page()
    login(desk, "li", PASSWORD)
    desk.goto(f"{live_server.url}/emergencies/new/")
    desk.click("label[for^=id_kind_]:has-text('急救病人')")
    desk.fill("#id_reporter_name", "王阿姨（家属）")
    desk.fill("#id_reporter_phone", "13800000803")
    desk.fill("#id_location_text", "6栋803")
    desk.fill("#id_description", "家中老人突然晕倒，意识模糊，家属请求帮助")
    shot(desk, "desk-intake")
    desk.click("button[type=submit]")
    desk.wait_for_selector("#playbook-title")

    case = EmergencyCase.objects.get()
    assert case.ticket.kind == TicketKind.EMERGENCY_MEDICAL
    assert case.chain_state == ChainState.NOT_STARTED  # EM-6: the supervisor decides
    assert "问清并记录病人所在地址" in desk.inner_text(f"#step-{_step(case, 1).pk}")
    assert "地址：6栋803；电话：13800000803" in desk.inner_text(f"#step-{_step(case, 1).pk}")
    assert "员工不得提供超出自身资质的医疗建议" in desk.content()

    _done(desk, case, 2, "78 岁，有呼吸，意识模糊")
    choose = _step(case, 3)
    desk.click(f"#step-{choose.pk} button[value=call_120]")
    desk.wait_for_selector(f"#step-{_step(case, 9).pk}")
    assert desk.locator(f"#step-{_step(case, 4).pk}").count() == 0  # other branches hidden
    _done(desk, case, 9, "已协助拨打 120，约 10 分钟到")
    _done(desk, case, 10, "已告知家属在大门口接车")

    desk.check(f"input[name=users][value='{people['yang'].pk}']")
    desk.check(f"input[name=users][value='{people['han'].pk}']")
    desk.fill("#id_note", "到东门口等救护车")
    desk.click("#notify-submit")
    desk.wait_for_selector("text=已通知所选责任人")
    shot(desk, "desk-call120-walk")

    supervisor = new_page()
    login(supervisor, "chen", PASSWORD)
    supervisor.goto(f"{live_server.url}/emergencies/{case.pk}/")
    supervisor.click("text=上报经理（开始逐级呼叫）")
    supervisor.wait_for_selector("[data-due]")
    shot(supervisor, "desk-supervisor-reported-up")

    manager = new_page(phone=True)
    login(manager, "liu", PASSWORD)
    manager.goto(f"{live_server.url}/emergencies/{case.pk}/")
    shot(manager, "phone-manager-paged")
    manager.click("#em-live button:has-text('确认收到')")
    manager.wait_for_selector("text=已确认收到，呼叫链已停止")
    shot(manager, "phone-manager-acknowledged")

    leader = new_page(phone=True)
    login(leader, "yang", PASSWORD)
    leader.goto(f"{live_server.url}/emergencies/{case.pk}/")
    leader.click("section[aria-label='我的到场情况'] button[value=on_way]")
    leader.wait_for_selector("text=已更新")
    leader.click("section[aria-label='我的到场情况'] button[value=arrived]")
    leader.wait_for_selector("text=已更新")
    shot(leader, "phone-guard-leader-arrived")

    desk.goto(f"{live_server.url}/emergencies/{case.pk}/")
    _done(desk, case, 11)
    _done(desk, case, 12, "救护车 20:31 到达 6 栋楼下")
    _done(desk, case, 13, "病人已送往市人民医院，家属随车")
    desk.fill("#id_note", "已由 120 送医，家属随行；保安已复位道闸")
    desk.click("text=确认事件已平息")
    desk.wait_for_selector("text=已确认事件平息")
    shot(desk, "desk-settled")

    case.refresh_from_db()
    assert (case.state, case.branch, case.chain_state) == (
        CaseState.SETTLED,
        "call_120",
        ChainState.ACKNOWLEDGED,
    )
    assert case.acknowledged_by == people["liu"]
    done = list(
        StepRecord.objects.filter(case=case, done_at__isnull=False)
        .order_by("position")
        .values_list("position", flat=True)
    )
    assert done == [1, 2, 3, 9, 10, 11, 12, 13]
    times = [s.done_at for s in StepRecord.objects.filter(case=case, position__in=done)]
    assert all(start <= t < start + dt.timedelta(minutes=10) for t in times)
    leader_row = case.responders.get(user=people["yang"])
    assert leader_row.status == ResponderStatus.ARRIVED and leader_row.arrived_at is not None
