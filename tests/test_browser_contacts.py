"""The contact pages in a real browser: a 360 px phone finds, edits and checks a contact."""

import re

from .browser_support import (
    ARTIFACTS,
    assert_fits_width,
    log_in,
    new_page,
    require_chromium,
)
from .test_browser_live import customer_writes

require_chromium()

from playwright.sync_api import expect  # noqa: E402


def test_a_phone_filters_opens_edits_and_sees_the_consent_proof(browser, dev_server):
    from leadgate.demo import DEMO_EMAIL

    customer_writes(dev_server, "Kontakt Karl", "4915199990909", "Start")
    problems: list[str] = []
    context, page = new_page(browser, 360, 740, problems)
    log_in(page, dev_server.url, DEMO_EMAIL)
    page.goto(dev_server.url + "/contacts")
    expect(page.get_by_role("heading", name="Kontakte")).to_be_visible()
    assert_fits_width(page)
    page.get_by_label("Suche").fill("Kontakt Karl")
    karl = page.locator("#contact-list").get_by_role("link", name=re.compile("Karl"))
    expect(karl).to_have_count(1)
    page.get_by_label("Marketing-Einwilligung").select_option("opt_in")
    expect(karl).to_be_visible()  # "Start" recorded an opt-in by keyword
    page.get_by_label("Marketing-Einwilligung").select_option("opt_out")
    expect(karl).to_have_count(0)
    page.get_by_label("Marketing-Einwilligung").select_option("")
    karl.click()
    expect(page.get_by_role("heading", name="Kontakt Karl")).to_be_visible()
    history = page.locator("#consent-history")
    expect(history).to_contain_text("Stichwort per WhatsApp")
    expect(history).to_contain_text("Start")
    assert_fits_width(page)
    page.screenshot(path=str(ARTIFACTS / "contact-phone-360.png"), full_page=True)
    page.get_by_label("Name", exact=True).fill("Karl Kaufmann")
    page.get_by_label("E-Mail-Adresse").fill("karl@example.com")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("heading", name="Karl Kaufmann")).to_be_visible()
    expect(page.get_by_text("Änderungen gespeichert.")).to_be_visible()
    assert problems == []
    context.close()
