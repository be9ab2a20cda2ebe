"""Settings refuse an insecure production start."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _import_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "-c", "import estatedesk.settings"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_debug_off_with_default_secret_refuses_to_start() -> None:
    result = _import_settings({"DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_off_with_short_secret_refuses_to_start() -> None:
    result = _import_settings({"DEBUG": "false", "SECRET_KEY": "short"})
    assert result.returncode != 0
    assert "at least 32 characters" in result.stderr


@pytest.mark.parametrize("debug", ["false", "true"])
def test_private_secret_starts(debug: str) -> None:
    result = _import_settings({"DEBUG": debug, "SECRET_KEY": "x" * 50})
    assert result.returncode == 0, result.stderr


def test_production_settings_are_secure() -> None:
    code = (
        "import estatedesk.settings as s;"
        "assert s.SESSION_COOKIE_SECURE and s.CSRF_COOKIE_SECURE;"
        "assert s.SECURE_HSTS_SECONDS > 0 and s.SECURE_SSL_REDIRECT;"
        "assert s.LANGUAGE_CODE == 'zh-hans' and s.TIME_ZONE == 'Asia/Shanghai'"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DEBUG": "false", "SECRET_KEY": "y" * 50},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("prepared", "expected"), [("true", True), ("false", None)])
def test_postgres_url_options_survive_the_prepared_statements_switch(
    prepared: str, expected: bool | None
) -> None:
    """Options of DATABASE_URL (application_name, sslmode ...) are kept; prepared statements
    are on unless DB_PREPARED_STATEMENTS=false (PgBouncer in transaction mode)."""
    code = (
        "import estatedesk.settings as s;"
        "o = s.DATABASES['default']['OPTIONS'];"
        "print(o.get('application_name'), o.get('sslmode'), o.get('server_side_binding'))"
    )
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://u@db.internal:5432/desk?application_name=desk-web&sslmode=require",
        "DB_PREPARED_STATEMENTS": prepared,
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["desk-web", "require", str(expected)]
