"""Calls and visits log (CV-1..CV-4) and the hotline intake that feeds it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from estatedesk.core.errors import Conflict, PermissionDenied
from estatedesk.tickets import services
from estatedesk.tickets.enums import CallKind, CallLink, Channel, LogClass, TicketKind, TicketState
from estatedesk.tickets.models import CallLog
from estatedesk.tickets.views import log_pages

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 11, 23, 4, 0, tzinfo=dt.UTC)


def _fields(**extra):
    fields = {
        "kind": TicketKind.REPAIR,
        "channel": Channel.HOTLINE,
        "description": "楼道灯不亮",
        "reporter_name": "钱女士",
        "reporter_phone": "13611112222",
    }
    fields.update(extra)
    return fields


def test_hotline_intake_logs_the_call_linked_to_the_new_ticket_cv1(site, assistant) -> None:
    ticket = services.intake_submit(site=site, actor=assistant, ticket_fields=_fields())
    entry = CallLog.objects.get()
    assert entry.ticket == ticket and entry.ticket_link == CallLink.CREATED
    assert (entry.kind, entry.caller_name, entry.summary) == (CallKind.CALL, "钱女士", "楼道灯不亮")
    assert entry.log_class == LogClass.NORMAL
    assert entry.received_by == assistant and entry.done_at is None


def test_intake_with_department_dispatches_at_once_rq4(site, assistant, engineering) -> None:
    ticket = services.intake_submit(
        site=site, actor=assistant, ticket_fields=_fields(), department=engineering
    )
    ticket.refresh_from_db()
    assert ticket.state == TicketState.DISPATCHED and ticket.department == engineering


def test_consultation_answered_on_the_spot_is_a_done_entry_cv1_cv3(site, assistant) -> None:
    ticket = services.intake_submit(
        site=site,
        actor=assistant,
        ticket_fields=_fields(kind=TicketKind.CONSULTATION, description="停水到几点"),
        answer_now="预计下午 5 点恢复供水。",
    )
    ticket.refresh_from_db()
    entry = CallLog.objects.get()
    assert ticket.state == TicketState.DONE
    assert entry.log_class == LogClass.CONSULTATION
    assert entry.answer == "预计下午 5 点恢复供水。"
    assert entry.done_by == assistant and entry.done_number.startswith(f"{site.code}-CV")


def test_repair_classes_become_log_classes_cv2(make_ticket) -> None:
    for repair_class, log_class in [
        ("", LogClass.NORMAL),
        ("Z", LogClass.WARRANTY),
        ("Q", LogClass.OUTSIDE),
        ("GT", LogClass.COORDINATION),
    ]:
        ticket = make_ticket(repair_class=repair_class)
        assert services.log_class_for(ticket) == log_class
    assert services.log_class_for(make_ticket(kind=TicketKind.COMPLAINT)) == LogClass.COMPLAINT


@time_machine.travel(NOON, tick=False)
def test_done_entries_are_signed_and_numbered_per_site_and_year_cv3(site, assistant) -> None:
    entries = [
        services.call_log_add(
            site=site,
            actor=assistant,
            kind=CallKind.VISIT,
            caller_name=f"来访{i}",
            summary="咨询停车",
            log_class=LogClass.CONSULTATION,
        )
        for i in range(2)
    ]
    first = services.call_log_done(entry_id=entries[1].pk, actor=assistant)
    second = services.call_log_done(entry_id=entries[0].pk, actor=assistant)
    assert first.done_number == f"{site.code}-CV26-00001"
    assert second.done_number == f"{site.code}-CV26-00002"
    assert first.done_by == assistant and first.done_at == NOON
    with pytest.raises(Conflict):
        services.call_log_done(entry_id=entries[1].pk, actor=assistant)
    assert CallLog.objects.get(pk=entries[1].pk).done_number == f"{site.code}-CV26-00001"


def test_department_staff_cannot_sign_the_log_cv3(site, assistant, cleaner) -> None:
    entry = services.call_log_add(
        site=site,
        actor=assistant,
        kind=CallKind.CALL,
        caller_name="x",
        summary="y",
        log_class=LogClass.OTHER,
    )
    with pytest.raises(PermissionDenied):
        services.call_log_done(entry_id=entry.pk, actor=cleaner)
    assert CallLog.objects.get(pk=entry.pk).done_at is None


def test_follow_up_call_is_linked_as_an_update_cv1(site, assistant, make_ticket) -> None:
    ticket = make_ticket()
    entry = services.call_log_add(
        site=site,
        actor=assistant,
        kind=CallKind.CALL,
        caller_name="张先生",
        summary="催问进度",
        log_class=LogClass.NORMAL,
        ticket=ticket,
    )
    assert entry.ticket_link == CallLink.UPDATED


def test_every_printed_page_has_its_own_subtotal_per_class_cv4(site, assistant) -> None:
    classes = [LogClass.NORMAL] * 10 + [LogClass.COMPLAINT] * 5 + [LogClass.WARRANTY] * 2
    for index, log_class in enumerate(classes):
        services.call_log_add(
            site=site,
            actor=assistant,
            kind=CallKind.CALL,
            caller_name=f"住户{index}",
            summary="事项",
            log_class=log_class,
        )
    pages = log_pages(list(CallLog.objects.order_by("id")), rows=15)
    assert [p["total"] for p in pages] == [15, 2]
    first = dict(pages[0]["subtotal"])
    second = dict(pages[1]["subtotal"])
    assert first[LogClass.NORMAL.label] == 10 and first[LogClass.COMPLAINT.label] == 5
    assert first[LogClass.WARRANTY.label] == 0
    assert second[LogClass.WARRANTY.label] == 2 and second[LogClass.NORMAL.label] == 0
