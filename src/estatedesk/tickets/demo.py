"""Demo tickets for the demo site: every kind in every state, a few overdue, all made through
the services so their audit events, SLA clocks, slips and log entries exist.

Idempotent: a site that already has tickets gets nothing new."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from estatedesk.core import clock
from estatedesk.org.enums import DepartmentKind, ExternalPartyKind
from estatedesk.org.models import Department, ExternalParty, Resident, Site
from estatedesk.tickets import services
from estatedesk.tickets.enums import CancelKind, Channel, TicketKind, TicketState
from estatedesk.tickets.models import PriceItem, Ticket

PRICE_LIST = [
    ("疏通下水道", "次", Decimal("80.00")),
    ("更换水龙头（不含材料）", "个", Decimal("30.00")),
    ("安装晾衣架", "套", Decimal("60.00")),
    ("开锁服务", "次", Decimal("50.00")),
    ("家政保洁", "小时", Decimal("45.00")),
]

SAMPLES: dict[str, str] = {
    TicketKind.EMERGENCY_MEDICAL: "老人在家中晕倒，家属请求协助送医",
    TicketKind.REPAIR: "厨房水槽下水管漏水，地面有积水",
    TicketKind.COMPLAINT: "投诉楼上夜间装修噪音扰民",
    TicketKind.CONSULTATION: "请问小区充电桩怎么办理安装",
    TicketKind.SECURITY_INCIDENT: "地下车库电动车电瓶被盗",
    TicketKind.DISASTER: "暴雨后地下车库入口水浸",
    TicketKind.FIRE: "5栋 12 楼楼道烟雾报警器响，有焦味",
    TicketKind.PUBLIC_SAFETY: "中心花园围墙有松动砖块，存在坠落风险",
    TicketKind.ACCIDENT: "东门口两车剐蹭，有人轻微受伤",
    TicketKind.URGENT_ORDER: "街道办通知今晚进行消防通道专项检查",
    TicketKind.OTHER_HELP: "住户钥匙反锁在家，请求帮忙联系开锁",
    TicketKind.PAID_SERVICE: "卫生间地漏堵塞，需要有偿疏通",
}

DEPARTMENT_FOR: dict[str, str] = {
    TicketKind.EMERGENCY_MEDICAL: DepartmentKind.SECURITY,
    TicketKind.REPAIR: DepartmentKind.ENGINEERING,
    TicketKind.COMPLAINT: DepartmentKind.CUSTOMER_SERVICE,
    TicketKind.CONSULTATION: DepartmentKind.CUSTOMER_SERVICE,
    TicketKind.SECURITY_INCIDENT: DepartmentKind.SECURITY,
    TicketKind.DISASTER: DepartmentKind.ENGINEERING,
    TicketKind.FIRE: DepartmentKind.SECURITY,
    TicketKind.PUBLIC_SAFETY: DepartmentKind.SECURITY,
    TicketKind.ACCIDENT: DepartmentKind.SECURITY,
    TicketKind.URGENT_ORDER: DepartmentKind.MANAGEMENT,
    TicketKind.OTHER_HELP: DepartmentKind.CUSTOMER_SERVICE,
    TicketKind.PAID_SERVICE: DepartmentKind.ENGINEERING,
}

WORKER_FOR: dict[str, str] = {
    DepartmentKind.ENGINEERING: "plumber",
    DepartmentKind.SECURITY: "guard",
    DepartmentKind.CUSTOMER_SERVICE: "assistant",
    DepartmentKind.CLEANING: "cleaner",
    DepartmentKind.MANAGEMENT: "manager",
}

ANSWERABLE = {TicketKind.CONSULTATION, TicketKind.OTHER_HELP}
GENERAL_DEMO_OVERDUE = {
    TicketKind.REPAIR,
    TicketKind.COMPLAINT,
    TicketKind.CONSULTATION,
    TicketKind.OTHER_HELP,
    TicketKind.PAID_SERVICE,
}
STALE_STATES = {TicketState.RECEIVED, TicketState.IN_PROGRESS}


def seed(*, site: Site) -> list[str]:
    if Ticket.objects.filter(site=site).exists():
        return ["工单已存在，跳过"]
    return _seed(site)


@transaction.atomic
def _seed(site: Site) -> list[str]:
    users = {u.username: u for u in get_user_model().objects.all()}
    for index, (name, unit_label, price) in enumerate(PRICE_LIST):
        PriceItem.objects.get_or_create(
            site=site,
            name=name,
            defaults={"unit_label": unit_label, "price": price, "sort_order": index},
        )
    residents = list(
        Resident.objects.filter(site=site, occupancies__isnull=False)
        .prefetch_related("occupancies__unit")
        .order_by("pk")[:60]
    )
    departments = {d.kind: d for d in Department.objects.filter(site=site)}
    vendor = ExternalParty.objects.filter(site=site, kind=ExternalPartyKind.WATER_HEATER).first()
    now = clock.now()
    count = 0
    states = list(TicketState.values)
    for k_index, kind in enumerate(TicketKind.values):
        for s_index, state in enumerate(states):
            resident = residents[(k_index * len(states) + s_index) % len(residents)]
            # Older tickets for finished states; general requests still waiting for a first
            # response, and complex ones still without a solution, are left days old so their
            # clocks (RQ-6: 24 h / 48 h) are overdue on the dispatcher board.
            stale = kind in GENERAL_DEMO_OVERDUE and state in STALE_STATES
            hours_ago = 72 + s_index if stale else (s_index * 7 + k_index) % 40 + 1
            if state in {TicketState.DONE, TicketState.CLOSED, TicketState.CANCELLED}:
                hours_ago += 48
            _make(
                site=site,
                kind=kind,
                state=state,
                resident=resident,
                received_at=now - dt.timedelta(hours=hours_ago),
                users=users,
                departments=departments,
                vendor=vendor,
                sequence=k_index * len(states) + s_index,
                is_complex=stale and state == TicketState.IN_PROGRESS,
            )
            count += 1
    overdue = Ticket.objects.filter(site=site).active().filter(next_due_at__lt=now).count()
    return [
        f"工单 {count} 张（{len(TicketKind.values)} 类 × {len(states)} 个状态），"
        f"其中 {overdue} 张已超时",
        f"有偿服务价目 {len(PRICE_LIST)} 项",
        f"住户演示：在 /r/ 用手机号 {residents[0].phone} 登录（验证码打印在服务器控制台）",
    ]


def _make(
    *,
    site: Site,
    kind: str,
    state: str,
    resident: Resident,
    received_at: dt.datetime,
    users: dict[str, Any],
    departments: dict[str, Department],
    vendor: ExternalParty | None,
    sequence: int,
    is_complex: bool,
) -> Ticket:
    assistant, dispatcher = users["assistant"], users["dispatcher"]
    supervisor = users["supervisor"]
    department = departments[DEPARTMENT_FOR[kind]]
    worker = users[WORKER_FOR[department.kind]]
    unit = resident.occupancies.all()[0].unit
    channel = Channel.VISIT if sequence % 4 == 1 else Channel.HOTLINE
    ticket = services.intake_submit(
        site=site,
        actor=assistant,
        ticket_fields={
            "kind": kind,
            "channel": channel,
            "description": SAMPLES[kind],
            "reporter_name": resident.name,
            "reporter_phone": resident.phone,
            "resident": resident,
            "unit": unit,
            "received_at": received_at,
            "is_complex": is_complex,
        },
    )

    def act(action: str, actor: Any, **payload: Any) -> None:
        services.ticket_transition(ticket_id=ticket.pk, action=action, actor=actor, payload=payload)

    if state == TicketState.RECEIVED:
        return ticket
    if state == TicketState.CANCELLED:
        act("cancel", supervisor, cancel_kind=CancelKind.DUPLICATE, reason="与上一单重复登记")
        return ticket
    if state == TicketState.REFERRED:
        if vendor is not None and kind == TicketKind.REPAIR:
            act(
                "refer",
                assistant,
                referral_kind="Q",
                external_party_id=vendor.pk,
                note="已联系厂家",
            )
        else:
            act("refer", assistant, referral_kind="other", referred_to="街道办/相关责任单位")
        return ticket
    if kind in ANSWERABLE and state in {TicketState.DONE, TicketState.CLOSED}:
        act("answer", assistant, answer="已答复住户：请携带身份证和房产证到客服中心办理。")
        if state == TicketState.CLOSED:
            act("close", dispatcher, slip_confirmed=True)
        return ticket
    if kind == TicketKind.PAID_SERVICE:
        item = PriceItem.objects.filter(site=site).order_by("sort_order").first()
        assert item is not None
        services.paid_service_quote(
            ticket_id=ticket.pk, actor=assistant, price_item_id=item.pk, quantity="1"
        )
        if state != TicketState.DISPATCHED:
            services.paid_service_confirm(ticket_id=ticket.pk, actor=assistant)
    act("dispatch", dispatcher, department_id=department.pk, assignee_id=worker.pk)
    if state == TicketState.DISPATCHED:
        return ticket
    act("start", worker)
    if state == TicketState.IN_PROGRESS:
        services.note_add(ticket_id=ticket.pk, actor=worker, body="已到现场查看，正在处理")
        return ticket
    if state == TicketState.WAITING_RESIDENT:
        act("wait_resident", worker, reason="住户不在家，约明天上午上门")
        return ticket
    act("complete", worker, note="已处理完毕，现场已清理", materials="")
    if state == TicketState.CLOSED:
        act("close", dispatcher, slip_confirmed=True)
        services.ticket_rate(
            ticket_id=ticket.pk,
            actor=assistant,
            rating=2 if sequence % 5 == 0 else 5,
            comment="上门有点慢" if sequence % 5 == 0 else "师傅很专业",
        )
    return ticket
