"""Each recipient's values for the template's placeholders, from the campaign's mapping.

A placeholder takes a contact field (first name, name, e-mail, a custom field)
or a fixed text. A contact without a value gets the mapping's fallback ("Hallo
{{1}}" with fallback "zusammen"); a placeholder with neither is empty, and that
recipient is left out with the reason — Meta refuses an empty parameter, and a
"Hallo ," reads worse than no message.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..contacts.fields import fields_of
from ..models import ContactField, MessageTemplate
from ..outbound import placeholders as template_placeholders
from ..outbound.placeholders import Placeholder, contact_value

TEXT = "text"
# The contact fields a placeholder can take, besides custom fields (attr:<key>).
SOURCES = {
    "first_name": _l("Vorname"),
    "last_name": _l("Nachname"),
    "full_name": _l("Name"),
    "email": _l("E-Mail-Adresse"),
}
MAX_VALUE = 1024  # Meta's limit for a body parameter, and far above any name


@dataclass(frozen=True)
class Slot:
    """One placeholder of the template and what the campaign fills it with."""

    placeholder: Placeholder
    source: str  # a SOURCES key, attr:<key> or TEXT
    text: str  # the fixed text (TEXT)
    fallback: str  # for a contact without a value

    @property
    def key(self) -> str:
        return self.placeholder.key


def slots(
    template: MessageTemplate, mapping: dict, fields: list[ContactField]
) -> list[Slot]:
    """The template's placeholders with the campaign's choice for each.

    A placeholder the mapping does not name yet takes what the composer would
    suggest (a "Hallo {{1}}" is the first name), else an empty fixed text.
    """
    found = []
    for placeholder in template_placeholders.placeholders(template, fields):
        chosen = mapping.get(placeholder.key) or {}
        source = chosen.get("source") or placeholder.source or TEXT
        found.append(
            Slot(
                placeholder,
                source,
                str(chosen.get("text") or "")[:MAX_VALUE],
                str(chosen.get("fallback") or "")[:MAX_VALUE],
            )
        )
    return found


def campaign_slots(
    workspace_id: int, template: MessageTemplate, mapping: dict
) -> list[Slot]:
    """The campaign's slots, with the workspace's custom fields for its defaults."""
    return slots(template, mapping, list(fields_of(workspace_id)))


def values_for(found: list[Slot], contact) -> dict[str, str]:
    """Values by placeholder key for one contact; an empty one stays "" (left out)."""
    values = {}
    for slot in found:
        if slot.source == TEXT:
            value = slot.text.strip()
        else:
            value = contact_value(slot.source, contact).strip() or slot.fallback.strip()
        values[slot.key] = value[:MAX_VALUE]
    return values


def complete(values: dict[str, str]) -> bool:
    return all(values.values())


def mapping_of(found: list[Slot]) -> dict:
    """What the campaign stores (Campaign.placeholders)."""
    return {
        slot.key: {"source": slot.source, "text": slot.text, "fallback": slot.fallback}
        for slot in found
    }


def source_choices(fields: list[ContactField]) -> list[tuple[str, str]]:
    """(value, label) for a placeholder's select: contact fields, then fixed text."""
    choices = [(key, str(label)) for key, label in SOURCES.items()]
    choices += [(f"attr:{field.key}", field.label) for field in fields]
    return [*choices, (TEXT, str(_l("Fester Text")))]
