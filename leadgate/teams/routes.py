"""Settings → Teams: owners and admins make teams, and say who is in them and
which numbers they work (services.py: what follows a number)."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..forms import form_status
from ..models import Team, channels_of, members_of
from ..routing import triggers
from ..tenancy import current_workspace_id, get_scoped_or_404, manager_required
from . import services
from .forms import assignment_form, new_team_form, settings_form

bp = Blueprint("teams", __name__, url_prefix="/settings/teams")


@bp.route("", methods=["GET", "POST"])
@manager_required
def index():
    workspace_id = current_workspace_id()
    form = new_team_form(workspace_id)
    if form.validate_on_submit():
        team = services.create_team(workspace_id, form.settings(), current_user)
        db.session.commit()
        flash(_("Team „%(name)s“ angelegt.", name=team.name), "success")
        return redirect(url_for("teams.show", team_id=team.id), 303)
    page = render_template(
        "teams/index.html",
        form=form,
        rows=services.overview(workspace_id),
    )
    return page, form_status(form)


@bp.route("/<int:team_id>", methods=["GET", "POST"])
@manager_required
def show(team_id: int):
    team = get_scoped_or_404(Team, team_id)
    people = members_of(team.workspace_id)
    channels = channels_of(team.workspace_id)
    form = settings_form(team, people, channels, services.member_ids(team))
    if form.validate_on_submit():
        members, numbers = form.chosen()
        services.rename_team(team, form.settings(), current_user)
        services.set_visibility(team, form.visibility.data, current_user)
        services.set_members(team, members, current_user)
        services.set_numbers(team, numbers, current_user)
        db.session.commit()
        # New members may take waiting conversations, new numbers bring some.
        triggers.after_team_settings(team.id)
        flash(_("Team „%(name)s“ gespeichert.", name=team.name), "success")
        return redirect(url_for("teams.show", team_id=team.id), 303)
    loads = services.member_loads(team)
    assignment = assignment_form_of(team, loads, posted=False)
    page = show_page(team, people, channels, form, assignment, loads)
    return page, form_status(form)


@bp.post("/<int:team_id>/assignment")
@manager_required
def assignment(team_id: int):
    """Automatic assignment: mode, capacity (the team's, a member's), sticky."""
    team = get_scoped_or_404(Team, team_id)
    loads = services.member_loads(team)
    form = assignment_form_of(team, loads)
    if form.validate_on_submit():
        services.set_assignment(team, form.settings(), current_user)
        db.session.commit()
        triggers.after_team_settings(team.id)  # switched on or more room: the backlog
        flash(_("Zuweisung für „%(name)s“ gespeichert.", name=team.name), "success")
        return redirect(
            url_for("teams.show", team_id=team.id, _anchor="assignment"), 303
        )
    people = members_of(team.workspace_id)
    channels = channels_of(team.workspace_id)
    member_ids = services.member_ids(team)
    settings = settings_form(team, people, channels, member_ids, posted=False)
    return show_page(team, people, channels, settings, form, loads), 422


def assignment_form_of(team: Team, loads: list[services.MemberLoad], posted=True):
    capacities = {load.user.id: load.member.capacity for load in loads}
    return assignment_form(team, list(capacities), capacities, posted)


def show_page(team, people, channels, form, assignment, loads) -> str:
    return render_template(
        "teams/show.html",
        team=team,
        form=form,
        assignment=assignment,
        loads={load.user.id: load for load in loads},
        people={person.id: person for person in people},
        channels={channel.id: channel for channel in channels},
        team_names={t.id: t.name for t in services.teams_of(team.workspace_id)},
    )


@bp.post("/<int:team_id>/delete")
@manager_required
def delete(team_id: int):
    """Its numbers and conversations stay, without a team."""
    team = get_scoped_or_404(Team, team_id)
    name = team.name
    services.delete_team(team, current_user)
    db.session.commit()
    flash(_("Team „%(name)s“ gelöscht.", name=name), "success")
    return redirect(url_for("teams.index"), 303)
