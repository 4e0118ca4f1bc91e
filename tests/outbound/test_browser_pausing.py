"""A real browser against `leadgate dev`: Meta pauses a template, the agent sees it.

The emulator's "Vorlagen bei Meta" page plays Meta; its status webhooks reach
LeadGate's inbox like Meta's would. Uses angebot_nachfassen, which the other
browser tests leave alone (the dev server is shared by the session).
"""

import re

from ..browser_support import (
    ARTIFACTS,
    accept_cookies,
    assert_fits_width,
    new_page,
    require_chromium,
)

require_chromium()

from playwright.sync_api import expect  # noqa: E402

TEMPLATE = "angebot_nachfassen"


def offered(page) -> bool:
    picker = page.locator(f"#composer [data-template-name='{TEMPLATE}'] input")
    return picker.count() > 0


def reload_until(page, wanted: bool) -> None:
    """Webhooks are drained by the dev server's worker: reload until it shows."""
    for _ in range(50):
        if offered(page) == wanted:
            return
        page.wait_for_timeout(200)
        page.reload()
    assert offered(page) == wanted


def set_at_meta(meta, dev_server, label: str) -> None:
    meta.goto(dev_server.url + "/_emulator/templates")
    meta.get_by_role("button", name=f"{label}: {TEMPLATE} (de)").click()
    expect(meta.get_by_role("status")).to_contain_text(TEMPLATE)


def test_a_template_paused_at_meta_leaves_the_picker_until_it_is_back(
    browser, dev_server
):
    from leadgate.demo import DEMO_EMAIL, DEMO_PASSWORD, EARLIER_CONTACT

    problems: list[str] = []
    phone, page = new_page(browser, 360, 640, problems)
    page.goto(dev_server.url + "/login")
    accept_cookies(page)
    page.get_by_label("E-Mail-Adresse").fill(DEMO_EMAIL)
    page.get_by_label("Passwort").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.goto(dev_server.url + "/inbox?q=" + EARLIER_CONTACT["profile_name"])
    page.get_by_role("link", name=re.compile(EARLIER_CONTACT["profile_name"])).click()
    thread_url = page.url
    reload_until(page, True)  # `leadgate dev` syncs the templates by itself
    meta_context, meta = new_page(browser, 360, 640, problems)
    try:
        set_at_meta(meta, dev_server, "Pausieren")
        assert_fits_width(meta)
        meta.screenshot(path=ARTIFACTS / "emulator-templates-360x640.png")
        reload_until(page, False)
        page.goto(dev_server.url + "/settings/channels/templates")
        row = page.locator("tr", has_text=TEMPLATE)
        expect(row).to_contain_text("pausiert")
        expect(page.locator(".template-note")).to_contain_text("nicht angeboten")
        assert_fits_width(page)
        page.screenshot(path=ARTIFACTS / "templates-paused-360x640.png", full_page=True)
    finally:
        set_at_meta(meta, dev_server, "Wieder freigeben")
    page.goto(thread_url)
    reload_until(page, True)
    assert problems == []
    meta_context.close()
    phone.close()
