"""Objections recorded by the team on the contact page, and taking back one
recorded by mistake ("Widerspruch zurücknehmen").

Nothing is deleted: for each purpose the objection stopped, one "taken_back"
record voids the team's opt-out records that hold now (ledger.py), with who,
when and the required reason; the contact's consent history and every thread
show both. Only the team's own records are voided: a STOP the person sent
themselves keeps holding, so they can be written to again, but marketing still
follows their own word and the ledger's other records (outbound/rules.py).

Owners and admins only: any member may record an objection, which only stops
messages; taking it back lets messages reach the person again, so it is left to
those who answer for the workspace's data, with the reason on record.

The suppression list is not touched, by design: it only holds erased contacts'
hashes, written at erasure from an objection still in force
(privacy/suppression.py). A live contact's objection is never on it, and an
erased contact's objection can no longer be taken back. Once taken back, the
objection no longer counts there either: erasing the contact later leaves no
hash (suppression.had_opted_out reads the ledger's current state).
"""

from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..inbox.team import conversations_of, record_event
from ..models import ConsentRecord, Contact, User, utcnow
from ..models.consent import PURPOSES
from . import ledger

# Stored with the record as the inbox stores its own (German, like every ledger text).
WORDING = "Widerspruch (Art. 21 DSGVO), erfasst auf der Kontaktseite"


def team_objection(contact_id: int, purpose: str) -> list[ConsentRecord]:
    """The team's opt-outs that hold now for this purpose, newest first."""
    newest_first = db.session.scalars(
        select(ConsentRecord)
        .where(ConsentRecord.contact_id == contact_id, ConsentRecord.purpose == purpose)
        .order_by(ConsentRecord.id.desc())
    )
    found: list[ConsentRecord] = []
    voided: set[int] = set()
    for entry in newest_first:
        if entry.action == ledger.TAKEN_BACK:
            voided.update(entry.evidence.get("voids", ()))
        elif entry.id in voided:
            continue
        elif entry.action == "opt_out" and entry.source == "agent":
            found.append(entry)
        else:
            break  # the person's own word (or a consent) holds from here on
    return found


def record(contact: Contact, author: User) -> bool:
    """The person objects (Art. 21 GDPR): no more messages (caller commits).

    As the inbox's objection (inbox/team.py), but for the contact as a whole, so
    also for one without a conversation (imported, typed in): an opt-out record
    per purpose, an event in each of their threads. False if one holds already.
    """
    db.session.refresh(contact, with_for_update=True)
    if contact.opted_out_at is not None:
        return False
    contact.opted_out_at = contact.updated_at = utcnow()
    for purpose in PURPOSES:
        ledger.record(contact, purpose, "opt_out", "agent", wording=WORDING, by=author)
    for conversation in conversations_of(contact):
        record_event(conversation, author, "opted_out")
    audit.record(contact.workspace_id, "objection.recorded", contact, actor=author)
    return True


def withdraw(contact: Contact, author: User, reason: str) -> bool:
    """Take back the contact's objection (caller commits); False if there is none."""
    # Two managers at once: the second waits here and then finds no objection.
    db.session.refresh(contact, with_for_update=True)
    if contact.opted_out_at is None:
        return False
    entries = [
        ledger.take_back(contact, purpose, voids, author, reason)
        for purpose in PURPOSES
        if (voids := team_objection(contact.id, purpose))
    ]
    if not entries:  # an objection from before the ledger: record the take-back
        entries.append(ledger.take_back(contact, ledger.SERVICE, [], author, reason))
    contact.opted_out_at = None
    contact.updated_at = utcnow()
    for conversation in conversations_of(contact):
        record_event(conversation, author, "objection_withdrawn", reason=reason)
    # Ids only: the reason is the team's words about the person (ledger, timeline).
    audit.record(
        contact.workspace_id,
        "objection.withdrawn",
        contact,
        actor=author,
        records=[entry.id for entry in entries],
    )
    return True
