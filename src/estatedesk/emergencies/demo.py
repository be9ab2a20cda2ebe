"""Demo emergencies for the demo site: a fire alarm handled start to finish (acknowledged from the
SMS link, responders on site, a leader's instruction done, settled, signed off by the manager)
and an emergency-medical case in progress on its "call 120" branch with the chain running. Made
through the services, so their events, pages, notifications and sub-tickets exist.

Idempotent: a site that already has emergencies gets nothing new."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from estatedesk.core import clock
from estatedesk.emergencies import links, services
from estatedesk.emergencies.enums import ResponderStatus, Severity
from estatedesk.emergencies.models import EmergencyCase, StepRecord
from estatedesk.org.models import Resident, Site
from estatedesk.tickets import services as ticket_services
from estatedesk.tickets.enums import Channel, TicketKind

PEOPLE = (
    "dispatcher",
    "duty",
    "supervisor",
    "manager",
    "deputy",
    "sec_head",
    "guard_leader",
    "guard",
    "eng_head",
)


def seed(*, site: Site) -> list[str]:
    if EmergencyCase.objects.filter(site=site).exists():
        return ["紧急事件已存在，跳过"]
    users = {u.username: u for u in get_user_model().objects.filter(username__in=PEOPLE)}
    if set(users) != set(PEOPLE):
        return ["缺少演示员工账号，跳过紧急事件"]
    fire = _fire_signed_off(site, users)
    medical = _medical_in_progress(site, users)
    return [
        f"紧急事件 {fire.ticket.number}（火警，已经理签字结案）",
        f"紧急事件 {medical.ticket.number}（急救病人·呼叫 120，处置中）：/emergencies/{medical.pk}/",
    ]


def _steps(case: EmergencyCase, actor: Any, notes: dict[int, str], branch: str = "") -> None:
    for record in StepRecord.objects.filter(case=case, done_at__isnull=True).order_by("position"):
        if record.position in notes:
            services.step_record(
                case=case,
                record=record,
                actor=actor,
                note=notes[record.position],
                branch=branch if record.chooses_branch else "",
            )


@transaction.atomic
def _fire_signed_off(site: Site, users: dict[str, Any]) -> EmergencyCase:
    duty, manager = users["duty"], users["manager"]
    case = services.emergency_open(
        site=site,
        actor=duty,
        kind=TicketKind.FIRE,
        channel=Channel.HOTLINE,
        description="5栋 12 楼楼道烟感报警，住户闻到焦味",
        reporter_name="5栋1203 住户",
        reporter_phone="13800001203",
        location_text="5栋 12 楼楼道",
    )
    page = case.pages.get(level=1)
    services.page_acknowledge_by_link(token=links.ack_token(page_id=page.pk, user_id=manager.pk))
    services.responders_notify(
        case=case,
        users=[users["sec_head"], users["guard_leader"], users["eng_head"]],
        actor=duty,
        note="携带灭火器到 5 栋 12 楼",
    )
    leader = case.responders.get(user=users["guard_leader"])
    services.responder_update(responder=leader, status=ResponderStatus.ON_WAY, actor=leader.user)
    services.responder_update(responder=leader, status=ResponderStatus.ARRIVED, actor=leader.user)
    services.responder_update(
        responder=leader,
        status=ResponderStatus.REPORTED,
        actor=leader.user,
        note="1203 住户厨房煮糊食物，烟感误报；已开窗通风，报警器已复位",
    )
    _steps(
        case,
        duty,
        {
            1: "5栋 12 楼楼道，烟感报警，无人被困",
            2: "杨刚带灭火器 3 分钟到场",
            10: "厨房煮糊食物引起，报警器已复位",
            11: "保安部已提交书面报告",
        },
    )
    case.refresh_from_db()
    instruction = services.instruction_create(
        case=case,
        actor=duty,
        text="全面检查 5 栋各层烟感和消防通道，本周内完成",
        owner=users["eng_head"],
        due_at=clock.now() + dt.timedelta(days=3),
        given_by=users["deputy"],
    )
    sub = instruction.ticket
    ticket_services.ticket_transition(ticket_id=sub.pk, action="start", actor=users["eng_head"])
    ticket_services.ticket_transition(
        ticket_id=sub.pk,
        action="complete",
        actor=users["eng_head"],
        payload={"note": "5 栋 18 层烟感逐一测试正常，消防通道无堵塞"},
    )
    ticket_services.ticket_transition(
        ticket_id=sub.pk,
        action="close",
        actor=users["dispatcher"],
        payload={"slip_confirmed": True},
    )
    case.refresh_from_db()
    services.emergency_settle(case=case, actor=duty, note="烟感误报，现场已恢复正常")
    case.refresh_from_db()
    services.emergency_sign_off(case=case, actor=manager, note="处置及时，同意结案")
    return case


@transaction.atomic
def _medical_in_progress(site: Site, users: dict[str, Any]) -> EmergencyCase:
    dispatcher = users["dispatcher"]
    resident = (
        Resident.objects.filter(site=site, occupancies__isnull=False)
        .prefetch_related("occupancies__unit__building")
        .order_by("pk")
        .first()
    )
    unit = resident.occupancies.all()[0].unit if resident is not None else None
    case = services.emergency_open(
        site=site,
        actor=dispatcher,
        kind=TicketKind.EMERGENCY_MEDICAL,
        severity=Severity.SERIOUS,
        channel=Channel.HOTLINE,
        description="家中老人突然晕倒，意识模糊，家属请求帮助",
        reporter_name=resident.name if resident is not None else "住户家属",
        reporter_phone=resident.phone if resident is not None else "13800000803",
        unit=unit,
        resident=resident,
        location_text="" if unit is not None else "6栋803",
    )
    _steps(
        case,
        dispatcher,
        {
            2: "老人 78 岁，呼吸有，意识模糊",
            3: "家属要求呼叫 120",
            9: "已协助拨打 120，预计 10 分钟到达",
            10: "已告知家属在大门口接救护车",
        },
        branch="call_120",
    )
    case.refresh_from_db()
    services.emergency_report_up(case=case, actor=users["supervisor"])
    case.refresh_from_db()
    services.responders_notify(
        case=case, users=[users["guard_leader"], users["guard"]], actor=dispatcher
    )
    leader = case.responders.get(user=users["guard_leader"])
    services.responder_update(responder=leader, status=ResponderStatus.ON_WAY, actor=leader.user)
    guard = case.responders.get(user=users["guard"])
    services.responder_update(responder=guard, status=ResponderStatus.ARRIVED, actor=guard.user)
    return case
