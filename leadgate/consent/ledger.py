"""Record consent and derive its current state: the one way into the ledger.

`record` only ever appends. The state of a purpose is its latest record; a
purpose without records has no consent on file (None). A record the team made
by mistake is never changed or deleted: a later "taken_back" record names it
(evidence "voids") and the state is the latest record not voided, so the
history keeps both, with who took it back, when and why.
"""

from collections.abc import Iterable

from sqlalchemy import select

from ..dbutil import one_of
from ..extensions import db
from ..models import ConsentRecord, Contact, User, utcnow
from ..models.consent import ACTIONS, PURPOSES, SOURCES

MARKETING, SERVICE = PURPOSES
TAKEN_BACK = "taken_back"


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
    """The latest record for this purpose that was not taken back: what holds now."""
    newest_first = (
        select(ConsentRecord)
        .where(ConsentRecord.contact_id == contact_id, ConsentRecord.purpose == purpose)
        .order_by(ConsentRecord.id.desc())
    )
    latest = db.session.scalar(newest_first.limit(1))
    # A take-back only voids older records: any other latest record holds.
    if latest is None or latest.action != TAKEN_BACK:
        return latest
    return holding(db.session.scalars(newest_first))


def holding_records(contact_ids: list[int], purpose: str) -> dict[int, ConsentRecord]:
    """`current` for many contacts in one query: contact id → the record that holds."""
    by_contact: dict[int, list[ConsentRecord]] = {}
    for entry in db.session.scalars(
        select(ConsentRecord)
        .where(
            one_of(ConsentRecord.contact_id, contact_ids),
            ConsentRecord.purpose == purpose,
        )
        .order_by(ConsentRecord.id.desc())
    ):
        by_contact.setdefault(entry.contact_id, []).append(entry)
    found = {}
    for contact_id, newest_first in by_contact.items():
        holds = holding(newest_first)
        if holds is not None:
            found[contact_id] = holds
    return found


def holding(newest_first: Iterable[ConsentRecord]) -> ConsentRecord | None:
    """Of one purpose's records (newest first), the one that holds."""
    voided: set[int] = set()
    for entry in newest_first:
        if entry.action == TAKEN_BACK:
            voided.update(entry.evidence.get("voids", ()))
        elif entry.id not in voided:
            return entry
    return None


def take_back(
    contact: Contact, purpose: str, voids: list[ConsentRecord], by: User, reason: str
) -> ConsentRecord:
    """Append the record that voids these records of the team's (caller commits)."""
    entry = ConsentRecord(
        workspace_id=contact.workspace_id,
        contact_id=contact.id,
        purpose=purpose,
        action=TAKEN_BACK,
        source="agent",
        wording=reason,
        recorded_by_id=by.id,
        recorded_at=utcnow(),
        evidence={"voids": [voided.id for voided in voids]},
    )
    db.session.add(entry)
    db.session.flush()
    if purpose == MARKETING:
        holds = current(contact.id, MARKETING)
        contact.marketing_consent = holds.action if holds else None
    return entry


def voided_in(records: Iterable[ConsentRecord]) -> set[int]:
    """Ids of the records a take-back among these voids (the history marks them)."""
    return {
        voided
        for entry in records
        if entry.action == TAKEN_BACK
        for voided in entry.evidence.get("voids", ())
    }


def voided_ids(contact_ids: list[int]) -> set[int]:
    """Ids of these contacts' records voided by a take-back (rare: one query)."""
    return voided_in(
        db.session.scalars(
            select(ConsentRecord).where(
                one_of(ConsentRecord.contact_id, contact_ids),
                ConsentRecord.action == TAKEN_BACK,
            )
        )
    )


def history(contact_id: int) -> list[ConsentRecord]:
    """Every record, newest first: the proof shown on the contact."""
    return db.session.scalars(
        select(ConsentRecord)
        .where(ConsentRecord.contact_id == contact_id)
        .order_by(ConsentRecord.id.desc())
    ).all()
