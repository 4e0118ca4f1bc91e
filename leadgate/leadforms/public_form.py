"""The public form, built from a lead form's configuration, and what it read."""

from datetime import date

import phonenumbers
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    StringField,
    TelField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from ..forms import strip
from ..models import ContactField, Workspace
from ..phones import InvalidPhone, normalise
from .capture import Lead
from .services import BUILTIN_KEYS, ShownField


class PublicLeadForm(FlaskForm):
    class Meta:
        csrf = False  # replaced by the signed token: see tokens.py

    token = HiddenField()
    # Honeypot: hidden from people (CSS, aria-hidden, no tab stop), bots fill it in.
    website = StringField(_l("Website (bitte leer lassen)"))
    phone = TelField(
        _l("Mobilnummer (WhatsApp)"), render_kw={"autocomplete": "tel"}, filters=[strip]
    )
    consent = BooleanField()

    # Set by public_form().
    region: str = "DE"
    e164: str | None = None

    def shown_fields(self) -> list:
        """The bound fields people fill in: the name, the phone number, the rest."""
        rest = [
            f for f in self if f.name not in ("token", "website", "phone", "consent")
        ]
        names = [f for f in rest if f.name == "name"]
        return [*names, self.phone, *(f for f in rest if f.name != "name")]

    def validate_phone(self, field) -> None:
        try:
            self.e164 = normalise(field.data, self.region)
        except InvalidPhone as error:
            raise ValidationError(str(error)) from error


def public_form(workspace: Workspace, shown: list[ShownField]) -> PublicLeadForm:
    """The public form with the fields this lead form shows."""

    class Form(PublicLeadForm):
        pass

    for item in shown:
        setattr(Form, field_name(item.key), public_field(item))
    form = Form()
    form.region = workspace.phone_region or "DE"
    form.phone.description = phone_hint(form.region)
    form.phone.flags.required = True  # checked by validate_phone; marks the input
    form.consent.label.text = workspace.effective_consent_text
    return form


def field_name(key: str) -> str:
    """Custom fields get a prefix: their keys are the workspace's own words."""
    return key if key in BUILTIN_KEYS else f"custom_{key}"


def public_field(item: ShownField):
    presence = DataRequired(required_message(item.key)) if item.required else Optional()
    if item.key == "name":
        return StringField(
            _l("Name"),
            validators=[presence, Length(max=255)],
            filters=[strip],
            render_kw={"autocomplete": "name"},
        )
    if item.key == "email":
        return EmailField(
            _l("E-Mail-Adresse"),
            validators=[
                presence,
                Email(_l("Bitte geben Sie eine gültige E-Mail-Adresse an.")),
                Length(max=254),
            ],
            filters=[strip],
            render_kw={"autocomplete": "email"},
        )
    if item.key == "message":
        return TextAreaField(
            _l("Ihre Nachricht"),
            validators=[presence, Length(max=2000)],
            filters=[strip],
        )
    return custom_field(item.custom, presence)


def custom_field(custom: ContactField, presence):
    if custom.kind == "date":
        return DateField(
            custom.label,
            validators=[presence],
            invalid_value_message=_l("Bitte geben Sie ein Datum an."),
        )
    if custom.kind == "number":
        return StringField(
            custom.label,
            validators=[
                presence,
                Regexp(
                    r"^-?\d+(?:[.,]\d+)?$",
                    message=_l("Bitte geben Sie eine Zahl an."),
                ),
            ],
            filters=[strip],
            render_kw={"inputmode": "decimal"},
        )
    return StringField(
        custom.label, validators=[presence, Length(max=500)], filters=[strip]
    )


def required_message(key: str):
    return {
        "name": _l("Bitte geben Sie Ihren Namen an."),
        "email": _l("Bitte geben Sie Ihre E-Mail-Adresse an."),
        "message": _l("Bitte schreiben Sie uns eine Nachricht."),
    }.get(key, _l("Bitte füllen Sie dieses Feld aus."))


def phone_hint(region: str) -> str:
    """An example number of the region: how people may type it (no country code)."""
    example = phonenumbers.example_number_for_type(
        region, phonenumbers.PhoneNumberType.MOBILE
    )
    if example is None:
        return _("Mit Ländervorwahl, z. B. +49 …")
    national = phonenumbers.format_number(
        example, phonenumbers.PhoneNumberFormat.NATIONAL
    )
    return _("Zum Beispiel %(number)s oder mit Ländervorwahl.", number=national)


def read_lead(
    form: PublicLeadForm,
    shown: list[ShownField],
    consent_text: str,
    page_url: str | None,
) -> Lead:
    """A validated public form as a Lead: values by field key, dates as ISO text."""
    values, labels = {}, {}
    for item in shown:
        data = form[field_name(item.key)].data
        value = data.isoformat() if isinstance(data, date) else (data or "").strip()
        if value:
            values[item.key] = value
            if item.custom is not None:
                labels[item.key] = item.custom.label
    return Lead(
        e164=form.e164,
        values=values,
        labels=labels,
        typed={"phone": form.phone.data, "phone_e164": form.e164, **values},
        consent=bool(form.consent.data),
        consent_text=consent_text,
        page_url=page_url,
    )
