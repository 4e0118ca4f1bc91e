"""Teams of a workspace (Vertrieb, Recruiting …): their members and their numbers.

A number belongs to at most one team, so giving it to a team takes it from the
team that had it. Its conversations follow it in one UPDATE: those of its old
team, or of no team, move to its new team (or to none, when it only leaves a
team); a conversation someone moved to a third team stays there. Deleting a
team leaves its numbers and conversations without a team (their foreign keys
are ON DELETE SET NULL), so they keep working.

The caller commits. Every change is audited with ids and counts only.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from sqlalchemy import CursorResult, and_, delete, func, or_, select, update

from .. import audit
from ..extensions import db
from ..models import (
    Channel,
    Conversation,
    Membership,
    Team,
    TeamMember,
    User,
    channels_of,
)
from ..models.teams import ASSIGNMENT_MODES, VISIBILITIES


@dataclass(frozen=True)
class TeamRow:
    """A team as the list of teams shows it."""

    team: Team
    members: int
    numbers: list[str]


def teams_of(workspace_id: int) -> list[Team]:
    return list(
        db.session.scalars(
            select(Team)
            .where(Team.workspace_id == workspace_id)
            .order_by(Team.name, Team.id)
        )
    )


def overview(workspace_id: int) -> list[TeamRow]:
    """Every team of the workspace with its member count and its numbers' names."""
    counts = dict(
        db.session.execute(
            select(TeamMember.team_id, func.count())
            .join(Team, Team.id == TeamMember.team_id)
            .join(Membership, in_workspace(Team.workspace_id))
            .where(Team.workspace_id == workspace_id)
            .group_by(TeamMember.team_id)
        ).all()
    )
    numbers: dict[int | None, list[str]] = {}
    for team_id, name in db.session.execute(
        select(Channel.team_id, Channel.name)
        .where(Channel.workspace_id == workspace_id, Channel.team_id.is_not(None))
        .order_by(Channel.name, Channel.id)
    ):
        numbers.setdefault(team_id, []).append(name)
    return [
        TeamRow(team, counts.get(team.id, 0), numbers.get(team.id, []))
        for team in teams_of(workspace_id)
    ]


def in_workspace(workspace_id):
    """Join condition: the team member still belongs to the workspace."""
    return and_(
        Membership.user_id == TeamMember.user_id,
        Membership.workspace_id == workspace_id,
    )


def member_ids(team: Team) -> list[int]:
    """The team's members (who left the workspace is none any more)."""
    return list(
        db.session.scalars(
            select(TeamMember.user_id)
            .join(Membership, in_workspace(team.workspace_id))
            .where(TeamMember.team_id == team.id)
        )
    )


def name_taken(workspace_id: int, name: str, team_id: int | None = None) -> bool:
    """Whether another team of the workspace has this name."""
    query = select(Team.id).where(Team.workspace_id == workspace_id, Team.name == name)
    if team_id is not None:
        query = query.where(Team.id != team_id)
    return db.session.scalar(query) is not None


def create_team(workspace_id: int, name: str, actor: User) -> Team:
    team = Team(workspace_id=workspace_id, name=name)
    db.session.add(team)
    db.session.flush()
    audit.record(workspace_id, "team.created", team, actor=actor)
    return team


def rename_team(team: Team, name: str, actor: User) -> None:
    if team.name == name:
        return
    team.name = name
    audit.record(team.workspace_id, "team.updated", team, actor=actor, fields=["name"])


def set_visibility(team: Team, visibility: str, actor: User) -> None:
    """Who sees the team's conversations: the workspace, or only the team."""
    if visibility not in VISIBILITIES or team.visibility == visibility:
        return
    team.visibility = visibility
    audit.record(
        team.workspace_id,
        "team.visibility_changed",
        team,
        actor=actor,
        visibility=visibility,
    )


def set_members(team: Team, user_ids: Iterable[int], actor: User) -> None:
    """Make exactly these members of the workspace the team's; other ids are ignored."""
    in_team = set(
        db.session.scalars(
            select(TeamMember.user_id).where(TeamMember.team_id == team.id)
        )
    )
    workspace_members = set(
        db.session.scalars(
            select(Membership.user_id).where(
                Membership.workspace_id == team.workspace_id
            )
        )
    )
    wanted = workspace_members & set(user_ids)
    added, dropped = wanted - in_team, in_team - wanted  # dropped: also who left
    if dropped:
        db.session.execute(
            delete(TeamMember).where(
                TeamMember.team_id == team.id, TeamMember.user_id.in_(dropped)
            )
        )
    db.session.add_all(TeamMember(team_id=team.id, user_id=i) for i in sorted(added))
    removed = len(dropped & workspace_members)
    if added or removed:
        audit.record(
            team.workspace_id,
            "team.members_changed",
            team,
            actor=actor,
            added=len(added),
            removed=removed,
        )


def leave_teams(workspace_id: int, user_id: int) -> None:
    """Take someone who leaves the workspace out of its teams."""
    teams = select(Team.id).where(Team.workspace_id == workspace_id)
    db.session.execute(
        delete(TeamMember).where(
            TeamMember.user_id == user_id, TeamMember.team_id.in_(teams)
        )
    )


def set_numbers(team: Team, channel_ids: Iterable[int], actor: User) -> None:
    """Give the team exactly these numbers of its workspace; other ids are ignored.

    A number another team had is taken from it. The conversations follow their
    number (follow_number) before its team changes.
    """
    wanted = set(channel_ids)
    channels = channels_of(team.workspace_id)
    gained = [c for c in channels if c.id in wanted and c.team_id != team.id]
    lost = [c for c in channels if c.id not in wanted and c.team_id == team.id]
    if not gained and not lost:
        return
    moved = follow_numbers(team.workspace_id, gained, team.id)
    moved += follow_numbers(team.workspace_id, lost, None)
    taken = sum(1 for channel in gained if channel.team_id is not None)
    for channel in gained:
        channel.team_id = team.id
    for channel in lost:
        channel.team_id = None
    audit.record(
        team.workspace_id,
        "team.numbers_changed",
        team,
        actor=actor,
        added=len(gained),
        removed=len(lost),
        taken=taken,
        moved=moved,
    )


def follow_numbers(
    workspace_id: int, channels: list[Channel], team_id: int | None
) -> int:
    """Move the numbers' conversations of their current team, or of none, to team_id.

    Run before the numbers' team_id changes: the UPDATE compares each
    conversation with its number's team as it still is. Returns how many moved.
    """
    if not channels:
        return 0
    numbers_team = (
        select(Channel.team_id)
        .where(Channel.id == Conversation.channel_id)
        .scalar_subquery()
    )
    moved = db.session.execute(
        update(Conversation)
        .where(
            Conversation.workspace_id == workspace_id,
            Conversation.channel_id.in_([channel.id for channel in channels]),
            or_(Conversation.team_id.is_(None), Conversation.team_id == numbers_team),
            Conversation.team_id.is_distinct_from(team_id),
        )
        .values(team_id=team_id)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult, moved).rowcount


def delete_team(team: Team, actor: User) -> None:
    """Delete the team; its numbers and conversations stay, without a team."""
    audit.record(
        team.workspace_id,
        "team.deleted",
        team,
        actor=actor,
        members=len(member_ids(team)),
        channels=count(Channel.id, Channel.team_id == team.id),
        conversations=count(Conversation.id, Conversation.team_id == team.id),
    )
    db.session.delete(team)


def count(column, condition) -> int:
    return db.session.scalar(select(func.count(column)).where(condition)) or 0


@dataclass(frozen=True)
class AssignmentSettings:
    """A team's automatic assignment as the settings form gives it."""

    mode: str
    capacity: int
    sticky: bool
    member_capacities: dict[int, int | None]  # user id → own capacity or None


@dataclass(frozen=True)
class MemberLoad:
    """A team member as the assignment settings show them."""

    user: User
    member: TeamMember
    status: str  # Membership.status in the team's workspace
    open: int  # open conversations assigned to them in the workspace


def member_loads(team: Team) -> list[MemberLoad]:
    """The team's members by name, with their status and open conversations."""
    rows = db.session.execute(
        select(User, TeamMember, Membership.status)
        .join(TeamMember, TeamMember.user_id == User.id)
        .join(Membership, in_workspace(team.workspace_id))
        .where(TeamMember.team_id == team.id, User.deleted_at.is_(None))
        .order_by(User.name, User.id)
    ).all()
    counts = dict(
        db.session.execute(
            select(Conversation.assignee_id, func.count())
            .where(
                Conversation.workspace_id == team.workspace_id,
                Conversation.state == "open",
                Conversation.assignee_id.in_([user.id for user, _, _ in rows]),
            )
            .group_by(Conversation.assignee_id)
        ).all()
    )
    return [
        MemberLoad(user, member, status, counts.get(user.id, 0))
        for user, member, status in rows
    ]


def set_assignment(team: Team, settings: AssignmentSettings, actor: User) -> bool:
    """Store the team's automatic assignment; True (and audited) if anything changed.

    The caller commits, then starts the team's backlog (routing.triggers).
    """
    changed = [
        name
        for name, value in (
            ("capacity", settings.capacity),
            ("sticky", settings.sticky),
        )
        if getattr(team, name) != value
    ]
    team.capacity, team.sticky = settings.capacity, settings.sticky
    members = db.session.scalars(
        select(TeamMember).where(
            TeamMember.team_id == team.id,
            TeamMember.user_id.in_(settings.member_capacities),
        )
    )
    for member in members:
        own = settings.member_capacities[member.user_id]
        if member.capacity != own:
            member.capacity = own
            if "member_capacity" not in changed:
                changed.append("member_capacity")
    mode = None
    if settings.mode in ASSIGNMENT_MODES and team.assignment_mode != settings.mode:
        team.assignment_mode = mode = settings.mode
    if mode is None and not changed:
        return False
    details: dict = {"fields": changed} if changed else {}
    if mode is not None:
        details["mode"] = mode
    audit.record(
        team.workspace_id, "team.assignment_changed", team, actor=actor, **details
    )
    return True
