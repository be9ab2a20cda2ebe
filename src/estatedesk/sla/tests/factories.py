"""Tickets for SLA tests, created directly (the ticket services are another app's) with the
clocks moved by ``clocks_on_event`` as the ticket services do."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from estatedesk.sla.services import clocks_on_event
from estatedesk.tickets.models import Ticket

_numbers = itertools.count(1)


def make_ticket(
    site: Any,
    *,
    at: dt.datetime,
    kind: str = "repair",
    channel: str = "hotline",
    is_complex: bool = False,
    created_event: bool = True,
    **fields: Any,
) -> Ticket:
    ticket = Ticket.objects.create(
        site=site,
        number=f"{site.code}T{next(_numbers):08d}",
        kind=kind,
        channel=channel,
        is_complex=is_complex,
        description=fields.pop("description", "楼道灯不亮"),
        reporter_name=fields.pop("reporter_name", "张先生"),
        received_at=at,
        created_at=at,
        updated_at=at,
        **fields,
    )
    if created_event:
        clocks_on_event(
            ticket=ticket,
            event="ticket.created",
            at=at,
            data={
                "kind": kind,
                "channel": channel,
                "urgency": ticket.urgency,
                "is_complex": is_complex,
            },
        )
    return ticket


def event(ticket: Ticket, name: str, at: dt.datetime, **data: Any) -> None:
    clocks_on_event(ticket=ticket, event=name, at=at, data=data)


def local(*args: int) -> dt.datetime:
    """An aware Asia/Shanghai datetime."""
    from estatedesk.core.clock import local_zone

    return dt.datetime(*args, tzinfo=local_zone())  # type: ignore[misc]
