"""One thread per number after a merge: the other contact's conversations are folded in.

When both contacts wrote on the same business number, the person had two
threads there, listed under one name after the merge. Each conversation of the
merged contact on a number the kept contact already has a conversation on is
folded into the kept one's latest there (the one new messages go to, as in
webhooks/inbound.py): its messages, notes and events move over (the thread
orders them by time), labels and per-agent read states are combined, and the
emptied row is deleted. Nothing of the thread is lost; the kept contact's own
conversations stay as they are.
"""

from collections.abc import Sequence

from sqlalchemy import delete, func, insert, literal, select, update
from sqlalchemy.orm import InstrumentedAttribute

from ..dbutil import delete_in_database
from ..extensions import db
from ..models import (
    Conversation,
    ConversationLabel,
    ConversationRead,
    Message,
    as_utc,
)
from ..searchdoc import combined, on_postgresql

# Which state the folded thread takes: the one that asks most of the team.
STATE_RANK = {"open": 0, "pending": 1, "snoozed": 2, "resolved": 3}


def repoint(column: InstrumentedAttribute[int], old_id: int, new_id: int) -> None:
    """Point the rows whose `column` names old_id at new_id instead (one UPDATE)."""
    db.session.execute(
        update(column.class_)
        .where(column == old_id)
        .values({column.key: new_id})
        .execution_options(synchronize_session=False)
    )


def fold_conversations(kept_id: int, moved: Sequence[tuple[int, int]]) -> None:
    """Fold these (conversation id, channel id) of the merged contact, now the kept one's."""
    moved_ids = [conversation_id for conversation_id, _ in moved]
    targets = dict(
        db.session.execute(
            select(Conversation.channel_id, func.max(Conversation.id))
            .where(
                Conversation.contact_id == kept_id, Conversation.id.not_in(moved_ids)
            )
            .group_by(Conversation.channel_id)
        ).all()
    )
    # Newest first: without a kept conversation on a number, the merged
    # contact's latest there takes the others in.
    for conversation_id, channel_id in sorted(moved, reverse=True):
        target_id = targets.setdefault(channel_id, conversation_id)
        if target_id != conversation_id:
            fold(db.session.get(Conversation, conversation_id), target_id)
    db.session.flush()


def fold(source: Conversation, target_id: int) -> None:
    """Move everything of `source` into the conversation `target_id`; delete `source`."""
    target = db.session.get(Conversation, target_id)
    repoint(Message.conversation_id, source.id, target.id)
    combine_labels(source.id, target.id)
    combine_reads(source.id, target.id)
    combine_search_documents(source.id, target.id)
    take_over(target, source)
    delete_in_database(source)


def take_over(target: Conversation, source: Conversation) -> None:
    """Counters add up; the state, assignee and preview that matter win."""
    target.unread_count += source.unread_count
    target.inbound_count += source.inbound_count
    target.assignee_id = target.assignee_id or source.assignee_id
    target.lead_submission_id = target.lead_submission_id or source.lead_submission_id
    target.created_at = min(as_utc(target.created_at), as_utc(source.created_at))
    if STATE_RANK.get(source.state, 3) < STATE_RANK.get(target.state, 3):
        target.state, target.snoozed_until = source.state, source.snoozed_until
    elif source.state == target.state == "snoozed" and source.snoozed_until:
        wakes = [as_utc(t) for t in (target.snoozed_until, source.snoozed_until) if t]
        target.snoozed_until = min(wakes)  # the earlier reminder still comes
    if as_utc(source.last_activity_at) > as_utc(target.last_activity_at):
        target.last_activity_at = source.last_activity_at
        target.last_message_preview = source.last_message_preview
        target.last_message_type = source.last_message_type


def combine_labels(source_id: int, target_id: int) -> None:
    """The labels of both threads, each once."""
    target_labels = select(ConversationLabel.label_id).where(
        ConversationLabel.conversation_id == target_id
    )
    db.session.execute(
        insert(ConversationLabel).from_select(
            ["conversation_id", "label_id"],
            select(literal(target_id), ConversationLabel.label_id).where(
                ConversationLabel.conversation_id == source_id,
                ConversationLabel.label_id.not_in(target_labels),
            ),
        )
    )
    db.session.execute(
        delete(ConversationLabel).where(ConversationLabel.conversation_id == source_id)
    )


def combine_reads(source_id: int, target_id: int) -> None:
    """Each agent's unread count stays the sum of both threads' unread.

    Unread = inbound_count - inbound_seen, and the inbound counts add up, so
    the seen counts add up too (an agent who never opened one saw 0 of it).
    """
    reads = db.session.scalars(
        select(ConversationRead).where(
            ConversationRead.conversation_id.in_((source_id, target_id))
        )
    ).all()
    combined: dict[int, tuple[int, object]] = {}
    for read in reads:
        seen, at = combined.get(read.user_id, (0, None))
        latest = read.seen_at if at is None else max(as_utc(at), as_utc(read.seen_at))
        combined[read.user_id] = (seen + read.inbound_seen, latest)
    db.session.execute(
        delete(ConversationRead).where(
            ConversationRead.conversation_id.in_((source_id, target_id))
        )
    )
    for read in reads:
        db.session.expunge(read)
    db.session.add_all(
        ConversationRead(
            conversation_id=target_id, user_id=user_id, inbound_seen=seen, seen_at=at
        )
        for user_id, (seen, at) in combined.items()
    )


def combine_search_documents(source_id: int, target_id: int) -> None:
    """The inbox search finds the folded thread by the words of both (PostgreSQL)."""
    if not on_postgresql():
        return
    source_document = (
        select(Conversation.search_document)
        .where(Conversation.id == source_id)
        .scalar_subquery()
    )
    db.session.execute(
        update(Conversation)
        .where(Conversation.id == target_id)
        .values(search_document=combined(Conversation.search_document, source_document))
        .execution_options(synchronize_session=False)
    )
