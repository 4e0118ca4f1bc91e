"""A team's first-response target, set on its settings page (owners and admins)."""

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from .. import audit
from ..extensions import db
from ..models import Team
from ..tenancy import get_scoped_or_404, manager_required

bp = Blueprint("sla", __name__, url_prefix="/settings/teams")

MAX_MINUTES = 7 * 24 * 60  # a week of business hours


class TargetForm(FlaskForm):
    minutes = IntegerField(
        _l("Erste Antwort innerhalb von (Minuten in Geschäftszeiten)"),
        validators=[
            Optional(),
            NumberRange(
                min=1,
                max=MAX_MINUTES,
                message=_l(
                    "Bitte eine Zahl von 1 bis %(max)s angeben.", max=MAX_MINUTES
                ),
            ),
        ],
    )


@bp.post("/<int:team_id>/response-target")
@manager_required
def set_target(team_id: int):
    """Empty: no target. A change holds for waits that start from now on."""
    team = get_scoped_or_404(Team, team_id)
    form = TargetForm()
    if not form.validate_on_submit():
        for error in form.minutes.errors:
            flash(str(error), "error")
        return redirect(
            url_for("teams.show", team_id=team.id) + "#response-target", 303
        )
    minutes = form.minutes.data
    if minutes != team.first_response_minutes:
        team.first_response_minutes = minutes
        audit.record(
            team.workspace_id,
            "team.response_target_changed",
            team,
            actor=current_user,
            minutes=minutes or 0,
        )
        db.session.commit()
    flash(_("Reaktionszeit gespeichert."), "success")
    return redirect(url_for("teams.show", team_id=team.id) + "#response-target", 303)
