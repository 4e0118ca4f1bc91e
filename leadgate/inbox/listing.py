"""The conversation list: filters, search and keyset pagination.

Pages are cut by (last_activity_at, id) — "everything older than the last row
shown" — never by OFFSET, so page 200 costs what page 1 costs and a conversation
that moves to the top meanwhile is not shown twice. A page costs a constant
number of queries: the rows with contact, channel and assignee joined in, and
the labels of all its conversations in one more.
"""

from dataclasses import dataclass, fields, replace

from sqlalchemy import and_, exists, func, select, tuple_
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..listing import Cursor, newest_first  # noqa: F401 (API)
from ..models import (
    STATES,
    Campaign,
    CampaignRecipient,
    Conversation,
    ConversationLabel,
    ConversationRead,
    Label,
    utcnow,
)
from ..models.labels import labels_by
from ..tenancy import visible
from .search import matches

PAGE_SIZE = 50
ASSIGNEE_CHOICES = ("all", "me", "none")  # or a teammate's user id


@dataclass(frozen=True)
class Filters:
    state: str = "open"  # one of STATES, or "all"
    assignee: str = "all"  # ASSIGNEE_CHOICES or a user id
    label: int | None = None
    channel: int | None = None
    q: str = ""
    campaign: int | None = None  # replies to this campaign (its page links here)
    team: int | None = None
    overdue: str = ""  # "1": only conversations whose first answer is overdue

    @classmethod
    def from_args(cls, args) -> "Filters":
        """Unknown values fall back to the defaults instead of an error page."""
        state = args.get("state", cls.state)
        assignee = args.get("assignee", cls.assignee)
        return cls(
            state=state if state in (*STATES, "all") else cls.state,
            assignee=assignee
            if assignee in ASSIGNEE_CHOICES or assignee.isdigit()
            else cls.assignee,
            label=_int(args.get("label")),
            channel=_int(args.get("channel")),
            q=args.get("q", "").strip()[:100],
            campaign=_int(args.get("campaign")),
            team=_int(args.get("team")),
            overdue="1" if args.get("overdue") == "1" else "",
        )

    def args(self, **changes) -> dict:
        """Query string arguments for links: only what differs from the defaults."""
        changed = replace(self, **changes)
        # Called for every link of a page: plain attribute reads, no deep copies.
        return {
            key: value
            for key, default in DEFAULTS.items()
            if (value := getattr(changed, key)) not in (None, "") and value != default
        }


# Each filter's default, the values links leave out.
DEFAULTS = {item.name: getattr(Filters(), item.name) for item in fields(Filters)}


@dataclass
class Page:
    rows: list  # (Conversation, unread for this agent)
    labels: dict[int, list[Label]]
    next_cursor: Cursor | None


def conversation_page(
    workspace_id: int,
    user_id: int,
    filters: Filters,
    after: Cursor | None = None,
    limit: int = PAGE_SIZE,
) -> Page:
    unread = Conversation.inbound_count - func.coalesce(
        ConversationRead.inbound_seen, 0
    )
    statement = (
        select(Conversation, unread.label("unread"))
        .outerjoin(
            ConversationRead,
            and_(
                ConversationRead.conversation_id == Conversation.id,
                ConversationRead.user_id == user_id,
            ),
        )
        .options(
            joinedload(Conversation.contact),
            joinedload(Conversation.channel),
            joinedload(Conversation.assignee),
            joinedload(Conversation.team),
        )
        .where(Conversation.workspace_id == workspace_id, visible(Conversation))
        .order_by(Conversation.last_activity_at.desc(), Conversation.id.desc())
        .limit(limit + 1)
    )
    for condition in conditions(workspace_id, user_id, filters):
        statement = statement.where(condition)
    if after is not None:
        statement = statement.where(
            tuple_(Conversation.last_activity_at, Conversation.id)
            < tuple_(after.at, after.id)
        )
    rows = db.session.execute(statement).all()
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1][0] if rows else None
    return Page(
        rows=[(conversation, max(0, count)) for conversation, count in rows],
        labels=labels_of([conversation.id for conversation, _ in rows]),
        next_cursor=Cursor(last.last_activity_at, last.id) if more and last else None,
    )


def conditions(workspace_id: int, user_id: int, filters: Filters) -> list:
    found = []
    if filters.state != "all":
        found.append(Conversation.state == filters.state)
    if filters.assignee == "me":
        found.append(Conversation.assignee_id == user_id)
    elif filters.assignee == "none":
        found.append(Conversation.assignee_id.is_(None))
    elif filters.assignee.isdigit():
        found.append(Conversation.assignee_id == int(filters.assignee))
    if filters.label is not None:
        found.append(
            exists().where(
                ConversationLabel.conversation_id == Conversation.id,
                ConversationLabel.label_id == filters.label,
            )
        )
    if filters.channel is not None:
        found.append(Conversation.channel_id == filters.channel)
    if filters.team is not None:
        found.append(Conversation.team_id == filters.team)
    if filters.overdue:  # due and unanswered (sla/clock.py), marked or not yet
        found.append(Conversation.sla_due_at <= utcnow())
    if filters.q:
        found.append(matches(workspace_id, filters.q))
    if filters.campaign is not None:
        found.append(replied_to(filters.campaign))
    return found


def replied_to(campaign_id: int):
    """The conversation's contact answered the campaign, on the campaign's number."""
    return exists().where(
        CampaignRecipient.campaign_id == campaign_id,
        CampaignRecipient.contact_id == Conversation.contact_id,
        CampaignRecipient.replied_at.is_not(None),
        Campaign.id == CampaignRecipient.campaign_id,
        Campaign.workspace_id == Conversation.workspace_id,
        Campaign.channel_id == Conversation.channel_id,
    )


def labels_of(conversation_ids: list[int]) -> dict[int, list[Label]]:
    """The labels of many conversations with one query."""
    return labels_by(ConversationLabel.conversation_id, conversation_ids)


def _int(value) -> int | None:
    return int(value) if str(value or "").isdigit() else None
