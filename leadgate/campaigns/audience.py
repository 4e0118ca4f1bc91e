"""Who a campaign would reach, and who it leaves out and why — before anything is sent.

The review reads a segment's contacts once (their columns, no ORM objects) and
puts each under the first rule that keeps it out, in the order of REASONS. The
rules are outbound/rules.py's (contact_block, needs_number, marketing_block),
the same ones every send obeys; only the campaign asks for proof of marketing
consent (`proven`), where a conversation needs just the absence of a stop.
Three more are a campaign's own: an erased person on the suppression list, a
placeholder that stays empty for this contact (personalise.py), and the same
number twice (the first contact with it is kept).
"""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..contacts.listing import ContactFilters, conditions
from ..extensions import db
from ..models import Channel, Contact, MessageTemplate
from ..models.contacts import display_name_of
from ..outbound import rules
from ..outbound.templates import preview
from ..phones import e164_of_wa_id
from ..privacy import suppression
from .personalise import Slot, complete, values_for

# Each reason a contact is left out, in the order they are checked.
REASONS = {
    "restricted": _l("Verarbeitung eingeschränkt (Art. 18 DSGVO)"),
    "objected": _l("hat widersprochen"),
    "suppressed": _l("auf der Sperrliste (gelöscht nach Widerspruch)"),
    "no_identity": _l("keine WhatsApp-Nummer oder -Kennung bekannt"),
    "needs_number": _l("Einmalcode-Vorlagen nur an Telefonnummern"),
    "meta_marketing_stop": _l("Marketing bei WhatsApp abbestellt"),
    "marketing_opted_out": _l("Marketing-Einwilligung widerrufen"),
    "no_marketing_consent": _l("keine Marketing-Einwilligung mit Nachweis"),
    "placeholder_empty": _l("ein Platzhalter bliebe leer"),
    "duplicate_number": _l("dieselbe Nummer ein zweites Mal"),
}
COLUMNS = (
    Contact.id,
    Contact.wa_id,
    Contact.bsuid,
    Contact.phone_e164,
    Contact.opted_out_at,
    Contact.restricted_at,
    Contact.marketing_consent,
    Contact.marketing_preference,
    Contact.name,
    Contact.profile_name,
    Contact.email,
    Contact.attributes,
    Contact.username,
)
PREVIEWS = 3


@dataclass
class Review:
    matched: int = 0
    included: list[int] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)  # reason → contacts
    excluded: list[tuple[int, str]] = field(default_factory=list)  # (contact, reason)
    blocked: str | None = None  # why nobody can receive this template now
    previews: list[tuple[str, str]] = field(default_factory=list)  # (name, text)

    @property
    def reasons(self) -> list[tuple[str, int]]:
        """(reason in words, count) in REASONS' order, the reasons that occur."""
        return [
            (str(REASONS[key]), self.left_out[key])
            for key in REASONS
            if self.left_out.get(key)
        ]


def review(
    workspace_id: int,
    filters: ContactFilters,
    channel: Channel,
    template: MessageTemplate,
    found: list[Slot] | None = None,
) -> Review:
    """Who the template would reach; `found`: the campaign's placeholder choices."""
    rows = db.session.execute(
        select(*COLUMNS).where(*conditions(workspace_id, filters)).order_by(Contact.id)
    ).all()
    result = Review(matched=len(rows))
    result.blocked = rules.template_unusable(
        channel, template
    ) or rules.channel_unusable(channel)
    if result.blocked:
        return result
    suppressed = suppressed_rows(workspace_id, rows)
    numbers: set[str] = set()
    for row in rows:
        reason = block(row, template, row.id in suppressed, row.marketing_consent)
        values = values_for(found, row) if found is not None else {}
        if reason is None and not complete(values):
            reason = "placeholder_empty"
        number = row.phone_e164 or e164_of_wa_id(row.wa_id)
        if reason is None and number and number in numbers:
            reason = "duplicate_number"
        if reason is None:
            result.included.append(row.id)
            if number:
                numbers.add(number)
            if found is not None and len(result.previews) < PREVIEWS:
                result.previews.append(
                    (display_name_of(row), preview(template, values))
                )
        else:
            result.left_out[reason] = result.left_out.get(reason, 0) + 1
            result.excluded.append((row.id, reason))
    return result


def block(
    contact, template: MessageTemplate, suppressed: bool, consent: str | None
) -> str | None:
    """The first REASONS key that keeps this contact from the campaign, or None.

    `consent`: the marketing record that holds (its action). The review passes
    the contact's copy of it, the send the ledger's record it then cites.
    """
    reason = rules.contact_block(contact)
    if reason is None and suppressed:
        reason = "suppressed"
    if reason is None and rules.needs_number(template, contact):
        reason = "needs_number"
    if reason is None and template.category == "MARKETING":
        reason = rules.marketing_block(consent, contact, proven=True)
    return reason


def suppressed_rows(workspace_id: int, rows) -> set[int]:
    """Ids of the rows whose number or BSUID is on the suppression list."""
    hashes = {
        suppression.value_hash(workspace_id, kind, value): row.id
        for row in rows
        for kind, value in suppression.identifiers(row)
    }
    known = suppression.known_hashes(workspace_id, list(hashes))
    return {hashes[found] for found in known}
