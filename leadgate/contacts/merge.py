"""Duplicates and merging: one person, one contact.

Duplicates arise when the same person arrives by two ways: imported or captured
by a form with their number, and writing with a WhatsApp username (BSUID only);
or typed once with a wrong number and corrected later. They are found by number,
BSUID and username, and merged by the team: everything of the other contact —
conversations, messages, consent records, lead submissions, labels, attributes
and identifiers — moves to the kept one, then the other is deleted. The person
keeps one conversation per business number (merge_threads.py).
"""

from sqlalchemy import and_, delete, or_, select, true, tuple_

from ..consent import ledger
from ..extensions import db
from ..models import (
    ConsentRecord,
    Contact,
    ContactLabel,
    Conversation,
    LeadSubmission,
    Message,
    Reaction,
    as_utc,
    utcnow,
)
from ..phones import e164_of_wa_id, wa_id_of
from ..reports import facts as report_facts
from .merge_threads import fold_conversations, repoint

# Identifiers unique per workspace: they move only after the other row lets go.
UNIQUE_IDS = ("wa_id", "bsuid")
FILLED_IN = ("username", "parent_bsuid", "profile_name", "name", "email", "phone_e164")
# Rows that only point at the contact: moved with one UPDATE each.
REFERENCING = (Conversation, Message, ConsentRecord, LeadSubmission)


def duplicates_of(contact: Contact, seen=None) -> list[Contact]:
    """Other contacts of the workspace that are probably the same person.

    seen: a condition on Contact (tenancy.visible) that a page adds, so a
    duplicate only another team sees stays unnamed.
    """
    numbers = {contact.phone_e164, e164_of_wa_id(contact.wa_id)} - {None}
    same = [Contact.phone_e164.in_(numbers)] if numbers else []
    if numbers:
        same.append(Contact.wa_id.in_([wa_id_of(n) for n in numbers]))
    if contact.username:
        same.append(Contact.username == contact.username)
    if contact.parent_bsuid:
        same.append(Contact.bsuid == contact.parent_bsuid)
    if contact.bsuid:
        same.append(Contact.parent_bsuid == contact.bsuid)
    if not same:
        return []
    return db.session.scalars(
        select(Contact)
        .where(
            Contact.workspace_id == contact.workspace_id,
            Contact.id != contact.id,
            or_(*same),
            true() if seen is None else seen,
        )
        .order_by(Contact.id)
    ).all()


def merge(kept: Contact, other: Contact) -> None:
    """Move everything of `other` to `kept` and delete `other` (caller commits)."""
    if kept.workspace_id != other.workspace_id or kept.id == other.id:
        raise ValueError("contacts of different workspaces, or the same one")
    take_identifiers(kept, other)
    report_facts.merge_contacts(kept, other)
    theirs = db.session.execute(
        select(Conversation.id, Conversation.channel_id).where(
            Conversation.contact_id == other.id
        )
    ).all()
    for model in REFERENCING:
        repoint(model.contact_id, other.id, kept.id)
    move_reactions(kept.id, other.id)
    move_labels(kept.id, other.id)
    fold_conversations(kept.id, [tuple(row) for row in theirs])
    latest = ledger.current(kept.id, ledger.MARKETING)
    kept.marketing_consent = latest.action if latest else None
    kept.updated_at = utcnow()
    db.session.delete(other)
    db.session.flush()


def take_identifiers(kept: Contact, other: Contact) -> None:
    """Fill what the kept contact lacks; keep every objection and restriction."""
    moving = {
        name: getattr(other, name)
        for name in UNIQUE_IDS
        if getattr(kept, name) is None and getattr(other, name) is not None
    }
    for name in moving:
        setattr(other, name, None)
    db.session.flush()  # the other row lets go of its unique ids first
    for name, value in moving.items():
        setattr(kept, name, value)
    for name in FILLED_IN:
        if not getattr(kept, name) and getattr(other, name):
            setattr(kept, name, getattr(other, name))
    kept.attributes = {**(other.attributes or {}), **(kept.attributes or {})}
    kept.opted_out_at = earliest(kept.opted_out_at, other.opted_out_at)
    if kept.restricted_at is None and other.restricted_at is not None:
        kept.restricted_at = other.restricted_at
        kept.restricted_reason = other.restricted_reason
    kept.created_at = earliest(kept.created_at, other.created_at)
    kept.last_inbound_at = latest_of(kept.last_inbound_at, other.last_inbound_at)
    for name in ("marketing_preference", "marketing_preference_at"):
        if other.marketing_preference_at and (
            kept.marketing_preference_at is None
            or as_utc(other.marketing_preference_at)
            > as_utc(kept.marketing_preference_at)
        ):
            setattr(kept, name, getattr(other, name))


def earliest(a, b):
    present = [as_utc(value) for value in (a, b) if value is not None]
    return min(present) if present else None


def latest_of(a, b):
    present = [as_utc(value) for value in (a, b) if value is not None]
    return max(present) if present else None


def move_reactions(kept_id: int, other_id: int) -> None:
    """A reaction per message and contact: the kept contact's own one wins."""
    kept_targets = select(Reaction.channel_id, Reaction.target_wamid).where(
        Reaction.contact_id == kept_id
    )
    db.session.execute(
        delete(Reaction).where(
            Reaction.contact_id == other_id,
            tuple_(Reaction.channel_id, Reaction.target_wamid).in_(kept_targets),
        )
    )
    repoint(Reaction.contact_id, other_id, kept_id)


def move_labels(kept_id: int, other_id: int) -> None:
    kept_labels = select(ContactLabel.label_id).where(
        ContactLabel.contact_id == kept_id
    )
    db.session.execute(
        delete(ContactLabel).where(
            and_(
                ContactLabel.contact_id == other_id,
                ContactLabel.label_id.in_(kept_labels),
            )
        )
    )
    repoint(ContactLabel.contact_id, other_id, kept_id)
