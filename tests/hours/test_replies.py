"""Welcome and away replies (hours/replies.py answer_arrivals), called as the
after_inbound job calls it: once for the first message, once per period outside
the business hours, never inside them, outside the 24-hour window, to a contact
who objected or is restricted, in a conversation a rule switched them off in,
or to a keyword; and of two calls at once only one sends."""

import os
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select, update

from leadgate.extensions import db
from leadgate.hours import replies
from leadgate.models import (
    AutoReplySent,
    AutoReplySettings,
    BusinessClosure,
    BusinessHours,
    Channel,
    Contact,
    Conversation,
    Message,
    Team,
    utcnow,
)
from leadgate.models.hours import AWAY, WELCOME

from ..inbox_support import make_team

BERLIN = ZoneInfo("Europe/Berlin")
ALWAYS_CLOSED = {str(day): [] for day in range(7)}
ALWAYS_OPEN = {str(day): [["00:00", "23:59"]] for day in range(7)}
WELCOME_TEXT = "Willkommen bei {workspace}!"
AWAY_TEXT = "Wir sind ab {next_opening} wieder da."


@pytest.fixture
def delivered(monkeypatch):
    """Channels the job asked to deliver for (the sending itself: test_end_to_end)."""
    channels: list[int] = []
    monkeypatch.setattr(replies, "enqueue_delivery", channels.append)
    return channels


@pytest.fixture
def shop(app, delivered):
    """A team "Vertrieb" with the number, replies switched on, and one contact."""
    team = make_team(app)
    with app.app_context():
        sales = Team(workspace_id=team.workspace_id, name="Vertrieb")
        db.session.add(sales)
        db.session.flush()
        db.session.get(Channel, team.channel_id).team_id = sales.id
        db.session.add(
            AutoReplySettings(
                workspace_id=team.workspace_id,
                welcome_on=True,
                away_on=True,
                language="de",
                second_language="en",
                welcome_text=WELCOME_TEXT,
                welcome_text_second="Welcome!",
                away_text=AWAY_TEXT,
                away_text_second="Back {next_opening}.",
                period_hours=24,
            )
        )
        hours = BusinessHours(
            workspace_id=team.workspace_id, team_id=sales.id, week=ALWAYS_OPEN
        )
        db.session.add(hours)
        db.session.commit()
        return {"team": team, "sales": sales.id, "hours": hours.id}


def contact_writes(app, shop, text="Hallo", wa_id="4915100000001", **contact) -> tuple:
    """A new inbound message (in the contact's one conversation): the arrival."""
    team = shop["team"]
    with app.app_context():
        person = db.session.scalar(select(Contact).where(Contact.wa_id == wa_id))
        if person is None:
            person = Contact(workspace_id=team.workspace_id, wa_id=wa_id, **contact)
            db.session.add(person)
            db.session.flush()
        conversation = db.session.scalar(
            select(Conversation).where(Conversation.contact_id == person.id)
        )
        opened = conversation is None
        if opened:
            conversation = Conversation(
                workspace_id=team.workspace_id,
                channel_id=team.channel_id,
                contact_id=person.id,
                team_id=shop["sales"],
            )
            db.session.add(conversation)
            db.session.flush()
        message = Message.of(
            conversation, direction="in", type="text", text=text, sent_at=utcnow()
        )
        db.session.add(message)
        conversation.last_message_preview = text  # as the drain does
        db.session.commit()
        return conversation.id, message.id, opened


def answer(app, *arrivals) -> None:
    with app.app_context():
        replies.answer_arrivals(list(arrivals))


def auto_replies(app) -> list[Message]:
    with app.app_context():
        found = db.session.scalars(
            select(Message).where(Message.direction == "out").order_by(Message.id)
        ).all()
        db.session.expunge_all()
        return list(found)


def kinds(app) -> list[str]:
    return [m.details["kind"] for m in auto_replies(app)]


def set_week(app, shop, week) -> None:
    with app.app_context():
        db.session.get(BusinessHours, shop["hours"]).week = week
        db.session.commit()


def close_around_today(app, shop) -> None:
    """Closed from yesterday to tomorrow, whatever day and time the test runs."""
    today = datetime.now(BERLIN).date()
    with app.app_context():
        db.session.add(
            BusinessClosure(
                workspace_id=shop["team"].workspace_id,
                hours_id=shop["hours"],
                first_day=today - timedelta(days=1),
                last_day=today + timedelta(days=1),
            )
        )
        db.session.commit()


def test_welcome_once_for_the_first_message_inside_hours(app, shop, delivered):
    answer(app, contact_writes(app, shop))
    [welcome] = auto_replies(app)
    assert welcome.text == "Willkommen bei Workspace Olga Owner!\n\nWelcome!"
    assert (welcome.details, welcome.author_id, welcome.status) == (
        {"kind": WELCOME},
        None,
        "queued",
    )
    assert delivered == [shop["team"].channel_id]
    answer(app, contact_writes(app, shop, "Noch etwas"))  # not the first any more
    assert kinds(app) == [WELCOME]


def test_the_welcome_keeps_the_contacts_words_as_the_lists_preview(app, shop):
    answer(app, contact_writes(app, shop, "Ist die Stelle frei?"))
    with app.app_context():
        conversation = db.session.scalars(select(Conversation)).one()
        # What the contact wrote is what the agent has to answer.
        assert conversation.last_message_preview == "Ist die Stelle frei?"


def test_away_once_per_period_outside_hours_and_never_inside(app, shop):
    set_week(app, shop, ALWAYS_CLOSED | {"0": [["09:00", "18:00"]]})  # Mondays only
    close_around_today(app, shop)  # (should today be a Monday)
    answer(app, contact_writes(app, shop))
    [away] = auto_replies(app)
    assert away.details == {"kind": AWAY}  # instead of the welcome, not with it
    assert away.text.startswith("Wir sind ab ") and "um 09:00 Uhr" in away.text
    assert "\n\nBack " in away.text and "9:00" in away.text.rsplit("\n", 1)[1]
    answer(app, contact_writes(app, shop, "Hallo??"))
    assert kinds(app) == [AWAY]  # once per period
    with app.app_context():  # a day later the period has passed
        db.session.execute(
            update(AutoReplySent).values(sent_at=utcnow() - timedelta(hours=25))
        )
        db.session.commit()
    answer(app, contact_writes(app, shop, "Hallo???"))
    assert kinds(app) == [AWAY, AWAY]
    set_week(app, shop, ALWAYS_OPEN)
    with app.app_context():
        db.session.execute(delete(BusinessClosure))
        db.session.execute(
            update(AutoReplySent).values(sent_at=utcnow() - timedelta(hours=25))
        )
        db.session.commit()
    answer(app, contact_writes(app, shop, "Jetzt offen?"))
    assert kinds(app) == [AWAY, AWAY]  # inside the hours: no away reply


def test_the_period_is_the_workspaces(app, shop):
    set_week(app, shop, ALWAYS_CLOSED)
    with app.app_context():
        db.session.execute(update(AutoReplySettings).values(period_hours=2))
        db.session.commit()
    answer(app, contact_writes(app, shop))
    with app.app_context():
        db.session.execute(
            update(AutoReplySent).values(sent_at=utcnow() - timedelta(hours=3))
        )
        db.session.commit()
    answer(app, contact_writes(app, shop, "Und jetzt?"))
    assert kinds(app) == [AWAY, AWAY]


def test_switched_off_nothing_is_sent(app, shop):
    with app.app_context():
        db.session.execute(
            update(AutoReplySettings).values(welcome_on=False, away_on=False)
        )
        db.session.commit()
    answer(app, contact_writes(app, shop))
    assert auto_replies(app) == []


def test_without_business_hours_there_is_no_away_reply(app, shop):
    with app.app_context():
        db.session.execute(update(BusinessHours).values(active=False))
        db.session.execute(update(AutoReplySettings).values(welcome_on=False))
        db.session.commit()
    answer(app, contact_writes(app, shop))
    assert auto_replies(app) == []


def test_never_outside_the_24_hour_window(app, shop):
    set_week(app, shop, ALWAYS_CLOSED)
    arrival = contact_writes(app, shop)
    with app.app_context():  # a message Meta delivered a day and a half late
        db.session.execute(
            update(Message).values(sent_at=utcnow() - timedelta(hours=36))
        )
        db.session.commit()
    answer(app, arrival)
    assert auto_replies(app) == []
    with app.app_context():
        assert db.session.scalars(select(AutoReplySent)).all() == []


@pytest.mark.parametrize("block", ["opted_out_at", "restricted_at"])
def test_never_to_a_contact_who_objected_or_is_restricted(app, shop, block):
    set_week(app, shop, ALWAYS_CLOSED)
    answer(app, contact_writes(app, shop, **{block: utcnow()}))
    assert auto_replies(app) == []


def test_not_where_a_rule_switched_automatic_replies_off(app, shop):
    set_week(app, shop, ALWAYS_CLOSED)
    arrival = contact_writes(app, shop)
    with app.app_context():
        db.session.execute(update(Conversation).values(auto_replies_off=True))
        db.session.commit()
    answer(app, arrival)
    assert auto_replies(app) == []
    with app.app_context():  # the rule lets go: the next message is answered
        db.session.execute(update(Conversation).values(auto_replies_off=False))
        db.session.commit()
    answer(app, contact_writes(app, shop, "Hallo?"))
    assert kinds(app) == [AWAY]


@pytest.mark.parametrize("keyword", ["STOP", "start!"])
def test_a_keyword_gets_no_automatic_reply(app, shop, keyword):
    set_week(app, shop, ALWAYS_CLOSED)
    answer(app, contact_writes(app, shop, keyword))
    assert auto_replies(app) == []


def test_a_reaction_is_not_answered(app, shop):
    set_week(app, shop, ALWAYS_CLOSED)
    conversation_id, message_id, opened = contact_writes(app, shop)
    with app.app_context():
        db.session.execute(
            update(Message).where(Message.id == message_id).values(type="reaction")
        )
        db.session.commit()
    answer(app, (conversation_id, message_id, opened))
    assert auto_replies(app) == []


def test_one_job_answers_each_conversation_of_its_batch(app, shop, delivered):
    set_week(app, shop, ALWAYS_CLOSED)
    first = contact_writes(app, shop, wa_id="4915100000001")
    second = contact_writes(app, shop, wa_id="4915100000002")
    answer(app, first, second)
    assert kinds(app) == [AWAY, AWAY]
    assert delivered == [shop["team"].channel_id]  # one delivery job for the number


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL"),
    reason="needs PostgreSQL (CI): SQLite lets one transaction write at a time",
)
def test_two_calls_at_once_send_one_reply(app, shop, monkeypatch):
    """Two drains' jobs for the same contact, in two transactions, at one moment."""
    set_week(app, shop, ALWAYS_CLOSED)
    first = contact_writes(app, shop)
    second = contact_writes(app, shop, "Hallo, noch da?")
    both_claim = threading.Barrier(2, timeout=10)
    real_claim = replies.claim

    def claim_together(due):
        both_claim.wait()  # both transactions have read, neither has claimed
        return real_claim(due)

    monkeypatch.setattr(replies, "claim", claim_together)
    errors: list[BaseException] = []

    def job(arrival):
        try:
            answer(app, arrival)
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=job, args=(a,)) for a in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert errors == []
    assert kinds(app) == [AWAY]
    with app.app_context():
        assert len(db.session.scalars(select(AutoReplySent)).all()) == 1
