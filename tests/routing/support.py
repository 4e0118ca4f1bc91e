"""A workspace with one team and a few agents, waiting conversations, and reads."""

import itertools
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from leadgate.channels.services import create_channel
from leadgate.extensions import db
from leadgate.models import (
    Contact,
    Conversation,
    Membership,
    Message,
    Role,
    Team,
    TeamMember,
    utcnow,
)

from ..support import make_user, workspace_of

OWNER = "owner@example.com"
NUMBERS = itertools.count(1)


@dataclass(frozen=True)
class Setup:
    workspace_id: int
    team_id: int
    channel_id: int
    owner_id: int
    agents: list[int]  # user ids, in the order made (ascending)


def agent_email(n: int) -> str:
    return f"agent{n}@example.com"


def make_setup(
    app,
    agents: int = 3,
    mode: str = "round_robin",
    capacity: int = 2,
    sticky: bool = False,
    online: bool = True,
) -> Setup:
    """Olga Owner's workspace: team "Vertrieb" with its number and `agents` agents."""
    with app.app_context():
        owner = make_user(OWNER, name="Olga Owner")
        workspace = workspace_of(owner)
        ids = [
            make_user(
                agent_email(n), f"Agent {n}", workspace=workspace, role=Role.AGENT
            ).id
            for n in range(1, agents + 1)
        ]
        channel = create_channel(
            workspace,
            name="Vertrieb",
            phone_number_id="3000000001",
            waba_id="3000000002",
            access_token="token",
            app_secret="secret",
        )
        team = Team(
            workspace_id=workspace.id,
            name="Vertrieb",
            assignment_mode=mode,
            capacity=capacity,
            sticky=sticky,
        )
        db.session.add(team)
        db.session.flush()
        channel.team_id = team.id
        db.session.add_all(TeamMember(team_id=team.id, user_id=i) for i in ids)
        db.session.commit()
        setup = Setup(workspace.id, team.id, channel.id, owner.id, ids)
    if online:
        set_status(app, setup, ids, "online")
    return setup


def set_status(app, setup: Setup, user_ids, status: str) -> None:
    with app.app_context():
        for membership in db.session.scalars(
            select(Membership).where(
                Membership.workspace_id == setup.workspace_id,
                Membership.user_id.in_(list(user_ids)),
            )
        ):
            membership.set_status(status)
        db.session.commit()


def add_waiting(app, setup: Setup, count: int, **fields) -> list[int]:
    """`count` open, unassigned conversations of new contacts, oldest first.

    fields: other values (assignee_id, state, team_id: the team's by default)."""
    start = utcnow() - timedelta(hours=1)
    ids = []
    with app.app_context():
        for n in range(count):
            contact = Contact(
                workspace_id=setup.workspace_id, wa_id=f"4917{next(NUMBERS):08d}"
            )
            db.session.add(contact)
            db.session.flush()
            ids.append(add_conversation(setup, contact.id, start, n, fields))
        db.session.commit()
    return ids


def add_conversation(setup, contact_id, start, n, fields) -> int:
    conversation = Conversation(
        workspace_id=setup.workspace_id,
        channel_id=setup.channel_id,
        contact_id=contact_id,
        **{"team_id": setup.team_id, "state": "open", **fields},
        last_activity_at=start + timedelta(minutes=n),
    )
    db.session.add(conversation)
    db.session.flush()
    return conversation.id


def assignees(app, ids) -> list[int | None]:
    with app.app_context():
        found = dict(
            db.session.execute(
                select(Conversation.id, Conversation.assignee_id).where(
                    Conversation.id.in_(list(ids))
                )
            ).all()
        )
        return [found[i] for i in ids]


def open_load(app, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).where(
                Conversation.assignee_id == user_id, Conversation.state == "open"
            )
        )


def events(app, conversation_id: int) -> list[dict]:
    """The conversation's timeline events (details), oldest first."""
    with app.app_context():
        return list(
            db.session.scalars(
                select(Message.details)
                .where(
                    Message.conversation_id == conversation_id,
                    Message.direction == "event",
                )
                .order_by(Message.id)
            )
        )


def run(app, job, *args):
    """A job as a worker runs it: in a fresh app context."""
    with app.app_context():
        return job(*args)
