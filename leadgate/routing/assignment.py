"""Automatic assignment: a team's waiting conversations get an online agent at once.

A conversation waits when it is open, nobody's, and its team assigns
automatically (Team.assignment_mode "round_robin" or "balanced"). Who gets it
is pool.py's rule. It is given
- when a contact writes (the drain's `after_inbound` job: assign_waiting) or a
  lead form opens it (assign_conversation), and when an agent's change leaves it
  waiting (moved to the team, unassigned: after_release, triggers.py);
- from the backlog, oldest first (by last activity), when an agent can take
  more: they come online (pick_up), one of theirs is resolved, snoozed, set
  pending, unassigned or given away (after_release), the team's settings or
  members change (fill_team), and every minute as a safety net for anything
  a lost job or a skipped row left waiting (fill_backlogs, rq cron).
A contact who writes again into a conversation keeps its assignee while they
are not offline (pool.keeps); else it goes to an agent with room, or waits
unassigned for the next one (the timeline says so), rather than sit with
someone who is gone.

Concurrency: two drains and a closing agent at the same moment must never give
an agent more than their capacity, nor one conversation twice. On PostgreSQL
every assigning transaction first takes a transaction-scoped advisory lock per
*workspace* (pg_advisory_xact_lock(ROUTING_LOCK, workspace_id)), then reads
the load and the conversations afresh (READ COMMITTED: each statement sees
what the previous holder committed). Per workspace, not per team: an agent
may be in several teams and their capacity counts all their open
conversations, so per-team locks would let two teams fill the same agent at
once. The critical section is a few small queries, so serialising one
workspace's assignments costs little. No drain or request takes this lock, so
it cannot deadlock with them.

Conversation rows are locked too, against a manual change at the same moment
(the inbox's UPDATE then waits, and our decision is made on the row as it is
now). A drain may hold a conversation's row until it commits: a batch takes
rows with SKIP LOCKED, so it never holds one row while waiting for another (no
deadlock with a drain holding several), and then waits for each skipped row
alone, one transaction each. The backlog takes rows with SKIP LOCKED only: a
row someone is changing is left for the next pick-up (or its own drain).

Rules: a conversation given to an agent is a "zugewiesen" trigger. The
drain's follow-up (automation/inbound.py) and a rule's own "assign
automatically" (automation/engine.py) take the ids assign_waiting returns into
their rules round; every other path here sends `assigned` once committed, and
automation/triggers.py starts the rules job for it.

SQLite (the embedded default) has no row or advisory locks; every transaction
there begins IMMEDIATE (extensions.py), one writer at a time, which serialises
assignment as well. The same code runs there without the locking clauses.
"""

from collections.abc import Iterable

from blinker import Namespace
from sqlalchemy import and_, or_, select, text

from .. import live
from ..dbutil import one_of
from ..extensions import db
from ..models import Conversation, Team, TeamMember
from .pool import Pool, last_agent_of

# The first key of routing's advisory locks (the second is the workspace id);
# the two-key space never collides with webhooks/senders.py's one-key locks.
ROUTING_LOCK = 18
# Waiting conversations read per round of a backlog pick-up.
PAGE = 50

# Sent after a commit that gave conversations to agents outside a drain's
# follow-up: sender the workspace id, conversation_ids the ids given.
assigned = Namespace().signal("routing-assigned")


def lock_workspace(workspace_id: int) -> None:
    """Serialise the workspace's assignments until this transaction ends."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(:key, :workspace)"),
            {"key": ROUTING_LOCK, "workspace": workspace_id},
        )


def assign_waiting(arrivals: list[tuple[int, bool, bool]]) -> dict[int, list[int]]:
    """(conversation id, opened, reopened) of conversations contacts just wrote to;
    the ids given to an agent, by workspace (the caller tells the rules)."""
    reopened = {conversation_id for conversation_id, _, again in arrivals if again}
    wanted = candidates(
        [conversation_id for conversation_id, _, _ in arrivals], reopened
    )
    given: dict[int, list[int]] = {}
    for workspace_id, ids in wanted.items():
        skipped, gave = route(workspace_id, ids, reopened, wait=False)
        for conversation_id in skipped:
            gave += route(workspace_id, [conversation_id], reopened, wait=True)[1]
        if gave:
            given[workspace_id] = gave
    return given


def assign_conversation(conversation_id: int) -> None:
    """The job after a lead form or an agent's change left a conversation waiting."""
    for workspace_id, ids in assign_waiting([(conversation_id, False, False)]).items():
        assigned.send(workspace_id, conversation_ids=ids)


def candidates(ids: list[int], reopened: set[int]) -> dict[int, list[int]]:
    """Those of these conversations that may need an agent, by workspace.

    Open, in a team that assigns automatically, and nobody's or just reopened.
    Read without locks, to leave the job at once when nothing is to be done
    (the usual case: a contact writes into a conversation that has its agent);
    the decision itself reads them again, locked.
    """
    if not ids:
        db.session.rollback()
        return {}
    rows = db.session.execute(
        select(Conversation.workspace_id, Conversation.id)
        .join(Team, Team.id == Conversation.team_id)
        .where(
            one_of(Conversation.id, ids),
            Conversation.state == "open",
            Team.assignment_mode != "off",
            or_(
                Conversation.assignee_id.is_(None),
                one_of(Conversation.id, reopened),
            ),
        )
        .order_by(Conversation.id)
    ).all()
    db.session.rollback()  # end the read: the lock comes first in what follows
    found: dict[int, list[int]] = {}
    for workspace_id, conversation_id in rows:
        found.setdefault(workspace_id, []).append(conversation_id)
    return found


def route(
    workspace_id: int, ids: list[int], reopened: set[int], wait: bool
) -> tuple[list[int], list[int]]:
    """Assign these conversations in one transaction; the ids of rows skipped
    and of those given to an agent."""
    lock_workspace(workspace_id)
    rows = db.session.scalars(
        select(Conversation)
        .where(one_of(Conversation.id, ids), Conversation.workspace_id == workspace_id)
        .order_by(Conversation.id)
        .with_for_update(skip_locked=not wait)
        .execution_options(populate_existing=True)
    ).all()
    pool = Pool(workspace_id, {c.team_id for c in rows if c.team_id is not None})
    changed = [c.id for c in rows if decide(pool, c, c.id in reopened)]
    found = {c.id for c in rows}  # before the commit expires them (a query each)
    finish(workspace_id, changed)
    return ([] if wait else [i for i in ids if i not in found]), pool.given


def decide(pool: Pool, conversation: Conversation, reopened: bool) -> bool:
    """Give the conversation an agent if it needs one now; True if it changed."""
    team = pool.automatic(conversation.team_id)
    if team is None or conversation.state != "open":
        return False
    assignee = conversation.assignee_id
    if assignee is not None and (not reopened or pool.keeps(assignee)):
        return False
    sticky_to = last_agent_of(conversation) if team.sticky else None
    agent = pool.choose(team, sticky_to=sticky_to, never=assignee)
    if agent is not None:
        pool.give(conversation, team, agent)
        return True
    if assignee is not None:  # reopened, its agent is gone and nobody has room
        pool.take_back(conversation)
        return True
    return False


def finish(workspace_id: int, changed: list[int], announce: Pool | None = None) -> None:
    """Commit (releasing the lock), then tell the open inboxes (and, for a
    backlog's pool, the rules: `assigned`)."""
    db.session.commit()
    live.publish_conversations((workspace_id, c) for c in changed)
    if announce is not None and announce.given:
        assigned.send(workspace_id, conversation_ids=announce.given)


def fill(
    pool: Pool,
    teams: Iterable[Team],
    only: int | None = None,
    leave: int | None = None,
) -> list[int]:
    """Give the teams' waiting conversations, oldest first, to agents with room.

    only: to this agent alone (a pick-up); leave: a conversation not to touch
    (the one the agent just let go of). Returns the ids given.
    """
    teams = [team for team in teams if team.assignment_mode != "off"]
    given: list[int] = []
    after = None
    while True:
        open_teams = [team for team in teams if pool.free(team, only)]
        rows = waiting(open_teams, after, leave) if open_teams else []
        if not rows:
            return given
        for conversation in rows:
            team = pool.teams[conversation.team_id or 0]  # one of open_teams
            sticky_to = last_agent_of(conversation) if team.sticky else None
            agent = pool.choose(team, sticky_to=sticky_to, only=only)
            if agent is not None:
                pool.give(conversation, team, agent)
                given.append(conversation.id)
        after = (rows[-1].last_activity_at, rows[-1].id)


def waiting(teams: list[Team], after, leave: int | None) -> list[Conversation]:
    """The next page of the teams' waiting conversations, oldest first, locked."""
    query = (
        select(Conversation)
        .where(
            Conversation.team_id.in_([team.id for team in teams]),
            Conversation.state == "open",
            Conversation.assignee_id.is_(None),
        )
        .order_by(Conversation.last_activity_at, Conversation.id)
        .limit(PAGE)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    if after is not None:
        at, last_id = after
        query = query.where(
            or_(
                Conversation.last_activity_at > at,
                and_(Conversation.last_activity_at == at, Conversation.id > last_id),
            )
        )
    if leave is not None:
        query = query.where(Conversation.id != leave)
    return list(db.session.scalars(query))


def pick_up(workspace_id: int, user_id: int) -> None:
    """The job when an agent comes online: the backlog of their teams, up to capacity."""
    after_release(workspace_id, user_id, None)


def after_release(
    workspace_id: int, user_id: int | None, conversation_id: int | None
) -> None:
    """The job after an agent's change: the conversation let go, then their backlog.

    A conversation left waiting (unassigned, moved to an automatic team) goes
    to someone else with room; then the agent who let it go, with room again,
    takes from the backlog of their teams (not that conversation).
    """
    lock_workspace(workspace_id)
    own = automatic_teams_of(workspace_id, user_id)
    released = None
    if conversation_id is not None:
        released = db.session.scalar(
            select(Conversation)
            .where(
                Conversation.id == conversation_id,
                Conversation.workspace_id == workspace_id,
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    team_ids = set(own)
    if released is not None and released.team_id is not None:
        team_ids.add(released.team_id)
    pool = Pool(workspace_id, team_ids)
    changed = []
    if released is not None and released.assignee_id is None:
        changed += [released.id] if give_away(pool, released, user_id) else []
    if user_id is not None:
        teams = [pool.teams[t] for t in own if t in pool.teams]
        changed += fill(pool, teams, only=user_id, leave=conversation_id)
    finish(workspace_id, changed, announce=pool)


def give_away(pool: Pool, conversation: Conversation, never: int | None) -> bool:
    """A conversation someone let go of, to another agent with room; True if given."""
    team = pool.automatic(conversation.team_id)
    if team is None or conversation.state != "open":
        return False
    sticky_to = last_agent_of(conversation) if team.sticky else None
    agent = pool.choose(team, sticky_to=sticky_to, never=never)
    if agent is None:
        return False
    pool.give(conversation, team, agent)
    return True


def automatic_teams_of(workspace_id: int, user_id: int | None) -> list[int]:
    """The agent's teams in the workspace that assign automatically."""
    if user_id is None:
        return []
    return list(
        db.session.scalars(
            select(TeamMember.team_id)
            .join(Team, Team.id == TeamMember.team_id)
            .where(
                TeamMember.user_id == user_id,
                Team.workspace_id == workspace_id,
                Team.assignment_mode != "off",
            )
            .order_by(TeamMember.team_id)
        )
    )


def fill_team(team_id: int) -> None:
    """The job after a team's settings or members changed: its backlog, shared out."""
    workspace_id = db.session.scalar(
        select(Team.workspace_id).where(Team.id == team_id)
    )
    db.session.rollback()
    if workspace_id is None:
        return
    lock_workspace(workspace_id)
    pool = Pool(workspace_id, {team_id})
    finish(workspace_id, fill(pool, pool.teams.values()), announce=pool)


def fill_backlogs() -> int:
    """rq cron, every minute: waiting conversations of every automatic team, shared out.

    Each trigger above starts its own job; this catches what none of them
    could (a job lost with its worker, a row skipped while locked, a
    conversation woken from snooze, an assignee whose account was deleted).
    Reads only the small index of waiting conversations when there are none.
    """
    rows = db.session.execute(
        select(Team.workspace_id, Team.id)
        .where(
            Team.assignment_mode != "off",
            select(Conversation.id)
            .where(
                Conversation.team_id == Team.id,
                Conversation.state == "open",
                Conversation.assignee_id.is_(None),
            )
            .exists(),
        )
        .order_by(Team.workspace_id, Team.id)
    ).all()
    db.session.rollback()
    by_workspace: dict[int, set[int]] = {}
    for workspace_id, team_id in rows:
        by_workspace.setdefault(workspace_id, set()).add(team_id)
    given = 0
    for workspace_id, team_ids in by_workspace.items():
        lock_workspace(workspace_id)
        pool = Pool(workspace_id, team_ids)
        changed = fill(pool, pool.teams.values())
        finish(workspace_id, changed, announce=pool)
        given += len(changed)
    return given
