"""Live inbox in a real browser: the Kundenhandy writes, two agents see it without reload."""

import re

import httpx

from .browser_support import (
    ARTIFACTS,
    assert_fits_width,
    log_in,
    new_page,
    require_chromium,
)

require_chromium()

from playwright.sync_api import expect  # noqa: E402


def customer_writes(dev_server, name: str, wa_id: str, text: str) -> None:
    from leadgate.whatsapp.emulator import DEMO_NUMBER

    response = httpx.post(
        dev_server.url + "/_emulator/phone/send",
        data={
            "number": DEMO_NUMBER["phone_number_id"],
            "name": name,
            "wa_id": wa_id,
            "text": text,
        },
        timeout=10,
    )
    assert response.status_code < 400


def test_messages_and_assignments_arrive_live_for_two_agents(browser, dev_server):
    from leadgate.demo import DEMO_EMAIL

    problems: list[str] = []
    first_context, first = new_page(browser, 1280, 800, problems)
    log_in(first, dev_server.url, DEMO_EMAIL)
    expect(first.get_by_role("heading", name="Posteingang")).to_be_visible()
    expect(first.locator("body[data-live=connected]")).to_be_attached()
    # Nobody reloads from here on: everything below arrives over the event stream.
    customer_writes(dev_server, "Live Lisa", "4915199990101", "Ist jemand da?")
    lisa = first.locator("#list-column").get_by_role(
        "link", name=re.compile("Live Lisa")
    )
    expect(lisa).to_be_visible(timeout=10000)
    lisa.click()
    thread = first.locator("#thread")
    expect(thread.get_by_text("Ist jemand da?")).to_be_visible()
    expect(first.locator("body[data-live=connected]")).to_be_attached()
    customer_writes(dev_server, "Live Lisa", "4915199990101", "Hallo?")
    expect(thread.get_by_text("Hallo?")).to_be_visible(timeout=10000)

    second_context, second = new_page(browser, 1280, 800, problems)
    log_in(second, dev_server.url, "agent@leadgate.example")
    second.locator("#list-column").get_by_role(
        "link", name=re.compile("Live Lisa")
    ).click()
    expect(second.locator("#thread").get_by_text("Hallo?")).to_be_visible()
    expect(second.locator("body[data-live=connected]")).to_be_attached()
    first.get_by_role("button", name="Mir zuweisen").click()
    expect(
        second.locator("#thread").get_by_text(
            "Demo Nutzerin hat sich das Gespräch zugewiesen"
        )
    ).to_be_visible(timeout=10000)
    expect(
        # Her row: other tests' conversations on this server may be hers too.
        second.locator("#conversation-items li", has_text="Live Lisa").get_by_text(
            "Demo Nutzerin"
        )
    ).to_be_visible(timeout=10000)
    assert_fits_width(second)
    first.screenshot(path=ARTIFACTS / "inbox-live-1280x800.png")
    second.screenshot(path=ARTIFACTS / "inbox-live-second-agent-1280x800.png")
    assert problems == []
    first_context.close()
    second_context.close()


def test_keyboard_canned_responses_and_enter_to_send(browser, dev_server):
    """j/k, Enter, e and / in the list; "/" plus a shortcut and Enter in the composer."""
    from leadgate.demo import DEMO_EMAIL

    customer_writes(dev_server, "Tasten Tom", "4915199990202", "Wann öffnen Sie?")
    problems: list[str] = []
    context, page = new_page(browser, 1280, 800, problems)
    log_in(page, dev_server.url, DEMO_EMAIL)
    page.goto(dev_server.url + "/settings/canned-responses")
    page.get_by_label("Kürzel").fill("zeiten")
    page.get_by_label("Text").fill("Wir sind Mo–Fr von 9 bis 18 Uhr für Sie da.")
    page.get_by_role("button", name="Speichern").click()
    page.goto(dev_server.url + "/inbox")
    # The dev server's one worker may still be busy (its start-up jobs, the demo's
    # campaign): the list shows Tom's message live once it is stored.
    expect(page.locator(".conversation-item").first).to_contain_text("Tasten Tom")
    page.keyboard.press("/")
    expect(page.get_by_label("Suche nach Name, Nummer oder Nachricht")).to_be_focused()
    page.keyboard.press("Escape")
    page.locator("body").click(position={"x": 5, "y": 780})  # leave the search field
    page.keyboard.press("j")
    focused = page.locator(".conversation-item > a:focus")
    expect(focused).to_contain_text("Tasten Tom")  # the newest conversation first
    page.keyboard.press("Enter")
    thread = page.locator("#thread")
    expect(thread.get_by_text("Wann öffnen Sie?")).to_be_visible()
    composer = page.get_by_role("textbox", name="Nachricht")
    composer.click()
    composer.type("/zei")
    suggestions = page.get_by_role("listbox", name="Textbausteine")
    expect(suggestions.get_by_role("option", name=re.compile("zeiten"))).to_be_visible()
    page.keyboard.press("Enter")  # picks the canned response
    expect(composer).to_have_value("Wir sind Mo–Fr von 9 bis 18 Uhr für Sie da.")
    page.keyboard.press("Enter")  # sends
    expect(
        thread.get_by_text("Wir sind Mo–Fr von 9 bis 18 Uhr für Sie da.")
    ).to_be_visible()
    page.locator("body").click(position={"x": 5, "y": 780})
    page.keyboard.press("e")  # done
    expect(page.locator(".pane-head")).to_contain_text("Erledigt")
    assert problems == []
    context.close()


def test_on_a_phone_the_agent_opens_replies_to_a_message_and_goes_back(
    browser, dev_server
):
    from leadgate.demo import DEMO_EMAIL

    customer_writes(dev_server, "Phone Paul", "4915199990303", "Haben Sie morgen Zeit?")
    for width, height in ((390, 844), (360, 640)):
        problems: list[str] = []
        context, page = new_page(browser, width, height, problems)
        log_in(page, dev_server.url, DEMO_EMAIL)
        expect(page.locator("#list-column")).to_be_visible()
        page.locator("#list-column").get_by_role(
            "link", name=re.compile("Phone Paul")
        ).click()
        expect(page.locator("#list-column")).to_be_hidden()  # one screen at a time
        thread = page.locator("#thread")
        expect(
            thread.locator(".message-in").get_by_text("Haben Sie morgen Zeit?")
        ).to_be_visible()
        assert_fits_width(page)
        small = page.evaluate(
            """[...document.querySelectorAll('#inbox button, #inbox select, .back-link')]
                 .filter(e => e.offsetParent !== null)
                 .filter(e => e.getBoundingClientRect().height < 44)
                 .map(e => e.outerHTML.slice(0, 80))"""
        )
        assert small == [], small  # touch targets of at least 44 px
        if width == 390:
            # A tap selects the message and shows its "⋯"; the actions offer a reply.
            thread.locator(".message-in", has_text="Haben Sie morgen Zeit?").click()
            thread.get_by_role("button", name="Aktionen").first.click()
            page.get_by_role("button", name="Antworten").click()
            expect(page.locator("#composer-reply")).to_contain_text("Haben Sie morgen")
            page.get_by_role("textbox", name="Nachricht").fill("Ja, ab 10 Uhr.")
            page.keyboard.press("Enter")
            expect(
                thread.locator(".reply-quote", has_text="Haben Sie morgen")
            ).to_be_visible()
            page.screenshot(path=ARTIFACTS / "thread-reply-390x844.png", full_page=True)
        page.get_by_role("link", name="Alle Gespräche").click()
        expect(page.locator("#list-column")).to_be_visible()
        expect(page.locator("#thread")).to_have_count(0)
        assert_fits_width(page)
        page.screenshot(path=ARTIFACTS / f"inbox-list-{width}x{height}.png")
        assert problems == []
        context.close()


def test_a_second_agent_sees_who_is_writing(browser, dev_server):
    from leadgate.demo import DEMO_EMAIL

    customer_writes(dev_server, "Presence Pia", "4915199990404", "Hallo Team")
    problems: list[str] = []
    pages = []
    for email in (DEMO_EMAIL, "agent@leadgate.example"):
        context, page = new_page(browser, 1280, 800, problems)
        log_in(page, dev_server.url, email)
        page.locator("#list-column").get_by_role(
            "link", name=re.compile("Presence Pia")
        ).click()
        expect(page.locator("body[data-live=connected]")).to_be_attached()
        pages.append((context, page))
    (_, first), (_, second) = pages
    expect(first.locator("#presence")).to_contain_text(
        "Demo Agent sieht sich das Gespräch an", timeout=10000
    )
    second.get_by_role("textbox", name="Nachricht").type("Ich übernehme")
    expect(first.locator("#presence")).to_contain_text(
        "Demo Agent schreibt gerade", timeout=10000
    )
    assert problems == []
    for context, _ in pages:
        context.close()


def inject(dev_server, **params) -> None:
    from leadgate.whatsapp.emulator import DEMO_NUMBER

    response = httpx.post(
        dev_server.url + "/_emulator/_admin/inbound",
        json={"phone_number_id": DEMO_NUMBER["phone_number_id"], **params},
        timeout=10,
    )
    assert response.status_code == 200, response.text


def test_the_list_loads_more_while_scrolling_and_images_enlarge(browser, dev_server):
    from leadgate.demo import DEMO_EMAIL

    inject(dev_server, **{"from": "4915177700000", "name": "Bild Bea", "type": "image"})
    for n in range(1, 56):
        inject(
            dev_server,
            **{"from": f"49151777{n:05d}", "name": f"Scroll {n:02d}", "text": "Hallo"},
        )
    problems: list[str] = []
    context, page = new_page(browser, 1280, 800, problems)
    log_in(page, dev_server.url, DEMO_EMAIL)
    items = page.locator("#conversation-items .conversation-item")
    expect(items).to_have_count(50)  # the first page
    page.locator(".load-more").scroll_into_view_if_needed()
    expect(items.nth(50)).to_be_attached(timeout=10000)  # the next page arrived
    assert items.count() > 50
    assert len(set(items.evaluate_all("els => els.map(e => e.id)"))) == items.count()
    page.goto(dev_server.url + "/inbox?q=Bild%20Bea")
    page.locator("#list-column").get_by_role(
        "link", name=re.compile("Bild Bea")
    ).click()
    enlarge = page.get_by_role("link", name="Bild vergrößern")
    expect(enlarge).to_be_visible(timeout=10000)  # once the media download stored it
    enlarge.click()
    dialog = page.locator("#lightbox")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert problems == []
    context.close()


def test_wide_screens_show_list_thread_and_panel_side_by_side(browser, dev_server):
    from leadgate.demo import DEMO_EMAIL

    customer_writes(dev_server, "Weit Wanda", "4915199990505", "Breiter Bildschirm")
    problems: list[str] = []
    context, page = new_page(browser, 1440, 900, problems)
    log_in(page, dev_server.url, DEMO_EMAIL)
    page.goto(dev_server.url + "/inbox?q=Weit%20Wanda")
    page.locator("#list-column").get_by_role(
        "link", name=re.compile("Weit Wanda")
    ).click()
    expect(page.locator("#thread").get_by_text("Breiter Bildschirm")).to_be_visible()
    boxes = [
        page.locator(selector).bounding_box()
        for selector in ("#list-column", "#thread", ".team-panel")
    ]
    lefts = [box["x"] for box in boxes]
    assert lefts == sorted(lefts) and len(set(lefts)) == 3  # three columns
    # The filters sit in a compact bar above the list, in its column.
    bar, items = (
        page.locator(selector).bounding_box()
        for selector in (".filter-bar", "#conversation-items")
    )
    assert bar["y"] + bar["height"] <= items["y"] and bar["x"] < boxes[1]["x"]
    assert_fits_width(page)
    page.screenshot(path=ARTIFACTS / "inbox-1440x900.png")
    assert problems == []
    context.close()
