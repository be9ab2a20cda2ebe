"""``estatedesk verify-log``: prove that no duty log entry was altered or removed (DT-8).

Walks every site's hash chain (or one with ``--site CODE``) and names the first broken entry
of each broken chain; exit code 1 when any chain is broken.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from estatedesk.duty.chain import ChainReport, sites_with_chains, verify_site
from estatedesk.org.models import Site


class Command(BaseCommand):
    help = "Verify the duty log hash chains; names the first broken entry, exit 1 if broken"
    # A data check: it must run even when some page or URL of the project is broken.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--site", help="only this site's chain (site code)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("site"):
            site = Site.objects.filter(code=options["site"]).first()
            if site is None:
                raise CommandError(f"no site with code {options['site']!r}")
            sites = [site]
        else:
            sites = sites_with_chains()
        broken = 0
        for site in sites:
            report = verify_site(site)
            if report.ok:
                self.stdout.write(self.style.SUCCESS(self._ok_line(report)))
            else:
                broken += 1
                self.stderr.write(self.style.ERROR(self._broken_line(report)))
        if not sites:
            self.stdout.write("没有值班记录。")
        if broken:
            raise CommandError(f"{broken} 个管理处的值班记录链已损坏。", returncode=1)

    @staticmethod
    def _ok_line(report: ChainReport) -> str:
        if not report.entries:
            return f"OK {report.site_code}: 0 条记录"
        anchor = "（自删除锚点起）" if report.anchored else ""
        return (
            f"OK {report.site_code}: {report.entries} 条记录 "
            f"#{report.first_seq}–#{report.last_seq} 完整{anchor}"
        )

    @staticmethod
    def _broken_line(report: ChainReport) -> str:
        problem = report.problem
        assert problem is not None
        where = f"第 {problem.seq} 条（id {problem.entry_id}）" if problem.seq else "链尾"
        return f"BROKEN {report.site_code}: {where}：{problem.reason}"
