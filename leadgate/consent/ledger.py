"""Record consent and derive its current state: the one way into the ledger.

`record` only ever appends. The state of a purpose is its latest record; a
purpose without records has no consent on file (None).
"""

from sqlalchemy import select

from ..extensions import db
from ..models import ConsentRecord, Contact, User, utcnow
from ..models.consent import ACTIONS, PURPOSES, SOURCES

MARKETING, SERVICE = PURPOSES


def record(
    contact: Contact,
    purpose: str,
    action: str,
    source: str,
    wording: str | None = None,
    by: User | None = None,
    **evidence,
) -> ConsentRecord:
    """Append one record (in the caller's transaction)."""
    if purpose not in PURPOSES or action not in ACTIONS or source not in SOURCES:
        raise ValueError(f"not a consent record: {purpose} {action} {source}")
    entry = ConsentRecord(
        workspace_id=contact.workspace_id,
        contact_id=contact.id,
        purpose=purpose,
        action=action,
        source=source,
        wording=wording,
        recorded_by_id=by.id if by else None,
        recorded_at=utcnow(),
        evidence=evidence,
    )
    db.session.add(entry)
    if purpose == MARKETING:
        contact.marketing_consent = action
    return entry


def current(contact_id: int, purpose: str) -> ConsentRecord | None:
    """The latest record for this purpose: what holds now."""
    return db.session.scalar(
        select(ConsentRecord)
        .where(ConsentRecord.contact_id == contact_id, ConsentRecord.purpose == purpose)
        .order_by(ConsentRecord.id.desc())
        .limit(1)
    )


def history(contact_id: int) -> list[ConsentRecord]:
    """Every record, newest first: the proof shown on the contact."""
    return db.session.scalars(
        select(ConsentRecord)
        .where(ConsentRecord.contact_id == contact_id)
        .order_by(ConsentRecord.id.desc())
    ).all()
