"""Find, create and change contacts outside the webhook: agents, imports, lead forms."""

from flask_login import current_user
from sqlalchemy import delete, or_, select

from .. import audit
from ..consent import ledger
from ..dbutil import insert_ignoring_conflicts
from ..extensions import db
from ..models import Contact, ContactField, ContactLabel, Label, Workspace, utcnow
from ..phones import wa_id_of


def find_by_phone(workspace_id: int, e164: str) -> Contact | None:
    """The workspace's contact with this number (as WhatsApp id or E.164), oldest first."""
    return db.session.scalars(
        select(Contact)
        .where(
            Contact.workspace_id == workspace_id,
            or_(Contact.wa_id == wa_id_of(e164), Contact.phone_e164 == e164),
        )
        .order_by(Contact.id)
        .limit(1)
    ).first()


def contact_for_phone(workspace: Workspace, e164: str) -> tuple[Contact, bool]:
    """The contact with this number, created if new; (contact, created).

    Race-free: two first submissions of one number at once (a double click on a
    lead form, two agents) meet at the unique WhatsApp id; the second one waits
    for the first and then finds its row instead of failing.
    """
    contact = find_by_phone(workspace.id, e164)
    if contact is not None:
        return contact, False
    inserted = db.session.execute(
        insert_ignoring_conflicts(
            Contact,
            workspace_id=workspace.id,
            wa_id=wa_id_of(e164),
            phone_e164=e164,
            attributes={},
            created_at=utcnow(),
        )
    ).rowcount
    return find_by_phone(workspace.id, e164), bool(inserted)


def set_phone(contact: Contact, e164: str) -> None:
    """Change the number; the WhatsApp id follows unless another contact holds it.

    If one does, both are the same person: the contact page offers the merge.
    """
    contact.phone_e164 = e164
    contact.take_wa_id(wa_id_of(e164))


def apply_edit(contact: Contact, form, fields: list[ContactField]) -> None:
    """Take the contact form's values (rectification, Art. 16 GDPR)."""
    contact.name = form.name.data or None
    contact.email = form.email.data or None
    # An emptied number is ignored: the WhatsApp id stays what Meta says it is.
    if form.phone.data and form.phone.data != contact.phone_e164:
        set_phone(contact, form.phone.data)
    own_keys = {item.key for item in fields}
    kept = {
        key: value
        for key, value in (contact.attributes or {}).items()
        if key not in own_keys
    }
    contact.attributes = kept | form.attributes()
    set_labels(contact, set(form.labels.data or ()))
    contact.updated_at = utcnow()


def record_agent_consent(
    contact: Contact, purpose: str, action: str, wording: str, note: str
) -> None:
    """A consent or withdrawal the team obtained outside WhatsApp (phone, letter, fair).

    Withdrawing consent to be contacted at all (the service purpose) stops every
    send, like an objection; a new service consent recorded by the team lifts it.
    """
    ledger.record(
        contact, purpose, action, "agent", wording=wording, by=current_user, note=note
    )
    if purpose == ledger.SERVICE:
        contact.opted_out_at = utcnow() if action == "opt_out" else None
    audit.record(
        contact.workspace_id,
        "consent.recorded",
        contact,
        purpose=purpose,
        action=action,
    )


def label_ids_of(contact_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(ContactLabel.label_id).where(ContactLabel.contact_id == contact_id)
        )
    )


def set_labels(contact: Contact, label_ids: set[int]) -> None:
    """Make the contact carry exactly these labels (of its own workspace)."""
    allowed = set(
        db.session.scalars(
            select(Label.id).where(
                Label.workspace_id == contact.workspace_id, Label.id.in_(label_ids)
            )
        )
    )
    current = label_ids_of(contact.id)
    if current - allowed:
        db.session.execute(
            delete(ContactLabel).where(
                ContactLabel.contact_id == contact.id,
                ContactLabel.label_id.in_(current - allowed),
            )
        )
    db.session.add_all(
        ContactLabel(contact_id=contact.id, label_id=label_id)
        for label_id in allowed - current
    )
