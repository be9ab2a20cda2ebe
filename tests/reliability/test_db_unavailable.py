"""A lost database gives a clear 503 (JSON for the API, an HTML page for pages) with
``Retry-After``, and the next request after it is back succeeds without a restart.

The database really goes away: the connection is closed and pointed at a port where nothing
listens (PostgreSQL) or a file that cannot be opened (SQLite), so the first query of the request
fails with Django's OperationalError. ``scripts/chaos/db_faults.py`` (``make chaos``) does the
same with a real PostgreSQL crash under load."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from estatedesk.org.enums import DepartmentKind, Role
from estatedesk.org.services import api_token_create

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def database_gone(harness: Any) -> Iterator[None]:
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "postgresql":
        connection.settings_dict["PORT"] = str(harness.free_port())
        connection.settings_dict.setdefault("OPTIONS", {})
        connection.settings_dict["OPTIONS"] = {
            **connection.settings_dict["OPTIONS"],
            "connect_timeout": 2,
        }
    else:
        connection.settings_dict["NAME"] = "/nonexistent-estatedesk-dir/db.sqlite3"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.fixture
def desk(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE)


def test_api_answers_503_json_while_the_database_is_gone_and_recovers(
    harness: Any, desk: Any
) -> None:
    _token, raw = api_token_create(user=desk, name="t", actor=desk)
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {raw}")
    with database_gone(harness):
        response = client.get("/api/v1/tickets/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "code": "service_unavailable",
        "detail": "数据库暂时不可用，请稍后重试。",
    }
    assert client.get("/api/v1/tickets/").status_code == 200


def test_page_answers_503_html_while_the_database_is_gone(harness: Any, desk: Any) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(desk)
    with database_gone(harness):
        response = client.get("/tickets/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "数据库暂时不可用" in response.content.decode()


def test_page_works_again_once_the_database_is_back(harness: Any, desk: Any) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(desk)
    with database_gone(harness):
        assert client.get("/tickets/").status_code >= 500
    assert client.get("/tickets/").status_code == 200
