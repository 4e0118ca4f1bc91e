"""Messages per hour for the reports: each stored message counts once, in the hour it
was written, with its number and team; a restricted contact's do not count."""

from datetime import UTC, datetime

from sqlalchemy import select, update

from leadgate.extensions import db
from leadgate.models import Contact, ReportMessageHour, utcnow
from leadgate.reports.counts import count

from ..automation.support import conversation
from ..inbox_support import post_signed
from ..webhook_fixtures import load_payload, meta_bytes


def hours(app) -> dict[tuple, int]:
    with app.app_context():
        rows = db.session.scalars(select(ReportMessageHour)).all()
        return {
            (
                r.channel_id,
                r.team_id,
                r.hour.replace(tzinfo=UTC),
                r.direction,
            ): r.messages
            for r in rows
        }


def contact_writes(client, world, wamid: str, at: datetime, kind: str = "text"):
    payload = load_payload(kind)
    value = payload["entry"][0]["changes"][0]["value"]
    message = value["messages"][0]
    message["id"] = wamid
    message["timestamp"] = str(int(at.timestamp()))
    post_signed(client, world.key, meta_bytes(payload))


def test_each_message_counts_once_in_its_hour(app, client, world):
    nine = datetime(2026, 12, 7, 9, 5, tzinfo=UTC)
    ten = datetime(2026, 12, 7, 10, 59, tzinfo=UTC)
    contact_writes(client, world, "wamid.count.1", nine)
    contact_writes(client, world, "wamid.count.2", ten)
    contact_writes(client, world, "wamid.count.1", nine)  # Meta sends it again
    contact_writes(client, world, "wamid.count.3", ten, kind="reaction")  # no message
    first_hour = datetime(2026, 12, 7, 9, tzinfo=UTC)
    second_hour = datetime(2026, 12, 7, 10, tzinfo=UTC)
    sales = (world.channel_id, world.sales_id)
    assert hours(app) == {(*sales, first_hour, "in"): 1, (*sales, second_hour, "in"): 1}

    cid = conversation(app).id
    before = utcnow()
    client.post(f"/inbox/{cid}/messages", data={"text": "Guten Tag!"})
    now_hour = before.replace(minute=0, second=0, microsecond=0)
    assert hours(app)[(*sales, now_hour, "out")] == 1


def test_a_restricted_contacts_messages_are_not_counted(app, client, world):
    contact_writes(client, world, "wamid.count.10", utcnow())
    with app.app_context():
        db.session.execute(update(Contact).values(restricted_at=utcnow()))
        db.session.commit()
    contact_writes(client, world, "wamid.count.11", utcnow())
    assert sum(hours(app).values()) == 1


def test_counts_rolled_back_with_their_transaction_are_not_written(app, world):
    at = datetime(2026, 12, 7, 9, tzinfo=UTC)
    with app.app_context():
        db.session.execute(select(Contact.id))  # the transaction a message is stored in
        count(world.workspace_id, world.channel_id, None, at, "in")
        db.session.rollback()
        db.session.commit()
        count(world.workspace_id, world.channel_id, None, at, "in")
        count(world.workspace_id, world.channel_id, None, at, "in")
        db.session.commit()
    assert hours(app) == {(world.channel_id, 0, at, "in"): 2}  # 0: no team
