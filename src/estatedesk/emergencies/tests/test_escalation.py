"""EM-2: the skip-level escalation chain - pages, timeouts, acknowledgement from the page, the
API, a phone call and the signed SMS link."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from estatedesk.core import clock
from estatedesk.core.errors import PermissionDenied, ValidationFailed
from estatedesk.duty.models import OnCallEntry
from estatedesk.emergencies import links
from estatedesk.emergencies.enums import AckVia, ChainState, PageOutcome
from estatedesk.emergencies.models import EmergencyCase, EscalationChain, EscalationLevel, Page
from estatedesk.emergencies.services import page_acknowledge, page_escalate_due
from estatedesk.emergencies.tests.conftest import START, open_emergency
from estatedesk.notify.models import Notification, NotificationPreference
from estatedesk.org.enums import Role

pytestmark = pytest.mark.django_db


def _chain(case: EmergencyCase) -> list[tuple[int, str, str, list[str]]]:
    return [
        (
            p.level,
            p.role,
            p.outcome,
            sorted(r.user.username for r in p.recipients.select_related("user")),
        )
        for p in Page.objects.filter(case=case).order_by("level")
    ]


def _pages_to(user) -> int:
    return Notification.objects.filter(user=user, topic="emergency.page", channel="inapp").count()


def test_nobody_acknowledges_deputy_paged_after_5_and_gm_after_10_minutes_em2(site, staff, frozen):
    case = open_emergency(site, staff["dispatcher"])
    manager, deputy, gm = staff["manager"].username, staff["deputy"].username, staff["gm"].username
    assert _chain(case) == [(1, Role.SITE_MANAGER, PageOutcome.WAITING, [manager])]
    first = case.pages.get()
    assert (first.paged_at, first.due_at) == (START, START + dt.timedelta(minutes=5))
    assert _pages_to(staff["manager"]) == 1

    frozen.move_to(START + dt.timedelta(minutes=4, seconds=59))
    assert page_escalate_due(now=clock.now()) == 0
    assert _chain(case) == [(1, Role.SITE_MANAGER, PageOutcome.WAITING, [manager])]

    frozen.move_to(START + dt.timedelta(minutes=5))
    assert page_escalate_due(now=clock.now()) == 1
    assert _chain(case) == [
        (1, Role.SITE_MANAGER, PageOutcome.ESCALATED, [manager]),
        (2, Role.DEPUTY_GM, PageOutcome.WAITING, [deputy]),
    ]
    assert _pages_to(staff["deputy"]) == 1 and _pages_to(staff["gm"]) == 0

    frozen.move_to(START + dt.timedelta(minutes=9, seconds=59))
    assert page_escalate_due(now=clock.now()) == 0
    frozen.move_to(START + dt.timedelta(minutes=10))
    assert page_escalate_due(now=clock.now()) == 1
    assert _chain(case) == [
        (1, Role.SITE_MANAGER, PageOutcome.ESCALATED, [manager]),
        (2, Role.DEPUTY_GM, PageOutcome.ESCALATED, [deputy]),
        (3, Role.GM, PageOutcome.WAITING, [gm]),
    ]
    assert Page.objects.get(case=case, level=3).due_at == START + dt.timedelta(minutes=15)
    assert _pages_to(staff["gm"]) == 1
    case.refresh_from_db()
    assert case.chain_state == ChainState.RUNNING


def test_last_level_unanswered_exhausts_the_chain_and_tells_the_desk_em2(site, staff, frozen):
    case = open_emergency(site, staff["dispatcher"])
    for minutes in (5, 10, 15):
        frozen.move_to(START + dt.timedelta(minutes=minutes))
        page_escalate_due(now=clock.now())
    case.refresh_from_db()
    assert case.chain_state == ChainState.EXHAUSTED
    assert Page.objects.get(case=case, level=3).outcome == PageOutcome.UNANSWERED
    told = Notification.objects.filter(topic="emergency.unanswered", channel="inapp")
    assert sorted(n.user.username for n in told) == sorted(
        [staff["dispatcher"].username, staff["supervisor"].username]
    )
    frozen.move_to(START + dt.timedelta(minutes=30))
    assert page_escalate_due(now=clock.now()) == 0
    assert Page.objects.filter(case=case).count() == 3


def test_acknowledgement_stops_the_chain_em2(site, staff, frozen):
    case = open_emergency(site, staff["dispatcher"])
    frozen.move_to(START + dt.timedelta(minutes=3))
    page = case.pages.get()
    page_acknowledge(page=page, actor=staff["manager"], via=AckVia.PAGE)
    page.refresh_from_db()
    case.refresh_from_db()
    assert (page.outcome, page.acknowledged_by, page.ack_via) == (
        PageOutcome.ACKNOWLEDGED,
        staff["manager"],
        AckVia.PAGE,
    )
    assert (case.chain_state, case.acknowledged_at, case.acknowledged_by) == (
        ChainState.ACKNOWLEDGED,
        START + dt.timedelta(minutes=3),
        staff["manager"],
    )
    frozen.move_to(START + dt.timedelta(minutes=20))
    assert page_escalate_due(now=clock.now()) == 0
    assert Page.objects.filter(case=case).count() == 1
    assert _pages_to(staff["deputy"]) == 0
    told = Notification.objects.get(topic="emergency.acknowledged", channel="inapp")
    assert told.user == staff["dispatcher"]


def test_late_acknowledgement_by_the_manager_stops_pages_already_sent_em2(site, staff, frozen):
    case = open_emergency(site, staff["dispatcher"])
    frozen.move_to(START + dt.timedelta(minutes=5))
    page_escalate_due(now=clock.now())
    first = case.pages.get(level=1)
    page_acknowledge(page=first, actor=staff["manager"], via=AckVia.PAGE)
    assert [(p.level, p.outcome) for p in case.pages.order_by("level")] == [
        (1, PageOutcome.ACKNOWLEDGED),
        (2, PageOutcome.STOPPED),
    ]
    frozen.move_to(START + dt.timedelta(minutes=11))
    assert page_escalate_due(now=clock.now()) == 0
    assert _pages_to(staff["gm"]) == 0


def test_someone_not_paged_cannot_acknowledge_em2(site, staff, frozen):
    case = open_emergency(site, staff["dispatcher"])
    page = case.pages.get()
    with pytest.raises(PermissionDenied):
        page_acknowledge(page=page, actor=staff["guard"], via=AckVia.PAGE)
    page.refresh_from_db()
    case.refresh_from_db()
    assert (page.outcome, page.acknowledged_at, case.chain_state) == (
        PageOutcome.WAITING,
        None,
        ChainState.RUNNING,
    )


def test_desk_records_a_phone_acknowledgement_for_the_paged_manager_em2(site, staff, frozen):
    case = open_emergency(site, staff["dispatcher"])
    page = case.pages.get()
    with pytest.raises(ValidationFailed):
        page_acknowledge(
            page=page, actor=staff["dispatcher"], via=AckVia.PHONE, on_behalf_of=staff["gm"]
        )
    page_acknowledge(
        page=page, actor=staff["dispatcher"], via=AckVia.PHONE, on_behalf_of=staff["manager"]
    )
    page.refresh_from_db()
    assert (page.acknowledged_by, page.ack_recorded_by, page.ack_via) == (
        staff["manager"],
        staff["dispatcher"],
        AckVia.PHONE,
    )


def test_on_call_list_decides_who_is_paged_before_the_role_holders_em2_dt7(
    site, staff, make_staff, frozen
):
    stand_in = make_staff(site, Role.SITE_MANAGER, username="deputy-manager")
    OnCallEntry.objects.create(
        site=site, role="manager", user=stand_in, phone="13900000001", priority=1
    )
    case = open_emergency(site, staff["dispatcher"])
    recipient = case.pages.get().recipients.get()
    assert (recipient.user, recipient.phone, recipient.source) == (stand_in, "13900000001", "list")
    sms = Notification.objects.get(user=stand_in, channel="sms")
    assert sms.phone == "13900000001" and "/emergencies/ack/" in sms.body


def test_a_level_nobody_holds_is_skipped_and_the_next_paged_at_once_em2(site, make_staff, frozen):
    dispatcher = make_staff(site, Role.DISPATCHER, "cs", username="d1")
    make_staff(site, Role.DEPT_HEAD, "security", username="s1")
    deputy = make_staff(site, Role.DEPUTY_GM, "management", username="dg1")
    case = open_emergency(site, dispatcher)
    assert _chain(case) == [
        (1, Role.SITE_MANAGER, PageOutcome.SKIPPED, []),
        (2, Role.DEPUTY_GM, PageOutcome.WAITING, [deputy.username]),
    ]


def test_a_site_chain_replaces_the_default_with_its_own_timeouts_em2(site, staff, frozen):
    chain = EscalationChain.objects.create(site=site, name="本处呼叫链")
    EscalationLevel.objects.create(
        chain=chain, position=1, role=Role.SITE_MANAGER, timeout_minutes=3
    )
    EscalationLevel.objects.create(chain=chain, position=2, role=Role.GM, timeout_minutes=10)
    case = open_emergency(site, staff["dispatcher"])
    assert case.pages.get().due_at == START + dt.timedelta(minutes=3)
    frozen.move_to(START + dt.timedelta(minutes=3))
    page_escalate_due(now=clock.now())
    assert [(p.level, p.role) for p in case.pages.order_by("level")] == [
        (1, Role.SITE_MANAGER),
        (2, Role.GM),
    ]


def _sms_link(user) -> str:
    sms = Notification.objects.get(user=user, channel="sms", topic="emergency.page")
    return sms.url.split("://", 1)[1].split("/", 1)[1]


@pytest.fixture
def manager_phone(staff):
    NotificationPreference.objects.create(user=staff["manager"], phone="13700000000")


def test_sms_link_acknowledges_without_login_em2(site, staff, manager_phone, frozen):
    case = open_emergency(site, staff["dispatcher"])
    path = "/" + _sms_link(staff["manager"])
    anonymous = Client()
    shown = anonymous.get(path)
    assert shown.status_code == 200
    assert "确认收到" in shown.content.decode()
    case.refresh_from_db()
    assert case.chain_state == ChainState.RUNNING  # opening the link alone acknowledges nothing
    frozen.move_to(START + dt.timedelta(minutes=2))
    done = anonymous.post(path)
    assert done.status_code == 200
    assert "已确认收到" in done.content.decode()
    page = case.pages.get()
    case.refresh_from_db()
    assert (page.acknowledged_by, page.ack_via, page.acknowledged_at) == (
        staff["manager"],
        AckVia.SMS,
        START + dt.timedelta(minutes=2),
    )
    assert case.chain_state == ChainState.ACKNOWLEDGED


def test_tampered_sms_link_is_refused_and_acknowledges_nothing_em2(
    site, staff, manager_phone, frozen
):
    case = open_emergency(site, staff["dispatcher"])
    path = "/" + _sms_link(staff["manager"])
    token = path.rstrip("/").rsplit("/", 1)[1]
    page_id, _sep, rest = token.partition(".")
    for forged in (
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        f"{page_id}.{staff['gm'].pk}{rest[rest.index(':') :]}",
    ):
        response = Client().post(f"/emergencies/ack/{forged}/")
        assert response.status_code == 400
        assert "确认链接无效" in response.content.decode()
    page = case.pages.get()
    assert (page.outcome, page.acknowledged_at) == (PageOutcome.WAITING, None)


def test_expired_sms_link_is_refused_em2(site, staff, manager_phone, frozen):
    case = open_emergency(site, staff["dispatcher"])
    path = "/" + _sms_link(staff["manager"])
    frozen.move_to(START + links.MAX_AGE + dt.timedelta(seconds=1))
    response = Client().post(path)
    assert response.status_code == 400
    assert "已过期" in response.content.decode()
    assert case.pages.get().acknowledged_at is None


def test_sms_link_of_one_page_cannot_acknowledge_another_em2(site, staff, frozen):
    NotificationPreference.objects.create(user=staff["deputy"], phone="13600000000")
    case = open_emergency(site, staff["dispatcher"])
    frozen.move_to(START + dt.timedelta(minutes=5))
    page_escalate_due(now=clock.now())
    second = case.pages.get(level=2)
    token = links.ack_token(page_id=case.pages.get(level=1).pk, user_id=staff["deputy"].pk)
    response = Client().post(f"/emergencies/ack/{token}/")
    assert response.status_code == 400
    second.refresh_from_db()
    assert second.acknowledged_at is None
    good = Client().post("/" + _sms_link(staff["deputy"]))
    assert good.status_code == 200
    second.refresh_from_db()
    assert (second.acknowledged_by, second.ack_via) == (staff["deputy"], AckVia.SMS)
