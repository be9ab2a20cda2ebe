"""Shared fixtures: a demo-like site, staff in every role, residents, an API client."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Path(__file__).with_name("var").mkdir(exist_ok=True)

# The data migrations that seed company defaults (SLA policies, escalation chain, playbooks),
# in migration order. A transactional test ends with a flush that empties every table, seeded
# rows included; any later test on that worker gets them back from here.
REFERENCE_DATA = [
    ("estatedesk.sla.migrations.0002_default_policies", "seed"),
    ("estatedesk.sla.migrations.0003_solution_not_for_complaints", "exclude_complaints"),
    ("estatedesk.complaints.migrations.0002_complaint_policies", "seed"),
    ("estatedesk.complaints.migrations.0003_exact_deadlines_and_superseded_clocks", "switch"),
    ("estatedesk.emergencies.migrations.0002_default_chain_and_playbooks", "seed"),
]


def _database_fixture(request: Any) -> str | None:
    """The database fixture the test uses (``transactional_db`` or ``db``), or None."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if (marker is not None and marker.kwargs.get("transaction")) or {
        "transactional_db",
        "live_server",
    } & names:
        return "transactional_db"
    if marker is not None or "db" in names:
        return "db"
    return None


@pytest.fixture(autouse=True)
def _reference_data(request: Any) -> None:
    """Give every database test the rows the data migrations seed, which an earlier
    transactional test's flush may have removed. The seed functions skip what exists."""
    fixture = _database_fixture(request)
    if fixture is None:
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue(fixture)
    from estatedesk.sla.models import SlaPolicy

    if SlaPolicy.objects.filter(site__isnull=True).exists():
        return
    for module, function in REFERENCE_DATA:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def site(db: Any) -> Any:
    from estatedesk.org.tests.factories import SiteFactory

    return SiteFactory()


@pytest.fixture
def other_site(db: Any) -> Any:
    from estatedesk.org.tests.factories import SiteFactory

    return SiteFactory()


@pytest.fixture
def make_staff(db: Any) -> Callable[..., Any]:
    """``make_staff(site, role, department_kind=None, username=None)`` -> user with membership."""
    from estatedesk.org.tests.factories import make_staff as factory

    return factory


@pytest.fixture
def resident(site: Any) -> Any:
    from estatedesk.org.tests.factories import ResidentFactory

    return ResidentFactory(site=site)
