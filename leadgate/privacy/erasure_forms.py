"""Forms of the irreversible steps: each asks for a typed confirmation or the password."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, ValidationError

from ..forms import strip

# Accepted in either language and any case: what matters is the deliberate act
# of typing it, not the keyboard (no Ö on an English one).
CONFIRM_WORDS = {"löschen", "loeschen", "delete"}


def password_field() -> PasswordField:
    return PasswordField(
        _l("Ihr Passwort"),
        validators=[DataRequired(_l("Bitte bestätigen Sie mit Ihrem Passwort."))],
        render_kw={"autocomplete": "current-password"},
    )


class ConfirmWord:
    def __call__(self, form, field) -> None:
        if (field.data or "").casefold() not in CONFIRM_WORDS:
            raise ValidationError(_l("Bitte geben Sie zur Bestätigung LÖSCHEN ein."))


class EraseContactForm(FlaskForm):
    confirm = StringField(
        _l("Zur Bestätigung LÖSCHEN eingeben"),
        validators=[
            DataRequired(_l("Bitte geben Sie zur Bestätigung LÖSCHEN ein.")),
            ConfirmWord(),
        ],
        filters=[strip],
        render_kw={"autocomplete": "off", "autocapitalize": "characters"},
    )


class DeleteAccountForm(FlaskForm):
    current_password = password_field()


class TransferForm(FlaskForm):
    member = SelectField(
        _l("Neuer Inhaber"),
        coerce=int,
        choices=[],
        validate_choice=True,
    )
    current_password = password_field()


class DeleteWorkspaceForm(FlaskForm):
    name = StringField(
        _l("Name des Workspace zur Bestätigung"),
        validators=[DataRequired(_l("Bitte geben Sie den Namen des Workspace ein."))],
        filters=[strip],
        render_kw={"autocomplete": "off"},
    )
    current_password = password_field()

    def names(self, workspace_name: str) -> bool:
        """Whether the typed name is the workspace's (spaces and case aside)."""
        typed = " ".join((self.name.data or "").split()).casefold()
        return typed == " ".join(workspace_name.split()).casefold()
