"""Headless Chromium (Debian's package) driven by Playwright, for tests of pages we write."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Path of the chromium binary, or skip the test saying how to get one."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.skip(
            "chromium is not installed (make test installs Debian's chromium when run as root)"
        )
    return path


@dataclass
class LoadedPage:
    console_errors: list[str] = field(default_factory=list)
    text: str = ""
    facts: dict = field(default_factory=dict)


def load_page(
    html: Path, screenshot: Path, *, width: int = 1280, script: str = "() => ({})"
) -> LoadedPage:
    """Open a local page, screenshot it whole, collect console errors, the visible text and
    whatever `script` (a JS function) returns."""
    from playwright.sync_api import sync_playwright

    result = LoadedPage()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.on(
                "console",
                lambda m: result.console_errors.append(m.text) if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: result.console_errors.append(str(e)))
            page.on(
                "requestfailed", lambda r: result.console_errors.append(f"request failed: {r.url}")
            )
            page.goto(html.resolve().as_uri(), wait_until="load")
            page.screenshot(path=str(screenshot), full_page=True)
            result.text = page.inner_text("body")
            result.facts = page.evaluate(script)
        finally:
            browser.close()
    return result
