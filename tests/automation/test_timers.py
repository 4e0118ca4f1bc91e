"""The time triggers from rq cron: exact to the minute (the clock is passed in, never
slept for), once per waiting period, whatever a restart or a second run does."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from leadgate.automation import services, timers
from leadgate.extensions import db
from leadgate.models import Conversation, Rule, User, as_utc
from leadgate.outbound.service import stage

from .support import add_rule, change, conversation, firings, label, writes

MINUTE = timedelta(minutes=1)


def fire(app, now) -> int:
    with app.app_context():
        return timers.fire_time_rules(now)


def waits(app) -> tuple:
    c = conversation(app)
    return (
        as_utc(c.agent_wait_since) if c.agent_wait_since else None,
        as_utc(c.contact_wait_since) if c.contact_wait_since else None,
    )


def agent_answers(app, world) -> None:
    """An agent's message, as the composer stores it (the send itself aside)."""
    with app.app_context():
        stage(
            db.session.scalar(select(Conversation)),
            db.session.get(User, world.owner_id),
            type="text",
            text="Gerne!",
        )
        db.session.commit()


def test_no_agent_answer_fires_exactly_when_the_wait_is_reached(app, client, world):
    rule = add_rule(
        app, world, "no_agent_answer", [label(world, "dringend")], wait_minutes=30
    )
    writes(client, world, "Hallo?")
    since, _ = waits(app)
    assert fire(app, since + 30 * MINUTE - timedelta(seconds=1)) == 0
    assert fire(app, since + 30 * MINUTE) == 1
    [fired] = firings(app, rule)
    assert (fired.trigger, as_utc(fired.period_at)) == ("no_agent_answer", since)
    # Once per waiting period: the next minutes, a second run, a restart.
    assert fire(app, since + 30 * MINUTE) == 0
    assert fire(app, since + 31 * MINUTE) == 0
    assert fire(app, since + 5 * 60 * MINUTE) == 0
    assert len(firings(app, rule)) == 1


def test_the_wait_starts_at_the_first_unanswered_message(app, client, world):
    add_rule(app, world, "no_agent_answer", [label(world)], wait_minutes=10)
    writes(client, world, "Hallo?")
    first, _ = waits(app)
    writes(client, world, "Noch jemand da?")
    assert waits(app)[0] == first  # still waiting since the first message
    assert fire(app, first + 10 * MINUTE) == 1


def test_an_answer_ends_the_wait_and_a_new_message_starts_another(app, client, world):
    rule = add_rule(app, world, "no_agent_answer", [label(world)], wait_minutes=10)
    writes(client, world, "Hallo?")
    first, _ = waits(app)
    agent_answers(app, world)
    assert waits(app)[0] is None and waits(app)[1] is not None
    assert fire(app, first + 10 * MINUTE) == 0  # answered in time
    writes(client, world, "Danke, und noch eine Frage")
    second, contact_wait = waits(app)
    assert second > first and contact_wait is None
    assert fire(app, second + 10 * MINUTE) == 1
    assert [as_utc(f.period_at) for f in firings(app, rule)] == [second]


def test_no_contact_answer_counts_in_hours_from_the_teams_message(app, client, world):
    rule = add_rule(
        app,
        world,
        "no_contact_answer",
        [{"kind": "set_state", "state": "resolved"}],
        wait_minutes=24 * 60,
    )
    writes(client, world, "Was kostet das?")
    agent_answers(app, world)
    _, since = waits(app)
    change(app, Conversation, conversation(app).id, state="pending")
    assert fire(app, since + timedelta(hours=24) - MINUTE) == 0
    assert fire(app, since + timedelta(hours=24)) == 1
    assert firings(app, rule)[0].outcomes == [["set_state", "done"]]
    assert conversation(app).state == "resolved"


@pytest.mark.parametrize("state", ["resolved", "snoozed", "pending"])
def test_only_open_conversations_wait_for_an_agent(app, client, world, state):
    add_rule(app, world, "no_agent_answer", [label(world)], wait_minutes=5)
    writes(client, world, "Hallo?")
    since, _ = waits(app)
    change(app, Conversation, conversation(app).id, state=state)
    assert fire(app, since + 5 * MINUTE) == 0


def test_a_rule_switched_off_never_fires_and_on_again_starts_from_then(
    app, client, world
):
    rule = add_rule(
        app, world, "no_agent_answer", [label(world)], wait_minutes=5, enabled=False
    )
    writes(client, world, "Hallo?")
    since, _ = waits(app)
    assert fire(app, since + 5 * MINUTE) == 0
    with app.app_context():  # switched on 10 minutes into the wait
        services.switch(db.session.get(Rule, rule), True, now=since + 10 * MINUTE)
        db.session.commit()
    # The wait reached 5 minutes before the rule was on: not its business.
    assert fire(app, since + 60 * MINUTE) == 0
    writes(client, world, "Hallo??")  # still the same wait: nothing new
    assert fire(app, since + 120 * MINUTE) == 0
    assert firings(app, rule) == []
    # A wait that begins once it is on is (a later one: the test's clock ran ahead).
    later = since + 200 * MINUTE
    change(app, Conversation, conversation(app).id, agent_wait_since=later)
    assert fire(app, later + 5 * MINUTE) == 1


def test_the_clock_and_the_conditions_are_checked_under_the_lock(app, client, world):
    """A wait read by the timer but answered before its page is locked: no firing."""
    rule = add_rule(app, world, "no_agent_answer", [label(world)], wait_minutes=5)
    writes(client, world, "Hallo?")
    since, _ = waits(app)
    original = timers.waits_due

    def answered_meanwhile(rule_row, due):
        rows = original(rule_row, due)
        conversation_row = db.session.scalar(select(Conversation))
        conversation_row.agent_wait_since = None  # the agent's answer, just now
        return rows

    timers.waits_due = answered_meanwhile
    try:
        assert fire(app, since + 5 * MINUTE) == 0
    finally:
        timers.waits_due = original
    assert firings(app, rule) == []


def test_many_waits_are_fired_page_by_page(app, client, world, monkeypatch):
    monkeypatch.setattr(timers, "PAGE", 2)
    rule = add_rule(app, world, "no_agent_answer", [label(world)], wait_minutes=15)
    for n in range(5):
        writes(client, world, "Hallo?", wa_id=f"49151000000{n:02d}")
    with app.app_context():
        latest = max(
            as_utc(c.agent_wait_since) for c in db.session.scalars(select(Conversation))
        )
    assert fire(app, latest + 15 * MINUTE) == 5
    assert fire(app, latest + 16 * MINUTE) == 0
    assert len({f.conversation_id for f in firings(app, rule)}) == 5
