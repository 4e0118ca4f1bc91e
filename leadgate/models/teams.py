"""Teams (Vertrieb, Recruiting …): who works which numbers' conversations.

A number belongs to at most one team, and a conversation gets the team of its
number when it is created (a team member or manager can move it to another).
A team's `visibility` says who sees its conversations: everyone in the
workspace ("workspace", the default) or only its members and the owners and
admins ("team"), enforced where data is read (tenancy.py).
"""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .columns import utcnow

TEAM_NAME_LENGTH = 60
VISIBILITIES = ("workspace", "team")
# off, "Reihum" (round robin), "Ausgewogen" (fewest open conversations).
ASSIGNMENT_MODES = ("off", "round_robin", "balanced")
DEFAULT_CAPACITY = 10
MAX_CAPACITY = 999


class Team(Model):
    __table_args__ = (
        UniqueConstraint("workspace_id", "name", name="uq_team_workspace_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(TEAM_NAME_LENGTH))
    visibility: Mapped[str] = mapped_column(String(16), default="workspace")
    assignment_mode: Mapped[str] = mapped_column(String(16), default="off")
    # The first-response target: minutes of business hours a waiting contact's
    # first answer may take (None: no target; sla/clock.py).
    first_response_minutes: Mapped[int | None] = mapped_column(Integer)
    # The most open conversations automatic assignment gives one agent.
    capacity: Mapped[int] = mapped_column(Integer, default=DEFAULT_CAPACITY)
    sticky: Mapped[bool] = mapped_column(Boolean, default=False)
    # Round robin's pointer: the next conversation goes to the member after them.
    last_assigned_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class TeamMember(Model):
    __table_args__ = (
        UniqueConstraint("team_id", "user_id", name="uq_team_member_team_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    # This member's own capacity; None: the team's.
    capacity: Mapped[int | None] = mapped_column(Integer)
    # When automatic assignment last gave them one of the team's conversations
    # ("Ausgewogen": among equally busy agents, who waited longest comes first).
    last_assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
