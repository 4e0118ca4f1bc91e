"""Run a planned CSV import: bulk writes in one transaction, then nightly cleanup.

10,000 rows must import within seconds, so nothing here goes row by row to the
database: contacts, labels and consent records are written with multi-row
statements. Helpers flush; the route commits. The planning (what a file would
do) is in plan.py.
"""

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from ...consent import ledger
from ...dbutil import bulk_insert_ignoring_conflicts
from ...extensions import db
from ...models import (
    ConsentRecord,
    Contact,
    ContactImport,
    ContactLabel,
    Label,
    User,
    Workspace,
    utcnow,
)
from ...models.labels import LABEL_NAME_LENGTH
from ...phones import e164_of_wa_id, wa_id_of
from .changes import values_after
from .plan import Plan, existing_contacts, load_table, plan_import
from .rows import Row

# Data minimisation: a file with rejected rows is kept a week to download,
# fix and import again; an upload never imported is dropped after a day.
KEEP_REJECTED_FILE = timedelta(days=7)
KEEP_UNUSED_UPLOAD = timedelta(days=1)


def claim(contact_import: ContactImport) -> bool:
    """Mark the import as done; False if another request already ran it."""
    claimed = db.session.execute(
        update(ContactImport)
        .where(ContactImport.id == contact_import.id, ContactImport.state == "uploaded")
        .values(state="done")
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1


def run_import(contact_import: ContactImport, workspace: Workspace, user: User) -> bool:
    """Import the file's valid rows in bulk; False if it was imported already."""
    if not claim(contact_import):
        return False
    plan = plan_import(contact_import, workspace, load_table(contact_import))
    ids, created = write_contacts(workspace.id, plan, contact_import.update_mode)
    add_labels(workspace.id, plan.writable(), ids)
    if contact_import.campaign_id is not None:
        label_for_campaign(contact_import, plan.writable(), ids)
    add_consent_records(contact_import, plan, ids, user)
    finish(contact_import, plan, created)
    return True


def write_contacts(
    workspace_id: int, plan: Plan, mode: str
) -> tuple[dict[str, int], int]:
    """Insert the new contacts, update the known ones; ({phone: id}, created)."""
    now = utcnow()
    consenting = {r.phone for r in plan.consenting()}
    new = [r for r in plan.checked.rows if r.phone not in plan.existing]
    created = bulk_insert_ignoring_conflicts(
        Contact.__table__,
        [new_contact(workspace_id, r, r.phone in consenting, now) for r in new],
        returning=("id", "wa_id"),
    )
    ids = {e164_of_wa_id(c.wa_id): c.id for c in created or []}
    raced = [r.phone for r in new if r.phone not in ids]
    if raced:  # created meanwhile (a webhook): update it like any known contact
        plan.existing.update(existing_contacts(workspace_id, raced))
    update_contacts(plan, consenting, now, mode)
    ids.update({phone: contact.id for phone, contact in plan.existing.items()})
    return ids, len(created or [])


def new_contact(workspace_id: int, row: Row, consent: bool, now: datetime) -> dict:
    return {
        "workspace_id": workspace_id,
        "wa_id": wa_id_of(row.phone),
        "phone_e164": row.phone,
        "name": row.name,
        "email": row.email,
        "attributes": row.attributes,
        "marketing_consent": "opt_in" if consent else None,
        "created_at": now,
    }


def update_contacts(plan: Plan, consenting: set[str], now: datetime, mode: str) -> None:
    """Fill empty fields, or overwrite with non-empty values (changes.py).

    A contact known by its WhatsApp id alone gets its number; one with a number
    keeps it (the file matched it by WhatsApp id: the same digits). Restricted
    contacts are not in plan.writable(): nothing of theirs changes.
    """
    changes = [
        {
            "id": contact.id,
            "phone_e164": contact.phone_e164 or row.phone,
            **values_after(contact, row, mode),
            "marketing_consent": "opt_in"
            if row.phone in consenting
            else contact.marketing_consent,
            "updated_at": now,
        }
        for row in plan.writable()
        if (contact := plan.existing.get(row.phone)) is not None
    ]
    if changes:
        db.session.execute(update(Contact), changes)  # executemany by primary key


def add_labels(workspace_id: int, rows: list[Row], ids: dict[str, int]) -> None:
    """Add the rows' labels (never remove any); unknown label names are created."""
    names = {}
    for row in rows:
        for name in row.labels:
            names.setdefault(name.casefold(), name)
    if not names:
        return
    label_ids = label_ids_by_name(workspace_id)
    missing = [
        {"workspace_id": workspace_id, "name": n}
        for k, n in names.items()
        if k not in label_ids
    ]
    if missing:
        bulk_insert_ignoring_conflicts(Label.__table__, missing)
        label_ids = label_ids_by_name(workspace_id)
    pairs = {(ids[r.phone], label_ids[n.casefold()]) for r in rows for n in r.labels}
    bulk_insert_ignoring_conflicts(
        ContactLabel.__table__,
        [{"contact_id": c, "label_id": label} for c, label in sorted(pairs)],
    )


def label_for_campaign(
    contact_import: ContactImport, rows: list[Row], ids: dict[str, int]
) -> None:
    """A label of its own on every contact the file wrote: the campaign's audience.

    Named after the import ("CSV #12 messe.csv"), so it is never an existing
    label with other people on it; the contact list shows who was in the file.
    """
    workspace_id = contact_import.workspace_id
    taken = label_ids_by_name(workspace_id)
    stem = f"CSV #{contact_import.id} {contact_import.filename}"
    name = stem[:LABEL_NAME_LENGTH]
    suffix = 1
    while name.casefold() in taken:
        suffix += 1
        tail = f" ({suffix})"
        name = stem[: LABEL_NAME_LENGTH - len(tail)] + tail
    label = Label(workspace_id=workspace_id, name=name)
    db.session.add(label)
    db.session.flush()
    contact_import.label_id = label.id
    bulk_insert_ignoring_conflicts(
        ContactLabel.__table__,
        [
            {"contact_id": contact_id, "label_id": label.id}
            for contact_id in sorted({ids[r.phone] for r in rows})
        ],
    )


def label_ids_by_name(workspace_id: int) -> dict[str, int]:
    """The workspace's labels by case-folded name: "vip" in a file is the label VIP."""
    return {
        name.casefold(): label_id
        for label_id, name in db.session.execute(
            select(Label.id, Label.name).where(Label.workspace_id == workspace_id)
        )
    }


def add_consent_records(
    contact_import: ContactImport, plan: Plan, ids: dict[str, int], user: User
) -> None:
    """What ledger.record appends, for every consenting row and both purposes at once."""
    now = utcnow()
    records = [
        {
            "workspace_id": contact_import.workspace_id,
            "contact_id": ids[row.phone],
            "purpose": purpose,
            "action": "opt_in",
            "source": "import",
            "wording": row.wording,
            "recorded_by_id": user.id,
            "recorded_at": now,
            "evidence": evidence(contact_import, row),
        }
        for row in plan.consenting()
        for purpose in (ledger.MARKETING, ledger.SERVICE)
    ]
    # The ledger has no unique key, so nothing is skipped: this is just the
    # fastest multi-row INSERT on both databases.
    bulk_insert_ignoring_conflicts(ConsentRecord.__table__, records)


def evidence(contact_import: ContactImport, row: Row) -> dict:
    proof = {
        "import_id": contact_import.id,
        "file_sha256": contact_import.file_sha256,
        "row": row.number,
        "source": row.source,
    }
    if row.given_at is not None:
        proof["given_at"] = row.given_at.isoformat()
    return proof


def finish(contact_import: ContactImport, plan: Plan, created: int) -> None:
    rejected = plan.checked.invalid
    contact_import.state = "done"
    contact_import.total_rows = plan.checked.total
    contact_import.created_count = created
    contact_import.updated_count = len(plan.writable()) - created
    contact_import.invalid_rows = sorted(
        rejected + plan.notes(), key=lambda e: e["row"]
    )
    contact_import.finished_at = utcnow()
    # Data minimisation: the file is kept only while it has rejected rows to
    # download, fix and import again (invalid_rows_csv), and at most a week.
    if not rejected:
        contact_import.content = None


def purge_contact_imports() -> tuple[int, int]:
    """Drop week-old imports' files and day-old unused uploads; (dropped, deleted).

    A finished import's row stays: its file's SHA-256 and counts are what the
    consent records' evidence points to.
    """
    now = utcnow()
    dropped = db.session.execute(
        update(ContactImport)
        .where(
            ContactImport.state == "done",
            ContactImport.finished_at < now - KEEP_REJECTED_FILE,
            ContactImport.content.is_not(None),
        )
        .values(content=None)
        .execution_options(synchronize_session=False)
    )
    # An import being run right now is "done" once claimed: claim() and this
    # statement both test the state, so only one of them wins the row.
    deleted = db.session.execute(
        delete(ContactImport)
        .where(
            ContactImport.state == "uploaded",
            ContactImport.created_at < now - KEEP_UNUSED_UPLOAD,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return dropped.rowcount, deleted.rowcount
