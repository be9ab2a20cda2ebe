"""The machinery of the role matrix: the demo-like site with objects behind every object URL,
the principals (every role, anonymous, a resident, a resident of another unit, staff of another
site), the list of every page and API operation, and the classification of an answer.

The data is made once per module inside a transaction that is rolled back at the end, and every
request runs in a savepoint that is rolled back too, so a refused write that slipped through
cannot change what the next request sees.
"""

from __future__ import annotations

import copy
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = '"><img src=x onerror=alert(1)>'
XSS_TEXT = f"漏水{XSS_SCRIPT}{XSS_IMG}"
FORMULA = '=HYPERLINK("http://evil.example","点我")'

ANONYMOUS = "anonymous"
RESIDENT = "resident"
OTHER_RESIDENT = "resident_other_unit"
OTHER_SITE = "staff_other_site"

LOGIN_PATHS = ("/login/", "/r/login/", "/admin/login/")
ALLOWED_STATUSES = frozenset({200, 201, 204})
MISSING_ID = 987654321


@dataclass
class Principal:
    name: str
    user: Any = None
    token: str = ""
    # Full phone / ID numbers this principal may never see (masked only).
    forbidden_personal: frozenset[str] = frozenset()


@dataclass
class Target:
    """One page (URL name) or API operation (``METHOD /path``) with concrete arguments."""

    key: str
    method: str
    path: str
    is_api: bool
    has_object: bool = True  # False when no row exists for an argument (a missing id is used)
    body: dict[str, Any] | None = None
    object_url: bool = False  # the URL names an object of the demo-like site


@dataclass
class Outcome:
    principal: str
    target: str
    method: str
    status: int
    allowed: bool
    location: str = ""
    xss: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    formula_cells: list[str] = field(default_factory=list)


# --- the URL configuration ------------------------------------------------------------------


@dataclass
class PagePattern:
    name: str  # namespace:name
    route: str  # the route with <converters>
    converters: dict[str, str]  # kwarg -> converter name


def page_patterns() -> list[PagePattern]:
    """Every named non-API URL of the resolver (the API is listed from its schema)."""
    found: list[PagePattern] = []

    def walk(patterns: list[Any], prefix: str, namespace: str | None) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}" if namespace else (entry.name or "")
                if not entry.name or name.startswith("api:"):
                    continue
                route = prefix + str(entry.pattern)
                converters: dict[str, str] = {}
                for match in re.finditer(r"<(?:(\w+):)?(\w+)>", route):
                    converters[match.group(2)] = match.group(1) or "str"
                if not isinstance(entry.pattern, RoutePattern) and not converters:
                    converters = {k: "str" for k in entry.pattern.regex.groupindex}
                found.append(PagePattern(name, route, converters))

    walk(get_resolver().url_patterns, "/", None)
    unique: dict[str, PagePattern] = {}
    for pattern in found:
        unique.setdefault(pattern.name, pattern)
    return sorted(unique.values(), key=lambda p: p.name)


def api_operations(client: Client) -> list[tuple[str, str, dict[str, Any]]]:
    """``(METHOD, path template, operation)`` of every operation in the OpenAPI schema."""
    schema = client.get("/api/v1/openapi.json").json()
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                operation["_schema"] = schema
                found.append((method.upper(), path, operation))
    return sorted(found, key=lambda row: (row[1], row[0]))


# --- objects for object URLs ----------------------------------------------------------------


def site_path(model: type[models.Model], depth: int = 3) -> str | None:
    """The ORM lookup from ``model`` to its org.Site (``site``, ``ticket__site`` ...)."""
    site_model = apps.get_model("org", "Site")
    if model is site_model:
        return "pk"
    frontier: list[tuple[type[models.Model], str]] = [(model, "")]
    for _ in range(depth):
        following = []
        for current, prefix in frontier:
            for fld in current._meta.get_fields():
                if not (fld.is_relation and fld.many_to_one and fld.related_model):
                    continue
                lookup = f"{prefix}{fld.name}"
                if fld.related_model is site_model:
                    return lookup
                following.append((fld.related_model, f"{lookup}__"))
        frontier = following
    return None


def first_object(label: str, site: Any, **filters: Any) -> Any:
    model = apps.get_model(label)
    path = site_path(model)
    rows = model._default_manager.all()
    if path is not None:
        rows = rows.filter(**{path: site.pk})
    return rows.filter(**filters).order_by("pk").first()


def fill(route: str, values: dict[str, Any]) -> str:
    def sub(match: re.Match[str]) -> str:
        return str(values[match.group(2)])

    return re.sub(r"<(?:(\w+):)?(\w+)>", sub, route)


def as_client(principal: Principal, *, api: bool) -> Client:
    if api:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {principal.token}"} if principal.token else {}
        return Client(raise_request_exception=False, **headers)
    client = Client(raise_request_exception=False)
    if principal.user is not None:
        client.force_login(principal.user)
    return client


def is_allowed(status: int, location: str, response: Any = None) -> bool:
    """Let in: 2xx, or a redirect that is neither to a login page nor carrying an error
    message (views answer a refused POST with a redirect back and ``messages.error``)."""
    if status in ALLOWED_STATUSES:
        return True
    if status in (301, 302, 303, 307, 308):
        path = location.split("?", 1)[0]
        if any(path.endswith(login) for login in LOGIN_PATHS):
            return False
        return not (response is not None and _error_message(response))
    return False


def _error_message(response: Any) -> bool:
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpRequest

    morsel = response.cookies.get("messages")
    if morsel is None or not morsel.value:
        return False
    decoded = CookieStorage(HttpRequest())._decode(morsel.value) or []
    return any(message.level >= constants.ERROR for message in decoded)


def send(client: Client, target: Target) -> Any:
    """One request in a savepoint that is rolled back (nothing it wrote stays)."""
    cookies = copy.deepcopy(client.cookies)  # a logout or login must not change who asks next
    with transaction.atomic():
        if target.method == "GET":
            response = client.get(target.path)
        elif target.is_api:
            response = client.generic(
                target.method,
                target.path,
                data=json.dumps(target.body or {}),
                content_type="application/json",
            )
        else:
            response = client.post(target.path, {})
        transaction.set_rollback(True)
    client.cookies = cookies
    return response


def scan(response: Any, principal: Principal) -> tuple[list[str], list[str], list[str]]:
    """XSS payloads rendered raw, full personal data the principal may not see, formula cells."""
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    xss: list[str] = []
    leaks: list[str] = []
    formulas: list[str] = []
    if "spreadsheetml" in content_type:
        texts = _xlsx_cells(body, formulas)
        text = "\n".join(texts)
    else:
        text = body.decode("utf-8", "replace")
        if "html" in content_type:
            for payload in (XSS_SCRIPT, "<img src=x onerror=alert(1)>"):
                if payload in text:
                    xss.append(payload)
    for value in principal.forbidden_personal:
        if value and value in text:
            leaks.append(value)
    return xss, leaks, formulas


def _xlsx_cells(body: bytes, formulas: list[str]) -> list[str]:
    from openpyxl import load_workbook

    texts: list[str] = []
    book = load_workbook(io.BytesIO(body))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                value = str(cell.value)
                texts.append(value)
                # Our payload only: the app's own totals may be formulas.
                if "HYPERLINK" in value and (cell.data_type == "f" or value[:1] in "=+-@"):
                    formulas.append(f"{sheet.title}!{cell.coordinate}={value[:60]}")
    return texts


def iter_chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
