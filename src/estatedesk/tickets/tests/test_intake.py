"""Intake: kinds, channels and the register fields (RQ-1, RQ-2, RQ-3), numbers, uploads."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection

from estatedesk.core.errors import PermissionDenied, ValidationFailed
from estatedesk.core.models import Event
from estatedesk.org.enums import Role
from estatedesk.org.tests.factories import PublicPlaceFactory
from estatedesk.tickets import services
from estatedesk.tickets.enums import Channel, ConsultationMode, TicketKind, TicketState, Urgency
from estatedesk.tickets.models import Attachment, Consultation, Ticket
from estatedesk.tickets.tests.helpers import PDF, upload

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def test_every_kind_is_one_ticket_table_rq1(make_ticket) -> None:
    for kind in TicketKind.values:
        make_ticket(kind=kind)
    assert sorted(Ticket.objects.values_list("kind", flat=True)) == sorted(TicketKind.values)


def test_special_kinds_default_to_urgent_rq1(make_ticket) -> None:
    fire = make_ticket(kind=TicketKind.FIRE, description="3栋冒烟")
    leak = make_ticket(kind=TicketKind.REPAIR)
    assert fire.urgency == Urgency.URGENT and fire.is_special
    assert leak.urgency == Urgency.NORMAL and not leak.is_special


@time_machine.travel(NOON, tick=False)
def test_register_fields_are_recorded_rq3(site, assistant, unit) -> None:
    place = PublicPlaceFactory(site=site, name="地下车库")
    ticket = services.ticket_create(
        site=site,
        actor=assistant,
        kind=TicketKind.REPAIR,
        channel=Channel.VISIT,
        description="车库灯不亮",
        place=place,
        location_text="B2 入口",
        occurred_at=NOON - dt.timedelta(hours=3),
        people_involved="保安朱亮",
        reporter_name="李女士",
        reporter_phone="13800001111",
        received_at=NOON - dt.timedelta(minutes=40),
    )
    ticket.refresh_from_db()
    assert ticket.location_label == "地下车库 B2 入口"
    assert ticket.occurred_at == NOON - dt.timedelta(hours=3)
    assert ticket.people_involved == "保安朱亮"
    assert (ticket.reporter_name, ticket.reporter_phone) == ("李女士", "13800001111")
    assert ticket.channel == Channel.VISIT
    assert ticket.receiver == assistant
    assert ticket.received_at == NOON - dt.timedelta(minutes=40)
    assert ticket.created_at == NOON
    assert ticket.state == TicketState.RECEIVED and ticket.version == 1
    event = Event.objects.get(verb="ticket.created", subject_id=ticket.pk)
    assert event.data["kind"] == "repair" and event.data["channel"] == "visit"
    assert event.actor == assistant


@time_machine.travel(NOON, tick=False)
def test_received_at_may_not_be_in_the_future_rq3(make_ticket) -> None:
    with pytest.raises(ValidationFailed) as exc:
        make_ticket(received_at=NOON + dt.timedelta(minutes=1))
    assert exc.value.code == "received_in_future"
    assert Ticket.objects.count() == 0


@time_machine.travel(NOON, tick=False)
def test_number_is_site_code_local_day_and_counter(site, make_ticket) -> None:
    first = make_ticket()
    second = make_ticket()
    # 12:00 UTC is 20:00 in Shanghai on the same day
    assert first.number == f"{site.code}2611230001"
    assert second.number == f"{site.code}2611230002"
    late = make_ticket(
        received_at=dt.datetime(2026, 11, 23, 16, 30, tzinfo=dt.UTC) - dt.timedelta(days=1)
    )
    # 16:30 UTC on the 22nd is 00:30 on the 23rd in Shanghai: counted with that day
    assert late.number == f"{site.code}2611230003"


@pytest.mark.django_db(transaction=True)
def test_concurrent_intakes_get_distinct_numbers_rq3(site, assistant) -> None:
    numbers: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def intake() -> None:
        try:
            barrier.wait()
            for _ in range(3):
                ticket = services.ticket_create(
                    site=site,
                    actor=assistant,
                    kind=TicketKind.REPAIR,
                    channel=Channel.HOTLINE,
                    description="并发登记",
                    reporter_name="并发",
                )
                numbers.append(ticket.number)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=intake) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(numbers) == 12 and len(set(numbers)) == 12
    assert Ticket.objects.count() == 12


def test_written_consultation_is_registered_rq8(make_ticket) -> None:
    ticket = make_ticket(kind=TicketKind.CONSULTATION, channel=Channel.WRITTEN, description="来函")
    assert ticket.consultation.mode == ConsultationMode.WRITTEN
    assert Event.objects.filter(
        verb="consultation.written_registered", subject_id=ticket.pk
    ).exists()
    oral = make_ticket(kind=TicketKind.CONSULTATION, channel=Channel.HOTLINE)
    assert Consultation.objects.get(ticket=oral).mode == ConsultationMode.ORAL


def test_department_staff_cannot_log_hotline_calls_rq2(site, make_staff) -> None:
    cleaner = make_staff(site, Role.DEPT_STAFF, "cleaning")
    with pytest.raises(PermissionDenied):
        services.ticket_create(
            site=site,
            actor=cleaner,
            kind=TicketKind.REPAIR,
            channel=Channel.HOTLINE,
            description="x",
            reporter_name="y",
        )
    internal = services.ticket_create(
        site=site,
        actor=cleaner,
        kind=TicketKind.REPAIR,
        channel=Channel.INTERNAL,
        description="楼道灯坏",
        reporter_name="林阿姨",
    )
    assert internal.channel == Channel.INTERNAL


def test_staff_of_another_site_cannot_log(other_site, make_staff, site) -> None:
    stranger = make_staff(other_site, Role.CS_ASSISTANT)
    with pytest.raises(PermissionDenied):
        services.ticket_create(
            site=site,
            actor=stranger,
            kind=TicketKind.REPAIR,
            channel=Channel.HOTLINE,
            description="x",
            reporter_name="y",
        )


def test_attachments_are_sniffed_and_stored_with_random_names(make_ticket, settings) -> None:
    ticket = make_ticket(files=[upload("现场.png"), upload("报告.pdf", PDF, "application/pdf")])
    rows = list(Attachment.objects.filter(ticket=ticket).order_by("id"))
    assert [a.content_type for a in rows] == ["image/png", "application/pdf"]
    assert [a.original_name for a in rows] == ["现场.png", "报告.pdf"]
    for row in rows:
        assert "现场" not in row.file.name and "报告" not in row.file.name
        assert row.file.path.startswith(str(settings.MEDIA_ROOT))


def test_upload_with_wrong_magic_bytes_is_refused(make_ticket) -> None:
    fake = upload("photo.png", b"<html>not an image</html>" * 3, "image/png")
    with pytest.raises(ValidationFailed) as exc:
        make_ticket(files=[fake])
    assert exc.value.code == "upload_type"
    assert Ticket.objects.count() == 0


def test_upload_over_the_size_limit_is_refused(make_ticket, settings) -> None:
    settings.UPLOAD_MAX_BYTES = 50
    with pytest.raises(ValidationFailed) as exc:
        make_ticket(files=[upload()])
    assert exc.value.code == "upload_too_large"
    assert Ticket.objects.count() == 0
