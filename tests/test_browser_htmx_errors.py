"""A failing htmx request shows the server's words, in the reader's language.

Real chromium against `leadgate dev`: the cookie banner's htmx POST is sent with
a broken CSRF token, the server answers 400, and app.js copies base.html's
server-rendered <template> into #flashes with the status code. The English text
comes from the catalog (no language lives in app.js).
"""

import pytest

from .browser_support import require_chromium

require_chromium()

from playwright.sync_api import expect  # noqa: E402


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        (
            "de-DE",
            "Das hat nicht geklappt (Fehler 400). Bitte laden Sie die Seite neu.",
        ),
        ("en-US", "That did not work (error 400). Please reload the page."),
    ],
)
def test_a_failing_htmx_request_shows_the_server_rendered_text(
    browser, dev_server, locale, text
):
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale=locale
    )
    try:
        page = context.new_page()
        page.goto(dev_server.url + "/impressum")
        banner = page.locator("#cookie-banner")
        expect(banner).to_be_visible()
        # The form field wins over the header: the server refuses this request.
        banner.locator("input[name=csrf_token]").evaluate("(el) => el.value = 'x'")
        with page.expect_response(lambda r: r.url.endswith("/cookies/consent")) as sent:
            banner.locator("button[value=accept_all]").click()
        assert sent.value.status == 400
        alert = page.locator("#flashes .flash-error[role=alert]")
        expect(alert).to_have_text(text)
        expect(banner).to_be_visible()  # nothing was swapped
    finally:
        context.close()
