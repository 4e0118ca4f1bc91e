from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..forms import email_field

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


def role_choices(roles) -> list[SelectChoice]:
    return [SelectChoice(str(role), ROLE_LABELS[str(role)]) for role in roles]
