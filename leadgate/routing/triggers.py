"""What starts assignment besides a contact's message: jobs enqueued after a commit.

The inbox's team actions (inbox/routes/team.py) take a Snapshot of the
conversation before the action and call after_change once it is committed;
the status control and the team settings call theirs after their commits.
Only ids go into the jobs (assignment.py).
"""

from dataclasses import dataclass

from ..models import Conversation
from ..queue import enqueue
from . import assignment


@dataclass(frozen=True)
class Snapshot:
    """What assignment cares about in a conversation, before an agent changes it."""

    state: str
    assignee_id: int | None
    team_id: int | None

    @classmethod
    def of(cls, conversation: Conversation) -> "Snapshot":
        return cls(conversation.state, conversation.assignee_id, conversation.team_id)


def after_change(conversation: Conversation, before: Snapshot) -> None:
    """An agent's committed change: room it freed, a conversation it left waiting."""
    now = Snapshot.of(conversation)
    if now == before:
        return
    was_holding = before.state == "open" and before.assignee_id is not None
    still_holding = now.state == "open" and now.assignee_id == before.assignee_id
    released = before.assignee_id if was_holding and not still_holding else None
    left_waiting = now.state == "open" and now.assignee_id is None
    if released is not None or (left_waiting and before != now):
        enqueue(
            assignment.after_release,
            conversation.workspace_id,
            released,
            conversation.id if left_waiting else None,
        )


def after_status(workspace_id: int, user_id: int, status: str) -> None:
    """The agent changed their status: online, they take from the backlog."""
    if status == "online":
        enqueue(assignment.pick_up, workspace_id, user_id)


def after_team_settings(team_id: int) -> None:
    """Mode, capacity or members changed: the team's backlog is shared out anew."""
    enqueue(assignment.fill_team, team_id)


def after_lead(conversation_id: int) -> None:
    """A lead form submission put a conversation into the inbox."""
    enqueue(assignment.assign_conversation, conversation_id)
