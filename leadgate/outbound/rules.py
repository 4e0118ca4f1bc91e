"""Who may be messaged, and how: Meta's 24-hour window and the contact's own wishes.

Every send path asks `refusal()` first, and templates also `template_refusal()`,
so the checks live in one place (each decision is a key, REFUSALS words it; a
record that keeps no sentences asks for the key); the consent ledger (consent/ledger.py) decides
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
    return refusal_text(refusal_key(channel, contact, free_form))


def refusal_key(
    channel: Channel, contact: Contact, free_form: bool = True
) -> str | None:
    """The same decision as a key (REFUSALS), for records that keep no sentences
    (a rule's firing log, automation/actions.py); None if the contact can be messaged."""
    key = contact_key(channel, contact)
    if key or not free_form:
        return key
    return window_key(window_closes_at(channel.id, contact.id))


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


def contact_key(channel: Channel, contact: Contact) -> str | None:
    """Why nothing at all, not even a template, may go to this contact now (a key)."""
    block = contact_block(contact)
    if block in ("objected", "restricted"):
        return block
    if channel.needs_new_token:
        return "number_unusable"
    return block


def contact_refusal(channel: Channel, contact: Contact) -> str | None:
    """Why nothing at all, not even a template, may go to this contact now."""
    return refusal_text(contact_key(channel, contact))


def channel_unusable(channel: Channel) -> str | None:
    """Why nothing can go out from this number now, or None."""
    return refusal_text("number_unusable" if channel.needs_new_token else None)


def template_refusal(
    channel: Channel, contact: Contact, template: MessageTemplate
) -> str | None:
    """Why this template may not go to this contact now (the window aside)."""
    return refusal_text(template_refusal_key(channel, contact, template))


def template_refusal_key(
    channel: Channel, contact: Contact, template: MessageTemplate
) -> str | None:
    """template_refusal's decision as a key."""
    unusable = template_unusable_key(channel, template)
    if unusable:
        return unusable
    if needs_number(template, contact):
        return "needs_number"
    if template.category == "MARKETING":
        return marketing_key(contact)
    return None


def template_unusable(channel: Channel, template: MessageTemplate) -> str | None:
    """Why this template cannot go out from this number at all, or None."""
    return refusal_text(template_unusable_key(channel, template))


def template_unusable_key(channel: Channel, template: MessageTemplate) -> str | None:
    if template.waba_id != channel.waba_id:
        return "template_unusable"
    if template.status == "PAUSED":
        return "template_paused"
    if template.status != "APPROVED":
        return "template_unusable"
    return None


def needs_number(template: MessageTemplate, contact) -> bool:
    """WhatsApp sends one-time codes to phone numbers only, never to a BSUID."""
    return template.category == "AUTHENTICATION" and not contact.wa_id


def marketing_refusal(contact: Contact) -> str | None:
    """Why no marketing template may go to this contact (their stop, here or at Meta)."""
    return refusal_text(marketing_key(contact))


def marketing_key(contact: Contact) -> str | None:
    latest = ledger.current(contact.id, ledger.MARKETING)
    if marketing_block(latest.action if latest else None, contact) is not None:
        return "marketing_opted_out"
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


def window_key(closes_at: datetime | None) -> str | None:
    """Why free-form messages are not allowed with this window, as a key; or None."""
    if closes_at is not None and closes_at > utcnow():
        return None
    # Never opened: a lead, an import; WhatsApp lets us start with a template.
    return "never_wrote" if closes_at is None else "window_closed"


def window_refusal(closes_at: datetime | None) -> str | None:
    """Why free-form messages are not allowed with this window, or None."""
    return refusal_text(window_key(closes_at))


# Each refusal in the agent's words, by key (a lambda: read in the reader's language).
REFUSALS = {
    "objected": lambda: _(
        "Der Kontakt hat widersprochen und möchte keine Nachrichten mehr erhalten."
    ),
    "restricted": lambda: _(
        "Die Verarbeitung dieses Kontakts ist eingeschränkt: keine Nachrichten möglich."
    ),
    "number_unusable": lambda: _(
        "Die WhatsApp-Nummer braucht ein neues Zugriffstoken (Einstellungen → WhatsApp)."
    ),
    "no_identity": lambda: _(
        "Für diesen Kontakt ist weder eine WhatsApp-Nummer noch eine "
        "WhatsApp-Kennung (BSUID) bekannt."
    ),
    "never_wrote": lambda: _(
        "Das 24-Stunden-Fenster ist geschlossen: Der Kontakt hat noch nie "
        "geschrieben. Beginnen Sie das Gespräch mit einer freigegebenen Vorlage."
    ),
    "window_closed": lambda: _(
        "Das 24-Stunden-Fenster ist geschlossen: Der Kontakt hat in den letzten "
        "24 Stunden nicht geschrieben. Jetzt sind nur freigegebene Vorlagen erlaubt."
    ),
    "template_unusable": lambda: _(
        "Diese Vorlage ist für diese Nummer nicht freigegeben."
    ),
    "template_paused": lambda: _(
        "Meta hat diese Vorlage wegen negativer Rückmeldungen vorübergehend "
        "pausiert. Bitte später senden oder eine andere Vorlage wählen."
    ),
    "needs_number": lambda: _(
        "Vorlagen mit Einmalcodes (Authentifizierung) kann WhatsApp nur an eine "
        "Telefonnummer senden; von diesem Kontakt ist nur der Benutzername bekannt."
    ),
    "marketing_opted_out": lambda: _(
        "Der Kontakt hat Marketing-Nachrichten abbestellt."
    ),
}


def refusal_text(key: str | None) -> str | None:
    return REFUSALS[key]() if key is not None else None


class SendRefused(Exception):
    """A send the rules do not allow; the message is the reason for the agent."""
