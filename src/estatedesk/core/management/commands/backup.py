"""``estatedesk backup [PATH]``: database (online) and media in one archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from estatedesk.core import clock
from estatedesk.core.backup import backup_create


class Command(BaseCommand):
    help = "Back up the database and uploaded files into one .tar.gz archive"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "path", nargs="?", help="archive path (default var/backups/<time>.tar.gz)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        default = (
            Path(settings.VAR_DIR)
            / "backups"
            / f"estatedesk-{clock.localtime():%Y%m%d-%H%M%S}.tar.gz"
        )
        target = Path(options["path"]) if options["path"] else default
        manifest = backup_create(target)
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"backup written: {target} ({len(manifest['tables'])} tables, {rows} rows)"
            )
        )
