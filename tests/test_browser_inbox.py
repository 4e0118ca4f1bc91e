"""The inbox's arrangement in a real browser (Debian's chromium) against `leadgate dev`.

Desktop: list | thread | panel side by side, the page never scrolls, the panel
collapses and stays so. Phones: filters in a sheet with removable chips, the
panel as a drawer from the thread header. The panel's data-protection actions
ask first: cancelling changes nothing in the database, confirming does it.
Screenshots land in tests/artifacts/inbox-layout-*.png.
"""

import re
import sqlite3
from urllib.parse import quote

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
from .test_browser_live import customer_writes

require_chromium()

from playwright.sync_api import expect  # noqa: E402

PHONES = [(390, 844), (360, 640)]


def demo_login(page, dev_server) -> None:
    """Sign in; the cookie banner is answered first, so it takes no room later."""
    from leadgate.demo import DEMO_EMAIL

    log_in(page, dev_server.url, DEMO_EMAIL)
    # Password hashing on a busy 2-core machine can take a while.
    expect(page).to_have_url(re.compile(r"/inbox$"), timeout=20000)
    page.wait_for_load_state()  # styles applied before anything is measured


def open_conversation(page, dev_server, name: str) -> None:
    page.goto(f"{dev_server.url}/inbox?state=all&q={quote(name)}")
    page.locator("#list-column").get_by_role("link", name=re.compile(name)).click()
    expect(page.locator("#thread-column")).to_be_visible()
    # The page's scripts are up and its live stream is open (tests/test_browser_live).
    expect(page.locator("body[data-live=connected]")).to_be_attached()


def assert_clean(page, *regions: str) -> None:
    assert horizontal_overflow(page) == 0, page.url
    violations = axe_violations(page, include=list(regions))
    assert violations == [], format_violations(violations)


def page_scrolls(page) -> bool:
    return page.evaluate(
        "() => document.scrollingElement.scrollHeight > window.innerHeight"
    )


def contact_state(dev_server, wa_id: str) -> tuple:
    """The contact's objection and restriction, read from the dev server's database."""
    path = dev_server.log_path.parent / "leadgate.sqlite3"
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT opted_out_at IS NOT NULL, restricted_at IS NOT NULL,"
            " restricted_reason FROM contact WHERE wa_id = ?",
            (wa_id,),
        ).fetchone()


def contact_path(dev_server, wa_id: str) -> str:
    """The contact page of the contact with this WhatsApp id."""
    path = dev_server.log_path.parent / "leadgate.sqlite3"
    with sqlite3.connect(path) as connection:
        (contact_id,) = connection.execute(
            "SELECT id FROM contact WHERE wa_id = ?", (wa_id,)
        ).fetchone()
    return f"/contacts/{contact_id}"


def consent_actions(dev_server, wa_id: str) -> list[tuple]:
    path = dev_server.log_path.parent / "leadgate.sqlite3"
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT r.purpose, r.action, r.source FROM consent_record r"
            " JOIN contact c ON c.id = r.contact_id WHERE c.wa_id = ? ORDER BY r.id",
            (wa_id,),
        ).fetchall()


def test_a_desktop_shows_list_thread_and_panel_and_the_panel_collapses(
    browser, dev_server
):
    problems: list[str] = []
    context, page = new_page(browser, 1280, 800, problems)
    demo_login(page, dev_server)
    assert not page_scrolls(page)
    assert_clean(page, "#list-column")
    screenshot(page, "inbox-layout-list-1280x800")

    open_conversation(page, dev_server, "Lena Fischer")
    panel = page.locator("#team-panel")
    boxes = [
        page.locator(selector).bounding_box()
        for selector in ("#list-column", "#thread-column", "#team-panel")
    ]
    for left, right in zip(boxes, boxes[1:], strict=False):
        assert left["x"] + left["width"] <= right["x"] + 1, boxes  # side by side
    for box in boxes:  # each column runs the full height of the screen
        assert box["y"] >= 0 and box["y"] + box["height"] <= 800, boxes
        assert box["height"] > 700, boxes
    assert not page_scrolls(page)
    assert_clean(page, "#list-column", "#team-panel")
    screenshot(page, "inbox-layout-thread-panel-1280x800")

    toggle = page.locator("[data-panel-toggle]")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    wide = page.locator("#thread-column").bounding_box()["width"]
    with page.expect_response(re.compile(r"/inbox/panel$")) as remembered:
        toggle.click()
    assert remembered.value.status == 204
    expect(panel).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    assert page.locator("#thread-column").bounding_box()["width"] > wide + 200
    page.reload()  # the server remembers the choice
    expect(page.locator("#thread-column")).to_be_visible()
    expect(panel).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    assert not page_scrolls(page)
    screenshot(page, "inbox-layout-thread-collapsed-1280x800")

    with page.expect_response(re.compile(r"/inbox/panel$")):
        toggle.click()
    expect(panel).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.reload()
    expect(panel).to_be_visible()
    # The panel's own close button collapses it as well; the focus goes to the toggle.
    with page.expect_response(re.compile(r"/inbox/panel$")):
        panel.get_by_role("button", name="Kontaktleiste schließen").click()
    expect(panel).to_be_hidden()
    expect(toggle).to_be_focused()
    with page.expect_response(re.compile(r"/inbox/panel$")):
        toggle.click()
    expect(panel).to_be_visible()
    assert problems == []
    context.close()


@pytest.mark.parametrize("size", PHONES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_phone_filters_in_a_sheet_and_sees_the_filters_as_chips(
    browser, dev_server, size
):
    width, height = size
    problems: list[str] = []
    context, page = new_page(browser, width, height, problems)
    demo_login(page, dev_server)
    expect(page.locator(".filter-bar")).to_be_hidden()
    expect(page.get_by_label("Suche nach Name, Nummer oder Nachricht")).to_be_visible()
    filter_button = page.get_by_role("button", name=re.compile("^Filter"))
    sheet = page.get_by_role("dialog", name="Gespräche filtern")
    expect(sheet).to_be_hidden()
    screenshot(page, f"inbox-layout-list-{width}x{height}")

    filter_button.click()
    expect(sheet).to_be_visible()
    assert_clean(page, "#filter-sheet")
    screenshot(page, f"inbox-layout-filter-sheet-{width}x{height}")
    sheet.get_by_text("Alle Gespräche").click()
    page.keyboard.press("Escape")  # closing applies nothing
    expect(sheet).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/inbox$"))
    expect(filter_button).to_be_focused()

    filter_button.click()
    sheet.get_by_text("Alle Gespräche").click()
    sheet.get_by_label("Zuständig").select_option(label="Nicht zugewiesen")
    sheet.get_by_role("button", name="Anwenden").click()
    expect(sheet).to_be_hidden()
    expect(page).to_have_url(re.compile(r"state=all.*assignee=none"))
    chips = page.locator(".filter-chips").get_by_role("link")
    expect(chips).to_have_count(2)
    expect(filter_button).to_contain_text("2")
    rows = page.locator("#conversation-items .conversation-item")
    expect(rows.first).to_be_visible()
    assert rows.count() == rows.locator(".assignee.is-unassigned").count()
    assert_clean(page, "#list-column")

    page.get_by_role("link", name="Filter „Nicht zugewiesen“ entfernen").click()
    expect(chips).to_have_count(1)
    expect(page).not_to_have_url(re.compile("assignee="))
    expect(chips.first).to_contain_text("Alle Gespräche")
    assert not page_scrolls(page)
    assert_clean(page, "#list-column")
    screenshot(page, f"inbox-layout-filtered-{width}x{height}")
    assert problems == []
    context.close()


@pytest.mark.parametrize("size", PHONES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_phone_opens_the_panel_as_a_drawer_from_the_thread_header(
    browser, dev_server, size
):
    width, height = size
    problems: list[str] = []
    context, page = new_page(browser, width, height, problems)
    demo_login(page, dev_server)
    open_conversation(page, dev_server, "Lena Fischer")
    expect(page.locator("#list-column")).to_be_hidden()  # one screen at a time
    panel = page.locator("#team-panel")
    expect(panel).to_be_hidden()
    toggle = page.locator("#thread-column [data-panel-toggle]")
    expect(toggle).to_have_attribute("aria-expanded", "false")

    toggle.click()
    drawer = page.get_by_role("dialog", name="Kontakt")
    expect(drawer).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    close = drawer.get_by_role("button", name="Kontaktleiste schließen")
    expect(close).to_be_focused()
    page.wait_for_function(  # slid in: wholly on the screen
        "() => { const r = document.getElementById('team-panel')"
        ".getBoundingClientRect(); return r.left >= 0 && r.right <= innerWidth; }"
    )
    # Modal: nothing behind it takes the focus, Tab stays inside.
    outside = page.evaluate(
        "() => { const b = document.querySelector('.shell-menu-button'); b.focus();"
        " return document.activeElement === b; }"
    )
    assert not outside
    for _ in range(6):
        page.keyboard.press("Tab")
        inside = page.evaluate(
            "() => document.getElementById('team-panel')"
            ".contains(document.activeElement)"
        )
        assert inside
    assert not page_scrolls(page)
    assert_clean(page, "#team-panel")
    screenshot(page, f"inbox-layout-panel-drawer-{width}x{height}")

    # A confirmation inside the drawer closes first, then the drawer.
    drawer.get_by_role("button", name="Einschränken", exact=True).click()
    confirm = page.get_by_role("dialog", name=re.compile("einschränken"))
    expect(confirm).to_be_visible()
    box = confirm.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    assert abs(box["x"] + box["width"] / 2 - width / 2) < 2, box
    page.keyboard.press("Escape")
    expect(confirm).to_be_hidden()
    expect(drawer).to_be_visible()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(toggle).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "false")

    toggle.click()  # a tap beside the drawer closes it too
    expect(drawer).to_be_visible()
    page.mouse.click(8, height // 2)
    expect(panel).to_be_hidden()
    expect(toggle).to_be_focused()
    if width == 390:  # an action in the drawer: the new page shows the drawer again
        toggle.click()
        note = f"Rückruf vom Handy ({width} px)"
        drawer.get_by_label("Interne Notiz (nur für das Team)").fill(note)
        drawer.get_by_role("button", name="Notiz speichern").click()
        expect(page.locator("#thread").get_by_text(note)).to_be_attached()
        expect(drawer).to_be_visible()
        expect(close).to_be_focused()
        page.keyboard.press("Escape")
        expect(panel).to_be_hidden()
    # Back to the list from the thread header.
    page.get_by_role("link", name="Alle Gespräche").click()
    expect(page.locator("#list-column")).to_be_visible()
    assert problems == []
    context.close()


def test_the_panels_privacy_actions_ask_first_and_can_be_taken_back(
    browser, dev_server
):
    wa_id = "4915199991414"
    customer_writes(dev_server, "Frieda Fischer", wa_id, "Bitte nur per Mail")
    problems: list[str] = []
    context, page = new_page(browser, 1280, 800, problems)
    demo_login(page, dev_server)
    open_conversation(page, dev_server, "Frieda Fischer")
    panel = page.locator("#team-panel")
    privacy = panel.locator("#panel-privacy")
    expect(panel.locator(".panel-section").last).to_have_id("panel-privacy")
    assert contact_state(dev_server, wa_id) == (0, 0, None)

    # The objection: cancel changes nothing, confirm records it.
    dialog = page.get_by_role("dialog", name="Widerspruch von Frieda Fischer erfassen?")
    privacy.get_by_role("button", name="Widerspruch erfassen").click()
    expect(dialog).to_contain_text("Frieda Fischer erhält dann keine Nachrichten mehr")
    expect(dialog.get_by_role("button", name="Abbrechen")).to_be_focused()
    box = dialog.bounding_box()  # in the middle of the screen, not in the panel
    assert abs(box["x"] + box["width"] / 2 - 640) < 2, box
    assert abs(box["y"] + box["height"] / 2 - 400) < 2, box
    assert_clean(page, ".confirm-dialog[open]")
    screenshot(page, "inbox-layout-confirm-objection-1280x800")
    dialog.get_by_role("button", name="Abbrechen").click()
    expect(dialog).to_be_hidden()
    page.reload()
    assert contact_state(dev_server, wa_id) == (0, 0, None)
    privacy.get_by_role("button", name="Widerspruch erfassen").click()
    dialog.get_by_role("button", name="Widerspruch erfassen").click()
    expect(panel).to_contain_text("Hat der Verarbeitung widersprochen")
    assert contact_state(dev_server, wa_id) == (1, 0, None)

    # The restriction: its reason is asked in the dialog.
    dialog = page.get_by_role(
        "dialog", name="Verarbeitung für Frieda Fischer einschränken?"
    )
    reason = dialog.get_by_label("Grund der Einschränkung")
    privacy.get_by_role("button", name="Einschränken", exact=True).click()
    expect(dialog).to_contain_text("kann niemand im Team Frieda Fischer Nachrichten")
    reason.fill("Richtigkeit bestritten")
    dialog.get_by_role("button", name="Abbrechen").click()
    page.reload()
    assert contact_state(dev_server, wa_id) == (1, 0, None)
    privacy.get_by_role("button", name="Einschränken", exact=True).click()
    expect(reason).to_have_value("")  # a dialog opened again starts empty
    dialog.get_by_role("button", name="Einschränken", exact=True).click()
    expect(dialog).to_be_visible()  # no reason: the browser does not send it
    reason.fill("Richtigkeit bestritten")
    dialog.get_by_role("button", name="Einschränken", exact=True).click()
    expect(privacy).to_contain_text("Grund: Richtigkeit bestritten")
    assert contact_state(dev_server, wa_id) == (1, 1, "Richtigkeit bestritten")

    dialog = page.get_by_role(
        "dialog", name="Einschränkung für Frieda Fischer aufheben?"
    )
    privacy.get_by_role("button", name="Einschränkung aufheben").click()
    expect(dialog).to_contain_text("wieder Nachrichten senden")
    page.keyboard.press("Escape")
    page.reload()
    assert contact_state(dev_server, wa_id) == (1, 1, "Richtigkeit bestritten")
    privacy.get_by_role("button", name="Einschränkung aufheben").click()
    dialog.get_by_role("button", name="Einschränkung aufheben").click()
    expect(
        privacy.get_by_role("button", name="Einschränken", exact=True)
    ).to_be_visible()
    assert contact_state(dev_server, wa_id) == (1, 0, None)

    # Taken back by the owner: a ledger record, the contact page shows both.
    dialog = page.get_by_role(
        "dialog", name="Widerspruch von Frieda Fischer zurücknehmen?"
    )
    why = dialog.get_by_label("Warum war der Widerspruch ein Irrtum?")
    privacy.get_by_role("button", name="Widerspruch zurücknehmen").click()
    why.fill("Falsche Person angeklickt")
    dialog.get_by_role("button", name="Abbrechen").click()
    page.reload()
    assert contact_state(dev_server, wa_id) == (1, 0, None)
    privacy.get_by_role("button", name="Widerspruch zurücknehmen").click()
    why.fill("Falsche Person angeklickt")
    dialog.get_by_role("button", name="Widerspruch zurücknehmen").click()
    # The agent stays in the thread, which records the take-back as an event.
    expect(page).to_have_url(re.compile(r"/inbox/\d+$"))
    expect(page.locator("#thread")).to_contain_text("Widerspruch zurückgenommen")
    expect(
        privacy.get_by_role("button", name="Widerspruch erfassen", exact=True)
    ).to_be_visible()
    page.goto(dev_server.url + contact_path(dev_server, wa_id))
    history = page.locator("#consent-history")
    expect(history).to_contain_text("Widerspruch zurückgenommen")
    expect(history.locator(".consent-voided")).to_have_count(2)  # kept, marked
    assert contact_state(dev_server, wa_id) == (0, 0, None)
    actions = consent_actions(dev_server, wa_id)
    assert ("whatsapp_service", "opt_out", "agent") in actions
    assert ("whatsapp_service", "taken_back", "agent") in actions
    assert problems == []
    context.close()
