"""A keyword opt-out is confirmed with the workspace's own words, once, inside the window."""

from sqlalchemy import select, update

from leadgate.extensions import db
from leadgate.models import Contact, Message, Workspace, utcnow

from ..emulator_support import CUSTOMER
from ..webhook_fixtures import meta_bytes
from . import helpers
from .helpers import post_webhook, read, sent_at_emulator

CONFIRMATION = "Sie erhalten keine Angebote mehr. Mit START melden Sie sich wieder an."


def set_reply(text: str | None) -> None:
    with helpers.APP.app_context():
        db.session.execute(update(Workspace).values(opt_out_reply=text))
        db.session.commit()


def customer_sends(client, emulator, key: str, text: str) -> bytes:
    answer = emulator.inject(**{"from": CUSTOMER, "deliver": False, "text": text})
    body = meta_bytes(answer["webhook"])
    post_webhook(client, key, body)
    return body


def confirmations() -> list[Message]:
    return read(select(Message).where(Message.direction == "out"))


def test_stop_is_confirmed_once_with_the_configured_text(client, emulator, channel_key):
    set_reply(CONFIRMATION)
    body = customer_sends(client, emulator, channel_key, "Stopp")
    post_webhook(client, channel_key, body)  # Meta delivers it again
    [reply] = confirmations()
    assert (reply.text, reply.details, reply.status) == (
        CONFIRMATION,
        {"kind": "opt_out_confirmation"},
        "sent",
    )
    [sent] = sent_at_emulator(emulator)
    assert (sent["id"], sent["to"]) == (reply.wamid, CUSTOMER)


def test_no_confirmation_without_a_text_or_for_a_restricted_contact(
    client, emulator, channel_key
):
    customer_sends(client, emulator, channel_key, "STOP")
    assert confirmations() == []
    set_reply(CONFIRMATION)
    with helpers.APP.app_context():
        db.session.execute(update(Contact).values(restricted_at=utcnow()))
        db.session.commit()
    customer_sends(client, emulator, channel_key, "ABMELDEN")
    assert confirmations() == [] and sent_at_emulator(emulator) == []
