"""Erasure of a contact (Art. 17 GDPR): everything of the person, in one transaction.

The database goes first and at once: the contact row is deleted and its
foreign keys cascade to conversations, messages (with notes, events, send
attempts), reactions, consent records, labels, lead submissions and campaign
recipient rows (the campaign's evidence then lacks the person); delivery
statuses, which know a message only by its wamid, are deleted explicitly. The
media files follow after the commit, in a job that retries until they are
gone (files.py); a file another message still names stays.

What stays: the audit event (counts only), and, if the person had objected,
keyed hashes of their number and BSUID on the suppression list.
"""

from sqlalchemy import delete, exists, func, select

from .. import audit
from ..costs.capture import forget_contact_messages
from ..dbutil import delete_in_database
from ..extensions import db
from ..models import (
    CampaignRecipient,
    ConsentRecord,
    Contact,
    Conversation,
    LeadSubmission,
    Message,
    MessageStatus,
    User,
)
from ..reports import facts as report_facts
from .suppression import suppress


def media_hashes(contact_id: int) -> set[str]:
    """The stored files the contact's messages name."""
    return set(
        db.session.scalars(
            select(Message.media_sha256)
            .where(Message.contact_id == contact_id, Message.media_sha256.is_not(None))
            .distinct()
        )
    )


def _count(model, contact_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(model).where(model.contact_id == contact_id)
    )


def counts_of(contact_id: int) -> dict[str, int]:
    """What the audit event says was erased: numbers only, never content."""
    per_direction = dict(
        db.session.execute(
            select(Message.direction, func.count())
            .where(Message.contact_id == contact_id)
            .group_by(Message.direction)
        ).all()
    )
    return {
        "conversations": _count(Conversation, contact_id),
        "messages": per_direction.get("in", 0) + per_direction.get("out", 0),
        "notes": per_direction.get("note", 0),
        "consents": _count(ConsentRecord, contact_id),
        "submissions": _count(LeadSubmission, contact_id),
        "campaigns": _count(CampaignRecipient, contact_id),
    }


def delete_statuses(contact_id: int) -> None:
    """Delivery statuses of the contact's messages (linked by channel and wamid only)."""
    db.session.execute(
        delete(MessageStatus)
        .where(
            exists().where(
                Message.contact_id == contact_id,
                Message.channel_id == MessageStatus.channel_id,
                Message.wamid == MessageStatus.wamid,
            )
        )
        .execution_options(synchronize_session=False)
    )


def erase_contact(contact: Contact, actor: User | None = None) -> set[str]:
    """Delete the contact and all of its data (caller commits); return its file hashes.

    After the commit, pass the hashes to files.enqueue_file_deletion.
    """
    # A webhook drain locks its senders too: one for this contact waits, so
    # everything counted and collected below is everything there is.
    db.session.execute(
        select(Contact.id).where(Contact.id == contact.id).with_for_update()
    )
    hashes = media_hashes(contact.id)
    counts = counts_of(contact.id)
    suppressed = suppress(contact)
    audit.record(
        contact.workspace_id,
        "contact.erased",
        contact,
        actor=actor,
        **counts,
        files=len(hashes),
        suppressed=suppressed,
    )
    delete_statuses(contact.id)
    report_facts.forget_contact(contact)
    forget_contact_messages(contact.workspace_id, contact.id)
    delete_in_database(contact)
    return hashes
