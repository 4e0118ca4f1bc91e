"""A very long message on a phone: its head formatted, the rest behind "mehr anzeigen"."""

import re

from .browser_support import (
    ARTIFACTS,
    assert_fits_width,
    log_in,
    new_page,
    require_chromium,
)
from .test_browser_live import inject

require_chromium()

from playwright.sync_api import expect  # noqa: E402

LONG = "*Anfang* " + "Wort " * 1200 + "Schlusssatz"
DOCUMENT_NAME = "Bewerbungsunterlagen_" + "sehr_lang_" * 12 + ".pdf"


def test_a_long_text_shows_more_on_request_and_a_document_its_name(browser, dev_server):
    from leadgate.demo import DEMO_EMAIL

    inject(dev_server, **{"from": "4915166600001", "name": "Lang Lena", "text": LONG})
    inject(
        dev_server,
        **{
            "from": "4915166600001",
            "name": "Lang Lena",
            "type": "document",
            "filename": DOCUMENT_NAME,
        },
    )
    problems: list[str] = []  # console errors, CSP violations among them
    context, page = new_page(browser, 360, 640, problems)
    log_in(page, dev_server.url, DEMO_EMAIL)
    page.locator("#list-column").get_by_role(
        "link", name=re.compile("Lang Lena")
    ).click()
    thread = page.locator("#thread")
    expect(thread.locator("strong", has_text="Anfang")).to_be_visible()
    expect(thread.get_by_text(DOCUMENT_NAME)).to_be_visible()
    more = thread.get_by_text("mehr anzeigen")
    expect(more).to_be_visible()
    rest = thread.locator(".message-more")
    expect(rest).not_to_have_attribute("open", "")
    assert_fits_width(page)
    more.scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "thread-long-text-closed-360x640.png")
    more.click()
    expect(rest).to_have_attribute("open", "")
    expect(more).to_be_hidden()
    assert rest.evaluate("e => e.innerText").rstrip().endswith("Schlusssatz")
    assert_fits_width(page)
    page.screenshot(path=ARTIFACTS / "thread-long-text-open-360x640.png")
    assert problems == []
    context.close()
