"""Two-factor login in a real browser against `leadgate dev`: set up, then sign in twice.

The authenticator app is pyotp, fed the secret the setup page shows as text.
"""

import os
import re
import subprocess
import time

import pyotp

from .browser_support import (
    ARTIFACTS,
    accept_cookies,
    assert_fits_width,
    new_page,
    open_menu,
    require_chromium,
)
from .live import BIN

require_chromium()

from playwright.sync_api import expect  # noqa: E402

EMAIL = "zora@example.com"
PASSWORD = "korrekt Pferd Batterie Heftklammer"


def create_user(dev_server) -> None:
    """A user of her own: the demo login stays as other browser tests expect it."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}
    }
    env["LEADGATE_INSTANCE_DIR"] = str(dev_server.log_path.parent)
    subprocess.run(
        [BIN / "leadgate", "create-user", "--email", EMAIL, "--name", "Zora Zweifach"]
        + ["--password", PASSWORD, "--workspace", "Zweifach GmbH"],
        env=env,
        check=True,
        capture_output=True,
    )


def enter_password(page, url: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("E-Mail-Adresse").fill(EMAIL)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(re.compile(r"/login/code$"))
    assert_fits_width(page)


def enter_code(page, code: str) -> None:
    page.get_by_label(
        "Code aus der Authenticator-App oder Wiederherstellungscode"
    ).fill(code)
    page.get_by_role("button", name="Bestätigen").click()
    expect(page).to_have_url(re.compile(r"/inbox$"))


def log_out(page) -> None:
    open_menu(page)  # a 360 px phone: "Abmelden" is in the navigation drawer
    page.get_by_role("button", name="Abmelden", exact=True).click()
    expect(page.get_by_text("Sie sind abgemeldet.")).to_be_visible()


def test_set_up_then_log_in_with_a_code_and_with_a_recovery_code(browser, dev_server):
    create_user(dev_server)
    problems: list[str] = []
    context, page = new_page(browser, 360, 740, problems)
    page.goto(dev_server.url + "/login")
    accept_cookies(page)
    page.get_by_label("E-Mail-Adresse").fill(EMAIL)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(re.compile(r"/inbox$"))  # no second step yet

    page.goto(dev_server.url + "/account")
    page.get_by_role("link", name="Zwei-Faktor-Anmeldung einrichten").click()
    qr = page.get_by_role("img", name="QR-Code für Ihre Authenticator-App")
    expect(qr).to_be_visible()
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0")
    assert_fits_width(page)
    page.screenshot(path=str(ARTIFACTS / "two-factor-setup-360.png"), full_page=True)
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    app = pyotp.TOTP(secret)
    page.get_by_label("Code aus der App").fill(app.now())
    page.get_by_label("Aktuelles Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Einschalten").click()
    expect(
        page.get_by_role("heading", name="Ihre Wiederherstellungscodes")
    ).to_be_visible()
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    assert_fits_width(page)
    page.get_by_role("link", name="Ich habe die Codes gespeichert").click()
    expect(page.locator("#two-factor")).to_contain_text("Eingeschaltet")
    assert_fits_width(page)
    page.screenshot(path=str(ARTIFACTS / "account-two-factor-360.png"), full_page=True)
    log_out(page)

    enter_password(page, dev_server.url)
    # The setup used this half-minute's code; an app shows the next one soon after.
    enter_code(page, app.at(time.time() + 30))
    log_out(page)

    enter_password(page, dev_server.url)
    enter_code(page, codes[0])
    page.goto(dev_server.url + "/account")
    expect(page.locator("#two-factor")).to_contain_text("Noch 9 unbenutzte")
    activity = page.locator("#activity")
    expect(activity).to_contain_text("Wiederherstellungscode benutzt")
    expect(activity).to_contain_text("Code bestätigt")
    assert problems == []
    context.close()
