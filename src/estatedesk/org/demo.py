"""Demo organisation: 示例花园 with buildings, units, residents, staff in every role.

Idempotent: a second run finds what exists and creates nothing new.
"""

from __future__ import annotations

import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from estatedesk.org.enums import DepartmentKind, ExternalPartyKind, Relation, Role, UnitStatus
from estatedesk.org.models import (
    Building,
    Company,
    Department,
    ExternalParty,
    Membership,
    Occupancy,
    PublicPlace,
    Resident,
    Site,
    Unit,
)

DEMO_PASSWORD = "estatedesk-demo"  # noqa: S105 - published demo login, local data only
SITE_CODE = "SF"

# username, full name, role, department kind
DEMO_STAFF: list[tuple[str, str, str, str | None]] = [
    ("assistant", "王芳", Role.CS_ASSISTANT, DepartmentKind.CUSTOMER_SERVICE),
    ("dispatcher", "李强", Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE),
    ("duty", "赵敏", Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE),
    ("supervisor", "陈静", Role.CS_SUPERVISOR, DepartmentKind.CUSTOMER_SERVICE),
    ("manager", "刘洋", Role.SITE_MANAGER, DepartmentKind.MANAGEMENT),
    ("area", "孙磊", Role.AREA_MANAGER, DepartmentKind.MANAGEMENT),
    ("deputy", "周建国", Role.DEPUTY_GM, DepartmentKind.MANAGEMENT),
    ("gm", "吴志远", Role.GM, DepartmentKind.MANAGEMENT),
    ("eng_head", "郑海", Role.DEPT_HEAD, DepartmentKind.ENGINEERING),
    ("eng_leader", "冯军", Role.TEAM_LEADER, DepartmentKind.ENGINEERING),
    ("plumber", "马师傅", Role.DEPT_STAFF, DepartmentKind.ENGINEERING),
    ("electrician", "黄师傅", Role.DEPT_STAFF, DepartmentKind.ENGINEERING),
    ("sec_head", "韩勇", Role.DEPT_HEAD, DepartmentKind.SECURITY),
    ("guard_leader", "杨刚", Role.TEAM_LEADER, DepartmentKind.SECURITY),
    ("guard", "朱亮", Role.DEPT_STAFF, DepartmentKind.SECURITY),
    ("clean_head", "何丽", Role.DEPT_HEAD, DepartmentKind.CLEANING),
    ("cleaner", "林阿姨", Role.DEPT_STAFF, DepartmentKind.CLEANING),
    ("finance", "高洁", Role.FINANCE, DepartmentKind.FINANCE),
    ("quality", "罗敏", Role.QUALITY, DepartmentKind.QUALITY),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰文辉鑫宇浩然欣怡子涵梓萱"
PLACES = ["大堂", "地下车库", "中心花园", "会所", "东门岗亭", "西门岗亭", "游泳池", "儿童游乐区"]
VENDORS = [
    (ExternalPartyKind.TELEPHONE, "中国电信社区维护站", 24),
    (ExternalPartyKind.BROADBAND, "长城宽带", 24),
    (ExternalPartyKind.WATER_HEATER, "万和热水器售后", 48),
    (ExternalPartyKind.VIDEO_INTERCOM, "安居宝可视对讲", 24),
    (ExternalPartyKind.SECURITY_DOOR, "盼盼防盗门售后", 48),
    (ExternalPartyKind.DEVELOPER, "示例置业（开发商）", 72),
    (ExternalPartyKind.CONTRACTOR, "中建某局保修组", 48),
]


def demo_logins() -> list[tuple[str, str, str]]:
    return [(username, name, str(Role(role).label)) for username, name, role, _d in DEMO_STAFF]


@transaction.atomic
def seed_organisation() -> Site:
    company, _ = Company.objects.get_or_create(
        code="DEMO", defaults={"name": "示例物业服务有限公司"}
    )
    site, created = Site.objects.get_or_create(
        code=SITE_CODE,
        defaults={
            "company": company,
            "name": "示例花园",
            "address": "广东省深圳市南山区示例路 88 号",
            "phone": "0755-88886666",
        },
    )
    departments = {}
    for kind, label in DepartmentKind.choices:
        departments[kind], _ = Department.objects.get_or_create(
            site=site, kind=kind, defaults={"name": str(label)}
        )
    for name in PLACES:
        PublicPlace.objects.get_or_create(site=site, name=name)
    for kind, name, hours in VENDORS:
        ExternalParty.objects.get_or_create(
            site=site,
            name=name,
            defaults={
                "kind": kind,
                "contact_name": "售后服务",
                "phone": "400-800-" + str(1000 + hours),
                "committed_response_hours": hours,
            },
        )
    _seed_staff(site, departments)
    if created or not Unit.objects.filter(site=site).exists():
        _seed_units_and_residents(site)
    return site


def _seed_staff(site: Site, departments: dict[str, Department]) -> None:
    user_model = get_user_model()
    if not user_model.objects.filter(username="admin").exists():
        user_model.objects.create_superuser("admin", "admin@example.invalid", DEMO_PASSWORD)
    for username, full_name, role, dept_kind in DEMO_STAFF:
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user = user_model.objects.create_user(
                username,
                f"{username}@example.invalid",
                DEMO_PASSWORD,
                first_name=full_name,  # Chinese names read surname first: keep them whole
            )
        Membership.objects.get_or_create(
            user=user,
            site=site,
            role=role,
            defaults={"department": departments.get(dept_kind) if dept_kind else None},
        )


def _seed_units_and_residents(site: Site) -> None:
    rng = random.Random(20261123)  # noqa: S311 - demo data, not security
    for b in range(1, 7):
        building = Building.objects.create(site=site, name=f"{b}栋", floors=18, sort_order=b)
        units = [
            Unit(
                building=building,
                site=site,
                floor=floor,
                number=f"{floor}{room:02d}",
                area=Decimal(rng.choice(["89.50", "96.20", "118.00", "132.60"])),
                status=UnitStatus.OCCUPIED if rng.random() < 0.85 else UnitStatus.VACANT,
            )
            for floor in range(1, 19)
            for room in range(1, 5)
        ]
        Unit.objects.bulk_create(units)
    used_phones: set[str] = set()
    occupancies = []
    for unit in Unit.objects.filter(site=site, status=UnitStatus.OCCUPIED).order_by("pk"):
        if rng.random() < 0.25:
            continue
        phone = _unique_phone(rng, used_phones)
        resident = Resident.objects.create(
            site=site, name=_name(rng), phone=phone, id_number=_id_number(rng)
        )
        relation = Relation.OWNER if rng.random() < 0.8 else Relation.TENANT
        occupancies.append(Occupancy(resident=resident, unit=unit, relation=relation))
    Occupancy.objects.bulk_create(occupancies)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def _unique_phone(rng: random.Random, used: set[str]) -> str:
    while True:
        phone = rng.choice(["138", "139", "186", "135", "159"]) + f"{rng.randrange(10**8):08d}"
        if phone not in used:
            used.add(phone)
            return phone


def _id_number(rng: random.Random) -> str:
    return (
        f"4403{rng.randrange(10**2):02d}19{rng.randrange(60, 99)}{rng.randrange(1, 13):02d}"
        f"{rng.randrange(1, 29):02d}{rng.randrange(10**4):04d}"
    )
