"""`leadgate contact export`: the contact export from the command line."""

import shutil
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ... import audit
from ...extensions import db
from ...models import Contact, Workspace
from .archive import contact_archive, count_messages, to_json
from .contact import contact_document

contact = click.Group("contact", help="Contacts: data-subject requests.")


@contact.command("export")
@with_appcontext
@click.option("--workspace", "workspace_id", required=True, type=int)
@click.option("--contact", "contact_id", type=int, help="The contact's id.")
@click.option("--wa-id", help="The WhatsApp id (the number, digits only).")
@click.option("--bsuid", help="The business-scoped user id.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a ZIP (name ends in .zip) or the JSON to this file.",
)
def export(
    workspace_id: int,
    contact_id: int | None,
    wa_id: str | None,
    bsuid: str | None,
    out: Path | None,
) -> None:
    """Export everything about a contact (Art. 15/20 GDPR); JSON to stdout without --out."""
    found = find_contact(workspace_id, contact_id, wa_id, bsuid)
    if out is not None and out.suffix.lower() == ".zip":
        archive, counts = contact_archive(found)
        record(found, counts)
        with archive, out.open("wb") as target:
            shutil.copyfileobj(archive, target)
    else:
        document = contact_document(found)
        counts = {"consents": len(document["consents"])}
        record(found, counts | {"messages": count_messages(document), "files": 0})
        text = to_json(document)
        if out is None:
            click.echo(text)
        else:
            out.write_text(text + "\n", encoding="utf-8")


def record(found: Contact, counts: dict) -> None:
    # Committed before anything is written: the trail may over-report, never miss one.
    audit.record(found.workspace_id, "contact.exported", found, via="cli", **counts)
    db.session.commit()


def find_contact(
    workspace_id: int, contact_id: int | None, wa_id: str | None, bsuid: str | None
) -> Contact:
    """The one contact named by exactly one of the options, in this workspace."""
    given = [value for value in (contact_id, wa_id, bsuid) if value is not None]
    if len(given) != 1:
        raise click.UsageError("Give exactly one of --contact, --wa-id or --bsuid.")
    if db.session.get(Workspace, workspace_id) is None:
        raise click.ClickException(f"No workspace with id {workspace_id}.")
    query = select(Contact).where(Contact.workspace_id == workspace_id)
    if contact_id is not None:
        query = query.where(Contact.id == contact_id)
    elif wa_id is not None:
        digits = "".join(char for char in wa_id if char.isdigit())
        query = query.where(Contact.wa_id == digits)
    else:
        query = query.where(Contact.bsuid == bsuid.strip())
    found = db.session.scalar(query)
    if found is None:
        raise click.ClickException(f"No such contact in workspace {workspace_id}.")
    return found
