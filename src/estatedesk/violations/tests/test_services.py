"""Services: registration and routing, grades, the ladder, authority, cut-off, resolution."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from estatedesk.core import clock
from estatedesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from estatedesk.core.models import Event
from estatedesk.notify.models import Notification
from estatedesk.org.enums import Role
from estatedesk.violations import services
from estatedesk.violations.enums import (
    CaseState,
    DocumentKind,
    Grade,
    MeasureKind,
    ReinspectResult,
    RetentionClass,
    TaskKind,
    ViolationKind,
    ViolationSubKind,
)
from estatedesk.violations.models import (
    CaseTask,
    Measure,
    ViolationCase,
    ViolationDocument,
    ViolationSettings,
)
from estatedesk.violations.tests.factories import allow_cutoff, arrears_case, make_case

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.local_zone())  # a Monday


def test_general_case_routes_to_cs_supervisor_and_notifies_vi7(site, staff) -> None:
    with time_machine.travel(T0, tick=False):
        case = make_case(site, staff["assistant"])
    assert case.number == f"{site.code}WZ2603020001"
    assert case.assigned_to == staff["supervisor"]
    assert case.state == CaseState.REGISTERED
    note = Notification.objects.get(user=staff["supervisor"], topic="violations.assigned")
    assert note.title == f"新一般违章待处理：{case.number}"
    assert note.url == f"/violations/{case.pk}/"


def test_major_case_routes_to_site_manager_vi7(site, staff) -> None:
    case = make_case(site, staff["assistant"], grade=Grade.MAJOR)
    assert case.assigned_to == staff["manager"]
    assert Notification.objects.filter(user=staff["manager"], topic="violations.assigned").count()


def test_general_grade_with_loss_is_refused_vi3(site, staff) -> None:
    from estatedesk.org.tests.factories import ResidentFactory

    resident = ResidentFactory(site=site)
    unit = resident.units.get()
    with pytest.raises(ValidationFailed) as exc:
        services.case_register(
            unit=unit,
            resident=resident,
            kind=ViolationKind.FIRE_SAFETY,
            sub_kind=ViolationSubKind.FIRE_EXIT_BLOCKED,
            location="3栋消防通道",
            occurred_at=clock.now(),
            witness="保安",
            description="堆放杂物堵塞通道",
            onsite_persuasion="",
            grade=Grade.GENERAL,
            causes_loss=False,
            endangers_safety=True,
            actor=staff["assistant"],
        )
    assert exc.value.code == "grade_rule"
    assert "未对住户或管理处造成损失且不危及公共安全" in exc.value.detail
    assert ViolationCase.objects.count() == 0


def test_sub_kind_must_belong_to_kind_vi2(site, staff) -> None:
    with pytest.raises(ValidationFailed) as exc:
        make_case(site, staff["assistant"], sub_kind=ViolationSubKind.ENV_NOISE)
    assert exc.value.code == "sub_kind_mismatch"
    assert ViolationCase.objects.count() == 0


def test_guard_cannot_register_only_cs_center_registers_vi7(site, staff) -> None:
    with pytest.raises(PermissionDenied):
        make_case(site, staff["guard"])
    assert ViolationCase.objects.count() == 0


def test_onsite_persuasion_is_the_first_measure_vi7(site, staff) -> None:
    case = make_case(site, staff["assistant"], onsite_persuasion="保安当场劝阻，住户不听")
    measure = case.measures.get()
    assert (measure.seq, measure.kind, measure.details) == (
        1,
        MeasureKind.PERSUASION,
        "保安当场劝阻，住户不听",
    )


def test_retention_class_general_one_year_major_five_years_vi12_rt3(site, staff) -> None:
    with time_machine.travel(T0, tick=False):
        general = make_case(site, staff["assistant"])
        major = make_case(site, staff["assistant"], grade=Grade.MAJOR)
    assert (general.retention_class, general.retain_until) == (
        RetentionClass.GENERAL_1Y,
        dt.date(2027, 3, 2),
    )
    assert (major.retention_class, major.retain_until) == (
        RetentionClass.MAJOR_5Y,
        dt.date(2031, 3, 2),
    )


def test_upgrade_general_to_major_changes_retention_class_audited_vi12_rt3(site, staff) -> None:
    with time_machine.travel(T0, tick=False):
        case = make_case(site, staff["assistant"])
    services.case_upgrade(
        case=case,
        causes_loss=True,
        endangers_safety=False,
        reason="防盗网坠落砸坏楼下车辆",
        actor=staff["supervisor"],
    )
    case.refresh_from_db()
    assert case.grade == Grade.MAJOR
    assert case.retention_class == RetentionClass.MAJOR_5Y
    assert case.retain_until == dt.date(2031, 3, 2)
    assert case.assigned_to == staff["manager"]
    event = Event.objects.get(verb="violations.case_upgraded", subject_id=case.pk)
    assert event.before["retention_class"] == RetentionClass.GENERAL_1Y
    assert event.after["retention_class"] == RetentionClass.MAJOR_5Y
    assert event.before["retain_until"] == "2027-03-02"
    assert event.after["retain_until"] == "2031-03-02"
    assert event.data == {"reason": "防盗网坠落砸坏楼下车辆"}


def test_upgrade_by_guard_refused_nothing_changed_vi12(site, staff) -> None:
    case = make_case(site, staff["assistant"])
    with pytest.raises(PermissionDenied):
        services.case_upgrade(
            case=case, causes_loss=True, endangers_safety=False, reason="x", actor=staff["guard"]
        )
    case.refresh_from_db()
    assert (case.grade, case.retention_class, case.version) == (
        Grade.GENERAL,
        RetentionClass.GENERAL_1Y,
        1,
    )


def test_guard_records_persuasion_vi7_vi9(site, staff) -> None:
    case = make_case(site, staff["assistant"])
    measure = services.measure_record(
        case=case, kind=MeasureKind.PERSUASION, details="再次上门劝导", actor=staff["guard"]
    )
    assert (measure.seq, measure.recorded_by, measure.signed_at) == (1, staff["guard"], None)
    case.refresh_from_db()
    assert (case.state, case.version) == (CaseState.HANDLING, 2)


def test_guard_cannot_decide_penalty_nothing_changed_vi9(site, staff) -> None:
    case = make_case(site, staff["assistant"], onsite_persuasion="劝阻无效")
    with pytest.raises(PermissionDenied) as exc:
        services.penalty_decide(
            case=case,
            kind=MeasureKind.COMPENSATION,
            details="赔偿",
            amount=Decimal("500"),
            out_of_order_reason="损失已造成",
            actor=staff["guard"],
        )
    assert exc.value.code == "penalty_not_authorized"
    case.refresh_from_db()
    assert (case.state, case.version, case.measures.count()) == (CaseState.REGISTERED, 1, 1)


def test_cs_supervisor_decides_penalty_only_where_site_allows_vi9(site, staff) -> None:
    case = make_case(site, staff["assistant"], onsite_persuasion="劝阻无效")
    kwargs = {
        "case": case,
        "kind": MeasureKind.COMPENSATION,
        "details": "损坏公共管道，赔偿维修费",
        "amount": Decimal("800"),
        "out_of_order_reason": "已造成损失",
        "actor": staff["supervisor"],
    }
    with pytest.raises(PermissionDenied):
        services.penalty_decide(**kwargs)
    ViolationSettings.objects.create(site=site, penalty_roles=["site_manager", "cs_supervisor"])
    measure = services.penalty_decide(**kwargs)
    assert (measure.signed_by, measure.amount) == (staff["supervisor"], Decimal("800.00"))


def test_compensation_takes_effect_when_signed_and_relations_task_vi10_vi11(site, staff) -> None:
    case = make_case(site, staff["assistant"], onsite_persuasion="劝阻无效")
    with time_machine.travel(T0, tick=False):
        measure = services.penalty_decide(
            case=case,
            kind=MeasureKind.COMPENSATION,
            details="赔偿楼下车辆维修费",
            amount=Decimal("1200.5"),
            out_of_order_reason="已造成损失，不适用整改",
            actor=staff["manager"],
        )
    assert (measure.signed_by, measure.signed_at) == (staff["manager"], T0)
    assert measure.out_of_order_reason == "已造成损失，不适用整改"
    task = CaseTask.objects.get(measure=measure)
    assert (task.kind, task.due_at) == (TaskKind.EASE_RELATIONS, T0 + dt.timedelta(days=7))


def test_out_of_order_measure_needs_reason_persuasion_first_vi1_vi4(site, staff) -> None:
    case = make_case(site, staff["assistant"])
    with pytest.raises(ValidationFailed) as exc:
        services.measure_record(
            case=case,
            kind=MeasureKind.RECTIFICATION,
            details="限期拆除",
            deadline=clock.now() + dt.timedelta(days=7),
            actor=staff["assistant"],
        )
    assert exc.value.code == "measure_out_of_order"
    assert "应先采取“劝导教育”" in exc.value.detail
    case.refresh_from_db()
    assert (case.version, case.measures.count(), case.documents.count()) == (1, 0, 0)
    measure = services.measure_record(
        case=case,
        kind=MeasureKind.RECTIFICATION,
        details="限期拆除",
        deadline=clock.now() + dt.timedelta(days=7),
        out_of_order_reason="住户明确拒绝劝导",
        actor=staff["assistant"],
    )
    assert measure.out_of_order_reason == "住户明确拒绝劝导"


def test_going_back_down_the_ladder_needs_no_reason_vi4(site, staff) -> None:
    case = make_case(site, staff["assistant"], onsite_persuasion="劝阻")
    services.measure_record(
        case=case,
        kind=MeasureKind.RECTIFICATION,
        details="限期拆除",
        deadline=clock.now() + dt.timedelta(days=7),
        actor=staff["assistant"],
    )
    again = services.measure_record(
        case=case, kind=MeasureKind.PERSUASION, details="再次沟通", actor=staff["guard"]
    )
    assert (again.seq, again.out_of_order_reason) == (3, "")


def test_arrears_ladder_late_fee_before_reminder_letter_needs_reason_vi5(site, staff) -> None:
    case = arrears_case(site, staff["assistant"], onsite_persuasion="电话沟通")
    with pytest.raises(ValidationFailed) as exc:
        services.penalty_decide(
            case=case,
            kind=MeasureKind.LATE_FEE,
            details="按规约收取滞纳金",
            amount=Decimal("86.40"),
            actor=staff["manager"],
        )
    assert exc.value.code == "measure_out_of_order"
    services.measure_record(
        case=case, kind=MeasureKind.REMINDER_LETTER, details="发催缴函", actor=staff["assistant"]
    )
    fee = services.penalty_decide(
        case=case,
        kind=MeasureKind.LATE_FEE,
        details="按规约收取滞纳金",
        amount=Decimal("86.40"),
        actor=staff["manager"],
    )
    assert [m.kind for m in case.measures.order_by("seq")] == [
        MeasureKind.PERSUASION,
        MeasureKind.REMINDER_LETTER,
        MeasureKind.LATE_FEE,
    ]
    assert fee.seq == 3


def test_measure_not_on_the_cases_ladder_is_refused_vi4_vi5(site, staff) -> None:
    case = make_case(site, staff["assistant"])
    with pytest.raises(ValidationFailed) as exc:
        services.measure_record(
            case=case, kind=MeasureKind.REMINDER_LETTER, details="x", actor=staff["assistant"]
        )
    assert exc.value.code == "measure_not_on_ladder"


def test_rectification_issues_numbered_notice_and_reinspection_task_vi4_vi7(site, staff) -> None:
    with time_machine.travel(T0, tick=False):
        case = make_case(site, staff["assistant"], onsite_persuasion="劝阻")
        deadline = T0 + dt.timedelta(days=5)
        measure = services.measure_record(
            case=case,
            kind=MeasureKind.RECTIFICATION,
            details="请于期限内拆除窗外防盗网",
            deadline=deadline,
            actor=staff["assistant"],
        )
    notice = measure.document
    assert notice is not None
    assert (notice.kind, notice.number, notice.deadline) == (
        DocumentKind.RECTIFICATION_NOTICE,
        f"{site.code}ZG2603020001",
        deadline,
    )
    task = CaseTask.objects.get(measure=measure)
    assert (task.kind, task.due_at, task.assignee) == (
        TaskKind.REINSPECT,
        deadline,
        staff["supervisor"],
    )


def test_coordination_slip_numbered_xt_vi7(site, staff) -> None:
    with time_machine.travel(T0, tick=False):
        case = make_case(site, staff["assistant"])
        slip = services.document_issue(
            case=case,
            kind=DocumentKind.COORDINATION_SLIP,
            content="请工程部协助查看",
            actor=staff["assistant"],
        )
    assert slip.number == f"{site.code}XT2603020001"
    assert slip.addressee == f"{case.unit.label} {case.resident.name}"


def test_public_criticism_needs_committee_support_vi8(site, staff) -> None:
    case = make_case(site, staff["assistant"], grade=Grade.MAJOR, onsite_persuasion="劝阻")
    with pytest.raises(ValidationFailed) as exc:
        services.penalty_decide(
            case=case,
            kind=MeasureKind.PUBLIC_CRITICISM,
            details="公告栏通报",
            out_of_order_reason="拒不执行赔偿决定",
            actor=staff["manager"],
        )
    assert exc.value.code == "committee_support_required"
    assert case.measures.count() == 1
    measure = services.penalty_decide(
        case=case,
        kind=MeasureKind.PUBLIC_CRITICISM,
        details="公告栏通报",
        out_of_order_reason="拒不执行赔偿决定",
        committee_support="业委会 3 月 1 日会议同意",
        actor=staff["manager"],
    )
    assert measure.committee_support == "业委会 3 月 1 日会议同意"
    assert CaseTask.objects.get(measure=measure).kind == TaskKind.EASE_RELATIONS


# --- cut-off (VI-6) ------------------------------------------------------------------------


def _cutoff_ready_case(site, staff):
    """An arrears case up to the cut-off step."""
    case = arrears_case(site, staff["assistant"], onsite_persuasion="多次电话沟通")
    services.measure_record(
        case=case, kind=MeasureKind.REMINDER_LETTER, details="催缴函", actor=staff["assistant"]
    )
    return case


def _decide_cutoff(case, staff, notice):
    return services.penalty_decide(
        case=case,
        kind=MeasureKind.CUTOFF,
        details="欠费一年以上，按规约停水",
        out_of_order_reason="多次沟通无果",
        notice=notice,
        actor=staff["manager"],
    )


def test_cutoff_without_covenant_clause_refused_vi6(site, staff) -> None:
    case = _cutoff_ready_case(site, staff)
    with pytest.raises(ValidationFailed) as exc:
        services.document_issue(
            case=case,
            kind=DocumentKind.CUTOFF_NOTICE,
            content="将于 3 日后停水",
            scheduled_for=clock.now() + dt.timedelta(days=4),
            actor=staff["assistant"],
        )
    assert exc.value.code == "cutoff_not_in_covenant"
    with pytest.raises(ValidationFailed) as exc:
        _decide_cutoff(case, staff, None)
    assert exc.value.code == "cutoff_not_in_covenant"
    assert case.documents.count() == 0
    assert case.measures.filter(kind=MeasureKind.CUTOFF).count() == 0


def test_cutoff_notice_announcing_less_than_3_days_refused_vi6(site, staff) -> None:
    allow_cutoff(site)
    case = _cutoff_ready_case(site, staff)
    with pytest.raises(ValidationFailed) as exc:
        services.document_issue(
            case=case,
            kind=DocumentKind.CUTOFF_NOTICE,
            content="明日停水",
            scheduled_for=clock.now() + dt.timedelta(days=1),
            actor=staff["assistant"],
        )
    assert exc.value.code == "cutoff_notice_too_late"
    assert case.documents.count() == 0


def test_cutoff_without_notice_3_days_earlier_refused_vi6(site, staff) -> None:
    allow_cutoff(site)
    case = _cutoff_ready_case(site, staff)
    # A notice backdated-by-hand cannot exist; one issued only yesterday for a cut today can
    # (e.g. the site shortened the lead time later): the decision is refused.
    notice = ViolationDocument.objects.create(
        case=case,
        site=site,
        kind=DocumentKind.CUTOFF_NOTICE,
        number="TESTTD1",
        addressee="住户",
        content="停水通知",
        scheduled_for=clock.now() + dt.timedelta(hours=2),
        issued_at=clock.now() - dt.timedelta(days=1),
        issued_by=staff["assistant"],
    )
    with pytest.raises(ValidationFailed) as exc:
        _decide_cutoff(case, staff, notice)
    assert exc.value.code == "cutoff_notice_too_late"
    with pytest.raises(ValidationFailed) as exc:
        _decide_cutoff(case, staff, None)
    assert exc.value.code == "cutoff_notice_missing"
    assert case.measures.filter(kind=MeasureKind.CUTOFF).count() == 0


def test_cutoff_is_decided_by_the_site_manager_only_vi6(site, staff) -> None:
    allow_cutoff(site, penalty_roles=["site_manager", "cs_supervisor"])
    case = _cutoff_ready_case(site, staff)
    notice = services.document_issue(
        case=case,
        kind=DocumentKind.CUTOFF_NOTICE,
        content="停水通知",
        scheduled_for=clock.now() + dt.timedelta(days=3, minutes=1),
        actor=staff["assistant"],
    )
    with pytest.raises(PermissionDenied) as exc:
        services.penalty_decide(
            case=case,
            kind=MeasureKind.CUTOFF,
            details="停水",
            out_of_order_reason="多次沟通无果",
            notice=notice,
            actor=staff["supervisor"],
        )
    assert exc.value.code == "cutoff_needs_site_manager"


def test_cutoff_executes_after_notice_and_visit_then_restore_task_on_resolution_vi6(
    site, staff
) -> None:
    allow_cutoff(site)
    with time_machine.travel(T0, tick=False) as traveller:
        case = _cutoff_ready_case(site, staff)
        notice = services.document_issue(
            case=case,
            kind=DocumentKind.CUTOFF_NOTICE,
            content="如 3 月 5 日 10 时前仍未缴费，将暂停供水",
            scheduled_for=T0 + dt.timedelta(days=3, hours=1),
            actor=staff["assistant"],
        )
        assert notice.number == f"{site.code}TD2603020001"
        measure = _decide_cutoff(case, staff, notice)
        assert measure.scheduled_at == T0 + dt.timedelta(days=3, hours=1)

        # Two days later: the notice is not yet 3 days old.
        traveller.move_to(T0 + dt.timedelta(days=2))
        services.cutoff_visit_log(measure=measure, note="上门告知", actor=staff["assistant"])
        traveller.move_to(T0 + dt.timedelta(days=2, minutes=10))
        with pytest.raises(ValidationFailed) as exc:
            services.cutoff_execute(measure=measure, actor=staff["assistant"])
        assert exc.value.code == "cutoff_notice_too_late"

        # At the announced time, but the visit was 2 days ago... it still counts as >= 5 min;
        # a fresh visit only 2 minutes ago does not.
        traveller.move_to(T0 + dt.timedelta(days=3, hours=1))
        services.cutoff_visit_log(measure=measure, note="再次上门告知", actor=staff["assistant"])
        traveller.move_to(T0 + dt.timedelta(days=3, hours=1, minutes=2))
        with pytest.raises(ValidationFailed) as exc:
            services.cutoff_execute(measure=measure, actor=staff["assistant"])
        assert exc.value.code == "cutoff_visit_missing"
        measure.refresh_from_db()
        assert measure.executed_at is None

        executed_at = T0 + dt.timedelta(days=3, hours=1, minutes=6)
        traveller.move_to(executed_at)
        services.cutoff_execute(measure=measure, actor=staff["assistant"])
        measure.refresh_from_db()
        assert measure.executed_at == executed_at
        assert CaseTask.objects.get(measure=measure).kind == TaskKind.EASE_RELATIONS
        assert not CaseTask.objects.filter(kind=TaskKind.RESTORE_SUPPLY).exists()

        resolved_at = T0 + dt.timedelta(days=4)
        traveller.move_to(resolved_at)
        case.refresh_from_db()
        services.case_resolve(case=case, resolution="已缴清欠费", actor=staff["manager"])
        restore = CaseTask.objects.get(kind=TaskKind.RESTORE_SUPPLY)
        assert (restore.measure, restore.due_at) == (measure, resolved_at)
        assert Notification.objects.filter(
            user=staff["supervisor"], topic="violations.task", title__startswith="恢复供水供电"
        ).exists()

        services.task_complete(task=restore, note="已恢复供水", actor=staff["assistant"])
        measure.refresh_from_db()
        assert measure.restored_at == resolved_at


def test_cutoff_visit_by_guard_refused_vi10(site, staff) -> None:
    allow_cutoff(site)
    case = _cutoff_ready_case(site, staff)
    notice = services.document_issue(
        case=case,
        kind=DocumentKind.CUTOFF_NOTICE,
        content="停水通知",
        scheduled_for=clock.now() + dt.timedelta(days=4),
        actor=staff["assistant"],
    )
    measure = _decide_cutoff(case, staff, notice)
    with pytest.raises(PermissionDenied):
        services.cutoff_visit_log(measure=measure, note="x", actor=staff["guard"])
    measure.refresh_from_db()
    assert measure.visit_at is None


# --- resolution, tasks, conflicts ------------------------------------------------------------


def test_resolve_sets_retain_until_from_resolution_and_closes_reinspections_vi12(
    site, staff
) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        case = make_case(site, staff["assistant"], onsite_persuasion="劝阻")
        services.measure_record(
            case=case,
            kind=MeasureKind.RECTIFICATION,
            details="限期拆除",
            deadline=T0 + dt.timedelta(days=3),
            actor=staff["assistant"],
        )
        traveller.move_to(dt.datetime(2026, 4, 10, 10, 0, tzinfo=clock.local_zone()))
        case.refresh_from_db()
        services.case_resolve(case=case, resolution="住户已自行拆除", actor=staff["supervisor"])
    case.refresh_from_db()
    assert (case.state, case.retain_until) == (CaseState.RESOLVED, dt.date(2027, 4, 10))
    task = CaseTask.objects.get(kind=TaskKind.REINSPECT)
    assert task.done_at is not None and task.note == "案件已办结，复查结束。"


def test_resolve_by_assistant_refused(site, staff) -> None:
    case = make_case(site, staff["assistant"])
    with pytest.raises(PermissionDenied):
        services.case_resolve(case=case, resolution="x", actor=staff["assistant"])
    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED


def test_resolved_case_takes_no_more_measures(site, staff) -> None:
    case = make_case(site, staff["assistant"])
    services.case_resolve(case=case, resolution="已整改", actor=staff["supervisor"])
    with pytest.raises(Exception) as exc:
        services.measure_record(
            case=case, kind=MeasureKind.PERSUASION, details="x", actor=staff["guard"]
        )
    assert getattr(exc.value, "code", "") == "transition_not_allowed"


def test_stale_case_is_a_conflict(site, staff) -> None:
    case = make_case(site, staff["assistant"])
    stale = ViolationCase.objects.get(pk=case.pk)
    services.measure_record(
        case=case, kind=MeasureKind.PERSUASION, details="a", actor=staff["guard"]
    )
    with pytest.raises(Conflict):
        services.measure_record(
            case=stale, kind=MeasureKind.PERSUASION, details="b", actor=staff["guard"]
        )
    assert Measure.objects.filter(case=case).count() == 1


def test_reinspection_result_is_required(site, staff) -> None:
    case = make_case(site, staff["assistant"], onsite_persuasion="劝阻")
    measure = services.measure_record(
        case=case,
        kind=MeasureKind.RECTIFICATION,
        details="限期拆除",
        deadline=clock.now() + dt.timedelta(days=1),
        actor=staff["assistant"],
    )
    task = CaseTask.objects.get(measure=measure)
    with pytest.raises(ValidationFailed):
        services.task_complete(task=task, actor=staff["assistant"])
    services.task_complete(
        task=task, result=ReinspectResult.RECTIFIED, note="已拆除", actor=staff["assistant"]
    )
    task.refresh_from_db()
    assert (task.result, task.done_by) == (ReinspectResult.RECTIFIED, staff["assistant"])


def test_settings_keep_site_manager_in_penalty_roles_vi9(site, staff) -> None:
    row = services.settings_update(
        site=site,
        covenant_allows_cutoff=True,
        penalty_roles=["cs_supervisor"],
        cutoff_notice_days=3,
        cutoff_visit_minutes=5,
        relations_followup_days=7,
        actor=staff["manager"],
    )
    assert row.penalty_roles == ["cs_supervisor", "site_manager"]
    with pytest.raises(ValidationFailed):
        services.settings_update(
            site=site,
            covenant_allows_cutoff=True,
            penalty_roles=[Role.DEPT_STAFF],
            cutoff_notice_days=3,
            cutoff_visit_minutes=5,
            relations_followup_days=7,
            actor=staff["manager"],
        )
    with pytest.raises(PermissionDenied):
        services.settings_update(
            site=site,
            covenant_allows_cutoff=False,
            penalty_roles=[],
            cutoff_notice_days=3,
            cutoff_visit_minutes=5,
            relations_followup_days=7,
            actor=staff["supervisor"],
        )
    row.refresh_from_db()
    assert row.covenant_allows_cutoff is True
