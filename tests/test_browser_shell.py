"""The app shell in a real browser (Debian's chromium) against `leadgate dev`.

Phones reach every navigation item through the menu, desktops see it at once;
nothing scrolls sideways; axe finds nothing in the shell, light or dark. The
confirmation dialog guards member removal; the cookie banner covers no button.
Screenshots land in tests/artifacts/shell-*.png.
"""

import re

import pytest

from .browser_support import (
    axe_violations,
    format_violations,
    horizontal_overflow,
    log_in,
    new_page,
    open_menu,
    require_chromium,
    screenshot,
)

require_chromium()

from playwright.sync_api import expect  # noqa: E402

PAGES = ["/inbox", "/contacts", "/account"]
NAV_LINKS = ["Posteingang", "Kontakte", "Team", "WhatsApp", "Einstellungen", "Konto"]
FOOTER_LINKS = ["Datenschutz", "Impressum", "Kontakt", "Cookie-Einstellungen"]
# The shell's own regions; each page's content is checked by the page tests.
SHELL = [".shell-topbar", "#shell-nav", "#cookie-banner"]
PASSWORD = "korrekt Pferd Batterie Heftklammer"


def demo_login(page, dev_server) -> None:
    from leadgate.demo import DEMO_EMAIL, DEMO_PASSWORD

    log_in(page, dev_server.url, DEMO_EMAIL, DEMO_PASSWORD)
    # Password hashing on a busy 2-core machine can take a while.
    expect(page).to_have_url(re.compile(r"/inbox$"), timeout=20000)


def assert_reachable(page, locator) -> None:
    """The item shows inside the viewport and nothing lies over its centre."""
    locator.scroll_into_view_if_needed()
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    size = page.viewport_size
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], box
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"], box
    on_top = locator.evaluate(
        """(el) => { const r = el.getBoundingClientRect();
             const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
             return el === hit || el.contains(hit); }"""
    )
    assert on_top, f"something covers {locator}"


def nav_items(page):
    nav = page.locator("#shell-nav")
    items = [nav.get_by_role("link", name=name, exact=True) for name in NAV_LINKS]
    items.append(nav.get_by_role("button", name="Abmelden", exact=True))
    items += [nav.get_by_role("link", name=name, exact=True) for name in FOOTER_LINKS]
    items += [nav.get_by_role("button", name=name) for name in ("Deutsch", "English")]
    return items


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(
    "size", [(360, 640), (390, 844), (1280, 800)], ids=lambda s: f"{s[0]}x{s[1]}"
)
def test_the_shell_on_phones_and_desktops(browser, dev_server, size, scheme):
    width, height = size
    phone = width <= 640
    problems: list[str] = []
    context, page = new_page(browser, width, height, problems, color_scheme=scheme)
    demo_login(page, dev_server)
    for path in PAGES:
        page.goto(dev_server.url + path)
        name = path.strip("/")
        assert horizontal_overflow(page) == 0, f"{path} at {width}px"
        violations = axe_violations(page, include=SHELL)
        assert violations == [], format_violations(violations)
        toggle = page.get_by_role("button", name="Menü", exact=True)
        if phone:
            # The top bar names the page; the navigation waits behind "Menü".
            expect(page.locator(".shell-title")).to_have_text(
                page.title().removesuffix(" · LeadGate")
            )
            expect(page.locator("#shell-nav").get_by_role("link")).to_have_count(0)
            toggle.click()
            expect(toggle).to_have_attribute("aria-expanded", "true")
            open_menu(page)  # waits until the drawer has slid in
            for item in nav_items(page):
                assert_reachable(page, item)
            assert horizontal_overflow(page) == 0
            violations = axe_violations(page, include=["#shell-nav"])
            assert violations == [], format_violations(violations)
            screenshot(page, f"shell-menu-{name}-{width}x{height}-{scheme}")
            page.keyboard.press("Escape")
            expect(toggle).to_have_attribute("aria-expanded", "false")
            expect(toggle).to_be_focused()
            expect(page.locator("#shell-nav")).to_be_hidden()
        else:
            expect(toggle).to_be_hidden()
            for item in nav_items(page):
                assert_reachable(page, item)
        current = page.locator("#shell-nav [aria-current='page']")
        expect(current).to_have_count(1)
        screenshot(page, f"shell-{name}-{width}x{height}-{scheme}")
    if phone:
        # The menu really navigates (and closes with the page change).
        open_menu(page)
        page.locator("#shell-nav").get_by_role("link", name="Kontakte").click()
        expect(page).to_have_url(re.compile(r"/contacts$"))
        expect(page.get_by_role("button", name="Menü", exact=True)).to_have_attribute(
            "aria-expanded", "false"
        )
    assert problems == []
    context.close()


def open_mailed_link(page, dev_server, address: str, link: str) -> None:
    """Open the link mailed to this address (the dev outbox page)."""
    mail = f"article:has-text('An: {address}') a[href*='{link}']"
    for _ in range(50):  # the mail job runs in the dev server's worker thread
        page.goto(dev_server.url + "/_dev/mail/")
        if page.locator(mail).count():
            break
        page.wait_for_timeout(200)
    page.locator(mail).first.click()


def join_by_invite(browser, dev_server, invite_url: str, name: str, email: str):
    """A new person opens the invite at 1280×800, signs up and joins."""
    problems: list[str] = []
    context, page = new_page(browser, 1280, 800, problems)
    page.goto(invite_url)
    banner = page.locator("#cookie-banner")
    expect(banner).to_be_visible()
    # Issue 14: the banner covered this button at 1280×800. It sits in the flow now.
    screenshot(page, "shell-invite-with-banner-1280x800")
    submit = page.get_by_role("button", name="Konto anlegen und beitreten")
    assert_reachable(page, submit)
    banner_box, submit_box = banner.bounding_box(), submit.bounding_box()
    assert banner_box["y"] + banner_box["height"] <= submit_box["y"]
    page.get_by_label("Ihr Name").fill(name)
    page.get_by_label("Passwort").fill(PASSWORD)
    submit.click()
    expect(page.locator("main")).to_contain_text(
        "Sie liegt in der Entwicklungs-Mailbox"
    )
    open_mailed_link(page, dev_server, email, "/register/confirm/")
    page.get_by_role("button", name="Konto anlegen").click()
    expect(page).to_have_url(re.compile(r"/inbox$"))
    assert problems == []
    context.close()


def test_removing_a_member_asks_first_and_cancel_changes_nothing(browser, dev_server):
    problems: list[str] = []
    context, page = new_page(browser, 1280, 800, problems)
    demo_login(page, dev_server)
    page.goto(dev_server.url + "/settings/members")
    page.get_by_label("E-Mail-Adresse").fill("rita.remove@example.com")
    page.get_by_role("button", name="Einladen").click()
    invite_url = page.locator("#invite-link").input_value()
    join_by_invite(
        browser, dev_server, invite_url, "Rita Remove", "rita.remove@example.com"
    )

    page.reload()
    team = page.locator("#team")
    rita = team.locator(".member", has_text="rita.remove@example.com")
    expect(rita).to_have_count(1)
    # Another htmx swap of #team first: the dialog must work in swapped-in markup.
    page.get_by_label("E-Mail-Adresse").fill("someone.else@example.com")
    page.get_by_role("button", name="Einladen").click()
    expect(team).to_contain_text("someone.else@example.com")

    remove = rita.get_by_role("button", name="Entfernen Rita Remove")
    dialog = page.get_by_role("dialog", name="Rita Remove aus dem Workspace entfernen?")
    expect(dialog).to_be_hidden()
    remove.click()
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("verliert sofort den Zugang")
    expect(dialog.get_by_role("button", name="Abbrechen")).to_be_focused()
    violations = axe_violations(page, include=[".confirm-dialog[open]"])
    assert violations == [], format_violations(violations)
    screenshot(page, "shell-confirm-dialog-1280x800")

    dialog.get_by_role("button", name="Abbrechen").click()
    expect(dialog).to_be_hidden()
    expect(remove).to_be_focused()  # the focus returns to where it was
    remove.click()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.reload()
    expect(rita).to_have_count(1)  # cancelling sent nothing

    remove.click()
    dialog.get_by_role("button", name="Entfernen", exact=True).click()
    expect(page.locator("#flashes")).to_contain_text(
        "Rita Remove wurde aus dem Workspace entfernt."
    )
    expect(rita).to_have_count(0)
    expect(page.get_by_role("dialog")).to_have_count(0)  # no modal left behind
    page.reload()
    expect(rita).to_have_count(0)
    assert problems == []
    context.close()


def test_a_phone_confirms_in_a_dialog_that_fits(browser, dev_server):
    """The dialog at 360 px: inside the screen, buttons side by side or stacked."""
    problems: list[str] = []
    context, page = new_page(browser, 360, 640, problems, color_scheme="dark")
    demo_login(page, dev_server)
    page.goto(dev_server.url + "/settings/members")
    agent = page.locator("#team .member", has_text="agent@leadgate.example")
    agent.get_by_role("button", name="Entfernen Demo Agent").click()
    dialog = page.get_by_role("dialog", name="Demo Agent aus dem Workspace entfernen?")
    for button in ("Abbrechen", "Entfernen"):
        assert_reachable(page, dialog.get_by_role("button", name=button, exact=True))
    assert horizontal_overflow(page) == 0
    violations = axe_violations(page, include=[".confirm-dialog[open]"])
    assert violations == [], format_violations(violations)
    screenshot(page, "shell-confirm-dialog-360x640-dark")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.reload()
    expect(agent).to_have_count(1)
    assert problems == []
    context.close()


# A stand-in for the thread (built with the DOM API: the CSP forbids inline markup
# styles, not styles set from script): a header, a long list, a composer.
FULL_HEIGHT_PAGE = """() => {
  document.querySelector("[data-shell]").classList.add("app-fullheight");
  const main = document.getElementById("main");
  main.replaceChildren();
  const root = document.createElement("div");
  root.className = "fullheight-fill";
  Object.assign(root.style, {display: "flex", flexDirection: "column"});
  const head = document.createElement("h1");
  head.textContent = "Gespräch";
  head.style.flex = "none";
  const list = document.createElement("ol");
  list.className = "scroll-y";
  list.style.flex = "1 1 auto";
  for (let i = 0; i < 200; i++) {
    const item = document.createElement("li");
    item.textContent = "Nachricht " + i;
    list.append(item);
  }
  const composer = document.createElement("form");
  composer.id = "stand-in-composer";
  composer.style.flex = "none";
  composer.append(document.createElement("textarea"));
  root.append(head, list, composer);
  main.append(root);
  list.scrollTop = list.scrollHeight;
}"""


@pytest.mark.parametrize(
    "size", [(360, 640), (390, 844), (1280, 800)], ids=lambda s: f"{s[0]}x{s[1]}"
)
def test_a_full_height_page_keeps_its_composer_in_view(browser, dev_server, size):
    """The layout contract of base.html for the inbox thread."""
    problems: list[str] = []
    context, page = new_page(browser, *size, problems)
    demo_login(page, dev_server)
    page.goto(dev_server.url + "/account")
    page.evaluate(FULL_HEIGHT_PAGE)
    fits = page.evaluate(
        "() => document.scrollingElement.scrollHeight <= window.innerHeight"
    )
    assert fits, "the page itself scrolls"
    composer = page.locator("#stand-in-composer").bounding_box()
    assert size[1] - 60 < composer["y"] + composer["height"] <= size[1]
    scrolls = page.evaluate(
        "() => { const l = document.querySelector('main ol');"
        " return l.scrollHeight > l.clientHeight && l.scrollTop > 0; }"
    )
    assert scrolls, "the list does not scroll by itself"
    expect(page.locator("main ol li").last).to_be_in_viewport()
    assert horizontal_overflow(page) == 0
    if size[0] <= 640:
        assert_reachable(page, page.get_by_role("button", name="Menü", exact=True))
    screenshot(page, f"shell-fullheight-{size[0]}x{size[1]}")
    assert problems == []
    context.close()
