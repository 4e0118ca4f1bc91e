"""Labels: the workspace's tags for conversations (Bewerbung, Angebot, VIP …).

Owners and admins keep the list; every agent adds and removes them on a
conversation (routes/team.py) and filters the list by them.
"""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ...extensions import db
from ...models import Label
from ...tenancy import current_membership, delete_scoped, manager_required

bp = Blueprint("labels", __name__, url_prefix="/settings/labels")


class LabelForm(FlaskForm):
    name = StringField(
        _l("Name des Labels"),
        validators=[DataRequired(_l("Bitte einen Namen angeben.")), Length(max=40)],
    )


@bp.route("", methods=["GET", "POST"])
@manager_required
def index():
    workspace_id = current_membership().workspace_id
    form = LabelForm()
    if form.validate_on_submit():
        name = form.name.data.strip()
        taken = db.session.scalar(
            select(Label.id).where(
                Label.workspace_id == workspace_id, Label.name == name
            )
        )
        if taken:
            form.name.errors.append(_("Dieses Label gibt es schon."))
        else:
            db.session.add(Label(workspace_id=workspace_id, name=name))
            db.session.commit()
            flash(_("Label angelegt."), "success")
            return redirect(url_for("labels.index"), 303)
    labels = db.session.scalars(
        select(Label).where(Label.workspace_id == workspace_id).order_by(Label.name)
    ).all()
    return render_template("inbox/labels.html", form=form, labels=labels)


@bp.post("/<int:label_id>/delete")
@manager_required
def delete(label_id: int):
    """Removes the label from every conversation too (the timeline keeps its events)."""
    return delete_scoped(Label, label_id, _("Label gelöscht."), "labels.index")
