"""Login, home per role, lockout, security headers, API authentication."""

from __future__ import annotations

import pytest

from estatedesk.org.enums import Role
from estatedesk.org.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese(client) -> None:
    response = client.get("/login/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "员工登录" in body and 'lang="zh-hans"' in body


def test_login_page_in_english_on_request(client) -> None:
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert 'lang="en"' in response.content.decode()


def test_staff_logs_in_and_sees_home(client, site, make_staff) -> None:
    make_staff(site, Role.DISPATCHER, username="li")
    response = client.post("/login/", {"username": "li", "password": "pass-for-tests-1"})
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "调度员/值班员" in home.content.decode()


def test_home_requires_login(client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_user_without_role_is_told(client, django_user_model) -> None:
    user = django_user_model.objects.create_user("nobody", password="pass-for-tests-1")
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 403
    assert "还没有分配" in response.content.decode()


def test_lockout_after_five_failures(client, site, make_staff) -> None:
    make_staff(site, Role.CS_ASSISTANT, username="wang")
    for _ in range(5):
        client.post("/login/", {"username": "wang", "password": "wrong"})
    response = client.post("/login/", {"username": "wang", "password": "pass-for-tests-1"})
    assert response.status_code == 429
    assert "锁定" in response.content.decode()


def test_security_headers_present(client) -> None:
    response = client.get("/login/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_api_token_authenticates_and_revokes(client, site, make_staff) -> None:
    user = make_staff(site, Role.DISPATCHER, username="api-user")
    token, raw = api_token_create(user=user, name="呼叫中心", actor=user)
    assert token.key_hash != raw and raw not in token.key_hash
    response = client.get("/api/v1/org/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert response.json()["sites"][0]["roles"] == ["dispatcher"]
    api_token_revoke(token_id=token.pk, user=user, actor=user)
    refused = client.get("/api/v1/org/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert refused.status_code == 401
    assert refused.json()["code"] == "unauthenticated"


def test_api_without_credentials_is_401_json(client) -> None:
    response = client.get("/api/v1/org/me")
    assert response.status_code == 401
    assert set(response.json()) == {"code", "detail"}


def test_openapi_schema_served(client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "estatedesk API"


def test_token_page_creates_and_shows_once(client, site, make_staff) -> None:
    user = make_staff(site, Role.DISPATCHER)
    client.force_login(user)
    response = client.post("/account/tokens/", {"name": "测试"})
    assert response.status_code == 200
    assert 'id="new-token"' in response.content.decode()
    assert "new-token" not in client.get("/account/tokens/").content.decode()


def test_urgent_cards_come_first_on_home_em2(client, site, make_staff) -> None:
    from estatedesk.emergencies.services import emergency_open

    dispatcher = make_staff(site, Role.DISPATCHER, "cs")
    emergency_open(
        site=site,
        actor=dispatcher,
        kind="fire",
        description="5栋 12 楼楼道烟感报警，有焦味",
        reporter_name="5栋1203 住户",
        reporter_phone="13800001203",
        location_text="5栋 12 楼",
    )
    client.force_login(dispatcher)
    body = client.get("/").content.decode()
    first = body.index('<div class="card h-100')
    first_card = body[first : body.index('<div class="card h-100', first + 1)]
    assert "进行中的紧急事件" in first_card
    assert "border-danger" in first_card
