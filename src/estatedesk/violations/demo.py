"""Demo violation cases for 示例花园, in different stages, made through the real services.

Idempotent: when the site already has violation cases nothing is added.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from PIL import Image, ImageDraw

from estatedesk.core import clock
from estatedesk.org.models import Resident, Site
from estatedesk.violations import services
from estatedesk.violations.enums import (
    DocumentKind,
    Grade,
    MeasureKind,
    TaskKind,
    ViolationKind,
    ViolationSubKind,
)
from estatedesk.violations.models import CaseTask, Measure, ViolationCase, ViolationDocument


def _photo(text: str) -> io.BytesIO:
    """A small generated PNG standing in for a site photo."""
    image = Image.new("RGB", (480, 320), (206, 212, 218))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 440, 280), outline=(73, 80, 87), width=6)
    for x in range(60, 440, 40):
        draw.line((x, 40, x, 280), fill=(108, 117, 125), width=3)
    draw.text((52, 290), text, fill=(33, 37, 41))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


@transaction.atomic
def seed(*, site: Site) -> list[str]:
    if ViolationCase.objects.filter(site=site).exists():
        return ["违章案例已存在，跳过"]
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=["assistant", "supervisor", "manager", "guard"]
        )
    }
    assistant, supervisor = users["assistant"], users["supervisor"]
    manager, guard = users["manager"], users["guard"]
    residents = list(
        Resident.objects.filter(site=site, occupancies__isnull=False)
        .prefetch_related("occupancies__unit__building")
        .order_by("pk")[:6]
    )
    now = clock.now()

    def register(index: int, **kwargs: Any) -> ViolationCase:
        resident = residents[index]
        unit = resident.occupancies.all()[0].unit
        grade = kwargs.pop("grade", Grade.GENERAL)
        return services.case_register(
            unit=unit,
            resident=resident,
            occurred_at=now - dt.timedelta(hours=kwargs.pop("hours_ago", 2)),
            grade=grade,
            causes_loss=kwargs.pop("causes_loss", grade == Grade.MAJOR),
            endangers_safety=kwargs.pop("endangers_safety", False),
            actor=assistant,
            **kwargs,
        )

    # 1. Just registered: window bars, persuaded on the spot, with a photo.
    first = register(
        0,
        kind=ViolationKind.RENOVATION,
        sub_kind=ViolationSubKind.RENOVATION_WINDOW,
        location="2栋北侧外立面",
        witness="保安 朱亮",
        description="装修工人在窗外加装凸出式防盗网，影响外立面统一。",
        onsite_persuasion="保安当场劝阻，工人称须业主同意，暂未停工。",
    )
    services.evidence_add(case=first, upload=_photo("window bars"), name="防盗网.png", actor=guard)

    # 2. Rectification by a deadline with a coordination slip to engineering; deadline passed.
    second = register(
        1,
        kind=ViolationKind.ENVIRONMENT,
        sub_kind=ViolationSubKind.ENV_PUBLIC_SPACE,
        location="3栋一楼楼梯间",
        witness="保洁员 林阿姨",
        description="楼梯间长期堆放旧家具和纸箱。",
        onsite_persuasion="保洁员提醒住户清理，住户答应但未清理。",
        hours_ago=72,
    )
    services.document_issue(
        case=second,
        kind=DocumentKind.COORDINATION_SLIP,
        addressee="保洁部",
        content="请保洁部于住户清理后协助清运垃圾，并拍照反馈。",
        actor=assistant,
    )
    rectify = services.measure_record(
        case=second,
        kind=MeasureKind.RECTIFICATION,
        details="请于期限内自行清理楼梯间堆放的物品，保持消防通道畅通。",
        deadline=now + dt.timedelta(hours=1),
        actor=assistant,
    )
    # Demo history: this notice was issued two days ago with yesterday as its deadline, so the
    # overdue job has something to flag on the first run.
    yesterday = now - dt.timedelta(days=1)
    Measure.objects.filter(pk=rectify.pk).update(deadline=yesterday)
    CaseTask.objects.filter(measure=rectify, kind=TaskKind.REINSPECT).update(due_at=yesterday)
    ViolationDocument.objects.filter(measures=rectify).update(deadline=yesterday)

    # 3. Upgraded to major after a loss; the manager decided compensation (a month-end charge).
    third = register(
        2,
        kind=ViolationKind.RENOVATION,
        sub_kind=ViolationSubKind.RENOVATION_UTILITIES,
        location="5栋12楼公共管井",
        witness="工程部 马师傅",
        description="装修时私自改动公共给水管。",
        onsite_persuasion="工程部当场要求停工。",
    )
    services.case_upgrade(
        case=third,
        causes_loss=True,
        endangers_safety=False,
        reason="改管导致楼下 1102 天花板渗水，造成损失。",
        actor=supervisor,
    )
    services.penalty_decide(
        case=third,
        kind=MeasureKind.COMPENSATION,
        details="赔偿 1102 天花板修复费用及公共管道维修费。",
        amount=Decimal("1860.00"),
        out_of_order_reason="已造成损失，限期整改不足以弥补。",
        actor=manager,
    )

    # 4. Fee arrears up the VI-5 ladder to an announced cut-off (the covenant allows it here).
    services.settings_update(
        site=site,
        covenant_allows_cutoff=True,
        penalty_roles=[],
        cutoff_notice_days=3,
        cutoff_visit_minutes=5,
        relations_followup_days=7,
        actor=manager,
    )
    fourth = register(
        3,
        kind=ViolationKind.REFUSING_FEES,
        sub_kind=ViolationSubKind.FEES_REFUSED,
        location="客服中心",
        witness="客户助理 王芳",
        description="无正当理由拒交 2025 年全年物业管理费。",
        onsite_persuasion="电话及上门沟通三次，住户拒绝缴费。",
    )
    services.measure_record(
        case=fourth,
        kind=MeasureKind.REMINDER_LETTER,
        details="发出书面催缴函，限 15 日内缴清。",
        actor=assistant,
    )
    services.penalty_decide(
        case=fourth,
        kind=MeasureKind.LATE_FEE,
        details="按业主规约自逾期之日起收取滞纳金。",
        amount=Decimal("86.40"),
        actor=manager,
    )
    notice = services.document_issue(
        case=fourth,
        kind=DocumentKind.CUTOFF_NOTICE,
        content="您已拖欠物业管理费一年，经多次催缴仍未缴纳。请于停水日期前到客服中心缴清欠费。",
        scheduled_for=now + dt.timedelta(days=4),
        actor=assistant,
    )
    services.penalty_decide(
        case=fourth,
        kind=MeasureKind.CUTOFF,
        details="依据业主规约暂停供水，缴清后立即恢复。",
        notice=notice,
        out_of_order_reason="律师函及业委会公告前先按规约停水，业委会已知悉。",
        actor=manager,
    )

    # 5. Resolved after persuasion.
    fifth = register(
        4,
        kind=ViolationKind.PUBLIC_ORDER,
        sub_kind=ViolationSubKind.ORDER_PARKING,
        location="东门消防车道",
        witness="保安 杨刚",
        description="私家车长期停放在消防车道。",
        onsite_persuasion="",
        endangers_safety=True,
        grade=Grade.MAJOR,
    )
    services.measure_record(
        case=fifth, kind=MeasureKind.PERSUASION, details="联系车主说明消防要求。", actor=guard
    )
    services.case_resolve(case=fifth, resolution="车主已将车辆移至地下车库。", actor=manager)

    cases = [first, second, third, fourth, fifth]
    return [
        f"违章案例 {c.number} {c.get_sub_kind_display()}（{c.get_state_display()}）" for c in cases
    ]
