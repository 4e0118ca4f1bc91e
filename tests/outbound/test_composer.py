"""The composer over HTTP: htmx sends, one-emoji reactions, templates named and pre-filled.

The emulator's templates carry Meta's example values ("Erika", "12. Mai, 10:00
Uhr", a named {{vorname}}), as real synced templates do.
"""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from leadgate.extensions import db
from leadgate.inbox.composer import window_state
from leadgate.models import (
    Contact,
    ContactField,
    Message,
    MessageTemplate,
    Workspace,
    utcnow,
)
from leadgate.outbound.placeholders import outline, placeholders, prefill

from ..emulator_support import WABA_ID
from . import helpers
from .helpers import (
    change,
    close_window,
    customer_writes,
    read,
    sent_at_emulator,
    sync,
    template_id,
)

HX = {"HX-Request": "true"}


def fields_of(client, conversation_id: int, **args) -> str:
    response = client.get(
        f"/inbox/{conversation_id}/template", query_string=args, headers=HX
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def field(html: str, label: str) -> dict:
    """The input labelled `label`: its value, placeholder and hint."""
    found = re.search(
        rf'<label for="([^"]+)">{re.escape(label)}</label>\s*<input id="\1"([^>]*)>'
        r"\s*(<p class=\"hint\"[^>]*>([^<]*)</p>)?",
        html,
    )
    assert found, f"no field {label!r} in {html}"
    attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', found.group(2)))
    return {
        "name": found.group(1),
        "value": attributes.get("value"),
        "placeholder": attributes.get("placeholder"),
        "hint": found.group(4),
    }


def test_templates_are_listed_by_a_readable_name_with_their_text(
    client, emulator, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    sync(client)
    close_window()
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert 'data-composer-mode="template"' in page
    assert "composer-window is-closed" in page and "composer-refusal" not in page
    choice = page[page.index('data-template-name="termin_erinnerung"') :]
    choice = choice[: choice.index("</label>")]
    assert "<strong>Termin erinnerung</strong>" in choice
    assert "Deutsch · Service-Mitteilung" in choice
    assert (
        "Hallo [Name], wir erinnern Sie an Ihren Termin am [Datum und Uhrzeit]."
        in choice
    )
    assert "{{" not in choice


def test_placeholders_are_named_and_filled_in_from_the_contact(
    client, emulator, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    change(Contact, name="Lena Fischer")
    sync(client)
    close_window()
    reminder = template_id("termin_erinnerung")
    html = fields_of(client, conversation_id, template_id=reminder)
    name = field(html, "Name")
    assert (name["name"], name["value"]) == ("var-BODY-1", "Lena")
    assert name["hint"] == "Aus dem Kontakt übernommen"
    when = field(html, "Datum und Uhrzeit")  # from the example: left to the agent
    assert (when["value"], when["placeholder"]) == ("", "z. B. 12. Mai, 10:00 Uhr")
    assert when["hint"] is None
    assert "Hallo Lena, wir erinnern Sie an Ihren Termin am {{2}}." in html
    assert f'name="fields_for" value="{reminder}"' in html
    # Typing: the agent's values count, an emptied field stays empty.
    typed = fields_of(
        client,
        conversation_id,
        template_id=reminder,
        fields_for=reminder,
        **{"var-BODY-1": "", "var-BODY-2": "Montag"},
    )
    assert field(typed, "Name")["value"] == ""
    assert "Hallo {{1}}, wir erinnern Sie an Ihren Termin am Montag." in typed
    # Another template: filled from the contact again, not with the old values.
    greeting = template_id("anfrage_bestaetigung")
    switched = fields_of(
        client,
        conversation_id,
        template_id=greeting,
        fields_for=reminder,
        **{"var-BODY-1": "Montag"},
    )
    assert field(switched, "Vorname")["value"] == "Lena"
    assert field(switched, "Vorname")["name"] == "var-BODY-vorname"


def test_a_placeholder_named_like_a_custom_field_takes_its_value(
    client, emulator, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    with helpers.APP.app_context():
        workspace = db.session.scalar(select(Workspace))
        db.session.add(
            ContactField(workspace_id=workspace.id, key="branche", label="Branche")
        )
        db.session.add(
            MessageTemplate(
                workspace_id=workspace.id,
                waba_id=WABA_ID,
                meta_template_id="900",
                name="branchen_angebot",
                language="de",
                category="MARKETING",
                status="APPROVED",
                components={
                    "parameter_format": "NAMED",
                    "components": [
                        {"type": "BODY", "text": "Neu für {{branche}}: {{preis}}"}
                    ],
                },
            )
        )
        db.session.commit()
    change(Contact, attributes={"branche": "Einzelhandel"})
    html = fields_of(
        client, conversation_id, template_id=template_id("branchen_angebot")
    )
    assert field(html, "Branche")["value"] == "Einzelhandel"
    assert field(html, "Platzhalter 2")["value"] == ""


def test_sending_by_htmx_answers_with_a_fresh_composer(client, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    url = f"/inbox/{conversation_id}/messages"
    sent = client.post(url, data={"text": "Guten Tag!"}, headers=HX)
    html = sent.get_data(as_text=True)
    assert sent.status_code == 200 and html.lstrip().startswith(
        '<section id="composer"'
    )
    assert "<html" not in html and 'data-composer-mode="free"' in html
    assert re.search(r'<textarea id="composer-text"[^>]*></textarea>', html)
    assert "message-queued" in sent.headers["HX-Trigger"]
    assert [m["body"]["text"]["body"] for m in sent_at_emulator(emulator)] == [
        "Guten Tag!"
    ]
    refused = client.post(url, data={"text": "   "}, headers=HX)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "HX-Trigger" not in refused.headers
    assert "Bitte einen Text eingeben." in html and 'role="alert"' in html
    assert re.search(r'<textarea id="composer-text"[^>]*>   </textarea>', html)
    # A plain form (no script) still gets the page back, as before.
    assert client.post(url, data={"text": "Ohne htmx"}).status_code == 303


@pytest.mark.parametrize("chosen", ["ab", "👍👍", "1", "👍 ok"])
def test_a_reaction_is_exactly_one_emoji(client, emulator, channel_key, chosen):
    customer_writes(client, emulator, channel_key)
    [original] = read(select(Message.id).where(Message.direction == "in"))
    url = f"/inbox/messages/{original}/react"
    refused = client.post(url, data={"emoji": chosen}, headers=HX)
    assert refused.status_code == 422
    assert 'id="thread-notice"' in refused.get_data(as_text=True)
    assert "Bitte ein einzelnes Emoji wählen." in refused.get_data(as_text=True)
    assert read(select(Message.id).where(Message.type == "reaction")) == []
    plain = client.post(url, data={"emoji": chosen})
    assert plain.status_code == 303
    assert sent_at_emulator(emulator) == []


@pytest.mark.parametrize("chosen", ["👍🏽", "🦄", "👩‍💻", "🇩🇪"])
def test_any_single_emoji_is_a_reaction(client, emulator, channel_key, chosen):
    customer_writes(client, emulator, channel_key)
    [original] = read(select(Message).where(Message.direction == "in"))
    url = f"/inbox/messages/{original.id}/react"
    answer = client.post(url, data={"emoji": chosen}, headers=HX)
    assert answer.status_code == 204
    assert "message-queued" in answer.headers["HX-Trigger"]
    [sent] = sent_at_emulator(emulator)
    assert sent["body"]["reaction"] == {"message_id": original.wamid, "emoji": chosen}


def test_the_window_line_warns_gently_in_its_last_hour(app):
    now = utcnow()
    with app.test_request_context():
        assert window_state(None, now) == {}
        assert window_state(now - timedelta(minutes=1), now) == {}
        later = window_state(now + timedelta(hours=20), now)
        assert later["text"].startswith("Antwort möglich bis ")
        assert not later["ending"]
        ending = window_state(now + timedelta(minutes=35), now)
        assert ending["ending"]
        assert ending["text"].startswith("Antwort nur noch 35 Minuten möglich (bis ")


def template(*components, named=False) -> MessageTemplate:
    return MessageTemplate(
        name="t",
        language="de",
        components={
            "components": list(components),
            "parameter_format": "NAMED" if named else "POSITIONAL",
        },
    )


def body(text: str, *examples) -> dict:
    part = {"type": "BODY", "text": text}
    if examples:
        part["example"] = {"body_text": [list(examples)]}
    return part


@pytest.mark.parametrize(
    ("parts", "labels"),
    [
        (
            [body("Hallo {{1}}, Termin am {{2}}.", "Max", "12.05.2026")],
            ["Name", "Datum"],
        ),
        ([body("Um {{1}} geht es los.", "10:30")], ["Uhrzeit"]),
        ([body("Betrag: {{1}}", "49,90 €")], ["Betrag"]),
        ([body("Ihr Link: {{1}}", "https://example.com/x")], ["Link"]),
        ([body("Bestellung {{1}} ist unterwegs.")], ["Platzhalter 1"]),
        ([body("Hallo {{1}}!")], ["Name"]),  # a greeting names its person
        ([body("{{1}} und {{2}}", "1. Mai", "2. Mai")], ["Datum", "Datum (2)"]),
        (
            [
                {
                    "type": "HEADER",
                    "format": "TEXT",
                    "text": "Für {{1}}",
                    "example": {"header_text": ["Erika"]},
                },
                body("Code {{1}}", "A-17"),
            ],
            ["Name", "Platzhalter 2"],
        ),
    ],
)
def test_placeholders_are_named_from_example_or_context(app, parts, labels):
    with app.test_request_context():
        assert [p.label for p in placeholders(template(*parts))] == labels


def test_only_what_the_contact_has_is_filled_in(app):
    found_template = template(
        body("Hallo {{name}} {{nachname}}, {{email}}", "Max", "Muster", "m@x.de"),
        named=True,
    )
    with app.test_request_context():
        found = placeholders(found_template)
        assert [p.label for p in found] == ["Name", "Nachname", "E-Mail-Adresse"]
        assert prefill(found, Contact(profile_name="Jana Jansen")) == {
            "BODY:name": "Jana",
            "BODY:nachname": "Jansen",
        }
        assert prefill(found, Contact(wa_id="4915100000001")) == {}
        assert outline(found_template) == "Hallo [Name] [Nachname], [E-Mail-Adresse]"
