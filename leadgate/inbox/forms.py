"""What the inbox's one-click actions may carry: one small form per POST.

The forms check the shape (a known choice, a number, a time). Whether the action
is allowed stays the answer of team.py or the send rules, shown as before (a
flash, or a 422 notice); malformed input ends in a 422 that names the field
(errors.abort_if_invalid). The global CSRFProtect has checked the token before
any of these forms sees the request.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField
from wtforms.validators import NumberRange, Optional, Regexp

from ..forms import strip
from ..models import STATES
from .presence import STATES as PRESENCE_STATES
from .team import SNOOZE_PRESETS

NOT_A_CHOICE = _l("Keine gültige Auswahl.")
# A row id: at most what a 64-bit column (and SQLite's integer) can hold.
ID = NumberRange(min=1, max=2**63 - 1, message=NOT_A_CHOICE)


class AssignForm(FlaskForm):
    # "me", a teammate's id, or empty to unassign; team.assign knows the team.
    assignee = StringField(
        _l("Zuständig"),
        validators=[
            Optional(),
            Regexp(r"^(me|[1-9][0-9]{0,17})$", message=NOT_A_CHOICE),
        ],
    )

    def assignee_id(self, my_id: int) -> int | None:
        choice = self.assignee.data or ""
        return my_id if choice == "me" else int(choice) if choice else None


class TeamMoveForm(FlaskForm):
    # A team's id, or empty for none; team.move_to_team knows the workspace's teams.
    team = StringField(
        _l("Team"),
        validators=[Optional(), Regexp(r"^[1-9][0-9]{0,17}$", message=NOT_A_CHOICE)],
    )

    def team_id(self) -> int | None:
        return int(self.team.data) if self.team.data else None


class StateForm(FlaskForm):
    # Snoozing has its own action: it needs a time.
    state = SelectField(
        _l("Status"), choices=[state for state in STATES if state != "snoozed"]
    )


class SnoozeForm(FlaskForm):
    # No preset: the chosen time (<input type="datetime-local">, the agent's zone).
    preset = SelectField(
        _l("Zurückstellen bis"), choices=["", *SNOOZE_PRESETS], default=""
    )
    until = DateTimeLocalField(_l("Zeitpunkt"), validators=[Optional()])


class AddLabelForm(FlaskForm):
    label_id = IntegerField(_l("Label"), validators=[ID])


class ReasonForm(FlaskForm):
    reason = StringField(_l("Grund"), default="")


class NoteForm(FlaskForm):
    note = StringField(_l("Interne Notiz"), default="")


class PresenceForm(FlaskForm):
    state = SelectField(_l("Status"), choices=list(PRESENCE_STATES), default="viewing")


class PanelForm(FlaskForm):
    state = SelectField(_l("Seitenleiste"), choices=["open", "closed"], default="open")


class ReactForm(FlaskForm):
    emoji = StringField(_l("Reaktion"), default="", filters=[strip])


class ComposerForm(FlaskForm):
    text = StringField(_l("Nachricht"), default="")
    reply_to = IntegerField(_l("Antwort auf"), validators=[Optional(), ID])


class TemplateChoiceForm(FlaskForm):
    # The workspace's approved templates are checked by the view (composer).
    template_id = IntegerField(_l("Vorlage"), validators=[Optional(), ID])
