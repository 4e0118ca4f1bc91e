"""Canned responses: the workspace's prepared answers, typed as / plus a shortcut.

Owners and admins keep the list under Settings; every agent finds them in the
composer (`/inbox/canned?q=…` answers the composer's lookup with a list fragment).
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from ...extensions import db
from ...models import CannedResponse
from ...tenancy import (
    current_membership,
    delete_scoped,
    manager_required,
    workspace_required,
)
from .blueprint import bp as inbox_bp

bp = Blueprint("canned", __name__, url_prefix="/settings/canned-responses")
SUGGESTIONS = 8


class CannedResponseForm(FlaskForm):
    shortcut = StringField(
        _l("Kürzel"),
        description=_l(
            "Buchstaben, Ziffern, - und _; im Eingabefeld: / und das Kürzel"
        ),
        validators=[
            DataRequired(_l("Bitte ein Kürzel angeben.")),
            Length(max=40),
            Regexp(r"^[\w-]+$", message=_l("Nur Buchstaben, Ziffern, - und _.")),
        ],
    )
    text = TextAreaField(
        _l("Text"),
        validators=[DataRequired(_l("Bitte einen Text angeben.")), Length(max=4096)],
    )


def workspace_responses():
    return db.session.scalars(
        select(CannedResponse)
        .where(CannedResponse.workspace_id == current_membership().workspace_id)
        .order_by(CannedResponse.shortcut)
    ).all()


@bp.route("", methods=["GET", "POST"])
@manager_required
def index():
    form = CannedResponseForm()
    if form.validate_on_submit():
        shortcut = form.shortcut.data.strip().lower()
        taken = db.session.scalar(
            select(CannedResponse.id).where(
                CannedResponse.workspace_id == current_membership().workspace_id,
                CannedResponse.shortcut == shortcut,
            )
        )
        if taken:
            form.shortcut.errors.append(_("Dieses Kürzel gibt es schon."))
        else:
            db.session.add(
                CannedResponse(
                    workspace_id=current_membership().workspace_id,
                    shortcut=shortcut,
                    text=form.text.data.strip(),
                )
            )
            db.session.commit()
            flash(_("Textbaustein gespeichert."), "success")
            return redirect(url_for("canned.index"), 303)
    return render_template(
        "inbox/canned.html", form=form, responses=workspace_responses()
    )


@bp.post("/<int:response_id>/delete")
@manager_required
def delete(response_id: int):
    done = _("Textbaustein gelöscht.")
    return delete_scoped(CannedResponse, response_id, done, "canned.index")


@inbox_bp.get("/canned")
@workspace_required()
def lookup():
    """The composer's suggestions for "/…", best matches first (an htmx fragment)."""
    query = request.args.get("q", "").strip().lower()[:40]
    rows = db.session.scalars(
        select(CannedResponse)
        .where(
            CannedResponse.workspace_id == current_membership().workspace_id,
            CannedResponse.shortcut.startswith(query, autoescape=True),
        )
        .order_by(CannedResponse.shortcut)
        .limit(SUGGESTIONS)
    ).all()
    return render_template("inbox/_canned_suggestions.html", responses=rows)
