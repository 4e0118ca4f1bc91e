"""The audit trail reads as sentences, in German and English, linking only what exists."""

import ast
import re
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from leadgate import audit
from leadgate.consent import ledger
from leadgate.extensions import db
from leadgate.models import AuditEvent, Contact, User, utcnow
from leadgate.privacy import audit_text
from leadgate.privacy.erasure import erase_contact
from leadgate.privacy.retention.purge import COUNTS, SETTINGS

from .inbox_support import OWNER, counted_queries, make_team
from .support import make_user, workspace_of

SOURCE = Path(__file__).resolve().parents[1] / "leadgate"
# Stored words that must never reach the page.
RAW = (
    "True",
    "False",
    "None",
    "[]",
    "%(",
    "opt_in",
    "opt_out",
    "whatsapp_marketing",
    "contactimport",
    "membership",
    "_days",
    "suppressed",
    "filters",
    "user_id",
    "merged_id",
)


def recorded_actions() -> list[tuple[str, str]]:
    """(file, action pattern) of every audit.record call in the code."""
    found = []
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
            ):
                continue
            action = node.args[1]
            if isinstance(action, ast.Constant):
                pattern = re.escape(action.value)
            else:  # an f-string: its fixed parts, anything between them
                pattern = "".join(
                    re.escape(part.value) if isinstance(part, ast.Constant) else ".+"
                    for part in action.values
                )
            found.append((path.name, pattern))
    return found


def test_every_action_the_code_records_has_a_sentence(app):
    recorded = recorded_actions()
    assert len(recorded) >= 25  # the scan finds the calls (none silently skipped)
    for name, pattern in recorded:
        assert any(re.fullmatch(pattern, action) for action in audit.ACTIONS), (
            f"{name}: {pattern} is recorded but has no sentence in audit.ACTIONS"
        )
    with app.test_request_context():
        assert audit_text.unworded() == []


def test_the_registry_knows_every_purge_count_and_retention_setting():
    assert set(COUNTS) <= set(audit.PURGED)
    assert audit.RETENTION == SETTINGS


def test_an_action_whose_detail_has_no_words_is_caught(app, monkeypatch):
    broken = audit.Action(
        audit.ACTIONS["contact.exported"].label,
        audit.ACTIONS["contact.exported"].sentence,
        ("messages", "no_words_for_this"),
    )
    monkeypatch.setitem(audit.ACTIONS, "contact.exported", broken)
    with app.test_request_context():
        assert audit_text.unworded() == ["contact.exported"]


SAMPLES = {
    "contact.exported": {"via": "cli", "consents": 2, "messages": 14, "files": 1},
    "contact.erased": {
        "conversations": 1,
        "messages": 3,
        "notes": 0,
        "consents": 2,
        "submissions": 1,
        "files": 0,
        "suppressed": True,
    },
    "contact.merged": {"merged_id": 7},
    "contacts.exported": {"filters": ["consent", "q"]},
    "contacts.imported": {"rows": 12, "created": 8, "updated": 3, "left_out": 1},
    "consent.recorded": {"purpose": "whatsapp_marketing", "action": "opt_out"},
    "objection.recorded": {"conversation_id": 99},
    "member.invited": {"role": "admin"},
    "member.joined": {"user_id": 1, "role": "agent", "invite_id": 4},
    "member.role_changed": {
        "user_id": 1,
        "before": "agent",
        "after": "owner",
        "via": "ownership_transfer",
    },
    "member.removed": {"user_id": 1, "role": "agent"},
    "channel.connected": {"via": "cli"},
    "channel.secrets_replaced": {"access_token": True, "app_secret": False},
    "retention.changed": {"retention_messages_days": {"from": 365, "to": 30}},
    "purge.run": {"messages": 0, "contacts": 0},
    "webhooks.requeued": {"count": 3, "event_ids": [1, 2, 3]},
    "account.exported": {"messages": 1},
    "account.deleted": {"memberships": 2},
    "workspace.deleted": {"workspace_id": 9, "name": "Alt", "members": 2},
}


@pytest.mark.parametrize("locale", ["de", "en"])
def test_every_action_reads_as_a_sentence_without_stored_words(app, locale):
    team = make_team(app)
    with app.test_request_context(), force_locale(locale):
        owner = db.session.get(User, team.owner_id)
        events = [
            AuditEvent(
                id=number,
                workspace_id=team.workspace_id,
                actor=owner,
                action=action,
                object_type="contact",
                object_id=12345,
                details=SAMPLES.get(action, {}),
                created_at=utcnow(),
            )
            for number, action in enumerate(audit.ACTIONS, start=1)
        ]
        told = audit_text.sentences(events, team.workspace_id)
    for event in events:
        text = str(told[event.id])
        assert text.startswith("Olga Owner"), (event.action, text)
        for word in RAW:
            assert word not in text, (event.action, word, text)


EXPECTED = {
    "de": {
        "contact.exported": "Olga Owner hat den Kontakt #12345 (gelöscht) exportiert "
        "(2 Einwilligungen, 14 Nachrichten, 1 Datei, über die Kommandozeile)",
        "contacts.exported": "Olga Owner hat die Kontaktliste exportiert "
        "(gefiltert nach: Einwilligung, Suche)",
        "consent.recorded": "Olga Owner hat für den Kontakt #12345 (gelöscht) einen "
        "Widerruf (WhatsApp-Marketing) erfasst",
        "member.role_changed": "Olga Owner hat die Rolle für Olga Owner von Agent "
        "auf Inhaber geändert (bei der Übergabe der Inhaberschaft)",
        "purge.run": "Olga Owner hat abgelaufene Daten gelöscht (nichts war abgelaufen)",
        "channel.secrets_replaced": "Olga Owner hat Zugangsdaten der WhatsApp-Nummer "
        "#12345 (gelöscht) ersetzt (Zugriffstoken)",
    },
    "en": {
        "contact.exported": "Olga Owner exported contact #12345 (deleted) "
        "(2 consents, 14 messages, 1 file, from the command line)",
        "contacts.exported": "Olga Owner exported the contact list "
        "(filtered by: Consent, Search)",
        "consent.recorded": "Olga Owner recorded a withdrawal (WhatsApp marketing) "
        "for contact #12345 (deleted)",
        "member.role_changed": "Olga Owner changed the role of Olga Owner from "
        "Agent to Owner (when handing over ownership)",
        "purge.run": "Olga Owner deleted expired data (nothing had expired)",
        "channel.secrets_replaced": "Olga Owner replaced credentials of WhatsApp "
        "number #12345 (deleted) (Access token)",
    },
}


@pytest.mark.parametrize("locale", ["de", "en"])
def test_representative_sentences_in_both_languages(app, locale):
    team = make_team(app)
    with app.test_request_context(), force_locale(locale):
        owner = db.session.get(User, team.owner_id)
        details = {**SAMPLES, "member.role_changed": {**SAMPLES["member.role_changed"]}}
        details["member.role_changed"]["user_id"] = team.owner_id
        events = {
            action: AuditEvent(
                id=number,
                workspace_id=team.workspace_id,
                actor=owner,
                action=action,
                object_type="channel" if action.startswith("channel") else "contact",
                object_id=12345,
                details=details[action],
            )
            for number, action in enumerate(EXPECTED[locale], start=1)
        }
        told = audit_text.sentences(list(events.values()), team.workspace_id)
        for action, expected in EXPECTED[locale].items():
            assert str(told[events[action].id]) == expected


def add_contact(app, team) -> int:
    with app.app_context():
        contact = Contact(workspace_id=team.workspace_id)
        db.session.add(contact)
        db.session.flush()
        ledger.record(contact, ledger.MARKETING, "opt_in", "agent", wording="Ja")
        ledger.record(contact, ledger.SERVICE, "opt_in", "agent", wording="Ja")
        db.session.commit()
        return contact.id


def test_the_page_links_what_exists_and_names_what_was_erased(app, client, auth):
    team = make_team(app)
    with app.app_context():
        workspace = workspace_of(db.session.get(User, team.owner_id))
        make_user("katrin@example.com", name="Katrin Kollegin", workspace=workspace)
    kept, erased = add_contact(app, team), add_contact(app, team)
    auth.login("katrin@example.com")
    for contact_id in (kept, erased):
        assert client.post(f"/contacts/{contact_id}/export").status_code == 200
    client.get("/contacts/export.csv", query_string={"consent": "opt_in", "q": "x"})
    with app.app_context():
        erase_contact(
            db.session.get(Contact, erased), db.session.get(User, team.owner_id)
        )
        db.session.commit()
    page = client.get("/settings/audit").get_data(as_text=True)
    assert (
        f'Katrin Kollegin hat den <a href="/contacts/{kept}">Kontakt #{kept}</a> '
        "exportiert (2 Einwilligungen)" in page
    )
    assert (
        f"Katrin Kollegin hat den Kontakt #{erased} (gelöscht) exportiert "
        "(2 Einwilligungen)" in page
    )
    assert f'href="/contacts/{erased}"' not in page
    assert f"Olga Owner hat den Kontakt #{erased} gelöscht (2 Einwilligungen)" in page
    assert "hat die Kontaktliste exportiert (gefiltert nach: Einwilligung, Suche)" in (
        page
    )
    results = page[page.index('id="audit-results"') :]
    for word in ("suppressed", "filters", "opt_in", "<code>"):
        assert word not in results


def test_english_readers_get_english_sentences(app, client, auth):
    team = make_team(app)
    contact_id = add_contact(app, team)
    auth.login(OWNER)
    client.post("/sprache", data={"lang": "en"})
    client.post(f"/contacts/{contact_id}/export")
    page = client.get("/settings/audit").get_data(as_text=True)
    assert (
        f'Olga Owner exported <a href="/contacts/{contact_id}">contact #{contact_id}</a>'
        " (2 consents)" in page
    )


def test_objects_are_looked_up_once_per_type_not_per_event(app, client, auth):
    team = make_team(app)
    auth.login(OWNER)

    def add_events(count: int) -> None:
        with app.app_context():
            for _ in range(count):
                contact = Contact(workspace_id=team.workspace_id)
                db.session.add(contact)
                db.session.flush()
                audit.record(
                    team.workspace_id,
                    "objection.recorded",
                    contact,
                    actor=db.session.get(User, team.agent_id),
                    conversation_id=contact.id,
                )
                audit.record(
                    team.workspace_id,
                    "member.removed",
                    actor=db.session.get(User, team.owner_id),
                    user_id=team.agent_id,
                    role="agent",
                )
            db.session.commit()

    counts = []
    for count in (2, 20):
        add_events(count)
        with counted_queries(app) as statements:
            page = client.get("/settings/audit").get_data(as_text=True)
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert page.count("hat Arne Agent (Agent) aus dem Team entfernt") == 22
    assert page.count("einen Widerspruch erfasst (im Posteingang)") == 22


def test_a_former_member_is_named_so(app, client, auth):
    team = make_team(app)
    with app.app_context():
        audit.record(
            team.workspace_id,
            "member.removed",
            actor=db.session.get(User, team.owner_id),
            user_id=team.agent_id,
            role="agent",
        )
        agent = db.session.get(User, team.agent_id)
        agent.deleted_at = utcnow()
        db.session.commit()
    auth.login(OWNER)
    page = client.get("/settings/audit").get_data(as_text=True)
    assert "Olga Owner hat ein ehemaliges Teammitglied (Agent) aus dem Team" in page
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.details)) == {
            "user_id": team.agent_id,
            "role": "agent",
        }
