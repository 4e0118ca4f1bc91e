"""Browser tests' shared parts: Debian's chromium via Playwright, pages, checks."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
HEADLESS_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def require_chromium() -> None:
    """Call at the top of a browser test module."""
    if not CHROMIUM.exists():
        # CI installs chromium (.ci/run): there a missing browser is a failure.
        if os.environ.get("CI"):
            raise RuntimeError(
                "/usr/bin/chromium is missing; install Debian's chromium"
            )
        pytest.skip("Debian's chromium is not installed", allow_module_level=True)


def launch(playwright):
    ARTIFACTS.mkdir(exist_ok=True)
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=HEADLESS_FLAGS
    )


def new_page(browser, width, height, problems):
    context = browser.new_context(
        viewport={"width": width, "height": height},
        locale="de-DE",
        is_mobile=width < 500,
    )
    page = context.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return context, page


def accept_cookies(page):
    from playwright.sync_api import expect

    banner = page.locator("#cookie-banner")
    expect(banner).to_be_visible()
    names = {c["name"] for c in page.context.cookies()}
    assert names <= {"session"}, names  # nothing non-essential before the choice
    assert page.evaluate("localStorage.length") == 0
    banner.get_by_role("button", name="Alle akzeptieren").click()
    expect(banner).to_be_hidden()
    assert "lg_consent" in {c["name"] for c in page.context.cookies()}


def assert_fits_width(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"
