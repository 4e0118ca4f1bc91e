"""CSV export of the contact list, with the list's filters, streamed in keyset chunks.

Restricted contacts (Art. 18 GDPR) are left out: their data may be stored but
not otherwise processed, and a list export is processing. German Excel opens
the file directly: UTF-8 with BOM, semicolons.
"""

import csv
import io
from collections.abc import Iterator

from flask import Response, request, stream_with_context
from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..files import content_disposition
from ..models import Contact, as_utc
from ..security import serves_files
from ..tenancy import current_membership, manager_required
from . import bp
from .fields import fields_of
from .listing import ContactFilters, conditions, labels_of, last_contacts

CHUNK = 1000
# A spreadsheet runs a cell that starts like a formula; a leading apostrophe makes
# it text. (A tab or CR first is skipped by some spreadsheets, then it runs.)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DEFUSE = "'"


@bp.get("/export.csv")
@serves_files
@manager_required
def export():
    workspace_id = current_membership().workspace_id
    filters = ContactFilters.from_args(request.args)
    fields = [(item.key, item.label) for item in fields_of(workspace_id)]
    head = header([label for _, label in fields])  # in the reader's language
    # Which filters, not their values: a search text may be a person's name.
    audit.record(workspace_id, "contacts.exported", filters=sorted(filters.args()))
    db.session.commit()
    # The rows are read while streaming; the committed objects are not touched again.
    rows = csv_lines(workspace_id, filters, head, [key for key, _ in fields])
    return Response(
        stream_with_context(rows),
        mimetype="text/csv",
        headers={
            "Content-Disposition": content_disposition("kontakte.csv", "kontakte.csv"),
            "Cache-Control": "no-store",
        },
    )


def header(field_labels: list[str]) -> list[str]:
    return [
        "id",
        _("Name"),
        _("WhatsApp-Profilname"),
        _("Telefonnummer"),
        "wa_id",
        "bsuid",
        _("Benutzername"),
        _("E-Mail-Adresse"),
        _("Labels"),
        _("Marketing-Einwilligung"),
        _("Angelegt"),
        _("Letzter Kontakt"),
        *field_labels,
    ]


def csv_lines(
    workspace_id: int, filters: ContactFilters, head: list[str], keys: list[str]
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(head)
    yield "\ufeff" + take(buffer)
    for chunk in chunks(workspace_id, filters):
        ids = [contact.id for contact in chunk]
        labels, last = labels_of(ids), last_contacts(ids)
        for contact in chunk:
            writer.writerow(
                row(contact, labels[contact.id], last.get(contact.id), keys)
            )
        yield take(buffer)


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


def row(contact: Contact, labels, last, keys: list[str]) -> list:
    attributes = contact.attributes or {}
    return [
        contact.id,
        safe(contact.name),
        safe(contact.profile_name),
        contact.phone_e164 or "",
        contact.wa_id or "",
        contact.bsuid or "",
        safe(contact.username),
        safe(contact.email),
        safe(", ".join(label.name for label in labels)),
        contact.marketing_consent or "",
        as_utc(contact.created_at).isoformat(),
        as_utc(last).isoformat() if last else "",
        *(safe(attributes.get(key)) for key in keys),
    ]


def safe(value: str | None) -> str:
    """Text people typed, defused against spreadsheet formula injection."""
    text = value or ""
    return DEFUSE + text if text[:1] in FORMULA_STARTS else text


def undefused(cell: str) -> str:
    """A cell as it was before `safe`: for our own files uploaded again."""
    return cell[1:] if cell[:1] == DEFUSE and cell[1:2] in FORMULA_STARTS else cell
