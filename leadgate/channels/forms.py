from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..forms import strip

NUMERIC_ID = Regexp(r"^\d{5,32}$", message=_l("Bitte nur die Ziffern der ID eingeben."))


class ChannelForm(FlaskForm):
    name = StringField(
        _l("Anzeigename"),
        validators=[
            DataRequired(_l("Bitte geben Sie einen Namen an.")),
            Length(max=120),
        ],
        filters=[strip],
        description=_l("So erscheint die Nummer im Posteingang, z. B. „Vertrieb“."),
    )
    phone_number_id = StringField(
        _l("Telefonnummer-ID"),
        validators=[
            DataRequired(_l("Bitte geben Sie die Telefonnummer-ID an.")),
            NUMERIC_ID,
        ],
        filters=[strip],
    )
    waba_id = StringField(
        _l("WhatsApp-Business-Account-ID"),
        validators=[DataRequired(_l("Bitte geben Sie die WABA-ID an.")), NUMERIC_ID],
        filters=[strip],
    )
    access_token = PasswordField(
        _l("Zugriffstoken"),
        validators=[
            DataRequired(_l("Bitte geben Sie den Zugriffstoken an.")),
            Length(max=2048),
        ],
        render_kw={"autocomplete": "off"},
    )
    app_secret = PasswordField(
        _l("App-Geheimnis"),
        validators=[
            DataRequired(_l("Bitte geben Sie das App-Geheimnis an.")),
            Length(max=256),
        ],
        render_kw={"autocomplete": "off"},
    )


class SecretsForm(FlaskForm):
    access_token = PasswordField(
        _l("Neuer Zugriffstoken"),
        validators=[Optional(), Length(max=2048)],
        render_kw={"autocomplete": "off"},
    )
    app_secret = PasswordField(
        _l("Neues App-Geheimnis"),
        validators=[Optional(), Length(max=256)],
        render_kw={"autocomplete": "off"},
    )
