"""The contact list as a CSV download (the rows are built in contacts/export.py)."""

from flask import Response, request, stream_with_context
from flask_babel import get_locale, get_timezone

from ... import audit
from ...extensions import db
from ...files import content_disposition
from ...security import serves_files
from ...tenancy import current_membership, manager_required
from ..export import TIME_FORMATS, Cells, csv_lines, header
from ..fields import fields_of
from ..listing import ContactFilters
from .blueprint import bp


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
    cells = Cells(
        get_timezone(), TIME_FORMATS.get(str(get_locale()), TIME_FORMATS["de"])
    )
    keys = [key for key, _ in fields]
    rows = csv_lines(workspace_id, filters, head, keys, cells)
    return Response(
        stream_with_context(rows),
        mimetype="text/csv",
        headers={
            "Content-Disposition": content_disposition("kontakte.csv", "kontakte.csv"),
            "Cache-Control": "no-store",
        },
    )
