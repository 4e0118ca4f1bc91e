"""Who may be messaged, and how: Meta's 24-hour window and the contact's own wishes.

Every send path asks `refusal()` first, and templates also `template_refusal()`,
so the checks live in one place; the consent ledger (consent/ledger.py) decides
marketing, `opted_out_at` and `restricted_at` the rest. A contact known only by
a BSUID (a WhatsApp username, no phone number) is answered like any other, under
the same window, except for authentication templates, which need a number.
"""

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..consent import ledger
from ..extensions import db
from ..models import Channel, Contact, Message, MessageTemplate, as_utc, utcnow

# Meta's customer service window: opened and renewed by each message or call of the
# contact (a call the contact places is an inbound message row: webhooks/calls.py).
WINDOW = timedelta(hours=24)
# Inbound items that are not the contact writing to the business.
NOT_CONTACT_MESSAGES = ("system",)


def window_closes_at(channel_id: int, contact_id: int) -> datetime | None:
    """When the window per business number and contact closes (None: never opened).

    Per number and contact, not per conversation: a new or reopened conversation
    keeps the window the contact opened.
    """
    last = db.session.scalar(
        select(func.max(Message.sent_at)).where(
            Message.channel_id == channel_id,
            Message.contact_id == contact_id,
            Message.direction == "in",
            Message.type.not_in(NOT_CONTACT_MESSAGES),
        )
    )
    return as_utc(last) + WINDOW if last is not None else None


def refusal(channel: Channel, contact: Contact, free_form: bool = True) -> str | None:
    """Why this contact cannot be messaged now, in the agent's words; None if it can."""
    reason = contact_refusal(channel, contact)
    if reason or not free_form:
        return reason
    return window_refusal(window_closes_at(channel.id, contact.id))


def contact_block(contact) -> str | None:
    """The rule that keeps every message from this contact, as a key; None if none.

    Takes anything with a contact's columns (a Contact, or a row of them: the
    campaign review checks thousands at once with the same rule).
    """
    if contact.opted_out_at is not None:
        return "objected"
    if contact.restricted_at is not None:
        return "restricted"
    if not contact.wa_id and not contact.bsuid:
        return "no_identity"
    return None


def contact_refusal(channel: Channel, contact: Contact) -> str | None:
    """Why nothing at all, not even a template, may go to this contact now."""
    block = contact_block(contact)
    if block == "objected":
        return _(
            "Der Kontakt hat widersprochen und möchte keine Nachrichten mehr erhalten."
        )
    if block == "restricted":
        return _(
            "Die Verarbeitung dieses Kontakts ist eingeschränkt: keine Nachrichten möglich."
        )
    unusable = channel_unusable(channel)
    if unusable:
        return unusable
    if block == "no_identity":
        return _(
            "Für diesen Kontakt ist weder eine WhatsApp-Nummer noch eine "
            "WhatsApp-Kennung (BSUID) bekannt."
        )
    return None


def channel_unusable(channel: Channel) -> str | None:
    """Why nothing can go out from this number now, or None."""
    if channel.needs_new_token:
        return _(
            "Die WhatsApp-Nummer braucht ein neues Zugriffstoken (Einstellungen → WhatsApp)."
        )
    return None


def template_refusal(
    channel: Channel, contact: Contact, template: MessageTemplate
) -> str | None:
    """Why this template may not go to this contact now (the window aside)."""
    unusable = template_unusable(channel, template)
    if unusable:
        return unusable
    if needs_number(template, contact):
        return _(
            "Vorlagen mit Einmalcodes (Authentifizierung) kann WhatsApp nur an eine "
            "Telefonnummer senden; von diesem Kontakt ist nur der Benutzername bekannt."
        )
    if template.category == "MARKETING":
        return marketing_refusal(contact)
    return None


def template_unusable(channel: Channel, template: MessageTemplate) -> str | None:
    """Why this template cannot go out from this number at all, or None."""
    if template.waba_id != channel.waba_id:
        return _("Diese Vorlage ist für diese Nummer nicht freigegeben.")
    if template.status == "PAUSED":
        return _(
            "Meta hat diese Vorlage wegen negativer Rückmeldungen vorübergehend "
            "pausiert. Bitte später senden oder eine andere Vorlage wählen."
        )
    if template.status != "APPROVED":
        return _("Diese Vorlage ist für diese Nummer nicht freigegeben.")
    return None


def needs_number(template: MessageTemplate, contact) -> bool:
    """WhatsApp sends one-time codes to phone numbers only, never to a BSUID."""
    return template.category == "AUTHENTICATION" and not contact.wa_id


def marketing_refusal(contact: Contact) -> str | None:
    """Why no marketing template may go to this contact (their stop, here or at Meta)."""
    latest = ledger.current(contact.id, ledger.MARKETING)
    if marketing_block(latest.action if latest else None, contact) is not None:
        return _("Der Kontakt hat Marketing-Nachrichten abbestellt.")
    return None


def marketing_block(consent: str | None, contact, proven: bool = False) -> str | None:
    """The marketing rule a contact meets, as a key; None if marketing may go.

    `consent` is the marketing record that holds (ledger.current's action). A
    conversation may carry a marketing template unless the person stopped it,
    here or at Meta; a campaign (`proven`) needs their opt-in on record.
    """
    if contact.marketing_preference == "stop":
        return "meta_marketing_stop"
    if consent == "opt_out":
        return "marketing_opted_out"
    if proven and consent != "opt_in":
        return "no_marketing_consent"
    return None


def window_refusal(closes_at: datetime | None) -> str | None:
    """Why free-form messages are not allowed with this window, or None."""
    if closes_at is not None and closes_at > utcnow():
        return None
    if closes_at is None:  # a lead, an import: WhatsApp lets us start with a template
        return _(
            "Das 24-Stunden-Fenster ist geschlossen: Der Kontakt hat noch nie "
            "geschrieben. Beginnen Sie das Gespräch mit einer freigegebenen Vorlage."
        )
    return _(
        "Das 24-Stunden-Fenster ist geschlossen: Der Kontakt hat in den letzten "
        "24 Stunden nicht geschrieben. Jetzt sind nur freigegebene Vorlagen erlaubt."
    )


class SendRefused(Exception):
    """A send the rules do not allow; the message is the reason for the agent."""
