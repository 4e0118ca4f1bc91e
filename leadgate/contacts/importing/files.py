"""Read an uploaded CSV and map its columns: no database here.

Spreadsheets arrive in every dialect: UTF-8 with or without BOM or Windows-1252,
separated by ";" (German Excel), "," or tabs. The header names the columns; the
mapping says what each one is (rows.py checks the rows against it).
"""

import csv
import io
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...models import ContactField
from ..export import undefused

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
DELIMITERS = (";", ",", "\t")
ATTRIBUTE = "attr:"
TARGETS = {
    "ignore": _l("– nicht importieren –"),
    "phone": _l("Telefonnummer"),
    "name": _l("Name"),
    "email": _l("E-Mail-Adresse"),
    "labels": _l("Labels (durch Komma getrennt)"),
    "consent": _l("WhatsApp-Einwilligung (ja/nein)"),
    "consent_source": _l("Quelle der Einwilligung"),
    "consent_date": _l("Datum der Einwilligung"),
    "consent_text": _l("Einwilligungstext je Zeile"),
}
CONSENT_DETAILS = ("consent_source", "consent_date", "consent_text")
# Header words per target, checked in this order: "Einwilligungsquelle" is a
# source before it is a consent column, "WhatsApp-Nummer" a phone number.
# (target, words a header contains, words a header is exactly)
CONSENT_WORDS = ("einwillig", "consent", "optin", "zustimmung")
HEADER_WORDS = (
    ("consent_source", ("quelle", "source", "herkunft"), ("quelle", "source")),
    ("consent_date", ("datum", "date", "zeitpunkt"), ("datum", "date")),
    ("consent_text", ("text", "wortlaut", "wording"), ("wortlaut",)),
    ("consent", CONSENT_WORDS, ()),
    (
        "phone",
        ("telefon", "handy", "mobil", "phone", "whatsapp", "rufnummer"),
        ("tel", "telnr", "nummer"),
    ),
    ("email", ("mail",), ()),
    ("name", ("name",), ()),
    ("labels", ("label", "schlagw"), ("tag", "tags")),
)


class ImportFileError(ValueError):
    """The file cannot be imported at all; str() says why."""


@dataclass
class Table:
    delimiter: str
    columns: list[str]
    rows: list[list[str]]  # data records; rows[0] is the file's row 2


def read_table(raw: bytes) -> Table:
    """Decode and split the file; ImportFileError when it cannot be imported."""
    if len(raw) > MAX_BYTES:
        raise ImportFileError(_("Die Datei ist größer als 10 MB."))
    if raw.startswith(b"PK\x03\x04") or b"\x00" in raw[:4096]:
        raise ImportFileError(
            _("Das ist keine CSV-Datei. Bitte in Excel „Speichern unter: CSV“ wählen.")
        )
    text = decode(raw)
    delimiter = sniff_delimiter(text)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise ImportFileError(_("Die CSV-Datei ist nicht lesbar.")) from error
    if not records or not any(cell.strip() for cell in records[0]):
        raise ImportFileError(_("Die erste Zeile muss die Spaltennamen enthalten."))
    if len(records) - 1 > MAX_ROWS:
        raise ImportFileError(_("Die Datei hat mehr als 50.000 Zeilen."))
    # Our own files come back (left-out rows, fixed): cells as they were typed.
    records = [[undefused(cell) for cell in record] for record in records]
    return Table(delimiter, unique_columns(records[0]), records[1:])


def decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older Excel on Windows saves "CSV" in the ANSI code page.
        return raw.decode("cp1252", errors="replace")


def sniff_delimiter(text: str) -> str:
    """The separator used most in the header line (csv.Sniffer guesses wildly)."""
    header = text.split("\n", 1)[0]
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def unique_columns(header: list[str]) -> list[str]:
    """Column names usable as mapping keys: blank ones named, repeats numbered."""
    columns: list[str] = []
    for index, cell in enumerate(header):
        name = cell.strip() or _("Spalte %(number)s", number=index + 1)
        candidate, copy = name, 1
        while candidate in columns:
            copy += 1
            candidate = f"{name} ({copy})"
        columns.append(candidate)
    return columns


def guess_mapping(columns: list[str], fields: dict[str, ContactField]) -> dict:
    """A first mapping from the column names; each target goes to one column."""
    mapping, taken = {}, set()
    for column in columns:
        target = guess_target(column, fields)
        if target in taken:
            target = "ignore"
        taken.add(target)
        mapping[column] = target
    return mapping


def guess_target(column: str, fields: dict[str, ContactField]) -> str:
    word = simplified(column)
    for key, custom in fields.items():
        if word in (simplified(key), simplified(custom.label)):
            return ATTRIBUTE + key
    about_consent = any(w in word for w in CONSENT_WORDS)
    for target, contained, exact in HEADER_WORDS:
        # "Datum" alone is the consent date; "Geburtsdatum" is not.
        needs_context = target in CONSENT_DETAILS
        if word in exact or (
            any(w in word for w in contained) and (about_consent or not needs_context)
        ):
            return target
    return "ignore"


def simplified(name: str) -> str:
    return re.sub(r"[^a-z0-9äöüß]", "", name.casefold())


def samples(table: Table, count: int = 3) -> list[list[str]]:
    """The first few different values of each column, to recognise it by."""
    found: list[list[str]] = [[] for _column in table.columns]
    for cells in table.rows[:200]:
        for index, value in enumerate(cells[: len(found)]):
            value = value.strip()[:40]
            if value and value not in found[index] and len(found[index]) < count:
                found[index].append(value)
    return found


def mapping_problems(
    mapping: dict, consent_text: str | None, fields: dict[str, ContactField]
) -> list[str]:
    """Why this mapping cannot be imported; empty when it can."""
    targets = [t for t in mapping.values() if t != "ignore"]
    known = set(TARGETS) | {ATTRIBUTE + key for key in fields}
    problems = []
    if "phone" not in targets:
        problems.append(_("Bitte die Spalte mit der Telefonnummer zuordnen."))
    if any(targets.count(t) > 1 for t in targets) or not set(targets) <= known:
        problems.append(_("Jedes Ziel darf nur einer Spalte zugeordnet sein."))
    if "consent" not in targets and any(t in CONSENT_DETAILS for t in targets):
        problems.append(
            _(
                "Quelle, Datum und Text zählen nur mit einer Spalte „WhatsApp-Einwilligung (ja/nein)“."
            )
        )
    if "consent" in targets and "consent_source" not in targets:
        problems.append(_("Bitte die Spalte mit der Quelle der Einwilligung zuordnen."))
    if "consent" in targets and "consent_text" not in targets and not consent_text:
        problems.append(
            _("Bitte den Einwilligungstext angeben, dem die Personen zugestimmt haben.")
        )
    return problems
