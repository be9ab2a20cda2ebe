"""CP-7 extensions: a minor complaint's limit is extended with the CS supervisor's approval,
an important one's with the site manager's; a major one's is never extended. A wrong role is
refused and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from estatedesk.complaints import clocks, services
from estatedesk.complaints.enums import ExtensionState, Severity
from estatedesk.complaints.models import ExtensionRequest
from estatedesk.complaints.tests.conftest import local
from estatedesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from estatedesk.core.models import Event
from estatedesk.sla.jobs import sweep
from estatedesk.sla.models import Clock
from estatedesk.sla.selectors import timeliness

pytestmark = pytest.mark.django_db

START = local(2026, 11, 18, 10, 0)  # a Wednesday


def signed(make_complaint: Any, plumber: Any, **fields: Any) -> Any:
    with time_machine.travel(START, tick=False):
        complaint = make_complaint(**fields)
        services.complaint_sign(complaint_id=complaint.pk, actor=plumber)
    return complaint


def clock_rows(complaint: Any) -> list[tuple[Any, ...]]:
    return list(
        Clock.objects.filter(ticket_id=complaint.ticket_id)
        .order_by("pk")
        .values_list("kind", "due_at", "met_at", "met_event", "cancelled_at")
    )


def test_supervisor_approves_a_minor_complaints_extension_cp7(
    make_complaint: Any, plumber: Any, supervisor: Any
) -> None:
    complaint = signed(make_complaint, plumber)
    with time_machine.travel(local(2026, 11, 19, 9, 0), tick=False):
        extension = services.extension_request(
            complaint_id=complaint.pk,
            actor=plumber,
            reason="需订购配件",
            until=local(2026, 11, 25, 17, 0),
        )
    assert extension.approver_role == "cs_supervisor"
    with time_machine.travel(local(2026, 11, 19, 10, 0), tick=False):
        services.extension_decide(extension_id=extension.pk, actor=supervisor, approve=True)
    extension.refresh_from_db()
    assert (extension.state, extension.decided_by) == (ExtensionState.APPROVED, supervisor)
    old = Clock.objects.get(ticket_id=complaint.ticket_id, kind=clocks.HANDLING_MINOR)
    # replaced by the extended clock: cancelled, not met (DS-9 leaves it out)
    assert (old.cancelled_at, old.met_at, old.met_event) == (local(2026, 11, 19, 10, 0), None, "")
    new = Clock.objects.get(ticket_id=complaint.ticket_id, kind=clocks.HANDLING_EXTENDED)
    assert (new.rule, new.due_at, new.met_at) == ("CP-7", local(2026, 11, 25, 17, 0), None)
    assert (
        Event.objects.filter(subject_id=complaint.ticket_id, verb="complaint.extended").count() == 1
    )


def test_dispatcher_cannot_approve_an_extension_nothing_changes_cp7(
    make_complaint: Any, plumber: Any, dispatcher: Any
) -> None:
    complaint = signed(make_complaint, plumber)
    with time_machine.travel(local(2026, 11, 19, 9, 0), tick=False):
        extension = services.extension_request(
            complaint_id=complaint.pk,
            actor=plumber,
            reason="需订购配件",
            until=local(2026, 11, 25, 17, 0),
        )
        before = clock_rows(complaint)
        with pytest.raises(PermissionDenied):
            services.extension_decide(extension_id=extension.pk, actor=dispatcher, approve=True)
    extension.refresh_from_db()
    assert (extension.state, extension.decided_by, extension.decided_at) == (
        ExtensionState.PENDING,
        None,
        None,
    )
    assert clock_rows(complaint) == before


def test_important_complaints_extension_needs_the_site_manager_not_the_supervisor_cp7(
    make_complaint: Any, plumber: Any, supervisor: Any, manager: Any
) -> None:
    complaint = signed(make_complaint, plumber, severity=Severity.IMPORTANT)
    with time_machine.travel(local(2026, 11, 19, 9, 0), tick=False):
        extension = services.extension_request(
            complaint_id=complaint.pk,
            actor=plumber,
            reason="需协调业主",
            until=local(2026, 11, 27, 12, 0),
        )
        before = clock_rows(complaint)
        with pytest.raises(PermissionDenied):
            services.extension_decide(extension_id=extension.pk, actor=supervisor, approve=True)
        extension.refresh_from_db()
        assert extension.state == ExtensionState.PENDING
        assert clock_rows(complaint) == before
        services.extension_decide(extension_id=extension.pk, actor=manager, approve=True)
    extension.refresh_from_db()
    assert (extension.state, extension.approver_role) == (ExtensionState.APPROVED, "site_manager")
    assert Clock.objects.get(
        ticket_id=complaint.ticket_id, kind=clocks.HANDLING_EXTENDED
    ).due_at == local(2026, 11, 27, 12, 0)


def test_a_major_complaint_cannot_be_extended_cp7(make_complaint: Any, plumber: Any) -> None:
    complaint = signed(make_complaint, plumber, severity=Severity.MAJOR)
    with pytest.raises(ValidationFailed):
        services.extension_request(
            complaint_id=complaint.pk,
            actor=plumber,
            reason="需要更多时间",
            until=local(2026, 12, 31, 12, 0),
        )
    assert not ExtensionRequest.objects.exists()


def test_extension_must_end_after_the_current_limit_cp7(make_complaint: Any, plumber: Any) -> None:
    complaint = signed(make_complaint, plumber)  # minor: due Friday 11-20 10:00
    with (
        time_machine.travel(local(2026, 11, 19, 9, 0), tick=False),
        pytest.raises(ValidationFailed),
    ):
        services.extension_request(
            complaint_id=complaint.pk,
            actor=plumber,
            reason="需订购配件",
            until=local(2026, 11, 20, 9, 0),
        )
    assert not ExtensionRequest.objects.exists()


def test_one_pending_request_at_a_time_and_a_decision_is_final_cp7(
    make_complaint: Any, plumber: Any, supervisor: Any
) -> None:
    complaint = signed(make_complaint, plumber)
    with time_machine.travel(local(2026, 11, 19, 9, 0), tick=False):
        extension = services.extension_request(
            complaint_id=complaint.pk,
            actor=plumber,
            reason="需订购配件",
            until=local(2026, 11, 25, 17, 0),
        )
        with pytest.raises(ValidationFailed):
            services.extension_request(
                complaint_id=complaint.pk,
                actor=plumber,
                reason="再次申请",
                until=local(2026, 11, 26, 17, 0),
            )
        with pytest.raises(ValidationFailed):  # a rejection needs its reason
            services.extension_decide(extension_id=extension.pk, actor=supervisor, approve=False)
        services.extension_decide(
            extension_id=extension.pk, actor=supervisor, approve=False, note="配件可本地采购"
        )
        with pytest.raises(Conflict):
            services.extension_decide(extension_id=extension.pk, actor=supervisor, approve=True)
    extension.refresh_from_db()
    assert (extension.state, extension.decision_note) == (ExtensionState.REJECTED, "配件可本地采购")
    assert not Clock.objects.filter(
        ticket_id=complaint.ticket_id, kind=clocks.HANDLING_EXTENDED
    ).exists()


def test_extended_clock_falls_due_exactly_at_the_approved_minute_cp7(
    make_complaint: Any, plumber: Any, supervisor: Any
) -> None:
    """Approved at 10:07 until 11-25 17:20: due at 17:20 sharp (whole hours from the approval
    used to push it to 18:07)."""
    complaint = signed(make_complaint, plumber)
    with time_machine.travel(local(2026, 11, 19, 9, 0), tick=False):
        extension = services.extension_request(
            complaint_id=complaint.pk,
            actor=plumber,
            reason="需订购配件",
            until=local(2026, 11, 25, 17, 20),
        )
    with time_machine.travel(local(2026, 11, 19, 10, 7), tick=False):
        services.extension_decide(extension_id=extension.pk, actor=supervisor, approve=True)
    new = Clock.objects.get(ticket_id=complaint.ticket_id, kind=clocks.HANDLING_EXTENDED)
    assert (new.started_at, new.due_at) == (
        local(2026, 11, 19, 10, 7),
        local(2026, 11, 25, 17, 20),
    )
    sweep(now=local(2026, 11, 25, 17, 19))
    new.refresh_from_db()
    assert new.breached_at is None
    sweep(now=local(2026, 11, 25, 17, 20))
    new.refresh_from_db()
    assert new.breached_at == local(2026, 11, 25, 17, 20)


def test_a_clock_replaced_by_an_extension_counts_in_neither_met_nor_missed_ds9(
    make_complaint: Any, plumber: Any, supervisor: Any
) -> None:
    complaint = signed(make_complaint, plumber)  # minor: due Friday 11-20 10:00
    with time_machine.travel(local(2026, 11, 19, 9, 0), tick=False):
        extension = services.extension_request(
            complaint_id=complaint.pk,
            actor=plumber,
            reason="需订购配件",
            until=local(2026, 11, 25, 17, 0),
        )
    with time_machine.travel(local(2026, 11, 19, 10, 0), tick=False):
        services.extension_decide(extension_id=extension.pk, actor=supervisor, approve=True)
    rows = timeliness(
        [complaint.site_id], local(2026, 11, 16, 0, 0), local(2026, 11, 30, 0, 0), "kind"
    )
    by_kind = {
        row["kind"]: (row["met"], row["missed"], row["pending"])
        for row in rows
        if row["kind"] in clocks.ALL_KINDS
    }
    # the form signed in time (CP-6); the replaced 2-day clock is not there at all; the
    # extended one is still running
    assert by_kind == {
        clocks.FORM_SIGN: (1, 0, 0),
        clocks.HANDLING_EXTENDED: (0, 0, 1),
    }
