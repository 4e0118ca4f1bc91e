"""Who may get a conversation now: a workspace's teams, their agents and their load.

A Pool is read inside assignment's transaction, after the workspace's lock
(assignment.py), and then kept up to date in memory while that transaction
hands out conversations: each one given raises the agent's load at once, so
one batch never gives an agent more than their capacity either.

An agent receives a conversation when they are a member of its team, "online"
in the workspace and hold fewer open conversations (in the whole workspace:
one person's load is all of their work) than their capacity (their own in the
team, else the team's). Among those:
- sticky: the agent who last had the contact comes first;
- "Reihum" (round robin): the next member after the team's pointer, by user id;
- "Ausgewogen" (balanced): the fewest open conversations; on a tie, who has
  waited longest since the team last gave them one, then the lower user id.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select

from ..extensions import db
from ..inbox.team import record_event
from ..models import Conversation, Membership, Team, TeamMember, User, utcnow
from ..models.columns import as_utc

NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass
class Agent:
    """A team member as assignment sees them."""

    member: TeamMember
    status: str

    @property
    def user_id(self) -> int:
        return self.member.user_id


class Pool:
    def __init__(self, workspace_id: int, team_ids: set[int]):
        self.workspace_id = workspace_id
        self.teams = {
            team.id: team
            for team in db.session.scalars(
                select(Team)
                .where(Team.workspace_id == workspace_id, Team.id.in_(team_ids))
                .execution_options(populate_existing=True)
            )
        }
        self.agents: dict[int, dict[int, Agent]] = {
            team_id: {} for team_id in self.teams
        }
        for member, status in db.session.execute(
            select(TeamMember, Membership.status)
            .join(
                Membership,
                (Membership.user_id == TeamMember.user_id)
                & (Membership.workspace_id == workspace_id),
            )
            .join(User, User.id == TeamMember.user_id)
            .where(TeamMember.team_id.in_(self.teams), User.deleted_at.is_(None))
            .order_by(TeamMember.user_id)
            .execution_options(populate_existing=True)
        ):
            self.agents[member.team_id][member.user_id] = Agent(member, status)
        self.statuses = dict(
            db.session.execute(
                select(Membership.user_id, Membership.status).where(
                    Membership.workspace_id == workspace_id
                )
            ).all()
        )
        self.load = self.open_counts()
        self.now = utcnow()
        self.given: list[int] = []  # conversations given to an agent, in order

    def open_counts(self) -> dict[int, int]:
        """Open conversations per online agent of these teams, in the whole workspace."""
        online = {
            agent.user_id
            for agents in self.agents.values()
            for agent in agents.values()
            if agent.status == "online"
        }
        if not online:
            return {}
        rows = db.session.execute(
            select(Conversation.assignee_id, func.count())
            .where(
                Conversation.workspace_id == self.workspace_id,
                Conversation.state == "open",
                Conversation.assignee_id.in_(online),
            )
            .group_by(Conversation.assignee_id)
        )
        return {user_id: count for user_id, count in rows if user_id is not None}

    def automatic(self, team_id: int | None) -> Team | None:
        """The team, if it assigns automatically."""
        team = self.teams.get(team_id) if team_id is not None else None
        return team if team is not None and team.assignment_mode != "off" else None

    def capacity(self, team: Team, agent: Agent) -> int:
        return agent.member.capacity or team.capacity

    def has_room(self, team: Team, agent: Agent) -> bool:
        return agent.status == "online" and self.load.get(
            agent.user_id, 0
        ) < self.capacity(team, agent)

    def free(self, team: Team, only: int | None = None) -> list[Agent]:
        """The team's agents who may take one more conversation now."""
        return [
            agent
            for agent in self.agents[team.id].values()
            if self.has_room(team, agent) and only in (None, agent.user_id)
        ]

    def choose(
        self,
        team: Team,
        sticky_to: int | None = None,
        only: int | None = None,
        never: int | None = None,
    ) -> Agent | None:
        """The agent who gets the team's next conversation, or None (all busy or away)."""
        free = [a for a in self.free(team, only) if a.user_id != never]
        if not free:
            return None
        if team.sticky and sticky_to is not None:
            for agent in free:
                if agent.user_id == sticky_to:
                    return agent
        if team.assignment_mode == "balanced":
            return min(free, key=self.balance_key)
        after = team.last_assigned_user_id or 0
        return next((a for a in free if a.user_id > after), free[0])

    def balance_key(self, agent: Agent) -> tuple[int, datetime, int]:
        waited = agent.member.last_assigned_at
        return (
            self.load.get(agent.user_id, 0),
            as_utc(waited) if waited else NEVER,
            agent.user_id,
        )

    def keeps(self, user_id: int) -> bool:
        """Whether an assignee keeps a conversation their contact reopened.

        Still in the workspace and not offline ("Abwesend" is a short break: the
        contact stays with the person who knows them). Capacity does not count:
        it was theirs already.
        """
        return self.statuses.get(user_id, "offline") != "offline"

    def give(self, conversation: Conversation, team: Team, agent: Agent) -> None:
        """Assign it, move round robin's pointer, count it, tell the timeline."""
        conversation.assignee_id = conversation.last_assignee_id = agent.user_id
        self.load[agent.user_id] = self.load.get(agent.user_id, 0) + 1
        team.last_assigned_user_id = agent.user_id
        agent.member.last_assigned_at = self.now
        self.given.append(conversation.id)
        record_event(
            conversation, None, "assigned", to_id=agent.user_id, automatic=True
        )

    def take_back(self, conversation: Conversation) -> None:
        """Nobody can have it now: it waits for the next agent with room."""
        conversation.assignee_id = None
        record_event(conversation, None, "unassigned", automatic=True)


def last_agent_of(conversation: Conversation) -> int | None:
    """Who last had this contact: this conversation's, else their latest other one's."""
    if conversation.last_assignee_id is not None:
        return conversation.last_assignee_id
    return db.session.scalar(
        select(func.coalesce(Conversation.assignee_id, Conversation.last_assignee_id))
        .where(
            Conversation.workspace_id == conversation.workspace_id,
            Conversation.contact_id == conversation.contact_id,
            Conversation.id != conversation.id,
            func.coalesce(
                Conversation.assignee_id, Conversation.last_assignee_id
            ).is_not(None),
        )
        .order_by(Conversation.last_activity_at.desc(), Conversation.id.desc())
        .limit(1)
    )
