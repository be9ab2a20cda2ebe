"""CP-10 / DS-8: the corrective and preventive action report of major and important complaints
and of those caused by substandard work, filed with the quality department; only quality
closes it after verification."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from estatedesk.complaints import services
from estatedesk.complaints.enums import CapaReason, CapaState, Severity
from estatedesk.complaints.models import CorrectiveAction
from estatedesk.complaints.tests.conftest import local
from estatedesk.core.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from estatedesk.core.models import Event
from estatedesk.notify.models import Notification

pytestmark = pytest.mark.django_db

NOW = local(2026, 11, 18, 10, 0)


def file(complaint: Any, actor: Any, owner: Any) -> CorrectiveAction:
    return services.capa_file(
        complaint_id=complaint.pk,
        actor=actor,
        nonconformity="维修人员未按约定时间上门",
        cause="派工未确认人员排班",
        correction="当日重新安排上门",
        prevention="派工前核对排班表",
        owner_id=owner.pk,
        due_date=dt.date(2026, 11, 30),
    )


@pytest.fixture
def important(make_complaint: Any) -> Any:
    with time_machine.travel(NOW, tick=False):
        return make_complaint(severity=Severity.IMPORTANT)


def test_supervisor_files_the_capa_of_an_important_complaint_with_quality_cp10(
    important: Any, supervisor: Any, eng_head: Any, quality: Any
) -> None:
    with time_machine.travel(NOW, tick=False):
        capa = file(important, supervisor, eng_head)
    assert (capa.state, capa.reason, capa.owner, capa.filed_by) == (
        CapaState.OPEN,
        CapaReason.SEVERITY,
        eng_head,
        supervisor,
    )
    assert Notification.objects.filter(topic="complaint.capa", user=quality).count() == 1
    assert Event.objects.filter(verb="capa.filed", subject_id=capa.pk).count() == 1


def test_a_minor_complaint_needs_no_capa_unless_substandard_work_caused_it_ds8(
    make_complaint: Any, supervisor: Any, plumber: Any, eng_head: Any
) -> None:
    with time_machine.travel(NOW, tick=False):
        complaint = make_complaint()
        with pytest.raises(ValidationFailed):
            file(complaint, supervisor, eng_head)
        services.complaint_sign(complaint_id=complaint.pk, actor=plumber)
        services.complaint_handle(
            complaint_id=complaint.pk,
            actor=plumber,
            handling="返修",
            caused_by_substandard_work=True,
        )
        capa = file(complaint, supervisor, eng_head)
    assert capa.reason == CapaReason.SUBSTANDARD


def test_the_front_desk_cannot_file_a_capa_cp10(
    important: Any, assistant: Any, eng_head: Any
) -> None:
    with pytest.raises(PermissionDenied):
        file(important, assistant, eng_head)
    assert not CorrectiveAction.objects.exists()


def test_only_quality_closes_the_capa_after_verification_cp10(
    important: Any, supervisor: Any, eng_head: Any, manager: Any, quality: Any
) -> None:
    with time_machine.travel(NOW, tick=False):
        capa = file(important, supervisor, eng_head)
    with pytest.raises(TransitionNotAllowed):  # not implemented yet
        services.capa_verify(capa_id=capa.pk, actor=quality, verification="有效", accept=True)
    services.capa_implement(capa_id=capa.pk, actor=eng_head, note="已组织排班核对培训")
    for outsider in (supervisor, manager, eng_head):
        with pytest.raises(PermissionDenied):
            services.capa_verify(capa_id=capa.pk, actor=outsider, verification="有效", accept=True)
    capa.refresh_from_db()
    assert (capa.state, capa.verified_by, capa.closed_at, capa.version) == (
        CapaState.IMPLEMENTED,
        None,
        None,
        2,
    )
    with time_machine.travel(local(2026, 11, 28, 9, 0), tick=False):
        services.capa_verify(
            capa_id=capa.pk, actor=quality, verification="抽查两周派工记录，有效", accept=True
        )
    capa.refresh_from_db()
    assert (capa.state, capa.verified_by, capa.closed_at) == (
        CapaState.CLOSED,
        quality,
        local(2026, 11, 28, 9, 0),
    )


def test_a_failed_verification_returns_the_capa_to_its_owner_cp10(
    important: Any, supervisor: Any, eng_head: Any, quality: Any
) -> None:
    with time_machine.travel(NOW, tick=False):
        capa = file(important, supervisor, eng_head)
    services.capa_implement(capa_id=capa.pk, actor=eng_head, note="已培训")
    services.capa_verify(capa_id=capa.pk, actor=quality, verification="仍有迟到", accept=False)
    capa.refresh_from_db()
    assert (capa.state, capa.verification, capa.closed_at) == (CapaState.OPEN, "仍有迟到", None)
    assert Notification.objects.filter(
        topic="complaint.capa", user=eng_head, title__contains="验证未通过"
    ).exists()
