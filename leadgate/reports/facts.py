"""The conversation facts the reports read, written where conversations change.

One ReportConversation per opening (ids, moments and a contact pseudonym only):
- a contact's message opens or reopens a conversation: a new fact, after the
  drain's commit (automation/inbound.py after_inbound, off the drain's path);
- the team's first answer since then (Conversation.team_wrote, through
  outbound/service.py stage): its moment, its author, and the seconds it took
  inside business hours (hours/schedule.py, the one rule for them);
- the conversation is resolved (inbox/team.py change_state): likewise.
A restricted contact (Art. 18) gets no facts, and restricting or erasing one
deletes theirs (forget_contact). The fact a later event updates is the newest
open one of the conversation's number and contact pseudonym: facts never hold a
conversation's id, which would lead back to the person.
"""

from datetime import datetime

from sqlalchemy import and_, delete, insert, select, update

from ..dbutil import one_of
from ..extensions import db
from ..hours.schedule import hours_for, open_time_between
from ..models import Contact, Conversation, Message, ReportConversation, as_utc
from .pseudonyms import Pseudonyms

CONTACT = "contact"


def conversations_opened(
    arrivals: list[tuple[int, int, bool, bool, bool | None]],
) -> None:
    """(conversation id, its first new message's id, opened, reopened, first
    contact) of a drain batch: a fact per opening; commits.

    Opened when that message was stored. The job may run after the team already
    answered (a queue behind a burst): the answer is then taken from the
    conversation (Conversation.first_answered_at), not lost. Columns and one
    INSERT, not ORM objects: a burst of new contacts opens hundreds per batch.
    """
    wanted = {c: (m, o, r, f) for c, m, o, r, f in arrivals if o or r}
    if not wanted:
        return
    rows = db.session.execute(
        select(
            Conversation.id,
            Conversation.workspace_id,
            Conversation.channel_id,
            Conversation.team_id,
            Conversation.contact_id,
            Conversation.first_answered_at,
            Message.created_at,
        )
        .join(Contact, Contact.id == Conversation.contact_id)
        .join(
            Message,
            and_(
                Message.conversation_id == Conversation.id,
                one_of(Message.id, [first_id for first_id, *_ in wanted.values()]),
            ),
        )
        .where(one_of(Conversation.id, wanted), Contact.restricted_at.is_(None))
        .order_by(Conversation.id)
    ).all()
    keys = Pseudonyms()
    facts = []
    for cid, workspace_id, channel_id, team_id, contact_id, answered, stored in rows:
        _message, opened, reopened, first = wanted[cid]
        opened_at = as_utc(stored)
        response_at, response_seconds = None, None
        if answered is not None and as_utc(answered) >= opened_at:
            conversation = db.session.get(Conversation, cid)  # rare: its hours
            assert conversation is not None
            response_at = as_utc(answered)
            response_seconds = open_seconds(conversation, opened_at, response_at)
        facts.append(
            {
                "workspace_id": workspace_id,
                "channel_id": channel_id,
                "team_id": team_id,
                "contact_key": keys.of(workspace_id, CONTACT, contact_id),
                "opened_at": opened_at,
                "reopened": bool(reopened and not opened),
                "new_contact": bool(opened and first),
                "first_response_at": response_at,
                "first_response_seconds": response_seconds,
            }
        )
    if facts:
        db.session.execute(insert(ReportConversation), facts)
    db.session.commit()


def current_fact(conversation: Conversation) -> ReportConversation | None:
    """The conversation's open fact (newest first), if it has one."""
    key = Pseudonyms().of(conversation.workspace_id, CONTACT, conversation.contact_id)
    return db.session.scalar(
        select(ReportConversation)
        .where(
            ReportConversation.workspace_id == conversation.workspace_id,
            ReportConversation.contact_key == key,
            ReportConversation.channel_id == conversation.channel_id,
            ReportConversation.resolved_at.is_(None),
        )
        .order_by(ReportConversation.opened_at.desc(), ReportConversation.id.desc())
        .limit(1)
    )


def first_answer(
    conversation: Conversation, at: datetime, agent_id: int | None
) -> None:
    """The team's first answer since the opening (the caller commits)."""
    fact = current_fact(conversation)
    if fact is None or fact.first_response_at is not None:
        return
    fact.first_response_at = at
    fact.first_response_seconds = open_seconds(conversation, fact.opened_at, at)
    fact.responder_id = agent_id


def resolved(conversation: Conversation, at: datetime, agent_id: int | None) -> None:
    """The conversation is resolved (the caller commits)."""
    fact = current_fact(conversation)
    if fact is None:
        return
    fact.resolved_at = at
    fact.resolution_seconds = open_seconds(conversation, fact.opened_at, at)
    fact.resolver_id = agent_id


def open_seconds(conversation: Conversation, start: datetime, end: datetime) -> int:
    """Seconds of business hours (of its team, else its number) between the two."""
    spent = open_time_between(hours_for(conversation), as_utc(start), as_utc(end))
    return int(spent.total_seconds())


def forget_contact(contact: Contact) -> None:
    """Delete the contact's facts (restricted or erased; the caller commits).

    Facts made before the workspace's secret was rotated carry a pseudonym that
    nothing links to the contact any more: they are anonymous already.
    """
    key = Pseudonyms().of(contact.workspace_id, CONTACT, contact.id)
    db.session.execute(
        delete(ReportConversation).where(
            ReportConversation.workspace_id == contact.workspace_id,
            ReportConversation.contact_key == key,
        )
    )


def merge_contacts(kept: Contact, other: Contact) -> None:
    """`other` becomes part of `kept`: their facts become kept's (the caller commits),
    so counting contacts and a later erasure of `kept` find them; none if `kept`
    is restricted now (merging keeps a restriction)."""
    names = Pseudonyms()
    theirs = names.of(other.workspace_id, CONTACT, other.id)
    if kept.restricted_at is not None:
        forget_contact(kept)
        forget_contact(other)
        return
    db.session.execute(
        update(ReportConversation)
        .where(
            ReportConversation.workspace_id == other.workspace_id,
            ReportConversation.contact_key == theirs,
        )
        .values(contact_key=names.of(kept.workspace_id, CONTACT, kept.id))
    )
