"""CSV export of the contact list, with the list's filters, streamed in keyset chunks.

Restricted contacts (Art. 18 GDPR) are left out: their data may be stored but
not otherwise processed, and a list export is processing. German Excel opens
the file directly: UTF-8 with BOM, semicolons. Written for people, in the
reader's language: times in the installation's time zone as Excel reads them
("06.12.2026 21:15"), the marketing consent as "ja"/"nein" with the date it
was given or withdrawn. The columns are listed in the README; the import
recognises them, so an exported list can be imported again.
"""

import csv
import io
from collections.abc import Iterator
from datetime import datetime, tzinfo

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..consent.ledger import MARKETING
from ..extensions import db
from ..models import ConsentRecord, Contact, as_utc
from .listing import ContactFilters, conditions, labels_of, last_contacts

CHUNK = 1000
# A spreadsheet runs a cell that starts like a formula; a leading apostrophe makes
# it text. (A tab or CR first is skipped by some spreadsheets, then it runs.)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DEFUSE = "'"
# How Excel reads a date and time in the reader's language (no seconds, local time).
TIME_FORMATS = {"de": "%d.%m.%Y %H:%M", "en": "%Y-%m-%d %H:%M"}


def header(field_labels: list[str]) -> list[str]:
    # The phone number before the profile name: an import of this file takes
    # the first column that names WhatsApp or a phone as the number.
    return [
        "id",
        _("Name"),
        _("Telefonnummer"),
        _("WhatsApp-Profilname"),
        _("WhatsApp-ID"),
        "BSUID",
        _("Benutzername"),
        _("E-Mail-Adresse"),
        _("Labels"),
        _("Marketing-Einwilligung"),
        _("Marketing-Einwilligung (Datum)"),
        _("Angelegt"),
        _("Letzter Kontakt"),
        *field_labels,
    ]


class Cells:
    """Times and yes/no in the reader's words (the request's locale and time zone)."""

    def __init__(self, tz: tzinfo, time_format: str):
        self.tz, self.time_format = tz, time_format
        self.yes, self.no = _("ja"), _("nein")

    def time(self, value: datetime | None) -> str:
        if value is None:
            return ""
        return as_utc(value).astimezone(self.tz).strftime(self.time_format)

    def consent(self, action: str | None) -> str:
        return self.yes if action == "opt_in" else self.no


def csv_lines(
    workspace_id: int,
    filters: ContactFilters,
    head: list[str],
    keys: list[str],
    cells: Cells,
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(head)
    yield "\ufeff" + take(buffer)
    for chunk in chunks(workspace_id, filters):
        ids = [contact.id for contact in chunk]
        labels, last = labels_of(ids), last_contacts(ids)
        consented = consent_dates(ids)
        for contact in chunk:
            facts = (
                labels[contact.id],
                last.get(contact.id),
                consented.get(contact.id),
            )
            writer.writerow(row(contact, facts, keys, cells))
        yield take(buffer)


def consent_dates(contact_ids: list[int]) -> dict[int, datetime]:
    """When each contact's current marketing consent record was made (one query)."""
    latest = (
        select(func.max(ConsentRecord.id))
        .where(
            ConsentRecord.contact_id.in_(contact_ids),
            ConsentRecord.purpose == MARKETING,
        )
        .group_by(ConsentRecord.contact_id)
    )
    return dict(
        db.session.execute(
            select(ConsentRecord.contact_id, ConsentRecord.recorded_at).where(
                ConsentRecord.id.in_(latest)
            )
        ).all()
    )


def take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def chunks(workspace_id: int, filters: ContactFilters) -> Iterator[list[Contact]]:
    """The filtered contacts in id order, CHUNK at a time (bounded memory)."""
    query = select(Contact).where(
        *conditions(workspace_id, filters), Contact.restricted_at.is_(None)
    )
    after = None
    while True:
        page = query if after is None else query.where(Contact.id > after)
        chunk = db.session.scalars(page.order_by(Contact.id).limit(CHUNK)).all()
        if not chunk:
            return
        yield chunk
        after = chunk[-1].id
        for contact in chunk:  # bounded memory; the signed-in user stays attached
            db.session.expunge(contact)


def row(contact: Contact, facts: tuple, keys: list[str], cells: Cells) -> list:
    labels, last, consented = facts
    attributes = contact.attributes or {}
    return [
        contact.id,
        safe(contact.name),
        contact.phone_e164 or "",
        safe(contact.profile_name),
        contact.wa_id or "",
        contact.bsuid or "",
        safe(contact.username),
        safe(contact.email),
        safe(", ".join(label.name for label in labels)),
        cells.consent(contact.marketing_consent),
        cells.time(consented) if contact.marketing_consent else "",
        cells.time(contact.created_at),
        cells.time(last),
        *(safe(attributes.get(key)) for key in keys),
    ]


def safe(value: str | None) -> str:
    """Text people typed, defused against spreadsheet formula injection."""
    text = value or ""
    return DEFUSE + text if text[:1] in FORMULA_STARTS else text


def undefused(cell: str) -> str:
    """A cell as it was before `safe`: for our own files uploaded again."""
    return cell[1:] if cell[:1] == DEFUSE and cell[1:2] in FORMULA_STARTS else cell
