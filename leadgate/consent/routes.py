"""Objections on the contact page: any member records one; owners and admins take
back one recorded by mistake, also on a page of its own.

The contact page shows the same form; an invalid one (no reason) comes back
here with status 422. The blueprint has no prefix: the page sits under the
contact it belongs to.
"""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import live
from ..extensions import db
from ..forms import form_status
from ..inbox.team import conversations_of
from ..models import Contact
from ..navigation import safe_next
from ..tenancy import get_scoped_or_404, manager_required, workspace_required
from . import ledger, objection
from .forms import WithdrawObjectionForm

bp = Blueprint("consent", __name__)
# The contact page marks the records a take-back voided.
bp.add_app_template_global(ledger.voided_in, "voided_consent_ids")


@bp.post("/contacts/<int:contact_id>/objection")
@workspace_required()
def record_objection(contact_id: int):
    """The person objects (asked first in a dialog naming the consequence)."""
    contact = get_scoped_or_404(Contact, contact_id)
    back = url_for("contacts.show", contact_id=contact.id) + "#privacy"
    if objection.record(contact, current_user):
        changed = [(c.workspace_id, c.id) for c in conversations_of(contact)]
        db.session.commit()
        live.publish_conversations(changed)
        flash(
            _("Der Widerspruch ist erfasst: keine Nachrichten mehr an diesen Kontakt."),
            "success",
        )
    return redirect(back, 303)


@bp.route("/contacts/<int:contact_id>/objection/withdraw", methods=["GET", "POST"])
@manager_required
def withdraw_objection(contact_id: int):
    contact = get_scoped_or_404(Contact, contact_id)
    back = url_for("contacts.show", contact_id=contact.id) + "#consent"
    if contact.opted_out_at is None:
        flash(_("Für diesen Kontakt ist kein Widerspruch erfasst."), "info")
        return redirect(back, 303)
    form = WithdrawObjectionForm()
    if not form.validate_on_submit():
        page = render_template(
            "consent/objection_withdraw.html", contact=contact, withdraw_form=form
        )
        return page, form_status(form)
    if not objection.withdraw(contact, current_user, form.reason.data):
        flash(_("Für diesen Kontakt ist kein Widerspruch erfasst."), "info")
        return redirect(back, 303)
    changed = [(c.workspace_id, c.id) for c in conversations_of(contact)]
    db.session.commit()
    live.publish_conversations(changed)
    flash(
        _("Der Widerspruch ist zurückgenommen und im Nachweis festgehalten."), "success"
    )
    return redirect(safe_next(form.next.data, back), 303)
