"""A template's placeholders as agents see them: named, explained, pre-filled.

Meta knows a variable only as {{1}} or {{vorname}}, with an example value the
template's author gave when submitting it. An agent needs "Name" or "Datum":
the label comes from the variable's own name (NAMED templates), else from its
example ("Erika" is a first name, "12. Mai, 10:00 Uhr" a date and time), else
from the words before it ("Hallo {{1}}" greets someone by name), else from its
position. Values the contact already has (first name, e-mail, custom fields)
are filled in; a date is left for the agent, as only they know the appointment.
Everything here only presents: templates.py builds what is sent, unchanged.
"""

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _

from ..models import MessageTemplate
from . import templates

# Placeholder names (normalised: lower case, no accents, no separators) by meaning.
FIRST_NAME = {
    "name",
    "vorname",
    "firstname",
    "givenname",
    "kunde",
    "kundin",
    "customer",
}
LAST_NAME = {"nachname", "lastname", "surname", "familienname"}
FULL_NAME = {"fullname", "vollername", "kundenname", "customername", "ansprechpartner"}
EMAIL = {"email", "mail", "emailadresse"}
DATE = {"datum", "date", "tag", "day", "termin", "appointment", "termindatum"}
TIME = {"uhrzeit", "time", "zeit"}
# First names template authors use as examples (Meta's and the German standard ones).
SAMPLE_NAMES = {
    "erika", "max", "maria", "anna", "john", "jane", "jessica", "thomas", "lisa",
    "michael", "julia", "peter", "paul", "laura", "david", "sarah", "alex", "mia",
}  # fmt: skip
GREETING = re.compile(
    r"(?:\b(?:hallo|hi|hey|moin|servus|liebe|lieber|hello|dear)|guten\s+(?:tag|morgen|abend)"
    r"|sehr\s+geehrte[rs]?(?:\s+(?:frau|herr))?)[\s,]*$",
    re.IGNORECASE,
)
MONTHS = (
    r"jan|feb|m[aä]r|apr|mai|may|jun|jul|aug|sep|okt|oct|nov|dez|dec"
    r"|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
)
DATE_LIKE = re.compile(
    rf"\b\d{{1,2}}\.\s?(?:\d{{1,2}}\.|(?:{MONTHS}))|\b\d{{4}}-\d{{2}}-\d{{2}}\b"
    rf"|\b\d{{1,2}}/\d{{1,2}}\b|\b(?:{MONTHS})[a-zä]*\b",
    re.IGNORECASE,
)
TIME_LIKE = re.compile(r"\b\d{1,2}[:.]\d{2}\b(?!\.)|\b\d{1,2}\s?uhr\b", re.IGNORECASE)
AMOUNT_LIKE = re.compile(r"\d\s?(?:€|eur\b)|(?:€|\$|£)\s?\d", re.IGNORECASE)
WORD_NAME = re.compile(r"[^\W\d_][^\W\d_'-]{1,23}")


@dataclass(frozen=True)
class Placeholder:
    kind: str  # HEADER, BODY or BUTTON0, BUTTON1 …
    name: str  # "1" or "vorname"
    label: str
    example: str  # the template author's example value, "" if none
    source: str | None  # first_name, last_name, full_name, email, attr:<key>

    @property
    def key(self) -> str:
        """How templates.py names the value: "BODY:1"."""
        return f"{self.kind}:{self.name}"

    @property
    def field_name(self) -> str:
        """The form field: "var-BODY-1" (compose.template_values reads it)."""
        return f"var-{self.kind}-{self.name}"


def normalised(text: str) -> str:
    """ "Vor-Name" -> "vorname", "E_Mail" -> "email", "Straße" -> "strasse"."""
    plain = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    return "".join(ch for ch in plain.lower() if ch.isalnum() and ch.isascii())


def examples(template: MessageTemplate) -> dict[tuple[str, str], str]:
    """The author's example per (kind, variable name), where the template has one."""
    found: dict[tuple[str, str], str] = {}
    for kind in templates.FILLED:
        part = templates.component(template, kind) or {}
        example = part.get("example") or {}
        prefix = kind.lower() + "_text"
        positional = example.get(prefix) or []
        if positional and isinstance(positional[0], list):  # body: [[...]]
            positional = positional[0]
        for index, value in enumerate(positional, start=1):
            found[(kind, str(index))] = str(value)
        for item in example.get(prefix + "_named_params") or []:
            if isinstance(item, dict) and item.get("param_name"):
                found[(kind, str(item["param_name"]))] = str(item.get("example", ""))
    for index, button in enumerate(templates.buttons(template)):
        values = button.get("example") or []
        if isinstance(values, list) and values:
            found[(f"{templates.BUTTON}{index}", "1")] = str(values[0])
            found[(f"{templates.BUTTON}{index}", "code")] = str(values[0])
    return found


def text_before(template: MessageTemplate, kind: str, name: str) -> str:
    """The words right before a variable in its component ("Hallo " for "Hallo {{1}}")."""
    text = (templates.component(template, kind) or {}).get("text") or ""
    for match in templates.VARIABLE.finditer(text):
        if match.group(1) == name:
            return text[max(0, match.start() - 40) : match.start()]
    return ""


def meaning(name: str, example: str, before: str, fields: dict):
    """(label, source) of one variable, from its name, example and context."""
    key = normalised(name)
    if key in fields:  # named like a custom field of the workspace
        return fields[key].label, f"attr:{fields[key].key}"
    for names, label, source in (
        (FIRST_NAME, _("Vorname") if key == "vorname" else _("Name"), "first_name"),
        (LAST_NAME, _("Nachname"), "last_name"),
        (FULL_NAME, _("Name"), "full_name"),
        (EMAIL, _("E-Mail-Adresse"), "email"),
        (DATE, _("Datum"), None),
        (TIME, _("Uhrzeit"), None),
    ):
        if key in names:
            return label, source
    return by_example(example.strip(), before)


def by_example(example: str, before: str):
    """(label, source) from the example value and the words before; None: unknown."""
    dated, timed = DATE_LIKE.search(example), TIME_LIKE.search(example)
    if dated and timed:
        return _("Datum und Uhrzeit"), None
    if dated:
        return _("Datum"), None
    if timed:
        return _("Uhrzeit"), None
    if AMOUNT_LIKE.search(example):
        return _("Betrag"), None
    if example.startswith(("http://", "https://")):
        return _("Link"), None
    if "@" in example and "." in example.split("@")[-1]:
        return _("E-Mail-Adresse"), "email"
    words = example.split()
    names = [w for w in words if WORD_NAME.fullmatch(w) and w[:1].isupper()]
    greeted = bool(GREETING.search(before))
    if len(words) == 1 and names and (greeted or words[0].lower() in SAMPLE_NAMES):
        return _("Name"), "first_name"
    if len(words) == 2 and len(names) == 2 and greeted:
        return _("Name"), "full_name"
    if not example and greeted:
        return _("Name"), "first_name"
    return None, None


def placeholders(template: MessageTemplate, fields=()) -> list[Placeholder]:
    """The template's variables in order, each with a label for the agent.

    `fields` are the workspace's ContactFields: a variable named like one is
    filled from the contact's value of it.
    """
    known = {normalised(f.label): f for f in fields}
    known.update({normalised(f.key): f for f in fields})
    given = examples(template)
    found, seen = [], {}
    for position, (kind, name) in enumerate(templates.variables(template), start=1):
        example = given.get((kind, name), "")
        if kind.startswith(templates.BUTTON):
            label, source = button_label(template, kind, name), None
        else:
            label, source = meaning(
                name, example, text_before(template, kind, name), known
            )
            label = label or _("Platzhalter %(number)s", number=position)
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:  # two dates: "Datum", "Datum (2)"
            label = f"{label} ({seen[label]})"
        found.append(Placeholder(kind, name, label, example, source))
    return found


def button_label(template: MessageTemplate, kind: str, name: str) -> str:
    button = templates.buttons(template)[int(kind.removeprefix(templates.BUTTON))]
    if str(button.get("type", "")).upper() == "COPY_CODE":
        return _("Code zum Kopieren")
    return _("Ende des Links der Schaltfläche „%(text)s“", text=button.get("text", ""))


def prefill(found: list[Placeholder], contact) -> dict[str, str]:
    """Values the contact already has, by placeholder key (only those it has)."""
    filled = {}
    for placeholder in found:
        value = contact_value(placeholder.source, contact)
        if value:
            filled[placeholder.key] = value
    return filled


def contact_value(source: str | None, contact) -> str:
    """The contact's value for a source (first_name, …, attr:<key>); "" if none.

    Takes a Contact or a row with its name, profile_name, email and attributes.
    """
    if not source:
        return ""
    if source.startswith("attr:"):
        return str((contact.attributes or {}).get(source[5:]) or "").strip()
    if source == "email":
        return contact.email or ""
    full = (contact.name or contact.profile_name or "").strip()
    parts = full.split()
    if source == "first_name":
        return parts[0] if parts else ""
    if source == "last_name":
        return parts[-1] if len(parts) > 1 else ""
    return full if source == "full_name" else ""


def outline(template: MessageTemplate) -> str:
    """The body as the template list shows it: "Hallo [Name], Ihr Termin am [Datum]."."""
    labels = {(p.kind, p.name): p.label for p in placeholders(template)}
    body = (templates.component(template, "BODY") or {}).get("text") or ""
    return templates.VARIABLE.sub(
        lambda m: f"[{labels.get(('BODY', m.group(1)), m.group(1))}]", body
    )
