"""An objection recorded by mistake is taken back by a ledger record, never deleted."""

import json
import time
from itertools import count

import pytest
from sqlalchemy import select

from leadgate.consent import ledger
from leadgate.contacts.importing.plan import latest_opt_outs
from leadgate.extensions import db
from leadgate.models import (
    AuditEvent,
    ConsentRecord,
    Contact,
    Conversation,
    Message,
    Role,
    Suppression,
    User,
)
from leadgate.phones import e164_of_wa_id
from leadgate.privacy.erasure import erase_contact
from leadgate.privacy.suppression import is_suppressed

from .inbox_support import OWNER, owner_with_payload_channel, post_signed
from .support import assert_cross_workspace_404, make_user, workspace_of
from .test_consent import marketing_reason
from .webhook_fixtures import load_payload

AGENT = "agent@example.com"
REASON = "Falscher Kontakt angeklickt, Widerspruch kam von Herrn Weber."
WAMIDS = count(1)


def customer_says(client, key: str, text: str) -> None:
    """The contact writes now: the 24-hour window is open."""
    payload = load_payload("text")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["text"]["body"] = text
    message["id"] = f"wamid.withdrawal.{next(WAMIDS)}"
    message["timestamp"] = str(int(time.time()))
    post_signed(client, key, json.dumps(payload).encode())


@pytest.fixture
def objected(app, client, auth):
    """A contact who wrote; the owner then records an objection for them by mistake."""
    key = owner_with_payload_channel(app)
    customer_says(client, key, "Hallo, ich hätte gern ein Angebot")
    with app.app_context():
        conversation = db.session.scalars(select(Conversation)).one()
        ids = conversation.id, conversation.contact_id
    auth.login(OWNER)
    assert client.post(f"/inbox/{ids[0]}/objection").status_code == 303
    return key, *ids


def withdraw(client, contact_id: int, reason: str = REASON):
    return client.post(
        f"/contacts/{contact_id}/objection/withdraw", data={"reason": reason}
    )


def send_text(client, conversation_id: int, text: str) -> list[str]:
    """Reply in the thread; the texts of the contact's outbound messages after it."""
    client.post(f"/inbox/{conversation_id}/messages", data={"text": text})
    return db.session.scalars(
        select(Message.text).where(Message.direction == "out").order_by(Message.id)
    ).all()


def test_taking_it_back_records_who_when_why_and_messages_flow_again(
    app, client, objected
):
    _, conversation_id, contact_id = objected
    with app.app_context():
        assert send_text(client, conversation_id, "Vor der Rücknahme") == []

    response = withdraw(client, contact_id)

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/contacts/{contact_id}#consent")
    with app.app_context():
        contact = db.session.get(Contact, contact_id)
        assert contact.opted_out_at is None
        rows = db.session.scalars(select(ConsentRecord).order_by(ConsentRecord.id))
        history = [(r.purpose, r.action, r.source) for r in rows]
        assert history == [
            ("whatsapp_service", "opt_in", "inbound_message"),
            ("whatsapp_marketing", "opt_out", "agent"),  # kept, not deleted
            ("whatsapp_service", "opt_out", "agent"),
            ("whatsapp_marketing", "taken_back", "agent"),
            ("whatsapp_service", "taken_back", "agent"),
        ]
        objection = db.session.scalars(
            select(ConsentRecord).where(ConsentRecord.action == "opt_out")
        ).all()
        taken = db.session.scalars(
            select(ConsentRecord).where(ConsentRecord.action == "taken_back")
        ).all()
        for record, voided in zip(taken, objection, strict=True):
            assert record.evidence == {"voids": [voided.id]}
            assert record.wording == REASON
            assert record.recorded_by.email == OWNER
            assert record.recorded_at >= voided.recorded_at
        # What holds again: their first message (service), nothing for marketing.
        assert ledger.current(contact_id, ledger.SERVICE).source == "inbound_message"
        assert ledger.current(contact_id, ledger.MARKETING) is None
        assert contact.marketing_consent is None
        assert send_text(client, conversation_id, "Nach der Rücknahme") == [
            "Nach der Rücknahme"
        ]


def test_the_history_and_the_thread_show_both(app, client, objected):
    _, conversation_id, contact_id = objected
    withdraw(client, contact_id)

    page = client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    history = page.split('id="consent-history"')[1].split("</ol>")[0]
    assert history.count("Widerspruch zurückgenommen") == 2
    assert history.count("Widerruf/Abmeldung") == 2
    assert history.count("consent-voided") == 2  # each opt-out marked as taken back
    assert REASON in history and "erfasst von Erika Mustermann" in history
    assert 'id="objection"' not in page  # nothing left to take back
    thread = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "Der Kontakt hat der Verarbeitung widersprochen" in thread
    assert f"hat den Widerspruch zurückgenommen: {REASON}" in thread
    with app.app_context():
        (event,) = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "objection.withdrawn")
        ).all()
        assert event.object_id == contact_id
        taken = db.session.scalars(
            select(ConsentRecord.id).where(ConsentRecord.action == "taken_back")
        ).all()
        assert event.details == {"records": taken}  # ids only, not the reason
        assert REASON not in json.dumps(event.details, ensure_ascii=False)


@pytest.mark.parametrize("reason", ["", "   "])
def test_without_a_reason_nothing_is_taken_back(app, client, objected, reason):
    _, _, contact_id = objected

    response = withdraw(client, contact_id, reason)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="withdraw-reason-error"' in page
    assert "Bitte den Grund angeben" in page
    with app.app_context():
        assert db.session.get(Contact, contact_id).opted_out_at is not None
        assert ledger.current(contact_id, ledger.SERVICE).action == "opt_out"


def test_the_contact_page_offers_it_to_managers_only(app, client, auth, objected):
    _, _, contact_id = objected
    page = client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert 'id="objection-withdraw-form"' in page
    with app.app_context():
        owner = db.session.scalars(select(User).where(User.email == OWNER)).one()
        make_user(AGENT, workspace=workspace_of(owner), role=Role.AGENT)
    auth.logout()
    auth.login(AGENT)
    page = client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert 'id="objection-withdraw-form"' not in page
    assert withdraw(client, contact_id).status_code == 403
    page = client.get(f"/contacts/{contact_id}/objection/withdraw")
    assert page.status_code == 403
    with app.app_context():
        assert db.session.get(Contact, contact_id).opted_out_at is not None
        assert (
            db.session.scalar(
                select(ConsentRecord.id).where(ConsentRecord.action == "taken_back")
            )
            is None
        )


def test_another_workspaces_contact_is_a_404(app, client, auth, objected):
    _, _, contact_id = objected
    with app.app_context():
        make_user("fremd@example.com", name="Fritz Fremd")
    auth.logout()
    auth.login("fremd@example.com")
    assert_cross_workspace_404(
        client,
        [
            ("GET", f"/contacts/{contact_id}/objection/withdraw"),
            ("POST", f"/contacts/{contact_id}/objection/withdraw"),
        ],
    )
    with app.app_context():
        assert db.session.get(Contact, contact_id).opted_out_at is not None


def test_the_page_without_an_objection_goes_back_to_the_contact(app, client, objected):
    _, _, contact_id = objected
    withdraw(client, contact_id)
    again = withdraw(client, contact_id)
    assert again.status_code == 303
    with app.app_context():  # a second click records nothing more
        assert (
            len(
                db.session.scalars(
                    select(ConsentRecord).where(ConsentRecord.action == "taken_back")
                ).all()
            )
            == 2
        )


def test_the_persons_own_stop_keeps_holding(app, client, objected):
    """Only the team's records are voided: their STOP still stops marketing."""
    key, conversation_id, contact_id = objected
    customer_says(client, key, "STOP")  # after the objection: their own word
    with app.app_context():
        objection_records = db.session.scalars(
            select(ConsentRecord.id).where(ConsentRecord.source == "agent")
        ).all()
        db.session.execute(  # the STOP came first, the mistaken objection after it
            ConsentRecord.__table__.update()
            .where(ConsentRecord.source == "keyword")
            .values(id=0)
        )
        db.session.commit()

    withdraw(client, contact_id)

    assert marketing_reason(app) == "Der Kontakt hat Marketing-Nachrichten abbestellt."
    with app.app_context():
        contact = db.session.get(Contact, contact_id)
        assert contact.marketing_consent == "opt_out"
        assert ledger.current(contact_id, ledger.MARKETING).source == "keyword"
        assert latest_opt_outs([contact_id])  # an import's consent stays held back
        voided = ledger.voided_ids([contact_id])
        assert voided == set(objection_records)
        assert send_text(client, conversation_id, "Service geht") == ["Service geht"]


def test_an_earlier_consent_holds_again_and_imports_see_no_opt_out(
    app, client, objected
):
    _, _, contact_id = objected
    with app.app_context():
        contact = db.session.get(Contact, contact_id)
        assert latest_opt_outs([contact_id])
        db.session.add(  # a consent from a fair, older than the mistaken objection
            ConsentRecord(
                id=0,
                workspace_id=contact.workspace_id,
                contact_id=contact_id,
                purpose=ledger.MARKETING,
                action="opt_in",
                source="import",
                wording="Ja, per WhatsApp",
                evidence={"row": 2},
            )
        )
        db.session.commit()

    withdraw(client, contact_id)

    with app.app_context():
        assert db.session.get(Contact, contact_id).marketing_consent == "opt_in"
        assert (
            ledger.current(contact_id, ledger.MARKETING).wording == "Ja, per WhatsApp"
        )
        assert latest_opt_outs([contact_id]) == {}
    assert marketing_reason(app) is None


def test_a_live_objection_is_not_on_the_suppression_list_nor_after_taking_back(
    app, client, objected
):
    """The list holds erased contacts only; a taken-back objection leaves no hash."""
    _, _, contact_id = objected
    with app.app_context():
        assert db.session.scalar(select(Suppression.id)) is None
    withdraw(client, contact_id)
    with app.app_context():
        contact = db.session.get(Contact, contact_id)
        workspace_id, number = contact.workspace_id, e164_of_wa_id(contact.wa_id)
        erase_contact(contact)
        db.session.commit()
        assert db.session.scalar(select(Suppression.id)) is None
        assert not is_suppressed(workspace_id, e164=number)


def test_an_objection_in_force_still_reaches_the_list_at_erasure(app, client, objected):
    """The counterpart: without the take-back, erasure keeps the objection as a hash."""
    _, _, contact_id = objected
    with app.app_context():
        contact = db.session.get(Contact, contact_id)
        workspace_id, number = contact.workspace_id, e164_of_wa_id(contact.wa_id)
        erase_contact(contact)
        db.session.commit()
        assert is_suppressed(workspace_id, e164=number)


def test_taken_back_from_the_thread_panel_the_agent_stays_in_the_thread(
    app, client, objected
):
    _, conversation_id, contact_id = objected
    thread = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    back = f'name="next" value="/inbox/{conversation_id}"'
    assert back in thread  # the panel's dialog says where to come back to

    response = client.post(
        f"/contacts/{contact_id}/objection/withdraw",
        data={"reason": REASON, "next": f"/inbox/{conversation_id}"},
    )

    assert response.status_code == 303
    assert response.headers["Location"] == f"/inbox/{conversation_id}"


def test_an_offsite_return_address_is_ignored(app, client, objected):
    _, _, contact_id = objected
    response = client.post(
        f"/contacts/{contact_id}/objection/withdraw",
        data={"reason": REASON, "next": "//evil.example/phish"},
    )
    assert response.headers["Location"].endswith(f"/contacts/{contact_id}#consent")
