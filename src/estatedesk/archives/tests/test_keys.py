"""AR-5: key register, lending with compare-and-set, overdue flag, hand-over to the owner."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import close_old_connections, connection
from django.urls import reverse

from estatedesk.archives import handover, jobs, services
from estatedesk.archives.enums import KeyState, SignatureMethod
from estatedesk.archives.models import Key, KeyHandover, KeyLoan
from estatedesk.archives.tests.test_move_in import drawn_png
from estatedesk.core.calendar import DutyShift
from estatedesk.core.errors import (
    Conflict,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)
from estatedesk.core.models import Event
from estatedesk.notify.models import Notification

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


@pytest.fixture
def key(unit, desk):
    return services.key_register(
        unit=unit, tag="k-3-1201", label="入户门钥匙", copies=2, actor=desk
    )


def _lend(key, desk, *, version=1, who="王师傅", due=dt.timedelta(hours=2), borrower_user=None):
    return services.key_lend(
        key=key,
        expected_version=version,
        borrower_name=who,
        borrower_user=borrower_user,
        borrower_org="工程维修部",
        purpose="检修水管",
        due_at=services.clock.now() + due,
        actor=desk,
    )


def test_register_lend_and_return_ar5(key, desk, desk2):
    assert (key.tag, key.state, key.version) == ("K-3-1201", KeyState.IN_CUSTODY, 1)
    loan = _lend(key, desk)
    key.refresh_from_db()
    assert (key.state, key.version) == (KeyState.LENT, 2)
    assert (loan.borrower_name, loan.purpose, loan.lent_by) == ("王师傅", "检修水管", desk)
    back = services.key_return(key=key, expected_version=2, note="完好", actor=desk2)
    key.refresh_from_db()
    assert (key.state, key.version) == (KeyState.IN_CUSTODY, 3)
    assert (back.received_by, back.return_note) == (desk2, "完好")
    assert list(
        Event.objects.filter(subject_type="archives.key").values_list("verb", flat=True)
    ) == [
        "archives.key_registered",
        "archives.key_lent",
        "archives.key_returned",
    ]


def test_lending_the_same_key_twice_at_once_one_wins_ar5(key, desk, desk2):
    """Both desks loaded the page at version 1; the second lend is a Conflict, nothing changes."""
    seen_by_second = Key.objects.get(pk=key.pk)
    _lend(key, desk, who="甲")
    with pytest.raises(Conflict):
        _lend(seen_by_second, desk2, who="乙")
    assert list(KeyLoan.objects.values_list("borrower_name", flat=True)) == ["甲"]
    assert Key.objects.get(pk=key.pk).version == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_lend_from_two_threads_one_conflict_ar5(site, unit, make_staff):
    from estatedesk.org.enums import Role

    desk_a = make_staff(site, Role.CS_ASSISTANT)
    desk_b = make_staff(site, Role.DISPATCHER)
    key = services.key_register(unit=unit, tag="K9", label="入户门", copies=1, actor=desk_a)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def lend(actor, who):
        try:
            stale = Key.objects.get(pk=key.pk)
            barrier.wait(timeout=10)
            _lend(stale, actor, who=who)
            outcomes.append("lent")
        except Conflict:
            outcomes.append("conflict")
        finally:
            close_old_connections()

    threads = [
        threading.Thread(target=lend, args=(desk_a, "甲")),
        threading.Thread(target=lend, args=(desk_b, "乙")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "lent"]
    assert KeyLoan.objects.count() == 1
    assert Key.objects.get(pk=key.pk).state == KeyState.LENT
    connection.close()


def test_lend_validates_and_leaves_the_key_unchanged(key, desk, worker):
    for kwargs in (
        {"who": ""},
        {"due": dt.timedelta(minutes=-5)},
        {"due": dt.timedelta(days=31)},
    ):
        with pytest.raises(ValidationFailed):
            _lend(key, desk, **kwargs)
    with pytest.raises(PermissionDenied):
        _lend(key, worker)
    key.refresh_from_db()
    assert (key.state, key.version, KeyLoan.objects.count()) == (KeyState.IN_CUSTODY, 1, 0)
    with pytest.raises(TransitionNotAllowed):
        services.key_return(key=key, expected_version=1, actor=desk)


def test_overdue_key_is_flagged_and_notified_once_ar5(key, desk, worker):
    with time_machine.travel(T0, tick=False) as traveller:
        loan = _lend(key, desk, borrower_user=worker, due=dt.timedelta(hours=2))
        assert jobs.flag_overdue_keys(now=services.clock.now()) == 0
        traveller.shift(dt.timedelta(hours=2))
        assert jobs.flag_overdue_keys(now=services.clock.now()) == 1
        traveller.shift(dt.timedelta(minutes=5))
        assert jobs.flag_overdue_keys(now=services.clock.now()) == 0
    loan.refresh_from_db()
    assert loan.overdue_flagged_at == T0 + dt.timedelta(hours=2)
    assert Event.objects.filter(verb="archives.key_overdue").count() == 1
    notified = Notification.objects.filter(topic="archives.key_overdue")
    assert sorted(notified.values_list("user_id", flat=True)) == sorted([desk.pk, worker.pk])
    assert {n.title for n in notified} == {f"钥匙逾期未还：K-3-1201（{key.unit.label}）"}
    assert {n.url for n in notified} == {reverse("archives:key_return", args=[key.pk])}


def test_returned_key_is_never_flagged_ar5(key, desk):
    with time_machine.travel(T0, tick=False) as traveller:
        loan = _lend(key, desk)
        services.key_return(key=key, expected_version=2, actor=desk)
        traveller.shift(dt.timedelta(days=1))
        assert jobs.flag_overdue_keys(now=services.clock.now()) == 0
    loan.refresh_from_db()
    assert loan.overdue_flagged_at is None


def test_overdue_key_is_red_on_the_register(client, key, desk):
    with time_machine.travel(T0, tick=False) as traveller:
        _lend(key, desk)
        traveller.shift(dt.timedelta(hours=3))
        client.force_login(desk)
        page = client.get(reverse("archives:keys") + "?overdue=1").content.decode()
    assert "K-3-1201" in page and "table-danger" in page


def test_hand_over_to_the_owner_with_signature_ar5(client, key, unit, owner, tenant, desk):
    with pytest.raises(ValidationFailed):  # a tenant is not the owner
        services.key_hand_over(
            key=key,
            expected_version=1,
            resident=tenant,
            formalities_ref="ZX-2026-001",
            method=SignatureMethod.TYPED,
            typed_text="李租户",
            actor=desk,
        )
    client.force_login(desk)
    response = client.post(
        reverse("archives:key_hand_over", args=[key.pk]),
        {
            "expected_version": 1,
            "resident": owner.pk,
            "formalities_ref": "装修申请 ZX-2026-001",
            "method": SignatureMethod.DRAWN,
            "drawn": drawn_png(),
        },
    )
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.state == KeyState.HANDED_OVER
    handed = KeyHandover.objects.get()
    assert (handed.resident, handed.formalities_ref, handed.signature.method) == (
        owner,
        "装修申请 ZX-2026-001",
        SignatureMethod.DRAWN,
    )
    with pytest.raises(TransitionNotAllowed):
        _lend(key, desk, version=2)


def test_hand_over_page_without_signature_keeps_the_key(client, key, owner, desk):
    client.force_login(desk)
    response = client.post(
        reverse("archives:key_hand_over", args=[key.pk]),
        {
            "expected_version": 1,
            "resident": owner.pk,
            "formalities_ref": "ZX-1",
            "method": SignatureMethod.DRAWN,
            "drawn": "",
        },
    )
    assert response.status_code == 200
    assert "签名数据无效" in response.content.decode()
    key.refresh_from_db()
    assert key.state == KeyState.IN_CUSTODY


def test_lend_page_and_api_conflict(client, key, desk, desk2):
    client.force_login(desk)
    due = (services.clock.localtime() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    first = client.post(
        reverse("archives:key_lend", args=[key.pk]),
        {"expected_version": 1, "borrower_name": "甲", "purpose": "检修", "due_at": due},
    )
    assert first.status_code == 302
    client.force_login(desk2)
    second = client.post(
        f"/api/v1/archives/keys/{key.pk}/lend",
        {
            "expected_version": 1,
            "borrower_name": "乙",
            "purpose": "检修",
            "due_at": (services.clock.now() + dt.timedelta(hours=1)).isoformat(),
        },
        content_type="application/json",
    )
    assert second.status_code == 409
    assert second.json()["code"] in {"conflict", "transition_not_allowed"}
    back = client.post(
        f"/api/v1/archives/keys/{key.pk}/return",
        {"expected_version": 2},
        content_type="application/json",
    )
    assert back.status_code == 200
    assert back.json()["borrower_name"] == "甲"


def test_printable_key_lending_record_ar5(client, key, desk, worker):
    with time_machine.travel(T0, tick=False):
        _lend(key, desk, who="王师傅")
        client.force_login(worker)
        page = client.get(
            reverse("archives:key_record"),
            {"site": key.site_id, "start": "2026-11-01", "end": "2026-11-30"},
        )
    body = page.content.decode()
    assert page.status_code == 200
    assert "钥匙出借记录表" in body and "王师傅" in body and "K-3-1201" in body
    assert "借用人签字" in body


def test_handover_lists_keys_still_out_dt10_ar5(key, site, desk):
    with time_machine.travel(T0, tick=False):
        loan = _lend(key, desk, due=dt.timedelta(hours=1))
        shift = DutyShift(
            start=T0 + dt.timedelta(hours=7, minutes=30), end=T0 + dt.timedelta(hours=22)
        )
        items = handover.open_items(site=site, shift=shift)
        activity = handover.shift_activity(site=site, start=T0, end=T0 + dt.timedelta(hours=1))
    assert [(i.source, i.ref, i.important, i.blocking) for i in items] == [
        ("archives", f"key-loan:{loan.pk}", True, False)
    ]
    assert items[0].title.startswith("【逾期】钥匙 K-3-1201")
    assert items[0].url == reverse("archives:key_return", args=[key.pk])
    assert [a.ref for a in activity] == [f"key-lent:{loan.pk}"]
