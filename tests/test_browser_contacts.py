"""The contact pages in a real browser: a 360 px phone finds, edits and checks a contact."""

import re
import uuid

from .browser_support import (
    ARTIFACTS,
    assert_fits_width,
    axe_violations,
    format_violations,
    log_in,
    new_page,
    require_chromium,
    wait_until_wired,
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
    # The list is swapped in anew (htmx) after each change: click in the new one,
    # not in the one on its way out.
    expect(page).not_to_have_url(re.compile("consent=opt_out"))
    wait_until_wired(page)
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


def test_a_phone_saves_the_filters_as_a_segment_and_opens_it(browser, dev_server):
    from leadgate.demo import DEMO_EMAIL

    customer_writes(dev_server, "Zielgruppen Zora", "4915199990808", "Start")
    name = f"Eingewilligt {uuid.uuid4().hex[:6]}"  # the dev server is shared
    problems: list[str] = []
    context, page = new_page(browser, 360, 740, problems)
    log_in(page, dev_server.url, DEMO_EMAIL)
    page.goto(dev_server.url + "/contacts")
    wait_until_wired(page)
    expect(page.locator("#save-segment")).to_have_count(0)  # no filter, no audience
    page.get_by_label("Marketing-Einwilligung").select_option("opt_in")
    save = page.locator("#save-segment")
    # Type into the form that came with the new filters (htmx swaps it in).
    expect(save.locator('input[name="consent"]')).to_have_value("opt_in")
    wait_until_wired(page)
    save.get_by_label("Als Zielgruppe speichern").fill(name)
    save.get_by_role("button", name="Speichern").click()
    expect(save.get_by_role("status")).to_contain_text(
        f"Zielgruppe „{name}“ gespeichert."
    )
    assert_fits_width(page)
    save.get_by_role("link", name="Zu den Zielgruppen").click()
    expect(page.get_by_role("heading", name="Zielgruppen", exact=True)).to_be_visible()
    row = page.locator(".segment", has_text=name)
    expect(row).to_contain_text("Marketing-Einwilligung: Eingewilligt")
    expect(row).to_contain_text(re.compile(r"\d+ Kontakte?"))
    assert_fits_width(page)
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)
    row.get_by_role("link", name=re.compile("Öffnen")).click()
    expect(page.get_by_label("Marketing-Einwilligung")).to_have_value("opt_in")
    expect(
        page.locator("#contact-list").get_by_role("link", name=re.compile("Zora"))
    ).to_have_count(1)
    assert problems == []
    context.close()
