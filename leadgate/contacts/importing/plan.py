"""CSV import of contacts: upload, a plan with its preview, and the outcome.

10,000 rows must import within seconds, so nothing here goes row by row to the
database: rows are checked in Python (rows.py) and existing contacts are
looked up in chunks. A plan writes nothing; writes.py runs it.
"""

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from ...consent import ledger
from ...dbutil import one_of
from ...extensions import db
from ...files import clean_filename
from ...models import (
    ConsentRecord,
    Contact,
    ContactField,
    ContactImport,
    User,
    Workspace,
    as_utc,
)
from ...phones import e164_of_wa_id, wa_id_of
from ...privacy.suppression import suppressed_numbers
from ..export import safe
from .changes import change_summary
from .files import Table, guess_mapping, read_table
from .rows import Checked, Row, Rules, check_rows

CHUNK = 1000  # values per IN list
# What the import reads of a known contact (not whole ORM objects: 10,000 of them).
KNOWN = ("id", "wa_id", "phone_e164", "name", "email", "attributes")
KNOWN += ("marketing_consent", "opted_out_at", "restricted_at")
PREVIEW_ROWS, PREVIEW_INVALID, PREVIEW_CHANGES = 10, 20, 20


@dataclass
class Plan:
    """What an import would do: the checked rows matched to existing contacts."""

    checked: Checked
    existing: dict  # phone -> the known contact's KNOWN columns (a result row)
    # Rows imported, but without an opt-in (objection or later opt-out): row -> reason.
    no_consent: dict[int, str] = field(default_factory=dict)
    # Rows of restricted contacts (Art. 18): nothing of theirs changes. row -> reason.
    untouched: dict[int, str] = field(default_factory=dict)

    def consenting(self) -> list[Row]:
        return [
            r
            for r in self.checked.rows
            if r.consent and r.number not in self.no_consent
        ]

    def writable(self) -> list[Row]:
        """The rows whose values are written (all but restricted contacts')."""
        return [r for r in self.checked.rows if r.number not in self.untouched]

    def warnings(self) -> list[dict]:
        """Rows imported with a value left out, or not changed at all."""
        found = self.checked.warnings()
        found += [{"row": n, "reason": r} for n, r in self.untouched.items()]
        return sorted(found, key=lambda entry: entry["row"])

    def notes(self) -> list[dict]:
        """What the import page lists beside the rejected rows (kind: the section)."""
        consent = [
            {"row": n, "reason": r, "imported": True, "kind": "no_consent"}
            for n, r in self.no_consent.items()
        ]
        warnings = [
            {**entry, "imported": True, "kind": "warning"} for entry in self.warnings()
        ]
        return consent + warnings


def start_import(
    workspace_id: int,
    user: User,
    filename: str,
    raw: bytes,
    campaign_id: int | None = None,
) -> ContactImport:
    """Keep an uploaded file for mapping; ImportFileError if it cannot be imported.

    `campaign_id`: the file is that campaign's audience (writes.label_for_campaign).
    """
    table = read_table(raw)
    contact_import = ContactImport(
        workspace_id=workspace_id,
        created_by_id=user.id,
        campaign_id=campaign_id,
        filename=clean_filename(filename, "import.csv"),
        file_sha256=hashlib.sha256(raw).hexdigest(),
        content=raw,
        mapping=guess_mapping(table.columns, custom_fields(workspace_id)),
    )
    db.session.add(contact_import)
    db.session.flush()
    return contact_import


def custom_fields(workspace_id: int) -> dict[str, ContactField]:
    return {
        f.key: f
        for f in db.session.scalars(
            select(ContactField)
            .where(ContactField.workspace_id == workspace_id)
            .order_by(ContactField.label)
        )
    }


def load_table(contact_import: ContactImport) -> Table:
    return read_table(contact_import.content or b"")


def plan_import(
    contact_import: ContactImport, workspace: Workspace, table: Table
) -> Plan:
    """Check every row and match it to the workspace's contacts; nothing is written."""
    fields = custom_fields(workspace.id)
    index = {column: i for i, column in enumerate(table.columns)}
    rules = Rules(
        columns={t: index[c] for c, t in contact_import.mapping.items() if c in index},
        region=workspace.phone_region,
        fields=fields,
        consent_text=contact_import.consent_text,
        tz=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]),
    )
    checked = check_rows(table, rules)
    plan = Plan(
        checked, existing_contacts(workspace.id, [r.phone for r in checked.rows])
    )
    drop_second_matches(plan)
    leave_restricted_alone(plan)
    hold_back_consent(plan)
    hold_back_suppressed(plan, workspace.id)
    return plan


def preview_of(
    contact_import: ContactImport, workspace: Workspace, table: Table
) -> dict:
    """Counts over the whole file and its first rows, as the mapping page shows them."""
    plan = plan_import(contact_import, workspace, table)
    rows = plan.checked.rows
    existing = sum(1 for r in rows if r.phone in plan.existing)
    warnings = plan.warnings()
    mode = contact_import.update_mode
    return {
        "rows": rows[:PREVIEW_ROWS],
        "invalid": plan.checked.invalid[:PREVIEW_INVALID],
        "total": plan.checked.total,
        "valid_count": len(rows),
        "invalid_count": len(plan.checked.invalid),
        "new_count": len(rows) - existing,
        "existing_count": existing,
        "consent_count": len(plan.consenting()),
        "no_consent": [{"row": n, "reason": r} for n, r in plan.no_consent.items()][
            :PREVIEW_INVALID
        ],
        "warnings": warnings[:PREVIEW_INVALID],
        "warning_count": len(warnings),
        "mode": mode,
        **change_summary(plan, custom_fields(workspace.id), mode, PREVIEW_CHANGES),
    }


def chunks(values: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def existing_contacts(workspace_id: int, phones: list[str]) -> dict[str, Contact]:
    """The workspace's contact per number (as E.164 or WhatsApp id), oldest first."""
    found: dict = {}
    for chunk in chunks(phones):
        wanted = set(chunk)
        for contact in db.session.execute(
            select(*(Contact.__table__.c[name] for name in KNOWN))
            .where(
                Contact.workspace_id == workspace_id,
                or_(
                    one_of(Contact.phone_e164, chunk),
                    one_of(Contact.wa_id, [wa_id_of(p) for p in chunk]),
                ),
            )
            .order_by(Contact.id)
        ):
            for phone in {contact.phone_e164, e164_of_wa_id(contact.wa_id)} & wanted:
                found.setdefault(phone, contact)
    return found


def drop_second_matches(plan: Plan) -> None:
    """Two numbers of the file that are one contact: the first row wins (as duplicates)."""
    claimed, rows = set(), []
    for row in plan.checked.rows:
        contact = plan.existing.get(row.phone)
        if contact is not None and contact.id in claimed:
            plan.checked.invalid.append(
                {
                    "row": row.number,
                    "reason": _("Der Kontakt steht schon weiter oben in der Datei."),
                }
            )
            continue
        if contact is not None:
            claimed.add(contact.id)
        rows.append(row)
    plan.checked.rows = rows
    plan.checked.invalid.sort(key=lambda entry: entry["row"])


def leave_restricted_alone(plan: Plan) -> None:
    """A restricted contact (Art. 18) may only be stored: the file changes nothing."""
    for row in plan.checked.rows:
        contact = plan.existing.get(row.phone)
        if contact is not None and contact.restricted_at is not None:
            plan.untouched[row.number] = _(
                "Verarbeitung des Kontakts eingeschränkt: nichts geändert."
            )


def hold_back_consent(plan: Plan) -> None:
    """An old list must not override an objection, a restriction or a later opt-out."""
    consenting = [
        r for r in plan.checked.rows if r.consent and r.phone in plan.existing
    ]
    opt_outs = latest_opt_outs([plan.existing[r.phone].id for r in consenting])
    for row in consenting:
        contact = plan.existing[row.phone]
        opted_out_at = opt_outs.get(contact.id)
        if contact.opted_out_at or contact.restricted_at:
            plan.no_consent[row.number] = _(
                "Kontakt hat widersprochen oder ist eingeschränkt: ohne Einwilligung importiert."
            )
        elif opted_out_at and not (row.given_at and row.given_at > opted_out_at):
            plan.no_consent[row.number] = _(
                "Kontakt hat sich nach dieser Einwilligung abgemeldet: ohne Einwilligung importiert."
            )


def hold_back_suppressed(plan: Plan, workspace_id: int) -> None:
    """An erased contact who had objected stays without consent (one query per file)."""
    consenting = plan.consenting()
    suppressed = suppressed_numbers(workspace_id, [r.phone for r in consenting])
    for row in consenting:
        if row.phone in suppressed:
            plan.no_consent[row.number] = _(
                "Früher widersprochen und gelöscht: ohne Einwilligung importiert."
            )


def latest_opt_outs(contact_ids: list[int]) -> dict[int, datetime]:
    """When each contact opted out, where a purpose's holding record is an opt-out.

    The holding record is the latest one neither a take-back nor voided by one
    (consent/ledger.py): a STOP below an objection taken back still holds.
    """
    found: dict[int, datetime] = {}
    for chunk in chunks(contact_ids):
        voided = ledger.voided_ids(chunk)
        latest = (
            select(func.max(ConsentRecord.id))
            .where(
                one_of(ConsentRecord.contact_id, chunk),
                ConsentRecord.action != ledger.TAKEN_BACK,
                ConsentRecord.id.not_in(voided),
            )
            .group_by(ConsentRecord.contact_id, ConsentRecord.purpose)
        )
        for contact_id, recorded_at in db.session.execute(
            select(ConsentRecord.contact_id, ConsentRecord.recorded_at).where(
                ConsentRecord.id.in_(latest), ConsentRecord.action == "opt_out"
            )
        ):
            recorded_at = as_utc(recorded_at)  # SQLite gives it back naive
            found[contact_id] = max(found.get(contact_id, recorded_at), recorded_at)
    return found


def rejected_rows(contact_import: ContactImport) -> dict[int, str]:
    """Rows not imported at all, with their reasons (not those imported without consent)."""
    return {
        e["row"]: e["reason"]
        for e in contact_import.invalid_rows
        if not e.get("imported")
    }


def has_download(contact_import: ContactImport) -> bool:
    """Whether the rejected rows can still be downloaded (without loading the file)."""
    kept = select(ContactImport.content.is_not(None)).where(
        ContactImport.id == contact_import.id
    )
    return bool(rejected_rows(contact_import)) and bool(db.session.scalar(kept))


def invalid_rows_csv(contact_import: ContactImport) -> str | None:
    """The rejected rows as uploaded plus a reason column, to fix and import again."""
    reasons = rejected_rows(contact_import)
    if not reasons or contact_import.content is None:
        return None
    table = load_table(contact_import)
    width = len(table.columns)
    # Every cell defused as in the contact export ("=cmd|..." must not run in a
    # spreadsheet); read_table takes the prefix off again when it comes back.
    out = io.StringIO()
    writer = csv.writer(out, delimiter=table.delimiter)
    writer.writerow([safe(cell) for cell in [*table.columns, _("Grund")]])
    for number, cells in enumerate(table.rows, start=2):
        if number in reasons:
            row = [*(cells + [""] * width)[:width], reasons[number]]
            writer.writerow([safe(cell) for cell in row])
    return "\ufeff" + out.getvalue()  # the BOM makes Excel read UTF-8
