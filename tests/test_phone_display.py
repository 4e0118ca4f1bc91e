"""Every number is shown internationally ("+49 170 1234567"), never broken across lines, copyable."""

import re

import pytest

from leadgate.phones import normalise, pretty

from .browser_support import new_page, require_chromium
from .inbox_support import OWNER, add_contact_conversation, make_team

NBSP, NB_HYPHEN = "\u00a0", "\u2011"


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+491701234567", "+49 170 1234567"),  # DE mobile
        ("+493012345678", "+49 30 12345678"),  # DE landline
        ("+436641234567", "+43 664 1234567"),  # AT
        ("+41791234567", "+41 79 123 45 67"),  # CH
        ("+12015550123", "+1 201-555-0123"),  # US
        ("+49 (170) 123 45 67", "+49 170 1234567"),  # Meta's display form
    ],
)
def test_a_number_is_shown_internationally_without_a_place_to_break(stored, shown):
    text = pretty(stored)
    assert text == shown.replace(" ", NBSP).replace("-", NB_HYPHEN)
    assert " " not in text and "-" not in text  # nothing a line may break at
    # What a browser copies (U+00A0 as a space) is the same number again.
    assert normalise(text.replace(NBSP, " ")) == normalise(stored)


@pytest.mark.parametrize(
    "given", ["", "hallo", "0170 1234567", "+4912", "4917012345", "+99 123"]
)
def test_what_is_not_an_international_number_is_shown_as_given(given):
    assert pretty(given) == given
    assert pretty(None) == ""


def test_the_inbox_and_the_contact_list_show_the_number_formatted(app, client, auth):
    team = make_team(app)
    _, conversation_id = add_contact_conversation(app, team, "+491701234567")
    auth.login(OWNER)
    shown = f'<span class="phone-number">+49{NBSP}170{NBSP}1234567</span>'
    thread = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    row = re.search(rf'<li id="conversation-{conversation_id}".*?</li>', thread, re.S)
    assert shown in row.group(0)  # the list row: the contact's name is its number
    header = rf"<h1[^>]*>\s*{re.escape(shown)}\s*</h1>"
    assert re.search(header, thread)  # the thread header
    panel = thread[thread.index('class="team-panel') :]
    assert panel.count(shown) >= 2  # the panel's name and its number
    assert "+491701234567" not in thread and "491701234567" not in thread
    contacts = client.get("/contacts").get_data(as_text=True)
    assert contacts.count(shown) == 2  # as the name and as the number
    assert "+491701234567" not in contacts


@pytest.fixture
def chromium(request):
    """The session's browser, or a skip where Debian's chromium is missing."""
    require_chromium()
    return request.getfixturevalue("browser")


def test_a_browser_keeps_the_number_on_one_line_and_copies_it(chromium, dev_server):
    from leadgate.demo import DEMO_EMAIL

    from .browser_support import log_in
    from .test_browser_live import customer_writes

    customer_writes(dev_server, "Nora Nummer", "4917630000017", "Hallo")
    problems: list[str] = []
    context, page = new_page(chromium, 360, 740, problems)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, dev_server.url, DEMO_EMAIL)
    page.goto(dev_server.url + "/contacts?q=Nora")
    number = page.locator("#contact-list").get_by_text("+49\u00a0176\u00a030000017")
    number.wait_for()
    # Squeezed to 1 px, the number still takes one line (one row of boxes).
    lines = number.evaluate(
        """(el) => {
            el.parentElement.style.width = "1px";
            const range = document.createRange();
            range.selectNodeContents(el);
            return new Set([...range.getClientRects()].map((r) => r.top)).size;
        }"""
    )
    assert lines == 1
    number.evaluate(
        """(el) => {
            const range = document.createRange();
            range.selectNodeContents(el);
            getSelection().removeAllRanges();
            getSelection().addRange(range);
        }"""
    )
    page.keyboard.press("Control+C")
    assert page.evaluate("navigator.clipboard.readText()") == "+49 176 30000017"
    assert problems == []
    context.close()
