from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectChoice, SelectField
from wtforms.validators import DataRequired

from ..auth.forms import code_field
from ..auth.password_field import new_password_field
from ..forms import email_field, name_field

LANGUAGE_CHOICES = [SelectChoice("de", "Deutsch"), SelectChoice("en", "English")]


class ProfileForm(FlaskForm):
    name = name_field()
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


def current_password_field() -> PasswordField:
    return PasswordField(
        _l("Aktuelles Passwort"),
        validators=[DataRequired(_l("Bitte bestätigen Sie mit Ihrem Passwort."))],
        render_kw={"autocomplete": "current-password"},
    )


class TwoFactorSetupForm(FlaskForm):
    code = code_field(
        _l("Code aus der App"),
        description=_l("Die sechs Ziffern, die die App jetzt für LeadGate zeigt."),
        inputmode="numeric",
    )
    current_password = current_password_field()


class TwoFactorDisableForm(FlaskForm):
    """On the account page beside other password fields: its own id prefix."""

    current_password = current_password_field()
    code = code_field(_l("Code aus der App oder Wiederherstellungscode"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="disable", **kwargs)


class RecoveryCodesForm(FlaskForm):
    current_password = current_password_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="codes", **kwargs)
