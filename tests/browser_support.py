"""Browser tests' shared parts: Debian's chromium via Playwright, pages, checks."""

import functools
import os
from pathlib import Path
from urllib.parse import urlsplit

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


def new_page(browser, width, height, problems, color_scheme="light"):
    context = browser.new_context(
        viewport={"width": width, "height": height},
        locale="de-DE",
        is_mobile=width < 500,
        color_scheme=color_scheme,
    )
    page = context.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return context, page


def accept_cookies(page):
    from playwright.sync_api import expect

    banner = page.locator("#cookie-banner")
    expect(banner).to_be_visible()
    wait_until_wired(page)  # a click before app.js runs posts the form instead
    names = {c["name"] for c in page.context.cookies()}
    assert names <= {"session"}, names  # nothing non-essential before the choice
    assert page.evaluate("localStorage.length") == 0
    banner.get_by_role("button", name="Alle akzeptieren").click()
    expect(banner).to_be_hidden()
    assert "lg_consent" in {c["name"] for c in page.context.cookies()}


def assert_fits_width(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


# -- Shared checks for every browser test (issue 14) ---------------------------

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# The app's CSP (script-src 'self') refuses an inline <script>, and Playwright's
# add_script_tag(path=...) inlines the file's text, so the page would refuse it.
# page.evaluate() runs through the DevTools protocol, which the page's CSP does
# not govern: axe is evaluated that way, on the page exactly as users get it
# (no bypass_csp context, which would hide CSP mistakes in the app itself).
AXE_RUN = """async ([include, exclude, disabled, only]) => {
  const context = include.length ? {include, exclude} : {exclude};
  const rules = Object.fromEntries(disabled.map((id) => [id, {enabled: false}]));
  const options = {resultTypes: ["violations"], rules};
  if (only.length) options.runOnly = {type: "rule", values: only};
  const result = await axe.run(context, options);
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""


# The rules whose outcome depends on colours: all a second colour scheme can change.
COLOUR_RULES = ("color-contrast", "link-in-text-block")


@functools.cache
def axe_source() -> str:
    return AXE.read_text()


def axe_violations(page, include=(), exclude=(), disable=(), only=()) -> list[dict]:
    """Run axe-core (tests/vendor/axe-core) on the page; return its violations.

    `include`/`exclude` are CSS selectors that narrow the check to regions (e.g. the
    shell's navigation); `disable` switches rules off by id (say why where you do);
    `only` runs just these rules (e.g. COLOUR_RULES).
    Each violation: {"id", "impact", "help", "nodes": [{"target", "summary"}]}.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    return page.evaluate(
        AXE_RUN,
        [[[s] for s in include], [[s] for s in exclude], list(disable), list(only)],
    )


def format_violations(violations: list[dict]) -> str:
    """One line per failing node, for assertion messages."""
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> {n['target']}"
        for v in violations
        for n in v["nodes"]
    )


# Widest right edge of any visible element that is not inside a scroll or clip
# container (those clip it; the container itself is measured), plus what the
# document itself scrolls sideways. 1-px "visually hidden" helpers are ignored.
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  let worst = document.documentElement.scrollWidth - width;
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x !== "visible") return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue;
    if (r.right <= 0 || r.left >= width) continue;  // wholly off-screen on purpose
    if (getComputedStyle(el).visibility === "hidden") continue;
    if (clipped(el)) continue;
    worst = Math.max(worst, r.right - width, -r.left);
  }
  return Math.max(0, Math.round(worst));
}"""


def horizontal_overflow(page) -> int:
    """Pixels the page sticks out sideways (0 = nothing scrolls or is cut off)."""
    return page.evaluate(OVERFLOW_JS)


def screenshot(page, name: str, full_page: bool = False) -> Path:
    """Save a PNG of the page as tests/artifacts/<name>.png and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path, full_page=full_page)
    return path


# Server URL → the consent cookie of the first "Alle akzeptieren" there. Later
# sign-ins bring it along, as a returning visitor would: the banner's consent
# endpoint allows an address 20 choices a minute, and one xdist worker's browser
# tests sign in more often than that (the banner has its own tests).
CONSENT_COOKIES: dict[str, dict] = {}


def log_in(page, base_url: str, email: str, password: str | None = None) -> None:
    """Sign in through the login form (cookies: accepted when the banner shows).

    Returns once the page the login leads to has loaded: a test going on at once
    (page.goto) would cut the login's own navigation short mid-load.
    """
    from leadgate.demo import DEMO_PASSWORD

    if base_url in CONSENT_COOKIES:
        page.context.add_cookies([CONSENT_COOKIES[base_url]])
    page.goto(base_url + "/login")
    if page.locator("#cookie-banner:visible").count():
        page.locator("#cookie-banner").get_by_role(
            "button", name="Alle akzeptieren"
        ).click()
        # The choice is an htmx POST: sent on, the login would race it, and the
        # inbox could come with the banner still open (no consent cookie yet).
        from playwright.sync_api import expect

        expect(page.locator("#cookie-banner")).to_be_hidden()
        for cookie in page.context.cookies(base_url):
            if cookie["name"] == "lg_consent":
                CONSENT_COOKIES[base_url] = dict(cookie)
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(password or DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(lambda url: urlsplit(url).path != "/login")
    page.wait_for_load_state()


def wait_until_wired(page) -> None:
    """The page a click led to is ready for the next click, as a person sees it.

    A click that loads a page returns once the new URL is committed: app.js
    (deferred) runs only later, and htmx wires up what it swapped in (hx-boost,
    a fragment) only once it has settled. On a busy CI machine a test is faster
    than both and clicks a button that does nothing yet.
    """
    page.wait_for_load_state()
    page.wait_for_function(
        "() => !document.querySelector('.htmx-added, .htmx-settling, .htmx-swapping')"
    )


def open_menu(page) -> None:
    """On phones and tablets, open the navigation drawer (no-op when it shows)."""
    wait_until_wired(page)
    toggle = page.locator("[data-nav-toggle]")
    if not toggle.is_visible():
        return
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    # The drawer slides in (0.2 s): wait until it is wholly on the screen.
    page.wait_for_function(
        "() => document.querySelector('#shell-nav').getBoundingClientRect().left >= 0"
    )
