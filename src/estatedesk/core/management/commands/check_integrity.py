"""``estatedesk check-integrity``: the invariants that must survive any crash (core.integrity).

Prints one line per check with what it read and found, and the first problems of a failing
check; exit code 1 when any check found a problem. ``--json`` prints the report as JSON.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from estatedesk.core.integrity import run_all


class Command(BaseCommand):
    help = "Check that no ticket lacks its events, clocks or outbox rows; exit 1 on a problem"
    # A data check: it must run even when some page or URL of the project is broken.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        report = run_all()
        if options["json"]:
            body = {
                "ok": report.ok,
                "checks": [
                    {
                        "name": r.name,
                        "checked": r.checked,
                        "problems": r.problems,
                        "samples": r.samples,
                    }
                    for r in report.results
                ],
            }
            self.stdout.write(json.dumps(body, ensure_ascii=False, indent=2))
        else:
            for result in report.results:
                line = f"{result.name:<22} checked {result.checked:>8}  problems {result.problems}"
                if result.ok:
                    self.stdout.write(self.style.SUCCESS(f"OK     {line}"))
                else:
                    self.stderr.write(self.style.ERROR(f"BROKEN {line}"))
                    for sample in result.samples:
                        self.stderr.write(f"         - {sample}")
        if not report.ok:
            raise CommandError(f"{report.problems} integrity problem(s) found.", returncode=1)
