"""What a lead form submission does: contact, evidence, consent, a conversation.

All in the caller's transaction (the public view commits). The phone number of a
web form is not verified, so a submission never overwrites what the team already
knows about a contact: it fills empty fields only, and the timeline shows
everything that was typed.
"""

import hashlib
from dataclasses import dataclass

from sqlalchemy import select

from ..consent import ledger
from ..contacts.services import contact_for_phone
from ..extensions import db
from ..inbox.team import record_event
from ..models import (
    Channel,
    Contact,
    Conversation,
    LeadForm,
    LeadSubmission,
    Workspace,
    utcnow,
)
from ..privacy.suppression import is_suppressed
from ..searchdoc import add_words

# Conversation.last_message_type of a conversation whose latest news is a lead:
# the list shows it as a new lead until someone writes (inbox/_conversation_rows).
LEAD_TYPE = "lead"


@dataclass
class Lead:
    """A valid submission, as the public form read it."""

    e164: str
    values: dict[str, str]  # shown fields with a value: name, email, message, custom
    labels: dict[str, str]  # custom field key → its label at the time
    typed: dict[str, str]  # everything as typed, for the submission's evidence
    consent: bool
    consent_text: str
    page_url: str | None


def consent_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def capture(lead_form: LeadForm, workspace: Workspace, lead: Lead) -> Conversation:
    """Store the submission and put the lead into the inbox; return its conversation."""
    contact, _ = contact_for_phone(workspace, lead.e164)
    fill_empty_fields(contact, lead)
    submission = LeadSubmission(
        workspace_id=workspace.id,
        form_id=lead_form.id,
        contact_id=contact.id,
        data=lead.typed,
        consent_given=lead.consent,
        consent_text=lead.consent_text,
        page_url=lead.page_url,
        created_at=utcnow(),
    )
    db.session.add(submission)
    db.session.flush()
    # An erased contact who had objected: a web form cannot prove it is them.
    suppressed = lead.consent and is_suppressed(workspace.id, e164=lead.e164)
    if lead.consent and not suppressed:
        record_opt_in(contact, lead_form, submission)
    conversation = lead_conversation(lead_form, contact, submission)
    add_lead_event(conversation, lead_form, submission, contact, lead, suppressed)
    add_words(conversation, *lead.values.values())
    return conversation


def fill_empty_fields(contact: Contact, lead: Lead) -> None:
    """Take over name, email and custom values the contact does not have yet."""
    changed = False
    for key in ("name", "email"):
        if lead.values.get(key) and not getattr(contact, key):
            setattr(contact, key, lead.values[key])
            changed = True
    attributes = dict(contact.attributes or {})
    for key in lead.labels:
        if lead.values.get(key) and not attributes.get(key):
            attributes[key] = lead.values[key]
            changed = True
    if changed:
        contact.attributes = attributes  # a new dict: JSON columns track assignment
        contact.updated_at = utcnow()


def record_opt_in(
    contact: Contact, lead_form: LeadForm, submission: LeadSubmission
) -> None:
    """The ticked checkbox: an opt-in for both purposes, worded as shown.

    A contact who objected earlier (opted_out_at) and now ticks the box gives a
    fresh, explicit consent, so it is recorded; the objection itself stays until
    an agent lifts it on the contact page (the lead event points it out).
    """
    for purpose in (ledger.MARKETING, ledger.SERVICE):
        ledger.record(
            contact,
            purpose,
            "opt_in",
            "lead_form",
            wording=submission.consent_text,
            submission_id=submission.id,
            form_id=lead_form.id,
            form_slug=lead_form.slug,
            page_url=submission.page_url,
            consent_text_sha256=consent_sha256(submission.consent_text),
        )


def lead_conversation(
    lead_form: LeadForm, contact: Contact, submission: LeadSubmission
) -> Conversation:
    """The contact's open conversation on the form's number, or a new one."""
    conversation = db.session.scalar(
        select(Conversation)
        .where(
            Conversation.contact_id == contact.id,
            Conversation.channel_id == lead_form.channel_id,
            Conversation.state != "resolved",
        )
        .order_by(Conversation.id.desc())
        .limit(1)
    )
    if conversation is None:
        conversation = Conversation(
            workspace_id=contact.workspace_id,
            channel_id=lead_form.channel_id,
            contact_id=contact.id,
            team_id=db.session.scalar(
                select(Channel.team_id).where(Channel.id == lead_form.channel_id)
            ),
            state="open",
        )
        db.session.add(conversation)
    if conversation.state == "snoozed":
        conversation.state, conversation.snoozed_until = "open", None
    conversation.lead_submission_id = submission.id
    conversation.last_activity_at = utcnow()
    # The list words it per reader: "Anfrage über „<form>“" (_conversation_rows).
    conversation.last_message_preview = lead_form.name[:200]
    conversation.last_message_type = LEAD_TYPE
    db.session.flush()
    return conversation


def add_lead_event(
    conversation: Conversation,
    lead_form: LeadForm,
    submission: LeadSubmission,
    contact: Contact,
    lead: Lead,
    suppressed: bool = False,
) -> None:
    """The lead in the timeline: form, what was typed, and the consent given."""
    record_event(
        conversation,
        None,
        "lead",
        form=lead_form.name,
        submission_id=submission.id,
        phone=lead.e164,
        # [key, label, value]: built-in labels are translated when shown.
        fields=[[key, lead.labels.get(key, ""), v] for key, v in lead.values.items()],
        consent=lead.consent,
        objection_kept=lead.consent and contact.opted_out_at is not None,
        suppressed=suppressed,
    )
