"""In a real browser: outside business hours the Kundenhandy gets the away reply once.

The demo number is lent to a round robin team of its own (tests/routing's
`lent_number`), whose business hours are closed all week; the demo's away
reply is switched on for the test (the dev server starts with it off, so other
tests count only their own messages) and everything is put back afterwards.
A person writes twice from the emulator's phone page; the phone shows one
answer, and the agent's thread says it was sent automatically.
"""

import pytest
from sqlalchemy import select, update

from leadgate.extensions import db
from leadgate.models import AutoReplySettings, BusinessHours, Channel

from .browser_pages_support import dev_database, unique
from .browser_support import (
    assert_fits_width,
    axe_violations,
    format_violations,
    log_in,
    new_page,
    require_chromium,
    wait_until_wired,
)
from .routing.test_browser_assignment import lent_number  # noqa: F401 (fixture)

require_chromium()

from playwright.sync_api import expect  # noqa: E402

AWAY = "Wir sind gerade nicht da und antworten {next_opening}."


@pytest.fixture
def closed_team(dev_server, lent_number):  # noqa: F811 (the fixture above)
    """The lent team closed all week, the workspace's away reply on."""
    with dev_database(dev_server) as app, app.app_context():
        channel = db.session.scalar(
            select(Channel).where(Channel.team_id == lent_number.team_id)
        )
        hours = BusinessHours(
            workspace_id=channel.workspace_id, team_id=lent_number.team_id, week={}
        )
        db.session.add(hours)
        settings = db.session.scalar(
            select(AutoReplySettings).where(
                AutoReplySettings.workspace_id == channel.workspace_id
            )
        )
        before = (settings.away_on, settings.welcome_on, settings.away_text)
        settings.away_on, settings.welcome_on, settings.away_text = True, False, AWAY
        db.session.commit()
        ids = (hours.id, settings.id)
    try:
        yield lent_number
    finally:
        with dev_database(dev_server) as app, app.app_context():
            db.session.delete(db.session.get(BusinessHours, ids[0]))
            db.session.execute(
                update(AutoReplySettings)
                .where(AutoReplySettings.id == ids[1])
                .values(away_on=before[0], welcome_on=before[1], away_text=before[2])
            )
            db.session.commit()


def write(phone, text: str) -> None:
    phone.get_by_label("Nachricht").fill(text)
    phone.get_by_role("button", name="Senden", exact=True).click()
    expect(phone.locator(".bubble-me .bubble-text").last).to_have_text(text)


def test_the_kundenhandy_gets_the_away_reply_once(browser, dev_server, closed_team):
    from leadgate.demo import DEMO_EMAIL

    problems: list[str] = []
    context, phone = new_page(browser, 390, 844, problems)
    name, number = unique("Abend Anna"), "4915177799901"
    phone.goto(f"{dev_server.url}/_emulator/phone?name={name}&wa_id={number}")
    write(phone, "Hallo, ist noch jemand da?")
    answers = phone.locator(".bubble-business .bubble-text")
    expect(answers).to_have_count(1, timeout=15000)
    expect(answers.first).to_contain_text("Wir sind gerade nicht da und antworten")
    write(phone, "Ich warte gern.")
    phone.wait_for_timeout(3000)  # a second reply would have come by now
    phone.reload()
    expect(phone.locator(".bubble-me")).to_have_count(2)
    expect(answers).to_have_count(1)
    # The agent sees which message LeadGate sent by itself, in the thread.
    agent_context, inbox = new_page(browser, 390, 844, problems)
    log_in(inbox, dev_server.url, DEMO_EMAIL)
    inbox.goto(f"{dev_server.url}/inbox?q={number}")
    inbox.locator("#conversation-items a").first.click()
    wait_until_wired(inbox)
    thread = inbox.locator("#thread")
    expect(thread.get_by_text("Automatisch gesendet: Abwesenheitsnotiz")).to_have_count(
        1
    )
    assert_fits_width(inbox)
    violations = axe_violations(inbox)
    assert violations == [], format_violations(violations)
    assert problems == []
    agent_context.close()
    context.close()
