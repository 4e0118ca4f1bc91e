"""A month of conversation facts for the demo workspace, so the Überblick is filled.

Made up, like the rest of the demo: about 200 openings over the last 30 days on
the demo number (team Vertrieb), most answered within business minutes, a few
late, some waiting; and a breach for each answer past Vertrieb's 15 minutes.
Run once: a workspace that has facts already (a second `demo-seed`, or a demo
that has been used) is left alone. A breach names a conversation, so the demo's
earlier conversation stands in for them.
"""

import random
from datetime import timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import (
    Conversation,
    ReportConversation,
    SlaBreach,
    Team,
    utcnow,
)
from .pseudonyms import Pseudonyms

OPENINGS = 200
# Seconds to the first answer, drawn from these (business time), None: waiting.
ANSWERS = (45, 120, 200, 280, 420, 600, 840, 1500, 2400, 5400, 12000, 40000, 90000)


def seed_demo_reports(workspace_id: int, channel_id: int) -> None:
    """Insert the demo's facts and breaches of the last 30 days (caller commits)."""
    if db.session.scalar(
        select(ReportConversation.id).where(
            ReportConversation.workspace_id == workspace_id
        )
    ):
        return
    team = db.session.scalar(
        select(Team).where(Team.workspace_id == workspace_id, Team.name == "Vertrieb")
    )
    pick, now, names = random.Random(19), utcnow(), Pseudonyms()
    facts = [
        made_up(workspace_id, channel_id, team, n, pick, now, names)
        for n in range(OPENINGS)
    ]
    db.session.add_all(facts)
    add_breaches(workspace_id, team, facts)


def made_up(workspace_id, channel_id, team, n, pick, now, names) -> ReportConversation:
    opened = now - timedelta(days=pick.randrange(30), minutes=pick.randrange(1440))
    fact = ReportConversation(
        workspace_id=workspace_id,
        channel_id=channel_id,
        team_id=team.id if team else None,
        contact_key=names.of(workspace_id, "contact", f"demo.report.{n}"),
        opened_at=opened,
        reopened=pick.random() < 0.15,
    )
    fact.new_contact = not fact.reopened and pick.random() < 0.6
    seconds = pick.choice(ANSWERS) if pick.random() < 0.92 else None
    if seconds is not None and opened + timedelta(seconds=seconds) < now:
        fact.first_response_at = opened + timedelta(seconds=seconds)
        fact.first_response_seconds = seconds
        if pick.random() < 0.7:
            spent = seconds + pick.randrange(600, 3 * 86400)
            if opened + timedelta(seconds=spent) < now:
                fact.resolved_at = opened + timedelta(seconds=spent)
                fact.resolution_seconds = spent
    return fact


def add_breaches(workspace_id: int, team: Team | None, facts: list) -> None:
    """One breach per answer that came after Vertrieb's target."""
    conversation_id = db.session.scalar(
        select(Conversation.id).where(Conversation.workspace_id == workspace_id)
    )
    target = team.first_response_minutes if team else None
    if conversation_id is None or team is None or target is None:
        return
    due_moments = set()  # one breach per conversation and due moment
    for fact in facts:
        due = fact.opened_at + timedelta(minutes=target)
        if (fact.first_response_seconds or 0) > target * 60 and due not in due_moments:
            due_moments.add(due)
            db.session.add(
                SlaBreach(
                    workspace_id=workspace_id,
                    team_id=team.id,
                    conversation_id=conversation_id,
                    waiting_since=fact.opened_at,
                    due_at=due,
                    target_minutes=target,
                    breached_at=due,
                )
            )
