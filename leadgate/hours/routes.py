"""Settings → Geschäftszeiten (per team, or a number's own) and Automatische Antworten.

Owners and admins only. A number's own hours replace its team's; the time zone
and the Bundesland whose holidays close the business are the workspace's, set
on any of these pages.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..extensions import db
from ..forms import form_status
from ..models import (
    BusinessClosure,
    BusinessHours,
    Channel,
    Team,
    Workspace,
    channels_of,
)
from ..tenancy import current_workspace_id, get_scoped_or_404, manager_required
from . import services
from .forms import AutoRepliesForm, ClosureForm, HoursForm, hours_form
from .texts import LANGUAGES, PLACEHOLDERS

bp = Blueprint("hours", __name__, url_prefix="/settings")


@bp.route("/teams/<int:team_id>/hours", methods=["GET", "POST"])
@manager_required
def team_hours(team_id: int):
    return edit_hours(get_scoped_or_404(Team, team_id))


@bp.route("/channels/<int:channel_id>/hours", methods=["GET", "POST"])
@manager_required
def number_hours(channel_id: int):
    return edit_hours(get_scoped_or_404(Channel, channel_id))


def edit_hours(owner: Team | Channel):
    workspace = db.session.get(Workspace, owner.workspace_id)
    assert workspace is not None
    row = services.hours_of(owner)
    form = hours_form(
        row.week if row else None,
        # A team starts with hours; a number follows its team until told otherwise.
        row.active if row else isinstance(owner, Team),
        workspace.holiday_region,
        workspace.time_zone,
    )
    if form.validate_on_submit():
        services.save_hours(owner, workspace, form)
        db.session.commit()
        flash(_("Die Geschäftszeiten wurden gespeichert."), "success")
        return redirect(hours_page(owner), 303)
    return render_hours(owner, form, ClosureForm(formdata=None), row)


def render_hours(
    owner: Team | Channel,
    form: HoursForm,
    closure_form: ClosureForm,
    row: BusinessHours | None,
):
    """The hours page; after a refused POST (either form) with its errors, 422."""
    team: Team | None = None
    numbers: list[Channel] = []
    if isinstance(owner, Team):
        team = owner
        numbers = [c for c in channels_of(owner.workspace_id) if c.team_id == owner.id]
    elif owner.team_id:
        team = db.session.get(Team, owner.team_id)
    page = render_template(
        "hours/edit.html",
        owner=owner,
        is_team=isinstance(owner, Team),
        team=team,
        numbers=numbers,
        form=form,
        closure_form=closure_form,
        row=row,
        closures=services.closures_of(row),
        day_names=services.day_names(),
    )
    return page, 422 if request.method == "POST" else 200


@bp.post("/hours/<int:hours_id>/closures")
@manager_required
def add_closure(hours_id: int):
    row = get_scoped_or_404(BusinessHours, hours_id)
    owner = services.owner_of(row)
    form = ClosureForm()
    if form.validate_on_submit():
        services.add_closure(row, form.days(), form.note.data or "")
        db.session.commit()
        flash(_("Die Schließzeit wurde eingetragen."), "success")
        return redirect(hours_page(owner, "closures"), 303)
    workspace = db.session.get(Workspace, row.workspace_id)
    assert workspace is not None
    hours = hours_form(
        row.week, row.active, workspace.holiday_region, workspace.time_zone, None
    )
    return render_hours(owner, hours, form, row)


@bp.post("/hours/closures/<int:closure_id>/delete")
@manager_required
def delete_closure(closure_id: int):
    closure = get_scoped_or_404(BusinessClosure, closure_id)
    owner = services.owner_of(get_scoped_or_404(BusinessHours, closure.hours_id))
    services.delete_closure(closure)
    db.session.commit()
    flash(_("Die Schließzeit wurde entfernt."), "success")
    return redirect(hours_page(owner, "closures"), 303)


@bp.route("/auto-replies", methods=["GET", "POST"])
@manager_required
def auto_replies():
    workspace_id = current_workspace_id()
    settings = services.settings_for(workspace_id)
    form = AutoRepliesForm(obj=settings)
    if form.validate_on_submit():
        services.save_settings(settings, form)
        db.session.commit()
        flash(_("Die automatischen Antworten wurden gespeichert."), "success")
        return redirect(url_for("hours.auto_replies"), 303)
    page = render_template(
        "hours/auto_replies.html",
        form=form,
        rows=services.overview(workspace_id),
        placeholders=PLACEHOLDERS,
        languages=LANGUAGES,
    )
    return page, form_status(form)


def hours_page(owner: Team | Channel, anchor: str | None = None) -> str:
    if isinstance(owner, Team):
        return url_for("hours.team_hours", team_id=owner.id, _anchor=anchor)
    return url_for("hours.number_hours", channel_id=owner.id, _anchor=anchor)
