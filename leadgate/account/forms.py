from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..forms import email_field, new_password_field

LANGUAGE_CHOICES = [SelectChoice("de", "Deutsch"), SelectChoice("en", "English")]


class ProfileForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Bitte geben Sie Ihren Namen an.")),
            Length(max=120),
        ],
        render_kw={"autocomplete": "name"},
    )
    locale = SelectField(_l("Sprache"), choices=LANGUAGE_CHOICES)


class EmailChangeForm(FlaskForm):
    email = email_field(_l("Neue E-Mail-Adresse"))
    current_password = PasswordField(
        _l("Aktuelles Passwort"),
        validators=[DataRequired(_l("Bitte bestätigen Sie mit Ihrem Passwort."))],
        render_kw={"autocomplete": "current-password"},
    )


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("Aktuelles Passwort"),
        validators=[DataRequired(_l("Bitte geben Sie Ihr aktuelles Passwort ein."))],
        render_kw={"autocomplete": "current-password"},
    )
    password = new_password_field(_l("Neues Passwort"))
