"""The settings form of a lead form: name, address, number, fields, texts."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..forms import strip
from ..models import ContactField, LeadForm
from .services import SLUG_MAX, SLUG_PATTERN, slug_taken, unique_slug

SHOW_CHOICES = [
    SelectChoice("off", _l("Nicht anzeigen")),
    SelectChoice("optional", _l("Freiwillig")),
    SelectChoice("required", _l("Pflichtfeld")),
]
# What a new form asks for: the name (required), email and message (optional).
DEFAULT_FIELDS = [
    {"key": "name", "required": True},
    {"key": "email", "required": False},
    {"key": "message", "required": False},
]
BUILTIN_LABELS = {
    "name": _l("Name"),
    "email": _l("E-Mail-Adresse"),
    "message": _l("Nachricht"),
}


def lower(value):
    return value.strip().lower() if isinstance(value, str) else value


class LeadFormSettings(FlaskForm):
    name = StringField(
        _l("Name des Formulars"),
        validators=[DataRequired(_l("Bitte einen Namen angeben.")), Length(max=120)],
        filters=[strip],
    )
    slug = StringField(
        _l("Adresse"),
        description=_l(
            "Kleinbuchstaben, Ziffern und Bindestriche; leer lassen, um sie aus dem "
            "Namen zu bilden. Nach dem Einbetten nicht mehr ändern."
        ),
        validators=[
            Optional(),
            Length(max=SLUG_MAX),
            Regexp(SLUG_PATTERN, message=_l("Nur a–z, 0–9 und Bindestriche.")),
        ],
        filters=[lower],
    )
    headline = StringField(
        _l("Überschrift"),
        description=_l("Steht über dem Formular; leer: der Name des Formulars."),
        validators=[Length(max=200)],
        filters=[strip],
    )
    channel_id = SelectField(
        _l("WhatsApp-Nummer"),
        coerce=int,
        description=_l("In deren Posteingang erscheint der neue Lead."),
    )
    success_text = TextAreaField(
        _l("Text nach dem Absenden"),
        description=_l("Leer: „Vielen Dank für Ihre Anfrage! Wir melden uns bald.“"),
        validators=[Length(max=2000)],
        filters=[strip],
    )
    active = BooleanField(_l("Aktiv: unter der öffentlichen Adresse erreichbar"))

    # Set by settings_form(): the form being edited and the privacy notice.
    editing_id: int | None = None
    privacy_link: str | None = None

    def validate_slug(self, field) -> None:
        if field.data and slug_taken(field.data, self.editing_id):
            raise ValidationError(_("Diese Adresse ist schon vergeben."))

    def validate_active(self, field) -> None:
        if field.data and not self.privacy_link:
            raise ValidationError(
                _(
                    "Ohne Link zu Ihren Datenschutzhinweisen kann das Formular nicht "
                    "aktiviert werden. Tragen Sie ihn in den Kontakt-Einstellungen ein."
                )
            )

    @property
    def field_settings(self) -> list:
        """The "show_<key>" selects, in the order the public form shows them."""
        return [field for field in self if field.name.startswith("show_")]

    def configured_fields(self) -> list[dict]:
        """LeadForm.fields from the selects."""
        return [
            {
                "key": field.name.removeprefix("show_"),
                "required": field.data == "required",
            }
            for field in self.field_settings
            if field.data != "off"
        ]

    def populate(self, lead_form: LeadForm) -> None:
        """Copy the settings into the lead form; an empty slug keeps or makes one."""
        lead_form.name = self.name.data
        lead_form.slug = self.slug.data or lead_form.slug or unique_slug(self.name.data)
        lead_form.headline = self.headline.data or None
        lead_form.channel_id = self.channel_id.data
        lead_form.fields = self.configured_fields()
        lead_form.success_text = self.success_text.data or None
        lead_form.active = self.active.data


def settings_form(
    channels: list,
    custom: list[ContactField],
    privacy_link: str | None,
    lead_form: LeadForm | None = None,
) -> LeadFormSettings:
    """The settings form with one select per available field, filled from lead_form."""

    class Form(LeadFormSettings):
        pass

    configured = lead_form.fields if lead_form else DEFAULT_FIELDS
    current = {entry["key"]: entry for entry in configured}
    for key, label in [*BUILTIN_LABELS.items(), *((f.key, f.label) for f in custom)]:
        entry = current.get(key)
        shown = (
            "off" if entry is None else "required" if entry["required"] else "optional"
        )
        setattr(
            Form, f"show_{key}", SelectField(label, choices=SHOW_CHOICES, default=shown)
        )
    # A new form starts active when it can be: with a privacy notice to link to.
    form = Form(
        obj=lead_form, data=None if lead_form else {"active": bool(privacy_link)}
    )
    form.channel_id.choices = [SelectChoice(c.id, c.name) for c in channels]
    form.editing_id = lead_form.id if lead_form else None
    form.privacy_link = privacy_link
    return form
