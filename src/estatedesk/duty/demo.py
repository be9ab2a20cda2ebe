"""Demo duty data for 示例花园: this month's CS and cleaners' rosters (published), post items,
the on-call list and a few duty log entries. Idempotent: what exists is left alone."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction

from estatedesk.core import clock
from estatedesk.duty import services
from estatedesk.duty.enums import LogEntryKind, OnCallRole, RosterKind, RosterState
from estatedesk.duty.models import DutyLogEntry, OnCallEntry, PostItem, Roster
from estatedesk.org.models import Site

POST_ITEMS = [
    ("对讲机", 4, "值班台抽屉"),
    ("灭火器", 2, "服务中心门口"),
    ("水瓶", 2, "茶水间"),
    ("强光手电", 2, "值班台"),
    ("钥匙箱", 1, "值班台后墙"),
    ("应急药箱", 1, "值班台下"),
    ("值班记录本（纸质备用）", 1, "值班台"),
]
# username, on-call role, phone (demo numbers)
ON_CALL = [
    ("manager", OnCallRole.MANAGER, "13800001001"),
    ("supervisor", OnCallRole.CS_HEAD, "13800001002"),
    ("sec_head", OnCallRole.SECURITY_HEAD, "13800001003"),
    ("eng_head", OnCallRole.MAINTENANCE_HEAD, "13800001004"),
]
LOG_ENTRIES = [
    (LogEntryKind.CALL, "3栋1201 住户来电：卫生间顶棚渗水，已通知工程部值班电工查看。", True),
    (
        LogEntryKind.PATROL,
        "巡查大堂、地下车库，未见异常；车库 B2 照明一处不亮，已记录待报修。",
        False,
    ),
    (LogEntryKind.VISIT, "5栋住户来访咨询装修申请手续，已告知所需资料。", False),
]


def _users(*names: str) -> dict[str, object]:
    found = get_user_model().objects.filter(username__in=names)
    return {user.get_username(): user for user in found}


@transaction.atomic
def seed(*, site: Site) -> list[str]:
    lines: list[str] = []
    users = _users("supervisor", "dispatcher", "duty", "cleaner", *[u for u, _r, _p in ON_CALL])
    supervisor = users.get("supervisor")
    if supervisor is None:
        return ["duty: demo staff missing, skipped"]
    for order, (name, quantity, place) in enumerate(POST_ITEMS):
        _item, created = PostItem.objects.get_or_create(
            site=site,
            name=name,
            defaults={"quantity": quantity, "location": place, "sort_order": order},
        )
        if created:
            lines.append(f"岗位公物 {name} ×{quantity}")
    for username, role, phone in ON_CALL:
        user = users.get(username)
        if user is not None and not OnCallEntry.objects.filter(site=site, role=role).exists():
            services.on_call_add(site=site, role=role, user=user, phone=phone, actor=supervisor)
            lines.append(f"值班联络 {OnCallRole(role).label} {username}")
    month = clock.today().replace(day=1)
    for kind, names in (
        (RosterKind.CS, ["dispatcher", "duty"]),
        (RosterKind.CLEANING, ["cleaner"]),
    ):
        people = [users[n] for n in names if n in users]
        roster = Roster.objects.filter(site=site, kind=kind, month=month).first()
        if roster is not None and roster.state == RosterState.PUBLISHED:
            continue
        if not people:
            continue
        roster = services.roster_open(site=site, kind=kind, month=month, actor=supervisor)
        services.roster_fill_rotation(roster=roster, users=people, actor=supervisor)
        services.roster_publish(roster=roster, version=roster.version, actor=supervisor)
        lines.append(f"{month:%Y-%m} {RosterKind(kind).label}表已发布")
    author = users.get("dispatcher")
    if author is not None and not DutyLogEntry.objects.filter(site=site).exists():
        now = clock.now()
        for offset, (entry_kind, text, follow_up) in enumerate(LOG_ENTRIES):
            services.log_entry_append(
                site=site,
                kind=entry_kind,
                text=text,
                actor=author,
                occurred_at=now - dt.timedelta(minutes=90 - 30 * offset),
                follow_up=follow_up,
            )
        lines.append(f"值班记录 {len(LOG_ENTRIES)} 条")
    return lines
