"""Check the rows of a mapped CSV: no database here (plan.py has that).

Row numbers are the file's records with the header as row 1, the numbers people
see in their spreadsheet. A row without a valid number or with unclear consent
is rejected; an invalid optional value (name, email, a label, a custom field)
is left out and the row imported without it, with a warning for its row.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...models import ContactField, utcnow
from ...models.labels import LABEL_NAME_LENGTH
from ...phones import InvalidPhone, normalise
from ..values import GERMAN_DATES, custom_value
from .files import ATTRIBUTE, Table

YES = {"ja", "j", "yes", "y", "true", "wahr", "1", "x", "opt-in", "optin", "opt in"}
NO = {"", "nein", "n", "no", "false", "falsch", "0", "-", "opt-out", "optout"}
GERMAN_TIMES = ("%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y, %H:%M")


class RowProblem(ValueError):
    """One cell breaks a rule; str() is the reason shown for its row."""


@dataclass
class Row:
    number: int
    phone: str
    name: str | None = None
    email: str | None = None
    labels: list[str] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    consent: bool = False
    source: str | None = None
    given_at: datetime | None = None
    wording: str | None = None
    warnings: list[str] = field(default_factory=list)  # values left out


@dataclass
class Checked:
    rows: list[Row]  # valid, in file order, one per phone number
    invalid: list[dict]  # {"row": n, "reason": "..."}
    total: int  # non-blank data rows

    def warnings(self) -> list[dict]:
        """The valid rows' left-out values: {"row": n, "reason": "..."}."""
        return [
            {"row": row.number, "reason": " ".join(row.warnings)}
            for row in self.rows
            if row.warnings
        ]


@dataclass
class Rules:
    """What a row is checked against: the mapping and the workspace's settings."""

    columns: dict[str, int]  # target -> column index
    region: str
    fields: dict[str, ContactField]
    consent_text: str | None
    tz: tzinfo


def check_rows(table: Table, rules: Rules) -> Checked:
    """Every row checked; a phone number's first row wins, later ones are invalid."""
    rows, invalid, seen, total = [], [], set(), 0
    for number, cells in enumerate(table.rows, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # Excel leaves ";;;;" lines at the end
        total += 1
        row, problems = check_row(number, cells, rules)
        if row and row.phone in seen:
            problems.append(
                _("Die Telefonnummer steht schon weiter oben in der Datei.")
            )
        if problems:
            invalid.append({"row": number, "reason": " ".join(problems)})
            continue
        seen.add(row.phone)
        rows.append(row)
    return Checked(rows, invalid, total)


def check_row(number: int, cells: list[str], rules: Rules) -> tuple[Row | None, list]:
    """The row as it will be imported, and the reasons it cannot be."""

    def cell(target: str) -> str:
        index = rules.columns.get(target)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    problems: list[str] = []
    values: dict = {}
    required = (
        ("phone", lambda: check_phone(cell("phone"), rules.region)),
        ("consent", lambda: check_consent(cell, rules)),
    )
    for name, check in required:
        try:
            values[name] = check()
        except RowProblem as problem:
            problems.append(str(problem))
    if problems:
        return None, problems
    row = Row(number=number, phone=values["phone"], **values["consent"])
    warnings = row.warnings
    row.name = optional(
        warnings, lambda: check_length(cell("name"), 255, _l("Der Name"))
    )
    row.email = optional(warnings, lambda: check_email(cell("email")))
    row.labels = check_labels(cell("labels"), warnings)
    row.attributes = check_attributes(cell, rules.fields, warnings)
    return row, problems


def optional(warnings: list[str], check):
    """The value, or None and a warning: the row is imported without it."""
    try:
        return check()
    except RowProblem as problem:
        warnings.append(left_out(problem))
        return None


def left_out(problem: RowProblem) -> str:
    return _("%(problem)s Ohne diesen Wert importiert.", problem=str(problem))


def check_phone(text: str, region: str) -> str:
    if not text:
        raise RowProblem(_("Keine Telefonnummer."))
    try:
        return normalise(text, region)
    except InvalidPhone as error:
        raise RowProblem(str(error)) from error


def check_length(text: str, limit: int, what: str) -> str | None:
    if len(text) > limit:
        raise RowProblem(
            _("%(what)s ist länger als %(limit)s Zeichen.", what=what, limit=limit)
        )
    return text or None


def check_email(text: str) -> str | None:
    if not text:
        return None
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise RowProblem(_("Die E-Mail-Adresse ist ungültig.")) from error


def check_labels(text: str, warnings: list[str]) -> list[str]:
    """The row's labels; one longer than 40 characters is left out."""
    names: dict[str, str] = {}
    for name in re.split(r"[,;]", text):
        name = name.strip()
        if len(name) > LABEL_NAME_LENGTH:
            warnings.append(
                left_out(RowProblem(_("Ein Label ist länger als 40 Zeichen.")))
            )
        elif name:
            names.setdefault(name.casefold(), name)
    return list(names.values())


def check_attributes(
    cell, fields: dict[str, ContactField], warnings: list[str]
) -> dict[str, str]:
    """Custom field values as text: numbers as written, dates as ISO (YYYY-MM-DD)."""
    values = {}
    for key, custom in fields.items():
        text = cell(ATTRIBUTE + key)
        if not text:
            continue
        value = custom_value(custom.kind, text)
        if value is None and custom.kind == "number":
            problem = _("„%(field)s“ ist keine Zahl.", field=custom.label)
        elif value is None:
            problem = _("„%(field)s“ ist kein Datum.", field=custom.label)
        else:
            values[key] = value[:500]
            continue
        warnings.append(left_out(RowProblem(problem)))
    return values


def check_consent(cell, rules: Rules) -> dict:
    answer = cell("consent").casefold()
    if answer not in YES | NO:
        raise RowProblem(_("Einwilligung nicht erkennbar: bitte „ja“ oder „nein“."))
    if answer in NO:
        return {"consent": False}
    source = cell("consent_source")
    if not source:
        raise RowProblem(_("Einwilligung ohne Quelle: Zeile nicht importiert."))
    wording = cell("consent_text") or rules.consent_text
    if not wording:
        raise RowProblem(_("Einwilligung ohne Einwilligungstext."))
    given_at = check_given_at(cell("consent_date"), rules.tz)
    return {"consent": True, "source": source, "given_at": given_at, "wording": wording}


def check_given_at(text: str, tz: tzinfo) -> datetime | None:
    if not text:
        return None
    when = parse_when(text, tz)
    if when is None:
        raise RowProblem(
            _("Datum der Einwilligung nicht lesbar (z. B. 31.12.2025 oder 2025-12-31).")
        )
    # A day's slack: "today" in a later time zone is no error.
    if when > utcnow() + timedelta(days=1):
        raise RowProblem(_("Das Datum der Einwilligung liegt in der Zukunft."))
    return when


def parse_when(text: str, tz: tzinfo) -> datetime | None:
    """ISO or German date with optional time; times without zone are local (tz)."""
    when = None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        for pattern in GERMAN_DATES + GERMAN_TIMES:
            try:
                when = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    return when.astimezone(UTC)
