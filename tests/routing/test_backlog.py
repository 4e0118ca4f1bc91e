"""The backlog: waiting conversations go, oldest first, to whoever gets room."""

import pytest
from sqlalchemy import update

from leadgate.extensions import db
from leadgate.models import Team, TeamMember
from leadgate.routing.assignment import fill_backlogs, pick_up

from ..support import url_in
from .support import (
    add_waiting,
    agent_email,
    assignees,
    events,
    make_setup,
    open_load,
    run,
    set_status,
)


def inbox(client, conversation_id: int, action: str, **data):
    answer = client.post(
        url_in(client.application, f"inbox.{action}", conversation_id=conversation_id),
        data=data,
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)


def test_an_agent_coming_online_takes_the_oldest_waiting_up_to_capacity(app):
    setup = make_setup(app, agents=2, capacity=3, online=False)
    a1 = setup.agents[0]
    waiting = add_waiting(app, setup, 5)
    add_waiting(app, setup, 1, assignee_id=a1)  # already holds one
    set_status(app, setup, [a1], "online")
    run(app, pick_up, setup.workspace_id, a1)
    assert assignees(app, waiting) == [a1, a1, None, None, None]
    assert open_load(app, a1) == 3
    run(app, pick_up, setup.workspace_id, setup.agents[1])  # offline: takes none
    assert assignees(app, waiting)[2:] == [None, None, None]


def test_a_pick_up_counts_each_teams_capacity_for_an_agent_in_two_teams(app):
    setup = make_setup(app, agents=1, capacity=1, online=False)
    [a1] = setup.agents
    with app.app_context():
        recruiting = Team(
            workspace_id=setup.workspace_id,
            name="Recruiting",
            assignment_mode="balanced",
            capacity=3,
        )
        db.session.add(recruiting)
        db.session.flush()
        db.session.add(TeamMember(team_id=recruiting.id, user_id=a1))
        db.session.commit()
        recruiting_id = recruiting.id
    sales = add_waiting(app, setup, 2)  # older
    hiring = add_waiting(app, setup, 3, team_id=recruiting_id)
    set_status(app, setup, [a1], "online")
    run(app, pick_up, setup.workspace_id, a1)
    # One from Vertrieb (its capacity 1), then Recruiting up to 3 in all.
    assert assignees(app, sales) == [a1, None]
    assert assignees(app, hiring) == [a1, a1, None]


@pytest.mark.parametrize(
    "action, data",
    [
        ("change_state", {"state": "resolved"}),
        ("change_state", {"state": "pending"}),
        ("snooze", {"preset": "1h"}),
    ],
)
def test_closing_a_conversation_gives_its_agent_the_oldest_waiting(
    app, client, auth, action, data
):
    setup = make_setup(app, agents=1, capacity=1)
    [a1] = setup.agents
    [held] = add_waiting(app, setup, 1, assignee_id=a1)
    waiting = add_waiting(app, setup, 2)
    auth.login(agent_email(1))
    inbox(client, held, action, **data)
    assert assignees(app, waiting) == [a1, None]
    assert events(app, waiting[0]) == [
        {"kind": "assigned", "to_id": a1, "automatic": True}
    ]


def test_handing_a_conversation_back_gives_it_to_another_and_them_the_backlog(
    app, client, auth
):
    setup = make_setup(app, agents=2, capacity=1)
    a1, a2 = setup.agents
    [held] = add_waiting(app, setup, 1, assignee_id=a1)
    [waiting] = add_waiting(app, setup, 1)
    # a2 is full for now: the handed back conversation waits, not back to a1.
    [busy] = add_waiting(app, setup, 1, assignee_id=a2)
    auth.login(agent_email(1))
    inbox(client, held, "assign", assignee="")
    assert assignees(app, [held, waiting]) == [None, a1]
    # a2 finishes one: the oldest waiting is the one a1 handed back.
    auth.logout()
    auth.login(agent_email(2))
    inbox(client, busy, "change_state", state="resolved")
    assert assignees(app, [held]) == [a2]


def test_an_unassigned_conversation_goes_to_another_agent_with_room(app, client, auth):
    setup = make_setup(app, agents=2, capacity=2)
    a1, a2 = setup.agents
    [held] = add_waiting(app, setup, 1, assignee_id=a1)
    auth.login(agent_email(1))
    inbox(client, held, "assign", assignee="")
    assert assignees(app, [held]) == [a2]
    assert [e["kind"] for e in events(app, held)] == ["unassigned", "assigned"]


def test_reassigning_by_hand_frees_room_for_the_agent_who_had_it(app, client, auth):
    setup = make_setup(app, agents=2, capacity=1)
    a1, a2 = setup.agents
    [held] = add_waiting(app, setup, 1, assignee_id=a1)
    [waiting] = add_waiting(app, setup, 1)
    auth.login(agent_email(1))
    inbox(client, held, "assign", assignee=str(a2))  # above a2's capacity: by hand
    assert assignees(app, [held, waiting]) == [a2, a1]


def test_a_conversation_moved_into_an_automatic_team_is_assigned_there(
    app, client, auth
):
    setup = make_setup(app, agents=1, capacity=2)
    with app.app_context():
        other = Team(workspace_id=setup.workspace_id, name="Ohne Zuweisung")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    [conversation] = add_waiting(app, setup, 1, team_id=other_id)
    auth.login(agent_email(1))
    client.post(
        url_in(app, "inbox.add_note", conversation_id=conversation), data={"note": "x"}
    )
    assert assignees(app, [conversation]) == [None]  # a note changes nothing
    inbox(client, conversation, "move_to_team", team=str(setup.team_id))
    assert assignees(app, [conversation]) == [setup.agents[0]]


def test_the_minutely_sweep_gives_out_what_no_trigger_did(app):
    setup = make_setup(app, agents=2, capacity=1)
    waiting = add_waiting(app, setup, 3)
    assert run(app, fill_backlogs) == 2
    assert assignees(app, waiting) == [*setup.agents, None]
    assert run(app, fill_backlogs) == 0
    with app.app_context():
        db.session.execute(update(Team).values(assignment_mode="off"))
        db.session.execute(update(TeamMember).values(capacity=5))
        db.session.commit()
    assert run(app, fill_backlogs) == 0  # switched off: left waiting
    assert assignees(app, waiting)[2] is None
