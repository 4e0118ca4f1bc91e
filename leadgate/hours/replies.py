"""Welcome and away replies, sent by the after_inbound job once a drain committed.

For each conversation a contact just wrote to (its newest new message):
- outside the business hours of its number or team (schedule.py), the away
  reply, if switched on; it takes the place of the welcome, so a first message
  at night gets one answer, not two;
- otherwise, if the message opened the number's first conversation with the
  contact, the welcome reply, if switched on.
Never when the rules for sending refuse (outbound/rules.py: the 24-hour window,
an objection, a restriction), never to a keyword (STOP/START have their own
answer), never in a conversation a rule marked `auto_replies_off`, and at most
once per contact and kind within the workspace's period: the AutoReplySent row
is claimed with one conditional upsert, so of two drains at once only one
sends. Each reply is claimed and queued in a transaction of its own, in
contact order, so neither two jobs nor a job and a drain wait in a circle.

The reply goes through the outbound pipeline like an agent's message (queued,
then delivered by deliver_due), without an author; details["kind"] makes the
thread say it was sent automatically. It does not replace the contact's words
as the inbox list's preview: those are what an agent still has to answer.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from .. import live
from ..consent.keywords import keyword_action
from ..dbutil import one_of
from ..extensions import db
from ..models import (
    AutoReplySent,
    AutoReplySettings,
    Conversation,
    Message,
    as_utc,
    utcnow,
)
from ..models.hours import AWAY, WELCOME
from ..outbound.delivery import enqueue_delivery
from ..outbound.rules import NOT_CONTACT_MESSAGES, refusal
from ..outbound.service import stage
from . import schedule
from .texts import reply_text

# A reaction, an edit or a deletion (webhooks/effects.py) is no message to answer.
NOT_ANSWERED = {"reaction", "edit", "revoke", *NOT_CONTACT_MESSAGES}


@dataclass(frozen=True)
class Due:
    conversation: Conversation
    settings: AutoReplySettings
    kind: str
    opening: datetime | None  # the next opening, for an away reply


def answer_arrivals(arrivals: list[tuple[int, int, bool]]) -> None:
    """(conversation id, message id, opened): send a welcome or away reply where due."""
    due = [d for d in map(reply_due, candidates(arrivals)) if d is not None]
    changed: set[tuple[int, int]] = set()
    channels: set[int] = set()
    for item in sorted(due, key=claim_order):
        key = (item.conversation.workspace_id, item.conversation.id)
        if claim(item):
            channels.add(item.conversation.channel_id)
            stage_reply(item)
            changed.add(key)
        # One reply per transaction: it holds its claim and its conversation's
        # row only, so it never waits for a drain while holding a row the
        # drain waits for.
        db.session.commit()
    for channel_id in sorted(channels):
        enqueue_delivery(channel_id)
    live.publish_conversations(changed)


@dataclass(frozen=True)
class Candidate:
    conversation: Conversation
    settings: AutoReplySettings
    message: Message
    opened: bool


def candidates(arrivals: list[tuple[int, int, bool]]) -> list[Candidate]:
    """Arrivals in workspaces with a reply switched on, loaded with a few queries.

    A drain batch brings hundreds of arrivals: where nothing is switched on,
    the job costs one query, not a handful per conversation.
    """
    if not arrivals:
        return []
    ids = [c for c, _, _ in arrivals]
    # The settings first: in most workspaces no reply is on at most hours, and
    # then the job reads nothing more.
    settings = {
        s.workspace_id: s
        for s in db.session.scalars(
            select(AutoReplySettings).where(
                AutoReplySettings.workspace_id.in_(
                    select(Conversation.workspace_id)
                    .where(one_of(Conversation.id, ids))
                    .distinct()
                ),
                or_(AutoReplySettings.welcome_on, AutoReplySettings.away_on),
            )
        )
    }
    if not settings:
        return []
    conversations = {
        c.id: c
        for c in db.session.scalars(
            select(Conversation)
            .where(
                one_of(Conversation.id, ids),
                one_of(Conversation.workspace_id, settings),
            )
            .options(joinedload(Conversation.channel), joinedload(Conversation.contact))
        )
    }
    wanted = [
        (conversations[c], m, bool(o))
        for c, m, o in arrivals
        if c in conversations
        and conversations[c].workspace_id in settings
        and not conversations[c].auto_replies_off
    ]
    if not wanted:
        return []
    messages = {
        m.id: m
        for m in db.session.scalars(
            select(Message).where(one_of(Message.id, [m for _, m, _ in wanted]))
        )
    }
    return [
        Candidate(conversation, settings[conversation.workspace_id], messages[m], o)
        for conversation, m, o in wanted
        if m in messages
    ]


def reply_due(candidate: Candidate) -> Due | None:
    """The reply this arrival calls for, before the once-per-period claim; or None."""
    conversation, settings = candidate.conversation, candidate.settings
    if not answerable(candidate.message, conversation):
        return None
    written_at = as_utc(candidate.message.sent_at)
    kind, opening = reply_kind(conversation, settings, written_at, candidate.opened)
    if kind is None or refusal(conversation.channel, conversation.contact):
        return None
    return Due(conversation, settings, kind, opening)


def answerable(message: Message, conversation: Conversation) -> bool:
    """The contact wrote something of their own: no reaction, no STOP or START."""
    if message.conversation_id != conversation.id:
        return False
    if message.direction != "in" or message.type in NOT_ANSWERED:
        return False
    workspace = conversation.channel.workspace
    return keyword_action(workspace, message.text) is None


def reply_kind(
    conversation: Conversation,
    settings: AutoReplySettings,
    written_at: datetime,
    opened: bool,
) -> tuple[str | None, datetime | None]:
    """Away outside the business hours (when the contact wrote), else welcome."""
    if settings.away_on:
        hours = schedule.hours_for(conversation)
        if hours is not None and not hours.is_open(written_at):
            return AWAY, hours.next_opening(written_at)
    if settings.welcome_on and opened:
        return WELCOME, None
    return None, None


def claim_order(due: Due) -> tuple[int, str]:
    return due.conversation.contact_id, due.kind


def claim(due: Due) -> bool:
    """Take this contact's turn for the reply, unless one went within the period.

    INSERT … ON CONFLICT DO UPDATE … WHERE the last one is older than the
    period, RETURNING: a row back means ours. A second transaction waits for
    the first's row and then finds it too recent (PostgreSQL re-checks the
    WHERE on the committed row), so it gets nothing back.
    """
    now = utcnow()
    table = AutoReplySent.__table__
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(table)
        .values(
            workspace_id=due.conversation.workspace_id,
            contact_id=due.conversation.contact_id,
            kind=due.kind,
            sent_at=now,
        )
        .on_conflict_do_update(
            index_elements=[table.c.contact_id, table.c.kind],
            set_={"sent_at": now},
            where=table.c.sent_at <= now - timedelta(hours=due.settings.period_hours),
        )
        .returning(table.c.id)
    )
    return db.session.execute(statement).first() is not None


def stage_reply(due: Due) -> None:
    """Queue the reply's message (the caller commits and enqueues the delivery)."""
    conversation = due.conversation
    text = reply_text(
        due.settings,
        due.kind,
        conversation.channel.workspace.name,
        utcnow(),
        due.opening,
    )
    stage(
        conversation,
        None,
        touch=False,
        type="text",
        text=text,
        details={"kind": due.kind},
    )
