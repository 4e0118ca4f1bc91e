"""Scripted facts for the Überblick tests: openings with known seconds, breaches.

The periods are Berlin weeks of March 2025 (the workspace's default zone, CET):
this week 2–8 March, the week before 23 February – 1 March.
"""

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update

from leadgate.extensions import db
from leadgate.models import Conversation, ReportConversation, SlaBreach, Team

from ..automation.support import World, writes
from ..support import make_user, workspace_of

KEYS = itertools.count(1)
WEEK = {"range": "custom", "start": "2025-03-02", "end": "2025-03-08"}
# Noon on Wednesday of each week (UTC), far from the midnights.
THIS_WEEK = datetime(2025, 3, 5, 11, 0, tzinfo=UTC)
WEEK_BEFORE = datetime(2025, 2, 26, 11, 0, tzinfo=UTC)


def fact(world: World, opened: datetime, first=None, resolution=None, **more):
    """A fact of our number and team Vertrieb unless `more` says otherwise."""
    values = {
        "workspace_id": world.workspace_id,
        "channel_id": world.channel_id,
        "team_id": world.sales_id,
        "contact_key": f"pseudonym-{next(KEYS)}",
        "opened_at": opened,
        "new_contact": False,
        "reopened": False,
    } | more
    if first is not None:
        values["first_response_at"] = opened + timedelta(seconds=first)
        values["first_response_seconds"] = first
    if resolution is not None:
        values.setdefault("resolved_at", opened + timedelta(seconds=resolution))
        values["resolution_seconds"] = resolution
    return ReportConversation(**values)


def with_target(app, world: World, minutes: int = 15) -> None:
    with app.app_context():
        db.session.execute(
            update(Team)
            .where(Team.id == world.sales_id)
            .values(first_response_minutes=minutes)
        )
        db.session.commit()


def a_conversation(app, client, world: World) -> int:
    """A real conversation (a breach names one); its own live fact is removed."""
    writes(client, world)
    with app.app_context():
        db.session.execute(delete(ReportConversation))
        db.session.commit()
        return db.session.scalar(select(Conversation.id))


def breach(world: World, conversation_id: int, at: datetime, **more) -> SlaBreach:
    return SlaBreach(
        workspace_id=more.get("workspace_id", world.workspace_id),
        team_id=more.get("team_id", world.sales_id),
        conversation_id=conversation_id,
        waiting_since=at - timedelta(minutes=20),
        due_at=at,
        target_minutes=15,
        breached_at=at,
    )


def other_workspace(app) -> int:
    with app.app_context():
        return workspace_of(make_user("zoe@example.com", name="Zoe Zander")).id


def add(app, *rows) -> None:
    with app.app_context():
        db.session.add_all(rows)
        db.session.commit()
