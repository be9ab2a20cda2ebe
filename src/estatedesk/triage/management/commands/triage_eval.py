"""``estatedesk triage-eval``: score a triage model on the fixed held-out split."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from estatedesk.org.models import Company
from estatedesk.triage import dataset, registry, selectors
from estatedesk.triage.evaluation import evaluate, markdown_table, meets_targets


class Command(BaseCommand):
    help = (
        "Print accuracy per field, emergency recall and false alarms, and latency of the "
        "starter model (or --company's newest model) on the held-out split"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--company", help="company code (default: the starter model)")
        parser.add_argument(
            "--details", action="store_true", help="also list missed, false and wrong reports"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        classifier = registry.starter()
        if options["company"]:
            company = Company.objects.filter(code=options["company"]).first()
            if company is None:
                raise CommandError(f"no company with code {options['company']!r}")
            record = selectors.latest_model(company.pk)
            loaded = registry.load(record.version, record.file_path) if record else None
            if loaded is None:
                raise CommandError(f"company {company.code} has no readable trained model")
            classifier = loaded
        metrics = evaluate(classifier, dataset.held_out_rows())
        self.stdout.write(markdown_table(metrics, version=classifier.version))
        if options["details"]:
            for title, key in (
                ("missed emergencies", "missed_emergencies"),
                ("false alarms", "false_alarm_texts"),
            ):
                self.stdout.write(f"\n{title}:")
                for text in metrics[key]:
                    self.stdout.write(f"  {text}")
            self.stdout.write("\nwrong kind or department:")
            for error in metrics["errors"]:
                self.stdout.write(
                    f"  {error['text']}  expected {error['expected']}, got {error['got']}"
                )
        failed = [name for name, ok in meets_targets(metrics).items() if not ok]
        if failed:
            self.stdout.write(self.style.WARNING("targets not met: " + ", ".join(failed)))
        else:
            self.stdout.write(self.style.SUCCESS("all targets met"))
