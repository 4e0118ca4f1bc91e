"""A campaign in a real browser: segment, wizard, left-out reasons, launch, live
progress, a reply answered in the inbox; the campaign page on a 390 px phone."""

import re
import uuid
from urllib.parse import urlencode

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


def test_a_campaign_from_segment_to_answered_reply(browser, dev_server):
    from leadgate.demo import DEMO_EMAIL

    tag = uuid.uuid4().hex[:6]  # the dev server is shared: names of this run only
    people = {
        f"Kampagne {tag} Anna": "4915177{:05d}1",
        f"Kampagne {tag} Bert": "4915177{:05d}2",
        f"Kampagne {tag} Cleo": "4915177{:05d}3",
    }
    serial = int(tag, 16) % 100000
    numbers = {name: number.format(serial) for name, number in people.items()}
    for name, number in numbers.items():  # "Start": marketing consent by keyword
        customer_writes(dev_server, name, number, "Start")
    customer_writes(
        dev_server, f"Kampagne {tag} Dora", f"4915177{serial:05d}4", "Hallo"
    )

    problems: list[str] = []
    context, page = new_page(browser, 1280, 800, problems)
    log_in(page, dev_server.url, DEMO_EMAIL)
    # 1. The audience: the contact list's search, saved as a segment.
    page.goto(dev_server.url + "/contacts?" + urlencode({"q": f"Kampagne {tag}"}))
    wait_until_wired(page)
    expect(page.locator("#contact-list")).to_contain_text(f"Kampagne {tag} Dora")
    save = page.locator("#save-segment")
    segment = f"Messe {tag}"
    save.get_by_label("Als Zielgruppe speichern").fill(segment)
    save.get_by_role("button", name="Speichern").click()
    expect(save.get_by_role("status")).to_contain_text("gespeichert")

    # 2. The wizard.
    page.goto(dev_server.url + "/campaigns/")
    page.get_by_role("link", name="Neue Kampagne").click()
    page.get_by_label("Name der Kampagne").fill(f"Angebot {tag}")
    page.get_by_role("button", name="Weiter").click()
    page.get_by_label("Zielgruppe oder Label").select_option(label=segment)
    page.get_by_role("button", name="Weiter").click()
    page.get_by_role("combobox", name="Vorlage").select_option(
        label="angebot_nachfassen (de)"
    )
    page.get_by_role("button", name="Vorlage übernehmen").click()
    expect(page.locator(".placeholder-map")).to_be_visible()
    page.get_by_label("Ersatz, wenn leer").fill("zusammen")
    page.get_by_role("button", name="Weiter").click()
    expect(page.get_by_label("Beim Start sofort")).to_be_checked()
    page.get_by_role("button", name="Weiter").click()

    # 3. The review: who receives it, who is left out and why, three previews.
    expect(page.locator(".review-reach")).to_contain_text("3 Kontakte erhalten")
    expect(page.locator(".review-reasons")).to_contain_text(
        "keine Marketing-Einwilligung mit Nachweis"
    )
    expect(page.locator(".campaign-preview")).to_have_count(3)
    expect(page.locator(".campaign-previews")).to_contain_text("Hallo Kampagne,")
    page.get_by_role("button", name="Starten").first.click()
    dialog = page.get_by_role("dialog", name="Kampagne jetzt starten?")
    expect(dialog).to_contain_text("3 Kontakte")
    dialog.get_by_role("button", name="Starten").click()

    # 4. The campaign page: the bar moves on its own as Meta's ticks arrive.
    expect(page.get_by_role("heading", name=f"Angebot {tag}")).to_be_visible()
    read = page.locator('[data-count="read"]')
    expect(read).to_have_text("3", timeout=20000)
    expect(page.locator(".progress-read")).to_be_visible()

    # 5. A reply arrives: counted on the page, answered in the inbox.
    anna = f"Kampagne {tag} Anna"
    customer_writes(dev_server, anna, numbers[anna], "Gerne, rufen Sie mich an!")
    expect(page.locator('[data-count="replied"]')).to_have_text("1", timeout=20000)
    page.get_by_role("link", name="Antworten im Posteingang").click()
    expect(
        page.locator(".filter-chip", has_text=f"Antworten auf „Angebot {tag}“")
    ).to_be_visible()
    # Each click loads a page: the next one waits for its scripts (CI showed
    # both races: the list link followed as a plain link, and Enter pressed in
    # the composer before app.js listened, a new line instead of a send).
    wait_until_wired(page)
    page.locator("#conversation-items").get_by_role(
        "link", name=re.compile(anna)
    ).click()
    thread = page.locator("#thread")
    expect(thread).to_contain_text(f"Antwort auf die Kampagne „Angebot {tag}“")
    wait_until_wired(page)
    composer = page.get_by_role("textbox", name="Nachricht")
    composer.fill("Gern, ich rufe gleich an.")
    composer.press("Enter")  # into the field, wherever a refresh left the focus
    expect(thread.get_by_text("Gern, ich rufe gleich an.")).to_be_visible(timeout=10000)
    campaign_url = page.url
    assert problems == []
    context.close()

    # 6. On a phone the campaign page fits, reads and passes axe.
    context, phone = new_page(browser, 390, 844, problems)
    log_in(phone, dev_server.url, DEMO_EMAIL)
    phone.goto(dev_server.url + "/campaigns/")
    phone.get_by_role("link", name=f"Angebot {tag}").click()
    expect(phone.locator('[data-count="replied"]')).to_have_text("1")
    assert_fits_width(phone)
    violations = axe_violations(phone)
    assert violations == [], format_violations(violations)
    phone.screenshot(path=str(ARTIFACTS / "campaign-phone-390.png"), full_page=True)
    assert "/inbox/" in campaign_url and problems == []
    context.close()
