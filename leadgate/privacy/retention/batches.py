"""The purge's deleting, in batches: each one a short transaction of its own.

A batch deletes at most BATCH rows with one statement and commits, so no lock
is held for long and memory stays bounded however much has expired; the inbox
keeps working meanwhile. Messages take along what hangs on them by wamid
(statuses, reactions; send attempts cascade), and the conversations they leave
empty. Files follow after each commit (files.py), never before it.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import astuple, dataclass

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    any_,
    delete,
    exists,
    func,
    select,
    text,
    tuple_,
    update,
)

from ...dbutil import one_of
from ...extensions import db
from ...models import Conversation, Message, MessageStatus, Reaction
from ...searchdoc import on_postgresql
from ..files import enqueue_file_deletion

BATCH = 10_000
# Conversations are deleted a few hundred at a time, their messages with them.
CONVERSATION_BATCH = 500
# A rebuilt search document holds the words of the newest messages up to this
# many characters: bounded work per conversation, far below PostgreSQL's 1 MB
# limit of a tsvector, about as many words as add_words lets one grow to.
DOCUMENT_MESSAGES, DOCUMENT_CHARS = 2000, 100_000

# What searchdoc.add_words was given: texts, captions, notes, a lead's values.
REBUILD_DOCUMENTS = text(
    "UPDATE conversation SET search_document = ("
    "  SELECT strip(to_tsvector('simple', left(coalesce(string_agg(words, ' '"
    "    ORDER BY sent_at DESC, id DESC), ''), :chars))) FROM ("
    "    SELECT sent_at, id, CASE WHEN direction = 'event' THEN"
    "      jsonb_path_query_array(details, '$.fields[*][2]')::text"
    "    ELSE coalesce(text, '') || ' ' || coalesce(caption, '') END AS words"
    "    FROM message WHERE message.conversation_id = conversation.id"
    "    AND (direction IN ('in', 'out', 'note') OR details->>'kind' = 'lead')"
    "    ORDER BY sent_at DESC, id DESC LIMIT :messages) newest"
    ") WHERE conversation.id = ANY(:ids)"
)


@dataclass
class Removed:
    """Counts of one rule's work (never what the rows said)."""

    messages: int = 0
    media: int = 0
    conversations: int = 0

    def __add__(self, other: "Removed") -> "Removed":
        return Removed(
            *(a + b for a, b in zip(astuple(self), astuple(other), strict=True))
        )

    def add(self, rows: Sequence[Row]) -> set[str]:
        """Count deleted message rows; return the files they named."""
        hashes = {row.media_sha256 for row in rows if row.media_sha256}
        self.messages += len(rows)
        self.media += sum(1 for row in rows if row.media_sha256)
        return hashes


def commit(hashes: set[str] = frozenset()) -> None:
    db.session.commit()
    enqueue_file_deletion(hashes)


def among(column, chosen: Select) -> ColumnElement[bool]:
    """`column IN (chosen)`; on PostgreSQL `= ANY(ARRAY(chosen))`.

    With IN the planner may hash-join the chosen ids against a scan of the
    whole table (a million rows read for every batch); the array is collected
    first and then looked up by index.
    """
    if on_postgresql():
        return column == any_(func.array(chosen.scalar_subquery()))
    return column.in_(chosen.scalar_subquery())


def count(model, *conditions: ColumnElement[bool]) -> int:
    return db.session.scalar(select(func.count(model.id)).where(*conditions))


def delete_rows(model, *conditions: ColumnElement[bool], size: int = 0) -> int:
    """Delete the matching rows, `size` per transaction; return how many went."""
    size, total = size or BATCH, 0
    while True:
        chosen = select(model.id).where(*conditions).limit(size)
        deleted = db.session.execute(
            delete(model)
            .where(among(model.id, chosen))
            .execution_options(synchronize_session=False)
        ).rowcount
        commit()
        total += deleted
        if deleted < size:
            return total


def delete_by_id(model, ids) -> int:
    return db.session.execute(
        delete(model)
        .where(one_of(model.id, ids))
        .execution_options(synchronize_session=False)
    ).rowcount


def locked(model, ids, *conditions: ColumnElement[bool]) -> list[int]:
    """Lock the rows, then those of them that still match.

    The second statement reads a fresh snapshot (READ COMMITTED), so a message
    written into a conversation while we waited for its lock is seen; a DELETE
    with NOT EXISTS alone would test that against its older snapshot.
    """
    db.session.execute(
        select(model.id)
        .where(one_of(model.id, ids))
        .order_by(model.id)
        .with_for_update()
    )
    return db.session.scalars(
        select(model.id).where(one_of(model.id, ids), *conditions)
    ).all()


def delete_messages(*conditions: ColumnElement[bool], ordered=False) -> list[Row]:
    """Delete up to BATCH matching messages with their statuses and reactions."""
    chosen = select(Message.id).where(*conditions).limit(BATCH)
    if ordered:
        chosen = chosen.order_by(Message.created_at, Message.id)
    rows = db.session.execute(
        delete(Message)
        .where(among(Message.id, chosen))
        .returning(
            Message.id,
            Message.created_at,
            Message.channel_id,
            Message.wamid,
            Message.conversation_id,
            Message.media_sha256,
        )
        .execution_options(synchronize_session=False)
    ).all()
    forget_wamids(rows)
    return rows


def forget_wamids(rows: Sequence[Row]) -> None:
    """Statuses and reactions name messages by wamid, per number: delete them too."""
    by_channel = defaultdict(list)
    for row in rows:
        if row.wamid:
            by_channel[row.channel_id].append(row.wamid)
    for channel_id, wamids in by_channel.items():
        for model, column in (
            (MessageStatus, MessageStatus.wamid),
            (Reaction, Reaction.target_wamid),
        ):
            db.session.execute(
                delete(model)
                .where(model.channel_id == channel_id, one_of(column, wamids))
                .execution_options(synchronize_session=False)
            )


def delete_old_messages(workspace_id: int, cutoff) -> Removed:
    """Delete the workspace's messages stored before the cutoff, oldest first."""
    removed, after = Removed(), None
    while True:
        conditions = [Message.workspace_id == workspace_id, Message.created_at < cutoff]
        if after is not None:
            conditions.append(tuple_(Message.created_at, Message.id) > after)
        rows = delete_messages(*conditions, ordered=True)
        if not rows:
            return removed
        hashes = removed.add(rows)
        touched = {row.conversation_id for row in rows}
        removed.conversations += tidy_conversations(touched, cutoff)
        commit(hashes)
        if len(rows) < BATCH:
            return removed
        after = tuple_(*max((row.created_at, row.id) for row in rows))


def tidy_conversations(ids: set[int], cutoff) -> int:
    """After their old messages went: delete the empty ones, tidy the others.

    A conversation with no message left goes (unless active since the cutoff).
    The others lose a preview quoting a deleted message (the preview is the
    newest message in or out: it went only if all of those went) and get their
    search document rebuilt without the deleted words.
    """
    ids = locked(Conversation, ids)
    emptied = db.session.execute(
        delete(Conversation)
        .where(
            one_of(Conversation.id, ids),
            Conversation.last_activity_at < cutoff,
            ~exists().where(Message.conversation_id == Conversation.id),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.execute(
        update(Conversation)
        .where(
            one_of(Conversation.id, ids),
            ~exists().where(
                Message.conversation_id == Conversation.id,
                Message.direction.in_(("in", "out")),
            ),
        )
        .values(last_message_preview=None, last_message_type=None)
        .execution_options(synchronize_session=False)
    )
    rebuild_search_documents(ids)
    return emptied


def rebuild_search_documents(ids: Sequence[int]) -> None:
    """Rebuild the documents from the messages left (PostgreSQL only)."""
    if ids and on_postgresql():
        db.session.execute(
            REBUILD_DOCUMENTS,
            {"ids": list(ids), "messages": DOCUMENT_MESSAGES, "chars": DOCUMENT_CHARS},
        )


def delete_conversations(ids: Sequence[int], *still_expired) -> Removed:
    """Delete these conversations with all their messages, if still expired.

    The lock keeps new messages out until the commit; a conversation that came
    back to life before it (a new message) fails the recheck and stays.
    """
    removed = Removed()
    while True:
        ids = locked(Conversation, ids, *still_expired)
        if not ids:
            return removed
        rows = delete_messages(one_of(Message.conversation_id, ids))
        hashes = removed.add(rows)
        if len(rows) < BATCH:
            break
        commit(hashes)  # a very long conversation: release the locks in between
    removed.conversations += delete_by_id(Conversation, ids)
    commit(hashes)
    return removed
