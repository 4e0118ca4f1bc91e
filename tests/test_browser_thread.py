"""The thread in a real browser: opens at the newest message, stays put, loads older.

A conversation of SEEDED messages from the emulator's Kundenhandy (longer than
one page), on a desktop and two phones: what the agent sees without scrolling,
what sending and live arrivals do to the view, how older pages come in, and the
message actions by keyboard. Screenshots go to tests/artifacts/.
"""

import re
import time

import httpx
import pytest

from .browser_support import (
    axe_violations,
    format_violations,
    horizontal_overflow,
    log_in,
    new_page,
    require_chromium,
    screenshot,
)

require_chromium()

from playwright.sync_api import expect  # noqa: E402

SIZES = [(1280, 800), (390, 844), (360, 640)]
NAME, NUMBER = "Verlauf Vera", "4915199990606"
SEEDED = 60  # more than a page (inbox/thread.py PAGE_SIZE)

# The messages of the list that are on screen: the first one below the sticky
# day header, and where it is; and the list's own scroll state.
FIRST_VISIBLE = """() => {
  const list = document.querySelector('#thread');
  const top = list.getBoundingClientRect().top + 40;
  const item = [...list.querySelectorAll('[data-msg]')]
    .find((m) => m.getBoundingClientRect().top >= top);
  return [item.id, item.getBoundingClientRect().top];
}"""
SCROLL = """() => {
  const list = document.querySelector('#thread');
  return {top: list.scrollTop, max: list.scrollHeight - list.clientHeight,
          count: list.querySelectorAll('[data-msg]').length};
}"""


def inject(dev_server, text: str) -> None:
    from leadgate.whatsapp.emulator import DEMO_NUMBER

    response = httpx.post(
        dev_server.url + "/_emulator/_admin/inbound",
        json={
            "phone_number_id": DEMO_NUMBER["phone_number_id"],
            "from": NUMBER,
            "name": NAME,
            "text": text,
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def long_conversation(dev_server):
    for n in range(1, SEEDED + 1):
        inject(dev_server, f"Frühere Nachricht {n:02d}")
    return dev_server


def sign_in(browser, dev_server, width, height, problems):
    from leadgate.demo import DEMO_EMAIL, DEMO_PASSWORD

    context, page = new_page(browser, width, height, problems)
    log_in(page, dev_server.url, DEMO_EMAIL, DEMO_PASSWORD)
    expect(page.locator("#list-column")).to_be_attached()
    return context, page


def open_conversation(page, dev_server, name: str) -> None:
    page.goto(dev_server.url + "/inbox?q=" + name)
    page.locator("#list-column").get_by_role("link", name=re.compile(name)).click()
    expect(page.locator("#thread [data-msg]").first).to_be_attached()
    expect(page.locator("body[data-live=connected]")).to_be_attached()


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def settles(page, check, seconds: float = 5.0) -> bool:
    """Whether the check holds within a few seconds.

    The thread scrolls in app.js after htmx settles a swap and the layout is
    done; on a busy machine (the suite runs in parallel) that is a few frames
    after the element appears, so "is it in view" is asked until it holds.
    """
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        page.wait_for_timeout(50)
    return True


def page_scrolls(page) -> bool:
    """Whether the page itself scrolls (only its regions should)."""
    return page.evaluate("document.scrollingElement.scrollHeight > window.innerHeight")


def at_bottom(page) -> bool:
    state = page.evaluate(SCROLL)
    return state["max"] - state["top"] <= 2


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_demo_conversation_opens_at_its_newest_message_with_the_composer(
    browser, dev_server, width, height
):
    from leadgate.demo import EARLIER_CONTACT

    problems: list[str] = []
    context, page = sign_in(browser, dev_server, width, height, problems)
    open_conversation(page, dev_server, EARLIER_CONTACT["profile_name"])
    # The thread's last message, whichever it is: the dev server lives for the
    # whole session, and another test may have written to her already (a
    # template on a phone, tests/test_browser.py), so her seeded text is then
    # no longer the newest.
    newest = page.locator("#thread [data-msg]").last
    assert settles(page, lambda: in_viewport(page, newest))
    assert settles(page, lambda: in_viewport(page, page.locator("#composer")))
    # Outside the window: the template picker, quietly, not an error.
    expect(page.locator("#composer .composer-window.is-closed")).to_be_visible()
    assert not page_scrolls(page)
    assert horizontal_overflow(page) == 0
    assert problems == []
    context.close()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_sending_and_live_messages_keep_the_view_where_the_agent_reads(
    browser, long_conversation, width, height
):
    dev_server = long_conversation
    problems: list[str] = []
    context, page = sign_in(browser, dev_server, width, height, problems)
    open_conversation(page, dev_server, NAME)
    page.reload()  # opened once: now it opens at the newest, no unread line
    expect(page.locator("#thread [data-msg]").first).to_be_attached()
    thread = page.locator("#thread")
    last = thread.locator("[data-msg]").last
    assert settles(page, lambda: in_viewport(page, last) and at_bottom(page))
    assert in_viewport(page, page.locator("#composer-text"))
    assert not page_scrolls(page)
    expect(page.locator("#composer-window")).to_contain_text("Antwort möglich bis")

    sent = f"Gesendet bei {width} px"
    page.get_by_role("textbox", name="Nachricht").fill(sent)
    page.keyboard.press("Enter")
    expect(thread.get_by_text(sent)).to_be_visible(timeout=10000)
    assert settles(page, lambda: in_viewport(page, thread.get_by_text(sent)))
    expect(page.get_by_role("textbox", name="Nachricht")).to_have_value("")

    # A live message while at the bottom: the view follows it.
    inject(dev_server, f"Live unten {width}")
    arrived = thread.get_by_text(f"Live unten {width}")
    expect(arrived).to_be_visible(timeout=10000)
    page.wait_for_timeout(300)  # its ticks and a settle: still at the bottom
    assert settles(page, lambda: in_viewport(page, arrived) and at_bottom(page))

    # Scrolled up: a live message neither moves the view nor hides; it is counted.
    page.evaluate("document.querySelector('#thread').scrollTop = 700")
    jump = page.locator("[data-thread-jump]")
    expect(jump).to_be_visible()
    page.wait_for_timeout(300)  # a page before may load; let it settle
    before_id, before_y = page.evaluate(FIRST_VISIBLE)
    before = page.evaluate(SCROLL)
    inject(dev_server, f"Live oben {width}")
    expect(jump.locator("[data-thread-jump-count]")).to_have_text("1", timeout=10000)
    assert page.evaluate(SCROLL)["top"] == before["top"]
    after_y = page.evaluate(
        f"document.getElementById('{before_id}').getBoundingClientRect().top"
    )
    assert abs(after_y - before_y) <= 2

    # At the top the page before loads, and what was on screen stays where it was.
    # (Scrolled and measured in one go: the page before is asked for only after.)
    top_id, top_y, count = page.evaluate(
        f"""() => {{
          document.querySelector('#thread').scrollTop = 0;
          const [id, y] = ({FIRST_VISIBLE})();
          return [id, y, document.querySelectorAll('#thread [data-msg]').length];
        }}"""
    )
    page.wait_for_function(
        f"() => document.querySelectorAll('#thread [data-msg]').length > {count}"
    )
    page.wait_for_timeout(100)
    moved = page.evaluate(
        f"document.getElementById('{top_id}').getBoundingClientRect().top"
    )
    assert abs(moved - top_y) <= 4, (top_y, moved)
    assert page.locator("#thread .day-divider").count() == len(
        set(
            page.locator("#thread .thread-day").evaluate_all(
                "days => days.map((d) => d.dataset.day)"
            )
        )
    )  # one header per day, however the pages came in

    jump.click()
    page.wait_for_function(
        "() => { const l = document.querySelector('#thread');"
        " return l.scrollHeight - l.clientHeight - l.scrollTop <= 2; }"
    )
    expect(jump).to_be_hidden()
    live = thread.get_by_text(f"Live oben {width}")
    assert settles(page, lambda: in_viewport(page, live))
    assert horizontal_overflow(page) == 0
    violations = axe_violations(page, include=["#thread-column"])
    assert violations == [], format_violations(violations)
    screenshot(page, f"thread-{width}x{height}")
    assert problems == []
    context.close()


def test_message_actions_by_keyboard_react_reply_and_copy(browser, long_conversation):
    dev_server = long_conversation
    problems: list[str] = []
    context, page = sign_in(browser, dev_server, 1280, 800, problems)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    inject(dev_server, "Bitte um Rückruf")
    open_conversation(page, dev_server, NAME)
    thread = page.locator("#thread")
    # The header's last control, then Tab: the newest message (one stop for all).
    page.locator("#thread-column [data-panel-toggle]").first.focus()
    page.keyboard.press("Tab")
    focused = page.locator("#thread [data-msg]:focus")
    expect(focused).to_contain_text("Bitte um Rückruf")
    expect(focused.get_by_role("button", name="Aktionen")).to_be_visible()
    page.keyboard.press("ArrowUp")
    expect(focused).not_to_contain_text("Bitte um Rückruf")
    page.keyboard.press("ArrowDown")
    expect(focused).to_contain_text("Bitte um Rückruf")
    message = thread.locator("[data-msg]", has_text="Bitte um Rückruf")

    page.keyboard.press("Enter")  # the actions
    actions = page.get_by_role("dialog", name="Aktionen für die Nachricht")
    expect(actions).to_be_visible()
    expect(actions.get_by_role("button", name="Reagieren mit 👍")).to_be_focused()
    page.keyboard.press("Escape")
    expect(actions).to_be_hidden()
    expect(message).to_be_focused()

    # Any emoji: the picker's grid, or typed; the server takes exactly one.
    page.keyboard.press("Enter")
    actions.get_by_role("button", name="Weitere Emoji").click()
    actions.get_by_label("Oder ein beliebiges Emoji eingeben").fill("ab")
    page.keyboard.press("Enter")
    expect(page.locator("#thread-notice")).to_contain_text(
        "Bitte ein einzelnes Emoji wählen."
    )
    message.focus()
    page.keyboard.press("Enter")
    actions.get_by_role("button", name="Weitere Emoji").click()
    actions.get_by_label("Oder ein beliebiges Emoji eingeben").fill("🦄")
    page.keyboard.press("Enter")
    expect(message.locator(".message-reactions")).to_contain_text("🦄", timeout=10000)

    message.focus()
    page.keyboard.press("Enter")
    actions.get_by_role("button", name="Text kopieren").click()
    expect(page.locator("#thread-notice")).to_contain_text("Text kopiert")
    assert page.evaluate("navigator.clipboard.readText()") == "Bitte um Rückruf"

    message.focus()
    page.keyboard.press("Enter")
    actions.get_by_role("button", name="Antworten").click()
    expect(page.locator("#composer-reply")).to_contain_text("Bitte um Rückruf")
    expect(page.get_by_role("textbox", name="Nachricht")).to_be_focused()
    page.keyboard.type("Wir rufen heute an.")
    page.keyboard.press("Enter")
    expect(
        thread.locator(".message-out .reply-quote", has_text="Bitte um Rückruf")
    ).to_be_visible(timeout=10000)
    # The one error in the console: the browser's own line for the refused "ab" (422).
    assert problems == [
        "Failed to load resource: the server responded with a status of 422 "
        "(UNPROCESSABLE ENTITY)"
    ]
    context.close()


def test_the_composer_grows_and_shows_the_chosen_file(browser, long_conversation):
    dev_server = long_conversation
    problems: list[str] = []
    context, page = sign_in(browser, dev_server, 390, 844, problems)
    open_conversation(page, dev_server, NAME)
    text = page.get_by_role("textbox", name="Nachricht")
    one_line = text.bounding_box()["height"]
    text.click()
    for line in ("eins", "zwei", "drei"):
        page.keyboard.type(line)
        page.keyboard.press("Shift+Enter")
    assert text.bounding_box()["height"] > one_line * 2  # grown
    for _ in range(12):
        page.keyboard.press("Shift+Enter")
    grown = text.bounding_box()["height"]
    assert grown < one_line * 5  # about six lines at most, then it scrolls
    assert not page_scrolls(page)
    # A message that arrives meanwhile (a live update swaps the thread) leaves
    # the half-written draft as tall as it was.
    inject(dev_server, "Kommt an, während Sie schreiben")
    expect(
        page.locator("#thread").get_by_text("Kommt an, während Sie schreiben")
    ).to_be_visible()
    assert text.bounding_box()["height"] == grown
    assert text.input_value().startswith("eins\nzwei\ndrei\n")
    page.locator("#composer-attachment").set_input_files(
        files=[
            {
                "name": "angebot.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF" * 600,
            }
        ]
    )
    chip = page.locator("[data-attachment-chip]")
    expect(chip).to_be_visible()
    expect(chip).to_contain_text("angebot.pdf")
    expect(chip).to_contain_text("2,3 KB")
    chip.get_by_role("button", name="Anhang entfernen").click()
    expect(chip).to_be_hidden()
    assert page.locator("#composer-attachment").input_value() == ""
    expect(
        page.get_by_role(
            "button", name="Datei anhängen (Bild, Audio, Video oder Dokument)"
        )
    ).to_be_focused()
    # On a touch screen a long press opens the actions, as a sheet at the bottom.
    bubble = page.locator("#thread .message-in .message-text").last
    box = bubble.bounding_box()
    point = {"clientX": box["x"] + 5, "clientY": box["y"] + 5, "pointerType": "touch"}
    bubble.dispatch_event("pointerdown", point)
    actions = page.get_by_role("dialog", name="Aktionen für die Nachricht")
    expect(actions).to_be_visible()
    sheet = actions.bounding_box()
    assert abs(sheet["y"] + sheet["height"] - 844) <= 1 and sheet["width"] == 390
    page.keyboard.press("Escape")
    expect(actions).to_be_hidden()
    assert problems == []
    context.close()


def test_the_open_cookie_banner_does_not_make_the_inbox_scroll(browser, dev_server):
    """Until the choice is made the banner stands above the inbox: the inbox gets
    shorter, the page itself still does not scroll (nothing hidden sticks out)."""
    from leadgate.demo import DEMO_EMAIL, DEMO_PASSWORD, EARLIER_CONTACT

    problems: list[str] = []
    context, page = new_page(browser, 1280, 800, problems)
    page.goto(dev_server.url + "/login")
    page.get_by_label("E-Mail-Adresse").fill(DEMO_EMAIL)
    page.get_by_label("Passwort").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(re.compile(r"/inbox$"))
    open_conversation(page, dev_server, EARLIER_CONTACT["profile_name"])
    expect(page.locator("#cookie-banner")).to_be_visible()
    assert not page_scrolls(page)
    assert problems == []
    context.close()
