"""A person who writes to the business first asks for an answer: service consent on record.

WhatsApp's policy counts a message the person starts as their opt-in to be
answered; the ledger keeps it once per contact (source "inbound_message", the
message's wamid as evidence), so the service purpose never stands without proof.
A contact with any service record already — an earlier opt-in, or an objection —
gets nothing new: writing again does not undo an objection.
"""

from sqlalchemy import select

from ..dbutil import bulk_insert_ignoring_conflicts, one_of
from ..extensions import db
from ..models import ConsentRecord, Contact, utcnow
from . import ledger

WORDING = "Der Kontakt hat das Unternehmen per WhatsApp angeschrieben."
# Items that are not the person starting a conversation.
NOT_A_REQUEST = {"system", "reaction", "revoke", "edit"}


class FirstContacts:
    """Collects the first message of each contact in a drain batch."""

    def __init__(self) -> None:
        self.first: dict[int, tuple[Contact, str, int]] = {}

    def add(self, contact: Contact, message_type: str, wamid: str, channel_id: int):
        if message_type not in NOT_A_REQUEST:
            self.first.setdefault(contact.id, (contact, wamid, channel_id))

    def record(self) -> None:
        """One query for who has a service record, one insert for the rest."""
        if not self.first:
            return
        known = set(
            db.session.scalars(
                select(ConsentRecord.contact_id).where(
                    one_of(ConsentRecord.contact_id, list(self.first)),
                    ConsentRecord.purpose == ledger.SERVICE,
                )
            )
        )
        now = utcnow()
        rows = [
            {
                "workspace_id": contact.workspace_id,
                "contact_id": contact.id,
                "purpose": ledger.SERVICE,
                "action": "opt_in",
                "source": "inbound_message",
                "wording": WORDING,
                "recorded_at": now,
                "evidence": {"message_wamid": wamid, "channel_id": channel_id},
            }
            for contact_id, (contact, wamid, channel_id) in self.first.items()
            if contact_id not in known
        ]
        # One statement for the batch (the table has no unique key to skip on):
        # an ORM insert of a list runs one prepared statement per row here.
        bulk_insert_ignoring_conflicts(ConsentRecord.__table__, rows)
        self.first = {}
