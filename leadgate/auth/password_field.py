"""The new-password field of every form that sets one: strength checked by passwords.py.

Here, not in the shared forms.py, because the strength rule is the auth feature's.
"""

import re

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import DataRequired, ValidationError

from .passwords import password_problem


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
