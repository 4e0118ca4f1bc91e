from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, AnyOf, DataRequired, InputRequired, Length, Optional

from ..forms import email_field
from ..phones import regions

ROLE_LABELS = {
    "owner": _l("Inhaber"),
    "admin": _l("Administrator"),
    "agent": _l("Agent"),
}


class InviteForm(FlaskForm):
    email = email_field()
    role = SelectField(_l("Rolle"), choices=[])


class RoleForm(FlaskForm):
    role = SelectField(_l("Rolle"), choices=[])


class WorkspaceForm(FlaskForm):
    name = StringField(
        _l("Name des Workspace"),
        validators=[
            DataRequired(_l("Bitte geben Sie einen Namen an.")),
            Length(max=120),
        ],
    )
    send_read_receipts = BooleanField(
        _l("Lesebestätigungen senden, wenn jemand aus dem Team ein Gespräch öffnet")
    )
    opt_out_keywords = StringField(
        _l("Stichwörter zur Abmeldung von Marketing-Nachrichten"),
        description=_l(
            "Durch Kommas getrennt. Die ganze Nachricht muss ein Stichwort sein; "
            "Groß- und Kleinschreibung zählen nicht."
        ),
        validators=[Length(max=500)],
    )
    opt_in_keywords = StringField(
        _l("Stichwörter zur erneuten Anmeldung"), validators=[Length(max=500)]
    )
    opt_out_reply = TextAreaField(
        _l("Bestätigung nach einer Abmeldung per Stichwort"),
        description=_l(
            "Wird sofort als Antwort gesendet (das 24-Stunden-Fenster ist offen). "
            "Leer lassen, um nichts zu senden."
        ),
        validators=[Optional(), Length(max=1000)],
    )


class SwitchForm(FlaskForm):
    # Any number: tenancy.switch_workspace answers 404 for one not the user's.
    workspace_id = IntegerField(_l("Workspace"), validators=[InputRequired()])


class TwoFactorPolicyForm(FlaskForm):
    """Owners switch the two-factor requirement on or off (after a confirmation)."""

    required = HiddenField(validators=[AnyOf(["on", "off"])])


class ContactSettingsForm(FlaskForm):
    """How the workspace captures contacts: numbers, consent wording, privacy notice."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.phone_region.choices = [
            SelectChoice(code, name) for code, name in regions(get_locale())
        ]

    phone_region = SelectField(
        _l("Land für Nummern ohne Ländervorwahl"),
        choices=[],
    )
    consent_text = TextAreaField(
        _l("Einwilligungstext für WhatsApp"),
        description=_l(
            "Steht neben dem Häkchen in Ihren Lead-Formularen und wird mit jeder "
            "Einwilligung wörtlich gespeichert. Leer lassen für den Standardtext."
        ),
        validators=[Optional(), Length(max=2000)],
    )
    privacy_url = URLField(
        _l("Adresse Ihrer Datenschutzhinweise"),
        description=_l(
            "Lead-Formulare verlinken darauf; ohne sie bleiben sie offline."
        ),
        validators=[
            Optional(),
            URL(require_tld=False, message=_l("Bitte eine vollständige Adresse.")),
            Length(max=500),
        ],
    )


def role_choices(roles) -> list[SelectChoice]:
    return [SelectChoice(str(role), ROLE_LABELS[str(role)]) for role in roles]
