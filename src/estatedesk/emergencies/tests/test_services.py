"""Opening an emergency, its playbook, responders, leaders' instructions, take-over, settling
and the manager's sign-off (EM-1, EM-3..EM-7)."""

from __future__ import annotations

import datetime as dt

import pytest

from estatedesk.core import clock
from estatedesk.core.errors import (
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)
from estatedesk.core.models import Event
from estatedesk.emergencies.enums import (
    CaseState,
    ChainState,
    PageOutcome,
    ResponderStatus,
    Severity,
)
from estatedesk.emergencies.models import EmergencyCase, Instruction, Page, StepRecord
from estatedesk.emergencies.services import (
    close_refusal,
    emergency_report_up,
    emergency_settle,
    emergency_sign_off,
    emergency_take_over,
    instruction_create,
    instruction_overdue_remind,
    responder_update,
    responders_notify,
    step_record,
)
from estatedesk.emergencies.tests.conftest import START, open_emergency
from estatedesk.notify.models import Notification
from estatedesk.org.enums import Role
from estatedesk.tickets.enums import Channel, TicketKind, TicketState
from estatedesk.tickets.models import CallLog, Ticket
from estatedesk.tickets.services import ticket_transition

pytestmark = pytest.mark.django_db


def _medical(site, actor, **fields):
    return open_emergency(
        site,
        actor,
        kind=TicketKind.EMERGENCY_MEDICAL,
        description="老人在家中晕倒",
        location_text="6栋803",
        reporter_phone="13800000803",
        **fields,
    )


def _step(case, position):
    return StepRecord.objects.get(case=case, position=position)


# --- opening (EM-1) -------------------------------------------------------------------------------


def test_open_creates_the_ticket_case_and_playbook_in_one_go_em1_em7(site, staff, frozen):
    case = open_emergency(site, staff["dispatcher"], kind=TicketKind.SECURITY_INCIDENT)
    ticket = case.ticket
    assert (ticket.kind, ticket.channel, ticket.urgency, ticket.state) == (
        TicketKind.SECURITY_INCIDENT,
        Channel.HOTLINE,
        "urgent",
        TicketState.DISPATCHED,
    )
    assert ticket.department.kind == "security"
    assert (case.state, case.opened_by, case.opened_at, case.chain_state) == (
        CaseState.OPEN,
        staff["dispatcher"],
        START,
        ChainState.RUNNING,
    )
    assert case.procedure == "《保安部治安及突发事件应急处理程序》"
    assert StepRecord.objects.filter(case=case).count() == 9
    assert CallLog.objects.filter(ticket=ticket).count() == 1
    assert Event.objects.filter(verb="emergency.opened", subject_id=ticket.pk).count() == 1


def test_only_emergency_kinds_open_an_emergency_em1(site, staff, frozen):
    with pytest.raises(ValidationFailed) as refused:
        open_emergency(site, staff["dispatcher"], kind=TicketKind.REPAIR)
    assert refused.value.code == "not_an_emergency"
    assert (Ticket.objects.count(), EmergencyCase.objects.count()) == (0, 0)


def test_department_staff_cannot_open_an_emergency_and_other_sites_get_404_em1(
    site, other_site, staff, make_staff, frozen
):
    with pytest.raises(PermissionDenied):
        open_emergency(site, staff["guard"])
    with pytest.raises(NotFound):
        open_emergency(site, make_staff(other_site, Role.DISPATCHER))
    assert EmergencyCase.objects.count() == 0


# --- emergency medical (EM-6) --------------------------------------------------------------------


def test_medical_needs_the_address_and_phone_first_em6(site, staff, frozen):
    with pytest.raises(ValidationFailed) as no_phone:
        open_emergency(
            site,
            staff["dispatcher"],
            kind=TicketKind.EMERGENCY_MEDICAL,
            reporter_phone="",
            location_text="6栋803",
        )
    assert no_phone.value.code == "phone_required"
    with pytest.raises(ValidationFailed) as no_address:
        open_emergency(
            site,
            staff["dispatcher"],
            kind=TicketKind.EMERGENCY_MEDICAL,
            reporter_phone="13800000803",
            location_text="",
        )
    assert no_address.value.code == "address_required"
    assert EmergencyCase.objects.count() == 0


def test_medical_contact_step_is_recorded_at_opening_em6(site, staff, frozen):
    case = _medical(site, staff["dispatcher"])
    first = _step(case, 1)
    assert (first.done_at, first.done_by, first.note) == (
        START,
        staff["dispatcher"],
        "地址：6栋803；电话：13800000803",
    )


def test_serious_medical_tells_the_supervisor_at_once_and_pages_nobody_em6(site, staff, frozen):
    case = _medical(site, staff["dispatcher"], severity=Severity.SERIOUS)
    assert case.chain_state == ChainState.NOT_STARTED
    assert Page.objects.filter(case=case).count() == 0
    told = Notification.objects.get(topic="emergency.supervisor", channel="inapp")
    assert (told.user, told.title) == (
        staff["supervisor"],
        f"【紧急】急救病人 {case.ticket.number}，请知悉",
    )
    assert case.supervisor_told_at == START


def test_minor_medical_is_reported_to_the_supervisor_afterwards_em6(site, staff, frozen):
    case = _medical(site, staff["dispatcher"], severity=Severity.MINOR)
    assert not Notification.objects.filter(topic="emergency.supervisor").exists()
    frozen.move_to(START + dt.timedelta(minutes=40))
    emergency_settle(case=case, actor=staff["dispatcher"], note="家属已陪同就医")
    case.refresh_from_db()
    told = Notification.objects.get(topic="emergency.supervisor", channel="inapp")
    assert told.title == f"事后报告：急救病人 {case.ticket.number} 已处置"
    assert case.supervisor_told_at == START + dt.timedelta(minutes=40)


def test_supervisor_decides_to_report_up_and_the_chain_starts_em6_em2(site, staff, frozen):
    case = _medical(site, staff["dispatcher"])
    with pytest.raises(PermissionDenied):
        emergency_report_up(case=case, actor=staff["dispatcher"])
    emergency_report_up(case=case, actor=staff["supervisor"])
    case.refresh_from_db()
    assert case.chain_state == ChainState.RUNNING
    assert [(p.level, p.role) for p in case.pages.all()] == [(1, Role.SITE_MANAGER)]
    with pytest.raises(ValidationFailed):
        emergency_report_up(case=case, actor=staff["supervisor"])


def test_call_120_branch_steps_and_their_times_are_recorded_em6_em7(site, staff, frozen):
    case = _medical(site, staff["dispatcher"])
    with pytest.raises(ValidationFailed) as early:
        step_record(case=case, record=_step(case, 9), actor=staff["dispatcher"])
    assert early.value.code == "wrong_branch"
    frozen.move_to(START + dt.timedelta(minutes=1))
    step_record(case=case, record=_step(case, 2), actor=staff["dispatcher"], note="呼吸有")
    with pytest.raises(ValidationFailed) as no_branch:
        step_record(case=case, record=_step(case, 3), actor=staff["dispatcher"])
    assert no_branch.value.code == "branch_required"
    frozen.move_to(START + dt.timedelta(minutes=2))
    step_record(case=case, record=_step(case, 3), actor=staff["dispatcher"], branch="call_120")
    frozen.move_to(START + dt.timedelta(minutes=3, seconds=30))
    step_record(case=case, record=_step(case, 9), actor=staff["assistant"], note="已拨打")
    with pytest.raises(ValidationFailed) as other_branch:
        step_record(case=case, record=_step(case, 4), actor=staff["dispatcher"])
    assert other_branch.value.code == "wrong_branch"
    with pytest.raises(ValidationFailed) as twice:
        step_record(case=case, record=_step(case, 9), actor=staff["dispatcher"])
    assert twice.value.code == "step_done"
    case.refresh_from_db()
    assert (case.branch, case.branch_label) == ("call_120", "呼叫 120")
    done = [
        (s.position, s.done_at, s.done_by.username, s.note)
        for s in StepRecord.objects.filter(case=case, done_at__isnull=False).order_by("position")
    ]
    assert done == [
        (1, START, staff["dispatcher"].username, "地址：6栋803；电话：13800000803"),
        (2, START + dt.timedelta(minutes=1), staff["dispatcher"].username, "呼吸有"),
        (3, START + dt.timedelta(minutes=2), staff["dispatcher"].username, "呼叫 120"),
        (9, START + dt.timedelta(minutes=3, seconds=30), staff["assistant"].username, "已拨打"),
    ]


def test_workers_cannot_record_playbook_steps_em7(site, staff, frozen):
    case = open_emergency(site, staff["dispatcher"])
    with pytest.raises(PermissionDenied):
        step_record(case=case, record=_step(case, 1), actor=staff["guard"])
    assert _step(case, 1).done_at is None


# --- responders (EM-3) ---------------------------------------------------------------------------


def test_dispatcher_notifies_the_heads_in_one_action_and_they_report_back_em3(site, staff, frozen):
    case = open_emergency(site, staff["dispatcher"])
    rows = responders_notify(
        case=case,
        users=[staff["sec_head"], staff["guard_leader"], staff["eng_head"]],
        actor=staff["dispatcher"],
        note="携带灭火器",
    )
    assert sorted((r.user.username, r.status) for r in rows) == sorted(
        (staff[n].username, ResponderStatus.NOTIFIED)
        for n in ("sec_head", "guard_leader", "eng_head")
    )
    assert Notification.objects.filter(topic="emergency.responder", channel="inapp").count() == 3
    leader = case.responders.get(user=staff["guard_leader"])
    frozen.move_to(START + dt.timedelta(minutes=1))
    responder_update(responder=leader, status=ResponderStatus.ON_WAY, actor=staff["guard_leader"])
    frozen.move_to(START + dt.timedelta(minutes=4))
    responder_update(responder=leader, status=ResponderStatus.ARRIVED, actor=staff["guard_leader"])
    with pytest.raises(ValidationFailed) as no_text:
        responder_update(
            responder=leader, status=ResponderStatus.REPORTED, actor=staff["guard_leader"]
        )
    assert no_text.value.code == "report_required"
    with pytest.raises(ValidationFailed) as backwards:
        responder_update(
            responder=leader, status=ResponderStatus.KNOWS, actor=staff["guard_leader"]
        )
    assert backwards.value.code == "status_backwards"
    frozen.move_to(START + dt.timedelta(minutes=12))
    responder_update(
        responder=leader,
        status=ResponderStatus.REPORTED,
        actor=staff["guard_leader"],
        note="误报，已复位",
    )
    leader.refresh_from_db()
    assert (
        leader.status,
        leader.on_way_at,
        leader.arrived_at,
        leader.reported_at,
        leader.report,
    ) == (
        ResponderStatus.REPORTED,
        START + dt.timedelta(minutes=1),
        START + dt.timedelta(minutes=4),
        START + dt.timedelta(minutes=12),
        "误报，已复位",
    )
    with pytest.raises(ValidationFailed) as again:
        responders_notify(case=case, users=[staff["sec_head"]], actor=staff["dispatcher"])
    assert again.value.code == "already_notified"


def test_only_the_responder_or_the_desk_updates_arrival_em3(site, staff, frozen):
    case = open_emergency(site, staff["dispatcher"])
    responders_notify(case=case, users=[staff["guard_leader"]], actor=staff["dispatcher"])
    leader = case.responders.get()
    with pytest.raises(PermissionDenied):
        responder_update(responder=leader, status=ResponderStatus.ARRIVED, actor=staff["guard"])
    responder_update(responder=leader, status=ResponderStatus.ARRIVED, actor=staff["dispatcher"])
    leader.refresh_from_db()
    assert (leader.status, leader.arrived_at) == (ResponderStatus.ARRIVED, START)


# --- take over and settle (EM-4) -----------------------------------------------------------------


def test_take_over_moves_the_post_and_only_the_holder_settles_em4(site, staff, frozen):
    case = open_emergency(site, staff["dispatcher"])
    with pytest.raises(ValidationFailed):
        emergency_take_over(case=case, actor=staff["dispatcher"])
    emergency_take_over(case=case, actor=staff["officer2"])
    case.refresh_from_db()
    assert (case.taken_over_by, case.taken_over_at, case.holder_id) == (
        staff["officer2"],
        START,
        staff["officer2"].pk,
    )
    with pytest.raises(PermissionDenied):
        emergency_settle(case=case, actor=staff["dispatcher"], note="已处理")
    case.refresh_from_db()
    assert case.state == CaseState.OPEN
    emergency_settle(case=case, actor=staff["officer2"], note="误报，已复位")
    case.refresh_from_db()
    assert (case.state, case.settled_by, case.chain_state, case.ticket.state) == (
        CaseState.SETTLED,
        staff["officer2"],
        ChainState.STOPPED,
        TicketState.DONE,
    )
    assert case.pages.get().outcome == PageOutcome.STOPPED


def test_settle_needs_the_outcome_em4(site, staff, frozen):
    case = open_emergency(site, staff["dispatcher"])
    with pytest.raises(ValidationFailed):
        emergency_settle(case=case, actor=staff["dispatcher"], note="  ")
    case.refresh_from_db()
    assert (case.state, case.version) == (CaseState.OPEN, 2)


# --- instructions and sign-off (EM-5) ------------------------------------------------------------


def _instruction(case, staff, **fields):
    values = {
        "text": "全面检查 5 栋各层烟感",
        "owner": staff["eng_head"],
        "due_at": START + dt.timedelta(days=1),
        "given_by": staff["deputy"],
    }
    values.update(fields)
    return instruction_create(case=case, actor=staff["dispatcher"], **values)


def test_each_leader_instruction_becomes_a_sub_ticket_with_owner_and_deadline_em5(
    site, staff, frozen
):
    case = open_emergency(site, staff["dispatcher"])
    instruction = _instruction(case, staff)
    sub = instruction.ticket
    assert (sub.parent_id, sub.channel, sub.kind, sub.state, sub.assignee) == (
        case.ticket_id,
        Channel.INTERNAL,
        TicketKind.OTHER_HELP,
        TicketState.DISPATCHED,
        staff["eng_head"],
    )
    assert sub.department.kind == "engineering"
    assert (instruction.given_by_name, instruction.due_at) == (
        staff["deputy"].get_full_name(),
        START + dt.timedelta(days=1),
    )
    named = _instruction(case, staff, given_by=None, given_by_name="街道办王主任")
    assert named.ticket.reporter_name == "街道办王主任"
    assert Ticket.objects.filter(parent=case.ticket).count() == 2


def test_instruction_needs_a_leader_a_future_deadline_and_an_owner_with_a_department_em5(
    site, staff, frozen
):
    case = open_emergency(site, staff["dispatcher"])
    with pytest.raises(ValidationFailed) as no_leader:
        _instruction(case, staff, given_by=None)
    assert no_leader.value.code == "leader_required"
    with pytest.raises(ValidationFailed) as past:
        _instruction(case, staff, due_at=START)
    assert past.value.code == "due_required"
    with pytest.raises(PermissionDenied):
        instruction_create(
            case=case,
            actor=staff["assistant"],
            text="x",
            owner=staff["eng_head"],
            due_at=START + dt.timedelta(hours=1),
            given_by=staff["deputy"],
        )
    assert Ticket.objects.filter(parent=case.ticket).count() == 0


def test_an_open_sub_ticket_blocks_the_sign_off_em5(site, staff, frozen):
    case = open_emergency(site, staff["dispatcher"])
    instruction = _instruction(case, staff)
    emergency_settle(case=case, actor=staff["dispatcher"], note="误报")
    case.refresh_from_db()
    with pytest.raises(ValidationFailed) as refused:
        emergency_sign_off(case=case, actor=staff["manager"], note="同意")
    assert refused.value.code == "open_sub_tickets"
    assert refused.value.extra["open"] == [instruction.ticket.number]
    case.refresh_from_db()
    assert (case.state, case.signed_off_at, case.ticket.state) == (
        CaseState.SETTLED,
        None,
        TicketState.DONE,
    )
    sub = instruction.ticket
    ticket_transition(ticket_id=sub.pk, action="start", actor=staff["eng_head"])
    ticket_transition(
        ticket_id=sub.pk, action="complete", actor=staff["eng_head"], payload={"note": "已检查"}
    )
    ticket_transition(
        ticket_id=sub.pk,
        action="close",
        actor=staff["dispatcher"],
        payload={"slip_confirmed": True},
    )
    frozen.move_to(START + dt.timedelta(hours=2))
    emergency_sign_off(case=case, actor=staff["manager"], note="同意结案")
    case.refresh_from_db()
    assert (case.state, case.signed_off_by, case.signed_off_at, case.ticket.state) == (
        CaseState.CLOSED,
        staff["manager"],
        START + dt.timedelta(hours=2),
        TicketState.CLOSED,
    )


def test_closing_without_the_site_managers_sign_off_is_refused_em5(site, staff, frozen):
    case = open_emergency(site, staff["dispatcher"])
    with pytest.raises(TransitionNotAllowed) as unsettled:
        emergency_sign_off(case=case, actor=staff["manager"])
    assert unsettled.value.code == "not_settled"
    emergency_settle(case=case, actor=staff["dispatcher"], note="误报")
    case.refresh_from_db()
    for not_manager in ("supervisor", "dispatcher", "deputy"):
        with pytest.raises(PermissionDenied):
            emergency_sign_off(case=case, actor=staff[not_manager])
    # The tickets workflow's close asks this guard: an unsigned emergency's ticket stays open.
    assert close_refusal(case.ticket, {}) == "紧急事件须经管理处经理签字同意后才能结案（EM-5）。"
    with pytest.raises(ValidationFailed) as refused:
        ticket_transition(
            ticket_id=case.ticket_id,
            action="close",
            actor=staff["dispatcher"],
            payload={"slip_confirmed": True},
        )
    assert "EM-5" in refused.value.detail
    case.refresh_from_db()
    assert (case.state, case.signed_off_at, case.ticket.state) == (
        CaseState.SETTLED,
        None,
        TicketState.DONE,
    )
    emergency_sign_off(case=case, actor=staff["manager"])
    assert close_refusal(case.ticket, {}) is None


def test_overdue_instruction_is_reported_once_em5(site, staff, frozen):
    case = open_emergency(site, staff["dispatcher"])
    instruction = _instruction(case, staff, due_at=START + dt.timedelta(hours=2))
    frozen.move_to(START + dt.timedelta(hours=1, minutes=59))
    assert instruction_overdue_remind(now=clock.now()) == 0
    frozen.move_to(START + dt.timedelta(hours=2))
    assert instruction_overdue_remind(now=clock.now()) == 1
    assert instruction_overdue_remind(now=clock.now()) == 0
    told = Notification.objects.filter(topic="emergency.instruction_overdue", channel="inapp")
    assert sorted(n.user.username for n in told) == sorted(
        [staff["eng_head"].username, staff["dispatcher"].username]
    )
    assert Instruction.objects.get(pk=instruction.pk).overdue_notified_at == START + dt.timedelta(
        hours=2
    )


def test_follow_up_steps_are_recorded_after_settling_but_not_after_sign_off_em6(
    site, staff, frozen
):
    case = _medical(site, staff["dispatcher"], severity=Severity.MINOR)
    emergency_settle(case=case, actor=staff["dispatcher"], note="家属自行送医")
    step_record(case=case, record=_step(case, 18), actor=staff["dispatcher"], note="已报告主管")
    assert _step(case, 18).note == "已报告主管"
    case.refresh_from_db()
    emergency_sign_off(case=case, actor=staff["manager"])
    with pytest.raises(TransitionNotAllowed):
        step_record(case=case, record=_step(case, 19), actor=staff["dispatcher"])
    assert _step(case, 19).done_at is None
