"""Segments (Zielgruppen): save the contact list's filters, list them with counts, delete.

Every member may save and use segments; a segment is deleted by whoever saved
it or by an owner or admin.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...forms import form_status
from ...htmx import is_fragment_request
from ...models import Segment
from ...tenancy import current_membership, get_scoped_or_404, workspace_required
from .. import segments
from ..forms import SegmentForm
from ..listing import ContactFilters, match_count
from .blueprint import bp


@bp.get("/segments")
@workspace_required()
def segment_list():
    workspace_id = current_membership().workspace_id
    rows = []
    for segment in segments.segments_of(workspace_id):
        filters = segments.filters_of(segment)
        rows.append(
            {
                "segment": segment,
                "filters": filters,
                "count": match_count(workspace_id, filters),
                "described": segments.describe(workspace_id, filters),
            }
        )
    return render_template("contacts/segments.html", rows=rows)


@bp.post("/segments")
@workspace_required()
def save_segment():
    """Save the posted filters (hidden fields of the list) under the typed name."""
    workspace_id = current_membership().workspace_id
    filters = ContactFilters.from_args(request.form)
    if not segments.ids_are_ours(workspace_id, filters):
        abort(422, description=_("Keine gültige Auswahl."))
    form = SegmentForm()
    saved = None
    if form.validate_on_submit():
        name = form.segment_name.data
        if not segments.name_taken(workspace_id, name):
            saved = segments.save(workspace_id, current_user.id, name, filters)
            try:
                db.session.commit()
            except IntegrityError:  # the same name saved at the same moment
                db.session.rollback()
                saved = None
        if saved is None:
            form.segment_name.errors.append(
                _("Eine Zielgruppe mit diesem Namen gibt es schon.")
            )
    if not is_fragment_request():  # without JavaScript: back to a full page
        if saved is None:
            flash(" ".join(form.segment_name.errors), "error")
            return redirect(url_for("contacts.index", **filters.args()), 303)
        flash(_("Zielgruppe „%(name)s“ gespeichert.", name=saved.name), "success")
        return redirect(url_for("contacts.segment_list"), 303)
    status = 200 if saved is not None else form_status(form)
    return render_template(
        "contacts/_save_segment.html",
        segment_form=SegmentForm(formdata=None) if saved else form,
        filters=filters,
        saved=saved,
    ), status


@bp.post("/segments/<int:segment_id>/delete")
@workspace_required()
def delete_segment(segment_id: int):
    segment = get_scoped_or_404(Segment, segment_id)
    membership = current_membership()
    manager = membership is not None and membership.role in ("owner", "admin")
    if not manager and segment.created_by_id != current_user.id:
        abort(403)
    db.session.delete(segment)
    db.session.commit()
    flash(_("Zielgruppe „%(name)s“ gelöscht.", name=segment.name), "success")
    return redirect(url_for("contacts.segment_list"), 303)
