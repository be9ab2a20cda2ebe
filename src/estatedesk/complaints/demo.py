"""Demo complaints for the demo site: each severity at a different step of the cycle, a
referred and an invalid one, a pending extension, a repeat that upgraded itself, one overdue a
month (upgraded by the job), a CAPA closed by quality, last week's report with the manager's
check and last month's summary signed. All made through the services, so events, clocks and
notifications exist.

Idempotent: a site that already has complaints gets nothing new."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from estatedesk.complaints import jobs, services
from estatedesk.complaints.enums import (
    QualityConclusion,
    Satisfaction,
    Scope,
    Severity,
    TellVia,
    Validity,
)
from estatedesk.complaints.models import Complaint
from estatedesk.core import clock
from estatedesk.org.enums import DepartmentKind, ExternalPartyKind
from estatedesk.org.models import Department, ExternalParty, Resident, Site
from estatedesk.tickets.enums import Channel

APOLOGY = "非常抱歉给您带来了不便，我代表相关部门向您致歉，我们会尽快处理并给您答复。"


def _user(username: str) -> Any:
    return get_user_model().objects.get(username=username)


def _residents(site: Site, count: int) -> list[Resident]:
    return list(
        Resident.objects.filter(site=site, occupancies__isnull=False)
        .prefetch_related("occupancies__unit")
        .order_by("pk")[:count]
    )


def _receive(
    site: Site,
    resident: Resident,
    *,
    description: str,
    severity: str,
    department: Department | None,
    ago: dt.timedelta,
    channel: str = Channel.HOTLINE,
    **detail: Any,
) -> Complaint:
    unit = resident.occupancies.all()[0].unit
    fields = {
        "channel": channel,
        "description": description,
        "reporter_name": resident.name,
        "reporter_phone": resident.phone,
        "unit": unit,
        "resident": resident,
        "received_at": clock.now() - ago,
        "occurred_at": clock.now() - ago - dt.timedelta(hours=2),
    }
    values: dict[str, Any] = {
        "validity": Validity.VALID,
        "severity": severity,
        "scope": Scope.PROPERTY,
        "demand": "请尽快处理，并给我一个明确答复。",
        "apology": APOLOGY,
        "department_id": department.pk if department else None,
        **detail,
    }
    return services.complaint_create(
        site=site,
        actor=_user("assistant"),
        ticket_fields=fields,
        detail=services.ComplaintDetail(**values),
    )


def _handle(c: Complaint, worker: str, text: str, *, substandard: bool = False) -> None:
    services.complaint_sign(complaint_id=c.pk, actor=_user(worker))
    services.complaint_handle(
        complaint_id=c.pk,
        actor=_user(worker),
        handling=text,
        caused_by_substandard_work=substandard,
    )


def _tell(c: Complaint, note: str) -> None:
    services.complaint_form_return(complaint_id=c.pk, actor=_user("assistant"))
    services.complaint_tell(
        complaint_id=c.pk, actor=_user("assistant"), via=TellVia.PHONE, note=note
    )


@transaction.atomic
def seed(*, site: Site) -> list[str]:
    if Complaint.objects.filter(site=site).exists():
        return []
    dept = {d.kind: d for d in Department.objects.filter(site=site)}
    eng = dept[DepartmentKind.ENGINEERING]
    cleaning = dept[DepartmentKind.CLEANING]
    security = dept[DepartmentKind.SECURITY]
    people = _residents(site, 10)
    if len(people) < 10:
        return []
    hour, day = dt.timedelta(hours=1), dt.timedelta(days=1)

    # major: a promise broken and raised again; closed with the CAPA verified by quality
    closed = _receive(
        site,
        people[0],
        description="承诺一周内修复的屋面漏水，一个月了仍未修复，雨天家里天花板滴水",
        severity=Severity.MAJOR,
        department=eng,
        ago=2 * day,
        complained_person="维修班",
    )
    services.complaint_report(complaint_id=closed.pk, actor=_user("manager"))
    services.complaint_answer(
        complaint_id=closed.pk, actor=_user("assistant"), answer="已安排防水班组明日上门。"
    )
    _handle(closed, "eng_leader", "已重做屋面防水层并经淋水试验无渗漏。", substandard=True)
    _tell(closed, "住户确认不再渗水，表示认可。")
    services.return_visit_record(
        complaint_id=closed.pk,
        actor=_user("supervisor"),
        via=TellVia.PHONE,
        result="雨后回访，天花板无水迹。",
        satisfaction=Satisfaction.SATISFIED,
    )
    services.complaint_close(complaint_id=closed.pk, actor=_user("dispatcher"))
    capa = services.capa_file(
        complaint_id=closed.pk,
        actor=_user("eng_head"),
        nonconformity="屋面漏水承诺一周修复，实际一个月未完成。",
        cause="维修计划未跟踪，防水材料采购延误。",
        correction="重做防水层并淋水验收。",
        prevention="承诺期限纳入调度看板每日跟踪；防水材料设安全库存。",
        owner_id=_user("eng_head").pk,
        due_date=clock.today() + dt.timedelta(days=14),
    )
    services.capa_implement(capa_id=capa.pk, actor=_user("eng_head"), note="已建立材料库存台账。")
    services.capa_verify(
        capa_id=capa.pk, actor=_user("quality"), verification="抽查两周记录，有效。", accept=True
    )

    # major, just received: the form waits for engineering's signature
    fresh = _receive(
        site,
        people[1],
        description="电梯困人 40 分钟，按警铃无人应答",
        severity=Severity.MAJOR,
        department=eng,
        ago=20 * dt.timedelta(minutes=1),
        complained_person="电梯值班员",
    )

    # important: signed, the department asks to extend (the site manager decides)
    extended = _receive(
        site,
        people[2],
        description="维修师傅上门未穿鞋套，弄脏地板且态度生硬",
        severity=Severity.IMPORTANT,
        department=eng,
        ago=3 * hour,
        complained_person="马师傅",
    )
    services.complaint_sign(complaint_id=extended.pk, actor=_user("plumber"))
    services.extension_request(
        complaint_id=extended.pk,
        actor=_user("plumber"),
        reason="需与住户约定清洁公司上门时间。",
        until=clock.now() + 7 * day,
    )

    # important: told, the return visit is due
    visiting = _receive(
        site,
        people[3],
        description="保安夜间巡逻时在楼下大声喧哗",
        severity=Severity.IMPORTANT,
        department=security,
        ago=day,
    )
    services.complaint_report(complaint_id=visiting.pk, actor=_user("area"))
    _handle(visiting, "guard_leader", "已对当班保安批评教育，夜间巡逻禁止喧哗。")
    _tell(visiting, "住户接受处理结果。")

    # minor: handled, the form not yet returned
    handled = _receive(
        site,
        people[4],
        description="楼道垃圾两天没有清理，有异味",
        severity=Severity.MINOR,
        department=cleaning,
        ago=5 * hour,
        reasonable_deadline=clock.now() + 2 * day,
    )
    _handle(handled, "cleaner", "已清理楼道垃圾并消毒。")

    # non-property: a developer's defect referred on (RQ-7)
    developer = ExternalParty.objects.filter(site=site, kind=ExternalPartyKind.DEVELOPER).first()
    _receive(
        site,
        people[5],
        description="外墙渗水，交房时就有，属开发商遗留问题",
        severity=Severity.MINOR,
        department=None,
        ago=6 * hour,
        channel=Channel.LETTER,
        scope=Scope.NON_PROPERTY,
        non_property_kind="developer_defect",
        external_party_id=developer.pk if developer else None,
        referred_to="" if developer else "开发商客服部",
    )

    # invalid: explained to the resident
    invalid = _receive(
        site,
        people[6],
        description="要求物业赔偿邻居家小孩弄坏的自行车",
        severity=Severity.MINOR,
        department=None,
        ago=4 * hour,
        validity=Validity.INVALID,
        invalid_reason="属邻里纠纷，非物业服务责任。",
    )
    services.complaint_tell(
        complaint_id=invalid.pk,
        actor=_user("assistant"),
        via=TellVia.PHONE,
        note="已耐心解释并建议双方协商，可协助联系社区调解。",
    )

    # the same resident a third time in 30 days about the same matter: upgraded (CP-3)
    for ago, text in (
        (20 * day, "地下车库照明灯不亮"),
        (9 * day, "地下车库灯还是不亮"),
        (2 * hour, "车库照明第三次投诉，仍然没有修好"),
    ):
        repeat = _receive(
            site, people[7], description=text, severity=Severity.MINOR, department=eng, ago=ago
        )

    # a minor complaint unresolved for over a month: the job upgrades it (CP-3)
    _receive(
        site,
        people[8],
        description="小区健身器材损坏，报修后一直未修",
        severity=Severity.MINOR,
        department=eng,
        ago=35 * day,
    )
    upgraded = jobs.upgrade_overdue_complaints(now=clock.now())

    # reviews: last week's report with the manager's check, last month's summary signed
    now = clock.now()
    report = services.weekly_report_generate(
        site=site, saturday=services.latest_saturday(now), now=now
    )
    if report is not None:
        services.quality_check_record(
            report_id=report.pk,
            actor=_user("manager"),
            conclusion=QualityConclusion.ACCEPTABLE,
            findings="抽查 2 宗，处理及时；个别意见表签收超过 15 分钟。",
            actions="部门主管每日查看待签收意见表。",
        )
    summary = services.monthly_summary_generate(
        site=site, month=services.previous_month(now), now=now
    )
    if summary is not None:
        services.monthly_summary_submit(
            summary_id=summary.pk,
            actor=_user("dispatcher"),
            text="上月投诉均已按时处理；工程类投诉占比较高，建议加强维修回访。",
        )
        services.monthly_summary_sign(
            summary_id=summary.pk, actor=_user("manager"), comment="同意，工程部落实回访制度。"
        )

    total = Complaint.objects.filter(site=site).count()
    return [
        f"complaints: {total} complaints ({upgraded} upgraded by the overdue job)",
        f"  complaint form (《住户投诉意见表》): {reverse('complaints:form_print', args=[fresh.pk])}",
        f"  handling record (《投诉处置记录表》): {reverse('complaints:record_print', args=[closed.pk])}",
        f"  pending extension: {reverse('complaints:detail', args=[extended.pk])}",
        f"  repeat upgraded to major: {reverse('complaints:detail', args=[repeat.pk])}",
        f"  return visit due: {reverse('complaints:detail', args=[visiting.pk])}",
    ]
