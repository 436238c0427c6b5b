"""The reports in a real headless Chromium (Debian's package, driven by Playwright): no console
error, no request but the file itself, and a full-page screenshot for a person to look at."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from enablement_audit.config import Settings
from enablement_audit.report import write_reports
from enablement_audit.warehouse import Warehouse
from tests.report import fixtures

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def chromium_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    message = "Chromium is not installed (Debian package 'chromium'; `make system-deps` installs it)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; in CI it must be present")
    pytest.skip(message)


def open_and_capture(path: Path, screenshot: Path, tmp_path: Path) -> tuple[list[str], list[str], int]:
    """Open ``path`` via file://; returns console errors (and page errors), every requested URL,
    and the page's height in CSS pixels."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / f"profile-{path.stem}"),
            executable_path=chromium_or_skip(),
            headless=True,
            args=FLAGS,
            viewport={"width": 1366, "height": 800},  # a laptop screen
        )
        try:
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))
            context.on("request", lambda r: requests.append(r.url))
            page.goto(path.as_uri(), wait_until="load")
            page.wait_for_timeout(300)  # let any late request or error surface
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
            height = page.evaluate("document.documentElement.scrollHeight")
        finally:
            context.close()
    return errors, requests, height


def test_reports_open_cleanly_in_chromium(warehouse: Warehouse, tmp_path: Path) -> None:
    chromium_or_skip()
    fixtures.fill(warehouse)
    paths = write_reports(warehouse, Settings.model_construct(), fixtures.WEEK, tmp_path / "reports")
    org, team = paths[-1], paths[0]
    for path, name in ((org, "organisation-2026-W10.png"), (team, "team-M1-2026-W10.png")):
        errors, requests, height = open_and_capture(path, SCREENSHOTS / name, tmp_path)
        assert errors == [], f"{path.name}: {errors}"
        assert requests == [path.as_uri()], f"{path.name} requested more than itself: {requests}"
        assert height > 800
        assert (SCREENSHOTS / name).stat().st_size > 10_000
