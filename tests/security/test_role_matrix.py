"""The role matrix: every page of the URL configuration and every API operation, called as every
role of the demo-like site, as anonymous, as a resident, as a resident of another unit and as
staff of another site, against the declared table ``access_table.ACCESS``.

- Any allow (2xx, or a redirect not to a login page) the table does not grant fails the test.
- A URL or operation without a table entry fails the test, telling the developer to add one.
- Pages are fetched with GET; a principal the table does not grant also POSTs an empty form,
  and API writes are sent with a body built from the schema. Every request runs in a savepoint
  that is rolled back, so nothing a slipped-through write did survives it.
- Every answer is scanned: an XSS payload of the fixture data rendered raw, a full phone or ID
  number of a fixture resident shown to a principal that may only see it masked (PERSONAL_DATA
  = the CS desk roles), an Excel cell where a formula payload is live.

Findings that other owners must fix are listed in ``access_table.KNOWN_FINDINGS``; each has its
own strict xfail test below (it turns into a failure, XPASS, once fixed: then delete it there).
Counts are written to test-artifacts/security/role_matrix-<principal>.json for docs/reliability.md.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from estatedesk.org.enums import Role
from tests.security import access_table, matrix
from tests.security import targets as target_list

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "security"
PRINCIPALS = [
    matrix.ANONYMOUS,
    *Role.values,
    matrix.RESIDENT,
    matrix.OTHER_RESIDENT,
    matrix.OTHER_SITE,
]
OBSERVE = os.environ.get("ESTATEDESK_OBSERVE_ACCESS", "")


@pytest.fixture(scope="module")
def all_targets(world: Any, django_db_blocker: Any) -> list[matrix.Target]:
    with django_db_blocker.unblock():
        client = Client()
        return target_list.page_targets(world) + target_list.api_targets(world, client)


def granted(key: str) -> frozenset[str]:
    if key in access_table.ADMIN_PUBLIC:
        return access_table.ADMIN_PUBLIC[key]
    if key.startswith(target_list.ADMIN_PREFIX):
        return access_table.ADMIN
    return access_table.ACCESS.get(key, access_table.NOBODY)


def may(principal: str, target: matrix.Target) -> bool:
    """Does the table let ``principal`` in? Staff of another site follow the site manager's
    entry on pages without an object and are refused every object of this site."""
    allowed = granted(target.key)
    if principal == matrix.OTHER_SITE:
        return not target.object_url and Role.SITE_MANAGER in allowed
    return principal in allowed


def run_principal(world: Any, all_targets: list[matrix.Target], name: str) -> list[matrix.Outcome]:
    principal = world.principals[name]
    page_client = matrix.as_client(principal, api=False)
    api_client = matrix.as_client(principal, api=True)
    outcomes: list[matrix.Outcome] = []
    for target in all_targets:
        if target.method != "GET" and may(name, target) and not OBSERVE:
            continue  # writes are only tried by those who must be refused
        response = matrix.send(api_client if target.is_api else page_client, target)
        location = response.get("Location", "")
        outcome = matrix.Outcome(
            name,
            target.key,
            target.method,
            response.status_code,
            matrix.is_allowed(response.status_code, location, response),
            location,
        )
        if response.status_code < 300:
            outcome.xss, outcome.leaks, outcome.formula_cells = matrix.scan(response, principal)
        outcomes.append(outcome)
    return outcomes


def test_every_url_and_operation_has_an_entry_in_the_access_table(
    all_targets: list[matrix.Target], db: Any
) -> None:
    missing = sorted(
        {
            t.key
            for t in all_targets
            if t.key not in access_table.ACCESS and not t.key.startswith(target_list.ADMIN_PREFIX)
        }
    )
    assert missing == [], (
        "These URLs / API operations have no entry in tests/security/access_table.py. Add one "
        "per URL name or 'METHOD /path' with the roles allowed (e.g. CS_DESK, ALL_STAFF, "
        f"RESIDENTS or NOBODY): {missing}"
    )
    stale = sorted(set(access_table.ACCESS) - {t.key for t in all_targets})
    assert stale == [], f"access_table.py has entries for URLs that no longer exist: {stale}"


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_role_matrix_no_unexpected_allow_no_xss_no_leak(
    world: Any, all_targets: list[matrix.Target], principal: str, db: Any, settings: Any
) -> None:
    settings.MEDIA_ROOT = world.media
    outcomes = run_principal(world, all_targets, principal)
    known = access_table.KNOWN_FINDINGS
    by_key = {(t.key, t.method): t for t in all_targets}
    unexpected = sorted(
        f"{o.method} {o.target} -> {o.status} {o.location}".strip()
        for o in outcomes
        if o.allowed
        and not may(principal, by_key[(o.target, o.method)])
        and (principal, o.target) not in known
    )
    server_errors = sorted(
        {
            f"{o.method} {o.target} -> {o.status}"
            for o in outcomes
            if o.status >= 500 and (principal, o.target) not in known
        }
    )
    xss = sorted(
        {f"{o.target}: {o.xss}" for o in outcomes if o.xss and (principal, o.target) not in known}
    )
    leaks = sorted(
        {
            f"{o.target}: {len(o.leaks)} value(s)"
            for o in outcomes
            if o.leaks and (principal, o.target) not in known
        }
    )
    formulas = sorted({f"{o.target}: {o.formula_cells}" for o in outcomes if o.formula_cells})
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    summary = {
        "principal": principal,
        "requests": len(outcomes),
        "targets_with_real_objects": sum(1 for t in all_targets if t.has_object),
        "allowed": sum(1 for o in outcomes if o.allowed),
        "refused": sum(1 for o in outcomes if not o.allowed),
        "allows_checked_against_table": len(outcomes),
        "unexpected_allows": unexpected,
        "server_errors": server_errors,
        "xss": xss,
        "leaks": leaks,
        "formula_cells": formulas,
        "known_findings": sorted(t for (p, t) in known if p == principal),
    }
    if OBSERVE:
        observed = {f"{o.method} {o.target}": [o.status, o.location] for o in outcomes}
        Path(OBSERVE).mkdir(parents=True, exist_ok=True)
        (Path(OBSERVE) / f"{principal}.json").write_text(json.dumps(observed, indent=1))
        return
    (ARTIFACTS / f"role_matrix-{principal}.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=1)
    )
    assert (unexpected, server_errors, xss, leaks, formulas) == ([], [], [], [], [])


@pytest.mark.parametrize(
    ("principal", "key"),
    [
        pytest.param(p, k, marks=pytest.mark.xfail(strict=True, reason=reason), id=f"{p}-{k}")
        for (p, k), reason in access_table.KNOWN_FINDINGS.items()
    ],
)
def test_known_finding_is_fixed(
    world: Any, all_targets: list[matrix.Target], principal: str, key: str, db: Any, settings: Any
) -> None:
    """Each known finding: the principal is refused there and nothing leaks or runs."""
    settings.MEDIA_ROOT = world.media
    chosen = [t for t in all_targets if t.key == key]
    outcomes = run_principal(world, chosen, principal)
    bad = [o for o in outcomes if o.allowed and not may(principal, chosen[0])]
    bad += [o for o in outcomes if o.xss or o.leaks or o.status >= 500]
    assert bad == []
