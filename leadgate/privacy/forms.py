"""Forms of the irreversible steps: each asks for a typed confirmation or the password."""

import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, ValidationError

from ..forms import strip

# Exactly the word the label asks for, in capitals as written there: "löschen"
# typed out of habit is not the deliberate act the label asks for. Either
# language's word counts, and LOESCHEN for keyboards without an Ö.
CONFIRM_WORDS = {"LÖSCHEN", "LOESCHEN", "DELETE"}


def typed(text: str | None) -> str:
    """What was typed, as one form: composed umlauts (macOS sends O + ¨), single spaces."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def password_field() -> PasswordField:
    return PasswordField(
        _l("Ihr Passwort"),
        validators=[DataRequired(_l("Bitte bestätigen Sie mit Ihrem Passwort."))],
        render_kw={"autocomplete": "current-password"},
    )


class ConfirmWord:
    def __call__(self, form, field) -> None:
        word = typed(field.data)
        if word in CONFIRM_WORDS:
            return
        if word.upper() in CONFIRM_WORDS:
            raise ValidationError(_l("Bitte LÖSCHEN in Großbuchstaben eingeben."))
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
        """Whether the typed name is the workspace's, as written (spaces aside)."""
        return typed(self.name.data) == typed(workspace_name)
