"""Duty fixtures: a CS supervisor, two duty officers and the manager of the ``site`` fixture."""

from __future__ import annotations

from typing import Any

import pytest

from estatedesk.org.enums import DepartmentKind, Role


@pytest.fixture
def supervisor(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.CS_SUPERVISOR, DepartmentKind.CUSTOMER_SERVICE, username="chen")


@pytest.fixture
def officer(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE, username="li")


@pytest.fixture
def officer2(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.DISPATCHER, DepartmentKind.CUSTOMER_SERVICE, username="zhao")


@pytest.fixture
def manager(site: Any, make_staff: Any) -> Any:
    return make_staff(site, Role.SITE_MANAGER, DepartmentKind.MANAGEMENT, username="liu")


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Password-attempt counters live in the cache; every test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
