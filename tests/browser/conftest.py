"""Fixtures for the browser tests: a headless Chromium driven by Playwright.

Chromium is the system one (``/usr/bin/chromium`` from Debian's ``chromium`` package, or the
first ``chromium``/``chromium-browser`` on PATH; ``MSATHEORY_CHROMIUM`` overrides). Playwright's
own browser downloads are not used. Without a Chromium the tests are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# Flags that make Chromium quiet and self-contained in a container. Playwright adds the
# headless flag itself and gives every launch a fresh temporary profile (--user-data-dir is
# refused by launch()).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str | None:
    override = os.environ.get("MSATHEORY_CHROMIUM")
    if override:
        return override if Path(override).is_file() else None
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None and os.environ.get("CI"):
        pytest.fail("Chromium is missing under CI: .ci/run should have installed it")
    if path is None:
        pytest.skip(
            "Chromium not found (looked for $MSATHEORY_CHROMIUM, /usr/bin/chromium, and "
            "chromium/chromium-browser on PATH); install it with "
            "`apt-get install -y chromium chromium-driver`"
        )
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[object]:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the Python package playwright is not installed"
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.errors = []  # uncaught JavaScript exceptions, collected for the tests
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
