"""What starts rules besides a contact's message: a job, enqueued after a commit.

The inbox's team actions (inbox/routes/team.py) call after_change once their
change is committed, the public lead form after_lead; each asks first whether
the workspace has an enabled rule for what happened, so a workspace without
rules never gets a job. Only ids and trigger keys go into the job.
"""

from dataclasses import dataclass, field

from sqlalchemy import select

from ..dbutil import one_of
from ..extensions import db
from ..models import Conversation, Rule
from ..models.rules import ASSIGNED, LEAD_SUBMITTED, STATE_CHANGED
from ..queue import enqueue
from ..routing import assignment
from .engine import run_rules


@dataclass
class Watched:
    """Conversations of a drain batch in workspaces with enabled rules."""

    triggers: set[str] = field(default_factory=set)
    conversations: set[int] = field(default_factory=set)


def rule_triggers(ids: list[int]) -> Watched:
    """Which of these conversations' workspaces have rules, for which triggers.

    One query; when no workspace has rules the job does nothing more.
    """
    rows = db.session.execute(
        select(Conversation.id, Rule.trigger)
        .join(Rule, Rule.workspace_id == Conversation.workspace_id)
        .where(one_of(Conversation.id, ids), Rule.enabled.is_(True))
        .distinct()
    ).all()
    db.session.rollback()  # end the read
    watched = Watched()
    for conversation_id, trigger in rows:
        watched.triggers.add(trigger)
        watched.conversations.add(conversation_id)
    return watched


def has_rules(workspace_id: int, triggers: set[str]) -> bool:
    return (
        bool(triggers)
        and db.session.scalar(
            select(Rule.id)
            .where(
                Rule.workspace_id == workspace_id,
                Rule.enabled.is_(True),
                Rule.trigger.in_(triggers),
            )
            .limit(1)
        )
        is not None
    )


def after_change(conversation: Conversation, before) -> None:
    """An agent's committed change (before: routing's Snapshot): assigned, state."""
    happened = []
    if conversation.assignee_id not in (None, before.assignee_id):
        happened.append(ASSIGNED)
    if conversation.state != before.state:
        happened.append(STATE_CHANGED)
    if has_rules(conversation.workspace_id, set(happened)):
        enqueue(run_rules, [[conversation.id, trigger] for trigger in happened])


@assignment.assigned.connect
def after_assignment(workspace_id: int, conversation_ids: list[int]) -> None:
    """Routing gave conversations to agents from a backlog, after a lead form or
    an agent's change (committed): the "zugewiesen" rules."""
    if has_rules(workspace_id, {ASSIGNED}):
        enqueue(run_rules, [[i, ASSIGNED] for i in conversation_ids])


def after_lead(workspace_id: int, conversation_id: int) -> None:
    """A lead form's submission committed."""
    if has_rules(workspace_id, {LEAD_SUBMITTED}):
        enqueue(run_rules, [[conversation_id, LEAD_SUBMITTED]])
