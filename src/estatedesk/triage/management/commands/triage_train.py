"""``estatedesk triage-train [--company CODE]``: train and register a triage model."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from estatedesk.core import clock
from estatedesk.org.models import Company
from estatedesk.triage.services import model_train


class Command(BaseCommand):
    help = (
        "Train the starter triage model, or with --company a company's model on the starter "
        "set plus its confirmed suggestions; prints the held-out scores"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--company", help="company code (default: the starter model)")

    def handle(self, *args: Any, **options: Any) -> None:
        company = None
        if options["company"]:
            company = Company.objects.filter(code=options["company"]).first()
            if company is None:
                raise CommandError(f"no company with code {options['company']!r}")
        record = model_train(company=company, now=clock.now())
        metrics = record.metrics
        self.stdout.write(
            self.style.SUCCESS(
                f"{record.version}: {record.n_samples} samples "
                f"({record.n_company_samples} confirmed by the company), file {record.file_path}"
            )
        )
        self.stdout.write(
            f"held-out: kind {metrics['kind_accuracy']:.3f}, "
            f"department {metrics['department_accuracy']:.3f}, "
            f"emergency recall {metrics['emergency_recall']:.3f}, "
            f"false alarms {metrics['false_alarm_rate']:.3f}"
        )
