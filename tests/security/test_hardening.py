"""Bad input refused cleanly and the production settings hardened.

- ``manage.py check --deploy`` is clean under production settings (a subprocess with DEBUG off,
  a real SECRET_KEY and ALLOWED_HOSTS), and those settings send the security headers (CSP,
  HSTS, X-Frame-Options, Referrer-Policy, nosniff) and Secure, HttpOnly cookies.
- CSRF: no view is exempt, and a POST without the token as a signed-in user is 403, on every
  page of the URL configuration and on the API with a session.
- Filters fed SQL-injection strings answer normally (never a 5xx, never more rows).
- Uploads: an oversized file and a disguised one (script named .jpg, declared image/jpeg) are
  refused with the JSON error and nothing is stored.
- Resident one-time codes through the pages: rate-limited per phone and per address, and
  expiring (the service rules are tested in portal/tests/test_portal.py; API tokens are
  revocable: web/tests/test_pages.py::test_api_token_authenticates_and_revokes).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from estatedesk.org.enums import DepartmentKind, Role
from estatedesk.org.services import api_token_create
from estatedesk.portal.models import LoginCode
from estatedesk.tickets import services
from estatedesk.tickets.enums import Channel, TicketKind
from estatedesk.tickets.models import Attachment, Ticket
from tests.security import matrix

ESTATEDESK = str(Path(sys.executable).with_name("estatedesk"))
INJECTIONS = ["' OR 1=1 --", '" OR ""="', "1; DROP TABLE tickets_ticket; --", "%' OR '1'='1"]
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def _production_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="desk.example.com",
        ESTATEDESK_VAR_DIR=str(tmp_path),
        LOG_LEVEL="ERROR",
    )
    return env


def test_check_deploy_is_clean_under_production_settings(tmp_path: Path) -> None:
    done = subprocess.run(
        [ESTATEDESK, "check", "--deploy", "--fail-level", "WARNING"],
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


HEADERS_SCRIPT = """
import json
from django.test import Client
client = Client(HTTP_HOST="desk.example.com")
plain = client.get("/login/")
secure = client.get("/login/", secure=True)
print(json.dumps({
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "status": secure.status_code,
    "headers": {k: v for k, v in secure.headers.items()},
    "csrf_cookie": {k: secure.cookies["csrftoken"][k] for k in ("secure", "httponly", "samesite")},
}))
"""


def test_production_answers_carry_the_security_headers(tmp_path: Path) -> None:
    done = subprocess.run(
        [ESTATEDESK, "shell", "-c", HEADERS_SCRIPT],
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert (seen["plain_status"], seen["plain_location"]) == (
        301,
        "https://desk.example.com/login/",
    )
    headers = seen["headers"]
    assert seen["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert (
        "'unsafe-inline'"
        not in headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    )
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert seen["csrf_cookie"]["secure"] is True


def _page_routes() -> list[tuple[str, str, Any]]:
    found: list[tuple[str, str, Any]] = []

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), ns.strip(":"))
            elif isinstance(entry, URLPattern) and not prefix.startswith("/api/"):
                found.append((f"{namespace}:{entry.name}", prefix + str(entry.pattern), entry))

    walk(get_resolver().url_patterns, "/", "")
    return found


def test_no_page_view_is_csrf_exempt() -> None:
    exempt = sorted(
        name
        for name, _route, entry in _page_routes()
        if getattr(entry.callback, "csrf_exempt", False)
    )
    assert exempt == []


@pytest.mark.django_db
def test_post_without_csrf_token_is_403_on_every_page(site: Any, make_staff: Any) -> None:
    manager = make_staff(site, Role.SITE_MANAGER, DepartmentKind.MANAGEMENT)
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    client.get("/")  # the CSRF cookie is set, only the token in the form is missing
    answers: dict[str, int] = {}
    for name, route, _entry in _page_routes():
        if "(?P" in route or (route.startswith("/admin/") and "<" in route):
            continue
        path = matrix.fill(route, {k: 1 for k in _kwargs(route)})
        path = path.replace("<slug:key>", "x")
        answers[name] = client.post(path, {"x": "1"}).status_code
    refused = {name: code for name, code in answers.items() if code != 403}
    assert len(answers) > 200
    assert refused == {}


def _kwargs(route: str) -> list[str]:
    import re

    return [m.group(2) for m in re.finditer(r"<(?:(\w+):)?(\w+)>", route)]


@pytest.mark.django_db
def test_api_write_with_a_session_but_no_csrf_token_is_refused(site: Any, make_staff: Any) -> None:
    desk = make_staff(site, Role.CS_ASSISTANT, DepartmentKind.CUSTOMER_SERVICE)
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk)
    response = client.post(
        "/api/v1/tickets/",
        {
            "site_id": site.pk,
            "kind": "repair",
            "channel": "hotline",
            "description": "x",
            "reporter_name": "x",
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    assert Ticket.objects.count() == 0


@pytest.fixture
def ticket(site: Any, make_staff: Any) -> Ticket:
    desk = make_staff(site, Role.CS_ASSISTANT, DepartmentKind.CUSTOMER_SERVICE)
    return services.ticket_create(
        site=site,
        actor=desk,
        kind=TicketKind.REPAIR,
        channel=Channel.HOTLINE,
        description="厨房水管漏水",
        reporter_name="张先生",
        reporter_phone="13912345678",
    )


@pytest.mark.django_db
def test_filters_with_injection_strings_answer_normally(
    site: Any, make_staff: Any, ticket: Ticket
) -> None:
    manager = make_staff(site, Role.SITE_MANAGER, DepartmentKind.MANAGEMENT)
    _row, raw = api_token_create(user=manager, name="t", actor=manager)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    pages = Client(raise_request_exception=False)
    pages.force_login(manager)
    for payload in INJECTIONS:
        listed = api.get("/api/v1/tickets/", {"q": payload, "state": payload, "kind": payload})
        assert listed.status_code == 200
        assert listed.json()["count"] == 0
        for path in (
            "/tickets/",
            "/tickets/register/",
            "/complaints/",
            "/violations/",
            "/dispatch/",
        ):
            answer = pages.get(
                path, {"q": payload, "state": payload, "kind": payload, "page": payload}
            )
            assert answer.status_code == 200, (path, payload, answer.status_code)
    assert api.get("/api/v1/tickets/", {"q": "厨房"}).json()["count"] == 1


@pytest.mark.django_db
def test_oversized_and_disguised_uploads_are_refused(
    site: Any, make_staff: Any, ticket: Ticket, settings: Any
) -> None:
    settings.UPLOAD_MAX_BYTES = 1024
    desk = make_staff(site, Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE)
    _row, raw = api_token_create(user=desk, name="t", actor=desk)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    url = f"/api/v1/tickets/{ticket.pk}/attachments"
    uploads = {
        "upload_too_large": SimpleUploadedFile("big.png", PNG + b"\0" * 2048, "image/png"),
        "upload_type": SimpleUploadedFile(
            "photo.jpg", b"<script>alert(1)</script>" * 4, "image/jpeg"
        ),
    }
    for code, upload in uploads.items():
        response = client.post(url, {"files": upload})
        assert response.status_code == 400
        assert response.json()["code"] == code
        assert set(response.json()) >= {"code", "detail"}
    assert Attachment.objects.count() == 0
    good = client.post(url, {"files": SimpleUploadedFile("ok.jpg", PNG, "image/jpeg")})
    assert good.status_code == 201
    assert good.json()[0]["content_type"] == "image/png"  # sniffed, not the declared type


@pytest.mark.django_db
def test_portal_codes_rate_limited_per_phone_and_address_through_the_page(resident: Any) -> None:
    noon = dt.datetime(2026, 11, 18, 4, 0, tzinfo=dt.UTC)
    with time_machine.travel(noon, tick=False) as traveller:
        client = Client(REMOTE_ADDR="203.0.113.7")
        assert client.post("/r/login/", {"phone": resident.phone}).status_code == 302
        again = client.post("/r/login/", {"phone": resident.phone})
        assert again.status_code == 200 and "1 分钟后再试" in again.content.decode()
        for n in range(19):
            traveller.shift(dt.timedelta(seconds=5))
            Client(REMOTE_ADDR="203.0.113.7").post("/r/login/", {"phone": f"1370000{n:04d}"})
        blocked = Client(REMOTE_ADDR="203.0.113.7").post("/r/login/", {"phone": "13699990000"})
        assert blocked.status_code == 200 and "请求过于频繁" in blocked.content.decode()
        other_address = Client(REMOTE_ADDR="198.51.100.1").post(
            "/r/login/", {"phone": "13699990000"}
        )
        assert other_address.status_code == 302
    assert LoginCode.objects.filter(ip="203.0.113.7").count() == 20


@pytest.mark.django_db
def test_portal_code_expires_through_the_page(resident: Any, settings: Any) -> None:
    from estatedesk.portal import services as portal

    start = dt.datetime(2026, 11, 18, 4, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        client = Client()
        client.post("/r/login/", {"phone": resident.phone})
        row = LoginCode.objects.get()
        # The code is only stored as a keyed hash: find it by trying the 10^6 space is what the
        # attempt limit prevents, so the test asks the service to hash a known code instead.
        LoginCode.objects.filter(pk=row.pk).update(code_hash=portal._hash(row.phone, "123456"))
        traveller.shift(portal.CODE_TTL + dt.timedelta(seconds=1))
        late = client.post("/r/login/code/", {"code": "123456"})
        assert late.status_code == 200 and "已过期" in late.content.decode()
        assert "_auth_user_id" not in client.session
