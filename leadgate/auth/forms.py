from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import email_field, name_field
from .password_field import new_password_field


class RegisterForm(FlaskForm):
    name = name_field(_l("Ihr Name"))
    email = email_field()
    password = new_password_field()
    workspace_name = StringField(
        _l("Name Ihres Unternehmens oder Teams"),
        validators=[Optional(), Length(max=120)],
        render_kw={"autocomplete": "organization"},
    )


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        _l("Passwort"),
        validators=[DataRequired(_l("Bitte geben Sie Ihr Passwort ein."))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Angemeldet bleiben"))


def code_field(label, description="", **render_kw) -> StringField:
    """A one-time code: what the authenticator app shows, or a recovery code."""
    return StringField(
        label,
        description=description,
        validators=[
            DataRequired(_l("Bitte geben Sie den Code ein.")),
            Length(max=64),
        ],
        render_kw={
            "autocomplete": "one-time-code",
            "autocapitalize": "off",
            "spellcheck": "false",
            **render_kw,
        },
    )


class LoginCodeForm(FlaskForm):
    code = code_field(
        _l("Code aus der Authenticator-App oder Wiederherstellungscode"),
        description=_l("Sechs Ziffern, oder einer Ihrer zehn Wiederherstellungscodes."),
    )
    remember_device = BooleanField(_l("Dieses Gerät 30 Tage lang merken"))


class PasswordResetRequestForm(FlaskForm):
    email = email_field()


class PasswordResetForm(FlaskForm):
    password = new_password_field(_l("Neues Passwort"))
