"""Every page renders for the roles it is meant for; menu entries and home cards."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, reverse

from estatedesk.archives import selectors, services, urls
from estatedesk.archives.tests.test_contacts import _seed_everything
from estatedesk.archives.tests.test_move_in import drawn_png
from estatedesk.web.navigation import items_for

pytestmark = pytest.mark.django_db

# Pages a desk member opens with GET; the rest are POST-only actions, files, the requester's
# form and the manager's access log (tested in test_access).
NOT_PAGES = {
    "access_log",
    "grant_refuse",
    "grant_cancel",
    "grant_close",
    "move_in_item_add",
    "move_in_complete",
    "document_pdf",
    "grant_request",
}


def test_desk_opens_every_page(client, unit, owner, desk, leader, worker):
    ids = _seed_everything(unit, owner, desk, leader, worker)
    services.key_register(unit=unit, tag="K2", label="备用", copies=1, actor=desk)
    move_in = selectors.get_move_in_for_user(desk, ids["move_in_id"])
    key_item = services.move_in_item_add(
        move_in=move_in, kind="key", description="钥匙", quantity=1, identifier="", actor=desk
    )
    signed = services.move_in_item_confirm(
        item=key_item, method="drawn", drawn=drawn_png(), actor=desk
    )
    ids["signature_id"] = signed.signature_id
    client.force_login(desk)
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name in NOT_PAGES:
            continue
        names = re.findall(r"<int:(\w+)>", str(pattern.pattern))
        url = reverse(f"archives:{pattern.name}", kwargs={n: ids[n] for n in names})
        response = client.get(url)
        assert response.status_code == 200, url
        if response["Content-Type"].startswith("text/html"):
            assert "<script>" not in response.content.decode()  # CSP: no inline scripts


def test_leader_finds_a_unit_and_requests_access_ar3(client, unit, leader):
    client.force_login(leader)
    index = client.get(reverse("archives:index"))
    assert index.status_code == 200
    assert "申请陪同查阅" in index.content.decode()
    found = client.get(reverse("archives:index"), {"site": unit.site_id, "unit_label": unit.label})
    assert found.status_code == 302
    assert found["Location"] == reverse("archives:grant_request", args=[unit.pk])
    response = client.post(found["Location"], {"purpose": "核对装修图纸"})
    assert response.status_code == 302
    grants = client.get(reverse("archives:grants")).content.decode()
    assert "核对装修图纸" in grants and "待客服中心安排" in grants


def test_menu_and_home_cards_follow_roles(client, unit, owner, desk, leader, worker, manager):
    _seed_everything(unit, owner, desk, leader, worker)
    labels = {user: {str(i["label"]) for i in items_for(user)} for user in (desk, worker, manager)}
    assert {"业户档案", "联系业主", "入伙办理", "钥匙登记"} <= labels[desk]
    assert "档案查阅记录" not in labels[desk]
    assert labels[worker] & {"业户档案", "入伙办理", "档案查阅记录"} == set()
    assert {"联系业主", "钥匙登记"} <= labels[worker]
    assert "档案查阅记录" in labels[manager]
    client.force_login(desk)
    home = client.get("/").content.decode()
    assert "档案查阅申请" in home and "待联系业主" in home and "逾期未还的钥匙" in home


def test_grant_session_card_for_the_leader(client, unit, desk, leader):
    grant = services.grant_request(unit=unit, purpose="核对交房资料", actor=leader)
    services.grant_open(grant=grant, companion=desk, actor=desk)
    client.force_login(leader)
    assert "陪同查阅进行中" in client.get("/").content.decode()
