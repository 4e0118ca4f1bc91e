"""Downloads for the right of access and portability: a contact's data, one's own.

Both are POST from a button with a CSRF token: each download is recorded in the
audit trail, and a GET could be triggered by a link on another site or by a
browser's prefetch, filling the trail with exports nobody asked for.
"""

from typing import IO

from flask import Response
from flask_login import current_user, login_required

from ... import audit
from ...extensions import db
from ...files import content_disposition
from ...models import Contact, utcnow
from ...security import serves_files
from ...tenancy import get_scoped_or_404, manager_required
from ..export.archive import account_archive, contact_archive, read_chunks
from .blueprint import bp


@bp.post("/contacts/<int:contact_id>/export")
@serves_files
@manager_required
def export_contact(contact_id: int):
    contact = get_scoped_or_404(Contact, contact_id)
    archive, counts = contact_archive(contact)
    audit.record(contact.workspace_id, "contact.exported", contact, via="web", **counts)
    db.session.commit()
    return download(archive, f"kontakt-{contact.id}-{utcnow():%Y-%m-%d}.zip")


@bp.post("/account/export")
@serves_files
@login_required
def export_account():
    user = current_user._get_current_object()  # the audit names the object's type
    archive, counts = account_archive(user)
    audit.record(None, "account.exported", user, **counts)
    db.session.commit()
    return download(archive, f"meine-daten-{utcnow():%Y-%m-%d}.zip")


def download(archive: IO[bytes], filename: str) -> Response:
    size = archive.seek(0, 2)
    archive.seek(0)
    return Response(
        read_chunks(archive),
        mimetype="application/zip",
        direct_passthrough=True,
        headers={
            "Content-Disposition": content_disposition(filename, "export.zip"),
            "Content-Length": str(size),
            "Cache-Control": "no-store",
        },
    )
