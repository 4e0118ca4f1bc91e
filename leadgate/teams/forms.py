"""The team forms: a new team (its name) and its settings.

Who sees a team's conversations (Team.visibility) is enforced where data is
read (tenancy.py): "team" hides them from agents outside the team.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    IntegerField,
    RadioField,
    StringField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate 3.3
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from ..forms import CheckboxList, strip
from ..models import Channel, Team, User
from ..models.teams import DEFAULT_CAPACITY, MAX_CAPACITY, TEAM_NAME_LENGTH
from .services import AssignmentSettings, name_taken


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
    posted: bool = True,
) -> TeamSettingsForm:
    """The team's form, its choices the workspace's members and numbers.

    posted=False: shown beside another form that was posted (it reads no input).
    """
    form = TeamSettingsForm(
        **({} if posted else {"formdata": None}),
        obj=team,
        members=member_ids,
        channels=[channel.id for channel in channels if channel.team_id == team.id],
    )
    form.workspace_id, form.team_id = team.workspace_id, team.id
    form.members.choices = [(person.id, person.name) for person in people]
    form.channels.choices = [(channel.id, channel.name) for channel in channels]
    return form


class AssignmentForm(FlaskForm):
    """Automatic assignment (routing/): the mode, capacity and "sticky".

    assignment_form adds one optional field per team member for their own
    capacity, named capacity_<user id>: only the team's members get a field,
    so a posted id of anyone else is never read.
    """

    assignment_mode = RadioField(
        _l("Neue Gespräche automatisch zuweisen"),
        choices=[
            SelectChoice("off", _l("Aus: Gespräche warten, bis jemand sie übernimmt")),
            SelectChoice(
                "round_robin", _l("Reihum: der Reihe nach an alle, die online sind")
            ),
            SelectChoice(
                "balanced",
                _l("Ausgewogen: an wen gerade die wenigsten offenen Gespräche hat"),
            ),
        ],
        default="off",
    )
    capacity = IntegerField(
        _l("Höchstens offene Gespräche pro Person"),
        validators=[
            InputRequired(_l("Bitte eine Zahl angeben.")),
            NumberRange(
                1, MAX_CAPACITY, _l("Bitte eine Zahl von %(min)s bis %(max)s.")
            ),
        ],
        description=_l(
            "Wer so viele offene Gespräche hat, bekommt keine neuen, bis eines "
            "erledigt ist. Einzelne Mitglieder können unten eine eigene Zahl haben."
        ),
    )
    sticky = BooleanField(
        _l(
            "Wiederkehrende Kontakte an die Person, die sie zuletzt betreut hat "
            "(wenn sie online ist und Platz hat)"
        )
    )
    # Set by assignment_form: (user id, the member's field), in the list's order.
    member_fields: list[tuple[int, Field]] = []

    def settings(self) -> AssignmentSettings:
        return AssignmentSettings(
            self.assignment_mode.data or "off",
            self.capacity.data or DEFAULT_CAPACITY,
            bool(self.sticky.data),
            {user_id: field.data for user_id, field in self.member_fields},
        )


def assignment_form(
    team: Team, member_ids: list[int], capacities: dict[int, int | None], posted=True
) -> AssignmentForm:
    """The team's assignment form, with a capacity field for each of its members."""

    class TeamAssignmentForm(AssignmentForm):
        pass

    for user_id in member_ids:
        setattr(
            TeamAssignmentForm,
            f"capacity_{user_id}",
            IntegerField(
                _l("Eigene Höchstzahl"),
                validators=[
                    Optional(),
                    NumberRange(
                        1, MAX_CAPACITY, _l("Bitte eine Zahl von %(min)s bis %(max)s.")
                    ),
                ],
                default=capacities.get(user_id),
            ),
        )
    form = TeamAssignmentForm(**({} if posted else {"formdata": None}), obj=team)
    form.member_fields = [(i, form[f"capacity_{i}"]) for i in member_ids]
    return form
