"""Each assignment mode with capacity, availability and "sticky" (routing/pool.py)."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from leadgate import live
from leadgate.extensions import db
from leadgate.models import Conversation, Team, TeamMember, utcnow
from leadgate.routing.assignment import assign_waiting

from ..support import url_in
from .support import (
    OWNER,
    add_waiting,
    assignees,
    events,
    make_setup,
    open_load,
    run,
    set_status,
)


def arrive(app, ids, reopened=False):
    """The drain's job for these conversations: contacts just wrote to them."""
    run(app, assign_waiting, [(i, not reopened, reopened) for i in ids])


def change(app, model, *where, **values):
    with app.app_context():
        db.session.execute(update(model).where(*where).values(**values))
        db.session.commit()


def test_round_robin_takes_turns_up_to_each_agents_capacity(app):
    setup = make_setup(app, agents=3, capacity=2)
    a1, a2, a3 = setup.agents
    first = add_waiting(app, setup, 4)
    arrive(app, first)
    assert assignees(app, first) == [a1, a2, a3, a1]
    later = add_waiting(app, setup, 3)
    arrive(app, later)
    # The pointer carries on after a1; then everybody holds two: the last waits.
    assert assignees(app, later) == [a2, a3, None]
    assert [open_load(app, a) for a in setup.agents] == [2, 2, 2]


def test_only_online_members_of_the_team_with_room_get_conversations(app):
    setup = make_setup(app, agents=3, capacity=2)
    a1, a2, a3 = setup.agents
    set_status(app, setup, [a2], "away")
    set_status(app, setup, [setup.owner_id], "online")  # online, not in the team
    ids = add_waiting(app, setup, 5)
    arrive(app, ids)
    assert assignees(app, ids) == [a1, a3, a1, a3, None]
    set_status(app, setup, [a1, a3], "offline")
    more = add_waiting(app, setup, 1)
    arrive(app, more)
    assert assignees(app, more) == [None]


def test_balanced_gives_the_least_busy_and_on_a_tie_who_waited_longest(app):
    setup = make_setup(app, agents=3, mode="balanced", capacity=2)
    a1, a2, a3 = setup.agents
    [held] = add_waiting(app, setup, 1, assignee_id=a1)
    long_ago = utcnow() - timedelta(hours=2)
    change(app, TeamMember, TeamMember.user_id == a2, last_assigned_at=utcnow())
    change(app, TeamMember, TeamMember.user_id == a3, last_assigned_at=long_ago)
    ids = add_waiting(app, setup, 6)
    arrive(app, ids)
    # a3 and a2 hold none (a3 waited longer), then all hold one: a1 never got
    # one from the team, so it waited longest; then a2, a3 by id at equal times.
    assert assignees(app, ids) == [a3, a2, a1, a2, a3, None]
    assert assignees(app, [held]) == [a1]


def test_a_members_own_capacity_and_all_their_open_conversations_count(app):
    setup = make_setup(app, agents=3, capacity=2)
    a1, a2, a3 = setup.agents
    change(app, TeamMember, TeamMember.user_id == a1, capacity=1)
    # a3 already holds two open conversations elsewhere in the workspace (no team);
    # resolved, pending and snoozed ones do not count.
    add_waiting(app, setup, 2, team_id=None, assignee_id=a3)
    for state in ("resolved", "pending", "snoozed"):
        add_waiting(app, setup, 1, assignee_id=a2, state=state)
    ids = add_waiting(app, setup, 4)
    arrive(app, ids)
    assert assignees(app, ids) == [a1, a2, a2, None]


def test_no_assignment_when_the_team_has_it_off(app):
    setup = make_setup(app, agents=2)
    change(app, Team, Team.id == setup.team_id, assignment_mode="off")
    ids = add_waiting(app, setup, 2)
    arrive(app, ids)
    assert assignees(app, ids) == [None, None]


def sticky_case(app, sticky: bool, last_agent_status: str = "online"):
    setup = make_setup(app, agents=3, capacity=2, sticky=sticky)
    a1, a2, a3 = setup.agents
    # The contact's earlier conversation (resolved) was a2's.
    [earlier] = add_waiting(app, setup, 1, assignee_id=a2, state="resolved")
    with app.app_context():
        contact_id = db.session.get(Conversation, earlier).contact_id
        again = Conversation(
            workspace_id=setup.workspace_id,
            channel_id=setup.channel_id,
            contact_id=contact_id,
            team_id=setup.team_id,
            state="open",
        )
        db.session.add(again)
        db.session.commit()
        again_id = again.id
    set_status(app, setup, [a2], last_agent_status)
    arrive(app, [again_id])
    return setup, assignees(app, [again_id])[0]


def test_sticky_gives_a_returning_contact_to_their_last_agent(app):
    setup, got = sticky_case(app, sticky=True)
    assert got == setup.agents[1]


def test_without_sticky_a_returning_contact_takes_the_next_turn(app):
    setup, got = sticky_case(app, sticky=False)
    assert got == setup.agents[0]


def test_sticky_falls_back_to_the_turn_when_their_agent_is_away(app):
    setup, got = sticky_case(app, sticky=True, last_agent_status="away")
    assert got == setup.agents[0]


def test_sticky_remembers_the_last_agent_of_an_unassigned_conversation(app):
    setup = make_setup(app, agents=3, capacity=2, sticky=True)
    a3 = setup.agents[2]
    [conversation] = add_waiting(app, setup, 1, last_assignee_id=a3)
    arrive(app, [conversation], reopened=True)
    assert assignees(app, [conversation]) == [a3]


@pytest.mark.parametrize(
    "status, expected", [("online", 1), ("away", 1), ("offline", 0)]
)
def test_a_reopened_conversation_stays_with_its_agent_unless_they_are_offline(
    app, status, expected
):
    setup = make_setup(app, agents=2, capacity=2)
    a1, a2 = setup.agents
    [conversation] = add_waiting(app, setup, 1, assignee_id=a2, last_assignee_id=a2)
    set_status(app, setup, [a2], status)
    arrive(app, [conversation], reopened=True)
    assert assignees(app, [conversation]) == [[a1, a2][expected]]
    if status == "offline":
        assert events(app, conversation)[-1] == {
            "kind": "assigned",
            "to_id": a1,
            "automatic": True,
        }


def test_a_reopened_conversation_of_an_offline_agent_waits_when_nobody_has_room(app):
    setup = make_setup(app, agents=2, capacity=1)
    a1, a2 = setup.agents
    add_waiting(app, setup, 1, assignee_id=a1)  # a1 is full
    [conversation] = add_waiting(app, setup, 1, assignee_id=a2, last_assignee_id=a2)
    set_status(app, setup, [a2], "offline")
    arrive(app, [conversation], reopened=True)
    assert assignees(app, [conversation]) == [None]
    assert events(app, conversation) == [{"kind": "unassigned", "automatic": True}]
    # Without a reopening, a contact's message never moves an assigned conversation.
    [kept] = add_waiting(app, setup, 1, assignee_id=a2)
    arrive(app, [kept])
    assert assignees(app, [kept]) == [a2]


def test_the_timeline_says_automatically_and_the_inboxes_hear_of_it(
    app, client, auth, monkeypatch
):
    setup = make_setup(app, agents=1)
    heard = []
    monkeypatch.setattr(live, "publish_conversations", lambda c: heard.extend(c))
    [conversation] = add_waiting(app, setup, 1)
    arrive(app, [conversation])
    assert heard == [(setup.workspace_id, conversation)]
    assert events(app, conversation) == [
        {"kind": "assigned", "to_id": setup.agents[0], "automatic": True}
    ]
    auth.login(OWNER)
    page = client.get(url_in(app, "inbox.show", conversation_id=conversation))
    assert "Automatisch zugewiesen: Agent 1" in page.get_data(as_text=True)
