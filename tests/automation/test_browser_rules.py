"""The rule form in a real browser (`leadgate dev`): rows added and removed with htmx,
the focus where the eye is, axe clean at 360 px after each swap, and a saved rule
that the list can switch off and move. A workspace of its own, so the demo's
rules stay as seeded."""

import re

import pytest
from sqlalchemy import select

from leadgate.extensions import db
from leadgate.models import Label, Rule, Team

from ..browser_pages_support import dev_database, person, signed_in_page
from ..browser_support import (
    axe_violations,
    format_violations,
    horizontal_overflow,
    require_chromium,
    screenshot,
    wait_until_wired,
)

require_chromium()

from playwright.sync_api import expect  # noqa: E402


@pytest.fixture
def owner(dev_server) -> tuple[str, int]:
    with dev_database(dev_server) as app, app.app_context():
        user = person("Regula Regel")
        workspace_id = user.memberships[0].workspace_id
        db.session.add_all(
            [
                Label(workspace_id=workspace_id, name="Bewerbung"),
                Team(workspace_id=workspace_id, name="Recruiting"),
            ]
        )
        db.session.commit()
        return user.email, workspace_id


def rules_of(dev_server, workspace_id: int) -> list[Rule]:
    with dev_database(dev_server) as app, app.app_context():
        rows = db.session.scalars(
            select(Rule).where(Rule.workspace_id == workspace_id)
        ).all()
        db.session.expunge_all()
        return list(rows)


def clean(page) -> None:
    assert horizontal_overflow(page) == 0
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)


def test_a_rule_is_built_row_by_row_and_saved(browser, dev_server, owner):
    email, workspace_id = owner
    context, page, problems = signed_in_page(
        browser, dev_server, email, size=(360, 740)
    )
    page.goto(dev_server.url + "/settings/automations/new")
    wait_until_wired(page)
    page.get_by_label("Name der Automation").fill("Browser-Regel")
    page.get_by_label("Bedingung hinzufügen", exact=True).select_option("text_contains")
    page.get_by_role("button", name="Bedingung hinzufügen").click()
    words = page.get_by_label("Wörter (mit Komma getrennt, eines genügt)")
    expect(words).to_be_focused()  # the new row's field
    words.fill("Bewerbung")
    page.get_by_label("Aktion hinzufügen", exact=True).select_option("add_label")
    page.get_by_role("button", name="Aktion hinzufügen").click()
    expect(page.get_by_role("group", name="Aktion 1: Label hinzufügen")).to_be_visible()
    page.get_by_label("Aktion hinzufügen", exact=True).select_option("assign_team")
    page.get_by_role("button", name="Aktion hinzufügen").click()
    expect(words).to_have_value("Bewerbung")  # what was typed stays
    clean(page)
    screenshot(page, "automation-form-360", full_page=True)
    page.get_by_role("button", name="Aktion 2 entfernen").click()
    expect(page.get_by_label("Aktion hinzufügen", exact=True)).to_be_focused()
    expect(page.get_by_role("group", name=re.compile("Aktion 2"))).to_have_count(0)
    page.get_by_role("button", name="Ausprobieren").click()
    expect(page.get_by_role("heading", name="Was wäre passiert?")).to_be_visible()
    clean(page)
    page.get_by_role("button", name="Speichern").click()
    expect(page).to_have_url(re.compile(r"/settings/automations/\d+$"))
    expect(page.get_by_text("Automation „Browser-Regel“ gespeichert.")).to_be_visible()
    wait_until_wired(page)  # measured once the new page has loaded and settled
    clean(page)
    [rule] = rules_of(dev_server, workspace_id)
    assert rule.conditions == [{"kind": "text_contains", "words": "Bewerbung"}]
    assert [a["kind"] for a in rule.actions] == ["add_label"]

    page.goto(dev_server.url + "/settings/automations")
    wait_until_wired(page)
    switch = page.get_by_role("switch", name=re.compile("Browser-Regel"))
    expect(switch).to_have_attribute("aria-checked", "true")
    switch.click()
    switch = page.get_by_role("switch", name=re.compile("Browser-Regel"))
    expect(switch).to_have_attribute("aria-checked", "false")
    expect(switch).to_be_focused()  # htmx swapped the list, the focus stayed
    clean(page)
    assert rules_of(dev_server, workspace_id)[0].enabled is False
    assert problems == []
    context.close()
