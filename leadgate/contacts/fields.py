"""Contact settings: the workspace's custom fields, its phone region and consent wording.

Custom fields (Branche, Stelle, Budget …) are the workspace's own attributes of
its contacts; their values live in Contact.attributes under the field's key, so
adding a field needs no schema change and removing one keeps nothing hidden.
"""

import re

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select, update
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..extensions import db
from ..forms import form_status
from ..models import Contact, ContactField
from ..models.contacts import FIELD_KINDS
from ..tenancy import current_membership, get_scoped_or_404, manager_required
from ..workspaces.forms import ContactSettingsForm

bp = Blueprint("contact_fields", __name__, url_prefix="/settings/contacts")

KIND_LABELS = {"text": _l("Text"), "number": _l("Zahl"), "date": _l("Datum")}
NOT_KEY_CHARACTERS = re.compile(r"[^a-z0-9]+")
# Targets the import and the list already use for the contact's own columns.
RESERVED_KEYS = {"name", "phone", "email", "labels", "consent"}


class FieldForm(FlaskForm):
    label = StringField(
        _l("Name des Feldes"),
        validators=[DataRequired(_l("Bitte einen Namen angeben.")), Length(max=80)],
    )
    kind = SelectField(
        _l("Art"),
        choices=[SelectChoice(kind, KIND_LABELS[kind]) for kind in FIELD_KINDS],
    )


def key_for(label: str) -> str:
    """A stable key from the label: lowercase ASCII, for imports and exports."""
    umlauts = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
    key = NOT_KEY_CHARACTERS.sub("_", label.lower().translate(umlauts)).strip("_")
    return key[:40] or "feld"


def fields_of(workspace_id: int) -> list[ContactField]:
    return db.session.scalars(
        select(ContactField)
        .where(ContactField.workspace_id == workspace_id)
        .order_by(ContactField.label)
    ).all()


@bp.route("", methods=["GET", "POST"])
@manager_required
def index():
    workspace = current_membership().workspace
    settings = ContactSettingsForm(obj=workspace, prefix="settings")
    if settings.validate_on_submit():
        workspace.phone_region = settings.phone_region.data
        workspace.consent_text = (settings.consent_text.data or "").strip() or None
        workspace.privacy_url = (settings.privacy_url.data or "").strip() or None
        db.session.commit()
        flash(_("Die Einstellungen wurden gespeichert."), "success")
        return redirect(url_for("contact_fields.index"), 303)
    return render_page(settings, FieldForm(prefix="field"))


@bp.post("/fields")
@manager_required
def add_field():
    workspace_id = current_membership().workspace_id
    form = FieldForm(prefix="field")
    if form.validate_on_submit():
        key = key_for(form.label.data.strip())
        taken = key in RESERVED_KEYS or db.session.scalar(
            select(ContactField.id).where(
                ContactField.workspace_id == workspace_id, ContactField.key == key
            )
        )
        if not taken:
            db.session.add(
                ContactField(
                    workspace_id=workspace_id,
                    key=key,
                    label=form.label.data.strip(),
                    kind=form.kind.data,
                )
            )
            db.session.commit()
            flash(_("Feld angelegt."), "success")
            return redirect(url_for("contact_fields.index"), 303)
        form.label.errors.append(_("Ein Feld mit diesem Namen gibt es schon."))
    settings = ContactSettingsForm(
        obj=current_membership().workspace, prefix="settings"
    )
    return render_page(settings, form)


@bp.post("/fields/<int:field_id>/delete")
@manager_required
def delete_field(field_id: int):
    """Its values go too: nothing the team can no longer see is kept."""
    field = get_scoped_or_404(ContactField, field_id)
    drop_attribute(field.workspace_id, field.key)
    db.session.delete(field)
    db.session.commit()
    flash(_("Feld gelöscht."), "success")
    return redirect(url_for("contact_fields.index"), 303)


def drop_attribute(workspace_id: int, key: str) -> None:
    """Remove one key from every contact's attributes, in the database."""
    if db.engine.dialect.name == "postgresql":
        remaining = Contact.attributes.op("-")(key)
        has_key = Contact.attributes.op("?")(key)
    else:
        remaining = func.json_remove(Contact.attributes, f'$."{key}"')
        has_key = func.json_type(Contact.attributes, f'$."{key}"').is_not(None)
    db.session.execute(
        update(Contact)
        .where(Contact.workspace_id == workspace_id, has_key)
        .values(attributes=remaining)
    )


def render_page(settings: ContactSettingsForm, field_form: FieldForm):
    page = render_template(
        "contacts/settings.html",
        settings=settings,
        field_form=field_form,
        fields=fields_of(current_membership().workspace_id),
        kind_labels=KIND_LABELS,
    )
    return page, max(form_status(settings), form_status(field_form))
