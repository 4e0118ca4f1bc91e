"""The agent's own status, set in the shell header (templates/routing/_status.html).

A POST of one of three buttons. htmx swaps the control in place and keeps its
copy in the other place (top bar or navigation) in step; without JavaScript
the form posts and comes back to the page it was sent from.
"""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from ..errors import valid_form
from ..extensions import db
from ..htmx import is_fragment_request
from ..navigation import safe_next
from ..tenancy import current_membership, workspace_required
from . import triggers
from .forms import PLACES, StatusForm

bp = Blueprint("routing", __name__)


@bp.post("/status")
@workspace_required()
def set_status():
    form = valid_form(StatusForm)
    membership = current_membership()
    assert membership is not None  # workspace_required
    changed = membership.set_status(form.status.data)
    db.session.commit()
    if changed:
        triggers.after_status(
            membership.workspace_id, current_user.id, membership.status
        )
    if not is_fragment_request():
        return redirect(safe_next(form.next.data, url_for("inbox.index")), 303)
    return render_template(
        "routing/_status_swap.html",
        membership=membership,
        place=form.place.data,
        others=[place for place in PLACES if place != form.place.data],
    )
