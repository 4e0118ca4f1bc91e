"""What we hold about a contact, as one JSON-ready dict: contact.json (Art. 15, 20).

A fixed number of queries whatever the number of messages (messages.py),
so a contact with 10,000 messages is read in a fraction of a second. The
README's "Data export format" section documents every key: change both together.
"""

from sqlalchemy import select

from ...extensions import db
from ...models import (
    Campaign,
    CampaignRecipient,
    ConsentRecord,
    Contact,
    ContactLabel,
    Label,
    LeadForm,
    LeadSubmission,
    Message,
    User,
    Workspace,
    utcnow,
)
from .messages import conversations_of, iso, records

FORMAT = "leadgate.contact-export/1"


def contact_document(contact: Contact) -> dict:
    """Build contact.json: contact, consents, conversations, notes, submissions, campaigns."""
    workspace = db.session.get(Workspace, contact.workspace_id)
    conversations, notes, events = conversations_of(contact)
    return {
        "format": FORMAT,
        "exported_at": iso(utcnow()),
        "controller": {"workspace_id": workspace.id, "name": workspace.name},
        "contact": contact_part(contact),
        "consents": consents_of(contact),
        "restriction": {
            "restricted": contact.restricted_at is not None,
            "since": iso(contact.restricted_at),
            "reason": contact.restricted_reason,
        },
        "conversations": conversations,
        "notes": notes,
        "events": events,
        "lead_submissions": submissions_of(contact),
        "campaigns": campaigns_of(contact),
    }


def contact_part(contact: Contact) -> dict:
    labels = db.session.scalars(
        select(Label.name)
        .join(ContactLabel, ContactLabel.label_id == Label.id)
        .where(ContactLabel.contact_id == contact.id)
        .order_by(Label.name)
    ).all()
    return {
        "id": contact.id,
        "name": contact.name,
        "profile_name": contact.profile_name,
        "wa_id": contact.wa_id,
        "bsuid": contact.bsuid,
        "parent_bsuid": contact.parent_bsuid,
        "username": contact.username,
        "phone_e164": contact.phone_e164,
        "email": contact.email,
        "attributes": contact.attributes or {},
        "labels": list(labels),
        "marketing_consent": contact.marketing_consent,
        "marketing_preference": contact.marketing_preference,
        "marketing_preference_at": iso(contact.marketing_preference_at),
        "opted_out_at": iso(contact.opted_out_at),
        "last_inbound_at": iso(contact.last_inbound_at),
        "created_at": iso(contact.created_at),
        "updated_at": iso(contact.updated_at),
    }


def consents_of(contact: Contact) -> list[dict]:
    return records(
        select(
            ConsentRecord.purpose,
            ConsentRecord.action,
            ConsentRecord.source,
            ConsentRecord.wording,
            User.name.label("recorded_by"),
            ConsentRecord.recorded_at,
            ConsentRecord.evidence,
        )
        .outerjoin(User, User.id == ConsentRecord.recorded_by_id)
        .where(ConsentRecord.contact_id == contact.id)
        .order_by(ConsentRecord.recorded_at, ConsentRecord.id)
    )


def campaigns_of(contact: Contact) -> list[dict]:
    """The campaigns meant for the contact: sent, held back or left out, and why."""
    return records(
        select(
            Campaign.name.label("campaign"),
            CampaignRecipient.state,
            CampaignRecipient.reason,
            CampaignRecipient.lawful_basis,
            CampaignRecipient.consent_record_id,
            CampaignRecipient.queued_at,
            CampaignRecipient.replied_at,
            Message.wamid.label("message_wamid"),
            Message.status.label("message_status"),
        )
        .join(Campaign, Campaign.id == CampaignRecipient.campaign_id)
        .outerjoin(Message, Message.id == CampaignRecipient.message_id)
        .where(CampaignRecipient.contact_id == contact.id)
        .order_by(CampaignRecipient.id)
    )


def submissions_of(contact: Contact) -> list[dict]:
    return records(
        select(
            LeadForm.name.label("form"),
            LeadSubmission.data,
            LeadSubmission.consent_given,
            LeadSubmission.consent_text,
            LeadSubmission.page_url,
            LeadSubmission.created_at,
        )
        .join(LeadForm, LeadForm.id == LeadSubmission.form_id)
        .where(LeadSubmission.contact_id == contact.id)
        .order_by(LeadSubmission.created_at, LeadSubmission.id)
    )
