"""Find or create a workspace's contacts by BSUID and/or phone number, race-free."""

from sqlalchemy import or_, select

from ..dbutil import bulk_insert_ignoring_conflicts, insert_ignoring_conflicts, one_of
from ..extensions import db
from ..models import Contact
from ..phones import e164_of_wa_id
from ..whatsapp.payloads.items import Identity


class ContactResolver:
    """Find or create a workspace's contact by BSUID and/or phone number, race-free."""

    def __init__(self, workspace_id: int):
        self.workspace_id = workspace_id
        self.by_bsuid: dict[str, Contact] = {}
        self.by_wa_id: dict[str, Contact] = {}

    def lock(self, identities: list[Identity]) -> None:
        """Resolve all senders up front, then lock them in id order (no deadlocks)."""
        self._prefetch(identities)
        self._create_missing(identities)
        contacts = {self.resolve(identity).id for identity in identities}
        if contacts and db.engine.dialect.name == "postgresql":
            # No autoflush: names and numbers learnt above go out with the
            # batch's other contact changes in one UPDATE (the drain's
            # update_changed_at_once), not as one statement per contact here.
            with db.session.no_autoflush:
                db.session.execute(
                    select(Contact.id)
                    .where(one_of(Contact.id, sorted(contacts)))
                    .order_by(Contact.id)
                    .with_for_update()
                )

    def _prefetch(self, identities: list[Identity]) -> None:
        """Load the known contacts of a whole batch with one query."""
        # One query per identifier, each on its unique index: for an OR of the
        # two PostgreSQL reads every contact of the workspace instead.
        for column, values in (
            (Contact.bsuid, {i.bsuid for i in identities if i.bsuid}),
            (Contact.wa_id, {i.wa_id for i in identities if i.wa_id}),
        ):
            if not values:
                continue
            for contact in db.session.scalars(
                select(Contact).where(
                    Contact.workspace_id == self.workspace_id, one_of(column, values)
                )
            ):
                if contact.bsuid:
                    self.by_bsuid[contact.bsuid] = contact
                if contact.wa_id:
                    self.by_wa_id.setdefault(contact.wa_id, contact)

    def _create_missing(self, identities: list[Identity]) -> None:
        """New senders of a batch are inserted with one statement, then loaded."""
        missing = {
            (i.wa_id, i.bsuid): i
            for i in identities
            if (i.bsuid or i.wa_id) and self._cached(i) is None
        }
        if not missing:
            return
        # With what the webhook says of them: no UPDATE right after the INSERT.
        bulk_insert_ignoring_conflicts(
            Contact.__table__,
            [
                {
                    "workspace_id": self.workspace_id,
                    "wa_id": wa_id,
                    "bsuid": bsuid,
                    "phone_e164": e164_of_wa_id(wa_id),
                    "parent_bsuid": identity.parent_bsuid or None,
                    "profile_name": identity.name or None,
                    "username": identity.username or None,
                }
                for (wa_id, bsuid), identity in missing.items()
            ],
        )
        self._prefetch(list(missing.values()))

    def resolve(self, identity: Identity) -> Contact:
        contact = self._cached(identity) or self._find(identity)
        if contact is None:
            values = {
                "workspace_id": self.workspace_id,
                "wa_id": identity.wa_id,
                "bsuid": identity.bsuid,
                "phone_e164": e164_of_wa_id(identity.wa_id),
            }
            db.session.execute(insert_ignoring_conflicts(Contact, **values))
            contact = self._find(identity)
        self._update(contact, identity)
        if contact.bsuid:
            self.by_bsuid[contact.bsuid] = contact
        if contact.wa_id:
            self.by_wa_id[contact.wa_id] = contact
        return contact

    def _wa_id_free(self, wa_id: str) -> bool:
        if wa_id in self.by_wa_id:
            return False
        return not db.session.scalar(
            select(Contact.id).where(
                Contact.workspace_id == self.workspace_id, Contact.wa_id == wa_id
            )
        )

    def _cached(self, identity: Identity) -> Contact | None:
        return (
            (identity.bsuid and self.by_bsuid.get(identity.bsuid))
            or (identity.wa_id and self.by_wa_id.get(identity.wa_id))
            or None
        )

    def _find(self, identity: Identity) -> Contact | None:
        conditions = []
        if identity.bsuid:
            conditions.append(Contact.bsuid == identity.bsuid)
        if identity.wa_id:
            conditions.append(Contact.wa_id == identity.wa_id)
        if not conditions:
            raise ValueError("identity without wa_id or BSUID")
        rows = db.session.scalars(
            select(Contact)
            .where(Contact.workspace_id == self.workspace_id, or_(*conditions))
            .order_by(Contact.id)
        ).all()
        # Prefer the BSUID match: it is the stable identifier.
        return next(
            (c for c in rows if identity.bsuid and c.bsuid == identity.bsuid), None
        ) or (rows[0] if rows else None)

    def _update(self, contact: Contact, identity: Identity) -> None:
        if identity.bsuid and not contact.bsuid:
            contact.bsuid = identity.bsuid
        if identity.wa_id and not contact.wa_id:
            # Another row may hold this number (imported, or known before the
            # person took a username): both stay, sharing phone_e164, and the
            # team merges them (contacts/merge.py) rather than the drain failing.
            if self._wa_id_free(identity.wa_id):
                contact.wa_id = identity.wa_id
            contact.phone_e164 = e164_of_wa_id(identity.wa_id)
        for attribute, value in (
            ("parent_bsuid", identity.parent_bsuid),
            ("profile_name", identity.name),
            ("username", identity.username),
        ):
            if value and getattr(contact, attribute) != value:
                setattr(contact, attribute, value)
