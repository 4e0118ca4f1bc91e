"""Erasing a contact, deleting one's account or workspace, handing over ownership."""

from flask import flash, g, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from sqlalchemy import select

from ... import live
from ...account.routes import validate_with_password
from ...auth import services as auth_services
from ...extensions import db, limiter
from ...forms import form_status
from ...models import Contact, Conversation, Membership, Role
from ...tenancy import (
    current_membership,
    get_scoped_or_404,
    manager_required,
    switch_workspace,
    workspace_required,
)
from .. import accounts, erasure
from ..files import enqueue_file_deletion
from ..forms import (
    DeleteAccountForm,
    DeleteWorkspaceForm,
    EraseContactForm,
    TransferForm,
)
from .blueprint import bp

owner_required = workspace_required((Role.OWNER,))
PASSWORD_LIMIT = "10 per hour"  # each of these checks the password


@bp.post("/contacts/<int:contact_id>/erase")
@manager_required
def erase_contact(contact_id: int):
    contact = get_scoped_or_404(Contact, contact_id)
    form = EraseContactForm()
    if not form.validate_on_submit():
        page = render_template(
            "privacy/contact_erase.html", contact=contact, erase_form=form
        )
        return page, 422
    workspace_id = contact.workspace_id
    conversation_ids = db.session.scalars(
        select(Conversation.id).where(Conversation.contact_id == contact.id)
    ).all()
    hashes = erasure.erase_contact(contact, current_user._get_current_object())
    db.session.commit()
    enqueue_file_deletion(hashes)
    live.publish_conversations((workspace_id, c) for c in conversation_ids)
    flash(_("Der Kontakt und alle seine Daten wurden gelöscht."), "success")
    return redirect(url_for("contacts.index"))


def render_account_delete(form: DeleteAccountForm, status: int = 200):
    owned = accounts.sole_owned_workspaces(current_user)
    page = render_template("privacy/account_delete.html", form=form, owned=owned)
    return page, status


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@limiter.limit(PASSWORD_LIMIT, methods=["POST"])
def delete_account():
    form = DeleteAccountForm()
    if not validate_with_password(form):
        return render_account_delete(form, form_status(form))
    user = current_user._get_current_object()
    try:
        accounts.delete_account(user)
    except accounts.AccountRuleError as error:
        db.session.rollback()
        flash(str(error), "error")
        return render_account_delete(form, 422)
    # Kept like every access-log entry, for abuse prevention (README).
    auth_services.record_access("account_deleted", user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Ihr Konto wurde gelöscht."), "success")
    return redirect(url_for("public.index"))


@bp.post("/account/delete/workspaces/<int:workspace_id>")
@login_required
def open_owned_workspace(workspace_id: int):
    """From the account deletion page to a workspace's danger zone."""
    switch_workspace(workspace_id)
    return redirect(url_for("workspaces.settings", _anchor="danger-zone"))


def transfer_form(membership: Membership) -> TransferForm:
    form = TransferForm()
    form.member.choices = [
        (m.id, f"{m.user.name} ({m.user.email})")
        for m in sorted(membership.workspace.memberships, key=lambda m: m.user.name)
        if m.id != membership.id
    ]
    return form


@bp.route("/settings/workspace/transfer", methods=["GET", "POST"])
@owner_required
@limiter.limit(PASSWORD_LIMIT, methods=["POST"])
def transfer_ownership():
    membership = current_membership()
    form = transfer_form(membership)
    if form.is_submitted() and form.member.raw_data:
        # Another workspace's member is a 404, like everywhere else.
        get_scoped_or_404(Membership, _int(form.member.raw_data[0]))
    if not validate_with_password(form):
        page = render_template("privacy/workspace_transfer.html", form=form)
        return page, form_status(form)
    target = db.session.get(Membership, form.member.data)
    accounts.transfer_ownership(membership, target)
    db.session.commit()
    flash(
        _("%(name)s ist jetzt Inhaber. Sie sind Administrator.", name=target.user.name),
        "success",
    )
    return redirect(url_for("workspaces.settings"))


def _int(value: str) -> int:
    return int(value) if value.isdigit() else 0


@bp.route("/settings/workspace/delete", methods=["GET", "POST"])
@owner_required
@limiter.limit(PASSWORD_LIMIT, methods=["POST"])
def delete_workspace():
    workspace = current_membership().workspace
    form = DeleteWorkspaceForm()
    form.name.description = _("Geben Sie „%(name)s“ ein.", name=workspace.name)
    valid = validate_with_password(form)
    if valid and not form.names(workspace.name):
        form.name.errors.append(
            _("Der Name stimmt nicht überein (auch Groß- und Kleinschreibung).")
        )
        valid = False
    if not valid:
        page = render_template("privacy/workspace_delete.html", form=form)
        return page, form_status(form)
    name = workspace.name
    deleted = accounts.delete_workspace(workspace, current_user._get_current_object())
    db.session.commit()
    accounts.after(deleted)
    session.pop("workspace_id", None)
    g.pop("membership", None)
    flash(_("Der Workspace „%(name)s“ wurde gelöscht.", name=name), "success")
    return redirect(url_for("inbox.index"))
