"""Forms of the contact pages: the contact (with the workspace's own fields), consent, segments."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ..forms import CheckboxList, strip
from ..models import ContactField, Label
from ..phones import InvalidPhone, normalise
from .values import custom_value

ATTRIBUTE_PREFIX = "attr_"


class PhoneNumber:
    """Normalise the field to E.164 in the workspace's region, or say why not."""

    def __init__(self, region: str):
        self.region = region

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        try:
            field.data = normalise(field.data, self.region)
        except InvalidPhone as problem:
            raise ValidationError(str(problem)) from problem


class ContactForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=255)], filters=[strip])
    # phone: added by contact_form(), with the workspace's region and rules
    email = EmailField(
        _l("E-Mail-Adresse"),
        validators=[
            Optional(),
            Email(_l("Bitte eine gültige E-Mail-Adresse angeben.")),
            Length(max=254),
        ],
        filters=[strip],
    )
    labels = CheckboxList(_l("Labels"), coerce=int, choices=[])

    def attribute_fields(self):
        return [f for f in self if f.name.startswith(ATTRIBUTE_PREFIX)]

    def attributes(self) -> dict[str, str]:
        """The custom fields' values by key; empty ones are left out."""
        return {
            f.name.removeprefix(ATTRIBUTE_PREFIX): f.data
            for f in self.attribute_fields()
            if f.data
        }


def contact_form(
    fields: list[ContactField],
    labels: list[Label],
    region: str,
    phone_required: bool,
    **kwargs,
) -> ContactForm:
    """A ContactForm with the workspace's own fields, labels and phone rules."""

    class WorkspaceContactForm(ContactForm):
        pass

    for item in fields:
        setattr(
            WorkspaceContactForm,
            ATTRIBUTE_PREFIX + item.key,
            StringField(
                item.label,
                validators=[Optional(), Length(max=500), AttributeValue(item.kind)],
                filters=[strip],
                render_kw={"inputmode": "decimal"} if item.kind == "number" else {},
            ),
        )
    required = (
        [DataRequired(_l("Bitte eine Telefonnummer angeben."))]
        if phone_required
        else [Optional()]
    )
    WorkspaceContactForm.phone = StringField(
        _l("Telefonnummer"),
        validators=[*required, PhoneNumber(region)],
        filters=[strip],
        render_kw={"type": "tel", "autocomplete": "off"},
    )
    form = WorkspaceContactForm(**kwargs)
    form.labels.choices = [SelectChoice(label.id, label.name) for label in labels]
    return form


class AttributeValue:
    """Numbers and dates are checked and stored in one form (dates ISO)."""

    def __init__(self, kind: str):
        self.kind = kind

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        value = custom_value(self.kind, field.data)
        if value is None and self.kind == "number":
            raise ValidationError(_l("Bitte eine Zahl angeben."))
        if value is None:
            raise ValidationError(_l("Bitte ein Datum wie 31.12.2026 angeben."))
        field.data = value


class ConsentForm(FlaskForm):
    """An agent records consent given or withdrawn outside WhatsApp (phone, letter, fair)."""

    purpose = SelectField(
        _l("Zweck"),
        choices=[
            SelectChoice("whatsapp_marketing", _l("WhatsApp-Marketing")),
            SelectChoice("whatsapp_service", _l("WhatsApp-Service")),
        ],
    )
    action = SelectField(
        _l("Erklärung"),
        choices=[
            SelectChoice("opt_in", _l("Einwilligung erteilt")),
            SelectChoice("opt_out", _l("Einwilligung widerrufen")),
        ],
    )
    wording = TextAreaField(
        _l("Wortlaut, dem der Kontakt zugestimmt hat, oder seine Erklärung"),
        validators=[
            DataRequired(_l("Bitte den Wortlaut festhalten.")),
            Length(max=2000),
        ],
        filters=[strip],
    )
    note = StringField(
        _l("Wie und wann erteilt (Nachweis)"),
        description=_l("z. B. „Telefonat am 24.11.2026, Gesprächsnotiz im CRM“"),
        validators=[
            DataRequired(_l("Bitte festhalten, wie die Erklärung vorliegt.")),
            Length(max=500),
        ],
        filters=[strip],
    )


class SegmentForm(FlaskForm):
    """The name a contact list's filters are saved under (the filters ride along)."""

    segment_name = StringField(
        _l("Als Zielgruppe speichern"),
        description=_l("Ein Name, z. B. „Messe-Leads mit Einwilligung“"),
        validators=[
            DataRequired(_l("Bitte einen Namen für die Zielgruppe angeben.")),
            Length(max=80),
        ],
        filters=[strip],
    )
