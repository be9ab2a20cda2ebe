"""Demo: two requests received about 22 hours ago and not yet answered, so the dispatcher
board shows amber rows (past 80% of RQ-6's 24 h) beside the red ones the ticket demo leaves
overdue; then one sweep marks the breaches (notifications, RP-4 exception records).

Idempotent: the amber tickets are made once; the sweep does nothing the second time."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from estatedesk.core import clock
from estatedesk.org.models import Resident, Site
from estatedesk.sla.jobs import sweep
from estatedesk.tickets import services as ticket_services
from estatedesk.tickets.models import Ticket

# received 22.5 h / 22 h ago: RQ-6's 24 h is past its 80% warning, due within two hours
AMBER = [
    (22.5, "2栋电梯运行时有异响，住户担心安全"),
    (22.0, "楼道声控灯不亮，晚上回家看不清台阶"),
]
MARK = "（演示：即将超时）"


def seed(*, site: Site) -> list[str]:
    lines = []
    assistant = get_user_model().objects.filter(username="assistant").first()
    resident = (
        Resident.objects.filter(site=site, occupancies__isnull=False)
        .prefetch_related("occupancies__unit")
        .order_by("-pk")
        .first()
    )
    already = Ticket.objects.filter(site=site, description__endswith=MARK).exists()
    if assistant is not None and resident is not None and not already:
        now = clock.now()
        for hours, text in AMBER:
            ticket_services.ticket_create(
                site=site,
                actor=assistant,
                kind="repair",
                channel="hotline",
                description=text + MARK,
                reporter_name=resident.name,
                reporter_phone=resident.phone,
                resident=resident,
                unit=resident.occupancies.all()[0].unit,
                received_at=now - dt.timedelta(hours=hours),
            )
        lines.append(f"即将超时的演示工单 {len(AMBER)} 张（RQ-6 已用去 80% 以上时限）")
    result = sweep(now=clock.now())
    lines.append(
        f"时限巡检：预警 {result.warned}，超时 {result.breached}，升级 {result.escalated}，"
        f"异常记录 {result.exceptions}"
    )
    return lines
