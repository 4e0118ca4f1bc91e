"""The consent ledger: keywords, agents' objections, and the send checks that read it."""

import json
from itertools import count

import pytest
from sqlalchemy import select

from leadgate.consent import ledger
from leadgate.extensions import db
from leadgate.models import ConsentRecord, Contact, Conversation
from leadgate.outbound.rules import marketing_refusal

from .inbox_support import OWNER, owner_with_payload_channel, post_signed
from .webhook_fixtures import load_payload

WAMIDS = count(1)


def customer_says(client, key: str, text: str) -> str:
    payload = load_payload("text")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["text"]["body"] = text
    message["id"] = wamid = f"wamid.consent.{next(WAMIDS)}"
    post_signed(client, key, json.dumps(payload).encode())
    return wamid


def records(app, purpose: str = "whatsapp_marketing") -> list[tuple]:
    with app.app_context():
        return [
            (r.purpose, r.action, r.source, r.wording, r.evidence.get("message_wamid"))
            for r in db.session.scalars(
                select(ConsentRecord)
                .where(ConsentRecord.purpose == purpose)
                .order_by(ConsentRecord.id)
            )
        ]


def marketing_reason(app) -> str | None:
    with app.test_request_context():  # the reason is in the agent's language
        return marketing_refusal(db.session.scalars(select(Contact)).one())


@pytest.mark.parametrize("text", ["STOP", "stopp", "Abmelden!", " unsubscribe. "])
def test_a_stop_keyword_records_an_opt_out_with_its_message(client, app, text):
    key = owner_with_payload_channel(app)
    wamid = customer_says(client, key, text)
    assert records(app) == [("whatsapp_marketing", "opt_out", "keyword", text, wamid)]
    assert marketing_reason(app) == "Der Kontakt hat Marketing-Nachrichten abbestellt."


@pytest.mark.parametrize(
    "text", ["Bitte nicht stoppen", "STOP the delivery", "Stopper"]
)
def test_only_the_whole_message_counts_as_a_keyword(client, app, text):
    key = owner_with_payload_channel(app)
    customer_says(client, key, text)
    assert records(app) == []
    assert marketing_reason(app) is None


def test_start_records_a_new_opt_in_and_the_history_keeps_both(client, app):
    key = owner_with_payload_channel(app)
    customer_says(client, key, "STOP")
    customer_says(client, key, "Start")
    assert [r[1] for r in records(app)] == ["opt_out", "opt_in"]
    assert marketing_reason(app) is None
    with app.app_context():
        contact = db.session.scalars(select(Contact)).one()
        history = [(r.purpose, r.action) for r in ledger.history(contact.id)]
        assert history == [
            ("whatsapp_marketing", "opt_in"),
            ("whatsapp_marketing", "opt_out"),
            ("whatsapp_service", "opt_in"),  # newest first; they wrote first
        ]


def test_a_duplicate_webhook_records_its_keyword_once(client, app):
    key = owner_with_payload_channel(app)
    payload = load_payload("text")
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = "STOP"
    body = json.dumps(payload).encode()
    post_signed(client, key, body)
    post_signed(client, key, body)  # Meta delivers it again
    assert len(records(app)) == 1


def test_marketing_templates_are_refused_by_the_server_after_stop(client, auth, app):
    from leadgate.models import MessageTemplate

    key = owner_with_payload_channel(app)
    customer_says(client, key, "STOP")
    with app.app_context():
        conversation = db.session.scalars(select(Conversation)).one()
        channel_waba = conversation.channel.waba_id
        template = MessageTemplate(
            workspace_id=conversation.workspace_id,
            waba_id=channel_waba,
            meta_template_id="t1",
            name="angebot",
            language="de",
            category="MARKETING",
            status="APPROVED",
            components={"components": [{"type": "BODY", "text": "Neu!"}]},
        )
        db.session.add(template)
        db.session.commit()
        conversation_id, template_id = conversation.id, template.id
    auth.login(OWNER)
    client.post(
        f"/inbox/{conversation_id}/template", data={"template_id": str(template_id)}
    )
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "Der Kontakt hat Marketing-Nachrichten abbestellt." in page
    assert "abbestellt" in page and "„STOP“" in page  # the panel's proof
    with app.app_context():
        assert (
            db.session.scalars(
                select(ConsentRecord.id).where(
                    ConsentRecord.action == "opt_in",
                    ConsentRecord.purpose == "whatsapp_marketing",
                )
            ).all()
            == []
        )


def test_an_agents_objection_is_in_the_ledger_with_who_recorded_it(client, auth, app):
    key = owner_with_payload_channel(app)
    customer_says(client, key, "Hallo")
    with app.app_context():
        conversation_id = db.session.scalar(select(Conversation.id))
    auth.login(OWNER)
    client.post(f"/inbox/{conversation_id}/objection")
    with app.app_context():
        rows = db.session.scalars(
            select(ConsentRecord).order_by(ConsentRecord.id)
        ).all()
        assert [(r.purpose, r.action, r.source) for r in rows] == [
            ("whatsapp_service", "opt_in", "inbound_message"),  # they wrote first
            ("whatsapp_marketing", "opt_out", "agent"),
            ("whatsapp_service", "opt_out", "agent"),
        ]
        assert {r.recorded_by.email for r in rows[1:]} == {OWNER}
        assert rows[0].recorded_by is None
    customer_says(client, key, "Hallo?")  # writing again does not undo the objection
    assert [r[1] for r in records(app, "whatsapp_service")] == ["opt_in", "opt_out"]


def test_the_keywords_are_a_workspace_setting(client, auth, app):
    key = owner_with_payload_channel(app)
    auth.login(OWNER)
    response = client.post(
        "/settings/workspace",
        data={
            "name": "Muster GmbH",
            "opt_out_keywords": "halt, Ende ",
            "opt_in_keywords": "weiter",
        },
    )
    assert response.status_code == 302
    page = client.get("/settings/workspace").get_data(as_text=True)
    assert 'value="ENDE, HALT"' in page
    customer_says(client, key, "STOP")  # no longer a keyword here
    assert records(app) == []
    customer_says(client, key, "Halt")
    customer_says(client, key, "weiter")
    assert [r[1] for r in records(app)] == ["opt_out", "opt_in"]


def test_writing_first_records_service_consent_once_with_the_message(client, app):
    key = owner_with_payload_channel(app)
    first = customer_says(client, key, "Guten Tag, ich habe eine Frage")
    customer_says(client, key, "Noch da?")
    assert records(app, "whatsapp_service") == [
        (
            "whatsapp_service",
            "opt_in",
            "inbound_message",
            "Der Kontakt hat das Unternehmen per WhatsApp angeschrieben.",
            first,
        )
    ]
    assert records(app) == []  # marketing needs its own consent
