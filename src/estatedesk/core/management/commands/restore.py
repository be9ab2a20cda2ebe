"""``estatedesk restore PATH``: put a backup archive back and verify every table's rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from estatedesk.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore the database and uploaded files from a backup archive (stop the server first)"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup_restore(Path(options["path"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"restored backup of {manifest['created_at']}; all tables verified")
        )
