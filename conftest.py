"""Shared fixtures: a demo-like site, staff in every role, residents, an API client."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Path(__file__).with_name("var").mkdir(exist_ok=True)


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
