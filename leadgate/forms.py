"""Validators and fields shared by several forms."""

import re

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from .auth.passwords import password_problem


def strip(value):
    return value.strip() if isinstance(value, str) else value


def email_field(label=None) -> EmailField:
    return EmailField(
        label or _l("E-Mail-Adresse"),
        validators=[
            DataRequired(_l("Bitte geben Sie Ihre E-Mail-Adresse an.")),
            Email(_l("Bitte geben Sie eine gültige E-Mail-Adresse an.")),
            Length(max=254),
        ],
        filters=[strip],
        render_kw={"autocomplete": "email"},
    )


class StrongPassword:
    """Reject weak passwords; name and email of the form count as guessable words."""

    def __call__(self, form, field) -> None:
        inputs = []
        for name in ("name", "email"):
            value = getattr(getattr(form, name, None), "data", None)
            if isinstance(value, str):
                inputs += re.split(r"[\s@._+-]+", value.lower())
        problem = password_problem(field.data or "", inputs)
        if problem:
            raise ValidationError(problem)


def new_password_field(label=None) -> PasswordField:
    return PasswordField(
        label or _l("Passwort"),
        validators=[
            DataRequired(_l("Bitte wählen Sie ein Passwort.")),
            StrongPassword(),
        ],
        render_kw={"autocomplete": "new-password", "minlength": 10},
        description=_l("Mindestens 10 Zeichen; mehrere zufällige Wörter sind ideal."),
    )


def form_status(form) -> int:
    """422 for a submitted form that failed, so htmx and tests can tell."""
    return 422 if form.is_submitted() else 200
