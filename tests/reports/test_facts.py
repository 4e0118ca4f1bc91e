"""Conversation facts: written where conversations change, pseudonymised, and gone
with a restriction or an erasure (the reports read only these)."""

from datetime import timedelta

from sqlalchemy import select, update

from leadgate.extensions import db
from leadgate.models import (
    BusinessHours,
    Contact,
    Conversation,
    Message,
    ReportConversation,
    as_utc,
)
from leadgate.reports import pseudonyms

from ..automation.support import CUSTOMER, conversation, writes

NAME = "Jürgen Müller"  # the sample payload's profile name


def facts(app) -> list[ReportConversation]:
    with app.app_context():
        found = db.session.scalars(
            select(ReportConversation).order_by(ReportConversation.id)
        ).all()
        db.session.expunge_all()
        return list(found)


def contact_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Contact.id))


def test_an_opening_an_answer_and_a_resolution_make_one_fact(app, client, world):
    writes(client, world, "Haben Sie den Tisch in Eiche?")
    [fact] = facts(app)
    with app.app_context():
        first_message = db.session.scalar(
            select(Message).where(Message.direction == "in")
        )
        assert as_utc(fact.opened_at) == as_utc(first_message.created_at)
    assert (fact.channel_id, fact.team_id) == (world.channel_id, world.sales_id)
    assert (fact.reopened, fact.new_contact) == (False, True)
    assert fact.first_response_at is None and fact.resolved_at is None
    writes(client, world, "Noch da?")  # the same opening
    assert len(facts(app)) == 1

    cid = conversation(app).id
    assert client.post(f"/inbox/{cid}/messages", data={"text": "Ja!"}).status_code < 400
    [fact] = facts(app)
    # No business hours for team or number: always open, so the clock time.
    spent = as_utc(fact.first_response_at) - as_utc(fact.opened_at)
    assert fact.first_response_seconds == int(spent.total_seconds())
    assert fact.responder_id == world.owner_id
    client.post(f"/inbox/{cid}/messages", data={"text": "Noch etwas?"})
    assert facts(app)[0].first_response_at == fact.first_response_at  # the first only

    client.post(f"/inbox/{cid}/state", data={"state": "resolved"})
    [fact] = facts(app)
    spent = as_utc(fact.resolved_at) - as_utc(fact.opened_at)
    assert fact.resolution_seconds == int(spent.total_seconds())
    assert fact.resolver_id == world.owner_id

    writes(client, world, "Ich schon wieder")  # reopens it: a second fact
    first, second = facts(app)
    assert (second.reopened, second.new_contact) == (True, False)
    assert second.contact_key == first.contact_key  # the same person, counted once
    assert second.first_response_at is None


def test_an_answer_outside_business_hours_took_no_business_time(app, client, world):
    """The team's hours are never open now (a closed week): the answer, however
    late, took 0 seconds of business hours; the wall clock still shows the moments."""
    with app.app_context():
        db.session.add(
            BusinessHours(
                workspace_id=world.workspace_id,
                team_id=world.sales_id,
                week={},  # open on no day
                active=True,
            )
        )
        db.session.commit()
    writes(client, world)
    cid = conversation(app).id
    with app.app_context():  # as if the contact had written an hour earlier
        db.session.execute(
            update(ReportConversation).values(
                opened_at=ReportConversation.opened_at - timedelta(hours=1)
            )
        )
        db.session.commit()
    client.post(f"/inbox/{cid}/messages", data={"text": "Guten Morgen!"})
    [fact] = facts(app)
    assert fact.first_response_seconds == 0
    assert as_utc(fact.first_response_at) - as_utc(fact.opened_at) > timedelta(hours=1)


def test_facts_hold_no_person_and_follow_restriction_and_erasure(app, client, world):
    writes(client, world, "Meine Nummer ist 0151 1234567")
    [fact] = facts(app)
    person = contact_id(app)
    values = [str(getattr(fact, column.key)) for column in fact.__table__.columns]
    for secret in (NAME, CUSTOMER, "0151", "Nummer"):  # name, number, text
        assert not any(secret in value for value in values), secret
    # No column holds the contact's id: only the pseudonym leads to them.
    assert set(ReportConversation.__table__.columns.keys()).isdisjoint(
        {"contact_id", "conversation_id", "message_id"}
    )
    with app.app_context():
        expected = pseudonyms.Pseudonyms().of(world.workspace_id, "contact", person)
    assert fact.contact_key == expected

    cid = conversation(app).id
    response = client.post(
        f"/inbox/{cid}/restrict", data={"reason": "Widerspruch per E-Mail"}
    )
    assert response.status_code < 400
    assert facts(app) == []  # left out of the reports
    client.post(f"/inbox/{cid}/state", data={"state": "resolved"})
    writes(client, world, "Hallo?")  # reopened while restricted: no fact either
    assert facts(app) == []

    with app.app_context():
        db.session.execute(
            update(Contact).values(restricted_at=None, restricted_reason=None)
        )
        db.session.commit()
    client.post(f"/inbox/{cid}/state", data={"state": "resolved"})
    writes(client, world, "Jetzt wieder")
    assert len(facts(app)) == 1
    response = client.post(
        f"/contacts/{person}/erase", data={"confirm": "LÖSCHEN"}, follow_redirects=False
    )
    assert response.status_code < 400, response.status_code
    with app.app_context():
        assert db.session.get(Conversation, cid) is None  # erased
    assert facts(app) == []


def test_a_fact_written_after_the_answer_takes_the_answer_along(app, client, world):
    """The follow-up job waits behind a burst of drains; the agent answered first."""
    from sqlalchemy import delete

    from leadgate.reports import facts as report_facts

    writes(client, world, "Hallo")
    cid = conversation(app).id
    client.post(f"/inbox/{cid}/messages", data={"text": "Guten Tag!"})
    with app.app_context():
        db.session.execute(delete(ReportConversation))  # as if not written yet
        first_id = db.session.scalar(
            select(Message.id).where(Message.direction == "in")
        )
        report_facts.conversations_opened([(cid, first_id, True, False, True)])
        answered = db.session.get(Conversation, cid).first_answered_at
    [fact] = facts(app)
    assert as_utc(fact.first_response_at) == as_utc(answered)
    spent = as_utc(fact.first_response_at) - as_utc(fact.opened_at)
    assert fact.first_response_seconds == int(spent.total_seconds())
    assert (fact.reopened, fact.new_contact) == (False, True)
