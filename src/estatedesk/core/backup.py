"""Backup and restore of the database and the uploaded files.

One archive (``.tar.gz``) holds ``manifest.json`` (engine, time, row count per table), the
database (SQLite: a consistent copy made with SQLite's online backup API while the server runs;
PostgreSQL: ``pg_dump --format=custom``) and ``media/`` (MEDIA_ROOT). Restore puts both back:
SQLite is restored online into the open database with the same backup API, PostgreSQL with
``pg_restore --clean --if-exists``; media files are replaced.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection

from estatedesk.core import clock

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"


class BackupError(RuntimeError):
    pass


def table_fingerprints() -> dict[str, dict[str, Any]]:
    """Row count and a SHA-256 over every row (ordered by primary key) for each model table."""
    result: dict[str, dict[str, Any]] = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        table = model._meta.db_table
        digest = hashlib.sha256()
        count = 0
        fields = [f.attname for f in model._meta.concrete_fields]
        for row in model._base_manager.order_by("pk").values_list(*fields).iterator(2000):
            digest.update(repr(row).encode())
            count += 1
        result[table] = {"rows": count, "sha256": digest.hexdigest()}
    return result


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = ["-h", str(db.get("HOST") or "127.0.0.1"), "-p", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (PostgreSQL client tools are needed)")
    return path


def backup_create(target: Path) -> dict[str, Any]:
    """Write the archive to ``target`` and return its manifest."""
    vendor = connection.vendor
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if vendor == "sqlite":
            connection.ensure_connection()
            destination = sqlite3.connect(work / SQLITE_FILE)
            try:
                connection.connection.backup(destination)
            finally:
                destination.close()
        elif vendor == "postgresql":
            args, env = _pg_env()
            name = str(settings.DATABASES["default"]["NAME"])
            if connection.settings_dict.get("NAME"):
                name = str(connection.settings_dict["NAME"])
            subprocess.run(  # noqa: S603 - fixed argv
                [
                    _tool("pg_dump"),
                    *args,
                    "--format=custom",
                    "--no-owner",
                    "-f",
                    str(work / PG_FILE),
                    name,
                ],
                check=True,
                env=env,
                capture_output=True,
            )
        else:
            raise BackupError(f"unsupported database engine: {vendor}")
        manifest = {
            "format": 1,
            "engine": vendor,
            "created_at": clock.now().isoformat(),
            "tables": table_fingerprints(),
        }
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        target.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(target, "w:gz") as archive:
            for item in sorted(work.iterdir()):
                archive.add(item, arcname=item.name)
            media = Path(settings.MEDIA_ROOT)
            if media.exists():
                archive.add(media, arcname="media")
    return manifest


def backup_restore(source: Path) -> dict[str, Any]:
    """Restore the archive at ``source``; returns its manifest. Verifies the row fingerprints."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with tarfile.open(source, "r:gz") as archive:
            archive.extractall(work, filter="data")
        manifest = json.loads((work / MANIFEST).read_text())
        if manifest.get("engine") != connection.vendor:
            raise BackupError(
                f"backup is for {manifest.get('engine')}, this database is {connection.vendor}"
            )
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            backup = sqlite3.connect(work / SQLITE_FILE)
            try:
                backup.backup(connection.connection)
            finally:
                backup.close()
        else:
            args, env = _pg_env()
            name = str(connection.settings_dict["NAME"])
            connection.close()
            subprocess.run(  # noqa: S603 - fixed argv
                [
                    _tool("pg_restore"),
                    *args,
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "-d",
                    name,
                    str(work / PG_FILE),
                ],
                check=True,
                env=env,
                capture_output=True,
            )
        media = Path(settings.MEDIA_ROOT)
        if (work / "media").exists():
            if media.exists():
                shutil.rmtree(media)
            shutil.copytree(work / "media", media)
    restored = table_fingerprints()
    broken = [t for t, v in manifest["tables"].items() if restored.get(t) != v]
    if broken:
        raise BackupError(f"restored tables differ from the backup: {', '.join(sorted(broken))}")
    return manifest
