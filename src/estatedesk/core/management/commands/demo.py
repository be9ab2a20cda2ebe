"""``estatedesk demo``: the demo site 示例花园 and every app's demo data (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from estatedesk.core.discovery import app_modules
from estatedesk.org.demo import DEMO_PASSWORD, demo_logins, seed_organisation


class Command(BaseCommand):
    help = "Create or complete the demo site and print the demo logins"

    def handle(self, *args: Any, **options: Any) -> None:
        site = seed_organisation()
        for label, module in app_modules("demo"):
            if label == "org":
                continue
            for line in module.seed(site=site) or []:
                self.stdout.write(f"  [{label}] {line}")
        self.stdout.write(self.style.SUCCESS(f"演示数据就绪：{site.name} ({site.code})"))
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        self.stdout.write(f"  {'admin':<14} 系统管理员（后台 /admin/）")
        for username, name, role in demo_logins():
            self.stdout.write(f"  {username:<14} {name} · {role}")
