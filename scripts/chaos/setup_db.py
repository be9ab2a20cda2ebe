"""Prepare a chaos database: migrate it and create a site, a CS assistant and an API token.

Runs Django in this process against ``DATABASE_URL``; call ``prepare`` before anything else
imports Django's settings.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from harness import ESTATEDESK


@dataclass
class Prepared:
    site_id: int
    token: str
    username: str
    password: str


def migrate(env: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603 - fixed argv, no shell
        [ESTATEDESK, "migrate", "--no-input", "--verbosity", "0"], env=env, check=True, timeout=600
    )


def prepare(*, database_url: str, var_dir: Path) -> Prepared:
    os.environ["DATABASE_URL"] = database_url
    os.environ["ESTATEDESK_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "estatedesk.settings")
    import django

    django.setup()
    from estatedesk.org.enums import DepartmentKind, Role
    from estatedesk.org.services import api_token_create
    from estatedesk.org.tests.factories import SiteFactory, make_staff

    site = SiteFactory(code="CH", name="压测花园")
    password = "chaos-pass-1234"  # noqa: S105 - a throwaway account on a throwaway database
    desk = make_staff(
        site, Role.CS_ASSISTANT, DepartmentKind.CUSTOMER_SERVICE, "chaos", password=password
    )
    _token, raw = api_token_create(user=desk, name="chaos", actor=desk)
    return Prepared(site_id=site.pk, token=raw, username="chaos", password=password)
