"""Workspace settings and team: members, roles, invites, switching workspaces."""

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import audit
from ..auth import registration
from ..auth import services as auth_services
from ..auth import two_factor as auth_two_factor
from ..auth.forms import RegisterForm
from ..auth.routes import per_account, sign_up_mailed
from ..consent.keywords import keywords
from ..errors import valid_form
from ..extensions import db, limiter
from ..forms import form_status
from ..htmx import render_page_or_fragment, trigger
from ..mail import delivery, mail_invite
from ..models import Invite, Membership, Role, utcnow
from ..tenancy import (
    current_membership,
    get_scoped_or_404,
    manager_required,
    switch_workspace,
    workspace_required,
)
from ..urls import external_url
from . import services
from .forms import (
    InviteForm,
    RoleForm,
    SwitchForm,
    TwoFactorPolicyForm,
    WorkspaceForm,
    role_choices,
)

bp = Blueprint("workspaces", __name__)


@bp.app_context_processor
def inject_membership():
    return {"current_membership": current_membership}


def invite_form() -> InviteForm:
    form = InviteForm()
    form.role.choices = role_choices(services.allowed_roles(current_membership()))
    return form


def render_team(status: int = 200, form: InviteForm | None = None, invite_url=None):
    membership = current_membership()
    members = db.session.scalars(
        select(Membership)
        .where(Membership.workspace_id == membership.workspace_id)
        .order_by(Membership.created_at, Membership.id)
    ).all()
    invites = [
        invite
        for invite in db.session.scalars(
            select(Invite)
            .where(Invite.workspace_id == membership.workspace_id)
            .order_by(Invite.created_at.desc())
        )
        if invite.is_open
    ]
    page = render_page_or_fragment(
        "workspaces/members.html",
        "workspaces/_team.html",
        members=members,
        invites=invites,
        form=form or invite_form(),
        role_choices=role_choices(services.allowed_roles(membership)),
        invite_url=invite_url,
        mail_delivery=delivery(),
    )
    return page, status


@bp.get("/settings/members")
@manager_required
def members():
    return render_team()


@bp.post("/settings/members/invite")
@manager_required
@limiter.limit("30 per hour")
def invite():
    form = invite_form()
    if not form.validate_on_submit():
        return render_team(422, form=form)
    workspace = current_membership().workspace
    token = services.create_invite(
        workspace, form.email.data, form.role.data, current_user
    )
    db.session.commit()
    mail_invite(services.find_open_invite(token), token)
    url = external_url("workspaces.accept_invite", token=token)
    return render_team(invite_url=url)


@bp.post("/settings/invites/<int:invite_id>/revoke")
@manager_required
def revoke_invite(invite_id: int):
    invite = get_scoped_or_404(Invite, invite_id)
    if invite.revoked_at is None:
        invite.revoked_at = utcnow()
        audit.record(invite.workspace_id, "member.invite_revoked", invite)
    db.session.commit()
    return render_team()


@bp.post("/settings/members/<int:membership_id>/role")
@manager_required
def change_role(membership_id: int):
    target = get_scoped_or_404(Membership, membership_id)
    form = RoleForm()
    form.role.choices = role_choices(services.allowed_roles(current_membership()))
    try:
        if not form.validate_on_submit():
            raise services.TeamRuleError(_("Diese Rolle können Sie nicht vergeben."))
        services.change_role(current_membership(), target, form.role.data)
    except services.TeamRuleError as error:
        db.session.rollback()
        flash(str(error), "error")
        return render_team(422)
    db.session.commit()
    flash(_("Die Rolle von %(name)s wurde geändert.", name=target.user.name), "success")
    return trigger(render_team(), "member-changed")


@bp.post("/settings/members/<int:membership_id>/remove")
@manager_required
def remove_member(membership_id: int):
    target = get_scoped_or_404(Membership, membership_id)
    name = target.user.name
    try:
        services.remove_member(current_membership(), target)
    except services.TeamRuleError as error:
        db.session.rollback()
        flash(str(error), "error")
        return render_team(422)
    db.session.commit()
    flash(_("%(name)s wurde aus dem Workspace entfernt.", name=name), "success")
    if target.user_id == current_user.id:
        return leave_to(url_for("inbox.index"))
    return trigger(render_team(), "member-changed")


def leave_to(url: str):
    """After leaving the workspace: the whole page goes (htmx follows HX-Redirect).

    A plain redirect would be followed inside the XHR and its page swapped into #team.
    """
    if request.htmx:
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)


@bp.route("/settings/workspace", methods=["GET", "POST"])
@manager_required
def settings():
    workspace = current_membership().workspace
    form = WorkspaceForm(obj=workspace)
    if form.validate_on_submit():
        workspace.name = form.name.data.strip()
        workspace.send_read_receipts = form.send_read_receipts.data
        workspace.opt_out_keywords = ", ".join(
            sorted(keywords(form.opt_out_keywords.data))
        )
        workspace.opt_in_keywords = ", ".join(
            sorted(keywords(form.opt_in_keywords.data))
        )
        workspace.opt_out_reply = (form.opt_out_reply.data or "").strip() or None
        db.session.commit()
        flash(_("Die Einstellungen wurden gespeichert."), "success")
        return redirect(url_for("workspaces.settings"))
    return render_template("workspaces/settings.html", form=form), form_status(form)


@bp.route("/settings/workspace/two-factor", methods=["GET", "POST"])
@workspace_required((Role.OWNER,))
def two_factor():
    """Owners require (or stop requiring) two-factor login of every member."""
    workspace = current_membership().workspace
    form = TwoFactorPolicyForm()
    if form.validate_on_submit():
        required = form.required.data == "on"
        if required and not auth_two_factor.is_enabled(current_user):
            flash(
                _("Richten Sie zuerst Ihre eigene Zwei-Faktor-Anmeldung ein."), "error"
            )
            return redirect(url_for("two_factor.setup"))
        services.require_two_factor(workspace, required)
        db.session.commit()
        flash(_("Die Einstellung wurde gespeichert."), "success")
        return redirect(url_for("workspaces.settings", _anchor="two-factor"))
    missing = services.members_without_two_factor(workspace.id)
    page = render_template("workspaces/two_factor.html", form=form, missing=missing)
    return page, form_status(form)


@bp.route("/workspaces/new", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def create():
    """Start another workspace (also the way back for someone without one)."""
    form = WorkspaceForm()
    if form.validate_on_submit():
        workspace = auth_services.create_workspace(current_user, form.name.data)
        db.session.commit()
        session["workspace_id"] = workspace.id
        flash(_("Ihr neuer Workspace ist bereit."), "success")
        return redirect(url_for("inbox.index"))
    page = render_template("workspaces/new.html", form=form)
    return page, form_status(form)


@bp.post("/workspaces/switch")
@workspace_required()
def switch():
    form = valid_form(SwitchForm)
    switch_workspace(form.workspace_id.data)
    return redirect(url_for("inbox.index"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
@per_account("3 per hour", "invite-register-account", deduct_when=sign_up_mailed)
def accept_invite(token: str):
    invite = services.find_open_invite(token)
    if invite is None:
        return render_template("workspaces/invite_invalid.html"), 404
    if current_user.is_authenticated:
        if request.method == "POST":
            return join(invite, current_user._get_current_object())
        return render_template("workspaces/invite.html", invite=invite, form=None)
    form = RegisterForm(
        data={"email": invite.email} if request.method == "GET" else None
    )
    del form.workspace_name
    if form.validate_on_submit():
        # As /register: the same answer for a known address, whose holder is
        # mailed how to log in and accept (auth/registration.py).
        registration.request_sign_up(
            form.name.data, form.email.data, form.password.data, invite_token=token
        )
        return redirect(url_for("auth.registration_sent"))
    page = render_template("workspaces/invite.html", invite=invite, form=form)
    return page, form_status(form)


def join(invite: Invite, user):
    membership = services.accept_invite(invite, user)
    db.session.commit()
    session["workspace_id"] = membership.workspace_id
    flash(_("Willkommen im Workspace %(name)s.", name=invite.workspace.name), "success")
    return redirect(url_for("inbox.index"))
