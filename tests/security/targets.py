"""Concrete requests of the role matrix: every page of the URL configuration and every operation
of the OpenAPI schema, with real objects of the demo-like site in their arguments and, for API
writes, a body built from the operation's schema (so a refusal is about the role, not the input).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client

from tests.security import matrix, objects

ADMIN_PREFIX = "admin:"

# Body fields with a value that passes validation, so the refusal tested is the role's.
FIELD_VALUES: dict[str, Any] = {
    "kind": "repair",
    "channel": "hotline",
    "description": "矩阵测试：水管漏水",
    "reporter_name": "张先生",
    "body": "矩阵测试",
    "text": "矩阵测试",
    "reason": "矩阵测试",
    "name": "矩阵测试",
    "rating": 5,
    "version": 1,
    "site_id": lambda world: world.site.pk,
    "unit_id": lambda world: world.ticket.unit_id,
    "ticket_id": lambda world: world.ticket.pk,
}


def _value(spec: Any, world: Any) -> tuple[Any, bool]:
    """``(value, found)`` of one argument spec."""
    if spec is None:
        return matrix.MISSING_ID, False
    if isinstance(spec, str) and spec.startswith("="):
        return spec[1:], True
    if spec == "@ticket":
        return world.ticket.pk, True
    if spec == "@resident_unit":
        return world.ticket.unit_id, True
    if spec == "@today":
        return dt.date.today().isoformat(), True
    label, filters = (spec, {}) if isinstance(spec, str) else spec
    row = matrix.first_object(label, world.site, **filters)
    return (row.pk, True) if row is not None else (matrix.MISSING_ID, False)


def _names_object(spec: Any) -> bool:
    """An argument naming a row of the site (not a literal, a date or a missing spec)."""
    return spec is not None and not (isinstance(spec, str) and spec[:1] in "=") and spec != "@today"


def page_targets(world: Any) -> list[matrix.Target]:
    found: list[matrix.Target] = []
    for pattern in matrix.page_patterns():
        if pattern.name.startswith(ADMIN_PREFIX) and pattern.converters:
            continue  # the admin's object pages: its changelists and index stand for them
        specs = objects.PAGE_OBJECTS.get(pattern.name, {})
        values: dict[str, Any] = {}
        complete = True
        for kwarg, converter in pattern.converters.items():
            value, ok = _value(specs.get(kwarg), world)
            if not ok and converter != "int":
                value = "x"
            values[kwarg] = value
            complete = complete and ok
        path = matrix.fill(pattern.route, values)
        has_args = any(_names_object(specs.get(k)) for k in pattern.converters)
        found.append(matrix.Target(pattern.name, "GET", path, False, complete, None, has_args))
        if not pattern.name.startswith(ADMIN_PREFIX):
            found.append(matrix.Target(pattern.name, "POST", path, False, complete, None, has_args))
    return found


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        node = schema["components"]["schemas"][name]
    return node


def example(schema: dict[str, Any], node: dict[str, Any], name: str, world: Any) -> Any:
    """A plausible value for a schema node: ids of the fixture site, short text, empty lists."""
    node = _resolve(schema, node)
    if "anyOf" in node:
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        return example(schema, options[0], name, world) if options else None
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object":
        props = node.get("properties", {})
        return {
            key: example(schema, sub, key, world)
            for key, sub in props.items()
            if key in node.get("required", [])
        }
    if kind == "array":
        return []
    if name in FIELD_VALUES:
        return FIELD_VALUES[name](world) if callable(FIELD_VALUES[name]) else FIELD_VALUES[name]
    if kind == "integer":
        return 1
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    fmt = node.get("format")
    if fmt == "date-time":
        return dt.datetime.now(dt.UTC).isoformat()
    if fmt == "date":
        return dt.date.today().isoformat()
    return "矩阵测试"


def api_targets(world: Any, client: Client) -> list[matrix.Target]:
    found: list[matrix.Target] = []
    for method, template, operation in matrix.api_operations(client):
        schema = operation.pop("_schema")
        values: dict[str, Any] = {}
        complete = True
        for param in operation.get("parameters", []):
            if param.get("in") != "path":
                continue
            value, ok = _value(objects.API_PARAMS.get(param["name"]), world)
            values[param["name"]] = value
            complete = complete and ok
        path = template
        for key, value in values.items():
            path = path.replace("{" + key + "}", str(value))
        body = None
        if method != "GET":
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body = example(schema, content["application/json"]["schema"], "", world)
            else:
                body = {}
        found.append(
            matrix.Target(
                f"{method} {template}",
                method,
                path,
                True,
                complete,
                body,
                any(_names_object(objects.API_PARAMS.get(k)) for k in values),
            )
        )
    return found
