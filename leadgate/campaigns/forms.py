"""The campaign wizard's forms, one per step; choices are filled in by the view."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    RadioField,
    SelectField,
    StringField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate 3.3
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import strip

# For utility messages: what they rest on (Art. 6(1) GDPR). Marketing always
# rests on each recipient's recorded consent, so it offers no choice.
BASIS_CHOICES = [
    SelectChoice(
        "contract", _l("Vertrag oder Anfrage des Kontakts (Art. 6 Abs. 1 lit. b DSGVO)")
    ),
    SelectChoice(
        "legitimate_interest",
        _l(
            "Berechtigtes Interesse, z. B. Terminerinnerung (Art. 6 Abs. 1 lit. f DSGVO)"
        ),
    ),
]


class BasicsForm(FlaskForm):
    name = StringField(
        _l("Name der Kampagne"),
        description=_l("Nur intern sichtbar, z. B. „Frühjahrsangebot 2027“"),
        validators=[DataRequired(_l("Bitte einen Namen angeben.")), Length(max=120)],
        filters=[strip],
    )
    channel = SelectField(
        _l("Senden von Nummer"),
        coerce=int,
        validators=[InputRequired(_l("Bitte eine Nummer wählen."))],
    )


class AudienceForm(FlaskForm):
    # "segment:<id>" or "label:<id>"; grouped choices (optgroups) by the view.
    audience = SelectField(
        _l("Zielgruppe oder Label"),
        validators=[DataRequired(_l("Bitte eine Zielgruppe wählen."))],
    )


class TemplateForm(FlaskForm):
    template = SelectField(
        _l("Vorlage"),
        coerce=int,
        validators=[InputRequired(_l("Bitte eine Vorlage wählen."))],
    )
    lawful_basis = SelectField(
        _l("Rechtsgrundlage"),
        choices=BASIS_CHOICES,
        validators=[Optional()],
    )
    header_file = FileField(_l("Datei für die Kopfzeile"))


class ScheduleForm(FlaskForm):
    when = RadioField(
        _l("Wann senden?"),
        choices=[
            SelectChoice("now", _l("Beim Start sofort")),
            SelectChoice("later", _l("Zu einem Zeitpunkt")),
        ],
        default="now",
    )
    date = DateField(_l("Datum"), validators=[Optional()])
    time = TimeField(_l("Uhrzeit"), validators=[Optional()])
