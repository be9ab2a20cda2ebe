"""Screenshots of the main pages of a running demo server, at desk and phone widths.

    .venv/bin/python scripts/screenshot_tour.py http://127.0.0.1:8000 test-artifacts/tour

Logs in as the demo users (password estatedesk-demo) and saves one PNG per page and width, so a
developer can look at every page after a change (the before-stop checklist asks for it).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "estatedesk-demo"  # noqa: S105 - the published demo login
TOUR = [
    ("dispatcher", ["/", "/dispatch/", "/tickets/", "/tickets/new/", "/tickets/calls/", "/duty/"]),
    ("supervisor", ["/complaints/", "/violations/", "/violations/register/", "/reports/"]),
    ("manager", ["/emergencies/", "/archives/", "/dispatch/reviews/"]),
]


def login(page: Page, base: str, username: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_load_state("networkidle")


def main(base: str, out: Path, extra: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for width, height, label in ((1366, 900, "desk"), (390, 844, "phone")):
            for username, paths in TOUR + [("supervisor", extra)]:
                context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
                page = context.new_page()
                login(page, base, username)
                for path in paths:
                    page.goto(base + path)
                    page.wait_for_load_state("networkidle")
                    name = re.sub(r"[^\w]+", "_", path).strip("_") or "home"
                    page.screenshot(path=str(out / f"{label}-{username}-{name}.png"), full_page=True)
                context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:])
