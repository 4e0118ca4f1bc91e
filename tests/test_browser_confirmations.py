"""Consequential actions outside the inbox ask first, in a real browser (issue 14).

Each dialog names the consequence with the person's name; "Abbrechen" (or
Escape) changes nothing, which the test reads back from the live server's
database; the confirm button does it. Every test works in workspaces of its
own (tests/browser_pages_support.py), so the demo workspace stays as seeded.
"""

import re

import pytest
from sqlalchemy import select

from leadgate.extensions import db
from leadgate.models import (
    ConsentRecord,
    Contact,
    Membership,
    Role,
    User,
    Workspace,
)

from .browser_pages_support import contact, dev_database, person, signed_in_page
from .browser_support import (
    ARTIFACTS,
    axe_violations,
    format_violations,
    require_chromium,
    screenshot,
    wait_until_wired,
)
from .support import PASSWORD

require_chromium()

from playwright.sync_api import expect  # noqa: E402


@pytest.fixture(scope="module")
def dev_db(dev_server):
    with dev_database(dev_server) as app:
        yield app


def read_all(app, model, **filters) -> list:
    with app.app_context():
        rows = db.session.scalars(select(model).filter_by(**filters)).all()
        db.session.expunge_all()
        return rows


def read(app, model, **filters):
    """The row as the server's database has it now (a fresh session)."""
    with app.app_context():
        row = db.session.scalars(select(model).filter_by(**filters)).one_or_none()
        if row is not None:
            db.session.expunge(row)
        return row


def ask(page, opener, title: str, consequence: str):
    """Open the dialog: its title, the consequence in words, "Abbrechen" focused."""
    opener.click()
    dialog = page.get_by_role("dialog", name=title)
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(consequence)
    expect(dialog.get_by_role("button", name="Abbrechen")).to_be_focused()
    box, width = dialog.bounding_box(), page.viewport_size["width"]
    assert abs(box["x"] - (width - box["x"] - box["width"])) <= 2, box  # centred
    violations = axe_violations(page, include=[".confirm-dialog[open]"])
    assert violations == [], format_violations(violations)
    return dialog


def cancel(page, dialog, how: str = "button") -> None:
    if how == "escape":
        page.keyboard.press("Escape")
    else:
        dialog.get_by_role("button", name="Abbrechen").click()
    expect(dialog).to_be_hidden()


def test_an_objection_asks_first_and_is_taken_back_with_a_record(
    browser, dev_server, dev_db
):
    with dev_db.app_context():
        owner = person("Olga Ohm")
        workspace = owner.memberships[0].workspace
        frieda = contact(workspace, "Frieda Fischer", "+4915112345601")
        db.session.commit()
        email, contact_id = owner.email, frieda.id
    context, page, problems = signed_in_page(browser, dev_server, email)
    page.goto(f"{dev_server.url}/contacts/{contact_id}")
    privacy = page.locator("#privacy")
    record = privacy.get_by_role("button", name="Widerspruch erfassen …")
    title = "Widerspruch für Frieda Fischer erfassen?"
    consequence = "Frieda Fischer erhält dann keine Nachrichten mehr"

    cancel(page, ask(page, record, title, consequence))
    cancel(page, ask(page, record, title, consequence), how="escape")
    page.reload()
    assert read(dev_db, Contact, id=contact_id).opted_out_at is None
    assert read(dev_db, ConsentRecord, contact_id=contact_id) is None

    dialog = ask(page, record, title, consequence)
    screenshot(page, "confirm-objection-1280x800")
    dialog.get_by_role("button", name="Widerspruch erfassen", exact=True).click()
    expect(page.locator("#flashes")).to_contain_text("Der Widerspruch ist erfasst")
    assert read(dev_db, Contact, id=contact_id).opted_out_at is not None
    wait_until_wired(page)  # the page the form loaded, before its next dialog

    # Taken back: the reason is asked on the page, the dialog names what follows.
    privacy.get_by_text("Irrtümlich erfasst? Zurücknehmen …").click()
    page.get_by_label("Warum war der Widerspruch ein Irrtum?").fill("Falsch geklickt")
    withdraw = privacy.get_by_role("button", name="Widerspruch zurücknehmen …")
    title = "Widerspruch für Frieda Fischer zurücknehmen?"
    again = "Frieda Fischer kann danach wieder Nachrichten erhalten"
    cancel(page, ask(page, withdraw, title, again))
    assert read(dev_db, Contact, id=contact_id).opted_out_at is not None

    dialog = ask(page, withdraw, title, again)
    dialog.get_by_role("button", name="Widerspruch zurücknehmen", exact=True).click()
    expect(page.locator("#flashes")).to_contain_text("Widerspruch ist zurückgenommen")
    assert read(dev_db, Contact, id=contact_id).opted_out_at is None
    taken = read_all(dev_db, ConsentRecord, contact_id=contact_id, action="taken_back")
    assert len(taken) == 2  # one per purpose the objection stopped
    assert {t.wording for t in taken} == {"Falsch geklickt"}
    assert None not in {t.recorded_by_id for t in taken}
    # The history shows both: the objection (taken back) and the take-back.
    history = page.locator("#consent-history")
    expect(history.locator(".consent-voided")).to_have_count(2)
    expect(history).to_contain_text("Falsch geklickt")
    assert problems == []
    context.close()


def test_restriction_and_lifting_ask_first(browser, dev_server, dev_db):
    with dev_db.app_context():
        owner = person("Rita Rest")
        workspace = owner.memberships[0].workspace
        rolf = contact(workspace, "Rolf Rast", "+4915112345602")
        db.session.commit()
        email, contact_id = owner.email, rolf.id
    context, page, problems = signed_in_page(browser, dev_server, email, (360, 640))
    page.goto(f"{dev_server.url}/contacts/{contact_id}")
    restrict = page.get_by_role("button", name="Verarbeitung einschränken …")
    title = "Verarbeitung für Rolf Rast einschränken?"
    consequence = "Rolf Rast erhält dann keine Nachrichten mehr und fehlt in Exporten"
    dialog = ask(page, restrict, title, consequence)
    dialog.get_by_label("Grund").fill("Richtigkeit bestritten")
    cancel(page, dialog)
    page.reload()
    assert read(dev_db, Contact, id=contact_id).restricted_at is None

    dialog = ask(page, restrict, title, consequence)
    expect(dialog.get_by_label("Grund")).to_have_value("")  # opened again: empty
    dialog.get_by_label("Grund").fill("Richtigkeit bestritten")
    screenshot(page, "confirm-restriction-360x640")
    dialog.get_by_role("button", name="Einschränken", exact=True).click()
    expect(page.locator("#restriction-banner")).to_contain_text(
        "Richtigkeit bestritten"
    )
    assert read(dev_db, Contact, id=contact_id).restricted_reason == (
        "Richtigkeit bestritten"
    )
    # The confirmed form loaded the contact page anew: its script must be running
    # before the next button opens anything (a busy CI machine clicked too early).
    wait_until_wired(page)

    lift = page.get_by_role("button", name="Einschränkung aufheben …")
    title = "Einschränkung für Rolf Rast aufheben?"
    consequence = "Rolf Rast kann dann wieder angeschrieben werden"
    cancel(page, ask(page, lift, title, consequence))
    assert read(dev_db, Contact, id=contact_id).restricted_at is not None
    dialog = ask(page, lift, title, consequence)
    dialog.get_by_role("button", name="Einschränkung aufheben", exact=True).click()
    expect(page.locator("#restriction-banner")).to_have_count(0)
    assert read(dev_db, Contact, id=contact_id).restricted_at is None
    assert problems == []
    context.close()


def test_a_merge_names_both_contacts_and_asks_first(browser, dev_server, dev_db):
    with dev_db.app_context():
        owner = person("Mia Merge")
        workspace = owner.memberships[0].workspace
        kept = contact(workspace, "Frieda Fischer", "+4915112345603")
        other = contact(
            workspace, "Frieda F.", "+4915112345603", wa_id=None, bsuid="DE.frieda"
        )
        db.session.commit()
        email, kept_id, other_id = owner.email, kept.id, other.id
    context, page, problems = signed_in_page(browser, dev_server, email)
    page.goto(f"{dev_server.url}/contacts/{kept_id}")
    merge = page.locator("#duplicates").get_by_role(
        "button", name="Hierher zusammenführen Frieda F."
    )
    title = "Frieda F. mit Frieda Fischer zusammenführen?"
    consequence = "Frieda F. wird danach gelöscht"
    dialog = ask(page, merge, title, consequence)
    expect(dialog).to_contain_text("Gespräche über dieselbe Nummer werden zu einem")
    cancel(page, dialog)
    page.reload()
    assert read(dev_db, Contact, id=other_id) is not None

    dialog = ask(page, merge, title, consequence)
    screenshot(page, "confirm-merge-1280x800")
    dialog.get_by_role("button", name="Zusammenführen", exact=True).click()
    expect(page.locator("#flashes")).to_contain_text("zusammengeführt")
    expect(page.locator("#duplicates")).to_have_count(0)
    assert read(dev_db, Contact, id=other_id) is None
    assert read(dev_db, Contact, id=kept_id) is not None
    assert problems == []
    context.close()


def test_erasure_wants_the_word_in_capitals(browser, dev_server, dev_db):
    with dev_db.app_context():
        owner = person("Erna Erase")
        workspace = owner.memberships[0].workspace
        erik = contact(workspace, "Erik Ende", "+4915112345604")
        db.session.commit()
        email, contact_id = owner.email, erik.id
    context, page, problems = signed_in_page(browser, dev_server, email, (390, 844))
    page.goto(f"{dev_server.url}/contacts/{contact_id}")
    erase = page.get_by_role("button", name="Kontakt löschen …")
    title = "Erik Ende endgültig löschen?"
    consequence = "Das kann nicht rückgängig gemacht werden"
    dialog = ask(page, erase, title, consequence)
    expect(dialog).to_contain_text("„löschen“ genügt nicht")
    word = dialog.get_by_label("Zur Bestätigung LÖSCHEN eingeben")
    word.fill("löschen")
    confirm = dialog.get_by_role("button", name="Endgültig löschen")
    confirm.click()
    expect(dialog).to_be_visible()  # the browser refuses the lower-case word
    assert word.evaluate("(field) => field.validity.patternMismatch")
    cancel(page, dialog)
    page.reload()
    assert read(dev_db, Contact, id=contact_id) is not None

    dialog = ask(page, erase, title, consequence)
    word.fill("LÖSCHEN")
    screenshot(page, "confirm-erasure-390x844")
    confirm.click()
    expect(page).to_have_url(re.compile(r"/contacts$"))
    expect(page.locator("#flashes")).to_contain_text("wurden gelöscht")
    assert read(dev_db, Contact, id=contact_id) is None
    assert problems == []
    context.close()


def test_a_declaration_names_what_the_chosen_purpose_does(browser, dev_server, dev_db):
    with dev_db.app_context():
        owner = person("Clara Consent")
        workspace = owner.memberships[0].workspace
        carl = contact(workspace, "Carl Claus", "+4915112345605")
        db.session.commit()
        email, contact_id = owner.email, carl.id
    context, page, problems = signed_in_page(browser, dev_server, email)
    page.goto(f"{dev_server.url}/contacts/{contact_id}")
    page.get_by_text("Erklärung erfassen").click()
    page.get_by_label("Zweck").select_option("whatsapp_service")
    page.get_by_label("Erklärung", exact=True).select_option("opt_out")
    page.get_by_label("Wortlaut").fill("Bitte keine Nachrichten mehr.")
    page.get_by_label("Wie und wann erteilt").fill("Telefonat heute")
    record = page.get_by_role("button", name="Festhalten …")
    title = "Erklärung für Carl Claus festhalten?"
    stops = "Carl Claus erhält dann keine Nachrichten mehr, wie nach einem Widerspruch"
    dialog = ask(page, record, title, stops)
    expect(dialog.get_by_text("kann dann Angebote")).to_be_hidden()
    cancel(page, dialog)
    assert read(dev_db, ConsentRecord, contact_id=contact_id) is None

    page.get_by_label("Zweck").select_option("whatsapp_marketing")
    page.get_by_label("Erklärung", exact=True).select_option("opt_in")
    offers = "Carl Claus kann dann Angebote und Werbung per WhatsApp erhalten"
    dialog = ask(page, record, title, offers)
    expect(dialog.get_by_text(stops)).to_be_hidden()
    dialog.get_by_role("button", name="Festhalten", exact=True).click()
    expect(page.locator("#flashes")).to_contain_text("im Einwilligungsnachweis")
    saved = read(dev_db, ConsentRecord, contact_id=contact_id)
    assert (saved.purpose, saved.action) == ("whatsapp_marketing", "opt_in")
    assert problems == []
    context.close()


def test_a_role_changes_only_after_the_dialog(browser, dev_server, dev_db):
    with dev_db.app_context():
        owner = person("Olga Owner")
        workspace = owner.memberships[0].workspace
        max_ = person("Max Muster", workspace, Role.AGENT)
        db.session.commit()
        email, max_id = owner.email, max_.id
    context, page, problems = signed_in_page(browser, dev_server, email)
    page.goto(dev_server.url + "/settings/members")
    row = page.locator("#team .member", has_text="Max Muster")
    row.get_by_label("Rolle von Max Muster", exact=True).select_option("admin")
    page.wait_for_timeout(500)  # long enough for a request that should not come
    assert read(dev_db, Membership, user_id=max_id).role == Role.AGENT

    change = row.get_by_role("button", name="Rolle ändern Max Muster")
    title = "Rolle von Max Muster ändern?"
    consequence = "Max Muster kann dann Einstellungen und Mitglieder verwalten."
    dialog = ask(page, change, title, consequence)
    expect(dialog.get_by_text("nur noch Gespräche")).to_be_hidden()
    cancel(page, dialog)
    page.reload()
    assert read(dev_db, Membership, user_id=max_id).role == Role.AGENT

    row.get_by_label("Rolle von Max Muster", exact=True).select_option("admin")
    dialog = ask(page, change, title, consequence)
    # Playwright hides the caret with a style that the page's CSP then reports
    # once htmx settles the swapped elements: leave the caret as it is.
    page.screenshot(path=ARTIFACTS / "confirm-role-1280x800.png", caret="initial")
    dialog.get_by_role("button", name="Rolle ändern", exact=True).click()
    flashes = page.locator("#flashes")
    expect(flashes).to_contain_text("Die Rolle von Max Muster wurde geändert.")
    expect(flashes).to_have_count(1)  # the team's swap fills the page's one region
    assert read(dev_db, Membership, user_id=max_id).role == Role.ADMIN
    expect(row.get_by_label("Rolle von Max Muster", exact=True)).to_have_value("admin")
    assert problems == []
    context.close()


def test_switching_and_leaving_a_workspace(browser, dev_server, dev_db):
    """The switcher waits for its button (WCAG 3.2.2); leaving loads a whole page."""
    with dev_db.app_context():
        olga = person("Lea Leave")
        other_owner = person("Fritz Fremd")
        elsewhere = other_owner.memberships[0].workspace
        db.session.add(Membership(workspace=elsewhere, user=olga, role=Role.ADMIN))
        db.session.commit()
        email, olga_id, elsewhere_id = olga.email, olga.id, elsewhere.id
    context, page, problems = signed_in_page(browser, dev_server, email)
    page.goto(dev_server.url + "/settings/members")
    head = page.locator(".page-head")
    expect(head).to_contain_text("Lea Leave GmbH")
    switcher = page.get_by_label("Workspace wechseln")
    switcher.select_option(label="Fritz Fremd GmbH")
    page.wait_for_timeout(500)
    expect(page).to_have_url(re.compile(r"/settings/members$"))
    page.reload()
    expect(head).to_contain_text("Lea Leave GmbH")  # choosing alone changed nothing

    switcher.select_option(label="Fritz Fremd GmbH")
    page.get_by_role("button", name="Wechseln").click()
    expect(page).to_have_url(re.compile(r"/inbox$"))
    page.goto(dev_server.url + "/settings/members")
    expect(head).to_contain_text("Fritz Fremd GmbH")

    leave = page.locator("#team .member", has_text="Lea Leave").get_by_role(
        "button", name="Entfernen"
    )
    dialog = ask(page, leave, "Diesen Workspace verlassen?", "Sie verlieren sofort")
    dialog.get_by_role("button", name="Entfernen", exact=True).click()
    # HX-Redirect: the browser loads the inbox as a page, not inside #team.
    expect(page).to_have_url(re.compile(r"/inbox$"))
    expect(page.locator("#team")).to_have_count(0)
    expect(page.locator("#flashes")).to_have_count(1)
    expect(page.locator("#flashes")).to_contain_text("aus dem Workspace entfernt")
    assert read(dev_db, Membership, user_id=olga_id, workspace_id=elsewhere_id) is None
    assert problems == []
    context.close()


def test_ownership_transfer_names_the_new_owner(browser, dev_server, dev_db):
    with dev_db.app_context():
        tara = person("Tara Transfer")
        workspace = tara.memberships[0].workspace
        person("Anton Agent", workspace, Role.AGENT)
        bea = person("Bea Neu", workspace, Role.AGENT)
        db.session.commit()
        email, tara_id, bea_id = tara.email, tara.id, bea.id
        bea_label = f"{bea.name} ({bea.email})"
        workspace_name = workspace.name
    context, page, problems = signed_in_page(browser, dev_server, email, (360, 640))
    page.goto(dev_server.url + "/settings/workspace/transfer")
    page.get_by_label("Neuer Inhaber").select_option(label=bea_label)
    page.get_by_label("Ihr Passwort").fill(PASSWORD)
    transfer = page.get_by_role("button", name="Inhaberschaft übertragen …")
    title = "Inhaberschaft übertragen?"
    consequence = f"{bea_label} wird Inhaber"
    dialog = ask(page, transfer, title, consequence)
    expect(dialog).to_contain_text(f"wird Inhaber von „{workspace_name}“")
    expect(dialog.get_by_text("Anton Agent")).to_be_hidden()
    cancel(page, dialog)
    assert read(dev_db, Membership, user_id=tara_id).role == Role.OWNER

    dialog = ask(page, transfer, title, consequence)
    screenshot(page, "confirm-transfer-360x640")
    dialog.get_by_role("button", name="Inhaberschaft übertragen", exact=True).click()
    expect(page.locator("#flashes")).to_contain_text("Bea Neu")
    assert read(dev_db, Membership, user_id=bea_id).role == Role.OWNER
    assert read(dev_db, Membership, user_id=tara_id).role == Role.ADMIN
    assert problems == []
    context.close()


def test_deleting_the_workspace_and_then_the_account_ask_first(
    browser, dev_server, dev_db
):
    with dev_db.app_context():
        dora = person("Dora Delete")
        workspace = dora.memberships[0].workspace
        db.session.commit()
        email, dora_id, workspace_id = dora.email, dora.id, workspace.id
    context, page, problems = signed_in_page(browser, dev_server, email)
    page.goto(dev_server.url + "/settings/workspace/delete")
    page.get_by_label("Name des Workspace").fill("Dora Delete GmbH")
    page.get_by_label("Ihr Passwort").fill(PASSWORD)
    delete = page.get_by_role("button", name="Workspace endgültig löschen …")
    title = "„Dora Delete GmbH“ endgültig löschen?"
    consequence = "das ganze Team verliert den Zugang"
    cancel(page, ask(page, delete, title, consequence))
    assert read(dev_db, Workspace, id=workspace_id) is not None
    dialog = ask(page, delete, title, consequence)
    dialog.get_by_role("button", name="Workspace löschen", exact=True).click()
    expect(page.locator("#flashes")).to_contain_text("gelöscht")
    assert read(dev_db, Workspace, id=workspace_id) is None

    page.goto(dev_server.url + "/account/delete")
    page.get_by_label("Ihr Passwort").fill(PASSWORD)
    delete = page.get_by_role("button", name="Konto endgültig löschen …")
    title = "Ihr Konto endgültig löschen?"
    consequence = f"Ihr Konto {email} wird sofort gelöscht"
    cancel(page, ask(page, delete, title, consequence))
    assert read(dev_db, User, id=dora_id).deleted_at is None
    dialog = ask(page, delete, title, consequence)
    screenshot(page, "confirm-account-delete-1280x800")
    dialog.get_by_role("button", name="Konto löschen", exact=True).click()
    expect(page).to_have_url(dev_server.url + "/")
    expect(page.locator("#flashes")).to_contain_text("Ihr Konto wurde gelöscht.")
    assert read(dev_db, User, id=dora_id).deleted_at is not None
    assert problems == []
    context.close()
