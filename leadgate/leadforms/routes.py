"""Settings → Lead-Formulare: owners and admins create, edit and embed lead forms."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..extensions import db
from ..forms import form_status
from ..models import LeadForm, channels_of
from ..tenancy import (
    current_membership,
    delete_scoped,
    get_scoped_or_404,
    manager_required,
)
from .forms import LeadFormSettings, settings_form
from .services import (
    custom_fields,
    embed_snippet,
    forms_of,
    privacy_link,
    public_url,
    recent_submissions,
)

bp = Blueprint("leadforms", __name__, url_prefix="/settings/lead-forms")


@bp.get("")
@manager_required
def index():
    workspace = current_membership().workspace
    forms = forms_of(workspace.id)
    return render_template(
        "leadforms/index.html",
        forms=forms,
        urls={f.id: public_url(f) for f in forms},
        snippets={f.id: embed_snippet(f) for f in forms},
        privacy_url=privacy_link(workspace),
        has_channels=bool(channels_of(workspace.id)),
    )


def form_for(lead_form: LeadForm | None) -> LeadFormSettings:
    workspace = current_membership().workspace
    return settings_form(
        channels_of(workspace.id),
        custom_fields(workspace.id),
        privacy_link(workspace),
        lead_form,
    )


def edit_page(form: LeadFormSettings, lead_form: LeadForm | None):
    workspace = current_membership().workspace
    return render_template(
        "leadforms/edit.html",
        form=form,
        lead_form=lead_form,
        consent_text=workspace.effective_consent_text,
        privacy_url=privacy_link(workspace),
    ), form_status(form)


@bp.route("/new", methods=["GET", "POST"])
@manager_required
def create():
    form = form_for(None)
    if not form.channel_id.choices:  # leads need an inbox
        flash(_("Verbinden Sie zuerst eine WhatsApp-Nummer."), "error")
        return redirect(url_for("leadforms.index"), 303)
    if form.validate_on_submit():
        lead_form = LeadForm(workspace_id=current_membership().workspace_id)
        form.populate(lead_form)
        db.session.add(lead_form)
        db.session.commit()
        flash(_("Formular „%(name)s“ angelegt.", name=lead_form.name), "success")
        return redirect(url_for("leadforms.index"), 303)
    return edit_page(form, None)


@bp.route("/<int:form_id>", methods=["GET", "POST"])
@manager_required
def edit(form_id: int):
    lead_form = get_scoped_or_404(LeadForm, form_id)
    form = form_for(lead_form)
    if form.validate_on_submit():
        form.populate(lead_form)
        db.session.commit()
        flash(_("Formular „%(name)s“ gespeichert.", name=lead_form.name), "success")
        return redirect(url_for("leadforms.index"), 303)
    return edit_page(form, lead_form)


@bp.post("/<int:form_id>/delete")
@manager_required
def delete(form_id: int):
    """Its submissions go too (the consent records keep their own proof)."""
    done = _("Formular gelöscht.")
    return delete_scoped(LeadForm, form_id, done, "leadforms.index")


@bp.get("/<int:form_id>/submissions")
@manager_required
def submissions(form_id: int):
    lead_form = get_scoped_or_404(LeadForm, form_id)
    return render_template(
        "leadforms/submissions.html",
        lead_form=lead_form,
        rows=recent_submissions(lead_form.id),
    )
