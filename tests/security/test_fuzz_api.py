"""Schemathesis over the whole OpenAPI schema, through WSGI, as a staff member and as a resident:
no answer is a 5xx, and every 4xx is our JSON error ``{"code", "detail"}``.

Bounded in ``make test`` (ESTATEDESK_FUZZ_EXAMPLES, default 3 examples per operation and
principal); ``make fuzz`` runs it with 200. Counts go to test-artifacts/security/fuzz-*.json.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, settings

from estatedesk.org.enums import DepartmentKind, Role
from estatedesk.org.services import api_token_create
from estatedesk.portal.services import resident_user
from estatedesk.tickets import services
from estatedesk.tickets.enums import Channel, TicketKind
from estatedesk.wsgi import application

EXAMPLES = int(os.environ.get("ESTATEDESK_FUZZ_EXAMPLES", "3"))
# The coverage phase (boundary values, undeclared methods, malformed ids ...) adds many fixed
# examples per operation: on for ``make fuzz``, off in the bounded run of ``make test``.
LONG = EXAMPLES > 3
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "security"
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    application,
    config=schemathesis.config.SchemathesisConfig.from_dict(
        {"phases": {"coverage": {"enabled": LONG}}}
    ),
)


@pytest.fixture
def tokens(site: Any, make_staff: Any, resident: Any) -> dict[str, str]:
    desk = make_staff(site, Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE)
    services.ticket_create(
        site=site,
        actor=desk,
        kind=TicketKind.REPAIR,
        channel=Channel.HOTLINE,
        description="厨房水管漏水",
        reporter_name="张先生",
        reporter_phone=resident.phone,
        resident=resident,
    )
    _row, staff = api_token_create(user=desk, name="fuzz", actor=desk)
    user = resident_user(resident=resident)
    _row, portal = api_token_create(user=user, name="fuzz", actor=user)
    return {"staff": staff, "resident": portal}


def _call(case: Any, token: str) -> Any:
    """The generated request through Django's test client (schemathesis' own WSGI transport
    fires request_finished, which would close the test's database connection)."""
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {token}")
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    extra = {f"HTTP_{k.upper().replace('-', '_')}": str(v) for k, v in headers.items()}
    path = case.formatted_path
    if case.query:
        path += "?" + urlencode(case.query, doseq=True)
    method = case.method.lower()
    if case.body is None or method == "get":
        return client.generic(case.method, path, **extra)
    if case.media_type and case.media_type.startswith("multipart/"):
        files = case.body if isinstance(case.body, dict) else {}
        return client.post(path, _multipart(files), **extra)
    payload = json.dumps(case.body, default=str)
    return client.generic(case.method, path, payload, "application/json", **extra)


def _multipart(body: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in body.items():
        items = value if isinstance(value, list) else [value]
        out[key] = [
            SimpleUploadedFile("f.bin", v if isinstance(v, bytes) else str(v).encode())
            for v in items
        ]
    return out


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_5xx_and_4xx_is_code_and_detail(case: Any, tokens: dict[str, str]) -> None:
    seen: Counter[str] = Counter()
    for who, token in tokens.items():
        response = _call(case, token)
        status = response.status_code
        text = response.content.decode("utf-8", "replace")
        seen[f"{who}:{status // 100}xx"] += 1
        where = f"{case.method} {case.formatted_path} as {who}: {status} {text[:300]}"
        assert status < 500, where
        if 400 <= status < 500:
            assert text.startswith("{"), where
            body = json.loads(text)
            assert isinstance(body.get("code"), str) and body["code"], where
            assert isinstance(body.get("detail"), str) and body["detail"], where
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = f"{case.method}-{case.path}".replace("/", "_").replace("{", "").replace("}", "")
    path = ARTIFACTS / f"fuzz-{name}.json"
    previous = Counter(json.loads(path.read_text())) if path.exists() else Counter()
    path.write_text(json.dumps(dict(previous + seen)))


@pytest.mark.django_db
def test_api_405_for_an_undeclared_method_is_code_and_detail(tokens: dict[str, str]) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {tokens['staff']}")
    response = client.generic("TRACE", "/api/v1/org/me")
    assert response.status_code == 405
    assert set(json.loads(response.content)) >= {"code", "detail"}


@pytest.mark.django_db
def test_api_404_for_a_non_integer_id_is_code_and_detail(tokens: dict[str, str]) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {tokens['staff']}")
    response = client.get("/api/v1/tickets/abc")
    assert response.status_code == 404
    assert set(json.loads(response.content)) >= {"code", "detail"}


@pytest.mark.django_db
def test_api_id_past_64_bits_is_not_a_server_error(tokens: dict[str, str]) -> None:
    """A filter id of 2**63 (found by the fuzzer: SQLite cannot bind it) is bad input or matches
    nothing - never a 500."""
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {tokens['staff']}")
    response = client.get("/api/v1/tickets/", {"department_id": 2**63})
    body = json.loads(response.content)
    if response.status_code == 422:
        assert body["code"] == "invalid"
    else:
        assert (response.status_code, body["count"]) == (200, 0)


def test_api_server_error_page_becomes_code_and_detail() -> None:
    """Django's HTML 500 page under /api/ is turned into the API's JSON error; pages keep HTML."""
    from django.http import HttpResponseServerError
    from django.test import RequestFactory

    from estatedesk.core.middleware import ApiErrorShapeMiddleware

    shape = ApiErrorShapeMiddleware(lambda request: HttpResponseServerError("<h1>系统出错</h1>"))
    api = shape(RequestFactory().get("/api/v1/tickets/"))
    page = shape(RequestFactory().get("/tickets/"))
    assert (api.status_code, json.loads(api.content)["code"]) == (500, "server_error")
    assert page.content.decode() == "<h1>系统出错</h1>"


@pytest.mark.django_db
def test_api_refuses_nul_characters_and_offsets_past_any_list(tokens: dict[str, str]) -> None:
    """Found by the fuzzer: a NUL in a filter (PostgreSQL text cannot hold it) and an offset
    past 64 bits were database errors (500); both are bad input (422), a large offset within
    bounds is an empty page."""
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {tokens['staff']}")
    for path, params in (
        ("/api/v1/complaints/", {"q": "\x00"}),
        ("/api/v1/tickets/", {"offset": 2**64}),
        ("/api/v1/archives/grants", {"offset": 2**64}),
        ("/api/v1/archives/keys", {"limit": 2**63}),
        ("/api/v1/notify/", {"page": 2**62}),
    ):
        response = client.get(path, params)
        assert (response.status_code, json.loads(response.content)["code"]) == (422, "invalid")
    body = json.dumps({"site_id": 1, "kind": "repair", "description": "漏水\u0000"})
    created = client.post("/api/v1/tickets/", body, content_type="application/json")
    assert created.status_code == 422
    far = client.get("/api/v1/tickets/", {"offset": 10**9})
    assert (far.status_code, json.loads(far.content)["items"]) == (200, [])
