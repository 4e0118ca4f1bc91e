"""Contacts: numbers in E.164, the list with its filters, the contact page, edits, export."""

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from leadgate.consent import ledger
from leadgate.extensions import db
from leadgate.models import (
    ConsentRecord,
    Contact,
    ContactField,
    ContactLabel,
    Conversation,
    Workspace,
    utcnow,
)
from leadgate.phones import InvalidPhone, normalise

from .inbox_support import AGENT, OWNER, add_conversations, add_label, counted_queries
from .inbox_support import make_team as make_inbox_team


@pytest.mark.parametrize(
    ("typed", "region", "e164"),
    [
        ("0170 1234567", "DE", "+491701234567"),
        ("+49 (170) 123 45 67", "DE", "+491701234567"),
        ("0049 170 1234567", "DE", "+491701234567"),
        ("0664 1234567", "AT", "+436641234567"),
        ("+43 664 1234567", "DE", "+436641234567"),
        ("030 12345678", "DE", "+493012345678"),
    ],
)
def test_numbers_are_normalised_to_e164_in_the_workspace_region(typed, region, e164):
    assert normalise(typed, region) == e164


@pytest.mark.parametrize("typed", ["", "hallo", "0170", "+49 170 1234567890123"])
def test_what_is_no_number_is_refused_with_a_reason(app, typed):
    with app.test_request_context(), pytest.raises(InvalidPhone) as problem:
        normalise(typed, "DE")
    assert str(problem.value)


def make_team(app, client, auth, who=OWNER):
    team = make_inbox_team(app)
    auth.login(who)
    return team


def add_contact(app, team, **fields) -> int:
    with app.app_context():
        contact = Contact(
            workspace_id=team.workspace_id, **{"attributes": {}, **fields}
        )
        db.session.add(contact)
        db.session.commit()
        return contact.id


def add_field(app, team, key, label, kind="text") -> None:
    with app.app_context():
        db.session.add(
            ContactField(
                workspace_id=team.workspace_id, key=key, label=label, kind=kind
            )
        )
        db.session.commit()


def names_listed(client, **args) -> list[str]:
    page = client.get("/contacts", query_string=args, headers={"HX-Request": "true"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return [name for name in NAMES if f"<strong>{name}</strong>" in html]


NAMES = ["Anna Aal", "Bernd Bär", "Carla Chen", "Dora Dorn"]


@pytest.fixture
def listed(app, client, auth):
    """Four contacts that differ in every filter the list has."""
    team = make_team(app, client, auth)
    add_field(app, team, "branche", "Branche")
    vip = add_label(app, team, "VIP")
    now = utcnow()
    anna = add_contact(
        app,
        team,
        name="Anna Aal",
        phone_e164="+491701111111",
        wa_id="491701111111",
        email="anna@example.com",
        attributes={"branche": "Handwerk"},
        created_at=now - timedelta(days=40),
    )
    bernd = add_contact(
        app,
        team,
        name="Bernd Bär",
        phone_e164="+491702222222",
        created_at=now - timedelta(days=2),
    )
    add_contact(app, team, name="Carla Chen", username="carla", created_at=now)
    add_contact(
        app,
        team,
        name="Dora Dorn",
        username="carla",  # the same username: a possible duplicate
        attributes={"branche": "Handel"},
        created_at=now - timedelta(days=1),
    )
    with app.app_context():
        db.session.add(ContactLabel(contact_id=anna, label_id=vip))
        anna_row, bernd_row = (
            db.session.get(Contact, anna),
            db.session.get(Contact, bernd),
        )
        ledger.record(anna_row, ledger.MARKETING, "opt_in", "agent", wording="Ja")
        ledger.record(bernd_row, ledger.MARKETING, "opt_out", "keyword", wording="STOP")
        db.session.add(
            Conversation(
                workspace_id=team.workspace_id,
                channel_id=team.channel_id,
                contact_id=bernd,
                last_activity_at=now - timedelta(days=10),
            )
        )
        db.session.commit()
    return {"team": team, "vip": vip, "today": now.date()}


def test_the_list_shows_newest_first_and_searches_names_numbers_emails(client, listed):
    assert names_listed(client) == ["Anna Aal", "Bernd Bär", "Carla Chen", "Dora Dorn"]
    page = client.get("/contacts").get_data(as_text=True)
    assert page.index("Carla Chen") < page.index("Dora Dorn") < page.index("Bernd Bär")
    assert names_listed(client, q="bär") == ["Bernd Bär"]
    assert names_listed(client, q="0170 2222") == ["Bernd Bär"]  # typed nationally
    assert names_listed(client, q="anna@") == ["Anna Aal"]
    assert names_listed(client, q="carla") == ["Carla Chen", "Dora Dorn"]  # username


def test_the_list_filters_by_consent_label_attribute_dates_and_duplicates(
    client, listed
):
    today = listed["today"]
    assert names_listed(client, consent="opt_in") == ["Anna Aal"]
    assert names_listed(client, consent="opt_out") == ["Bernd Bär"]
    assert names_listed(client, consent="none") == ["Carla Chen", "Dora Dorn"]
    assert names_listed(client, label=listed["vip"]) == ["Anna Aal"]
    assert names_listed(client, field="branche", value="hand") == [
        "Anna Aal",
        "Dora Dorn",
    ]
    assert names_listed(client, field="branche", value="werk") == ["Anna Aal"]
    assert names_listed(
        client, created_from=str(today - timedelta(days=3)), created_to=str(today)
    ) == ["Bernd Bär", "Carla Chen", "Dora Dorn"]
    assert names_listed(client, created_to=str(today - timedelta(days=30))) == [
        "Anna Aal"
    ]
    assert names_listed(
        client, contacted_from=str(today - timedelta(days=11)), contacted_to=str(today)
    ) == ["Bernd Bär"]
    assert names_listed(client, duplicates="1") == ["Carla Chen", "Dora Dorn"]
    assert names_listed(client, consent="nonsense", label="x") == NAMES  # ignored


def test_pages_are_complete_and_cost_the_same_number_of_queries(app, client, auth):
    team = make_team(app, client, auth)
    add_conversations(app, team, 120)  # 120 contacts with a conversation each
    seen, after, queries = [], None, []
    while True:
        with counted_queries(app) as statements:
            page = client.get(
                "/contacts",
                query_string={"after": after} if after else {},
                headers={"HX-Request": "true"},
            ).get_data(as_text=True)
        queries.append(len(statements))
        seen += [int(i) for i in re.findall(r'id="contact-(\d+)"', page)]
        found = re.search(r"after=([^&\"]+)", page)
        if not found:
            break
        after = found.group(1).replace("%3A", ":").replace("%2B", "+")
    assert len(seen) == len(set(seen)) == 120
    assert len(set(queries[1:])) == 1 and max(queries) <= queries[0] + 1


def test_an_agent_edits_a_contact_and_the_number_is_normalised(app, client, auth):
    team = make_team(app, client, auth, who=AGENT)
    add_field(app, team, "budget", "Budget", kind="number")
    add_field(app, team, "start", "Starttermin", kind="date")
    vip = add_label(app, team, "VIP")
    contact_id = add_contact(app, team, bsuid="DE.123", username="lena")
    response = client.post(
        f"/contacts/{contact_id}",
        data={
            "name": "Lena Berg",
            "phone": "0171 5556666",
            "email": "lena@example.com",
            "attr_budget": "12.500,50",
            "attr_start": "01.03.2027",
            "labels": [str(vip)],
        },
    )
    assert response.status_code == 303
    with app.app_context():
        contact = db.session.get(Contact, contact_id)
        assert (contact.name, contact.phone_e164, contact.wa_id, contact.email) == (
            "Lena Berg",
            "+491715556666",
            "491715556666",
            "lena@example.com",
        )
        assert contact.attributes == {"budget": "12.500,50", "start": "2027-03-01"}
        assert contact.updated_at is not None
    page = client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert "Lena Berg" in page and 'value="+491715556666"' in page
    assert f'checked id="labels-0" name="labels" type="checkbox" value="{vip}"' in page


def test_bad_input_is_refused_with_its_reason_and_kept(app, client, auth):
    team = make_team(app, client, auth)
    add_field(app, team, "budget", "Budget", kind="number")
    contact_id = add_contact(app, team, name="Alt", phone_e164="+491701234567")
    response = client.post(
        f"/contacts/{contact_id}",
        data={"name": "Neu <b>", "phone": "12", "attr_budget": "viel"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Diese Telefonnummer gibt es nicht." in page  # digits, but no real number
    assert "Bitte eine Zahl angeben." in page
    assert 'value="Neu &lt;b&gt;"' in page and 'value="viel"' in page
    with app.app_context():
        assert db.session.get(Contact, contact_id).name == "Alt"


def test_a_contact_entered_by_hand_is_found_again_by_its_number(app, client, auth):
    make_team(app, client, auth)
    response = client.post(
        "/contacts/new", data={"name": "Neu", "phone": "0170 9998877"}
    )
    assert response.status_code == 303
    again = client.post("/contacts/new", data={"phone": "+49 170 999 88 77"})
    assert again.headers["Location"] == response.headers["Location"]
    with app.app_context():
        assert db.session.scalars(select(Contact.phone_e164)).all() == ["+491709998877"]
    missing = client.post("/contacts/new", data={"name": "Ohne"})
    assert missing.status_code == 422
    assert "Bitte eine Telefonnummer angeben." in missing.get_data(as_text=True)


def test_the_contact_page_shows_the_consent_history_as_proof(app, client, auth):
    team = make_team(app, client, auth, who=AGENT)
    contact_id = add_contact(app, team, name="Jo", phone_e164="+491701234567")
    response = client.post(
        f"/contacts/{contact_id}/consent",
        data={
            "purpose": "whatsapp_marketing",
            "action": "opt_in",
            "wording": "Ja, Angebote per WhatsApp <gern>",
            "note": "Telefonat am 24.11.2026",
        },
    )
    assert response.status_code == 303
    client.post(
        f"/contacts/{contact_id}/consent",
        data={
            "purpose": "whatsapp_marketing",
            "action": "opt_out",
            "wording": "Bitte keine Angebote mehr",
            "note": "E-Mail vom 25.11.2026",
        },
    )
    with app.app_context():
        records = db.session.scalars(select(ConsentRecord).order_by(ConsentRecord.id))
        assert [
            (r.action, r.source, r.recorded_by.email, r.evidence) for r in records
        ] == [
            ("opt_in", "agent", AGENT, {"note": "Telefonat am 24.11.2026"}),
            ("opt_out", "agent", AGENT, {"note": "E-Mail vom 25.11.2026"}),
        ]
        assert db.session.get(Contact, contact_id).marketing_consent == "opt_out"
    page = client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    history = page[page.index('id="consent-history"') :]
    assert history.index("Bitte keine Angebote mehr") < history.index(
        "Ja, Angebote per WhatsApp &lt;gern&gt;"
    )
    assert "Telefonat am 24.11.2026" in history and "Arne Agent" in history
    refused = client.post(
        f"/contacts/{contact_id}/consent",
        data={"purpose": "whatsapp_marketing", "action": "opt_in", "wording": ""},
    )
    assert refused.status_code == 422


def test_export_has_the_filtered_list_without_restricted_contacts(app, client, auth):
    team = make_team(app, client, auth)
    add_field(app, team, "branche", "Branche")
    add_contact(
        app,
        team,
        name='=HYPERLINK("x")',
        phone_e164="+491701111111",
        attributes={"branche": "Bau"},
    )
    add_contact(app, team, name="Gesperrt", restricted_at=utcnow())
    add_contact(app, team, name="Anderer", attributes={"branche": "Handel"})
    response = client.get("/contacts/export.csv", query_string={"field": "branche"})
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/csv" and body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][-1] == "Branche"
    names = [row[1] for row in rows[1:]]
    assert names == ['\'=HYPERLINK("x")', "Anderer"]  # defused, restricted left out
    filtered = client.get(
        "/contacts/export.csv", query_string={"field": "branche", "value": "bau"}
    ).get_data(as_text=True)
    assert "Anderer" not in filtered and "+491701111111" in filtered


def test_agents_cannot_export(app, client, auth):
    make_team(app, client, auth, who=AGENT)
    assert client.get("/contacts/export.csv").status_code == 403
    assert "export.csv" not in client.get("/contacts").get_data(as_text=True)


def test_custom_fields_and_contact_settings(app, client, auth):
    team = make_team(app, client, auth)
    assert (
        client.post(
            "/settings/contacts/fields",
            data={"field-label": "Stelle", "field-kind": "text"},
        ).status_code
        == 303
    )
    taken = client.post("/settings/contacts/fields", data={"field-label": "stelle"})
    assert taken.status_code == 422
    reserved = client.post("/settings/contacts/fields", data={"field-label": "Name"})
    assert reserved.status_code == 422
    contact_id = add_contact(
        app, team, name="X", attributes={"stelle": "Koch", "x": "1"}
    )
    with app.app_context():
        field_id = db.session.scalars(select(ContactField.id)).one()
    assert (
        client.post(f"/settings/contacts/fields/{field_id}/delete").status_code == 303
    )
    with app.app_context():
        assert db.session.get(Contact, contact_id).attributes == {"x": "1"}
    saved = client.post(
        "/settings/contacts",
        data={
            "settings-phone_region": "AT",
            "settings-consent_text": "Ja, per WhatsApp.",
            "settings-privacy_url": "https://example.at/datenschutz",
        },
    )
    assert saved.status_code == 303
    with app.app_context():
        workspace = db.session.get(Workspace, team.workspace_id)
        assert (workspace.phone_region, workspace.effective_consent_text) == (
            "AT",
            "Ja, per WhatsApp.",
        )
    client.post("/contacts/new", data={"phone": "0664 1234567"})
    with app.app_context():
        assert "+436641234567" in db.session.scalars(select(Contact.phone_e164)).all()
    bad = client.post(
        "/settings/contacts",
        data={"settings-phone_region": "AT", "settings-privacy_url": "kein link"},
    )
    assert bad.status_code == 422


def test_agents_cannot_change_contact_settings(app, client, auth):
    make_team(app, client, auth, who=AGENT)
    assert client.get("/settings/contacts").status_code == 403


def test_a_contact_without_conversation_is_restricted_and_lifted(app, client, auth):
    team = make_team(app, client, auth, who=AGENT)
    contact_id = add_contact(app, team, name="Rita", phone_e164="+491701234567")
    refused = client.post(f"/contacts/{contact_id}/restrict", data={"reason": " "})
    assert refused.status_code == 303
    client.post(
        f"/contacts/{contact_id}/restrict", data={"reason": "Richtigkeit bestritten"}
    )
    page = client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert 'id="restriction-banner"' in page and "Richtigkeit bestritten" in page
    assert "Eingeschränkt" in client.get("/contacts").get_data(as_text=True)
    client.post(f"/contacts/{contact_id}/lift-restriction")
    with app.app_context():
        contact = db.session.get(Contact, contact_id)
        assert (contact.restricted_at, contact.restricted_reason) == (None, None)
    assert (
        client.post(
            f"/contacts/{contact_id}/restrict", data={"reason": "x"}, csrf=False
        ).status_code
        == 400
    )


def test_withdrawing_service_consent_stops_sends_and_new_consent_lifts_it(
    app, client, auth
):
    team = make_team(app, client, auth, who=AGENT)
    contact_id = add_contact(app, team, name="Wim", phone_e164="+491701234567")

    def declare(action):
        return client.post(
            f"/contacts/{contact_id}/consent",
            data={
                "purpose": "whatsapp_service",
                "action": action,
                "wording": "per Telefon",
                "note": "Anruf",
            },
        )

    declare("opt_out")
    with app.app_context():
        assert db.session.get(Contact, contact_id).opted_out_at is not None
    assert "Widerspruch seit" in client.get(f"/contacts/{contact_id}").get_data(
        as_text=True
    )
    declare("opt_in")
    with app.app_context():
        assert db.session.get(Contact, contact_id).opted_out_at is None
