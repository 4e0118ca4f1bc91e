"""The first-response target: when a waiting contact's first answer is due, and breaches.

A team may set a target in minutes (Team.first_response_minutes), counted inside
business hours (hours/schedule.py: the conversation's number's hours, else its
team's; without hours every minute counts). It holds for the first wait of a
conversation since the contact opened or reopened it: from their message
(Conversation.agent_wait_since) until a person of the team answers
(Conversation.team_wrote stores first_answered_at and stops the clock). Later
waits in the same conversation are the reports' "response time", not this target.

`start_clocks` runs in the job after each drain (automation/inbound.py) and
stores the due moment; the inbox shows "überfällig" as soon as it has passed.
`sweep_breaches` (rq cron, every minute) marks those conversations breached and
records one SlaBreach per wait for the reports, by the partial index of due
answers, so its cost follows the breaches, not the number of conversations.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, select, update

from ..dbutil import bulk_insert_ignoring_conflicts, one_of
from ..extensions import db
from ..hours.schedule import Hours, hours_for, open_spans
from ..models import Conversation, SlaBreach, Team, as_utc, utcnow

SWEEP_BATCH = 1000


def due_after(hours: Hours | None, start: datetime, minutes: int) -> datetime:
    """The moment when `minutes` of open business hours have passed since `start`."""
    left = timedelta(minutes=minutes)
    if hours is None:
        return start + left
    for begin, end in open_spans(hours, start):
        if end - begin >= left:
            return begin + left
        left -= end - begin
    return start + timedelta(minutes=minutes)  # never open within a year: plain time


def start_clocks(conversation_ids: list[int]) -> None:
    """Give the conversations contacts just wrote to their due moment, where one runs.

    The rows are locked (PostgreSQL), so an agent's answer committed meanwhile
    is seen: a conversation answered already gets no clock.
    """
    if not conversation_ids:
        return
    rows = db.session.execute(
        select(Conversation, Team.first_response_minutes)
        .join(Team, Team.id == Conversation.team_id)
        .where(
            one_of(Conversation.id, sorted(set(conversation_ids))),
            Team.first_response_minutes.is_not(None),
            Conversation.agent_wait_since.is_not(None),
            Conversation.first_answered_at.is_(None),
            Conversation.sla_due_at.is_(None),
        )
        .order_by(Conversation.id)
        .with_for_update(of=Conversation)
    ).all()
    for conversation, minutes in rows:
        # Both not None: the query's conditions.
        since = as_utc(cast(datetime, conversation.agent_wait_since))
        conversation.sla_due_at = due_after(
            hours_for(conversation), since, cast(int, minutes)
        )
        conversation.sla_breached_at = None
    db.session.commit()


def sweep_breaches(now: datetime | None = None) -> int:
    """The cron job: mark passed due moments breached and record them; how many."""
    now = now or utcnow()
    marked = 0
    while True:
        ids = list(
            db.session.scalars(
                select(Conversation.id)
                .where(
                    Conversation.sla_due_at <= now,
                    Conversation.sla_breached_at.is_(None),
                )
                .order_by(Conversation.sla_due_at, Conversation.id)
                .limit(SWEEP_BATCH)
            )
        )
        if not ids:
            return marked
        breached = db.session.execute(
            update(Conversation)
            .where(
                one_of(Conversation.id, ids),
                Conversation.sla_due_at <= now,  # not answered meanwhile
                Conversation.sla_breached_at.is_(None),
            )
            .values(sla_breached_at=now)
            .returning(
                Conversation.id,
                Conversation.workspace_id,
                Conversation.team_id,
                Conversation.agent_wait_since,
                Conversation.sla_due_at,
            )
        ).all()
        record(breached, now)
        db.session.commit()
        marked += len(breached)
        if len(ids) < SWEEP_BATCH:
            return marked


def record(breached: Sequence, now: datetime) -> None:
    minutes = dict(
        db.session.execute(
            select(Team.id, Team.first_response_minutes).where(
                Team.id.in_({row.team_id for row in breached if row.team_id})
            )
        ).all()
    )
    rows = [
        {
            "workspace_id": row.workspace_id,
            "team_id": row.team_id,
            "conversation_id": row.id,
            "waiting_since": row.agent_wait_since or row.sla_due_at,
            "due_at": row.sla_due_at,
            "target_minutes": minutes.get(row.team_id) or 0,
            "breached_at": now,
        }
        for row in breached
    ]
    if rows:
        bulk_insert_ignoring_conflicts(cast(Table, SlaBreach.__table__), rows)
