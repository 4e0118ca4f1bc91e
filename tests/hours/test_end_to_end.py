"""Once through everything: a signed webhook from Meta's emulator, the drain, the
after_inbound job, the delivery; the emulator receives exactly one away reply,
and the thread says it was sent automatically."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from leadgate.extensions import db
from leadgate.models import (
    AutoReplySettings,
    BusinessClosure,
    BusinessHours,
    Channel,
    Conversation,
    Message,
)

from ..emulator_support import CUSTOMER
from ..outbound import helpers
from ..outbound.helpers import customer_writes, post_webhook, read, sent_at_emulator
from ..webhook_fixtures import meta_bytes

EVERY_DAY = {str(day): [["09:00", "18:00"]] for day in range(7)}
AWAY = "Danke! Wir sind gerade nicht da und melden uns ab {next_opening}."


def close_the_number() -> None:
    """The number's own hours, every day 9–18, but closed from yesterday to
    tomorrow (whatever the time the test runs); both replies switched on."""
    today = datetime.now(ZoneInfo("Europe/Berlin")).date()
    with helpers.APP.app_context():
        channel = db.session.scalars(select(Channel)).one()
        hours = BusinessHours(
            workspace_id=channel.workspace_id, channel_id=channel.id, week=EVERY_DAY
        )
        db.session.add(hours)
        db.session.flush()
        db.session.add(
            BusinessClosure(
                workspace_id=channel.workspace_id,
                hours_id=hours.id,
                first_day=today - timedelta(days=1),
                last_day=today + timedelta(days=1),
                note="Betriebsausflug",
            )
        )
        db.session.add(
            AutoReplySettings(
                workspace_id=channel.workspace_id,
                welcome_on=True,
                away_on=True,
                language="de",
                welcome_text="Willkommen!",
                away_text=AWAY,
                period_hours=24,
            )
        )
        db.session.commit()


def test_the_contact_gets_one_away_reply_through_meta(client, emulator, channel_key):
    close_the_number()
    conversation_id = customer_writes(client, emulator, channel_key)
    again = emulator.inject(**{"from": CUSTOMER, "deliver": False, "text": "Hallo??"})
    post_webhook(client, channel_key, meta_bytes(again["webhook"]))

    [sent] = sent_at_emulator(emulator)
    assert sent["to"] == CUSTOMER
    body = sent["body"]["text"]["body"]
    assert body.startswith("Danke! Wir sind gerade nicht da und melden uns ab ")
    assert body.endswith(" um 09:00 Uhr.")  # the day after tomorrow, by name
    [reply] = read(select(Message).where(Message.direction == "out"))
    assert (reply.details, reply.status, reply.wamid) == (
        {"kind": "away_reply"},
        "sent",
        sent["id"],
    )
    thread = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "Automatisch gesendet: Abwesenheitsnotiz" in thread


def test_inside_the_hours_the_first_message_is_welcomed_once(
    client, emulator, channel_key
):
    close_the_number()
    with helpers.APP.app_context():  # no hours in force: always open
        db.session.execute(update(BusinessHours).values(active=False))
        db.session.commit()
    conversation_id = customer_writes(client, emulator, channel_key)
    again = emulator.inject(**{"from": CUSTOMER, "deliver": False, "text": "Hallo??"})
    post_webhook(client, channel_key, meta_bytes(again["webhook"]))
    assert [m["body"]["text"]["body"] for m in sent_at_emulator(emulator)] == [
        "Willkommen!"
    ]
    thread = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "Automatisch gesendet: Begrüßung" in thread
    assert read(select(Conversation.auto_replies_off)) == [False]
