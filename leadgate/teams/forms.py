"""The team forms: a new team (its name) and its settings.

Who sees a team's conversations (Team.visibility) is enforced where data is
read (tenancy.py): "team" hides them from agents outside the team.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate 3.3
from wtforms.validators import DataRequired, Length

from ..forms import CheckboxList, strip
from ..models import Channel, Team, User
from ..models.teams import TEAM_NAME_LENGTH
from .services import name_taken


class TeamForm(FlaskForm):
    name = StringField(
        _l("Name des Teams"),
        validators=[
            DataRequired(_l("Bitte einen Namen angeben.")),
            Length(max=TEAM_NAME_LENGTH),
        ],
        filters=[strip],
    )
    # Set by the view: the current workspace, and the team being edited.
    workspace_id = 0
    team_id: int | None = None

    def validate_name(self, field) -> None:
        if name_taken(self.workspace_id, field.data, self.team_id):
            raise ValidationError(_("Dieses Team gibt es schon."))

    def settings(self) -> str:
        """The name, once validated."""
        return self.name.data or ""


class TeamSettingsForm(TeamForm):
    visibility = RadioField(
        _l("Wer sieht die Gespräche?"),
        choices=[
            SelectChoice("workspace", _l("Alle im Workspace sehen diese Gespräche")),
            SelectChoice("team", _l("Nur das Team (und Inhaber und Admins)")),
        ],
        default="workspace",
    )
    members = CheckboxList(_l("Mitglieder"), coerce=int, choices=[])
    channels = CheckboxList(_l("WhatsApp-Nummern"), coerce=int, choices=[])

    def chosen(self) -> tuple[list[int], list[int]]:
        """The ticked members' user ids and the ticked numbers' ids."""
        return self.members.data or [], self.channels.data or []


def new_team_form(workspace_id: int) -> TeamForm:
    form = TeamForm()
    form.workspace_id = workspace_id
    return form


def settings_form(
    team: Team,
    people: list[User],
    channels: list[Channel],
    member_ids: list[int],
) -> TeamSettingsForm:
    """The team's form, its choices the workspace's members and numbers."""
    form = TeamSettingsForm(
        obj=team,
        members=member_ids,
        channels=[channel.id for channel in channels if channel.team_id == team.id],
    )
    form.workspace_id, form.team_id = team.workspace_id, team.id
    form.members.choices = [(person.id, person.name) for person in people]
    form.channels.choices = [(channel.id, channel.name) for channel in channels]
    return form
